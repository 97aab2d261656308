//! The worker side: take jobs from the queue, run their tasks, answer with the outputs.
//!
//! A worker knows the scenario configs of the program it is part of (the user's own binary,
//! so the same `#[task]`s). For each job it finds the task by config and task id and compares
//! code fingerprints; a job it cannot run is refused for good (no retry: every worker of a
//! deployment runs the same code). So is a job whose store keeps its artifacts elsewhere than
//! the worker's (another folder, bucket, prefix or server): the submitting process could not
//! read what the worker would store. Otherwise it loads the inputs from the store's artifacts
//! (a folder, or object storage through verified local copies) or their inline bytes, calls
//! the task, stores the outputs as content-addressed artifacts or inline payloads, and answers
//! with where they are. It never opens the catalog: the submitting process commits. A retried
//! job writes the same artifact names again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use apalis_core::backend::ext::poll_strategy::{PollWith, Strategy};
use apalis_core::task::data::Data;
use apalis_core::worker::builder::WorkerBuilder;
use apalis_postgres::{PostgresStorage, Pubsub};

use super::message::{FailedAttempt, JobMessage, Outcome, StoredMessage};
use super::{QueueError, WorkerOptions};
use crate::config::ScenarioConfig;
use crate::error::TaskError;
use crate::store::DetachedArtifacts;
use crate::value::{AnyValue, Stored};

/// How often an idle worker looks for jobs that no insert announced (retries, jobs of workers
/// found dead).
const POLL: Duration = Duration::from_millis(100);

/// What the job handler needs: the known tasks and the store's artifacts.
struct WorkerState {
    name: String,
    configs: HashMap<String, Arc<ScenarioConfig>>,
    artifacts: DetachedArtifacts,
}

/// See [`run_worker`](super::run_worker).
pub(super) fn run(configs: &[Arc<ScenarioConfig>], options: &WorkerOptions) -> Result<(), QueueError> {
    let artifacts =
        DetachedArtifacts::open(&options.store, options.artifacts.as_ref(), options.frame_compression)
            .map_err(|e| QueueError::Store { path: options.store.clone(), reason: e.to_string() })?;
    tracing::info!(worker = %options.name, artifacts = %artifacts.location(), "worker starts");
    let configs = configs.iter().map(|c| (c.id().to_owned(), Arc::clone(c))).collect();
    let state = Arc::new(WorkerState { name: options.name.clone(), configs, artifacts });
    let runtime = super::runtime("taipy-worker")?;
    runtime.block_on(async {
        let pool = super::client::connect_pool(&options.queue).await?;
        let config = super::queue_config()
            .batch_size(1)
            .heartbeat_interval(options.heartbeat)
            .missed_heartbeats(missed_heartbeats(options.heartbeat, options.missed_heartbeats));
        // New jobs wake the worker at once (the library's LISTEN/NOTIFY on inserts); jobs to
        // retry and jobs of dead workers are found by polling.
        let strategy =
            Strategy::new().stream(Pubsub::new(pool.clone(), super::client::QUEUE.to_owned())).interval(POLL);
        let storage = PostgresStorage::<JobMessage>::new(&pool).with_config(config);
        let backend = PollWith::new(storage, strategy);
        let worker = WorkerBuilder::new(options.name.as_str()).backend(backend).data(state).build(handle);
        worker
            .run()
            .await
            .map_err(|e| QueueError::Worker { name: options.name.clone(), reason: e.to_string() })
    })
}

/// The missed heartbeats after which a worker's jobs go to another: at least `asked`, and
/// enough for a lease of [`MIN_LEASE`] (the library counts a lease in whole seconds, so a
/// shorter one would be zero: every running job taken away at every heartbeat).
fn missed_heartbeats(heartbeat: Duration, asked: usize) -> usize {
    let heartbeat = heartbeat.max(Duration::from_millis(1));
    let needed = MIN_LEASE.as_nanos().div_ceil(heartbeat.as_nanos());
    asked.max(usize::try_from(needed).unwrap_or(usize::MAX)).max(1)
}

/// The shortest lease of a job on a worker.
pub(super) const MIN_LEASE: Duration = Duration::from_secs(2);

/// The queue library's handler: runs the job on a blocking thread (tasks are ordinary
/// functions), so heartbeats go on while it runs.
async fn handle(message: JobMessage, state: Data<Arc<WorkerState>>) -> Result<Outcome, TaskFailed> {
    let state = Arc::clone(&state);
    tokio::task::spawn_blocking(move || state.run(message))
        .await
        .unwrap_or_else(|e| Err(TaskFailed(format!("the job's thread ended abnormally: {e}"))))
}

/// A failed attempt as the queue keeps it: a [`FailedAttempt`] in JSON.
#[derive(Debug)]
struct TaskFailed(String);

impl std::fmt::Display for TaskFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TaskFailed {}

impl WorkerState {
    fn run(&self, message: JobMessage) -> Result<Outcome, TaskFailed> {
        tracing::info!(worker = %self.name, job = %message.job, task = %message.task, "worker runs job");
        let refused = |message: String| Ok(Outcome::Refused { worker: self.name.clone(), message });
        let failed = |error: TaskError| {
            let location = error.location.clone();
            let attempt = FailedAttempt { worker: self.name.clone(), error, location };
            TaskFailed(serde_json::to_string(&attempt).unwrap_or_else(|e| e.to_string()))
        };
        let here = self.artifacts.location();
        if message.artifacts != here {
            return refused(format!(
                "job `{}` (task `{}`) keeps its artifacts at {}, worker `{}` at {here}; start workers \
                 on the submitting store's artifacts (`--store DIR` or `--artifacts s3://...`)",
                message.job, message.task, message.artifacts, self.name
            ));
        }
        let Some(config) = self.configs.get(&message.config) else {
            let mut known: Vec<&str> = self.configs.keys().map(String::as_str).collect();
            known.sort_unstable();
            return refused(format!(
                "worker `{}` has no scenario config `{}` (task `{}`); it knows: {}",
                self.name,
                message.config,
                message.task,
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            ));
        };
        let Some(task) = config.task(&message.task) else {
            let tasks: Vec<&str> = config.tasks().iter().map(|t| t.id()).collect();
            return refused(format!(
                "worker `{}` has no task `{}` in scenario config `{}`; its tasks: {}",
                self.name,
                message.task,
                message.config,
                tasks.join(", ")
            ));
        };
        let mine = task.fingerprint().to_hex();
        if mine != message.code {
            return refused(format!(
                "task `{}` of scenario config `{}`: the job's code fingerprint is {}, worker `{}` has {}; \
                 run workers built from the same code as the submitting program",
                message.task, message.config, message.code, self.name, mine
            ));
        }
        let cx = self.artifacts.cx();
        let mut inputs: Vec<AnyValue> = Vec::with_capacity(message.inputs.len());
        for (input, name) in message.inputs.into_iter().zip(task.input_nodes()) {
            let node = config.node(name).expect("a validated config");
            if node.value_type().name() != input.node.type_name || *name != input.node.node {
                return refused(format!(
                    "task `{}`: the job's input `{}` is a `{}`, worker `{}` reads `{name}` as a `{}`",
                    message.task,
                    input.node.node,
                    input.node.type_name,
                    self.name,
                    node.value_type().name()
                ));
            }
            let stored: Stored = input.stored.into();
            let value = node.load_value(&stored, &cx).map_err(|e| {
                failed(TaskError::msg(format!(
                    "worker `{}` cannot read input `{name}` of task `{}`: {e}",
                    self.name, message.task
                )))
            })?;
            inputs.push(value);
        }
        let produced = crate::orchestrator::execute::call_task(task, &inputs).map_err(failed)?;
        let mut outputs = Vec::with_capacity(produced.len());
        for (value, name) in produced.iter().zip(task.output_nodes()) {
            let node = config.node(name).expect("a validated config");
            let stored = node.store_value(value, &cx).map_err(|e| {
                failed(TaskError::msg(format!(
                    "worker `{}` cannot store output `{name}` of task `{}`: {e}",
                    self.name, message.task
                )))
            })?;
            outputs.push(StoredMessage::from(&stored));
        }
        Ok(Outcome::Done { worker: self.name.clone(), outputs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lease shorter than the library's one-second unit would read as zero.
    #[test]
    fn leases_last_at_least_two_seconds() {
        assert_eq!(missed_heartbeats(Duration::from_millis(300), 3), 7);
        assert_eq!(missed_heartbeats(Duration::from_secs(2), 3), 3);
        assert_eq!(missed_heartbeats(Duration::from_secs(5), 1), 1);
        assert_eq!(missed_heartbeats(Duration::from_millis(500), 0), 4);
    }
}
