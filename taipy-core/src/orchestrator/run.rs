//! The scheduler of one submission.
//!
//! Each job waits for the jobs of the same submission that produce its inputs (Blocked), then
//! becomes Pending and is handed to a worker (or, in development mode, run in order by the
//! submitting thread). A worker decides (see `skip.rs`), then either restores the remembered
//! outputs (Skipped) or runs the task (Running → Completed / Failed) and commits (see
//! `store/commit.rs`). A finished job releases its dependants; a failed one abandons them, while
//! independent branches go on. Values produced within the submission are handed to downstream
//! jobs in memory instead of being read back from the store.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use super::job::{Job, JobStatus, Reason};
use super::skip::{self, Decision};
use super::{SubmissionReport, SubmitOptions};
use crate::config::{ScenarioConfig, TaskConfig};
use crate::error::{StoreError, SubmitError, TaskError};
use crate::fingerprint::Fingerprint;
use crate::scenario::Scenario;
use crate::store::{Group, JobCommit, MemoEntry, Pin, Store, SubmissionRecord, Version, Writer, now_us};
use crate::value::{AnyValue, Stored, ValueType};

/// What a submission covers: a label and the tasks (config positions, ascending).
pub(crate) struct Target {
    pub(crate) entity: String,
    pub(crate) tasks: Vec<usize>,
}

/// The fixed part of one job.
struct Slot {
    task: usize,
    upstream: Vec<usize>,
    downstream: Vec<usize>,
}

/// The changing part of the submission, behind one mutex.
struct State {
    jobs: Vec<Job>,
    /// Unfinished upstream jobs per job.
    waiting: Vec<usize>,
    /// Whether a worker has taken the job (it can no longer be canceled).
    claimed: Vec<bool>,
    unfinished: usize,
    /// Values produced in this submission, by node name with their content hash, until their
    /// last reader has them.
    values: HashMap<String, (Fingerprint, AnyValue)>,
    readers_left: HashMap<String, usize>,
    /// Whether a job has taken (or given up) its share of `readers_left`.
    reads_done: Vec<bool>,
    finished_at: Option<Instant>,
    /// Status changes not yet told to the callback.
    events: Vec<Job>,
    /// Threads telling the callback of status changes right now.
    delivering: usize,
    /// Every job finished and every status change was told: waiters may return.
    complete: bool,
    /// A thread is making the submission's commits durable.
    completing: bool,
    /// Why the submission's results could not be recorded, if they could not.
    commit_error: Option<String>,
    /// The artifacts this submission reads and writes, kept from garbage collection until it
    /// completes.
    pins: Vec<Pin>,
}

pub(crate) struct Run {
    id: String,
    store: Store,
    config: Arc<ScenarioConfig>,
    scenario_id: String,
    scenario_name: String,
    node_ids: HashMap<String, String>,
    force: bool,
    on_status: Option<super::StatusCallback>,
    slots: Vec<Slot>,
    started: Instant,
    state: Mutex<State>,
    done: Condvar,
}

impl Run {
    pub(crate) fn start(
        scenario: &Scenario,
        target: Target,
        options: SubmitOptions,
    ) -> Result<Arc<Self>, SubmitError> {
        let store = scenario.store().clone();
        let config = scenario.config().clone();
        let id = store.new_id("SUBMISSION", scenario.config().id())?;
        let position: HashMap<usize, usize> = target.tasks.iter().enumerate().map(|(s, &t)| (t, s)).collect();
        let slots: Vec<Slot> = target
            .tasks
            .iter()
            .map(|&t| Slot {
                task: t,
                upstream: config.upstream(t).iter().filter_map(|u| position.get(u).copied()).collect(),
                downstream: config.downstream(t).iter().filter_map(|d| position.get(d).copied()).collect(),
            })
            .collect();

        let created = now_us();
        let mut jobs = Vec::with_capacity(slots.len());
        let mut group = Group::default();
        for slot in &slots {
            let task = &config.tasks()[slot.task];
            let job = Job {
                id: store.new_id("JOB", task.id())?,
                submission: id.clone(),
                scenario: scenario.id().to_owned(),
                task: task.id().to_owned(),
                status: JobStatus::Submitted,
                reason: None,
                error: None,
                created_us: created,
                started_us: None,
                finished_us: None,
                code: None,
                inputs: Vec::new(),
            };
            group.save(&job)?;
            jobs.push(job);
        }
        let record = SubmissionRecord {
            id: id.clone(),
            scenario_id: scenario.id().to_owned(),
            entity: target.entity,
            jobs: jobs.iter().map(|j| j.id.clone()).collect(),
            created_us: created,
            force: options.force,
        };
        group.save(&record)?;
        store.stage(group);
        store.apply_queued()?;

        let mut readers_left: HashMap<String, usize> = HashMap::new();
        for slot in &slots {
            for input in config.tasks()[slot.task].input_nodes() {
                *readers_left.entry(input.clone()).or_default() += 1;
            }
        }
        let node_ids =
            config.nodes().iter().map(|n| (n.id().to_owned(), scenario.node_id(n.id()).to_owned())).collect();
        let count = slots.len();
        let run = Arc::new(Run {
            id,
            store,
            config,
            scenario_id: scenario.id().to_owned(),
            scenario_name: scenario.name().to_owned(),
            node_ids,
            force: options.force,
            on_status: options.on_status,
            state: Mutex::new(State {
                waiting: slots.iter().map(|s| s.upstream.len()).collect(),
                claimed: vec![false; count],
                reads_done: vec![false; count],
                unfinished: count,
                jobs,
                values: HashMap::new(),
                readers_left,
                finished_at: None,
                events: Vec::new(),
                delivering: 0,
                complete: count == 0,
                completing: false,
                commit_error: None,
                pins: Vec::new(),
            }),
            slots,
            started: Instant::now(),
            done: Condvar::new(),
        });

        // Submitted → Blocked / Pending, then hand the ready jobs out.
        let ready = run.with_state(|state| {
            let mut ready = Vec::new();
            for i in 0..count {
                let next = if state.waiting[i] == 0 { JobStatus::Pending } else { JobStatus::Blocked };
                run.transition(state, i, next, None)?;
                if next == JobStatus::Pending {
                    ready.push(i);
                }
            }
            if count == 0 {
                state.finished_at = Some(Instant::now());
            }
            Ok::<_, StoreError>(ready)
        })?;
        if count == 0 {
            run.store.flush()?;
        } else {
            run.store.inner.running.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        run.dispatch(ready);
        Ok(run)
    }

    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hands ready jobs to the workers; in development mode runs them (and every job they
    /// release) here, in order.
    fn dispatch(self: &Arc<Self>, ready: Vec<usize>) {
        match &self.store.inner.pool {
            Some(pool) => {
                for i in ready {
                    let run = Arc::clone(self);
                    pool.spawn(move || run.run_from(i));
                }
            }
            None => {
                let mut queue = std::collections::VecDeque::from(ready);
                while let Some(i) = queue.pop_front() {
                    queue.extend(self.execute(i));
                    self.note_commit_failure();
                }
            }
        }
    }

    /// Runs job `i` on this worker, then one of the jobs it released, and so on, handing the
    /// others to the pool: a chain of tasks runs on one thread without a hand-off per job.
    fn run_from(self: &Arc<Self>, mut i: usize) {
        loop {
            let mut released = self.execute(i);
            self.note_commit_failure();
            let Some(next) = released.pop() else { return };
            self.dispatch(released);
            i = next;
        }
    }

    /// Records a batch the store's writer thread could not apply, for `wait` to report.
    fn note_commit_failure(&self) {
        if let Err(e) = self.store.apply_queued() {
            self.lock().commit_error.get_or_insert_with(|| e.to_string());
        }
    }

    /// Changes a job's status (checked against the status machine) and tells the callback.
    /// Final statuses are persisted here or by the job's commit, Running by `start_job`;
    /// Blocked and Pending are not persisted: after a crash they are treated like Submitted.
    fn transition(
        &self,
        state: &mut State,
        i: usize,
        next: JobStatus,
        reason: Option<Reason>,
    ) -> Result<(), StoreError> {
        let job = &mut state.jobs[i];
        debug_assert!(job.status.can_become(next), "{} -> {next}", job.status);
        job.status = next;
        if reason.is_some() {
            job.reason = reason;
        }
        if next.is_finished() {
            job.finished_us = Some(now_us());
            // Through the commit queue, so it lands after the job's Submitted record.
            let mut group = Group::default();
            group.save(job)?;
            self.store.stage(group);
        }
        self.queue_event(state, i);
        Ok(())
    }

    /// Remembers a status change for the callback, which is called once the lock is released
    /// (so a callback may inspect the submission).
    fn queue_event(&self, state: &mut State, i: usize) {
        if self.on_status.is_some() {
            state.events.push(state.jobs[i].clone());
        }
    }

    /// Runs `f` on the locked state, then tells the callback of the status changes it made.
    /// Waiters are woken once the last job has finished and every change has been told.
    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let (result, events) = {
            let mut state = self.lock();
            let result = f(&mut state);
            state.delivering += 1;
            (result, std::mem::take(&mut state.events))
        };
        if let Some(callback) = &self.on_status {
            for job in &events {
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| callback(job)));
            }
        }
        let mut state = self.lock();
        state.delivering -= 1;
        if state.unfinished == 0 && state.delivering == 0 && !state.complete && !state.completing {
            // Make the submission's commits durable before anyone sees it complete.
            state.completing = true;
            drop(state);
            let flushed = self.store.flush();
            state = self.lock();
            if let Err(e) = flushed {
                state.commit_error.get_or_insert_with(|| e.to_string());
            }
            self.store.inner.running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            state.pins.clear();
            state.complete = true;
            self.done.notify_all();
        }
        result
    }

    /// Runs (or skips) job `i`; returns the jobs it released.
    fn execute(self: &Arc<Self>, i: usize) -> Vec<usize> {
        let mut job = {
            let mut state = self.lock();
            if state.jobs[i].status != JobStatus::Pending || state.claimed[i] {
                return Vec::new(); // canceled before a worker took it
            }
            state.claimed[i] = true;
            state.jobs[i].started_us = Some(now_us());
            state.jobs[i].clone()
        };
        let task = &self.config.tasks()[self.slots[i].task];
        // A panic outside the task itself (a value's store or load) fails the job too.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.decide_and_run(i, task, &mut job)))
            .unwrap_or_else(|payload| Err(panic_error(payload, None)));
        let (status, reason, error, values) = match outcome {
            Ok(Outcome::Skipped(reason)) => (JobStatus::Skipped, Some(reason), None, Vec::new()),
            Ok(Outcome::Completed(reason, values)) => (JobStatus::Completed, Some(reason), None, values),
            Err(error) => {
                // Record the failure and release the outputs the job held.
                let release: Vec<String> =
                    task.output_nodes().iter().map(|n| self.node_ids[n].clone()).collect();
                job.status = JobStatus::Failed;
                job.error = Some(error.clone());
                job.finished_us = Some(now_us());
                let commit = JobCommit {
                    job: &job,
                    outputs: &[],
                    release: &release,
                    writer: Writer::User,
                    memo: None,
                    task_run: None,
                };
                if let Err(e) = self.store.commit_job(&commit) {
                    eprintln!("taipy: cannot record the failure of job {}: {e}", job.id);
                }
                (JobStatus::Failed, job.reason.clone(), Some(error), Vec::new())
            }
        };
        self.finish(i, job, status, reason, error, values)
    }

    /// Assesses and decides (see `skip.rs`), then restores or runs and commits. Errors are the
    /// job's failure.
    fn decide_and_run(&self, i: usize, task: &TaskConfig, job: &mut Job) -> Result<Outcome, TaskError> {
        let store_error = |e: StoreError| TaskError::msg(e.to_string());
        let scope = skip::Scope {
            store: &self.store,
            config: &self.config,
            scenario_id: &self.scenario_id,
            scenario_name: &self.scenario_name,
            node_ids: &self.node_ids,
            force: self.force,
        };
        let mut events = Vec::new();
        let assessment = {
            // Under the gate, and pinned before it is released: what the decision relies on
            // cannot be collected.
            let _gate = self.store.write_gate();
            skip::assess(&scope, task, &mut events).inspect(|assessment| {
                let mut pins: Vec<Pin> = Vec::new();
                for (input, version) in assessment.inputs.iter().zip(&assessment.versions) {
                    pins.extend(self.store.pin_version(&input.node_id, version.number, &version.stored));
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
        job.inputs = assessment.inputs;
        job.code = Some(task.fingerprint());
        let outputs: Vec<String> = task.output_nodes().iter().map(|n| self.node_ids[n].clone()).collect();
        let output_types: Vec<ValueType> = task
            .output_nodes()
            .iter()
            .map(|n| self.config.node(n).expect("validated").value_type())
            .collect();
        let current = assessment.current;
        let task_run = (self.scenario_id.clone(), task.id().to_owned());

        match assessment.decision {
            Decision::Skip(reason) => {
                let entry = assessment.entry.expect("a usable memo entry");
                let restored: Vec<(String, Stored)> = outputs.into_iter().zip(entry.outputs).collect();
                job.status = JobStatus::Skipped;
                job.reason = Some(reason.clone());
                job.finished_us = Some(now_us());
                let unchanged = assessment.last.as_ref() == Some(&current);
                let commit = JobCommit {
                    job,
                    outputs: &restored,
                    release: &[],
                    writer: Writer::Reused { job: job.id.clone(), from_job: entry.job_id },
                    memo: None,
                    task_run: (!unchanged).then_some((task_run.0, task_run.1, current)),
                };
                self.store.commit_job(&commit).map_err(store_error)?;
                Ok(Outcome::Skipped(reason))
            }
            Decision::Run(reason) => {
                // Refuse before running if a user holds an output's edit lock (the commit checks
                // again, authoritatively).
                for node_id in &outputs {
                    self.store.check_unlocked(node_id).map_err(store_error)?;
                }
                job.reason = Some(reason.clone());
                job.status = JobStatus::Running;
                self.store.start_job(job, &outputs).map_err(store_error)?;
                self.with_state(|state| {
                    state.jobs[i].reason = Some(reason.clone());
                    state.jobs[i].status = JobStatus::Running;
                    self.queue_event(state, i);
                });
                let values = self.read_inputs(i, task, &assessment.versions).map_err(store_error)?;
                let produced = call_task(task, &values)?;
                // From the outputs' artifacts to their staged versions, garbage collection waits.
                let _gate = self.store.write_gate();
                let mut stored = Vec::with_capacity(produced.len());
                let mut handed = Vec::with_capacity(produced.len());
                let cx = self.store.cx();
                for (((name, value), node_id), ty) in
                    task.output_nodes().iter().zip(produced).zip(&outputs).zip(&output_types)
                {
                    let s = ty.store(&value, &cx).map_err(store_error)?;
                    if let Some(pin) = self.store.pin(&s) {
                        self.lock().pins.push(pin);
                    }
                    let value =
                        if ty.reload_after_store() { ty.load(&s, &cx).map_err(store_error)? } else { value };
                    handed.push((name.clone(), (s.hash, value)));
                    stored.push((node_id.clone(), s));
                }
                job.status = JobStatus::Completed;
                job.finished_us = Some(now_us());
                let memo = MemoEntry {
                    task_id: task.id().to_owned(),
                    job_id: job.id.clone(),
                    outputs: stored.iter().map(|(_, s)| s.clone()).collect(),
                    created_us: now_us(),
                };
                let commit = JobCommit {
                    job,
                    outputs: &stored,
                    release: &[],
                    writer: Writer::Job { job: job.id.clone(), task: task.id().to_owned() },
                    memo: Some((assessment.key, memo)),
                    task_run: Some((task_run.0, task_run.1, current)),
                };
                self.store.commit_job(&commit).map_err(store_error)?;
                Ok(Outcome::Completed(reason, handed))
            }
        }
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
            let value = match handed {
                Some(value) => value,
                None => self
                    .config
                    .node(name)
                    .expect("validated")
                    .value_type()
                    .load(&version.stored, &self.store.cx())?,
            };
            values.push(value);
        }
        Ok(values)
    }

    /// Gives up job `i`'s share of its inputs' in-memory values (read, skipped, failed or never
    /// run): a value nobody else will read is dropped.
    fn release_reads(&self, state: &mut State, i: usize) {
        if std::mem::replace(&mut state.reads_done[i], true) {
            return;
        }
        for name in self.config.tasks()[self.slots[i].task].input_nodes() {
            if let Some(left) = state.readers_left.get_mut(name) {
                *left = left.saturating_sub(1);
                if *left == 0 {
                    state.values.remove(name);
                }
            }
        }
    }

    /// Records the job's end and releases (or abandons) its dependants.
    fn finish(
        &self,
        i: usize,
        job: Job,
        status: JobStatus,
        reason: Option<Reason>,
        error: Option<TaskError>,
        values: Vec<(String, (Fingerprint, AnyValue))>,
    ) -> Vec<usize> {
        self.with_state(|state| self.finish_locked(state, i, job, status, reason, error, values))
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_locked(
        &self,
        state: &mut State,
        i: usize,
        job: Job,
        status: JobStatus,
        reason: Option<Reason>,
        error: Option<TaskError>,
        values: Vec<(String, (Fingerprint, AnyValue))>,
    ) -> Vec<usize> {
        let mut released = Vec::new();
        self.release_reads(state, i);
        {
            let slot = &mut state.jobs[i];
            slot.status = status;
            slot.reason = reason;
            slot.error = error;
            slot.started_us = job.started_us;
            slot.finished_us = Some(job.finished_us.unwrap_or_else(now_us));
            slot.code = job.code;
            slot.inputs = job.inputs;
        }
        // The commit already persisted the final record; only tell the callback.
        self.queue_event(state, i);
        state.unfinished -= 1;
        for (name, value) in values {
            if state.readers_left.get(&name).is_some_and(|&n| n > 0) {
                state.values.insert(name, value);
            }
        }
        if status.is_success() {
            for &d in &self.slots[i].downstream {
                state.waiting[d] -= 1;
                if state.waiting[d] == 0 && state.jobs[d].status == JobStatus::Blocked {
                    if let Err(e) = self.transition(state, d, JobStatus::Pending, None) {
                        eprintln!("taipy: cannot record job {}: {e}", state.jobs[d].id);
                    }
                    released.push(d);
                }
            }
        } else {
            let task = state.jobs[i].task.clone();
            self.abandon_downstream(state, i, &task);
        }
        if state.unfinished == 0 {
            state.finished_at = Some(Instant::now());
        }
        released
    }

    fn abandon_downstream(&self, state: &mut State, i: usize, task: &str) {
        let mut stack: Vec<usize> = self.slots[i].downstream.clone();
        while let Some(d) = stack.pop() {
            if state.jobs[d].status.is_finished() || state.claimed[d] {
                continue;
            }
            state.claimed[d] = true;
            self.release_reads(state, d);
            let reason = Reason::Upstream { task: task.to_owned() };
            if let Err(e) = self.transition(state, d, JobStatus::Abandoned, Some(reason)) {
                eprintln!("taipy: cannot record job {}: {e}", state.jobs[d].id);
            }
            state.unfinished -= 1;
            stack.extend(self.slots[d].downstream.iter().copied());
        }
    }

    pub(crate) fn cancel(&self) -> usize {
        self.with_state(|state| self.cancel_locked(state))
    }

    fn cancel_locked(&self, state: &mut State) -> usize {
        let mut canceled = 0;
        for i in 0..self.slots.len() {
            let status = state.jobs[i].status;
            if state.claimed[i] || status.is_finished() || status == JobStatus::Running {
                continue;
            }
            state.claimed[i] = true;
            self.release_reads(state, i);
            if let Err(e) = self.transition(state, i, JobStatus::Canceled, Some(Reason::Canceled)) {
                eprintln!("taipy: cannot record job {}: {e}", state.jobs[i].id);
            }
            state.unfinished -= 1;
            canceled += 1;
            let task = state.jobs[i].task.clone();
            self.abandon_downstream(state, i, &task);
        }
        if state.unfinished == 0 && state.finished_at.is_none() {
            state.finished_at = Some(Instant::now());
        }
        canceled
    }

    /// Waits for the end; returns whether it came before the timeout.
    pub(crate) fn wait(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.lock();
        while !state.complete {
            match deadline {
                None => state = self.done.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    state =
                        self.done.wait_timeout(state, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
                }
            }
        }
        true
    }

    pub(crate) fn commit_error(&self) -> Option<String> {
        self.lock().commit_error.clone()
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.lock().complete
    }

    pub(crate) fn jobs(&self) -> Vec<Job> {
        self.lock().jobs.clone()
    }

    pub(crate) fn report(&self) -> SubmissionReport {
        let state = self.lock();
        let end = state.finished_at.unwrap_or_else(Instant::now);
        SubmissionReport {
            id: self.id.clone(),
            status: super::SubmissionStatus::from_jobs(state.jobs.iter().map(|j| j.status)),
            jobs: state.jobs.clone(),
            elapsed: end.duration_since(self.started),
        }
    }
}

enum Outcome {
    Skipped(Reason),
    Completed(Reason, Vec<(String, (Fingerprint, AnyValue))>),
}

thread_local! {
    static IN_TASK: Cell<bool> = const { Cell::new(false) };
    static PANIC_BACKTRACE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that, on threads running a task, keeps the backtrace for the
/// job's record instead of printing it; other threads keep the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_TASK.get() {
                let trace = std::backtrace::Backtrace::force_capture().to_string();
                PANIC_BACKTRACE.with_borrow_mut(|slot| *slot = Some(trace));
            } else {
                previous(info);
            }
        }));
    });
}

/// Calls the task's function, turning a panic into the job's failure with its backtrace.
fn call_task(task: &TaskConfig, inputs: &[AnyValue]) -> Result<Vec<AnyValue>, TaskError> {
    install_panic_hook();
    IN_TASK.set(true);
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| (task.runner())(inputs)));
    IN_TASK.set(false);
    result.unwrap_or_else(|payload| Err(panic_error(payload, PANIC_BACKTRACE.with_borrow_mut(Option::take))))
}

/// A job failure from a panic's payload.
fn panic_error(payload: Box<dyn std::any::Any + Send>, backtrace: Option<String>) -> TaskError {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned());
    TaskError { message, sources: Vec::new(), backtrace, panicked: true }
}
