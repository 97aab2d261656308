//! What will run: the decisions a submit would take now, without running or writing anything.
//!
//! [`Scenario::plan`] walks the tasks in order (producers first) and asks `skip.rs` for each
//! one's decision through [`skip::preview`], the same decision a submit makes, with nothing
//! recorded. What the earlier tasks will do is carried forward:
//! - a task that skips restores remembered outputs, whose hashes are known: the tasks after it
//!   are decided on them;
//! - a task that runs produces values nobody knows yet. The tasks reading them are
//!   [`Planned::Unsure`]: decided as if those values came out unchanged (early cutoff), and
//!   said to run unless they do. A plan never claims a skip it cannot be sure of;
//! - a task whose inputs cannot be read (a source never written, or holding a value of an older
//!   layout of its type) fails, and the tasks after it are abandoned, as in a submit.
//!
//! [`DataNode::is_up_to_date`] is a plan of what the node needs: up to date when its producer
//! and everything upstream would skip and leave the node's current value in place.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use super::SubmitError;
use super::skip::{self, Decision};
use super::submit::with_upstream;
use crate::config::{ScenarioConfig, TaskConfig};
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::job::Reason;
use crate::node::{DataNode, NodeName};
use crate::scenario::Scenario;
use crate::store::Store;
use crate::value::DataValue;

/// What a submit would do now with each task, in the order of the config's tasks: see
/// [`Scenario::plan`]. Its `Display` is one line per task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    jobs: Vec<PlannedJob>,
}

/// One task of a [`Plan`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedJob {
    /// The task's config id.
    pub task: String,
    /// What a submit would do with it.
    pub planned: Planned,
}

/// What a submit would do with one task.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Planned {
    /// It runs, for this reason, whatever the tasks before it produce.
    Run(Reason),
    /// It skips and reuses a remembered result, for this reason.
    Skip(Reason),
    /// It reads values that tasks running before it in the same submission will produce, so
    /// its decision waits for them.
    Unsure {
        /// The inputs whose new values are not known yet, in declared order.
        inputs: Vec<String>,
        /// The decision's reason if those inputs come out unchanged (early cutoff); `None`
        /// when they hold no value yet.
        if_unchanged: Option<Reason>,
    },
    /// Its job would fail before running: an input cannot be read.
    Fail {
        /// Why.
        error: String,
    },
    /// Its job would be abandoned: a task it depends on would fail.
    Abandon {
        /// The task that would fail.
        task: String,
    },
}

impl Plan {
    /// Each task's entry, in the order of the config's tasks.
    pub fn jobs(&self) -> &[PlannedJob] {
        &self.jobs
    }

    /// What a submit would do with `task`, if the plan covers it.
    pub fn get(&self, task: &str) -> Option<&Planned> {
        self.jobs.iter().find(|j| j.task == task).map(|j| &j.planned)
    }

    /// The tasks that would certainly skip, in order.
    pub fn skipped(&self) -> Vec<&str> {
        self.jobs.iter().filter(|j| matches!(j.planned, Planned::Skip(_))).map(|j| j.task.as_str()).collect()
    }
}

fn names(inputs: &[String]) -> String {
    inputs.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// `runs: input `x` changed`, `skips: inputs and code unchanged`,
/// ``runs unless `x` comes out unchanged (then skips: inputs and code unchanged)``, ...
impl std::fmt::Display for Planned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Planned::Run(reason) => write!(f, "runs: {reason}"),
            Planned::Skip(reason) => write!(f, "skips: {reason}"),
            Planned::Unsure { inputs, if_unchanged } => {
                let (verb, matches) =
                    if inputs.len() == 1 { ("comes", "matches") } else { ("come", "match") };
                match if_unchanged {
                    Some(reason) if reason.is_skip() => {
                        write!(f, "runs unless {} {verb} out unchanged (then skips: {reason})", names(inputs))
                    }
                    Some(reason) => {
                        write!(
                            f,
                            "runs: {reason} (unless the new {} {matches} a remembered result)",
                            names(inputs)
                        )
                    }
                    None => {
                        write!(f, "runs (unless the new {} {matches} a remembered result)", names(inputs))
                    }
                }
            }
            Planned::Fail { error } => write!(f, "fails: {error}"),
            Planned::Abandon { task } => write!(f, "abandoned: upstream task `{task}` would fail"),
        }
    }
}

/// One line per task: the task, padded, then what a submit would do.
impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = self.jobs.iter().map(|j| j.task.chars().count()).max().unwrap_or(0);
        for job in &self.jobs {
            writeln!(f, "{:<width$}  {}", job.task, job.planned)?;
        }
        Ok(())
    }
}

impl Scenario {
    /// What [`submit`](Self::submit) would do now with each task, and why, without running or
    /// writing anything: no job, no submission, no event, no new version (not even for an
    /// external file found edited; the plan uses its new content). The decisions are the
    /// submit's own (`orchestrator/skip.rs`); a task downstream of one that will run is
    /// [`Planned::Unsure`], never claimed to skip.
    ///
    /// ```
    /// use taipy_core::prelude::*;
    /// use taipy_core::Planned;
    ///
    /// let config = ScenarioConfig::builder("doubling")
    ///     .node(DataNodeConfig::with_default("x", 21i64))
    ///     .task(TaskConfig::new("double", |x: &i64| x * 2).inputs(["x"]).outputs(["y"]))
    ///     .task(TaskConfig::new("show", |y: &i64| format!("{y}")).inputs(["y"]).outputs(["text"]))
    ///     .build()?;
    /// let scenario = Scenario::create(&Store::temporary()?, &config, "s")?;
    /// scenario.submit()?.wait()?;
    /// scenario.data_node::<i64>("x")?.write(5)?;
    /// assert_eq!(
    ///     scenario.plan()?.to_string(),
    ///     "double  runs: input `x` changed\n\
    ///      show    runs unless `y` comes out unchanged (then skips: inputs and code unchanged)\n"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plan(&self) -> Result<Plan, StoreError> {
        let tasks: Vec<usize> = (0..self.config().tasks().len()).collect();
        Ok(plan_tasks(&self.planner(), &tasks)?.0)
    }

    /// What [`submit_for`](Self::submit_for) would do now: the plan of the tasks `outputs`
    /// need.
    pub fn plan_for(&self, outputs: &[&dyn NodeName]) -> Result<Plan, SubmitError> {
        let tasks = self.tasks_for(&self.output_names(outputs)?);
        Ok(plan_tasks(&self.planner(), &tasks)?.0)
    }

    /// Whether node `name` holds what a submit would produce now: see
    /// [`DataNode::is_up_to_date`].
    pub fn is_up_to_date(&self, name: &str) -> Result<bool, StoreError> {
        if self.config().node(name).is_none() {
            return Err(StoreError::UnknownNode {
                config: self.config().id().to_owned(),
                node: name.to_owned(),
                declared: self.config().node_names(),
            });
        }
        up_to_date(&self.planner(), name)
    }

    fn planner(&self) -> Planner {
        let node_ids =
            self.config().nodes().iter().map(|n| (n.id().to_owned(), self.node_id(n.id()).to_owned()));
        Planner {
            store: self.store().clone(),
            config: self.config().clone(),
            scenario_id: self.id().to_owned(),
            scenario_name: self.name().to_owned(),
            node_ids: node_ids.collect(),
        }
    }
}

impl<T: DataValue> DataNode<T> {
    /// Whether the node holds what a submit would produce now: its producer and every task
    /// upstream of it would skip and leave the current value in place. False when an input
    /// upstream changed, when the last run of its producer (or of a task upstream) failed or
    /// was abandoned and left an older value, and for a value never computed. A source node
    /// (no producer) is up to date when it holds a value of its type's current layout, and for
    /// an external file, when the file still has the content of its current version. Changes nothing, as
    /// [`Scenario::plan`].
    ///
    /// [`is_expired`](Self::is_expired) is another question: past the validity period.
    pub fn is_up_to_date(&self) -> Result<bool, StoreError> {
        let record = self.store.scenario_record(&self.scenario_id)?;
        let planner = Planner {
            store: self.store.clone(),
            config: self.config.clone(),
            scenario_id: self.scenario_id.clone(),
            scenario_name: self.scenario.clone(),
            node_ids: record.nodes.into_iter().collect(),
        };
        up_to_date(&planner, &self.name)
    }
}

/// What a plan is made in: one scenario.
struct Planner {
    store: Store,
    config: std::sync::Arc<ScenarioConfig>,
    scenario_id: String,
    scenario_name: String,
    node_ids: HashMap<String, String>,
}

/// What a node will hold once the planned jobs before a task are done.
#[derive(Clone, Debug)]
enum Foreseen {
    /// This content (restored by a skip).
    Hash(Fingerprint),
    /// Something a running job will produce.
    Unknown,
    /// Nothing new: its producer (the named task) would fail or be abandoned.
    Failed(String),
}

fn up_to_date(planner: &Planner, name: &str) -> Result<bool, StoreError> {
    let config = &planner.config;
    let node_id = &planner.node_ids[name];
    let Some(current) = planner.store.node_state(node_id)?.current else { return Ok(false) };
    let producer = config.tasks().iter().position(|t| t.output_nodes().iter().any(|o| o == name));
    let Some(producer) = producer else {
        let node = config.node(name).expect("checked");
        let ty = node.value_type();
        // A value of an older layout of the type cannot be read: its readers would fail.
        match crate::node::check_layout(&planner.store, name, &current, ty) {
            Ok(()) => {}
            Err(StoreError::LayoutChanged { .. }) => return Ok(false),
            Err(e) => return Err(e),
        }
        if !node.is_watched() {
            return Ok(true);
        }
        return Ok(node.refresh(&current.stored, &planner.store.cx())? == current.hash);
    };
    let (_, foreseen) = plan_tasks(planner, &with_upstream(config, [producer]))?;
    Ok(matches!(foreseen.get(name), Some(Foreseen::Hash(h)) if *h == current.hash))
}

/// Plans `tasks` (config positions, ascending: producers first); returns the plan and what
/// each output node will hold.
fn plan_tasks(planner: &Planner, tasks: &[usize]) -> Result<(Plan, BTreeMap<String, Foreseen>), StoreError> {
    let last_runs = planner.store.last_runs(&planner.scenario_id)?;
    let scope = skip::Scope {
        store: &planner.store,
        config: &planner.config,
        scenario_id: &planner.scenario_id,
        scenario_name: &planner.scenario_name,
        node_ids: &planner.node_ids,
        force: false,
        last_runs: &last_runs,
    };
    let mut foreseen: BTreeMap<String, Foreseen> = BTreeMap::new();
    let mut jobs = Vec::with_capacity(tasks.len());
    for &t in tasks {
        let task = &planner.config.tasks()[t];
        let (planned, restores) = plan_one(&scope, task, &foreseen)?;
        let outputs: Vec<Foreseen> = match &planned {
            Planned::Skip(_) => restores.into_iter().map(Foreseen::Hash).collect(),
            Planned::Fail { .. } => vec![Foreseen::Failed(task.id().to_owned())],
            Planned::Abandon { task } => vec![Foreseen::Failed(task.clone())],
            Planned::Run(_) | Planned::Unsure { .. } => vec![Foreseen::Unknown],
        };
        for (i, name) in task.output_nodes().iter().enumerate() {
            foreseen.insert(name.clone(), outputs.get(i).unwrap_or(&outputs[0]).clone());
        }
        jobs.push(PlannedJob { task: task.id().to_owned(), planned });
    }
    Ok((Plan { jobs }, foreseen))
}

/// The inputs of `task` whose hashes the plan knows (restored by earlier skips), plus, for
/// those produced by running jobs, their current hashes ("if unchanged").
fn known_hashes(
    task: &TaskConfig,
    foreseen: &BTreeMap<String, Foreseen>,
    scope: &skip::Scope<'_>,
) -> Result<HashMap<String, Fingerprint>, StoreError> {
    let mut known = HashMap::new();
    for name in task.input_nodes() {
        match foreseen.get(name) {
            Some(Foreseen::Hash(hash)) => {
                known.insert(name.clone(), *hash);
            }
            Some(Foreseen::Unknown) => {
                if let Some(current) = scope.store.node_state(&scope.node_ids[name])?.current {
                    known.insert(name.clone(), current.hash);
                }
            }
            Some(Foreseen::Failed(_)) | None => {}
        }
    }
    Ok(known)
}

/// The plan of one task, given what the tasks before it will leave; for a skip, also the
/// hashes of the outputs it restores.
fn plan_one(
    scope: &skip::Scope<'_>,
    task: &TaskConfig,
    foreseen: &BTreeMap<String, Foreseen>,
) -> Result<(Planned, Vec<Fingerprint>), StoreError> {
    let failed = task.input_nodes().iter().find_map(|n| match foreseen.get(n) {
        Some(Foreseen::Failed(task)) => Some(task.clone()),
        _ => None,
    });
    if let Some(task) = failed {
        return Ok((Planned::Abandon { task }, Vec::new()));
    }
    let unknown: Vec<String> = task
        .input_nodes()
        .iter()
        .filter(|n| matches!(foreseen.get(*n), Some(Foreseen::Unknown)))
        .cloned()
        .collect();
    let known = known_hashes(task, foreseen, scope)?;
    let never_written = |name: &String| StoreError::NeverWritten {
        node: name.clone(),
        scenario: scope.scenario_name.to_owned(),
    };
    if unknown.iter().any(|n| !known.contains_key(n)) {
        // A running job will write some input for the first time: nothing to compare with.
        // The job still fails if a source input was never written.
        let mut unwritten = None;
        for name in task.input_nodes().iter().filter(|n| !foreseen.contains_key(*n)) {
            if scope.store.node_state(&scope.node_ids[name])?.current.is_none() {
                unwritten = Some(name);
                break;
            }
        }
        let unreadable = match unwritten {
            Some(name) => Some(never_written(name)),
            None => unreadable_source(scope, task, foreseen)?,
        };
        let planned = match unreadable {
            Some(error) => Planned::Fail { error: error.to_string() },
            None if !task.is_skippable() => Planned::Run(Reason::NotSkippable),
            None => Planned::Unsure { inputs: unknown, if_unchanged: None },
        };
        return Ok((planned, Vec::new()));
    }
    let (decision, restores) = match skip::preview(scope, task, &known) {
        Ok(previewed) => previewed,
        Err(e @ StoreError::NeverWritten { .. }) => {
            return Ok((Planned::Fail { error: e.to_string() }, Vec::new()));
        }
        Err(e) => return Err(e),
    };
    if matches!(decision, Decision::Run(_))
        && let Some(error) = unreadable_source(scope, task, foreseen)?
    {
        return Ok((Planned::Fail { error: error.to_string() }, Vec::new()));
    }
    let planned = match decision {
        Decision::Run(reason @ (Reason::Forced | Reason::NotSkippable)) => Planned::Run(reason),
        Decision::Run(reason) | Decision::Skip(reason) if !unknown.is_empty() => {
            Planned::Unsure { inputs: unknown, if_unchanged: Some(reason) }
        }
        Decision::Run(reason) => Planned::Run(reason),
        Decision::Skip(reason) => Planned::Skip(reason),
    };
    Ok((planned, restores))
}

/// The error a job of `task` would fail with reading an input that no planned task writes: a
/// value stored with another layout of the node's type (`value/layout.rs`), which a run
/// refuses to decode (`execute.rs`).
fn unreadable_source(
    scope: &skip::Scope<'_>,
    task: &TaskConfig,
    foreseen: &BTreeMap<String, Foreseen>,
) -> Result<Option<StoreError>, StoreError> {
    for name in task.input_nodes().iter().filter(|n| !foreseen.contains_key(*n)) {
        let Some(version) = scope.store.node_state(&scope.node_ids[name])?.current else { continue };
        let ty = scope.config.node(name).expect("validated").value_type();
        match crate::node::check_layout(scope.store, name, &version, ty) {
            Ok(()) => {}
            Err(e @ StoreError::LayoutChanged { .. }) => return Ok(Some(e)),
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}
