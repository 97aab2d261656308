//! [`SubmitError`]: what can go wrong submitting and waiting for scenarios, sequences and tasks.
//! It lives with the orchestrator (not in `error.rs`) because a failed submission's error carries
//! the submission's whole report.

use super::SubmissionReport;
use crate::error::StoreError;
use crate::job::JobStatus;

/// Errors of submitting and waiting for scenarios, sequences and tasks.
///
/// `Debug` prints the message, as `Display` does: it is what `main` shows when it returns the
/// error (`s.submit()?.wait()?`). The report's records are in
/// [`JobsFailed`](Self::JobsFailed)`::report`, and `{report}` prints them as a table.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum SubmitError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The scenario config has no such sequence.
    #[error("scenario `{scenario}` has no sequence `{sequence}`; declared sequences: {declared}")]
    UnknownSequence {
        /// The scenario's name.
        scenario: String,
        /// The unknown sequence.
        sequence: String,
        /// The declared sequences.
        declared: String,
    },
    /// The scenario config has no such task.
    #[error("scenario `{scenario}` has no task `{task}`; declared tasks: {declared}")]
    UnknownTask {
        /// The scenario's name.
        scenario: String,
        /// The unknown task.
        task: String,
        /// The declared tasks.
        declared: String,
    },
    /// The scenario config has no such data node (asked for by
    /// [`submit_for`](crate::Scenario::submit_for) or [`plan_for`](crate::Scenario::plan_for)).
    #[error("scenario `{scenario}` has no data node `{node}`; declared nodes: {declared}")]
    UnknownNode {
        /// The scenario's name.
        scenario: String,
        /// The unknown node.
        node: String,
        /// The declared nodes.
        declared: String,
    },
    /// Some jobs of the submission failed; the report says which, which were abandoned because
    /// of them, and what the others did.
    #[error("{}", jobs_failed(report))]
    JobsFailed {
        /// The submission id.
        submission: String,
        /// Each failed task with its error message.
        failures: Vec<(String, String)>,
        /// The whole report: every job with its status, reason and error
        /// (`{report}` prints it as a table).
        report: Box<SubmissionReport>,
    },
    /// The submission was canceled before all its jobs finished.
    #[error("submission `{submission}` was canceled")]
    Canceled {
        /// The submission id.
        submission: String,
    },
}

impl std::fmt::Debug for SubmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// `submission `S` failed: task `a`: <error>; abandoned: `b`, `c``.
fn jobs_failed(report: &SubmissionReport) -> String {
    let failures: Vec<String> = report
        .jobs
        .iter()
        .filter(|j| j.status == JobStatus::Failed)
        .map(|j| match &j.error {
            Some(error) => format!("task `{}`: {error}", j.task),
            None => format!("task `{}`", j.task),
        })
        .collect();
    let mut text = format!("submission `{}` failed: {}", report.id, failures.join("; "));
    let abandoned: Vec<String> =
        report.tasks_with(JobStatus::Abandoned).iter().map(|t| format!("`{t}`")).collect();
    if !abandoned.is_empty() {
        text.push_str(&format!("; abandoned: {}", abandoned.join(", ")));
    }
    text
}
