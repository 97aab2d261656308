//! The registry of `#[task]` functions and `scenario!` configs, so TOML configs and tools can
//! find them by name at run time.
//!
//! `#[task]` and `scenario!` submit an entry for every task and scenario with `inventory`.
//! Entries are collected when the program starts, from every object file the linker kept.
//! **The linking trap:** a library crate whose items the binary never references may be left
//! out by the linker, and its entries with it. Three guards:
//!
//! - a scenario type's `config()` records its own entry and those of its tasks at run time, so
//!   using a scenario type is enough to make it and its tasks findable;
//! - an empty registry (or a name that is not found) is an error that says so, instead of a
//!   silent "nothing to run";
//! - [`link!`](crate::link) names a crate of tasks the binary otherwise never mentions (a TOML
//!   config's tasks, found by name only): one line, `taipy::link!(my_tasks);`, that the linker
//!   cannot drop.

/// Keeps the `#[task]`s and `scenario!`s of crates the program never otherwise references
/// registered: `taipy::link!(my_tasks);`, one line (any number of crates, comma-separated) in
/// the binary, at module level (the top of `main.rs`).
///
/// **Why:** tasks register themselves when the program starts, from every crate the linker
/// kept; a crate whose items the binary never names (its tasks are found by name, from a TOML
/// config) is not linked at all, so its tasks are silently missing and the config fails with
/// "no task registered". This expands to `extern crate my_tasks as _;`, which links the crate
/// whether or not anything in it is used (rustc then keeps every registration in it). The crate
/// needs nothing of its own: `#[task]`s alone are enough.
///
/// ```
/// // A crate this program never otherwise uses (here the standard library's `alloc`).
/// taipy_core::link!(alloc);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! link {
    ($($krate:ident),+ $(,)?) => {
        $(extern crate $krate as _;)+
    };
}

/// The advice the lookups' errors give when a task may be missing because of the linker.
pub(crate) const LINK_ADVICE: &str = "if its `#[task]` lives in a crate this binary never \
     references, add `taipy::link!(that_crate);` to the binary so the linker keeps it";

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::config::{ScenarioConfig, TaskConfig};
use crate::fingerprint::Fingerprint;
use crate::value::ValueType;

/// A registered `#[task]` function: its id, code fingerprint, types, and how to make a
/// [`TaskConfig`] running it.
#[derive(Clone, Copy)]
pub struct TaskEntry {
    /// `module::path::function_name`.
    pub id: &'static str,
    /// The function's name.
    pub name: &'static str,
    /// The names of its parameters, in order (empty for a parameter that is a pattern).
    pub params: &'static [&'static str],
    /// The compile-time fingerprint of the function's signature and body.
    pub code: Fingerprint,
    /// The `version = N` salt.
    pub version: u64,
    /// Whether results may be reused (`skippable = false` turns this off).
    pub skippable: bool,
    /// Makes a task config named `id` running the function (the erased runner), with the
    /// fingerprint, version and skippability set; wire it with `inputs` and `outputs`.
    pub make: fn(&str) -> TaskConfig,
}

impl TaskEntry {
    /// A task config named `id` running this function; wire it with
    /// [`TaskConfig::inputs`] and [`TaskConfig::outputs`].
    pub fn task_config(&self, id: &str) -> TaskConfig {
        crate::work::count(crate::work::Work::TaskConfigsMade);
        (self.make)(id)
    }

    /// The types of the inputs, in parameter order.
    pub fn input_types(&self) -> Vec<ValueType> {
        self.task_config(self.name).input_types().to_vec()
    }

    /// The types of the outputs, in order.
    pub fn output_types(&self) -> Vec<ValueType> {
        self.task_config(self.name).output_types().to_vec()
    }
}

impl std::fmt::Debug for TaskEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskEntry")
            .field("id", &self.id)
            .field("code", &self.code)
            .field("version", &self.version)
            .field("skippable", &self.skippable)
            .field("inputs", &self.input_types())
            .field("outputs", &self.output_types())
            .finish()
    }
}

/// A registered `scenario!` config.
#[derive(Clone, Copy)]
pub struct ScenarioEntry {
    /// The config's id (the scenario type's name).
    pub id: &'static str,
    /// `module::path::TypeName` of the scenario type.
    pub path: &'static str,
    /// Builds (once) and returns the config.
    pub config: fn() -> Arc<ScenarioConfig>,
}

impl std::fmt::Debug for ScenarioEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScenarioEntry").field("id", &self.id).field("path", &self.path).finish()
    }
}

inventory::collect!(TaskEntry);
inventory::collect!(ScenarioEntry);

/// Entries recorded at run time by scenario types (the guard against the linking trap).
static REMEMBERED_TASKS: Mutex<Vec<&'static TaskEntry>> = Mutex::new(Vec::new());
static REMEMBERED_SCENARIOS: Mutex<Vec<&'static ScenarioEntry>> = Mutex::new(Vec::new());

pub(crate) fn remember_task(entry: &'static TaskEntry) {
    let mut remembered = REMEMBERED_TASKS.lock().unwrap_or_else(|e| e.into_inner());
    // `TaskConfig::of` remembers on every call: keep each entry once.
    if !remembered.iter().any(|known| known.id == entry.id) {
        remembered.push(entry);
    }
}

pub(crate) fn remember_scenario(entry: &'static ScenarioEntry) {
    REMEMBERED_SCENARIOS.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
}

/// A registry lookup that found nothing. `Debug` prints the message (with its `link!` advice),
/// as `Display` does: it is what `main` shows when it returns the error.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Nothing of this kind is registered at all.
    #[error(
        "no {kind} is registered: `#[task]` functions and `scenario!` types register only when the \
         linker keeps their crate; add `taipy::link!(that_crate);` to the binary (or use one of its \
         items)"
    )]
    Empty {
        /// `task` or `scenario config`.
        kind: &'static str,
    },
    /// No entry has this name.
    #[error("no {kind} named `{name}` is registered; registered: {registered}; {}", LINK_ADVICE)]
    NotFound {
        /// `task` or `scenario config`.
        kind: &'static str,
        /// The name looked up.
        name: String,
        /// The registered names, comma-separated.
        registered: String,
    },
    /// A short name matches several entries.
    #[error("{kind} name `{name}` is ambiguous: {candidates}; use the full path")]
    Ambiguous {
        /// `task` or `scenario config`.
        kind: &'static str,
        /// The name looked up.
        name: String,
        /// The matching full ids, comma-separated.
        candidates: String,
    },
}

impl std::fmt::Debug for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Every registered task, by id.
pub fn tasks() -> Vec<&'static TaskEntry> {
    let mut by_id: BTreeMap<&str, &'static TaskEntry> = BTreeMap::new();
    for entry in inventory::iter::<TaskEntry> {
        by_id.insert(entry.id, entry);
    }
    for &entry in REMEMBERED_TASKS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        by_id.insert(entry.id, entry);
    }
    by_id.into_values().collect()
}

/// Every registered scenario config, by id.
pub fn scenarios() -> Vec<&'static ScenarioEntry> {
    let mut by_path: BTreeMap<&str, &'static ScenarioEntry> = BTreeMap::new();
    for entry in inventory::iter::<ScenarioEntry> {
        by_path.insert(entry.path, entry);
    }
    for &entry in REMEMBERED_SCENARIOS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        by_path.insert(entry.path, entry);
    }
    by_path.into_values().collect()
}

/// A task by full id (`crate::module::function`) or, when unambiguous, by function name.
pub fn task(name: &str) -> Result<&'static TaskEntry, RegistryError> {
    find("task", tasks(), name, |e| (e.id, e.name))
}

/// A scenario config by type name or full path.
pub fn scenario_config(name: &str) -> Result<Arc<ScenarioConfig>, RegistryError> {
    find("scenario config", scenarios(), name, |e| (e.path, e.id)).map(|e| (e.config)())
}

fn find<E: Copy>(
    kind: &'static str,
    entries: Vec<E>,
    name: &str,
    names: impl Fn(E) -> (&'static str, &'static str),
) -> Result<E, RegistryError> {
    if entries.is_empty() {
        return Err(RegistryError::Empty { kind });
    }
    if let Some(&exact) = entries.iter().find(|&&e| names(e).0 == name) {
        return Ok(exact);
    }
    let short: Vec<E> = entries.iter().copied().filter(|&e| names(e).1 == name).collect();
    match short.as_slice() {
        [one] => Ok(*one),
        [] => Err(RegistryError::NotFound {
            kind,
            name: name.to_owned(),
            registered: entries.iter().map(|&e| names(e).0).collect::<Vec<_>>().join(", "),
        }),
        many => Err(RegistryError::Ambiguous {
            kind,
            name: name.to_owned(),
            candidates: many.iter().map(|&e| names(e).0).collect::<Vec<_>>().join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The macros inside taipy-core itself: `extern crate self as taipy_core` makes the
    // expansion's `::taipy_core` paths resolve.
    #[taipy_macros::task(version = 1)]
    fn registered_in_core(x: i64) -> i64 {
        x + 1
    }

    #[test]
    fn tasks_of_this_crate_register() {
        let entry = task("taipy_core::registry::tests::registered_in_core").unwrap();
        assert_eq!((entry.name, entry.version), ("registered_in_core", 1));
        assert_eq!(registered_in_core(1), 2);
    }

    #[test]
    fn lookups_explain_what_is_missing() {
        let err = find::<&TaskEntry>("task", Vec::new(), "x", |e| (e.id, e.name)).unwrap_err();
        assert!(err.to_string().starts_with("no task is registered"), "{err}");
        assert!(err.to_string().contains("add `taipy::link!(that_crate);` to the binary"), "{err}");
        let err = task("no_such_task_anywhere").unwrap_err();
        assert!(err.to_string().contains("add `taipy::link!(that_crate);`"), "{err}");
    }
}
