//! The submitting side: hand a job to the queue and wait for a worker's answer.
//!
//! One client per queue URL and process, shared by the stores that use it; it drives the queue
//! library on a small tokio runtime of its own (one thread), so the orchestrator's threads stay
//! plain threads that block on a job's answer as they would block on running it.
//!
//! The queue keeps the job, leases it to one worker at a time, and re-enqueues it when that
//! worker stops heartbeating (killed, lost); it re-runs a failed attempt while attempts remain.
//! This side only waits for the job's final state: Done (the outputs), or failed for good.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use apalis_core::backend::{TaskSink, WaitForCompletion};
use apalis_core::task::builder::TaskBuilder;
use apalis_core::task::status::Status;
use apalis_core::task::task_id::TaskId;
use apalis_postgres::{PgPool, PostgresStorage};

use super::QueueError;
use super::message::{FailedAttempt, JobMessage, Outcome};
use crate::error::TaskError;

/// The queue's name in the library's tables: every taipy job goes through it.
pub(crate) const QUEUE: &str = "taipy-jobs";

/// The first pause between two looks at a job's state, doubled up to [`POLL_MAX`].
const POLL_MIN: Duration = Duration::from_millis(2);
const POLL_MAX: Duration = Duration::from_millis(50);

/// A connection to one job queue.
pub(crate) struct QueueClient {
    url: String,
    runtime: tokio::runtime::Runtime,
    storage: PostgresStorage<JobMessage>,
}

impl QueueClient {
    /// The client of the queue at `url`, connected (and the queue's tables created or migrated
    /// by the library) on first use; later calls share it.
    pub(crate) fn for_url(url: &str) -> Result<Arc<Self>, QueueError> {
        static CLIENTS: OnceLock<Mutex<HashMap<String, Arc<QueueClient>>>> = OnceLock::new();
        let mut clients = CLIENTS.get_or_init(Mutex::default).lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = clients.get(url) {
            return Ok(Arc::clone(client));
        }
        let client = Arc::new(Self::connect(url)?);
        clients.insert(url.to_owned(), Arc::clone(&client));
        Ok(client)
    }

    fn connect(url: &str) -> Result<Self, QueueError> {
        let runtime = super::runtime("taipy-queue")?;
        let storage = runtime.block_on(super::open_storage(url))?;
        Ok(Self { url: url.to_owned(), runtime, storage })
    }

    /// Enqueues `message` (at most `attempts` attempts) and waits for its final state: the
    /// worker's outcome, or the task's error once no attempt is left.
    pub(crate) fn run(&self, message: JobMessage, attempts: usize) -> Result<Outcome, TaskError> {
        let id = TaskId::from_ulid(ulid::Ulid::generate());
        let job = message.job.clone();
        let unreachable = |e: &dyn std::fmt::Display| {
            TaskError::msg(format!("cannot reach the job queue at {}: {e}", redact(&self.url)))
        };
        let mut storage = self.storage.clone();
        let task = TaskBuilder::new(message).task_id(id.clone()).max_attempts(attempts.max(1)).build();
        self.runtime.block_on(storage.push_task(task)).map_err(|e| unreachable(&e))?;
        let mut pause = POLL_MIN;
        loop {
            let results = self
                .runtime
                .block_on(WaitForCompletion::<Outcome>::check_status(&mut storage, [id.clone()]))
                .map_err(|e| unreachable(&e))?;
            if let Some(result) = results.into_iter().next() {
                return match (result.status, result.result) {
                    (Status::Done, Ok(outcome)) => Ok(outcome),
                    (_, Err(text)) => Err(FailedAttempt::task_error(&text)),
                    (status, Ok(_)) => {
                        Err(TaskError::msg(format!("job `{job}` ended {status:?} in the job queue")))
                    }
                };
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(POLL_MAX);
        }
    }
}

/// `url` without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens a pool on the queue's database and creates or migrates the library's tables.
pub(crate) async fn connect_pool(url: &str) -> Result<PgPool, QueueError> {
    let queue_error =
        |e: &dyn std::fmt::Display| QueueError::Unreachable { url: redact(url), reason: e.to_string() };
    let pool = PgPool::connect(url).await.map_err(|e| queue_error(&e))?;
    PostgresStorage::setup(&pool).await.map_err(|e| queue_error(&e))?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgres://taipy:secret@127.0.0.1:5432/db"),
            "postgres://taipy:***@127.0.0.1:5432/db"
        );
        assert_eq!(redact("postgres://127.0.0.1/db"), "postgres://127.0.0.1/db");
    }
}
