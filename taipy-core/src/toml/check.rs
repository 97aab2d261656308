//! Stage 4: the whole config checked against the registered tasks, every problem at once.
//!
//! Functions are resolved, wiring is checked against each function's registered signature
//! (count and types), node types are inferred (from the producing task, else from the tasks
//! reading the node, else from a typed default), defaults are converted to those types, and the
//! task graph is checked for double producers and cycles.

use std::collections::{HashMap, HashSet};

use super::Problem;
use super::names::{pair_names, short_name, suggest};
use super::resolve::resolve;
use super::sections::{At, Document, Ref};
use super::typed::Typed;
use crate::config::find_cycle;
use crate::registry::TaskEntry;
use crate::value::{AnyValue, ValueType};

/// A task whose function resolved.
pub(crate) struct Resolved {
    pub(crate) entry: &'static TaskEntry,
    pub(crate) inputs: Vec<ValueType>,
    pub(crate) outputs: Vec<ValueType>,
}

/// What the checks learned, for building the scenario configs.
#[derive(Default)]
pub(crate) struct Checked {
    /// By task id.
    pub(crate) tasks: HashMap<String, Resolved>,
    /// One task config per registered function the file names (by the entry's address), made
    /// once: a file of 50k tasks of one function makes one, not 50k (see [`Checked::task_config`]).
    made: HashMap<usize, crate::config::TaskConfig>,
    /// By node id: the node's type, when it could be told.
    pub(crate) types: HashMap<String, ValueType>,
    /// By node id: the converted default.
    pub(crate) defaults: HashMap<String, AnyValue>,
    /// By node id: the storage, checked against the type.
    pub(crate) storages: HashMap<String, crate::Storage>,
}

impl Checked {
    /// The task config of registered function `entry`, named `id` (not wired yet).
    pub(crate) fn task_config(&self, entry: &'static TaskEntry, id: &str) -> crate::config::TaskConfig {
        match self.made.get(&address(entry)) {
            Some(made) => made.renamed(id),
            None => entry.task_config(id),
        }
    }

    /// The task config of `entry` under its own name, made the first time.
    fn made(&mut self, entry: &'static TaskEntry) -> &crate::config::TaskConfig {
        self.made.entry(address(entry)).or_insert_with(|| entry.task_config(entry.name))
    }
}

fn address(entry: &'static TaskEntry) -> usize {
    std::ptr::from_ref(entry) as usize
}

/// Runs every check; problems are appended. Linear in the size of the document: every lookup
/// of a node's writer or readers goes through [`Wiring`].
pub(crate) fn check(doc: &Document, entries: &[&'static TaskEntry], problems: &mut Vec<Problem>) -> Checked {
    let mut checked = Checked::default();
    resolve_tasks(doc, entries, &mut checked, problems);
    let wiring = Wiring::new(doc, problems);
    infer_types(doc, &wiring, &mut checked);
    check_inputs(doc, &wiring, &checked, problems);
    check_sources(doc, &wiring, &mut checked, problems);
    check_cycles(doc, &wiring, problems);
    checked
}

/// Who writes and who reads each node, by node id.
struct Wiring<'d> {
    /// The first task writing each node (by index in the document), and the output's position.
    producer: HashMap<&'d str, (usize, usize)>,
    /// The tasks reading each node, in file order (by index), each with the position of the
    /// node's first occurrence among its inputs.
    readers: HashMap<&'d str, Vec<(usize, usize)>>,
}

impl<'d> Wiring<'d> {
    /// Indexes the document's edges; a node written by two tasks is a problem.
    fn new(doc: &'d Document, problems: &mut Vec<Problem>) -> Self {
        let mut producer: HashMap<&str, (usize, usize)> = HashMap::new();
        let mut readers: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (t, task) in doc.tasks.iter().enumerate() {
            for (position, r) in task.outputs.value.iter().enumerate() {
                match producer.get(r.id.as_str()) {
                    Some(&(other, _)) if other != t => {
                        let message = format!(
                            "data node `{}` is written by both task `{}` and task `{}`",
                            r.id, doc.tasks[other].id, task.id
                        );
                        problems.push(Problem::new(&format!("TASK.{}", task.id), r.line, message));
                    }
                    Some(_) => {}
                    None => {
                        producer.insert(&r.id, (t, position));
                    }
                }
            }
            for (position, r) in task.inputs.value.iter().enumerate() {
                let list = readers.entry(&r.id).or_default();
                if list.last().is_none_or(|&(last, _)| last != t) {
                    list.push((t, position));
                }
            }
        }
        Self { producer, readers }
    }

    /// The tasks reading node `id`, in file order, with the node's position among their inputs.
    fn readers(&self, id: &str) -> &[(usize, usize)] {
        self.readers.get(id).map_or(&[], Vec::as_slice)
    }
}

/// Functions resolved, arity checked, references to nodes checked.
fn resolve_tasks(
    doc: &Document,
    entries: &[&'static TaskEntry],
    checked: &mut Checked,
    problems: &mut Vec<Problem>,
) {
    let declared: HashSet<&str> = doc.nodes.iter().map(|n| n.id.as_str()).collect();
    let node_ids: Vec<&str> = doc.nodes.iter().map(|n| n.id.as_str()).collect();
    // Each function path resolved once, however many tasks name it.
    let mut resolved_paths: HashMap<&str, Result<&'static TaskEntry, String>> = HashMap::new();
    for task in &doc.tasks {
        let section = format!("TASK.{}", task.id);
        for (refs, verb) in [(&task.inputs.value, "reads"), (&task.outputs.value, "writes")] {
            for r in refs.iter() {
                if !declared.contains(r.id.as_str()) {
                    let message = format!(
                        "task `{}` {verb} data node `{}`, which is not declared{}",
                        task.id,
                        r.id,
                        suggest(&r.id, &node_ids, "data nodes")
                    );
                    problems.push(Problem::new(&section, r.line, message));
                }
            }
        }
        let mut outputs = HashSet::new();
        for r in &task.outputs.value {
            if !outputs.insert(r.id.as_str()) {
                let message = format!("task `{}` lists output `{}` twice", task.id, r.id);
                problems.push(Problem::new(&section, r.line, message));
            }
        }
        let Some(function) = &task.function else { continue };
        let path = function.value.as_str();
        let entry = match resolved_paths.entry(path).or_insert_with(|| resolve(path, entries)) {
            Ok(entry) => *entry,
            Err(message) => {
                problems.push(Problem::new(
                    &section,
                    function.line,
                    format!("task `{}`: {message}", task.id),
                ));
                continue;
            }
        };
        let made = checked.made(entry);
        let resolved =
            Resolved { entry, inputs: made.input_types().to_vec(), outputs: made.output_types().to_vec() };
        for (what, wired, types) in
            [("input", &task.inputs, &resolved.inputs), ("output", &task.outputs, &resolved.outputs)]
        {
            if wired.value.len() != types.len() {
                let names: Vec<String> =
                    types.iter().map(|t| format!("`{}`", short_name(t.name()))).collect();
                let ids: Vec<&str> = wired.value.iter().map(|r| r.id.as_str()).collect();
                let message = format!(
                    "task `{}`: function `{}` takes {} {what}{} ({}) but {} {} wired: [{}]",
                    task.id,
                    entry.id,
                    types.len(),
                    if types.len() == 1 { "" } else { "s" },
                    names.join(", "),
                    wired.value.len(),
                    if wired.value.len() == 1 { "is" } else { "are" },
                    ids.join(", ")
                );
                problems.push(Problem::new(&section, wired.line, message));
            }
        }
        checked.tasks.insert(task.id.clone(), resolved);
    }
}

/// Node types: the producer's output type, else the first reader's input type, else the typed
/// default's.
fn infer_types(doc: &Document, wiring: &Wiring<'_>, checked: &mut Checked) {
    for node in &doc.nodes {
        let produced = wiring.producer.get(node.id.as_str()).and_then(|&(t, position)| {
            checked.tasks.get(&doc.tasks[t].id).and_then(|r| r.outputs.get(position)).copied()
        });
        let read = wiring
            .readers(&node.id)
            .iter()
            .find_map(|&(t, position)| checked.tasks.get(&doc.tasks[t].id)?.inputs.get(position).copied());
        let from_default = node.default.as_ref().and_then(|d| type_of_typed(&d.value));
        if let Some(ty) = produced.or(read).or(from_default) {
            checked.types.insert(node.id.clone(), ty);
        }
    }
}

/// Every input's type against the node's, with a hint when two inputs look swapped.
fn check_inputs(doc: &Document, wiring: &Wiring<'_>, checked: &Checked, problems: &mut Vec<Problem>) {
    for task in &doc.tasks {
        let Some(resolved) = checked.tasks.get(&task.id) else { continue };
        let wired = &task.inputs.value;
        let holds = |r: &Ref| checked.types.get(&r.id).copied();
        let mismatches: Vec<usize> = (0..wired.len().min(resolved.inputs.len()))
            .filter(|&i| holds(&wired[i]).is_some_and(|t| t != resolved.inputs[i]))
            .collect();
        for &i in &mismatches {
            let r = &wired[i];
            let expected = resolved.inputs[i];
            let actual = holds(r).expect("mismatches have a type");
            let (expected_name, actual_name) = pair_names(expected, actual);
            let origin = match wiring.producer.get(r.id.as_str()) {
                Some(&(p, _)) => format!(" (written by task `{}`)", doc.tasks[p].id),
                None => match wiring.readers(&r.id).first().map(|&(t, _)| &doc.tasks[t]) {
                    Some(first) if first.id != task.id => format!(" (as task `{}` reads it)", first.id),
                    _ => String::new(),
                },
            };
            let swapped = mismatches.iter().find(|&&j| {
                j != i
                    && holds(&wired[j]) == Some(expected)
                    && resolved.inputs.get(j).copied() == Some(actual)
            });
            let hint = match swapped {
                Some(&j) => {
                    format!("; inputs {} and {} look swapped", (i + 1).min(j + 1), (i + 1).max(j + 1))
                }
                None => String::new(),
            };
            let param = match resolved.entry.params.get(i) {
                Some(name) if !name.is_empty() => format!(" (`{name}`)"),
                _ => String::new(),
            };
            let message = format!(
                "task `{}` takes `{expected_name}` as input {}{param} but data node `{}` holds \
                 `{actual_name}`{origin}{hint}",
                task.id,
                i + 1,
                r.id
            );
            problems.push(Problem::new(&format!("TASK.{}", task.id), r.line, message));
        }
    }
}

/// Defaults converted to node types; sources without defaults; file storage on file types.
fn check_sources(doc: &Document, wiring: &Wiring<'_>, checked: &mut Checked, problems: &mut Vec<Problem>) {
    for node in &doc.nodes {
        let section = format!("DATA_NODE.{}", node.id);
        let first_reader = wiring.readers(&node.id).first().map(|&(t, _)| doc.tasks[t].id.as_str());
        let ty = checked.types.get(&node.id).copied();
        // A node holding a file reference (`CsvFile` ...) with a file storage type takes its
        // default from its path and is kept in the store.
        let reference = ty.is_some_and(|t| t.is_external());
        let path_default = match (&node.path, reference) {
            (Some(path), true) if node.default.is_none() => {
                Some(At { value: Typed::Text(path.value.clone()), line: path.line })
            }
            _ => None,
        };
        let default = node.default.as_ref().or(path_default.as_ref());
        let source_file =
            !reference && (node.location.path().is_some() || node.location.kind().reads_its_location());
        match (wiring.producer.get(node.id.as_str()), default) {
            (Some(&(task, _)), Some(default)) => {
                let message = format!(
                    "data node `{}` has a default value and is also written by task `{}`",
                    node.id, doc.tasks[task].id
                );
                problems.push(Problem::new(&section, default.line, message));
            }
            (None, Some(default)) => {
                if let Some(ty) = ty {
                    match ty.from_toml(&default.value.to_toml()) {
                        Ok(value) => {
                            checked.defaults.insert(node.id.clone(), value);
                        }
                        Err(reason) => {
                            let why = match first_reader {
                                Some(t) => format!(" (the type task `{t}` reads)"),
                                None => String::new(),
                            };
                            let message = format!(
                                "data node `{}`: default {} cannot be read as `{}`{why}: {reason}",
                                node.id,
                                show(&default.value),
                                short_name(ty.name())
                            );
                            problems.push(Problem::new(&section, default.line, message));
                        }
                    }
                }
            }
            (None, None) if !node.default_written && !source_file => {
                if let Some(reader) = first_reader {
                    let message = format!(
                        "data node `{}` has neither a default value nor a task writing it; read by task `{reader}`",
                        node.id
                    );
                    problems.push(Problem::new(&section, node.line, message));
                }
            }
            _ => {}
        }
        let Some(ty) = ty else { continue };
        if reference {
            checked.storages.insert(node.id.clone(), crate::Storage::in_store());
            continue;
        }
        let location = &node.location;
        if location.kind() == crate::StorageKind::Generic {
            for why in crate::storage::generic::type_problems(location, ty, short_name) {
                problems.push(Problem::new(&section, node.line, format!("data node `{}`: {why}", node.id)));
            }
        }
        if let Err(why) = location.check_type(ty) {
            let why = why.replacen(ty.name(), &short_name(ty.name()), 1);
            problems.push(Problem::new(&section, node.line, format!("data node `{}`: {why}", node.id)));
        } else if location.kind().file_format().is_some() && location.path().is_none() {
            // Taipy would make a file up in its storage folder: here the store keeps it.
            checked.storages.insert(node.id.clone(), crate::Storage::in_store());
        } else {
            checked.storages.insert(node.id.clone(), location.clone());
        }
    }
}

/// One cycle of the task graph, if any, named as a path from the task that closes it (the
/// search of [`find_cycle`], shared with [`ScenarioConfigBuilder::build`]).
///
/// [`ScenarioConfigBuilder::build`]: crate::ScenarioConfigBuilder::build
fn check_cycles(doc: &Document, wiring: &Wiring<'_>, problems: &mut Vec<Problem>) {
    let upstream: Vec<Vec<usize>> = doc
        .tasks
        .iter()
        .map(|t| {
            t.inputs
                .value
                .iter()
                .filter_map(|r| wiring.producer.get(r.id.as_str()).map(|&(p, _)| p))
                .collect()
        })
        .collect();
    if let Some(cycle) = find_cycle(&upstream) {
        let names: Vec<&str> = cycle.iter().map(|&t| doc.tasks[t].id.as_str()).collect();
        let first = &doc.tasks[cycle[0]];
        let message = format!("the tasks form a cycle: {}", names.join(" -> "));
        problems.push(Problem::new(&format!("TASK.{}", first.id), first.line, message));
    }
}

/// The type a typed default gives a node no task reads or writes.
fn type_of_typed(typed: &Typed) -> Option<ValueType> {
    Some(match typed {
        Typed::Text(_) => ValueType::of::<String>(),
        Typed::Int(_) => ValueType::of::<i64>(),
        Typed::Float(_) => ValueType::of::<f64>(),
        Typed::Bool(_) => ValueType::of::<bool>(),
        _ => return None,
    })
}

fn show(typed: &Typed) -> String {
    match typed {
        Typed::Text(s) => format!("\"{s}\""),
        Typed::Int(i) => format!("{i}"),
        Typed::Float(f) => format!("{f:?}"),
        Typed::Bool(b) => format!("{b}"),
        other => other.kind().to_owned(),
    }
}
