//! Jobs and their status machine, the submission status derived from its jobs, and the reason
//! recorded for every run or skip.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{StoreError, TaskError};
use crate::fingerprint::Fingerprint;

/// The status of a job, as in Taipy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JobStatus {
    /// Created, not yet examined.
    Submitted,
    /// Waiting for jobs of the same submission that produce its inputs.
    Blocked,
    /// Ready, waiting for a worker.
    Pending,
    /// Its task is running.
    Running,
    /// Its task ran and its outputs are committed.
    Completed,
    /// Its task returned an error or panicked (or its process died while it ran).
    Failed,
    /// Canceled before it started.
    Canceled,
    /// Its inputs and code were unchanged: earlier outputs were reused.
    Skipped,
    /// It cannot run because a job it depends on failed or was canceled.
    Abandoned,
}

impl JobStatus {
    /// Whether the job has reached a final status.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Canceled | Self::Skipped | Self::Abandoned)
    }

    /// Whether the job succeeded (ran or was skipped).
    pub fn is_success(self) -> bool {
        matches!(self, Self::Completed | Self::Skipped)
    }

    /// The status machine: which transitions are allowed.
    pub(crate) fn can_become(self, next: JobStatus) -> bool {
        use JobStatus::*;
        match self {
            Submitted => matches!(next, Blocked | Pending | Canceled | Abandoned),
            Blocked => matches!(next, Pending | Canceled | Abandoned),
            Pending => matches!(next, Running | Skipped | Failed | Canceled | Abandoned),
            Running => matches!(next, Completed | Failed),
            Completed | Failed | Canceled | Skipped | Abandoned => false,
        }
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// The status of a submission, derived from its jobs' statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SubmissionStatus {
    /// Jobs created, none examined yet.
    Submitted,
    /// Some job waits on another.
    Blocked,
    /// Some job waits for a worker.
    Pending,
    /// Some job runs.
    Running,
    /// Every job completed or was skipped.
    Completed,
    /// Some job failed.
    Failed,
    /// Some job was canceled.
    Canceled,
}

impl SubmissionStatus {
    /// Derives the status from the jobs' statuses, most serious first.
    pub fn from_jobs(jobs: impl IntoIterator<Item = JobStatus>) -> Self {
        let mut seen = [false; 9];
        for status in jobs {
            seen[status as usize] = true;
        }
        let has = |s: JobStatus| seen[s as usize];
        if has(JobStatus::Failed) {
            Self::Failed
        } else if has(JobStatus::Canceled) || has(JobStatus::Abandoned) {
            Self::Canceled
        } else if has(JobStatus::Running) {
            Self::Running
        } else if has(JobStatus::Pending) {
            Self::Pending
        } else if has(JobStatus::Blocked) {
            Self::Blocked
        } else if has(JobStatus::Submitted) {
            Self::Submitted
        } else {
            Self::Completed
        }
    }

    /// Whether every job has reached a final status.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Canceled)
    }
}

/// Why a job ran, was skipped, or did not run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Reason {
    /// Ran: the task never ran in this scenario and no earlier result matches.
    FirstRun,
    /// Ran: the code or some inputs changed since the task last ran in this scenario.
    Changed {
        /// The code fingerprint changed.
        code: bool,
        /// The inputs whose content changed, in declared order.
        inputs: Vec<String>,
    },
    /// Ran: nothing changed since the last run, but no result is remembered for these inputs.
    NoMemoEntry,
    /// Ran: a result is remembered but one of its stored outputs is gone.
    OutputsMissing,
    /// Ran: the submission was forced.
    Forced,
    /// Ran: the task is declared non-skippable.
    NotSkippable,
    /// Skipped: inputs and code are unchanged since the last run.
    Unchanged,
    /// Skipped: inputs or code differ from the last run, but match an earlier remembered result,
    /// which was reused.
    Reused {
        /// The inputs that differ from the last run.
        inputs: Vec<String>,
    },
    /// Skipped: the task never ran in this scenario, but another scenario (or an earlier
    /// configuration) computed the result for the same code and inputs, which was reused.
    ReusedElsewhere,
    /// Abandoned: a job it depends on failed, was canceled or abandoned.
    Upstream {
        /// The task whose job did not succeed.
        task: String,
    },
    /// Canceled by the user.
    Canceled,
    /// Failed: the process running the job stopped before it finished.
    Interrupted,
    // New variants go last: records store the variant's index.
    /// Ran: some inputs are older than their validity period.
    Stale {
        /// The stale inputs, in declared order.
        inputs: Vec<String>,
    },
    /// Ran: a result is remembered but one of its stored outputs was damaged on disk (its bytes
    /// no longer match its content hash); the file was quarantined.
    OutputCorrupt,
    /// Failed: the task's last attempt ran longer than its timeout. The function may still be
    /// running in the background (a thread cannot be killed); its result is discarded.
    TimedOut {
        /// The task's timeout.
        after: Duration,
    },
    /// Ran: the layout of some input or output types changed since the task last ran (a field
    /// added, removed, renamed, reordered or retyped ...), so its results were recomputed.
    LayoutChanged {
        /// The inputs whose type layout changed, in declared order.
        inputs: Vec<String>,
        /// The outputs whose type layout changed, in declared order.
        outputs: Vec<String>,
    },
}

impl Reason {
    /// Whether this reason belongs to a skip.
    pub fn is_skip(&self) -> bool {
        matches!(self, Self::Unchanged | Self::Reused { .. } | Self::ReusedElsewhere)
    }
}

fn list(inputs: &[String]) -> String {
    inputs.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::FirstRun => f.write_str("first run: no earlier result"),
            Reason::Changed { code, inputs } => {
                let plural = if inputs.len() == 1 { "" } else { "s" };
                match (code, inputs.is_empty()) {
                    (true, true) => f.write_str("code changed"),
                    (true, false) => write!(f, "code changed; input{plural} {} changed", list(inputs)),
                    (false, _) => write!(f, "input{plural} {} changed", list(inputs)),
                }
            }
            Reason::NoMemoEntry => f.write_str("no remembered result for these inputs"),
            Reason::OutputsMissing => f.write_str("a remembered output is missing from the store"),
            Reason::OutputCorrupt => {
                f.write_str("a remembered output was corrupt on disk (quarantined); recomputing it")
            }
            Reason::LayoutChanged { inputs, outputs } => {
                let nodes: Vec<String> = (inputs.iter().map(|i| format!("input `{i}`")))
                    .chain(outputs.iter().map(|o| format!("output `{o}`")))
                    .collect();
                write!(f, "type layout changed: {}", nodes.join(", "))
            }
            Reason::Forced => f.write_str("forced"),
            Reason::NotSkippable => f.write_str("task is not skippable"),
            Reason::Stale { inputs } => {
                let (s, verb) = if inputs.len() == 1 { ("", "is") } else { ("s", "are") };
                write!(f, "input{s} {} {verb} older than the validity period", list(inputs))
            }
            Reason::Unchanged => f.write_str("inputs and code unchanged"),
            Reason::Reused { inputs } if inputs.is_empty() => {
                f.write_str("earlier result reused: code returned to a remembered version")
            }
            Reason::Reused { inputs } => {
                let (s, verb) = if inputs.len() == 1 { ("", "is") } else { ("s", "are") };
                write!(
                    f,
                    "earlier result reused: input{s} {} {verb} back to a remembered state",
                    list(inputs)
                )
            }
            Reason::ReusedElsewhere => f.write_str(
                "result computed for the same code and inputs elsewhere (another scenario) reused",
            ),
            Reason::Upstream { task } => write!(f, "upstream task `{task}` did not succeed"),
            Reason::Canceled => f.write_str("canceled"),
            Reason::Interrupted => f.write_str("interrupted: the process running it stopped"),
            Reason::TimedOut { after } => write!(f, "timed out after {}", DisplayDuration(*after)),
        }
    }
}

/// A job: one execution (or skip) of one task within a submission.
///
/// Its `Display` is one row of the table a [`SubmissionReport`](crate::SubmissionReport) prints:
/// task, status, duration, and the reason (or, for a failed job, the error); a width
/// (`{job:12}`) pads the task column.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(from = "JobRecord")]
pub struct Job {
    /// The job's id.
    pub id: String,
    /// The submission it belongs to.
    pub submission: String,
    /// The scenario it belongs to.
    pub scenario: String,
    /// The task's config id.
    pub task: String,
    /// Its status.
    pub status: JobStatus,
    /// Why it ran, skipped, or did not run.
    pub reason: Option<Reason>,
    /// The task's failure, for a failed job.
    pub error: Option<TaskError>,
    /// Creation time (µs since the Unix epoch).
    pub created_us: u64,
    /// When it started running or deciding (µs since the Unix epoch).
    pub started_us: Option<u64>,
    /// When it reached its final status (µs since the Unix epoch).
    pub finished_us: Option<u64>,
    /// The task's code fingerprint when the job was decided (`None` until then).
    pub code: Option<Fingerprint>,
    /// The input versions the job ran (or skipped) with, in declared order; empty until it is
    /// decided. With the writers of those versions this gives a value's lineage.
    pub inputs: Vec<InputVersion>,
    /// A warning about the job's decision: "no code fingerprint: ..." when the task is a closure
    /// with no [`version`](crate::TaskConfig::version), so an edit to it would not re-run it
    /// (set when the job is decided).
    #[serde(default, deserialize_with = "crate::value::appended")]
    pub warning: Option<String>,
    /// For a task with retries: which attempt the job is on (or ended on), and the failures of
    /// the earlier ones. `None` for a task without retries.
    #[serde(default, deserialize_with = "crate::value::appended")]
    pub attempt: Option<Attempt>,
}

/// Which attempt of a task with retries a job is on: "attempt 2 of 3".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "AttemptRecord", into = "AttemptRecord")]
pub struct Attempt {
    /// The attempt, counting from 1.
    pub number: u32,
    /// How many attempts the task is allowed: 1 + its retries.
    pub of: u32,
    /// The failures of the earlier attempts, oldest first.
    pub failures: Vec<TaskError>,
}

/// An [`Attempt`] as records store it: the failures' panic locations beside them, since a
/// [`TaskError`]'s own encoding leaves its location out (see `JobRecord`).
#[derive(Clone, Serialize, Deserialize)]
struct AttemptRecord {
    number: u32,
    of: u32,
    failures: Vec<TaskError>,
    locations: Vec<Option<String>>,
}

impl From<Attempt> for AttemptRecord {
    fn from(attempt: Attempt) -> Self {
        let locations = attempt.failures.iter().map(|e| e.location.clone()).collect();
        Self { number: attempt.number, of: attempt.of, failures: attempt.failures, locations }
    }
}

impl From<AttemptRecord> for Attempt {
    fn from(record: AttemptRecord) -> Self {
        let mut failures = record.failures;
        for (error, location) in failures.iter_mut().zip(record.locations) {
            error.location = location;
        }
        Self { number: record.number, of: record.of, failures }
    }
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "attempt {} of {}", self.number, self.of)
    }
}

/// A duration as people write it: `30s`, `1.5s`, `250ms`, `2m`, `1h`.
pub(crate) struct DisplayDuration(pub(crate) Duration);

impl std::fmt::Display for DisplayDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.0.as_millis();
        let (n, unit) = match ms {
            0 => return write!(f, "{}µs", self.0.as_micros()),
            _ if ms.is_multiple_of(3_600_000) => (ms / 3_600_000, "h"),
            _ if ms.is_multiple_of(60_000) => (ms / 60_000, "m"),
            _ if ms.is_multiple_of(1000) => (ms / 1000, "s"),
            _ if ms < 1000 => (ms, "ms"),
            _ => return write!(f, "{}s", self.0.as_secs_f64()),
        };
        write!(f, "{n}{unit}")
    }
}

/// A job as its record stores it: the job's fields in order, then, appended, where its task
/// panicked (kept out of [`TaskError`]'s own encoding, which sits in the middle of the record
/// and so cannot grow without making older records unreadable).
#[derive(Clone, Serialize, Deserialize)]
struct JobRecord {
    id: String,
    submission: String,
    scenario: String,
    task: String,
    status: JobStatus,
    reason: Option<Reason>,
    error: Option<TaskError>,
    created_us: u64,
    started_us: Option<u64>,
    finished_us: Option<u64>,
    #[serde(default, deserialize_with = "crate::value::appended")]
    code: Option<Fingerprint>,
    #[serde(default, deserialize_with = "crate::value::appended")]
    inputs: Vec<InputVersion>,
    #[serde(default, deserialize_with = "crate::value::appended")]
    warning: Option<String>,
    #[serde(default, deserialize_with = "crate::value::appended")]
    attempt: Option<Attempt>,
    #[serde(default, deserialize_with = "crate::value::appended")]
    panic_location: Option<String>,
}

/// A [`JobRecord`] borrowed from a job, encoded as it is (the same fields in the same order):
/// a job is stored at each of its status changes, and going through an owned record cloned
/// the whole job each time.
#[derive(Serialize)]
struct JobRecordRef<'a> {
    id: &'a str,
    submission: &'a str,
    scenario: &'a str,
    task: &'a str,
    status: JobStatus,
    reason: &'a Option<Reason>,
    error: &'a Option<TaskError>,
    created_us: u64,
    started_us: Option<u64>,
    finished_us: Option<u64>,
    code: &'a Option<Fingerprint>,
    inputs: &'a [InputVersion],
    warning: &'a Option<String>,
    attempt: &'a Option<Attempt>,
    panic_location: Option<&'a str>,
}

impl Job {
    fn record_ref(&self) -> JobRecordRef<'_> {
        JobRecordRef {
            id: &self.id,
            submission: &self.submission,
            scenario: &self.scenario,
            task: &self.task,
            status: self.status,
            reason: &self.reason,
            error: &self.error,
            created_us: self.created_us,
            started_us: self.started_us,
            finished_us: self.finished_us,
            code: &self.code,
            inputs: &self.inputs,
            warning: &self.warning,
            attempt: &self.attempt,
            panic_location: self.error.as_ref().and_then(|e| e.location.as_deref()),
        }
    }
}

impl Serialize for Job {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.record_ref().serialize(serializer)
    }
}

/// A job encoded as its record is, with the fields its reader knows otherwise left empty: its
/// id if `id_known`, its submission and scenario where they are `known`'s, and its warning (kept
/// apart). What a submission's skipped record keeps of each job (`store/skipped.rs`); decoded as
/// a job record is, the reader fills them in.
pub(crate) struct BareJob<'a> {
    pub(crate) job: &'a Job,
    /// Whether the reader will give it its id (it is the one its task and place make).
    pub(crate) id_known: bool,
    /// The submission and scenario the reader will give it.
    pub(crate) known: (&'a str, &'a str),
}

impl<'a> Serialize for BareJob<'a> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let job: &'a Job = self.job;
        let (submission, scenario) = self.known;
        let blank = |own: &'a str, known: &str| -> &'a str { if own == known { "" } else { own } };
        let mut record = job.record_ref();
        record.id = if self.id_known { "" } else { &job.id };
        record.submission = blank(&job.submission, submission);
        record.scenario = blank(&job.scenario, scenario);
        record.warning = &None;
        record.serialize(serializer)
    }
}

#[cfg(test)]
impl From<Job> for JobRecord {
    fn from(job: Job) -> Self {
        let panic_location = job.error.as_ref().and_then(|e| e.location.clone());
        let Job {
            id,
            submission,
            scenario,
            task,
            status,
            reason,
            error,
            created_us,
            started_us,
            finished_us,
            code,
            inputs,
            warning,
            attempt,
        } = job;
        Self {
            id,
            submission,
            scenario,
            task,
            status,
            reason,
            error,
            created_us,
            started_us,
            finished_us,
            code,
            inputs,
            warning,
            attempt,
            panic_location,
        }
    }
}

impl From<JobRecord> for Job {
    fn from(record: JobRecord) -> Self {
        let mut error = record.error;
        if let Some(error) = &mut error {
            error.location = record.panic_location;
        }
        Self {
            id: record.id,
            submission: record.submission,
            scenario: record.scenario,
            task: record.task,
            status: record.status,
            reason: record.reason,
            error,
            created_us: record.created_us,
            started_us: record.started_us,
            finished_us: record.finished_us,
            code: record.code,
            inputs: record.inputs,
            warning: record.warning,
            attempt: record.attempt,
        }
    }
}

/// One table row: `task  Status  12.3 ms  reason` (the error instead of the reason for a
/// failed job; no duration before the job has finished).
impl std::fmt::Display for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let width = f.width().unwrap_or(0);
        let status = self.status.to_string();
        write!(f, "{:<width$}  {status:<9}  ", self.task)?;
        match self.duration() {
            Some(d) => write!(f, "{:>6.1} ms", d.as_secs_f64() * 1e3)?,
            None => f.write_str("         ")?,
        }
        match (&self.error, &self.reason) {
            (Some(error), _) => write!(f, "  {error}")?,
            (None, Some(reason)) => write!(f, "  {reason}")?,
            (None, None) => {}
        }
        if let Some(attempt) = &self.attempt {
            write!(f, " ({attempt})")?;
        }
        match &self.warning {
            Some(warning) => write!(f, "; warning: {warning}"),
            None => Ok(()),
        }
    }
}

/// One input version a job read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputVersion {
    /// The input's node name in the scenario config.
    pub node: String,
    /// The data node instance's id.
    pub node_id: String,
    /// The version number read.
    pub number: u64,
    /// Its content hash.
    pub hash: Fingerprint,
}

impl Job {
    /// A job as it is created with its submission: Submitted, nothing run yet.
    pub(crate) fn submitted(
        id: String,
        submission: String,
        scenario: String,
        task: String,
        created_us: u64,
    ) -> Self {
        Job {
            id,
            submission,
            scenario,
            task,
            status: JobStatus::Submitted,
            reason: None,
            error: None,
            created_us,
            started_us: None,
            finished_us: None,
            code: None,
            inputs: Vec::new(),
            warning: None,
            attempt: None,
        }
    }

    /// Moves the job to status `next` (and records `reason`, if given) at time `now_us`, checked
    /// against the status machine in every build: the only way a job's status changes. A final
    /// status stamps `finished_us`.
    pub(crate) fn advance(
        &mut self,
        next: JobStatus,
        reason: Option<Reason>,
        now_us: u64,
    ) -> Result<(), StoreError> {
        if !self.status.can_become(next) {
            return Err(StoreError::IllegalTransition {
                job: self.id.clone(),
                task: self.task.clone(),
                from: self.status.to_string(),
                to: next.to_string(),
            });
        }
        self.status = next;
        if reason.is_some() {
            self.reason = reason;
        }
        if next.is_finished() {
            self.finished_us = Some(now_us);
        }
        Ok(())
    }

    /// How long the job took from start to finish (deciding, running, storing, committing).
    pub fn duration(&self) -> Option<Duration> {
        Some(Duration::from_micros(self.finished_us?.saturating_sub(self.started_us?)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::job::{Attempt, DisplayDuration, Job, JobStatus, Reason, SubmissionStatus};

    /// A job is encoded through a borrowed view of its record: the bytes are those of the
    /// owned record (the store's format), and decode back to the job.
    #[test]
    fn a_job_encodes_as_its_owned_record_did() {
        let error = crate::error::TaskError {
            location: Some("src/lib.rs:3:5".into()),
            backtrace: Some("frames".into()),
            ..crate::error::TaskError::msg("boom")
        };
        let job = Job {
            reason: Some(Reason::Upstream { task: "t0".into() }),
            error: Some(error.clone()),
            started_us: Some(2),
            finished_us: Some(3),
            code: Some(crate::fingerprint::Fingerprint([5; 32])),
            inputs: vec![crate::job::InputVersion {
                node: "x".into(),
                node_id: "DATANODE_x_1".into(),
                number: 4,
                hash: crate::fingerprint::Fingerprint([6; 32]),
            }],
            warning: Some("careful".into()),
            attempt: Some(Attempt { number: 2, of: 3, failures: vec![error] }),
            ..Job::submitted("JOB_t_1".into(), "SUB_1".into(), "SCENARIO_c_1".into(), "t".into(), 1)
        };
        let owned = postcard::to_stdvec(&crate::job::JobRecord::from(job.clone())).unwrap();
        assert_eq!(postcard::to_stdvec(&job).unwrap(), owned);
        assert_eq!(postcard::from_bytes::<Job>(&owned).unwrap(), job);
    }

    #[test]
    fn the_status_machine_only_moves_forward() {
        use JobStatus::*;
        assert!(Submitted.can_become(Blocked));
        assert!(Blocked.can_become(Pending));
        assert!(Pending.can_become(Running));
        assert!(Running.can_become(Completed));
        assert!(Pending.can_become(Skipped));
        assert!(!Running.can_become(Canceled), "a running job cannot be canceled");
        assert!(!Completed.can_become(Running));
        assert!(!Skipped.can_become(Failed));
    }

    #[test]
    fn advance_refuses_an_illegal_transition_and_changes_nothing() {
        use JobStatus::*;
        let mut job = Job::submitted("JOB_t_1".into(), "s".into(), "c".into(), "t".into(), 1);
        for next in [Pending, Running, Completed] {
            job.advance(next, None, 5).unwrap();
        }
        assert_eq!(job.finished_us, Some(5));
        let err = job.advance(Failed, Some(Reason::Interrupted), 6).unwrap_err();
        assert_eq!(err.to_string(), "job `JOB_t_1` of task `t` cannot go from Completed to Failed");
        assert_eq!((job.status, &job.reason, job.finished_us), (Completed, &None, Some(5)));
    }

    #[test]
    fn submission_status_is_derived() {
        use JobStatus::*;
        assert_eq!(SubmissionStatus::from_jobs([Completed, Skipped]), SubmissionStatus::Completed);
        assert_eq!(SubmissionStatus::from_jobs([Completed, Running, Blocked]), SubmissionStatus::Running);
        assert_eq!(SubmissionStatus::from_jobs([Failed, Abandoned, Completed]), SubmissionStatus::Failed);
        assert_eq!(SubmissionStatus::from_jobs([Canceled, Completed]), SubmissionStatus::Canceled);
        assert_eq!(SubmissionStatus::from_jobs([Pending, Blocked]), SubmissionStatus::Pending);
    }

    #[test]
    fn reasons_read_well() {
        let r = Reason::Changed { code: false, inputs: vec!["payment_threshold".into()] };
        assert_eq!(r.to_string(), "input `payment_threshold` changed");
        let r = Reason::Changed { code: true, inputs: vec![] };
        assert_eq!(r.to_string(), "code changed");
        assert!(Reason::Unchanged.is_skip());
        let r = Reason::TimedOut { after: Duration::from_secs(30) };
        assert_eq!(r.to_string(), "timed out after 30s");
    }

    #[test]
    fn durations_read_as_written() {
        let shown = |d: Duration| DisplayDuration(d).to_string();
        assert_eq!(shown(Duration::from_secs(30)), "30s");
        assert_eq!(shown(Duration::from_millis(1500)), "1.5s");
        assert_eq!(shown(Duration::from_millis(250)), "250ms");
        assert_eq!(shown(Duration::from_secs(120)), "2m");
        assert_eq!(shown(Duration::from_secs(7200)), "2h");
        assert_eq!(shown(Duration::from_micros(20)), "20µs");
        let a = Attempt { number: 2, of: 3, failures: Vec::new() };
        assert_eq!(a.to_string(), "attempt 2 of 3");
    }
}
