//! Entity events: creation, update, deletion and submission of scenarios, sequences, tasks,
//! data nodes, jobs, submissions and cycles, delivered to subscribers through a channel or a
//! callback.
//!
//! Events are notifications, sent by the thread that made the change after it was staged; they
//! are not persisted and a process only sees its own. Job and submission events are produced for
//! submissions started while at least one subscriber exists (a submission with no subscriber pays
//! nothing for them).
//!
//! ```
//! use taipy_core::prelude::*;
//! use taipy_core::{EntityType, EventFilter, Operation};
//!
//! let store = Store::temporary()?;
//! let events = store.subscribe(EventFilter::all().entity(EntityType::Scenario));
//! let config = ScenarioConfig::builder("c").node(DataNodeConfig::with_default("x", 1i64)).build()?;
//! let s = Scenario::create(&store, &config, "s")?;
//! let event = events.try_recv()?;
//! assert_eq!((event.entity, event.operation, event.id.as_str()), (EntityType::Scenario, Operation::Creation, s.id()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

/// The kind of entity an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EntityType {
    /// A scenario.
    Scenario,
    /// A sequence of a scenario (id: `<scenario id>/<sequence>`).
    Sequence,
    /// A task of a scenario (id: `<scenario id>/<task>`).
    Task,
    /// A data node instance.
    DataNode,
    /// A job.
    Job,
    /// A submission.
    Submission,
    /// A cycle.
    Cycle,
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// The entity was created.
    Creation,
    /// The entity changed; [`Event::attribute`] says what.
    Update,
    /// The entity was deleted.
    Deletion,
    /// The entity (scenario, sequence or task) was submitted.
    Submission,
}

/// One entity event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// The kind of entity.
    pub entity: EntityType,
    /// The entity's id.
    pub id: String,
    /// What happened.
    pub operation: Operation,
    /// For an update, what changed (`status`, `version`, `tags`, `edit_lock` ...).
    pub attribute: Option<String>,
    /// For an update, the new value in words (a status, a version number ...).
    pub value: Option<String>,
}

impl Event {
    /// An event without attribute.
    pub(crate) fn new(entity: EntityType, id: impl Into<String>, operation: Operation) -> Self {
        Self { entity, id: id.into(), operation, attribute: None, value: None }
    }

    /// An update of `attribute` to `value`.
    pub(crate) fn update(
        entity: EntityType,
        id: impl Into<String>,
        attribute: &str,
        value: impl Into<String>,
    ) -> Self {
        Self {
            entity,
            id: id.into(),
            operation: Operation::Update,
            attribute: Some(attribute.to_owned()),
            value: Some(value.into()),
        }
    }
}

/// Which events a subscriber receives: every criterion left unset matches anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    entity: Option<EntityType>,
    id: Option<String>,
    operation: Option<Operation>,
}

impl EventFilter {
    /// Every event.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only events about entities of this type.
    pub fn entity(mut self, entity: EntityType) -> Self {
        self.entity = Some(entity);
        self
    }

    /// Only events about the entity with this id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Only events of this operation.
    pub fn operation(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Whether `event` passes the filter.
    pub fn matches(&self, event: &Event) -> bool {
        self.entity.is_none_or(|e| e == event.entity)
            && self.id.as_deref().is_none_or(|id| id == event.id)
            && self.operation.is_none_or(|o| o == event.operation)
    }
}

/// A subscription made with [`Store::on_event`](crate::Store::on_event); pass it to [`Store::unsubscribe`](crate::Store::unsubscribe) to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

type Callback = Arc<dyn Fn(&Event) + Send + Sync>;

pub(crate) enum Sink {
    Channel(Sender<Event>),
    Callback(Callback),
}

struct Subscriber {
    id: u64,
    filter: EventFilter,
    sink: Sink,
}

/// The subscribers of one store.
#[derive(Default)]
pub(crate) struct Hub {
    subscribers: Mutex<Vec<Subscriber>>,
    active: AtomicBool,
    next: AtomicU64,
}

impl Hub {
    /// Whether anyone listens (cheap: callers skip building events otherwise).
    pub(crate) fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    pub(crate) fn add(&self, filter: EventFilter, sink: Sink) -> SubscriptionId {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut subscribers = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subscribers.push(Subscriber { id, filter, sink });
        self.active.store(true, Ordering::Release);
        SubscriptionId(id)
    }

    /// Ends a subscription.
    pub(crate) fn remove_subscription(&self, subscription: SubscriptionId) {
        self.remove(|s| s.id != subscription.0);
    }

    fn remove(&self, keep: impl Fn(&Subscriber) -> bool) {
        let mut subscribers = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subscribers.retain(keep);
        self.active.store(!subscribers.is_empty(), Ordering::Release);
    }

    /// Delivers `event` to the subscribers it matches. Callbacks run outside the lock; a
    /// panicking callback is ignored; a dropped receiver ends its subscription.
    pub(crate) fn emit(&self, event: Event) {
        if !self.is_active() {
            return;
        }
        let mut callbacks = Vec::new();
        let mut closed = Vec::new();
        {
            let subscribers = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
            for subscriber in subscribers.iter().filter(|s| s.filter.matches(&event)) {
                match &subscriber.sink {
                    Sink::Channel(sender) => {
                        if sender.send(event.clone()).is_err() {
                            closed.push(subscriber.id);
                        }
                    }
                    Sink::Callback(callback) => callbacks.push(callback.clone()),
                }
            }
        }
        if !closed.is_empty() {
            self.remove(|s| !closed.contains(&s.id));
        }
        for callback in callbacks {
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| callback(&event)));
        }
    }
}
