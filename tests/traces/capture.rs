//! A `tracing` layer that keeps what the runtime reports, for tests to look at: every span with
//! its fields, and every event with its level, fields and the spans it happened in.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// Field name → value as text (`Display` for `%` fields, `Debug` for the others, strings bare).
pub(crate) type Fields = BTreeMap<String, String>;

/// A span and its fields (those given later with `Span::record` included).
#[derive(Clone, Debug)]
pub(crate) struct SpanData {
    pub(crate) name: String,
    pub(crate) fields: Fields,
}

/// An event: its level, its fields (`message` included) and its spans, innermost first.
#[derive(Clone, Debug)]
pub(crate) struct EventData {
    pub(crate) level: Level,
    pub(crate) fields: Fields,
    pub(crate) spans: Vec<SpanData>,
}

impl EventData {
    /// The event's message.
    pub(crate) fn message(&self) -> &str {
        self.fields.get("message").map_or("", String::as_str)
    }

    /// A field of the event, or else of its innermost span that has it.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        let from_spans = self.spans.iter().find_map(|s| s.fields.get(name));
        self.fields.get(name).or(from_spans).map(String::as_str)
    }

    /// Whether the event happened inside a span named `name`.
    pub(crate) fn within(&self, name: &str) -> bool {
        self.spans.iter().any(|s| s.name == name)
    }
}

/// What was captured.
#[derive(Clone, Default)]
pub(crate) struct Captured {
    spans: Arc<Mutex<Vec<SpanData>>>,
    events: Arc<Mutex<Vec<EventData>>>,
}

impl Captured {
    /// Every span created, in order (with the fields given at creation).
    pub(crate) fn spans(&self) -> Vec<SpanData> {
        self.spans.lock().unwrap().clone()
    }

    /// Every event, in order.
    pub(crate) fn events(&self) -> Vec<EventData> {
        self.events.lock().unwrap().clone()
    }

    /// The events whose message is `message`.
    pub(crate) fn events_named(&self, message: &str) -> Vec<EventData> {
        self.events().into_iter().filter(|e| e.message() == message).collect()
    }
}

/// Runs `f` with a capturing subscriber as this thread's default; returns what it captured.
pub(crate) fn capture<R>(f: impl FnOnce() -> R) -> (R, Captured) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(CaptureLayer(captured.clone()));
    // While a process has exactly one `Dispatch`, a callsite first reached on a thread without
    // a subscriber caches "never" for every thread (tokio-rs/tracing#3614): a second one, kept
    // for good, avoids that path.
    static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
    let result = tracing::subscriber::with_default(subscriber, || {
        tracing::callsite::rebuild_interest_cache(); // for callsites registered meanwhile
        f()
    });
    (result, captured)
}

/// Runs `f` with a capturing subscriber as the global default, seen by every thread; returns
/// what it captured. At most once per process.
pub(crate) fn capture_global<R>(f: impl FnOnce() -> R) -> (R, Captured) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::registry().with(CaptureLayer(captured.clone()));
    tracing::subscriber::set_global_default(subscriber).expect("the first global subscriber");
    (f(), captured)
}

struct CaptureLayer(Captured);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for CaptureLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = FieldsVisitor::default();
        attrs.record(&mut fields);
        let data = SpanData { name: attrs.metadata().name().to_owned(), fields: fields.0 };
        self.0.spans.lock().unwrap().push(data.clone());
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(data);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(data) = span.extensions_mut().get_mut::<SpanData>()
        {
            let mut fields = FieldsVisitor(std::mem::take(&mut data.fields));
            values.record(&mut fields);
            data.fields = fields.0;
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = FieldsVisitor::default();
        event.record(&mut fields);
        let spans = ctx
            .event_scope(event)
            .map(|scope| scope.filter_map(|span| span.extensions().get::<SpanData>().cloned()).collect())
            .unwrap_or_default();
        let data = EventData { level: *event.metadata().level(), fields: fields.0, spans };
        self.0.events.lock().unwrap().push(data);
    }
}

#[derive(Default)]
struct FieldsVisitor(Fields);

impl Visit for FieldsVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}
