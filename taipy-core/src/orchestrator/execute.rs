//! Executing one job on a worker: claim it, assess and decide (`skip.rs`), then restore the
//! remembered outputs or run the task, store its outputs and commit (`store/commit.rs`).
//!
//! The scheduler's copy of a job (`run.rs`) is its one record. A change of status is made on a
//! [`snapshot`](Run::snapshot) with [`Job::advance`](crate::Job::advance) (which checks the status machine), persisted
//! (started, committed), and only then [`publish`](Run::publish)ed, so what the callback sees
//! has reached the store's queue, and a refused commit leaves the job where it was (a Running
//! job whose commit fails becomes Failed, never Completed and then Failed).

use std::cell::{Cell, RefCell};
use std::ffi::OsStr;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Once, OnceLock, RwLockReadGuard};

use super::attempts::{self, Failure};
use super::run::Run;
use super::skip::{self, Decision};
use super::trace;
use crate::config::{DataNodeConfig, TaskConfig};
use crate::error::{StoreError, TaskError};
use crate::fingerprint::Fingerprint;
use crate::job::{Job, JobStatus, Reason};
use crate::store::{JobCommit, LastRun, MemoEntry, Pin, RunResult, Version, Writer, now_us};
use crate::value::{AnyValue, Stored};

/// A job run here: its outputs as stored (by node id), as values for downstream jobs, and the
/// write gate held since the first output's artifact.
type Ran<'a> = (Vec<(String, Stored)>, Produced, RwLockReadGuard<'a, ()>);

/// Values a completed job produced, by output name, for its downstream jobs.
type Produced = Vec<(String, (Fingerprint, AnyValue))>;

impl Run {
    /// Runs (or skips) job `i`; returns the jobs it released.
    pub(super) fn execute(self: &Arc<Self>, i: usize) -> Vec<usize> {
        let span = {
            let mut state = self.lock();
            if state.jobs[i].status != JobStatus::Pending || state.claimed[i] {
                return Vec::new(); // canceled before a worker took it
            }
            state.claimed[i] = true;
            state.jobs.make_mut()[i].started_us = Some(now_us());
            trace::job_span(&self.span, &state.jobs[i])
        };
        let _in_span = span.enter();
        let task = &self.config.tasks()[self.slots[i].task];
        // A panic outside the task itself (a value's store or load) fails the job too.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.decide_and_run(i, task)))
            .unwrap_or_else(|payload| Err(panic_error(payload, None).into()));
        let values = match outcome {
            Ok(values) => values,
            Err(Failure { error, reason }) => {
                self.fail(i, task, *error, reason);
                Vec::new()
            }
        };
        self.finish(i, values)
    }

    /// Records job `i`'s failure (with `reason`, if given) and releases the outputs it held.
    fn fail(&self, i: usize, task: &TaskConfig, error: TaskError, reason: Option<Reason>) {
        let release: Vec<String> = task.output_nodes().iter().map(|n| self.node_ids[n].clone()).collect();
        let mut job = self.snapshot(i);
        let failed = job.advance(JobStatus::Failed, reason, now_us()).and_then(|()| {
            job.error = Some(error);
            let commit = JobCommit {
                job: &job,
                outputs: &[],
                release: &release,
                writer: Writer::User,
                memo: None,
                deferrable: false,
            };
            self.store.commit_job(&commit)?;
            self.publish(i, job)
        });
        if let Err(e) = failed {
            eprintln!("taipy: cannot record the failure of a job of task `{}`: {e}", task.id());
        }
    }

    /// Assesses and decides (see `skip.rs`), then restores or runs and commits. Errors are the
    /// job's failure.
    fn decide_and_run(&self, i: usize, task: &TaskConfig) -> Result<Produced, Failure> {
        let store_error = |e: StoreError| TaskError::msg(e.to_string());
        let scope = skip::Scope {
            store: &self.store,
            config: &self.config,
            scenario_id: &self.scenario_id,
            scenario_name: &self.scenario_name,
            node_ids: &self.node_ids,
            force: self.force,
            last_runs: &self.last_runs,
        };
        let mut events = Vec::new();
        let assessment = {
            // Under the gate, and pinned before it is released: what the decision relies on
            // cannot be collected.
            let _gate = self.store.write_gate();
            skip::assess(&scope, task, &mut events).inspect(|assessment| {
                let mut pins: Vec<Pin> = Vec::new();
                for (input, version) in assessment.inputs.iter().zip(&assessment.versions) {
                    self.store.pin_version(&input.node_id, version.number, &version.stored, &mut pins);
                }
                let restored = assessment.entry.iter().flat_map(|e| e.outputs.iter());
                pins.extend(restored.filter_map(|s| self.store.pin(s)));
                self.lock().pins.extend(pins);
            })
        };
        // Event callbacks run with no lock held, the gate included.
        for event in events {
            self.store.emit(event);
        }
        let assessment = assessment.map_err(store_error)?;
        trace::decision(&assessment.decision);
        let mut job = self.snapshot(i);
        job.inputs = assessment.inputs;
        job.code = Some(assessment.current.fingerprint);
        job.warning = self.config.job_warning(self.slots[i].task).map(str::to_owned);
        let outputs: Vec<String> = task.output_nodes().iter().map(|n| self.node_ids[n].clone()).collect();
        let current = assessment.current;

        match assessment.decision {
            Decision::Skip(reason) => {
                let entry = assessment.entry.expect("a usable memo entry");
                // The task's last run is rewritten when this one differs from it, or leaves
                // another result than the one recorded with it.
                let last_run = (!assessment.recorded).then(|| {
                    let outputs = entry.outputs.iter().map(|s| s.hash).collect();
                    let result = RunResult { job_id: entry.job_id.clone(), outputs };
                    LastRun { run: current, result: Some(result) }
                });
                // A file edited outside since the remembered run is kept, not restored (see
                // `skip::restorable`): its readers pick the edit up as a new version.
                let cx = self.store.cx();
                let kept = |name: &String, stored: &Stored| {
                    let node = self.config.node(name).expect("validated");
                    node.is_watched()
                        && !node.value_type().is_external()
                        && node.refresh(stored, &cx).is_ok_and(|fresh| fresh != stored.hash)
                };
                let restored: Vec<(String, Stored)> = outputs
                    .into_iter()
                    .zip(task.output_nodes())
                    .zip(entry.outputs)
                    .filter(|((_, name), stored)| !kept(name, stored))
                    .map(|((id, _), stored)| (id, stored))
                    .collect();
                job.advance(JobStatus::Skipped, Some(reason), now_us()).map_err(store_error)?;
                let commit = JobCommit {
                    job: &job,
                    outputs: &restored,
                    release: &[],
                    writer: Writer::Reused { job: job.id.clone(), from_job: entry.job_id },
                    memo: None,
                    // Restoring nothing, its record waits for the submission's end
                    // (`store/skipped.rs`).
                    deferrable: true,
                };
                let committed = self.store.commit_job(&commit).map_err(store_error)?;
                self.leave_run(task, last_run);
                self.publish_as(i, job, committed.deferred).map_err(store_error)?;
                Ok(Vec::new())
            }
            Decision::Run(reason) => {
                // Refuse before running if a user holds an output's edit lock (the commit checks
                // again, authoritatively).
                for node_id in &outputs {
                    self.store.check_unlocked(node_id).map_err(store_error)?;
                }
                job.advance(JobStatus::Running, Some(reason), now_us()).map_err(store_error)?;
                job.attempt = attempts::first(task);
                self.store.start_job(&job, &outputs).map_err(store_error)?;
                self.publish(i, job.clone()).map_err(store_error)?;
                let (stored, handed, gate) =
                    match self.run_remotely(i, task, &job, &outputs, &assessment.versions) {
                        Some(result) => {
                            let stored = result?;
                            // From checking the worker's artifacts to their staged versions,
                            // garbage collection waits.
                            let gate = self.store.write_gate();
                            self.check_remote_outputs(task, &stored)?;
                            (stored, Vec::new(), gate)
                        }
                        None => self.run_here(i, task, &mut job, &outputs, &assessment.versions)?,
                    };
                job.advance(JobStatus::Completed, None, now_us()).map_err(store_error)?;
                let memo = MemoEntry {
                    task_id: task.id().to_owned(),
                    job_id: job.id.clone(),
                    outputs: stored.iter().map(|(_, s)| s.clone()).collect(),
                    created_us: now_us(),
                };
                let result = RunResult {
                    job_id: job.id.clone(),
                    outputs: stored.iter().map(|(_, s)| s.hash).collect(),
                };
                let last_run = LastRun { run: current, result: Some(result) };
                let commit = JobCommit {
                    job: &job,
                    outputs: &stored,
                    release: &[],
                    writer: Writer::Job { job: job.id.clone(), task: task.id().to_owned() },
                    memo: Some((assessment.key.expect("a run has its memo key"), memo)),
                    deferrable: false,
                };
                self.store.commit_job(&commit).map_err(store_error)?;
                self.leave_run(task, Some(last_run));
                // Callbacks (told by `publish`) run with no lock held, the gate included.
                drop(gate);
                self.publish(i, job).map_err(store_error)?;
                Ok(handed)
            }
        }
    }

    /// Keeps `run` (if any), the last run a committed job of `task` leaves, for the submission's
    /// end (`store/runs.rs`).
    fn leave_run(&self, task: &TaskConfig, run: Option<LastRun>) {
        if let Some(run) = run {
            self.lock().runs_left.push((task.id().to_owned(), run));
        }
    }

    /// Runs task `task` of job `i` in this process (with its retries) and stores its outputs;
    /// returns them as stored and as values for downstream jobs, and the write gate held from
    /// the first output's artifact on.
    fn run_here(
        &self,
        i: usize,
        task: &TaskConfig,
        job: &mut Job,
        outputs: &[String],
        versions: &[Version],
    ) -> Result<Ran<'_>, Failure> {
        let store_error = |e: StoreError| TaskError::msg(e.to_string());
        if let Some(speculation) = self.take_speculation(i)
            && speculation.matches(versions.iter().map(|v| v.hash))
        {
            // Run already, fused with its producer (`fuse.rs`): its artifacts are durable.
            self.with_state(|state| self.release_reads(state, i));
            return self.hand_over(i, task, outputs, speculation.outputs);
        }
        let values = self.read_inputs(i, task, versions).map_err(store_error)?;
        let produced = self.call_with_retries(call_task, i, task, job, outputs, &values)?;
        let output_nodes: Vec<&DataNodeConfig> =
            task.output_nodes().iter().map(|n| self.config.node(n).expect("validated")).collect();
        let group = self.fusion_group(i, task, &produced);
        // From the outputs' artifacts to their staged versions, garbage collection waits.
        let gate = self.store.write_gate();
        let fused = group.and_then(|group| self.store_fused(group)).unwrap_or_default();
        let mut stored = Vec::with_capacity(produced.len());
        let mut handed = Vec::with_capacity(produced.len());
        let cx = self.store.cx();
        for (k, (((name, value), node_id), node)) in
            task.output_nodes().iter().zip(produced).zip(outputs).zip(&output_nodes).enumerate()
        {
            let s = match fused.get(k).cloned().flatten() {
                Some(s) => s,
                None => node.store_value(&value, &cx).map_err(|e| output_error(task, name, versions, e))?,
            };
            if let Some(pin) = self.store.pin(&s) {
                self.lock().pins.push(pin);
            }
            let reload = node.value_type().reload_after_store();
            if !reload || !self.all_readers_fused(i, name) {
                let value = if reload { node.load_value(&s, &cx).map_err(store_error)? } else { value };
                handed.push((name.clone(), (s.hash, value)));
            }
            stored.push((node_id.clone(), s));
        }
        Ok((stored, handed, gate))
    }

    /// The outputs of job `i`, stored by its producer's fused query: as stored, and read back
    /// for the downstream jobs that are not fused with it.
    fn hand_over(
        &self,
        i: usize,
        task: &TaskConfig,
        outputs: &[String],
        speculated: Vec<Stored>,
    ) -> Result<Ran<'_>, Failure> {
        let store_error = |e: StoreError| TaskError::msg(e.to_string());
        let gate = self.store.write_gate();
        let cx = self.store.cx();
        let mut handed = Vec::with_capacity(speculated.len());
        for (name, s) in task.output_nodes().iter().zip(&speculated) {
            if !self.all_readers_fused(i, name) {
                let node = self.config.node(name).expect("validated");
                handed.push((name.clone(), (s.hash, node.load_value(s, &cx).map_err(store_error)?)));
            }
        }
        let stored = outputs.iter().cloned().zip(speculated).collect();
        Ok((stored, handed, gate))
    }

    /// Without the `queue` feature every job runs here, unless the store asks for a queue.
    #[cfg(not(feature = "queue"))]
    fn run_remotely(
        &self,
        _i: usize,
        _task: &TaskConfig,
        _job: &Job,
        _outputs: &[String],
        _versions: &[Version],
    ) -> Option<Result<Vec<(String, Stored)>, Failure>> {
        match &self.store.options().executor {
            crate::config::Executor::Local => None,
            crate::config::Executor::Queue { .. } => Some(Err(TaskError::msg(
                "the store's executor is a job queue, but this program was built without taipy's `queue` feature",
            )
            .into())),
        }
    }

    /// Without the `queue` feature there are no outputs stored by workers to check.
    #[cfg(not(feature = "queue"))]
    fn check_remote_outputs(
        &self,
        _task: &TaskConfig,
        _stored: &[(String, Stored)],
    ) -> Result<(), TaskError> {
        Ok(())
    }

    /// The task's input values, exactly the `versions` it was decided on: handed over in memory
    /// by this submission's producers when the content matches, else read from the store.
    fn read_inputs(
        &self,
        i: usize,
        task: &TaskConfig,
        versions: &[Version],
    ) -> Result<Vec<AnyValue>, StoreError> {
        let handed: Vec<Option<AnyValue>> = self.with_state(|state| {
            let handed = task
                .input_nodes()
                .iter()
                .zip(versions)
                .map(|(name, version)| {
                    state.values.get(name).filter(|(hash, _)| *hash == version.hash).map(|(_, v)| v.clone())
                })
                .collect();
            self.release_reads(state, i);
            handed
        });
        let mut values = Vec::with_capacity(versions.len());
        for ((name, version), handed) in task.input_nodes().iter().zip(versions).zip(handed) {
            let node = self.config.node(name).expect("validated");
            let ty = node.value_type();
            let value = match handed {
                Some(value) => value,
                None => {
                    // A value written with another layout of the type is never decoded as it.
                    crate::node::check_layout(&self.store, name, version, ty)?;
                    node.load_value(&version.stored, &self.store.cx()).map_err(|e| {
                        StoreError::UnreadableValue {
                            node: name.clone(),
                            number: version.number,
                            source: Box::new(e),
                        }
                    })?
                }
            };
            values.push(value);
        }
        Ok(values)
    }
}

/// What the panic hook keeps of a task's panic: where it happened, and its backtrace if one
/// was asked for.
struct Caught {
    backtrace: Option<String>,
    location: Option<String>,
}

thread_local! {
    /// `Some(with_backtrace)` while this thread runs a task's own code.
    static IN_TASK: Cell<Option<bool>> = const { Cell::new(None) };
    static CAUGHT: RefCell<Option<Caught>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that, on threads running a task, keeps the panic's file and
/// line (always: cheap) and its backtrace (only when asked for: capturing and resolving one
/// costs tens of milliseconds in a debug build, at every failed attempt) for the job's record
/// instead of printing them (the job's error is the report); other threads, and panics outside
/// a task's own code, keep the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| match IN_TASK.get() {
            Some(with_backtrace) => {
                let backtrace =
                    with_backtrace.then(|| std::backtrace::Backtrace::force_capture().to_string());
                let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                CAUGHT.with_borrow_mut(|slot| *slot = Some(Caught { backtrace, location }));
            }
            None => previous(info),
        }));
    });
}

/// Whether a task's panic keeps a backtrace, decided as std's `Backtrace::capture` does: only
/// when the user asked for one, with `RUST_LIB_BACKTRACE` if it is set, else `RUST_BACKTRACE`
/// (any value but `0`).
fn backtrace_wanted(lib: Option<&OsStr>, rust: Option<&OsStr>) -> bool {
    lib.or(rust).is_some_and(|value| value != "0")
}

/// [`backtrace_wanted`] for this process's environment, read once (as std does).
fn backtrace_wanted_here() -> bool {
    static WANTED: OnceLock<bool> = OnceLock::new();
    *WANTED.get_or_init(|| {
        let var = std::env::var_os;
        backtrace_wanted(var("RUST_LIB_BACKTRACE").as_deref(), var("RUST_BACKTRACE").as_deref())
    })
}

/// A task's output that could not be stored (a lazy frame's plan fails only when it runs, as
/// it is written): the failure names the output node and the files the task read, with the
/// store's error as its cause.
fn output_error(task: &TaskConfig, output: &str, versions: &[Version], error: StoreError) -> TaskError {
    let files: Vec<String> = task
        .input_types()
        .iter()
        .zip(versions)
        .filter(|(ty, _)| ty.is_external())
        .filter_map(|(_, version)| crate::value::decode_serde::<std::path::PathBuf>(&version.stored).ok())
        .map(|path| format!("`{}`", path.display()))
        .collect();
    let read = match files.as_slice() {
        [] => String::new(),
        [one] => format!(", computed from file {one}"),
        many => format!(", computed from files {}", many.join(", ")),
    };
    let mut failure = TaskError::from_error(Box::new(error));
    failure.sources.insert(0, std::mem::take(&mut failure.message));
    failure.message = format!("cannot store output `{output}` of task `{}`{read}", task.id());
    failure
}

/// Calls the task's function, turning a panic into the job's failure with its place (and its
/// backtrace when `RUST_BACKTRACE` or `RUST_LIB_BACKTRACE` asks for one).
pub(super) fn call_task(task: &TaskConfig, inputs: &[AnyValue]) -> Result<Vec<AnyValue>, TaskError> {
    call_task_capturing(task, inputs, backtrace_wanted_here())
}

/// [`call_task`], keeping a panic's backtrace if `with_backtrace`.
fn call_task_capturing(
    task: &TaskConfig,
    inputs: &[AnyValue],
    with_backtrace: bool,
) -> Result<Vec<AnyValue>, TaskError> {
    install_panic_hook();
    IN_TASK.set(Some(with_backtrace));
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| (task.runner())(inputs)));
    IN_TASK.set(None);
    result.unwrap_or_else(|payload| {
        let caught = CAUGHT.with_borrow_mut(Option::take);
        let (backtrace, location) = caught.map_or((None, None), |c| (c.backtrace, c.location));
        let mut error = panic_error(payload, backtrace);
        error.location = location;
        Err(error)
    })
}

/// A job failure from a panic's payload.
pub(super) fn panic_error(payload: Box<dyn std::any::Any + Send>, backtrace: Option<String>) -> TaskError {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned());
    TaskError { backtrace, panicked: true, ..TaskError::msg(message) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As std's `Backtrace::capture` decides: `RUST_LIB_BACKTRACE` first, then
    /// `RUST_BACKTRACE`; unset or "0" means no backtrace.
    #[test]
    fn a_backtrace_is_wanted_only_when_the_user_asked_for_one() {
        let on = Some(OsStr::new("1"));
        let full = Some(OsStr::new("full"));
        let off = Some(OsStr::new("0"));
        assert!(!backtrace_wanted(None, None));
        assert!(backtrace_wanted(None, on));
        assert!(backtrace_wanted(None, full));
        assert!(!backtrace_wanted(None, off));
        assert!(backtrace_wanted(on, None));
        assert!(!backtrace_wanted(off, on), "RUST_LIB_BACKTRACE=0 turns library backtraces off");
        assert!(backtrace_wanted(on, off));
    }

    fn boom(_: &i64) -> i64 {
        panic!("boom")
    }

    /// Without a backtrace asked for, a panic still has its place, and no backtrace is made.
    #[test]
    fn a_panic_keeps_its_place_and_a_backtrace_only_when_wanted() {
        let task = TaskConfig::new("boom", boom);
        let inputs = [Arc::new(1i64) as AnyValue];
        for wanted in [false, true] {
            let error = call_task_capturing(&task, &inputs, wanted).expect_err("a panic");
            assert!(error.panicked && error.message == "boom", "{error:?}");
            let location = error.location.as_deref().expect("the panic's place");
            assert!(location.starts_with(file!()), "{location}");
            assert_eq!(error.backtrace.is_some(), wanted, "{error:?}");
        }
    }
}
