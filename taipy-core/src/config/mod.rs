//! Static configurations: data nodes, tasks and scenarios, and their validation.
//!
//! `scenario!` generates these; the builder API below is the same runtime without macros (and
//! what TOML configs build at run time). [`ScenarioConfigBuilder::build`] validates the whole
//! graph and reports every problem at once.
//!
//! - `execution.rs`: [`StoreOptions`] and [`ExecutionMode`], how a store runs jobs;
//! - `artifacts.rs`: [`ArtifactsUrl`], artifacts on object storage;
//! - `frequency.rs`: [`Frequency`] and the calendar periods it groups scenarios by;
//! - `node.rs`: [`DataNodeConfig`] and [`Scope`];
//! - `task.rs`: [`TaskConfig`];
//! - `shape.rs`: a config version's structure ([`ConfigShape`]) and the diff of two;
//! - `migration.rs`: typed migrations of a node's values between versions (`migration!`);
//! - `graph.rs`: building a [`ScenarioConfig`]: indexing, inference, the checks, the problems list;
//! - `order.rs`: the task graph's algorithms: an order where producers come first, and a cycle
//!   named as a path (the TOML checker uses the same one).

mod artifacts;
mod execution;
mod forms;
pub(crate) mod frequency;
mod graph;
mod migration;
mod node;
mod order;
mod shape;
mod task;

use std::collections::BTreeMap;

use foldhash::HashMap;
use std::sync::Arc;

use crate::error::ConfigError;

pub use artifacts::ArtifactsUrl;
pub use execution::{ExecutionMode, Executor, StoreOptions, VersionMode};
pub(crate) use forms::ConfigForms;
pub(crate) use forms::{recorded, version_of};
pub use frequency::Frequency;
pub(crate) use migration::find_migration;
pub use migration::{MigrationAnswer, MigrationCall, MigrationEntry, MigrationOutput, run_migration};
pub(crate) use node::ShowFn;
pub use node::{DataNodeConfig, Scope};
pub(crate) use order::find_cycle;
pub use shape::{ConfigDiff, ConfigShape, Difference, NodeShape, TaskShape};
pub use task::TaskConfig;

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
    /// What scenarios record of it, once computed (`forms.rs`).
    recorded: std::sync::OnceLock<forms::Recorded>,
    /// Each task's warning for its jobs, once computed ([`job_warning`](Self::job_warning)).
    warnings: std::sync::OnceLock<Vec<Option<String>>>,
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

    /// The warning every job of task `task` (its position) records, if any: a task without a
    /// code fingerprint (a closure), and each type it reads or writes whose layout is only its
    /// name (its changes are not detected, see
    /// [`Layout::of_serde_or_name`](crate::Layout::of_serde_or_name)). Made once per config.
    pub(crate) fn job_warning(&self, task: usize) -> Option<&str> {
        let warnings = self.warnings.get_or_init(|| self.tasks.iter().map(task_warning).collect());
        warnings[task].as_deref()
    }

    pub(crate) fn upstream(&self, task: usize) -> &[usize] {
        &self.upstream[task]
    }

    pub(crate) fn downstream(&self, task: usize) -> &[usize] {
        &self.downstream[task]
    }

    pub(crate) fn node_names(&self) -> String {
        self.nodes.iter().map(|n| n.id()).collect::<Vec<_>>().join(", ")
    }
}

/// See [`ScenarioConfig::job_warning`].
fn task_warning(task: &TaskConfig) -> Option<String> {
    let mut warnings: Vec<String> = task.unfingerprinted_warning().map(str::to_owned).into_iter().collect();
    let mut named: Vec<&str> = Vec::new();
    for ty in task.input_types().iter().chain(task.output_types()) {
        if ty.layout().is_some_and(|layout| layout.is_name_only()) && !named.contains(&ty.name()) {
            named.push(ty.name());
        }
    }
    warnings.extend(named.into_iter().map(|name| {
        format!(
            "type `{name}` has no traced layout, only its name: a change to its fields is not detected \
             (`#[derive(DataValue)]` on a type of yours falls back to its declaration instead)"
        )
    }));
    (!warnings.is_empty()).then(|| warnings.join("; "))
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
    pub fn build(self) -> Result<Arc<ScenarioConfig>, ConfigError> {
        graph::build(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ValueType;

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

    fn step(x: &i64) -> i64 {
        x + 1
    }

    /// `n` tasks, `t{i}` reading `x{i}` and writing `x{i+1}`; `t0` reads `first`.
    fn chain(n: usize, first: &str) -> ScenarioConfigBuilder {
        let mut builder = ScenarioConfig::builder("chain").node(DataNodeConfig::with_default("x0", 0i64));
        for i in 0..n {
            let input = if i == 0 { first.to_owned() } else { format!("x{i}") };
            builder = builder.task(
                TaskConfig::new(format!("t{i}"), step).inputs([input]).outputs([format!("x{}", i + 1)]),
            );
        }
        builder
    }

    #[test]
    fn a_long_chain_builds_and_a_long_cycle_is_named_as_a_path() {
        let n = 20_000;
        let config = chain(n, "x0").build().unwrap();
        assert_eq!(config.tasks()[n - 1].id(), format!("t{}", n - 1));
        // `t0` reads what the last task writes.
        let err = chain(n, &format!("x{n}")).build().unwrap_err();
        let cycle = err.problems().iter().find_map(|p| p.strip_prefix("the tasks form a cycle: ")).unwrap();
        let expected: Vec<String> = (0..n).chain([0]).map(|i| format!("t{i}")).collect();
        assert_eq!(cycle, expected.join(" -> "));
    }
}
