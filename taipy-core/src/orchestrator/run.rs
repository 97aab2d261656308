//! The scheduler of one submission.
//!
//! Each job waits for the jobs of the same submission that produce its inputs (Blocked), then
//! becomes Pending and is handed to a worker (or, in development mode, run in order by the
//! submitting thread). A worker decides (see `skip.rs`), then either restores the remembered
//! outputs (Skipped) or runs the task (Running → Completed / Failed) and commits (see
//! `store/commit.rs`). A finished job releases its dependants; a failed one abandons them, while
//! independent branches go on. Values produced within the submission are handed to downstream
//! jobs in memory instead of being read back from the store.

use foldhash::{HashMap, HashMapExt};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::{SubmissionReport, SubmitError, SubmitOptions, trace};
use crate::config::ScenarioConfig;
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::job::{Job, JobStatus, Reason};
use crate::scenario::Scenario;
use crate::store::{Group, Pin, Store, SubmissionRecord, now_us};
use crate::value::AnyValue;

/// What a submission covers: a label and the tasks (config positions, ascending).
pub(crate) struct Target {
    pub(crate) entity: Submitted,
    pub(crate) tasks: Vec<usize>,
}

/// What was submitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Submitted {
    Scenario,
    Sequence(String),
    Task(String),
    /// What some output nodes need (`submit_for`).
    Outputs(Vec<String>),
}

/// As submission records keep it: `scenario`, `sequence <name>`, `task <name>`,
/// `outputs <a>, <b>`.
impl std::fmt::Display for Submitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Submitted::Scenario => f.write_str("scenario"),
            Submitted::Sequence(name) => write!(f, "sequence {name}"),
            Submitted::Task(name) => write!(f, "task {name}"),
            Submitted::Outputs(names) => write!(f, "outputs {}", names.join(", ")),
        }
    }
}

/// The fixed part of one job.
pub(super) struct Slot {
    pub(super) task: usize,
    /// The jobs of this submission producing its inputs and reading its outputs, if the
    /// submission covers only some of the scenario's tasks (`None`: every task, so these are
    /// the config's own lists).
    links: Option<(Vec<usize>, Vec<usize>)>,
}

impl Slot {
    /// The jobs of this submission producing an input of this one (`config`: the scenario's).
    fn upstream<'a>(&'a self, config: &'a ScenarioConfig) -> &'a [usize] {
        self.links.as_ref().map_or_else(|| config.upstream(self.task), |(upstream, _)| upstream)
    }

    /// The jobs of this submission reading an output of this one.
    fn downstream<'a>(&'a self, config: &'a ScenarioConfig) -> &'a [usize] {
        self.links.as_ref().map_or_else(|| config.downstream(self.task), |(_, downstream)| downstream)
    }
}

/// A job's outputs, stored by its producer's fused query (`fuse.rs`) before the job itself is
/// decided.
pub(super) struct Speculation {
    /// The content hash of each input they were computed from, in declared order.
    inputs: Vec<Fingerprint>,
    /// The outputs, stored, in declared order.
    pub(super) outputs: Vec<crate::value::Stored>,
}

impl Speculation {
    pub(super) fn new(inputs: Vec<Fingerprint>, outputs: Vec<crate::value::Stored>) -> Self {
        Self { inputs, outputs }
    }

    /// Whether they were computed from exactly the inputs the job was decided on.
    pub(super) fn matches(&self, hashes: impl Iterator<Item = Fingerprint>) -> bool {
        self.inputs.iter().copied().eq(hashes)
    }
}

/// The changing part of the submission, behind one mutex.
pub(super) struct State {
    /// Shared with the reports made once the submission has finished (`SubmissionReport::jobs`).
    pub(super) jobs: super::Jobs,
    /// Unfinished upstream jobs per job.
    waiting: Vec<usize>,
    /// Whether a worker has taken the job (it can no longer be canceled).
    pub(super) claimed: Vec<bool>,
    unfinished: usize,
    /// Values produced in this submission, by node name with their content hash, until their
    /// last reader has them.
    pub(super) values: HashMap<String, (Fingerprint, AnyValue)>,
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
    pub(super) pins: Vec<Pin>,
    /// Outputs of jobs not decided yet, stored by their producer's fused query (`fuse.rs`).
    pub(super) speculated: HashMap<usize, Speculation>,
    /// The jobs skipped without a record of their own, as they finished (sorted when written):
    /// their final states are written in one record when the submission ends
    /// (`store/skipped.rs`).
    unrecorded: Vec<usize>,
    /// The last runs its jobs leave (task id, run), written together when the submission ends
    /// (`store/runs.rs`).
    pub(super) runs_left: Vec<(String, crate::store::LastRun)>,
}

impl State {
    /// How many of job `i`'s upstream jobs have not finished.
    pub(super) fn waiting_for(&self, i: usize) -> usize {
        self.waiting[i]
    }

    /// The value of node `name` handed over in memory, if it has content `hash`.
    pub(super) fn handed_value(&self, name: &str, hash: Fingerprint) -> Option<AnyValue> {
        self.values.get(name).filter(|(h, _)| *h == hash).map(|(_, v)| v.clone())
    }
}

pub(crate) struct Run {
    id: String,
    pub(super) store: Store,
    pub(super) config: Arc<ScenarioConfig>,
    pub(super) scenario_id: String,
    pub(super) scenario_name: String,
    pub(super) node_ids: HashMap<String, String>,
    pub(super) force: bool,
    /// The scenario's last task runs when the submission started, read with one scan
    /// (`store/runs.rs`, which says why a run read there may be older than its task's newest
    /// and what then must not trust it).
    pub(super) last_runs: crate::store::LastRuns,
    on_status: Option<super::StatusCallback>,
    pub(super) slots: Vec<Slot>,
    started: Instant,
    state: Mutex<State>,
    done: Condvar,
    /// The submission's `tracing` span, the parent of its jobs' spans (see `trace.rs`).
    pub(super) span: tracing::Span,
    /// Pool tasks of this submission still running: `wait` returns once they are gone, so the
    /// caller can drop the store and reopen it at once.
    workers: Arc<Workers>,
}

/// A count of running pool tasks, with a condition to wait for none.
#[derive(Default)]
struct Workers {
    count: Mutex<usize>,
    idle: Condvar,
}

impl Workers {
    fn enter(&self) {
        *self.count.lock().unwrap_or_else(|p| p.into_inner()) += 1;
    }

    fn leave(&self) {
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        *count -= 1;
        if *count == 0 {
            self.idle.notify_all();
        }
    }

    /// Waits until no pool task runs, or the deadline passes; returns whether none runs.
    fn wait_idle(&self, deadline: Option<Instant>) -> bool {
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        while *count > 0 {
            match deadline {
                None => count = self.idle.wait(count).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    count =
                        self.idle.wait_timeout(count, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
                }
            }
        }
        true
    }
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
        let span = trace::submission_span(
            scenario.name(),
            scenario.id(),
            &id,
            &target.entity,
            options.force,
            target.tasks.len(),
        );
        // Jobs are numbered as their tasks when the submission covers every task.
        let every = target.tasks.iter().copied().eq(0..config.tasks().len());
        let mut position = vec![None; if every { 0 } else { config.tasks().len() }];
        if !every {
            for (s, &t) in target.tasks.iter().enumerate() {
                position[t] = Some(s);
            }
        }
        let within = |tasks: &[usize]| tasks.iter().filter_map(|&t| position[t]).collect();
        let slots: Vec<Slot> = target
            .tasks
            .iter()
            .map(|&t| Slot {
                task: t,
                links: (!every).then(|| (within(config.upstream(t)), within(config.downstream(t)))),
            })
            .collect();

        let created = now_us();
        let mut jobs = Vec::with_capacity(slots.len());
        let mut group = Group::default();
        for (k, slot) in slots.iter().enumerate() {
            let task = &config.tasks()[slot.task];
            // Named after the submission, so a job without a record of its own is found
            // through it (`store/skipped.rs`).
            let job = Job::submitted(
                crate::store::job_id(&id, task.id(), k),
                id.clone(),
                scenario.id().to_owned(),
                task.id().to_owned(),
                created,
            );
            jobs.push(job);
        }
        // The submission's record is its jobs' record until each starts (no record per job
        // here: see `store/submissions.rs`).
        let record = SubmissionRecord {
            id: id.clone(),
            scenario_id: scenario.id().to_owned(),
            entity: target.entity.to_string(),
            jobs: jobs.iter().map(|j| j.id.clone()).collect(),
            created_us: created,
            force: options.force,
            tasks: jobs.iter().map(|j| j.task.clone()).collect(),
        };
        group.save(&record)?;
        // Recovery at open looks at the jobs of unfinished submissions: until its last job
        // has its final status, this one is.
        if !jobs.is_empty() {
            group.mark_unfinished(&id, true);
        }
        store.stage(group);
        store.apply_queued()?;

        let mut readers_left: HashMap<String, usize> = HashMap::new();
        for slot in &slots {
            for input in config.tasks()[slot.task].input_nodes() {
                *readers_left.entry(input.clone()).or_default() += 1;
            }
        }
        let node_ids: HashMap<String, String> =
            config.nodes().iter().map(|n| (n.id().to_owned(), scenario.node_id(n.id()).to_owned())).collect();
        let last_runs = store.last_runs(scenario.id())?;
        // Its nodes' states, read together now rather than job by job.
        let touched = slots.iter().flat_map(|s| {
            let task = &config.tasks()[s.task];
            task.input_nodes().iter().chain(task.output_nodes())
        });
        store.preload_node_states(touched.map(|name| node_ids[name].as_str()));
        let count = slots.len();
        let waiting = slots.iter().map(|s| s.upstream(&config).len()).collect();
        let run = Arc::new(Run {
            id,
            store,
            config,
            scenario_id: scenario.id().to_owned(),
            scenario_name: scenario.name().to_owned(),
            node_ids,
            force: options.force,
            last_runs,
            on_status: options.on_status,
            state: Mutex::new(State {
                waiting,
                claimed: vec![false; count],
                reads_done: vec![false; count],
                unfinished: count,
                jobs: jobs.into(),
                values: HashMap::new(),
                readers_left,
                finished_at: None,
                events: Vec::new(),
                delivering: 0,
                complete: count == 0,
                completing: false,
                commit_error: None,
                pins: Vec::new(),
                speculated: HashMap::new(),
                runs_left: Vec::new(),
                unrecorded: Vec::new(),
            }),
            slots,
            started: Instant::now(),
            done: Condvar::new(),
            span,
            workers: Arc::default(),
        });
        trace::submission_started(&run.span);

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
        }
        run.dispatch(ready);
        Ok(run)
    }

    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// The jobs of this submission reading an output of job `i`.
    pub(super) fn downstream_of(&self, i: usize) -> &[usize] {
        self.slots[i].downstream(&self.config)
    }

    /// The config position of job `i`'s task.
    pub(super) fn slot_task(&self, i: usize) -> usize {
        self.slots[i].task
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hands ready jobs to the workers; in development mode runs them (and every job they
    /// release) here, in order.
    fn dispatch(self: &Arc<Self>, ready: Vec<usize>) {
        match &self.store.inner.pool {
            Some(pool) => {
                for i in ready {
                    let run = Arc::clone(self);
                    self.workers.enter();
                    pool.spawn(move || {
                        run.run_from(i);
                        // The store is released with the run before `wait` may return.
                        let workers = Arc::clone(&run.workers);
                        drop(run);
                        workers.leave();
                    });
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

    /// Changes a job's status in the scheduler (Blocked, Pending, Canceled, Abandoned; checked by
    /// [`Job::advance`]) and tells the callback.
    /// Final statuses are persisted here or by the job's commit, Running by `start_job`;
    /// Blocked and Pending are not persisted: after a crash they are treated like Submitted.
    fn transition(
        &self,
        state: &mut State,
        i: usize,
        next: JobStatus,
        reason: Option<Reason>,
    ) -> Result<(), StoreError> {
        let job = &mut state.jobs.make_mut()[i];
        job.advance(next, reason, now_us())?;
        if next.is_finished() {
            // Through the commit queue, so it lands after the submission's record.
            let mut group = Group::default();
            group.save(job)?;
            self.store.stage(group);
            trace::job_span(&self.span, job).in_scope(|| trace::job_finished(job));
        }
        self.queue_event(state, i);
        Ok(())
    }

    /// Remembers a status change for the callback, which is called once the lock is released
    /// (so a callback may inspect the submission).
    pub(super) fn queue_event(&self, state: &mut State, i: usize) {
        if self.on_status.is_some() {
            state.events.push(state.jobs[i].clone());
        }
    }

    /// Runs `f` on the locked state, then tells the callback of the status changes it made.
    /// Waiters are woken once the last job has finished and every change has been told.
    pub(super) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
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
            // After every job's final record in the queue (they are staged before the job
            // counts as finished), so a crash never leaves an unfinished job unmarked; the jobs
            // skipped without a record of their own get theirs here, in the same group (if it
            // cannot be made, the mark stays: recovery at the next open abandons them).
            let mut group = Group::default();
            let mut unrecorded = std::mem::take(&mut state.unrecorded);
            unrecorded.sort_unstable();
            let staged = if unrecorded.is_empty() {
                Ok(())
            } else {
                group.put_skipped(&self.id, unrecorded.iter().map(|&i| (i, &state.jobs[i])))
            };
            // Runs that cannot be encoded are lost, not the jobs' record: the memo table makes up
            // for them (`store/runs.rs`).
            let runs_left = std::mem::take(&mut state.runs_left);
            if let Err(e) = group.put_run_set(&self.scenario_id, &self.id, runs_left, &self.last_runs) {
                tracing::warn!(submission = %self.id, error = %e, "the submission's last runs are not kept");
            }
            drop(state);
            if staged.is_ok() {
                group.mark_unfinished(&self.id, false);
                self.store.stage(group);
            }
            let flushed = self.store.flush().and(staged);
            state = self.lock();
            if let Err(e) = flushed {
                state.commit_error.get_or_insert_with(|| e.to_string());
            }
            state.pins.clear();
            let elapsed = state.finished_at.unwrap_or_else(Instant::now).duration_since(self.started);
            trace::submission_finished(&self.span, &state.jobs, elapsed);
            state.complete = true;
            self.done.notify_all();
        }
        result
    }

    /// Gives up job `i`'s share of its inputs' in-memory values (read, skipped, failed or never
    /// run): a value nobody else will read is dropped.
    pub(super) fn release_reads(&self, state: &mut State, i: usize) {
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

    /// Records the job's end (its final status is already published) and releases (or
    /// abandons) its dependants.
    pub(super) fn finish(&self, i: usize, values: Vec<(String, (Fingerprint, AnyValue))>) -> Vec<usize> {
        self.with_state(|state| self.finish_locked(state, i, values))
    }

    fn finish_locked(
        &self,
        state: &mut State,
        i: usize,
        values: Vec<(String, (Fingerprint, AnyValue))>,
    ) -> Vec<usize> {
        let mut released = Vec::new();
        self.release_reads(state, i);
        state.unfinished -= 1;
        for (name, value) in values {
            if state.readers_left.get(&name).is_some_and(|&n| n > 0) {
                state.values.insert(name, value);
            }
        }
        if state.jobs[i].status.is_success() {
            for &d in self.downstream_of(i) {
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

    /// A copy of job `i`'s record, to advance and persist before it is published.
    pub(super) fn snapshot(&self, i: usize) -> Job {
        self.lock().jobs[i].clone()
    }

    /// Makes `job` (a [`snapshot`](Self::snapshot) of job `i`, advanced and persisted) the
    /// job's record, and tells the callback. Refused if it is not a legal next status.
    pub(super) fn publish(&self, i: usize, job: Job) -> Result<(), StoreError> {
        self.publish_as(i, job, false)
    }

    /// [`publish`](Self::publish), for a job whose final state is persisted at the
    /// submission's end if `unrecorded` (skipped without a record of its own).
    pub(super) fn publish_as(&self, i: usize, job: Job, unrecorded: bool) -> Result<(), StoreError> {
        self.with_state(|state| {
            let now = state.jobs[i].status;
            if now != job.status && !now.can_become(job.status) {
                return Err(StoreError::IllegalTransition {
                    job: job.id.clone(),
                    task: job.task.clone(),
                    from: now.to_string(),
                    to: job.status.to_string(),
                });
            }
            state.jobs.make_mut()[i] = job;
            if unrecorded {
                state.unrecorded.push(i);
            }
            if state.jobs[i].status.is_finished() {
                trace::job_finished(&state.jobs[i]); // in the job's span, entered by `execute`
            }
            self.queue_event(state, i);
            Ok(())
        })
    }

    fn abandon_downstream(&self, state: &mut State, i: usize, task: &str) {
        let mut stack: Vec<usize> = self.downstream_of(i).to_vec();
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
            stack.extend(self.downstream_of(d).iter().copied());
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
        drop(state);
        self.workers.wait_idle(deadline)
    }

    pub(crate) fn commit_error(&self) -> Option<String> {
        self.lock().commit_error.clone()
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.lock().complete
    }

    pub(crate) fn jobs(&self) -> Vec<Job> {
        self.lock().jobs.to_vec()
    }

    pub(crate) fn report(&self) -> SubmissionReport {
        let state = self.lock();
        let end = state.finished_at.unwrap_or_else(Instant::now);
        SubmissionReport {
            id: self.id.clone(),
            status: super::SubmissionStatus::from_jobs(state.jobs.iter().map(|j| j.status)),
            // Shared once finished; a running submission's list still changes.
            jobs: if state.complete { state.jobs.clone() } else { state.jobs.copy() },
            elapsed: end.duration_since(self.started),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Mutex, mpsc};

    use crate::prelude::*;

    /// The job records in the catalog, once everything staged is applied.
    fn job_records(store: &Store) -> usize {
        store.apply_all().unwrap();
        store.job_records()
    }

    /// `x → wait → y → double → z`, where `wait` says it started (on the first channel) and
    /// waits to be released (on the second); more tasks may be added.
    fn gated() -> (crate::config::ScenarioConfigBuilder, mpsc::Receiver<()>, mpsc::Sender<()>) {
        let (started_tx, started) = mpsc::channel::<()>();
        let (release, release_rx) = mpsc::channel::<()>();
        let (started_tx, release_rx) = (Mutex::new(started_tx), Mutex::new(release_rx));
        let builder = ScenarioConfig::builder("gate")
            .node(DataNodeConfig::with_default("x", 1i64))
            .task(
                TaskConfig::new("wait", move |x: &i64| {
                    started_tx.lock().unwrap().send(()).unwrap();
                    release_rx.lock().unwrap().recv().unwrap();
                    x + 1
                })
                .inputs(["x"])
                .outputs(["y"]),
            )
            .task(TaskConfig::new("double", |y: &i64| y * 2).inputs(["y"]).outputs(["z"]));
        (builder, started, release)
    }

    /// Old main: every job had a Submitted record at submit time (a write per job that no reader
    /// needed). Now a job's first record is written when it starts, and until then the
    /// submission's record stands for it: listings still see it, as Submitted.
    #[test]
    fn a_job_has_no_record_of_its_own_until_it_starts() {
        let (builder, started, release) = gated();
        let config = builder
            .task(TaskConfig::new("triple", |y: &i64| y * 3).inputs(["y"]).outputs(["w"]))
            .build()
            .unwrap();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        let submission = scenario.submit().unwrap();
        started.recv().unwrap();
        assert_eq!(job_records(&store), 1, "only the running job has a record");
        let mut listed: Vec<(String, JobStatus)> =
            store.jobs().unwrap().into_iter().map(|j| (j.task, j.status)).collect();
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            listed,
            [
                ("double".to_owned(), JobStatus::Submitted),
                ("triple".to_owned(), JobStatus::Submitted),
                ("wait".to_owned(), JobStatus::Running)
            ]
        );
        let waiting = submission.jobs().into_iter().find(|j| j.task == "double").unwrap();
        let stored = store.job(&waiting.id).unwrap();
        assert_eq!((stored.status, stored.submission.as_str()), (JobStatus::Submitted, submission.id()));
        assert_eq!(store.submission(submission.id()).unwrap().jobs.len(), 3);
        assert_eq!(store.jobs_of_scenario(scenario.id()).unwrap().len(), 3);

        release.send(()).unwrap();
        let report = submission.wait().unwrap();
        assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report}");
        assert_eq!(job_records(&store), 3);
        let stored: Vec<_> = store.jobs().unwrap().into_iter().map(|j| (j.id, j.status)).collect();
        let mut reported: Vec<_> = report.jobs.into_iter().map(|j| (j.id, j.status)).collect();
        reported.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(stored, reported);
    }

    /// A report of a running submission is a snapshot: the jobs' later changes do not reach it.
    /// The reports of a finished one share its list (no copy per report), and taking a report's
    /// jobs apart by value leaves the other reports whole.
    #[test]
    fn reports_of_a_finished_submission_share_its_jobs_and_a_running_ones_are_snapshots() {
        let (builder, started, release) = gated();
        let config = builder.build().unwrap();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        let submission = scenario.submit().unwrap();
        started.recv().unwrap();
        let running = submission.report();
        release.send(()).unwrap();
        let first = submission.wait().unwrap();
        let second = submission.report();

        let statuses = |jobs: &crate::Jobs| jobs.iter().map(|j| j.status).collect::<Vec<_>>();
        assert_eq!(statuses(&running.jobs), [JobStatus::Running, JobStatus::Blocked]);
        assert_eq!(statuses(&first.jobs), [JobStatus::Completed, JobStatus::Completed]);
        assert!(std::ptr::eq(first.jobs.as_ptr(), second.jobs.as_ptr()), "shared, not copied");
        assert!(!std::ptr::eq(running.jobs.as_ptr(), first.jobs.as_ptr()));

        let owned: Vec<crate::Job> = first.jobs.into_iter().collect();
        assert_eq!(owned, second.jobs.to_vec());
        assert_eq!(statuses(&second.jobs), [JobStatus::Completed, JobStatus::Completed]);
        assert_eq!(submission.report().jobs, second.jobs);
    }
}
