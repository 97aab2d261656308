//! Building a [`ScenarioConfig`]: the builder's nodes and tasks indexed, intermediate nodes
//! inferred from their producers, every wiring checked, the tasks ordered producers first.
//!
//! Each step appends what it finds wrong to one problems list, so one build reports every
//! problem; the config is assembled only when the list is empty.

use std::collections::{BTreeMap, HashSet};

use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;

use super::order::topological_order;
use super::{DataNodeConfig, ScenarioConfig, ScenarioConfigBuilder, TaskConfig};
use crate::error::ConfigError;
use crate::value::ValueType;

/// The data nodes so far: declared ones, then those inferred from task outputs.
struct Nodes {
    list: Vec<DataNodeConfig>,
    index: HashMap<String, usize>,
}

/// Which task writes each node (the first one, when two do).
type Producers<'t> = HashMap<&'t str, usize>;

/// Validates the builder's graph; on failure the error lists every problem found.
pub(super) fn build(builder: ScenarioConfigBuilder) -> Result<Arc<ScenarioConfig>, ConfigError> {
    let ScenarioConfigBuilder { id, nodes, tasks, sequences, frequency } = builder;
    let tasks: Vec<TaskConfig> = tasks.into_iter().map(|t| t.refingerprint_in(Some(&id))).collect();
    let mut problems = Vec::new();
    let mut nodes = index_nodes(nodes, &mut problems);
    let producer = index_tasks(&tasks, &mut problems);
    infer_nodes(&tasks, &producer, &mut nodes, &mut problems);
    check_inputs(&tasks, &nodes, &mut problems);
    check_nodes(&nodes, &producer, &mut problems);
    let upstream = task_edges(&tasks, &producer);
    let order = order_tasks(&tasks, &upstream, &mut problems);
    let sequences = index_sequences(&tasks, sequences, &mut problems);
    if !problems.is_empty() {
        return Err(ConfigError::Invalid { config: id, problems });
    }
    let (tasks, upstream, downstream) = reorder(tasks, &upstream, &order);
    let task_index = tasks.iter().enumerate().map(|(i, t)| (t.id().to_owned(), i)).collect();
    Ok(Arc::new(ScenarioConfig {
        id,
        nodes: nodes.list,
        node_index: nodes.index,
        tasks,
        task_index,
        upstream,
        downstream,
        sequences,
        frequency,
        recorded: std::sync::OnceLock::new(),
        warnings: std::sync::OnceLock::new(),
    }))
}

/// The declared nodes by id; an id declared twice is a problem.
fn index_nodes(list: Vec<DataNodeConfig>, problems: &mut Vec<String>) -> Nodes {
    let mut index = HashMap::new();
    for (i, node) in list.iter().enumerate() {
        if index.insert(node.id().to_owned(), i).is_some() {
            problems.push(format!("data node `{}` is declared twice", node.id()));
        }
    }
    Nodes { list, index }
}

/// Each task's ids and arity checked, and the producer of each node; a task id declared twice
/// and a node written by two tasks are problems.
fn index_tasks<'t>(tasks: &'t [TaskConfig], problems: &mut Vec<String>) -> Producers<'t> {
    let mut ids = HashSet::new();
    let mut producer = Producers::new();
    for (t, task) in tasks.iter().enumerate() {
        if !ids.insert(task.id()) {
            problems.push(format!("task `{}` is declared twice", task.id()));
        }
        check_arity(task, "input", task.input_nodes(), task.input_types(), problems);
        check_arity(task, "output", task.output_nodes(), task.output_types(), problems);
        for output in task.output_nodes() {
            if let Some(&other) = producer.get(output.as_str()) {
                problems.push(format!(
                    "data node `{output}` is produced by both task `{}` and task `{}`",
                    tasks[other].id(),
                    task.id()
                ));
            } else {
                producer.insert(output, t);
            }
        }
    }
    producer
}

fn check_arity(
    task: &TaskConfig,
    what: &str,
    wired: &[String],
    types: &[ValueType],
    problems: &mut Vec<String>,
) {
    if wired.len() != types.len() {
        problems.push(format!(
            "task `{}` has {} {what}s but {} {} wired: [{}]",
            task.id(),
            types.len(),
            wired.len(),
            if wired.len() == 1 { "is" } else { "are" },
            wired.join(", ")
        ));
    }
}

/// Intermediate nodes inferred from their producers; declared ones checked against them.
fn infer_nodes(
    tasks: &[TaskConfig],
    producer: &Producers<'_>,
    nodes: &mut Nodes,
    problems: &mut Vec<String>,
) {
    for (t, task) in tasks.iter().enumerate() {
        for (output, ty) in task.output_nodes().iter().zip(task.output_types()) {
            if producer.get(output.as_str()) != Some(&t) {
                continue;
            }
            match nodes.index.get(output) {
                Some(&n) => {
                    let node = &nodes.list[n];
                    if node.has_default() {
                        problems.push(format!(
                            "data node `{output}` has a default value and is also produced by task `{}`",
                            task.id()
                        ));
                    }
                    if node.value_type() != *ty {
                        problems.push(format!(
                            "task `{}` produces `{}` into data node `{output}`, which holds `{}`",
                            task.id(),
                            ty.name(),
                            node.value_type().name()
                        ));
                    }
                }
                None => {
                    nodes.index.insert(output.clone(), nodes.list.len());
                    nodes.list.push(DataNodeConfig::erased(output.clone(), *ty, None));
                }
            }
        }
    }
}

/// Every input names a node of the type the task takes.
fn check_inputs(tasks: &[TaskConfig], nodes: &Nodes, problems: &mut Vec<String>) {
    let declared = nodes.list.iter().map(DataNodeConfig::id).collect::<Vec<_>>().join(", ");
    for task in tasks {
        for (position, input) in task.input_nodes().iter().enumerate() {
            let Some(&n) = nodes.index.get(input) else {
                problems.push(format!(
                    "task `{}` reads data node `{input}`, which does not exist; declared nodes: {declared}",
                    task.id()
                ));
                continue;
            };
            let holds = nodes.list[n].value_type();
            if let Some(expected) = task.input_types().get(position).filter(|ty| **ty != holds) {
                problems.push(format!(
                    "task `{}` takes `{}` as input {} but data node `{input}` holds `{}`",
                    task.id(),
                    expected.name(),
                    position + 1,
                    holds.name()
                ));
            }
        }
    }
}

/// Comparators read the node's type; every node has a default or a producer.
fn check_nodes(nodes: &Nodes, producer: &Producers<'_>, problems: &mut Vec<String>) {
    for node in &nodes.list {
        for comparator in node.comparators().iter().filter(|c| c.value_type != node.value_type()) {
            problems.push(format!(
                "comparator `{}` of data node `{}` compares `{}`, but the node holds `{}`",
                comparator.name,
                node.id(),
                comparator.value_type.name(),
                node.value_type().name()
            ));
        }
        let source_file = (node.storage().kind().file_format().is_some() && node.storage().path().is_some())
            || node.storage().kind().reads_its_location();
        if !node.has_default() && !producer.contains_key(node.id()) && !source_file {
            problems.push(format!(
                "data node `{}` has neither a default value nor a task producing it",
                node.id()
            ));
        }
    }
}

/// For each task, the tasks producing its inputs (each once).
fn task_edges(tasks: &[TaskConfig], producer: &Producers<'_>) -> Vec<Vec<usize>> {
    let mut upstream = vec![Vec::new(); tasks.len()];
    for (t, task) in tasks.iter().enumerate() {
        for input in task.input_nodes() {
            if let Some(&p) = producer.get(input.as_str())
                && !upstream[t].contains(&p)
            {
                upstream[t].push(p);
            }
        }
    }
    upstream
}

/// The tasks producers first; a cycle is a problem naming its path.
fn order_tasks(tasks: &[TaskConfig], upstream: &[Vec<usize>], problems: &mut Vec<String>) -> Vec<usize> {
    match topological_order(upstream) {
        Ok(order) => order,
        Err(cycle) => {
            let names: Vec<&str> = cycle.iter().map(|&t| tasks[t].id()).collect();
            problems.push(format!("the tasks form a cycle: {}", names.join(" -> ")));
            (0..tasks.len()).collect()
        }
    }
}

/// The sequences by name; unknown tasks and names declared twice are problems.
fn index_sequences(
    tasks: &[TaskConfig],
    sequences: Vec<(String, Vec<String>)>,
    problems: &mut Vec<String>,
) -> BTreeMap<String, Vec<String>> {
    let known: HashSet<&str> = tasks.iter().map(TaskConfig::id).collect();
    let mut by_name = BTreeMap::new();
    for (name, tasks) in sequences {
        for task in &tasks {
            if !known.contains(task.as_str()) {
                problems.push(format!("sequence `{name}` names task `{task}`, which does not exist"));
            }
        }
        if by_name.insert(name.clone(), tasks).is_some() {
            problems.push(format!("sequence `{name}` is declared twice"));
        }
    }
    by_name
}

/// The tasks and their edges re-indexed in `order`, with the downstream edges.
#[allow(clippy::type_complexity)]
fn reorder(
    tasks: Vec<TaskConfig>,
    upstream: &[Vec<usize>],
    order: &[usize],
) -> (Vec<TaskConfig>, Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut old_to_new = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        old_to_new[old] = new;
    }
    let mut slots: Vec<Option<TaskConfig>> = tasks.into_iter().map(Some).collect();
    let tasks: Vec<TaskConfig> = order.iter().map(|&old| slots[old].take().unwrap()).collect();
    let upstream: Vec<Vec<usize>> =
        order.iter().map(|&old| upstream[old].iter().map(|&u| old_to_new[u]).collect()).collect();
    let mut downstream = vec![Vec::new(); order.len()];
    for (t, ups) in upstream.iter().enumerate() {
        for &u in ups {
            downstream[u].push(t);
        }
    }
    (tasks, upstream, downstream)
}
