//! What a submission reports through [`tracing`]: the spans and events, and their field names,
//! in one place.
//!
//! ```text
//! submission{scenario, scenario_id, submission, target, forced, jobs}    INFO span
//!   "submission started"                                                  INFO
//!   job{task, job}                                                        INFO span, one per job
//!     "decision"       decision = run | skip, reason                      DEBUG
//!     "job committed"  records, bytes            (store/commit.rs)        DEBUG
//!     "job finished"   status, reason, duration_ms; error if Failed       INFO, WARN if Failed
//!   "submission finished"  status, duration_ms                            INFO, WARN unless Completed
//! ```
//!
//! The store reports `store opened` (with `recovered jobs a dead process left unfinished`,
//! `recovered an unfinished job` and `store has unreadable records`), `garbage collected`, and its
//! writer thread's `batch written` (see `store/`). The library installs no subscriber: with
//! none, a disabled span or event costs a check of a cached flag and evaluates no field.

use std::time::Duration;

use tracing::{Level, Span};

use super::skip::Decision;
use crate::job::{Job, JobStatus, SubmissionStatus};

/// The span of one submission; the parent of its jobs' spans.
pub(super) fn submission_span(
    scenario: &str,
    scenario_id: &str,
    submission: &str,
    target: &impl std::fmt::Display,
    forced: bool,
    jobs: usize,
) -> Span {
    tracing::info_span!("submission", scenario, scenario_id, submission, target = %target, forced, jobs)
}

/// The span of one job, inside its submission's.
pub(super) fn job_span(submission: &Span, job: &Job) -> Span {
    tracing::info_span!(parent: submission, "job", task = %job.task, job = %job.id)
}

/// Whether the job runs or skips, and why.
pub(super) fn decision(decision: &Decision) {
    let (decision, reason) = match decision {
        Decision::Run(reason) => ("run", reason),
        Decision::Skip(reason) => ("skip", reason),
    };
    tracing::debug!(decision, reason = %reason, "decision");
}

/// A job's end, whatever it was: run, skipped, failed, abandoned or canceled.
pub(super) fn job_finished(job: &Job) {
    let duration_ms =
        job.started_us.zip(job.finished_us).map(|(start, end)| end.saturating_sub(start) as f64 / 1e3);
    let reason = job.reason.as_ref().map(tracing::field::display);
    if job.status == JobStatus::Failed {
        let error = job.error.as_ref().map(tracing::field::display);
        tracing::warn!(status = %job.status, reason, duration_ms, error, "job finished");
    } else {
        tracing::info!(status = %job.status, reason, duration_ms, "job finished");
    }
}

/// A submission's start, in its span.
pub(super) fn submission_started(span: &Span) {
    span.in_scope(|| tracing::info!("submission started"));
}

/// A submission's end, in its span: a warning unless it completed.
pub(super) fn submission_finished(span: &Span, jobs: &[Job], elapsed: Duration) {
    if !tracing::enabled!(Level::WARN) {
        return; // spares the status's computation
    }
    let status = SubmissionStatus::from_jobs(jobs.iter().map(|j| j.status));
    let duration_ms = elapsed.as_micros() as f64 / 1e3; // as jobs': to the µs
    span.in_scope(|| {
        if status == SubmissionStatus::Completed {
            tracing::event!(Level::INFO, status = ?status, duration_ms, "submission finished");
        } else {
            tracing::event!(Level::WARN, status = ?status, duration_ms, "submission finished");
        }
    });
}
