//! Static configurations: data nodes, tasks and scenarios, and their validation.
//!
//! `scenario!` generates these; the builder API below is the same runtime without macros (and
//! what TOML configs build at run time). [`ScenarioConfigBuilder::build`] validates the whole
//! graph and reports every problem at once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cycle::Frequency;
use crate::error::ConfigError;
use crate::fingerprint::{Fingerprint, FingerprintBuilder};
use crate::task::{Runner, TaskFn};
use crate::value::{AnyValue, DataValue, ValueType};

/// Who shares a data node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Each scenario has its own node (the default).
    #[default]
    Scenario,
    /// Shared by the scenarios of one cycle.
    Cycle,
    /// Shared by every scenario of the config.
    Global,
}

/// A data node's static description: id, value type, default value and scope.
#[derive(Clone)]
pub struct DataNodeConfig {
    id: String,
    value_type: ValueType,
    default: Option<AnyValue>,
    scope: Scope,
    validity: Option<Duration>,
    comparators: Vec<Comparator>,
}

/// A type-erased comparison: values of several scenarios in, a result out.
pub(crate) type CompareFn = Arc<dyn Fn(&[AnyValue]) -> AnyValue + Send + Sync>;

/// A type-erased comparator: its name, the value type it reads, and the function.
#[derive(Clone)]
pub(crate) struct Comparator {
    pub(crate) name: String,
    pub(crate) value_type: ValueType,
    pub(crate) compare: CompareFn,
}

impl DataNodeConfig {
    /// A node holding values of type `T`, with no default.
    pub fn new<T: DataValue>(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            value_type: ValueType::of::<T>(),
            default: None,
            scope: Scope::Scenario,
            validity: None,
            comparators: Vec::new(),
        }
    }

    /// A node holding values of type `T`, written with `default` when a scenario is created.
    pub fn with_default<T: DataValue>(id: impl Into<String>, default: T) -> Self {
        Self { default: Some(Arc::new(default)), ..Self::new::<T>(id) }
    }

    /// A node of an already erased type, with an erased default (what TOML configs build).
    pub(crate) fn erased(id: impl Into<String>, value_type: ValueType, default: Option<AnyValue>) -> Self {
        Self {
            id: id.into(),
            value_type,
            default,
            scope: Scope::Scenario,
            validity: None,
            comparators: Vec::new(),
        }
    }

    /// Sets the node's scope.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Sets the node's validity period: a value at least this old is stale (with a zero period,
    /// always), and the tasks reading it run again (reason [`Reason::Stale`](crate::Reason::Stale))
    /// instead of reusing results, until the node is written again.
    pub fn validity_period(mut self, period: Duration) -> Self {
        self.validity = Some(period);
        self
    }

    /// Adds a comparator named `name`: [`compare_scenarios`](crate::compare_scenarios) calls
    /// it with the node's values in several scenarios (in the order given) and keeps its result,
    /// e.g. the differences of two tables. `T` must be the node's value type (checked when the
    /// config is built).
    pub fn comparator<T: DataValue, R: Send + Sync + 'static>(
        mut self,
        name: impl Into<String>,
        compare: impl Fn(&[&T]) -> R + Send + Sync + 'static,
    ) -> Self {
        let erased = move |values: &[AnyValue]| -> AnyValue {
            let typed: Vec<&T> = values
                .iter()
                .map(|v| v.downcast_ref::<T>().expect("checked when the config was built"))
                .collect();
            Arc::new(compare(&typed))
        };
        self.comparators.push(Comparator {
            name: name.into(),
            value_type: ValueType::of::<T>(),
            compare: Arc::new(erased),
        });
        self
    }

    pub(crate) fn comparators(&self) -> &[Comparator] {
        &self.comparators
    }

    /// The node's validity period, if it has one.
    pub fn validity(&self) -> Option<Duration> {
        self.validity
    }

    /// The node's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The type of its values.
    pub fn value_type(&self) -> ValueType {
        self.value_type
    }

    /// The node's scope.
    pub fn node_scope(&self) -> Scope {
        self.scope
    }

    /// Whether the node has a default value.
    pub fn has_default(&self) -> bool {
        self.default.is_some()
    }

    pub(crate) fn default_value(&self) -> Option<&AnyValue> {
        self.default.as_ref()
    }
}

impl std::fmt::Debug for DataNodeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataNodeConfig")
            .field("id", &self.id)
            .field("type", &self.value_type)
            .field("default", &self.default.is_some())
            .field("scope", &self.scope)
            .field("validity", &self.validity)
            .field("comparators", &self.comparators.iter().map(|c| c.name.as_str()).collect::<Vec<_>>())
            .finish()
    }
}

/// A task's static description: the function to run, the nodes it reads and writes, whether its
/// results may be reused, and the fingerprint of its code.
#[derive(Clone)]
pub struct TaskConfig {
    id: String,
    runner: Runner,
    input_types: Vec<ValueType>,
    output_types: Vec<ValueType>,
    inputs: Vec<String>,
    outputs: Vec<String>,
    skippable: bool,
    code: Option<Fingerprint>,
    version: u64,
    fingerprint: Fingerprint,
}

impl TaskConfig {
    /// A task running `function`, whose inputs are taken by reference: `|a: &f64, b: &i64| ...`.
    /// Wire it with [`inputs`](Self::inputs) and [`outputs`](Self::outputs).
    pub fn new<M, F: TaskFn<M>>(id: impl Into<String>, function: F) -> Self {
        Self {
            id: id.into(),
            runner: Arc::new(move |inputs: &[AnyValue]| function.call(inputs)),
            input_types: F::input_types(),
            output_types: F::output_types(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            skippable: true,
            code: None,
            version: 0,
            fingerprint: Fingerprint([0; 32]),
        }
        .refingerprint()
    }

    /// A task from an already erased runner and its types (what `#[task]` generates).
    #[doc(hidden)]
    pub fn from_erased(
        id: impl Into<String>,
        runner: fn(&[AnyValue]) -> Result<Vec<AnyValue>, crate::error::TaskError>,
        input_types: Vec<ValueType>,
        output_types: Vec<ValueType>,
    ) -> Self {
        Self {
            id: id.into(),
            runner: Arc::new(runner),
            input_types,
            output_types,
            inputs: Vec::new(),
            outputs: Vec::new(),
            skippable: true,
            code: None,
            version: 0,
            fingerprint: Fingerprint([0; 32]),
        }
        .refingerprint()
    }

    /// The data nodes the task reads, in the order of the function's parameters.
    pub fn inputs<I: IntoIterator<Item = S>, S: Into<String>>(mut self, nodes: I) -> Self {
        self.inputs = nodes.into_iter().map(Into::into).collect();
        self
    }

    /// The data nodes the task writes, in the order of the function's results.
    pub fn outputs<I: IntoIterator<Item = S>, S: Into<String>>(mut self, nodes: I) -> Self {
        self.outputs = nodes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether results may be reused when inputs and code are unchanged (default `true`); set
    /// `false` for tasks with side effects or randomness.
    pub fn skippable(mut self, skippable: bool) -> Self {
        self.skippable = skippable;
        self
    }

    /// The fingerprint of the task's code (`#[task]` computes it from the function's tokens).
    /// Without one, only the id and [`version`](Self::version) identify the code.
    pub fn code_fingerprint(mut self, code: Fingerprint) -> Self {
        self.code = Some(code);
        self.refingerprint()
    }

    /// A salt for code changes the fingerprint cannot see (a helper function, a dependency
    /// upgrade): bumping it re-runs the task.
    pub fn version(mut self, version: u64) -> Self {
        self.version = version;
        self.refingerprint()
    }

    /// The task's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The nodes it reads.
    pub fn input_nodes(&self) -> &[String] {
        &self.inputs
    }

    /// The nodes it writes.
    pub fn output_nodes(&self) -> &[String] {
        &self.outputs
    }

    /// The types of its inputs, in parameter order.
    pub fn input_types(&self) -> &[ValueType] {
        &self.input_types
    }

    /// The types of its outputs, in order.
    pub fn output_types(&self) -> &[ValueType] {
        &self.output_types
    }

    /// Whether its results may be reused.
    pub fn is_skippable(&self) -> bool {
        self.skippable
    }

    /// The fingerprint identifying the task's code: its code fingerprint (or id) and version.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    fn refingerprint(self) -> Self {
        self.refingerprint_in(None)
    }

    /// Without a code fingerprint, the task is identified by its id, its types and the config
    /// it belongs to, so two configs' tasks of one id never share remembered results.
    fn refingerprint_in(mut self, config: Option<&str>) -> Self {
        let mut builder = FingerprintBuilder::new("taipy.task.code.v1");
        match &self.code {
            Some(code) => {
                builder.str("code").fingerprint(code);
            }
            None => {
                builder.str("id").str(&self.id).str(config.unwrap_or(""));
                for ty in self.input_types.iter().chain(&self.output_types) {
                    builder.str(ty.name());
                }
            }
        };
        builder.u64(self.version);
        self.fingerprint = builder.finish();
        self
    }

    pub(crate) fn runner(&self) -> &Runner {
        &self.runner
    }
}

impl std::fmt::Debug for TaskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskConfig")
            .field("id", &self.id)
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("skippable", &self.skippable)
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

/// A validated scenario graph: data nodes, tasks in an order where producers come first, and
/// named sequences (subsets of the tasks).
#[derive(Debug)]
pub struct ScenarioConfig {
    id: String,
    nodes: Vec<DataNodeConfig>,
    node_index: HashMap<String, usize>,
    tasks: Vec<TaskConfig>,
    task_index: HashMap<String, usize>,
    /// For each task (by index), the tasks producing its inputs.
    upstream: Vec<Vec<usize>>,
    /// For each task, the tasks reading its outputs.
    downstream: Vec<Vec<usize>>,
    sequences: BTreeMap<String, Vec<String>>,
    frequency: Option<Frequency>,
}

impl ScenarioConfig {
    /// Starts describing a scenario config.
    pub fn builder(id: impl Into<String>) -> ScenarioConfigBuilder {
        ScenarioConfigBuilder {
            id: id.into(),
            nodes: Vec::new(),
            tasks: Vec::new(),
            sequences: Vec::new(),
            frequency: None,
        }
    }

    /// The config's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Every data node: declared ones first, then those inferred from task outputs.
    pub fn nodes(&self) -> &[DataNodeConfig] {
        &self.nodes
    }

    /// A data node by id.
    pub fn node(&self, id: &str) -> Option<&DataNodeConfig> {
        self.node_index.get(id).map(|&i| &self.nodes[i])
    }

    /// The tasks, producers before consumers.
    pub fn tasks(&self) -> &[TaskConfig] {
        &self.tasks
    }

    /// A task by id.
    pub fn task(&self, id: &str) -> Option<&TaskConfig> {
        self.task_index.get(id).map(|&i| &self.tasks[i])
    }

    /// The named sequences and their tasks.
    pub fn sequences(&self) -> &BTreeMap<String, Vec<String>> {
        &self.sequences
    }

    /// How often a new cycle starts for its scenarios, if it has cycles.
    pub fn frequency(&self) -> Option<Frequency> {
        self.frequency
    }

    pub(crate) fn task_position(&self, id: &str) -> Option<usize> {
        self.task_index.get(id).copied()
    }

    pub(crate) fn upstream(&self, task: usize) -> &[usize] {
        &self.upstream[task]
    }

    pub(crate) fn downstream(&self, task: usize) -> &[usize] {
        &self.downstream[task]
    }

    pub(crate) fn node_names(&self) -> String {
        self.nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// Collects nodes, tasks and sequences; [`build`](Self::build) validates them.
pub struct ScenarioConfigBuilder {
    id: String,
    nodes: Vec<DataNodeConfig>,
    tasks: Vec<TaskConfig>,
    sequences: Vec<(String, Vec<String>)>,
    frequency: Option<Frequency>,
}

impl ScenarioConfigBuilder {
    /// Declares a data node (source nodes need a default; intermediate ones may be left to be
    /// inferred from the producing task).
    pub fn node(mut self, node: DataNodeConfig) -> Self {
        self.nodes.push(node);
        self
    }

    /// Adds a task.
    pub fn task(mut self, task: TaskConfig) -> Self {
        self.tasks.push(task);
        self
    }

    /// Declares a named sequence of tasks, submittable on its own.
    pub fn sequence<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        name: impl Into<String>,
        tasks: I,
    ) -> Self {
        self.sequences.push((name.into(), tasks.into_iter().map(Into::into).collect()));
        self
    }

    /// Gives the config cycles: each scenario belongs to the cycle (day, week, month, quarter,
    /// year) of its creation date; see [`Cycle`](crate::Cycle).
    pub fn frequency(mut self, frequency: Frequency) -> Self {
        self.frequency = Some(frequency);
        self
    }

    /// Validates the graph; on failure the error lists every problem found.
    pub fn build(mut self) -> Result<Arc<ScenarioConfig>, ConfigError> {
        let config_id = self.id.clone();
        self.tasks = self.tasks.into_iter().map(|t| t.refingerprint_in(Some(&config_id))).collect();
        let mut problems = Vec::new();
        let mut nodes = self.nodes;
        let mut node_index = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            if node_index.insert(node.id.clone(), i).is_some() {
                problems.push(format!("data node `{}` is declared twice", node.id));
            }
        }

        let mut task_index = HashMap::new();
        let mut producer: HashMap<&str, usize> = HashMap::new();
        for (t, task) in self.tasks.iter().enumerate() {
            if task_index.insert(task.id.clone(), t).is_some() {
                problems.push(format!("task `{}` is declared twice", task.id));
            }
            check_arity(task, "input", &task.inputs, &task.input_types, &mut problems);
            check_arity(task, "output", &task.outputs, &task.output_types, &mut problems);
            for output in &task.outputs {
                if let Some(&other) = producer.get(output.as_str()) {
                    problems.push(format!(
                        "data node `{output}` is produced by both task `{}` and task `{}`",
                        self.tasks[other].id, task.id
                    ));
                } else {
                    producer.insert(output, t);
                }
            }
        }

        // Infer intermediate nodes from their producers; check declared ones against them.
        for (t, task) in self.tasks.iter().enumerate() {
            for (output, ty) in task.outputs.iter().zip(&task.output_types) {
                if producer.get(output.as_str()) != Some(&t) {
                    continue;
                }
                match node_index.get(output) {
                    Some(&n) => {
                        let node = &nodes[n];
                        if node.default.is_some() {
                            problems.push(format!(
                                "data node `{output}` has a default value and is also produced by task `{}`",
                                task.id
                            ));
                        }
                        if node.value_type != *ty {
                            problems.push(format!(
                                "task `{}` produces `{}` into data node `{output}`, which holds `{}`",
                                task.id,
                                ty.name(),
                                node.value_type.name()
                            ));
                        }
                    }
                    None => {
                        node_index.insert(output.clone(), nodes.len());
                        nodes.push(DataNodeConfig {
                            id: output.clone(),
                            value_type: *ty,
                            default: None,
                            scope: Scope::Scenario,
                            validity: None,
                            comparators: Vec::new(),
                        });
                    }
                }
            }
        }

        let declared = nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>().join(", ");
        for task in &self.tasks {
            for (position, input) in task.inputs.iter().enumerate() {
                let Some(&n) = node_index.get(input) else {
                    problems.push(format!(
                        "task `{}` reads data node `{input}`, which does not exist; declared nodes: {declared}",
                        task.id
                    ));
                    continue;
                };
                let expected = task.input_types.get(position);
                if let Some(expected) = expected.filter(|ty| **ty != nodes[n].value_type) {
                    problems.push(format!(
                        "task `{}` takes `{}` as input {} but data node `{input}` holds `{}`",
                        task.id,
                        expected.name(),
                        position + 1,
                        nodes[n].value_type.name()
                    ));
                }
            }
        }
        for node in &nodes {
            for comparator in node.comparators.iter().filter(|c| c.value_type != node.value_type) {
                problems.push(format!(
                    "comparator `{}` of data node `{}` compares `{}`, but the node holds `{}`",
                    comparator.name,
                    node.id,
                    comparator.value_type.name(),
                    node.value_type.name()
                ));
            }
            if node.default.is_none() && !producer.contains_key(node.id.as_str()) {
                problems.push(format!(
                    "data node `{}` has neither a default value nor a task producing it",
                    node.id
                ));
            }
        }

        // Edges between tasks, then an order where producers come first.
        let count = self.tasks.len();
        let mut upstream = vec![Vec::new(); count];
        for (t, task) in self.tasks.iter().enumerate() {
            for input in &task.inputs {
                if let Some(&p) = producer.get(input.as_str())
                    && !upstream[t].contains(&p)
                {
                    upstream[t].push(p);
                }
            }
        }
        let order = match topological_order(&upstream) {
            Ok(order) => order,
            Err(cycle) => {
                let names: Vec<&str> = cycle.iter().map(|&t| self.tasks[t].id.as_str()).collect();
                problems.push(format!("the tasks form a cycle: {}", names.join(" -> ")));
                (0..count).collect()
            }
        };

        let known_tasks: HashSet<&str> = self.tasks.iter().map(|t| t.id.as_str()).collect();
        let mut sequences = BTreeMap::new();
        for (name, tasks) in self.sequences {
            for task in &tasks {
                if !known_tasks.contains(task.as_str()) {
                    problems.push(format!("sequence `{name}` names task `{task}`, which does not exist"));
                }
            }
            if sequences.insert(name.clone(), tasks).is_some() {
                problems.push(format!("sequence `{name}` is declared twice"));
            }
        }

        if !problems.is_empty() {
            return Err(ConfigError::Invalid { config: self.id, problems });
        }

        // Re-index everything in topological order.
        let mut old_to_new = vec![0; count];
        for (new, &old) in order.iter().enumerate() {
            old_to_new[old] = new;
        }
        let mut slots: Vec<Option<TaskConfig>> = self.tasks.into_iter().map(Some).collect();
        let tasks: Vec<TaskConfig> = order.iter().map(|&old| slots[old].take().unwrap()).collect();
        let upstream: Vec<Vec<usize>> =
            order.iter().map(|&old| upstream[old].iter().map(|&u| old_to_new[u]).collect()).collect();
        let mut downstream = vec![Vec::new(); count];
        for (t, ups) in upstream.iter().enumerate() {
            for &u in ups {
                downstream[u].push(t);
            }
        }
        let task_index = tasks.iter().enumerate().map(|(i, t)| (t.id.clone(), i)).collect();
        Ok(Arc::new(ScenarioConfig {
            id: self.id,
            nodes,
            node_index,
            tasks,
            task_index,
            upstream,
            downstream,
            sequences,
            frequency: self.frequency,
        }))
    }
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
            task.id,
            types.len(),
            wired.len(),
            if wired.len() == 1 { "is" } else { "are" },
            wired.join(", ")
        ));
    }
}

/// Kahn's algorithm; on a cycle, returns the tasks along one cycle (first repeated at the end).
fn topological_order(upstream: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let count = upstream.len();
    let mut remaining: Vec<usize> = upstream.iter().map(Vec::len).collect();
    let mut downstream = vec![Vec::new(); count];
    for (t, ups) in upstream.iter().enumerate() {
        for &u in ups {
            downstream[u].push(t);
        }
    }
    let mut ready: Vec<usize> = (0..count).filter(|&t| remaining[t] == 0).rev().collect();
    let mut order = Vec::with_capacity(count);
    while let Some(t) = ready.pop() {
        order.push(t);
        for &d in downstream[t].iter().rev() {
            remaining[d] -= 1;
            if remaining[d] == 0 {
                ready.push(d);
            }
        }
    }
    if order.len() == count {
        return Ok(order);
    }
    // Walk upstream from any task left over until a task repeats: that walk is a cycle.
    let start = (0..count).find(|&t| remaining[t] > 0).unwrap();
    let mut path = vec![start];
    let mut seen = HashMap::from([(start, 0)]);
    let mut current = start;
    loop {
        current = *upstream[current].iter().find(|&&u| remaining[u] > 0).unwrap();
        if let Some(&at) = seen.get(&current) {
            let mut cycle: Vec<usize> = path[at..].to_vec();
            cycle.reverse();
            cycle.push(cycle[0]);
            return Err(cycle);
        }
        seen.insert(current, path.len());
        path.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(a: &i64, b: &i64) -> i64 {
        a + b
    }

    #[test]
    fn a_valid_graph_is_ordered_producers_first() {
        let config = ScenarioConfig::builder("s")
            .node(DataNodeConfig::with_default("x", 1i64))
            .task(TaskConfig::new("second", add).inputs(["y", "x"]).outputs(["z"]))
            .task(TaskConfig::new("first", add).inputs(["x", "x"]).outputs(["y"]))
            .build()
            .unwrap();
        let ids: Vec<_> = config.tasks().iter().map(|t| t.id()).collect();
        assert_eq!(ids, ["first", "second"]);
        assert_eq!(config.node("z").unwrap().value_type(), ValueType::of::<i64>());
        assert_eq!(config.upstream(1), &[0]);
        assert_eq!(config.downstream(0), &[1]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = ScenarioConfig::builder("bad")
            .node(DataNodeConfig::with_default("x", 1i64))
            .node(DataNodeConfig::new::<String>("s"))
            .node(DataNodeConfig::new::<i64>("orphan"))
            .task(TaskConfig::new("t1", add).inputs(["x", "nope"]).outputs(["y"]))
            .task(TaskConfig::new("t2", add).inputs(["x", "s"]).outputs(["y"]))
            .task(TaskConfig::new("t3", add).inputs(["x"]).outputs(["x"]))
            .sequence("seq", ["t1", "ghost"])
            .build()
            .unwrap_err();
        let problems = err.problems().join("\n");
        for expected in [
            "task `t1` reads data node `nope`, which does not exist; declared nodes: x, s, orphan, y",
            "data node `y` is produced by both task `t1` and task `t2`",
            "task `t2` takes `i64` as input 2 but data node `s` holds `alloc::string::String`",
            "task `t3` has 2 inputs but 1 is wired: [x]",
            "data node `x` has a default value and is also produced by task `t3`",
            "data node `orphan` has neither a default value nor a task producing it",
            "sequence `seq` names task `ghost`, which does not exist",
        ] {
            assert!(problems.contains(expected), "missing `{expected}` in:\n{problems}");
        }
    }

    #[test]
    fn a_cycle_is_named() {
        let err = ScenarioConfig::builder("c")
            .node(DataNodeConfig::with_default("x", 1i64))
            .task(TaskConfig::new("a", add).inputs(["x", "c"]).outputs(["b"]))
            .task(TaskConfig::new("b", add).inputs(["x", "b"]).outputs(["c"]))
            .build()
            .unwrap_err();
        let problems = err.problems().join("\n");
        assert!(
            problems.contains("the tasks form a cycle: a -> b -> a")
                || problems.contains("the tasks form a cycle: b -> a -> b"),
            "{problems}"
        );
    }

    #[test]
    fn version_and_code_change_the_fingerprint() {
        let base = TaskConfig::new("t", add);
        let bumped = TaskConfig::new("t", add).version(1);
        let coded = TaskConfig::new("t", add).code_fingerprint(Fingerprint([7; 32]));
        assert_ne!(base.fingerprint(), bumped.fingerprint());
        assert_ne!(base.fingerprint(), coded.fingerprint());
        assert_eq!(base.fingerprint(), TaskConfig::new("t", add).fingerprint());
    }
}
