//! Submissions: one job per task, run in dependency order, in parallel where the graph allows.
//!
//! - `job.rs` (at the crate's root, since the store keeps jobs): statuses, the status machine,
//!   reasons;
//! - [`skip`]: the skip decision; `plan.rs`: the same decisions previewed, nothing run;
//! - [`run`]: the scheduler of a submission's jobs; `execute.rs`: running one job;
//!   `fuse.rs`: the fusion decision (lazy tasks run in one polars query with their producer);
//!   `attempts.rs`: its retries and timeout;
//! - the commit protocol is in `store/commit.rs`;
//! - `trace.rs`: the `tracing` spans and events of submissions and jobs;
//! - `queue/` (feature `queue`): jobs run by worker processes fed by a job queue.

mod attempts;
mod error;
mod execute;
mod fuse;
mod manage;
mod notify;
mod plan;
mod queue;
mod run;
pub(crate) mod skip;
mod submit;
mod trace;
#[cfg(test)]
mod unrecorded;

use std::sync::Arc;
use std::time::Duration;

pub use crate::job::{Attempt, InputVersion, Job, JobStatus, Reason, SubmissionStatus};
pub use error::SubmitError;
pub use plan::{Plan, Planned, PlannedJob};
pub use queue::{QueueError, WorkerOptions, run_worker};
use run::Run;
pub(crate) use run::Target;

use crate::scenario::Scenario;

/// A callback told of every job status change.
pub type StatusCallback = Arc<dyn Fn(&Job) + Send + Sync>;

/// Options of a submission.
#[derive(Clone, Default)]
pub struct SubmitOptions {
    force: bool,
    on_status: Option<StatusCallback>,
}

impl SubmitOptions {
    /// Default options: skip what can be skipped, no callback.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs every task even if a remembered result could be reused.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Calls `callback` with the job after each status change (from worker threads).
    pub fn on_status(mut self, callback: impl Fn(&Job) + Send + Sync + 'static) -> Self {
        self.on_status = Some(Arc::new(callback));
        self
    }
}

impl std::fmt::Debug for SubmitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubmitOptions")
            .field("force", &self.force)
            .field("on_status", &self.on_status.is_some())
            .finish()
    }
}

/// A running or finished submission: wait for it, inspect its jobs, cancel what has not started.
#[derive(Clone)]
pub struct Submission {
    run: Arc<Run>,
}

/// The outcome of a finished submission.
#[derive(Clone, Debug)]
pub struct SubmissionReport {
    /// The submission's id.
    pub id: String,
    /// Its final status.
    pub status: SubmissionStatus,
    /// Its jobs, in the order of the config's tasks.
    pub jobs: Jobs,
    /// Wall time from submit to the last job's end.
    pub elapsed: Duration,
}

/// A submission's jobs, in the order of the config's tasks, read as a slice of [`Job`]s
/// (`report.jobs.iter()`, `report.jobs[0]`, `for job in &report.jobs`, `report.jobs.len()`).
///
/// The reports of a finished submission share the scheduler's own list instead of copying it:
/// a report costs no allocation per job (of a fully skipped re-run of 10,000 jobs, copying them
/// was about a tenth of the time). `to_vec()` gives an owned copy; iterating a `Jobs` by value
/// copies the jobs unless nothing else holds the list (the submission, while it lives, does).
#[derive(Clone, Default, PartialEq)]
pub struct Jobs(Arc<Vec<Job>>);

impl Jobs {
    /// The list to change: the scheduler's, while no report shares it (copied if one does).
    pub(crate) fn make_mut(&mut self) -> &mut Vec<Job> {
        Arc::make_mut(&mut self.0)
    }

    /// A report's own copy, for a submission still running (whose list keeps changing: sharing
    /// it would make the next change copy it).
    pub(crate) fn copy(&self) -> Self {
        Self(Arc::new(self.0.as_ref().clone()))
    }
}

impl std::ops::Deref for Jobs {
    type Target = [Job];

    fn deref(&self) -> &[Job] {
        &self.0
    }
}

impl From<Vec<Job>> for Jobs {
    fn from(jobs: Vec<Job>) -> Self {
        Self(Arc::new(jobs))
    }
}

impl<'a> IntoIterator for &'a Jobs {
    type Item = &'a Job;
    type IntoIter = std::slice::Iter<'a, Job>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Jobs {
    type Item = Job;
    type IntoIter = std::vec::IntoIter<Job>;

    fn into_iter(self) -> Self::IntoIter {
        Arc::try_unwrap(self.0).unwrap_or_else(|shared| shared.as_ref().clone()).into_iter()
    }
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.as_ref().fmt(f)
    }
}

impl SubmissionReport {
    /// The job of a task.
    pub fn job(&self, task: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.task == task)
    }

    /// The tasks whose jobs have `status`, in order.
    pub fn tasks_with(&self, status: JobStatus) -> Vec<&str> {
        self.jobs.iter().filter(|j| j.status == status).map(|j| j.task.as_str()).collect()
    }
}

/// The table of a finished submission, as the examples print it: a summary line, then one
/// row per job (see [`Job`]'s `Display`):
///
/// ```text
/// Failed in 12.3 ms: 1 completed, 1 failed, 1 abandoned
///   clean     Completed     0.2 ms  first run: no earlier result
///   readings  Failed        0.3 ms  panicked at src/weather.rs:12:5: city Atlantis has no readings
///   report    Abandoned             upstream task `readings` did not succeed
/// ```
impl std::fmt::Display for SubmissionReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} in {:.1} ms", self.status, self.elapsed.as_secs_f64() * 1e3)?;
        let mut separator = ": ";
        for status in [
            JobStatus::Completed,
            JobStatus::Skipped,
            JobStatus::Failed,
            JobStatus::Abandoned,
            JobStatus::Canceled,
            JobStatus::Running,
            JobStatus::Pending,
            JobStatus::Blocked,
            JobStatus::Submitted,
        ] {
            let count = self.jobs.iter().filter(|j| j.status == status).count();
            if count > 0 {
                write!(f, "{separator}{count} {}", format!("{status:?}").to_lowercase())?;
                separator = ", ";
            }
        }
        writeln!(f)?;
        let width = self.jobs.iter().map(|j| j.task.chars().count()).max().unwrap_or(0);
        for job in &self.jobs {
            writeln!(f, "  {job:width$}")?;
        }
        Ok(())
    }
}

impl Submission {
    pub(crate) fn start(
        scenario: &Scenario,
        target: Target,
        options: SubmitOptions,
    ) -> Result<Self, SubmitError> {
        let options = notify::with_events(scenario, &target, options);
        Ok(Self { run: Run::start(scenario, target, options)? })
    }

    /// The submission's id.
    pub fn id(&self) -> &str {
        self.run.id()
    }

    /// The current status, derived from the jobs.
    pub fn status(&self) -> SubmissionStatus {
        SubmissionStatus::from_jobs(self.run.jobs().iter().map(|j| j.status))
    }

    /// Snapshots of the jobs, in the order of the config's tasks.
    pub fn jobs(&self) -> Vec<Job> {
        self.run.jobs()
    }

    /// Whether every job has finished.
    pub fn is_finished(&self) -> bool {
        self.run.is_finished()
    }

    /// Waits until every job has finished. An error if a job failed
    /// ([`SubmitError::JobsFailed`] carries the whole report: which jobs failed and why, which
    /// were abandoned) or the submission was canceled; the report is also available through
    /// [`report`](Self::report).
    pub fn wait(&self) -> Result<SubmissionReport, SubmitError> {
        self.run.wait(None);
        self.result()
    }

    /// Waits at most `timeout`; `None` if jobs are still unfinished then.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<Result<SubmissionReport, SubmitError>> {
        if self.run.wait(Some(timeout)) { Some(self.result()) } else { None }
    }

    /// The report as of now (statuses may still change if unfinished).
    pub fn report(&self) -> SubmissionReport {
        self.run.report()
    }

    /// Cancels the jobs that have not started; those depending on them are abandoned. Running
    /// jobs finish. Returns how many jobs were canceled.
    pub fn cancel(&self) -> usize {
        self.run.cancel()
    }

    fn result(&self) -> Result<SubmissionReport, SubmitError> {
        if let Some(reason) = self.run.commit_error() {
            return Err(SubmitError::Store(crate::error::StoreError::CommitFailed { reason }));
        }
        let report = self.run.report();
        let failures: Vec<(String, String)> = report
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::Failed)
            .map(|j| (j.task.clone(), j.error.as_ref().map_or_else(String::new, |e| e.to_string())))
            .collect();
        if !failures.is_empty() {
            return Err(SubmitError::JobsFailed {
                submission: report.id.clone(),
                failures,
                report: Box::new(report),
            });
        }
        if report.status == SubmissionStatus::Canceled {
            return Err(SubmitError::Canceled { submission: report.id });
        }
        Ok(report)
    }
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission").field("id", &self.id()).field("status", &self.status()).finish()
    }
}
