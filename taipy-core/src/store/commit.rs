//! The commit protocol: nothing half-written is ever visible.
//!
//! 1. A value's bytes are made durable first: inline values are part of the record; artifacts
//!    are written to a temporary file, fsynced and renamed into `artifacts/`
//!    ([`ArtifactWriter`](crate::value::ArtifactWriter)).
//! 2. Then one atomic sled batch records everything a job produced: the new data-node
//!    versions, the memo entry, the task's last run, and the job's final status. Either all of
//!    it is visible or none of it. (Every kind of record lives in one sled tree, under its own
//!    key prefix, so one batch can cover them all.)
//! 3. Records are not fsynced per job (sled keeps them in order); a submission flushes the store
//!    when it finishes. After a crash at most the last jobs run again, and a Completed job never
//!    lacks its outputs, because its status is committed with them, after them.
//!
//! A commit reads a node's record (its current version and version counter) and writes it
//! back, so commits are serialized by the store's commit lock; the store's lock file guarantees
//! no other process writes meanwhile. A node being written by a running job is marked busy (in
//! memory) and refuses users' writes until the job commits.
//!
//! Every write of a data node, by a job, a user or scenario creation, goes through
//! [`stage_version`].

use std::sync::MutexGuard;

use super::records::{MemoEntry, NodeRecord, TaskRun, Version, VersionRef, Writer, encode, now_us};
use super::{Store, StoreError};
use crate::orchestrator::job::Job;
use crate::value::Stored;

/// The key of a version: the node id, a zero byte, the version number big-endian (so a node's
/// versions are contiguous and in order).
pub(crate) fn version_key(node_id: &str, number: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(node_id.len() + 9);
    key.extend_from_slice(node_id.as_bytes());
    key.push(0);
    key.extend_from_slice(&number.to_be_bytes());
    key
}

/// Everything one job's commit writes.
pub(crate) struct JobCommit<'a> {
    pub(crate) job: &'a Job,
    /// Output node ids with their stored values (empty for a failed job).
    pub(crate) outputs: &'a [(String, Stored)],
    /// Nodes the job held, to release.
    pub(crate) release: &'a [String],
    pub(crate) writer: Writer,
    pub(crate) memo: Option<(Vec<u8>, MemoEntry)>,
    pub(crate) task_run: Option<(Vec<u8>, TaskRun)>,
}

impl Store {
    fn lock_commits(&self) -> MutexGuard<'_, ()> {
        self.inner.commit_lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stages `stored` as the node's current value, unless it already is (same content hash:
    /// early cutoff, no new edit). Returns the new version number, if any. The caller holds the
    /// commit lock and applies the batch.
    fn stage_version(
        &self,
        batch: &mut sled::Batch,
        node_id: &str,
        stored: &Stored,
        writer: &Writer,
        comment: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        let trees = self.trees();
        let mut node: NodeRecord = self
            .get(&trees.nodes, "data node", node_id.as_bytes())?
            .ok_or_else(|| StoreError::NotFound { kind: "data node", id: node_id.to_owned() })?;
        if node.current.is_some_and(|c| c.hash == stored.hash) && comment.is_none() {
            return Ok(None);
        }
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
        trees.versions.stage(batch, &version_key(node_id, number), encode("version", &version)?);
        node.current = Some(VersionRef { number, hash: stored.hash });
        trees.nodes.stage(batch, node_id.as_bytes(), encode("data node", &node)?);
        Ok(Some(number))
    }

    /// A write of one node outside a job (a user, a scenario's defaults, a changed file):
    /// refused while a running job holds the node.
    pub(crate) fn write_node(
        &self,
        node_id: &str,
        stored: &Stored,
        writer: Writer,
        comment: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        let _guard = self.lock_commits();
        if let Some(job) = self.inner.busy.lock().unwrap_or_else(|p| p.into_inner()).get(node_id) {
            let node = self
                .get::<NodeRecord>(&self.trees().nodes, "data node", node_id.as_bytes())?
                .map_or_else(|| node_id.to_owned(), |n| n.config_id);
            return Err(StoreError::NodeBusy { node, job: job.clone() });
        }
        let mut batch = sled::Batch::default();
        let written = self.stage_version(&mut batch, node_id, stored, &writer, comment)?;
        self.trees().entities.apply_batch(batch)?;
        Ok(written)
    }

    /// Records a job as Running and marks its output nodes as held by it.
    pub(crate) fn start_job(&self, job: &Job, outputs: &[String]) -> Result<(), StoreError> {
        {
            let mut busy = self.inner.busy.lock().unwrap_or_else(|p| p.into_inner());
            for node_id in outputs {
                busy.insert(node_id.clone(), job.id.clone());
            }
        }
        self.put(&self.trees().jobs, "job", job.id.as_bytes(), job)
    }

    /// Commits a finished job: its outputs' versions, memo entry and last run, and its status,
    /// in one atomic batch (step 2 of the protocol); then releases the nodes it held. Returns
    /// the new version number of each output (`None` where the content was unchanged).
    pub(crate) fn commit_job(&self, commit: &JobCommit<'_>) -> Result<Vec<Option<u64>>, StoreError> {
        let trees = self.trees();
        let result = {
            let _guard = self.lock_commits();
            let mut batch = sled::Batch::default();
            let staged: Result<Vec<Option<u64>>, StoreError> = (|| {
                let mut written = Vec::with_capacity(commit.outputs.len());
                for (node_id, stored) in commit.outputs {
                    written.push(self.stage_version(&mut batch, node_id, stored, &commit.writer, None)?);
                }
                if let Some((key, entry)) = &commit.memo {
                    trees.memo.stage(&mut batch, key, encode("memo entry", entry)?);
                }
                if let Some((key, run)) = &commit.task_run {
                    trees.task_runs.stage(&mut batch, key, encode("task run", run)?);
                }
                trees.jobs.stage(&mut batch, commit.job.id.as_bytes(), encode("job", commit.job)?);
                Ok(written)
            })();
            staged.and_then(|written| {
                trees.entities.apply_batch(batch)?;
                Ok(written)
            })
        };
        let mut busy = self.inner.busy.lock().unwrap_or_else(|p| p.into_inner());
        for node_id in commit.release.iter().chain(commit.outputs.iter().map(|(id, _)| id)) {
            if busy.get(node_id) == Some(&commit.job.id) {
                busy.remove(node_id);
            }
        }
        result
    }
}
