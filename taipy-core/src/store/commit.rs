//! The commit protocol: nothing half-written is ever visible.
//!
//! 1. A value's bytes are made durable first: inline values are part of the record; artifacts
//!    are written to a temporary file, fsynced and renamed into `artifacts/`
//!    ([`ArtifactWriter`](crate::value::ArtifactWriter)).
//! 2. Then one sled transaction records everything a job produced: the new data-node versions,
//!    the memo entry, the task's last run, and the job's final status. Either all of it is
//!    visible or none of it.
//! 3. Records are not fsynced per job (sled keeps them in order); a submission flushes the store
//!    when it finishes. After a crash at most the last jobs run again, and a Completed job never
//!    lacks its outputs, because its status is committed with them, after them.
//!
//! Every write of a data node, by a job, a user or scenario creation, goes through
//! [`write_version`] inside a transaction.

use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError, TransactionalTree,
};

use super::records::{MemoEntry, NodeRecord, TaskRun, Version, VersionRef, Writer, decode, encode, now_us};
use super::{Store, StoreError};
use crate::orchestrator::job::Job;
use crate::value::Stored;

type TxResult<T> = ConflictableTransactionResult<T, StoreError>;

fn abort<T>(error: StoreError) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(error))
}

fn tx_node(nodes: &TransactionalTree, node_id: &str) -> TxResult<NodeRecord> {
    match nodes.get(node_id.as_bytes())? {
        Some(bytes) => decode("data node", node_id.as_bytes(), &bytes).or_else(abort),
        None => abort(StoreError::NotFound { kind: "data node", id: node_id.to_owned() }),
    }
}

fn tx_put<T: serde::Serialize>(
    tree: &TransactionalTree,
    what: &'static str,
    key: &[u8],
    record: &T,
) -> TxResult<()> {
    let bytes = encode(what, record).or_else(abort)?;
    tree.insert(key, bytes)?;
    Ok(())
}

fn finish<T>(result: Result<T, TransactionError<StoreError>>) -> Result<T, StoreError> {
    result.map_err(|e| match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Database(e),
    })
}

/// The key of a version: the node id, a zero byte, the version number big-endian (so a node's
/// versions are contiguous and in order).
pub(crate) fn version_key(node_id: &str, number: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(node_id.len() + 9);
    key.extend_from_slice(node_id.as_bytes());
    key.push(0);
    key.extend_from_slice(&number.to_be_bytes());
    key
}

/// Records `stored` as the node's current value, unless it already is (same content hash:
/// early cutoff, no new edit). `busy_job`: the job that must hold the node, if a job writes it;
/// a user's write is refused while a job holds it. Returns the new version number, if any.
fn write_version(
    nodes: &TransactionalTree,
    versions: &TransactionalTree,
    node_id: &str,
    stored: &Stored,
    writer: &Writer,
    comment: Option<&str>,
    release: bool,
) -> TxResult<Option<u64>> {
    let mut node = tx_node(nodes, node_id)?;
    if let (Writer::User | Writer::FileChanged, Some(job)) = (writer, &node.busy_job) {
        return abort(StoreError::NodeBusy { node: node.config_id.clone(), job: job.clone() });
    }
    let unchanged = node.current.is_some_and(|c| c.hash == stored.hash) && comment.is_none();
    let written = if unchanged {
        None
    } else {
        node.next_version += 1;
        let number = node.next_version;
        let version = Version {
            number,
            hash: stored.hash,
            stored: stored.clone(),
            written_us: now_us(),
            writer: writer.clone(),
            comment: comment.map(str::to_owned),
        };
        tx_put(versions, "version", &version_key(node_id, number), &version)?;
        node.current = Some(VersionRef { number, hash: stored.hash });
        Some(number)
    };
    if release {
        node.busy_job = None;
    }
    if written.is_some() || release {
        tx_put(nodes, "data node", node_id.as_bytes(), &node)?;
    }
    Ok(written)
}

impl Store {
    /// A user's (or the scenario's creation) write of one node, in its own transaction.
    pub(crate) fn write_node(
        &self,
        node_id: &str,
        stored: &Stored,
        writer: Writer,
        comment: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        let t = self.trees();
        finish((&t.nodes, &t.versions).transaction(|(nodes, versions)| {
            write_version(nodes, versions, node_id, stored, &writer, comment, false)
        }))
    }

    /// Marks a job Running and its output nodes as held by it, atomically.
    pub(crate) fn start_job(&self, job: &Job, outputs: &[String]) -> Result<(), StoreError> {
        let t = self.trees();
        finish((&t.nodes, &t.jobs).transaction(|(nodes, jobs)| {
            for node_id in outputs {
                let mut node = tx_node(nodes, node_id)?;
                node.busy_job = Some(job.id.clone());
                tx_put(nodes, "data node", node_id.as_bytes(), &node)?;
            }
            tx_put(jobs, "job", job.id.as_bytes(), job)
        }))
    }

    /// Commits a finished job: its outputs' versions, memo entry and last run, its status, and
    /// the release of its output nodes, in one transaction (step 2 of the protocol).
    pub(crate) fn commit_job(&self, commit: &JobCommit<'_>) -> Result<Vec<Option<u64>>, StoreError> {
        let t = self.trees();
        finish((&t.nodes, &t.versions, &t.memo, &t.task_runs, &t.jobs).transaction(
            |(nodes, versions, memo, task_runs, jobs)| {
                let mut written = Vec::with_capacity(commit.outputs.len());
                for (node_id, stored) in commit.outputs {
                    written.push(write_version(
                        nodes,
                        versions,
                        node_id,
                        stored,
                        &commit.writer,
                        None,
                        true,
                    )?);
                }
                for node_id in commit.release {
                    let mut node = tx_node(nodes, node_id)?;
                    if node.busy_job.take().is_some() {
                        tx_put(nodes, "data node", node_id.as_bytes(), &node)?;
                    }
                }
                if let Some((key, entry)) = &commit.memo {
                    tx_put(memo, "memo entry", key, entry)?;
                }
                if let Some((key, run)) = &commit.task_run {
                    tx_put(task_runs, "task run", key, run)?;
                }
                tx_put(jobs, "job", commit.job.id.as_bytes(), commit.job)?;
                Ok(written)
            },
        ))
    }
}

/// Everything one job's commit writes.
pub(crate) struct JobCommit<'a> {
    pub(crate) job: &'a Job,
    /// Output node ids with their stored values (empty for a failed job).
    pub(crate) outputs: &'a [(String, Stored)],
    /// Nodes to release without writing (a failed job's outputs).
    pub(crate) release: &'a [String],
    pub(crate) writer: Writer,
    pub(crate) memo: Option<(Vec<u8>, MemoEntry)>,
    pub(crate) task_run: Option<(Vec<u8>, TaskRun)>,
}
