//! Writing a [`ScenarioConfig`] (for example one from `scenario!`) in Taipy Studio's format, so
//! that loading the file gives back the same config (see
//! [`config_fingerprint`](super::config_fingerprint)).

use std::any::TypeId;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use super::TomlConfigError;
use super::typed::{Typed, format_timedelta, interpret_str, scope_name};
use crate::config::{ScenarioConfig, Scope, TaskConfig};
use crate::fingerprint::Fingerprint;
use crate::registry::{self, TaskEntry};
use crate::value::ValueType;

/// Writes `config` as Taipy TOML: a `[DATA_NODE.<id>]` per node (with its default as a typed
/// string and its scope when not `SCENARIO`), a `[TASK.<id>]` per task (its function as the
/// registered `#[task]` path), and `[SCENARIO.<config id>]` with its sequences.
///
/// Fails, naming each culprit, when a task is not a registered `#[task]` (a closure given to
/// `TaskConfig::new`), when a default has no TOML form, or when a node no task touches has a
/// type a TOML default cannot tell (anything but `i64`, `f64`, `bool`, `String`).
pub fn export(config: &ScenarioConfig) -> Result<String, TomlConfigError> {
    crate::work::count(crate::work::Work::ConfigExports);
    let entries = Registered::new(&registry::tasks());
    let touched: HashSet<&str> = config
        .tasks()
        .iter()
        .flat_map(|t| t.input_nodes().iter().chain(t.output_nodes()))
        .map(String::as_str)
        .collect();
    let mut problems = Vec::new();
    let mut out = String::from("[TAIPY]\n");

    for node in config.nodes() {
        let _ = write!(out, "\n[DATA_NODE.{}]\n", key(node.id()));
        if node.node_scope() != Scope::Scenario {
            let _ = writeln!(out, "scope = {}", quote(&format!("{}:SCOPE", scope_name(node.node_scope()))));
        }
        write_storage(&mut out, node.storage());
        if !touched.contains(node.id()) && !inferable(node.value_type()) {
            problems.push(format!(
                "data node `{}` is read or written by no task, and its type `{}` cannot be told from a TOML default",
                node.id(),
                node.value_type().name()
            ));
        }
        let Some(value) = node.default_value() else { continue };
        let ty = node.value_type();
        match ty.to_toml(value) {
            Some(toml) => {
                let _ = writeln!(out, "default_data = {}", typed(&toml));
            }
            None => problems.push(format!(
                "the default of data node `{}` (`{}`) has no TOML form (implement `DataValue::to_toml`)",
                node.id(),
                ty.name()
            )),
        }
    }

    for task in config.tasks() {
        let _ = write!(out, "\n[TASK.{}]\n", key(task.id()));
        match entries.running(task) {
            Some(entry) => {
                let _ = writeln!(out, "function = {}", quote(&format!("{}:function", entry.id)));
            }
            None => problems.push(format!(
                "task `{}` is not a registered `#[task]` function (a closure given to `TaskConfig::new` cannot \
                 be named in a file)",
                task.id()
            )),
        }
        let _ = writeln!(out, "inputs = {}", sections(task.input_nodes()));
        let _ = writeln!(out, "outputs = {}", sections(task.output_nodes()));
        let _ = writeln!(
            out,
            "skippable = {}",
            quote(if task.is_skippable() { "True:bool" } else { "False:bool" })
        );
        if task.retry_count() > 0 {
            let _ = writeln!(out, "retries = {}", quote(&format!("{}:int", task.retry_count())));
        }
        if let Some(timeout) = task.timeout_limit() {
            let _ = writeln!(out, "timeout = {}", quote(&crate::job::DisplayDuration(timeout).to_string()));
        }
    }

    let untouched: Vec<String> =
        config.nodes().iter().filter(|n| !touched.contains(n.id())).map(|n| n.id().to_owned()).collect();
    let tasks: Vec<String> = config.tasks().iter().map(|t| t.id().to_owned()).collect();
    let _ = write!(out, "\n[SCENARIO.{}]\n", key(config.id()));
    let _ = writeln!(out, "tasks = {}", sections(&tasks));
    let _ = writeln!(out, "additional_data_nodes = {}", sections(&untouched));
    if let Some(frequency) = config.frequency() {
        let _ = writeln!(out, "frequency = \"{}:FREQUENCY\"", frequency.name());
    }
    let _ = write!(out, "\n[SCENARIO.{}.comparators]\n", key(config.id()));
    let _ = write!(out, "\n[SCENARIO.{}.sequences]\n", key(config.id()));
    for (name, tasks) in config.sequences() {
        let _ = writeln!(out, "{} = {}", key(name), sections(tasks));
    }

    if problems.is_empty() {
        Ok(out)
    } else {
        Err(TomlConfigError::Export { config: config.id().to_owned(), problems })
    }
}

/// The registered `#[task]`s by the fingerprint of the task configs they make (their code
/// fingerprint and version, whatever the task's name), each computed once per export.
struct Registered {
    by_fingerprint: HashMap<Fingerprint, Vec<&'static TaskEntry>>,
}

impl Registered {
    fn new(entries: &[&'static TaskEntry]) -> Self {
        let mut by_fingerprint: HashMap<Fingerprint, Vec<&'static TaskEntry>> = HashMap::new();
        for &entry in entries {
            by_fingerprint.entry(entry.task_config(entry.name).fingerprint()).or_default().push(entry);
        }
        Self { by_fingerprint }
    }

    /// The registered `#[task]` running `task`: same code fingerprint and version, preferring
    /// one with the task's name.
    fn running(&self, task: &TaskConfig) -> Option<&'static TaskEntry> {
        let matching = self.by_fingerprint.get(&task.fingerprint())?;
        matching.iter().find(|e| e.name == task.id()).or(matching.first()).copied()
    }
}

fn inferable(ty: ValueType) -> bool {
    [TypeId::of::<i64>(), TypeId::of::<f64>(), TypeId::of::<bool>(), TypeId::of::<String>()]
        .contains(&ty.type_id())
}

/// `[ "a:SECTION", "b:SECTION",]`, as Taipy writes lists.
fn sections(ids: &[String]) -> String {
    let mut out = String::with_capacity(2 + ids.iter().map(|id| id.len() + 13).sum::<usize>());
    out.push('[');
    for id in ids {
        out.push(' ');
        if is_plain(id) {
            let _ = write!(out, "\"{id}:SECTION\"");
        } else {
            out.push_str(&quote(&format!("{id}:SECTION")));
        }
        out.push(',');
    }
    out.push(']');
    out
}

/// A TOML string, as the `toml` crate writes it. Text without quotes, backslashes or control
/// characters is a basic string as it stands: written directly, since the crate's writer costs
/// microseconds per call and an export of 50k tasks makes hundreds of thousands of them.
fn quote(text: &str) -> String {
    if is_plain(text) {
        return format!("\"{text}\"");
    }
    ::toml::Value::String(text.to_owned()).to_string()
}

/// Whether `text` is written in a basic string unchanged.
fn is_plain(text: &str) -> bool {
    !text.chars().any(|c| c == '"' || c == '\\' || c == '\'' || c.is_control())
}

/// A bare key when possible, else a quoted one.
fn key(id: &str) -> String {
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        id.to_owned()
    } else {
        quote(id)
    }
}

/// A plain TOML value in Taipy's typed-string form, rendered inline.
fn typed(value: &::toml::Value) -> String {
    to_typed(value).to_string()
}

fn to_typed(value: &::toml::Value) -> ::toml::Value {
    use ::toml::Value;
    let text = |s: String| Value::String(s);
    match value {
        Value::String(s) => match interpret_str(s, &|_| None) {
            Ok(Typed::Text(t)) if t == *s => text(s.clone()),
            _ => text(format!("{s}:str")),
        },
        Value::Integer(i) => text(format!("{i}:int")),
        Value::Float(f) => text(format!("{f:?}:float")),
        Value::Boolean(b) => text(if *b { "True:bool" } else { "False:bool" }.to_owned()),
        Value::Datetime(d) => text(format!("{d}:datetime")),
        Value::Array(items) => Value::Array(items.iter().map(to_typed).collect()),
        Value::Table(table) => match as_duration(table) {
            Some(d) => text(format!("{}:timedelta", format_timedelta(d))),
            None => Value::Table(table.iter().map(|(k, v)| (k.clone(), to_typed(v))).collect()),
        },
    }
}

/// serde's form of a `Duration` (`{ secs, nanos }`, microsecond precision): Taipy's timedelta.
fn as_duration(table: &::toml::Table) -> Option<std::time::Duration> {
    if table.len() != 2 {
        return None;
    }
    let secs = u64::try_from(table.get("secs")?.as_integer()?).ok()?;
    let nanos = u32::try_from(table.get("nanos")?.as_integer()?).ok()?;
    (nanos < 1_000_000_000 && nanos % 1000 == 0).then(|| std::time::Duration::new(secs, nanos))
}

/// The node's storage keys, as Taipy names them (nothing for the store).
fn write_storage(out: &mut String, storage: &crate::Storage) {
    use crate::StorageKind;
    let name = match storage.kind() {
        StorageKind::Store => return,
        StorageKind::Binary => "pickle",
        kind => kind.name(),
    };
    let _ = writeln!(out, "storage_type = {}", quote(name));
    if let Some(path) = storage.path() {
        let _ = writeln!(out, "default_path = {}", quote(&path.display().to_string()));
    }
    if !storage.header() {
        let _ = writeln!(out, "has_header = \"False:bool\"");
    }
    let texts = [
        ("sheet_name", storage.sheet()),
        ("encoding", storage.encoding_name()),
        ("exposed_type", storage.exposed()),
    ];
    for (key, value) in texts {
        if let Some(value) = value {
            let _ = writeln!(out, "{key} = {}", quote(value));
        }
    }
    for (key, value) in storage.service_keys() {
        // `read_fct_args` / `write_fct_args` are kept as a JSON list of strings: a TOML list.
        let list =
            key.ends_with("_fct_args").then(|| serde_json::from_str::<Vec<String>>(value).ok()).flatten();
        match list {
            Some(items) => {
                let items: Vec<String> = items.iter().map(|i| quote(i)).collect();
                let _ = writeln!(out, "{key} = [{}]", items.join(", "));
            }
            None => {
                let _ = writeln!(out, "{key} = {}", quote(value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_writes_what_the_toml_crate_writes() {
        let samples = [
            "plain",
            "",
            "n1:SECTION",
            "algos::tasks::score:function",
            "data/customers 2024.csv",
            "café ünïcode ☃",
            "say \"hi\"",
            "it's",
            "back\\slash",
            "two\nlines",
            "tab\there",
            "bell\u{7}",
        ];
        for text in samples {
            assert_eq!(quote(text), ::toml::Value::String(text.to_owned()).to_string(), "{text:?}");
        }
        let ids = ["a".to_owned(), "b c".to_owned(), "q\"".to_owned()];
        let slow: String =
            ids.iter().map(|id| format!(" {},", ::toml::Value::String(format!("{id}:SECTION")))).collect();
        assert_eq!(sections(&ids), format!("[{slow}]"));
    }
}
