//! The orchestrator's side of a queued job: which tasks go to workers, what their job says,
//! and what is checked of a worker's answer before the usual commit (`execute.rs`).

use std::sync::Arc;

use super::{InputMessage, JobMessage, NodeMessage, Outcome, QueueClient, StoredMessage};
use crate::config::{Executor, TaskConfig};
use crate::error::{StoreError, TaskError};
use crate::job::Job;
use crate::orchestrator::attempts::Failure;
use crate::orchestrator::run::Run;
use crate::storage::StorageKind;
use crate::store::Version;
use crate::value::Stored;

impl Run {
    /// Runs job `i` (`job`, Running and published) on a worker if the store's executor is a
    /// queue and every node of the task is kept in the store; `None` to run it here. The
    /// result is the outputs as the worker stored them, by node id.
    pub(in crate::orchestrator) fn run_remotely(
        &self,
        i: usize,
        task: &TaskConfig,
        job: &Job,
        outputs: &[String],
        versions: &[Version],
    ) -> Option<Result<Vec<(String, Stored)>, Failure>> {
        let Executor::Queue { url } = &self.store.options().executor else { return None };
        let in_store = |name: &String| {
            self.config.node(name).is_some_and(|node| node.storage().kind() == StorageKind::Store)
        };
        if !task.input_nodes().iter().chain(task.output_nodes()).all(in_store) {
            return None; // not supported on workers yet: runs here
        }
        Some(self.run_on_queue(url, i, task, job, outputs, versions))
    }

    fn run_on_queue(
        &self,
        url: &str,
        i: usize,
        task: &TaskConfig,
        job: &Job,
        outputs: &[String],
        versions: &[Version],
    ) -> Result<Vec<(String, Stored)>, Failure> {
        let store_error = |e: StoreError| TaskError::msg(e.to_string());
        let mut inputs = Vec::with_capacity(versions.len());
        for (name, version) in task.input_nodes().iter().zip(versions) {
            let node = self.config.node(name).expect("validated");
            // A value written with another layout of the type is never decoded as it.
            crate::node::check_layout(&self.store, name, version, node.value_type()).map_err(store_error)?;
            inputs.push(InputMessage {
                node: NodeMessage { node: name.clone(), type_name: node.value_type().name().to_owned() },
                stored: StoredMessage::from(&version.stored),
            });
        }
        // Nothing of this submission is handed over in memory to a worker.
        self.with_state(|state| self.release_reads(state, i));
        let message = JobMessage {
            artifacts: self.store.artifacts_location(),
            submission: self.id().to_owned(),
            job: job.id.clone(),
            config: self.config.id().to_owned(),
            task: task.id().to_owned(),
            code: task.fingerprint().to_hex(),
            inputs,
            outputs: task
                .output_nodes()
                .iter()
                .map(|name| NodeMessage {
                    node: name.clone(),
                    type_name: self.config.node(name).expect("validated").value_type().name().to_owned(),
                })
                .collect(),
        };
        let client: Arc<QueueClient> =
            QueueClient::for_url(url).map_err(|e| TaskError::msg(e.to_string()))?;
        let attempts = usize::try_from(task.retry_count()).unwrap_or(usize::MAX).saturating_add(1);
        tracing::debug!(attempts, "job handed to the job queue");
        match client.run(message, attempts)? {
            Outcome::Done { worker, outputs: stored } => {
                tracing::info!(worker = %worker, "job run by worker");
                if stored.len() != outputs.len() {
                    return Err(TaskError::msg(format!(
                        "worker `{worker}` answered {} outputs for task `{}`, which has {}",
                        stored.len(),
                        task.id(),
                        outputs.len()
                    ))
                    .into());
                }
                Ok(outputs.iter().cloned().zip(stored.into_iter().map(Stored::from)).collect())
            }
            Outcome::Refused { worker, message } => {
                tracing::warn!(worker = %worker, "job refused by worker");
                Err(TaskError::msg(message).into())
            }
        }
    }

    /// Checks that the artifacts a worker stored are here and intact, and keeps them from
    /// garbage collection until the submission completes. Called under the write gate.
    pub(in crate::orchestrator) fn check_remote_outputs(
        &self,
        task: &TaskConfig,
        stored: &[(String, Stored)],
    ) -> Result<(), TaskError> {
        let cx = self.store.cx();
        for ((_, s), name) in stored.iter().zip(task.output_nodes()) {
            cx.open_artifact(&s.payload).map_err(|e| {
                TaskError::msg(format!(
                    "output `{name}` of task `{}`, stored by a worker, cannot be used: {e}",
                    task.id()
                ))
            })?;
            if let Some(pin) = self.store.pin(s) {
                self.lock().pins.push(pin);
            }
        }
        Ok(())
    }
}
