//! Task declarations: the function to run, the nodes it reads and writes, whether its results
//! may be reused, and the fingerprint of its code.

use std::sync::Arc;
use std::time::Duration;

use crate::fingerprint::{Fingerprint, FingerprintBuilder};
use crate::macro_support::TaskDescriptor;
use crate::task::{Runner, TaskFn};
use crate::value::{AnyValue, ValueType};

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
    retries: u32,
    timeout: Option<Duration>,
    lazy: bool,
}

impl TaskConfig {
    /// A task running the `#[task]` function `F`, named like the function, with the code
    /// fingerprint, `version` and `skippable` of its `#[task]`: editing the function re-runs the
    /// task. Wire it with [`inputs`](Self::inputs) and [`outputs`](Self::outputs), as
    /// `scenario!` does.
    ///
    /// `F` is the function's name: `#[task]` declares a hidden type of the same name beside
    /// the function, so `use path::to::clean` brings both.
    ///
    /// ```
    /// use taipy_core::prelude::*;
    /// use taipy_macros::task; // `taipy::prelude::*` brings both
    ///
    /// #[task]
    /// fn clean(raw: Vec<f64>) -> Vec<f64> {
    ///     raw.into_iter().filter(|x| x.is_finite()).collect()
    /// }
    ///
    /// let config = ScenarioConfig::builder("cleaning")
    ///     .node(DataNodeConfig::with_default("raw", vec![1.0, f64::NAN, 2.0]))
    ///     .task(TaskConfig::of::<clean>().inputs(["raw"]).outputs(["cleaned"]))
    ///     .build()?;
    /// let store = Store::temporary()?;
    /// let scenario = Scenario::create(&store, &config, "first")?;
    /// scenario.submit()?.wait()?;
    /// assert_eq!(scenario.data_node::<Vec<f64>>("cleaned")?.read()?, [1.0, 2.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [`TaskConfig::new`] takes closures and plain functions instead, which have no code
    /// fingerprint (see [`version`](Self::version)).
    pub fn of<F: TaskDescriptor>() -> Self {
        Self::of_named::<F>(F::ENTRY.name)
    }

    /// [`of`](Self::of) with another id: one `#[task]` function used twice in a scenario (what
    /// `... = f(x) as other` does in `scenario!`).
    pub fn of_named<F: TaskDescriptor>(id: impl Into<String>) -> Self {
        crate::registry::remember_task(&F::ENTRY);
        F::ENTRY.task_config(&id.into())
    }

    /// A task running `function`, whose inputs are taken by reference: `|a: &f64, b: &i64| ...`.
    /// Wire it with [`inputs`](Self::inputs) and [`outputs`](Self::outputs).
    ///
    /// A closure or plain function has no code fingerprint: the task is identified by its id,
    /// its types and its config, so editing the closure does **not** re-run it, and its jobs
    /// carry a [`warning`](crate::Job::warning) saying so. Use [`of`](Self::of) for a `#[task]`
    /// function, or bump [`version`](Self::version) whenever the closure changes.
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
            retries: 0,
            timeout: None,
            lazy: false,
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
            retries: 0,
            timeout: None,
            lazy: false,
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
    /// upgrade): bumping it re-runs the task. For a task made with [`new`](Self::new), which has
    /// no code fingerprint, the version (from 1) is what tells an edited closure from the old
    /// one: bump it with every edit.
    pub fn version(mut self, version: u64) -> Self {
        self.version = version;
        self.refingerprint()
    }

    /// How many more times a failing run (an error, a panic or a timeout) is tried before the
    /// job ends Failed (default 0). Each attempt shows in the job's
    /// [`attempt`](crate::Job::attempt) ("attempt 2 of 3"); a success on a retry is committed
    /// and remembered like any success. Retries do not change the task's fingerprint.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// How long one attempt may run (default: no limit). An attempt that runs longer fails
    /// ("timed out after 30s"; retried like any failure while retries remain), so the job ends
    /// Failed with [`Reason::TimedOut`](crate::Reason::TimedOut), its downstream jobs are
    /// abandoned and `wait` returns at the deadline.
    ///
    /// A thread cannot be killed: a timed task runs on a thread of its own, and at the deadline
    /// the orchestrator stops waiting for it. **The function keeps running in the background
    /// until it returns**; its late result is discarded, never stored or remembered. A task
    /// that can hang on I/O should also bound its own waits.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Declares that the task's function only builds lazy frames over its frame inputs and
    /// never executes them (no `collect`, no eager helper reading them; default `false`).
    /// Within one submission such a task may then be fused with the producer of its frames:
    /// it receives the producer's plan instead of a scan of the producer's artifact, and its
    /// outputs are written in the same polars query as the producer's (one streaming pass
    /// feeds every sink; see `orchestrator/fuse.rs`). Results, artifacts, skip decisions and
    /// job records are those of an unfused run. A task that does execute its inputs still
    /// works when declared lazy, but then re-computes its producer's plan instead of reading
    /// its artifact. `#[task(lazy = true)]` sets it.
    pub fn lazy(mut self, lazy: bool) -> Self {
        self.lazy = lazy;
        self
    }

    /// Whether the task is declared [`lazy`](Self::lazy).
    pub fn is_lazy(&self) -> bool {
        self.lazy
    }

    /// How many times a failing run is retried.
    pub fn retry_count(&self) -> u32 {
        self.retries
    }

    /// How long one attempt may run, if limited.
    pub fn timeout_limit(&self) -> Option<Duration> {
        self.timeout
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

    /// The warning its jobs carry when nothing identifies its code: no code fingerprint (a
    /// closure or plain function given to [`new`](Self::new)) and no [`version`](Self::version).
    pub(crate) fn unfingerprinted_warning(&self) -> Option<&'static str> {
        (self.code.is_none() && self.version == 0).then_some(
            "no code fingerprint: edits to this closure do not re-run it; use `TaskConfig::of::<f>()` \
             for a `#[task]` or set a version",
        )
    }

    fn refingerprint(self) -> Self {
        self.refingerprint_in(None)
    }

    /// Without a code fingerprint, the task is identified by its id, its types and the config
    /// it belongs to, so two configs' tasks of one id never share remembered results.
    pub(super) fn refingerprint_in(mut self, config: Option<&str>) -> Self {
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

    /// This task (not wired yet) under another id: what `TaskEntry::task_config` makes, without
    /// making it again (a loaded file names one function for thousands of tasks).
    pub(crate) fn renamed(&self, id: &str) -> Self {
        Self { id: id.to_owned(), ..self.clone() }.refingerprint()
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
            .field("retries", &self.retries)
            .field("timeout", &self.timeout)
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(a: &i64, b: &i64) -> i64 {
        a + b
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

    #[test]
    fn retries_and_timeout_leave_the_fingerprint_alone() {
        let base = TaskConfig::new("t", add);
        let patient = TaskConfig::new("t", add).retries(2).timeout(Duration::from_secs(30));
        assert_eq!((patient.retry_count(), patient.timeout_limit()), (2, Some(Duration::from_secs(30))));
        assert_eq!((base.retry_count(), base.timeout_limit()), (0, None));
        assert_eq!(base.fingerprint(), patient.fingerprint());
    }
}
