//! Type layouts: what a stored value's bytes mean.
//!
//! postcard is not self-describing: bytes written for `Reading { city: String, country: String }`
//! decode without complaint as `Reading { country: String, city: String }` (fields exchanged),
//! and as a struct with one more field they fail with a message about UTF-8. So every value is
//! stored with the fingerprint of its type's [`Layout`], and a value whose layout differs from
//! its type's current one is never decoded (see `node.rs`), and a task whose input or output
//! layouts changed re-runs (see `orchestrator/skip.rs`).
//!
//! For serde types the layout is traced from the type's serde implementation with
//! `serde-reflection`, once per type and process ([`Layout::of_serde`]): field names and order,
//! field types, enum variant names and order, and the names of the structs and enums involved
//! (serde's names, without module paths) all enter it, and so does what serde attributes change
//! (`rename`, `skip`...). The readable form is what messages show, e.g.
//! `Reading { city: String, temp: f64 }`; the fingerprint is the hash of that text.
//!
//! Tracing deserializes sample values, so a few types cannot be traced: one holding two
//! different types that serde names alike (`Range<u32>` and `Range<f64>`), or a field whose
//! `Deserialize` refuses every sample (a date parsed from a string). For them:
//! - `#[derive(DataValue)]` falls back to the layout its declaration writes (`declared.rs`):
//!   field names and order, field types as written, variant names, serde attributes, and the
//!   layout of each field's type traced on its own;
//! - [`serde_value!`](crate::serde_value) and taipy's std impls fall back to the type's name
//!   ([`Layout::of_serde_or_name`]), which sees a renamed type but not a changed field: every
//!   job reading or writing such a type says so in its warning.

use std::any::TypeId;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};

use foldhash::HashMap;
use serde::de::DeserializeOwned;
use serde_reflection::{ContainerFormat, Format, Named, Registry, Tracer, TracerConfig, VariantFormat};

use crate::fingerprint::Fingerprint;

/// The layout of a stored type: a readable description of what its stored bytes mean, and its
/// fingerprint. Two types with the same layout read each other's values correctly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    fingerprint: Fingerprint,
    text: &'static str,
    name_only: bool,
}

impl Layout {
    /// A layout from its readable description (the fingerprint is the description's hash).
    /// Layouts are made once per type and kept for the life of the process.
    pub fn from_text(text: &str) -> Self {
        let fingerprint = Fingerprint::of_bytes("taipy.layout.v1", text.as_bytes());
        let mut known = lock(texts());
        let text = *known.entry(fingerprint).or_insert_with(|| Box::leak(text.to_owned().into_boxed_str()));
        Self { fingerprint, text, name_only: false }
    }

    /// [`Layout::of_serde`], or when the type cannot be traced, a layout made of the type's
    /// name alone ([`is_name_only`](Self::is_name_only)): a renamed type is seen, a changed
    /// field is **not**. What [`serde_value!`](crate::serde_value) uses; `#[derive(DataValue)]`
    /// falls back to the type's declaration instead, which sees changed fields.
    ///
    /// The name is `std::any::type_name`'s, which Rust does not promise to keep across compiler
    /// versions: should it change, producers re-run and a source node asks for a new value.
    pub fn of_serde_or_name<T: DeserializeOwned + 'static>() -> Self {
        static CACHE: PerType<Layout> = OnceLock::new();
        once_per_type::<T, _>(&CACHE, || {
            Self::of_serde::<T>().unwrap_or_else(|| {
                let text =
                    format!("{} (name only: serde-reflection cannot trace it)", std::any::type_name::<T>());
                Self { name_only: true, ..Self::from_text(&text) }
            })
        })
    }

    /// Whether this layout is only the type's name ([`Layout::of_serde_or_name`]): changes to
    /// the type's fields are not detected.
    pub fn is_name_only(&self) -> bool {
        self.name_only
    }

    /// The layout of a serde type, traced from its serde implementation once per process;
    /// `None` if it cannot be traced (two different types serde names alike, a custom
    /// `Deserialize` that validates its input, or one that asks the format what comes next).
    /// See [`Layout::of_serde_or_name`] and `#[derive(DataValue)]` for the fallbacks.
    pub fn of_serde<T: DeserializeOwned + 'static>() -> Option<Self> {
        static CACHE: PerType<Option<Layout>> = OnceLock::new();
        once_per_type::<T, _>(&CACHE, || trace::<T>().map(|text| Self::from_text(&text)))
    }

    /// The fingerprint stored beside each value of the type.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The readable description, e.g. `Reading { city: String, temp: f64 }`.
    pub fn text(&self) -> &'static str {
        self.text
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text)
    }
}

/// A value computed once per type for the life of the process.
type PerType<V> = OnceLock<Mutex<HashMap<TypeId, V>>>;

/// `T`'s entry of `cache`, computed by `compute` the first time. `compute` runs outside the
/// lock: tracing runs the type's own serde code, which may ask for other types' layouts.
fn once_per_type<T: 'static, V: Copy>(cache: &'static PerType<V>, compute: impl FnOnce() -> V) -> V {
    let cache = cache.get_or_init(Mutex::default);
    if let Some(value) = lock(cache).get(&TypeId::of::<T>()) {
        return *value;
    }
    let value = compute();
    *lock(cache).entry(TypeId::of::<T>()).or_insert(value)
}

/// The readable description of a layout fingerprint made in this process, if any.
pub(crate) fn known_text(fingerprint: &Fingerprint) -> Option<&'static str> {
    lock(texts()).get(fingerprint).copied()
}

fn texts() -> &'static Mutex<HashMap<Fingerprint, &'static str>> {
    static TEXTS: OnceLock<Mutex<HashMap<Fingerprint, &'static str>>> = OnceLock::new();
    TEXTS.get_or_init(Mutex::default)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Traces `T`'s serde implementation into its readable layout: with the tracer's default
/// values first, then with non-zero numbers for a type that refuses a zero (`NonZeroU32`, as
/// a field). The values never enter the layout, so a type traced either way has one layout.
fn trace<T: DeserializeOwned>() -> Option<String> {
    let non_zero = || {
        TracerConfig::default()
            .default_u8_value(1)
            .default_u16_value(1)
            .default_u32_value(1)
            .default_u64_value(1)
            .default_u128_value(1)
            .default_i8_value(1)
            .default_i16_value(1)
            .default_i32_value(1)
            .default_i64_value(1)
            .default_i128_value(1)
            .default_f32_value(1.0)
            .default_f64_value(1.0)
    };
    trace_with::<T>(TracerConfig::default).or_else(|| trace_with::<T>(non_zero))
}

/// Traces `T` with tracers made by `config`. Enums nested in `T` are traced again until every
/// variant is known (serde-reflection completes only the top-level type in one pass).
fn trace_with<T: DeserializeOwned>(config: impl Fn() -> TracerConfig) -> Option<String> {
    let mut nested: Vec<String> = Vec::new();
    for _ in 0..16 {
        let mut tracer = Tracer::new(config());
        let (format, _) = tracer.trace_simple_type::<T>().ok()?;
        // Re-trace while a nested enum still has unseen variants (at most a bounded number).
        for _ in 0..256 {
            let pending: Vec<&String> =
                nested.iter().filter(|name| tracer.check_incomplete_enum(name).is_some()).collect();
            if pending.is_empty() {
                break;
            }
            tracer.trace_simple_type::<T>().ok()?;
        }
        match tracer.registry() {
            Ok(registry) => return Some(describe(&format, &registry)),
            Err(serde_reflection::Error::MissingVariants(names)) => {
                let before = nested.len();
                nested.extend(names.into_iter().filter(|n| !nested.contains(n)).collect::<Vec<_>>());
                if nested.len() == before {
                    return None;
                }
            }
            Err(_) => return None,
        }
    }
    None
}

/// The readable layout: the top-level format, then each named container it uses, in the order
/// first met.
fn describe(top: &Format, registry: &Registry) -> String {
    let mut order: Vec<&str> = Vec::new();
    collect_names(top, registry, &mut order);
    let mut out = String::new();
    if !matches!(top, Format::TypeName(_)) {
        out.push_str(&format_of(top));
    }
    for name in order {
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(&container(name, &registry[name]));
    }
    out
}

fn collect_names<'a>(format: &'a Format, registry: &'a Registry, order: &mut Vec<&'a str>) {
    let visit = |f: &'a Format, order: &mut Vec<&'a str>| collect_names(f, registry, order);
    match format {
        Format::TypeName(name) => {
            if order.contains(&name.as_str()) {
                return;
            }
            let Some((name, container)) = registry.get_key_value(name) else { return };
            order.push(name);
            match container {
                ContainerFormat::UnitStruct => {}
                ContainerFormat::NewTypeStruct(f) => visit(f, order),
                ContainerFormat::TupleStruct(fs) => fs.iter().for_each(|f| visit(f, order)),
                ContainerFormat::Struct(fields) => fields.iter().for_each(|f| visit(&f.value, order)),
                ContainerFormat::Enum(variants) => {
                    for variant in variants.values() {
                        match &variant.value {
                            VariantFormat::NewType(f) => visit(f, order),
                            VariantFormat::Tuple(fs) => fs.iter().for_each(|f| visit(f, order)),
                            VariantFormat::Struct(fields) => {
                                fields.iter().for_each(|f| visit(&f.value, order))
                            }
                            VariantFormat::Unit | VariantFormat::Variable(_) => {}
                        }
                    }
                }
            }
        }
        Format::Option(f) | Format::Seq(f) | Format::TupleArray { content: f, .. } => visit(f, order),
        Format::Map { key, value } => {
            visit(key, order);
            visit(value, order);
        }
        Format::Tuple(fs) => fs.iter().for_each(|f| visit(f, order)),
        _ => {}
    }
}

fn format_of(format: &Format) -> String {
    match format {
        Format::Variable(_) => "?".into(),
        Format::TypeName(name) => name.clone(),
        Format::Unit => "()".into(),
        Format::Bool => "bool".into(),
        Format::I8 => "i8".into(),
        Format::I16 => "i16".into(),
        Format::I32 => "i32".into(),
        Format::I64 => "i64".into(),
        Format::I128 => "i128".into(),
        Format::U8 => "u8".into(),
        Format::U16 => "u16".into(),
        Format::U32 => "u32".into(),
        Format::U64 => "u64".into(),
        Format::U128 => "u128".into(),
        Format::F32 => "f32".into(),
        Format::F64 => "f64".into(),
        Format::Char => "char".into(),
        Format::Str => "String".into(),
        Format::Bytes => "bytes".into(),
        Format::Option(f) => format!("Option<{}>", format_of(f)),
        Format::Seq(f) => format!("Vec<{}>", format_of(f)),
        Format::Map { key, value } => format!("Map<{}, {}>", format_of(key), format_of(value)),
        Format::Tuple(fs) => format!("({})", list(fs)),
        Format::TupleArray { content, size } => format!("[{}; {size}]", format_of(content)),
    }
}

fn list(formats: &[Format]) -> String {
    formats.iter().map(format_of).collect::<Vec<_>>().join(", ")
}

fn fields(fields: &[Named<Format>]) -> String {
    let inner: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.name, format_of(&f.value))).collect();
    format!("{{ {} }}", inner.join(", "))
}

fn container(name: &str, container: &ContainerFormat) -> String {
    match container {
        ContainerFormat::UnitStruct => name.to_owned(),
        ContainerFormat::NewTypeStruct(f) => format!("{name}({})", format_of(f)),
        ContainerFormat::TupleStruct(fs) => format!("{name}({})", list(fs)),
        ContainerFormat::Struct(fs) => format!("{name} {}", fields(fs)),
        ContainerFormat::Enum(variants) => {
            let mut out = format!("enum {name} {{ ");
            for (i, variant) in variants.values().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = match &variant.value {
                    VariantFormat::Unit | VariantFormat::Variable(_) => write!(out, "{}", variant.name),
                    VariantFormat::NewType(f) => write!(out, "{}({})", variant.name, format_of(f)),
                    VariantFormat::Tuple(fs) => write!(out, "{}({})", variant.name, list(fs)),
                    VariantFormat::Struct(fs) => write!(out, "{} {}", variant.name, fields(fs)),
                };
            }
            out.push_str(" }");
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    mod before {
        #[derive(serde::Serialize, serde::Deserialize)]
        pub(super) struct Reading {
            pub(super) city: String,
            pub(super) country: String,
        }
    }

    #[derive(Serialize, Deserialize)]
    struct Reading {
        country: String,
        city: String,
    }

    #[derive(Serialize, Deserialize)]
    enum Unit {
        Celsius,
        Kelvin { offset: f64 },
    }

    #[derive(Serialize, Deserialize)]
    struct Station {
        name: String,
        unit: Unit,
        readings: Vec<(u32, Option<f64>)>,
    }

    #[test]
    fn field_names_order_and_types_enter_the_layout() {
        let old = Layout::of_serde::<before::Reading>().unwrap();
        let new = Layout::of_serde::<Reading>().unwrap();
        assert_eq!(old.text(), "Reading { city: String, country: String }");
        assert_eq!(new.text(), "Reading { country: String, city: String }");
        assert_ne!(old.fingerprint(), new.fingerprint());
        assert_eq!(Layout::of_serde::<Reading>(), Some(new), "cached and stable");
        assert_eq!(Layout::of_serde::<f64>().unwrap().text(), "f64");
        assert_eq!(
            Layout::of_serde::<Vec<Reading>>().unwrap().text(),
            "Vec<Reading>; Reading { country: String, city: String }"
        );
    }

    /// A value stored before layouts were recorded is read as the current type (decision: it
    /// was written by this program's type before the upgrade); one with another layout is not.
    #[test]
    fn only_a_recorded_different_layout_is_a_mismatch() {
        use crate::value::{Stored, encode_serde, layout_mismatch};
        let now = Layout::of_serde::<Reading>();
        let old = Layout::of_serde::<before::Reading>().unwrap().fingerprint();
        let legacy = encode_serde(&7i64).unwrap();
        assert_eq!(layout_mismatch(&legacy, now), None);
        let current = Stored { layout: now.map(|l| l.fingerprint()), ..legacy.clone() };
        assert_eq!(layout_mismatch(&current, now), None);
        let changed = Stored { layout: Some(old), ..legacy.clone() };
        assert_eq!(layout_mismatch(&changed, now), Some(old));
        assert_eq!(layout_mismatch(&changed, None), None, "a type without a layout checks nothing");
    }

    #[derive(Serialize, Deserialize)]
    struct Counted {
        city: String,
        country: String,
        readings: std::num::NonZeroU32,
    }

    /// A type whose `Deserialize` refuses the tracer's default zero (`NonZeroU32`) is still
    /// traced: without a layout, swapping `city` and `country` would read them swapped.
    #[test]
    fn non_zero_integers_are_traced() {
        let layout = Layout::of_serde::<Counted>().expect("a layout");
        assert_eq!(layout.text(), "Counted { city: String, country: String, readings: u32 }");
    }

    /// A date kept as text and parsed on reading: its `Deserialize` refuses the tracer's "".
    struct Date(#[allow(dead_code)] u32);

    impl<'de> Deserialize<'de> for Date {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let text = String::deserialize(deserializer)?;
            text.replace('-', "").parse().map(Date).map_err(serde::de::Error::custom)
        }
    }

    #[derive(Deserialize)]
    struct Dated {
        _city: String,
        _on: Date,
    }

    #[derive(Deserialize)]
    struct Spans {
        _days: std::ops::Range<u32>,
        _temps: std::ops::Range<f64>,
    }

    /// What the README states ("Your own types"): these cannot be traced, so `of_serde` is
    /// `None`, and `of_serde_or_name` (what `serde_value!` uses) falls back to the type's name,
    /// marked as such; `#[derive(DataValue)]` falls back to the declaration instead
    /// (`declared.rs`, and `tests/untraceable_types.rs` for the swapped fields it detects).
    #[test]
    fn untraceable_types_fall_back_to_their_name() {
        assert_eq!(Layout::of_serde::<Dated>(), None, "a field refusing every sample");
        assert_eq!(Layout::of_serde::<Spans>(), None, "two types of one serde name");
        let named = Layout::of_serde_or_name::<Spans>();
        assert!(named.is_name_only());
        assert_eq!(
            named.text(),
            "taipy_core::value::layout::tests::Spans (name only: serde-reflection cannot trace it)"
        );
        assert_ne!(named, Layout::of_serde_or_name::<Dated>());
        let traced = Layout::of_serde_or_name::<Reading>();
        assert!(!traced.is_name_only());
        assert_eq!(Some(traced), Layout::of_serde::<Reading>());
    }

    #[test]
    fn nested_enums_are_traced_to_their_last_variant() {
        let layout = Layout::of_serde::<Station>().unwrap();
        assert_eq!(
            layout.text(),
            "Station { name: String, unit: Unit, readings: Vec<(u32, Option<f64>)> }; \
             enum Unit { Celsius, Kelvin { offset: f64 } }"
        );
        assert_eq!(known_text(&layout.fingerprint()), Some(layout.text()));
    }
}
