//! What travels through the queue: a job to run and what a worker answers.
//!
//! Messages are JSON (the queue library's codec). They name things rather than carry code: the
//! scenario config and task by id, the task's code fingerprint, and each input as the store
//! keeps it ([`Stored`]: inline bytes, or the hash and extension of an artifact where the
//! store keeps them, which the job names). A worker answers with its outputs' [`Stored`],
//! never with values: the submitting process commits them.

use serde::{Deserialize, Serialize};

use crate::error::TaskError;
use crate::fingerprint::Fingerprint;
use crate::value::Stored;

/// One job for a worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct JobMessage {
    /// Where the submitting store keeps its artifacts (the folder's canonical path, or the
    /// object storage's URL with its endpoint): a worker whose artifacts are elsewhere refuses
    /// the job, since the submitter could not read the outputs it would store.
    pub(crate) artifacts: String,
    /// The submission and the job, as the store names them.
    pub(crate) submission: String,
    pub(crate) job: String,
    /// The scenario config the task belongs to, and the task's id in it.
    pub(crate) config: String,
    pub(crate) task: String,
    /// The task's code fingerprint, hex ([`TaskConfig::fingerprint`](crate::TaskConfig::fingerprint)).
    pub(crate) code: String,
    /// The inputs, in the task's parameter order.
    pub(crate) inputs: Vec<InputMessage>,
    /// The outputs' nodes and types, in order.
    pub(crate) outputs: Vec<NodeMessage>,
}

/// A node and the name of its value type.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct NodeMessage {
    pub(crate) node: String,
    pub(crate) type_name: String,
}

/// An input: its node and type, and the value as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct InputMessage {
    #[serde(flatten)]
    pub(crate) node: NodeMessage,
    pub(crate) stored: StoredMessage,
}

/// A [`Stored`] with its layout (which `Stored`'s own serde form leaves out).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoredMessage {
    pub(crate) stored: Stored,
    pub(crate) layout: Option<Fingerprint>,
}

impl From<&Stored> for StoredMessage {
    fn from(stored: &Stored) -> Self {
        Self { stored: stored.clone(), layout: stored.layout }
    }
}

impl From<StoredMessage> for Stored {
    fn from(message: StoredMessage) -> Self {
        Stored { layout: message.layout, ..message.stored }
    }
}

/// A worker's answer to a job it took.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) enum Outcome {
    /// The task ran; its outputs are stored (artifacts in the store's folder, or inline).
    Done { worker: String, outputs: Vec<StoredMessage> },
    /// The worker cannot run this job (it lacks the task, or has other code for it): not
    /// retried, the job fails with `message`.
    Refused { worker: String, message: String },
}

/// A failed attempt, as a worker reports it to the queue (the queue keeps the text of the
/// error and retries while attempts remain): the task's error in JSON, so the submitting
/// process records the same error as a local run would.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct FailedAttempt {
    pub(crate) worker: String,
    pub(crate) error: TaskError,
    pub(crate) location: Option<String>,
}

impl FailedAttempt {
    /// The task error a failed job records: the worker's, if the queue's text is one of ours,
    /// else the queue's text itself (a worker that died on the last attempt ...).
    pub(crate) fn task_error(text: &str) -> TaskError {
        match serde_json::from_str::<FailedAttempt>(text) {
            Ok(FailedAttempt { error, location, .. }) => TaskError { location, ..error },
            Err(_) => TaskError::msg(text.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Payload;

    /// A `Stored`'s layout survives the trip (its own serde form skips it).
    #[test]
    fn stored_values_keep_their_layout() {
        let hash = Fingerprint::of_bytes("test", b"x");
        let stored = Stored { hash, payload: Payload::Inline(vec![1, 2]), layout: Some(hash) };
        let json = serde_json::to_string(&StoredMessage::from(&stored)).unwrap();
        let back: Stored = serde_json::from_str::<StoredMessage>(&json).unwrap().into();
        assert_eq!(back, stored);
        assert_eq!(back.layout, Some(hash));
    }

    /// A worker's failure comes back as the task's error, with its place; any other text of
    /// the queue as a plain message.
    #[test]
    fn failed_attempts_come_back_as_task_errors() {
        let error = TaskError { panicked: true, ..TaskError::msg("boom") };
        let attempt = FailedAttempt { worker: "w1".into(), error, location: Some("src/a.rs:1:2".into()) };
        let back = FailedAttempt::task_error(&serde_json::to_string(&attempt).unwrap());
        assert_eq!(back.message, "boom");
        assert!(back.panicked);
        assert_eq!(back.location.as_deref(), Some("src/a.rs:1:2"));
        assert_eq!(FailedAttempt::task_error("worker gone").message, "worker gone");
    }
}
