//! Retries and timeouts: a task's function is called up to `1 + retries` times, each attempt
//! bounded by the task's timeout if it has one.
//!
//! - Each attempt of a task with retries is recorded on the job ([`Attempt`]: "attempt 2 of 3",
//!   with the earlier failures), persisted and published before it starts.
//! - The timeout bounds each attempt, not the whole job: a timed-out attempt is a failure like
//!   any other and is retried while retries remain. A job whose last attempt timed out ends
//!   Failed with [`Reason::TimedOut`].
//! - A thread cannot be killed. A timed attempt runs on a thread of its own while the worker
//!   waits for its result until the deadline; past it the worker stops waiting and the job
//!   fails. The function keeps running in the background until it returns, and its result is
//!   then sent to nobody: it is dropped, never stored, committed or remembered.
//! - Only running the function is retried; a failure to read inputs or to store and commit
//!   outputs fails the job at once.

use std::sync::mpsc;
use std::time::Duration;

use super::run::Run;
use crate::config::TaskConfig;
use crate::error::{StoreError, TaskError};
use crate::job::{Attempt, DisplayDuration, Job, Reason};
use crate::value::AnyValue;

/// Calls a task's function once, a panic becoming its failure (`execute.rs` gives it).
pub(super) type Call = fn(&TaskConfig, &[AnyValue]) -> Result<Vec<AnyValue>, TaskError>;

/// Why a job failed: the error recorded on it (boxed: results carry it on the happy path too),
/// and the reason to record if not its run reason.
pub(super) struct Failure {
    pub(super) error: Box<TaskError>,
    pub(super) reason: Option<Reason>,
}

impl From<TaskError> for Failure {
    fn from(error: TaskError) -> Self {
        Self { error: Box::new(error), reason: None }
    }
}

/// The attempt a job of `task` starts on: `None` for a task without retries.
pub(super) fn first(task: &TaskConfig) -> Option<Attempt> {
    (task.retry_count() > 0).then(|| Attempt { number: 1, of: attempts(task), failures: Vec::new() })
}

fn attempts(task: &TaskConfig) -> u32 {
    task.retry_count().saturating_add(1)
}

impl Run {
    /// Calls the task with `call` until an attempt succeeds or none is left; the last failure is
    /// the job's. `job` is job `i`'s Running snapshot, already persisted and published; each
    /// retry is recorded on it and persisted (the job keeps holding `outputs`) before it starts.
    pub(super) fn call_with_retries(
        &self,
        call: Call,
        i: usize,
        task: &TaskConfig,
        job: &mut Job,
        outputs: &[String],
        inputs: &[AnyValue],
    ) -> Result<Vec<AnyValue>, Failure> {
        let of = attempts(task);
        let mut failures = Vec::new();
        for number in 1..=of {
            if number > 1 {
                job.attempt = Some(Attempt { number, of, failures: failures.clone() });
                let record = |e: StoreError| TaskError::msg(e.to_string());
                self.store.start_job(job, outputs).map_err(record)?;
                self.publish(i, job.clone()).map_err(record)?;
            }
            match attempt(call, task, inputs) {
                Ok(values) => return Ok(values),
                Err(failure) if number == of => return Err(failure),
                Err(failure) => failures.push(*failure.error),
            }
        }
        unreachable!("a task has at least one attempt")
    }
}

/// One attempt: the function called here, or on a thread of its own when the task has a
/// timeout.
fn attempt(call: Call, task: &TaskConfig, inputs: &[AnyValue]) -> Result<Vec<AnyValue>, Failure> {
    let Some(timeout) = task.timeout_limit() else {
        return call(task, inputs).map_err(Failure::from);
    };
    // The thread owns what it needs; if the worker stops waiting, the result it sends is
    // dropped with the channel, and nothing else can reach it.
    let (sender, receiver) = mpsc::sync_channel(1);
    let (owned_task, owned_inputs) = (task.clone(), inputs.to_vec());
    let spawned = std::thread::Builder::new().name(format!("taipy task {}", task.id())).spawn(move || {
        let _ = sender.send(call(&owned_task, &owned_inputs));
    });
    if let Err(e) = spawned {
        return Err(TaskError::msg(format!("cannot start a thread for the timed task: {e}")).into());
    }
    match receiver.recv_timeout(timeout) {
        Ok(result) => result.map_err(Failure::from),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(timed_out(timeout)),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(TaskError::msg("the task's thread ended without a result").into())
        }
    }
}

fn timed_out(after: Duration) -> Failure {
    let message = format!(
        "timed out after {}; the function may still be running in the background, and its result \
         will be discarded",
        DisplayDuration(after)
    );
    Failure { error: Box::new(TaskError::msg(message)), reason: Some(Reason::TimedOut { after }) }
}
