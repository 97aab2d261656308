//! The commit protocol: nothing half-written is ever visible.
//!
//! 1. A value's bytes are made durable first: inline values are part of the record; artifacts
//!    are written to a temporary file, fsynced and renamed into `artifacts/`
//!    ([`ArtifactWriter`](crate::value::ArtifactWriter)).
//! 2. Then everything a job produced — the new data-node versions, the memo entry, the task's
//!    last run and the job's final status — is staged as one *commit group* and applied to the
//!    database as one atomic sled batch. Either all of it is visible after a crash or none of it.
//!    (Every kind of record lives in one sled tree, under its own key prefix, so one batch can
//!    cover them all.)
//! 3. Records are not fsynced per job. Groups are applied in the order they were staged by the
//!    store's writer thread (group commit): while it writes one batch, the groups of jobs that
//!    finish meanwhile queue up and go together into the next, so a pipeline pays for one log
//!    write per batch, not per job, and no worker ever waits for the disk. A submission waits until its groups are
//!    applied and flushes the store before it reports completion. After a crash at most the
//!    last jobs run again, and a Completed job never lacks its outputs, because its status is in
//!    the same group as its outputs, after them.
//!
//! The process that holds the store's lock file is the only writer, so the current state of
//! every data node is kept in memory (`NodeState`) and is authoritative: version numbers are
//! assigned there, under the commit lock, before the group reaches the database. A node being
//! written by a running job is marked busy (in memory) and refuses other writes until the job
//! commits.
//!
//! Every write of a data node — by a job, a user, a scenario's defaults or a changed file —
//! goes through [`Store::stage_version`].

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::records::{MemoEntry, NodeRecord, TaskRun, Version, VersionRef, Writer, decode, encode, now_us};
use super::{Space, Store, StoreError};
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

/// A data node's state as of the last staged write: its record and its current version.
#[derive(Clone)]
pub(crate) struct NodeState {
    pub(crate) record: NodeRecord,
    pub(crate) current: Option<Version>,
}

/// Records staged together, applied as one atomic batch (`None`: remove the key).
#[derive(Default)]
pub(crate) struct Group {
    writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl Group {
    pub(crate) fn put<T: serde::Serialize>(
        &mut self,
        space: &Space,
        what: &'static str,
        key: &[u8],
        record: &T,
    ) -> Result<(), StoreError> {
        self.writes.push((space.key(key), Some(encode(what, record)?)));
        Ok(())
    }

    /// Stages the removal of a record.
    pub(crate) fn remove(&mut self, space: &Space, key: &[u8]) {
        self.writes.push((space.key(key), None));
    }
}

/// The queue of staged groups and how far the database has applied them.
#[derive(Default)]
struct Queue {
    groups: Vec<Group>,
    staged: u64,
    applied: u64,
    failure: Option<String>,
    shutdown: bool,
    /// The writer thread waits for work (so a new group must wake it).
    writer_idle: bool,
    /// Threads waiting for the queue to be applied (the writer must not linger).
    waiters: usize,
}

/// How long the writer lets groups accumulate before writing a batch, unless someone waits for
/// it: each batch costs sled a log write and a sync, whatever its size.
const LINGER: std::time::Duration = std::time::Duration::from_millis(1);

/// A batch this large is written at once.
const FULL_BATCH: usize = 512;

/// What the writer thread shares with the store.
struct Shared {
    queue: Mutex<Queue>,
    /// Wakes the writer thread: groups were queued, or the store closes.
    work: Condvar,
    /// Wakes waiters: a batch was applied.
    applied: Condvar,
}

/// The in-memory side of the commit protocol, and the writer thread.
pub(crate) struct Committer {
    /// Serializes staging: node states are read, changed and queued under it.
    nodes: Mutex<HashMap<String, NodeState>>,
    /// Data node id → the job writing it now.
    busy: Mutex<HashMap<String, String>>,
    shared: Arc<Shared>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Committer {
    /// Starts the writer thread, which applies queued groups to `entities`.
    pub(crate) fn start(entities: sled::Tree) -> Result<Self, std::io::Error> {
        let shared =
            Arc::new(Shared { queue: Mutex::default(), work: Condvar::new(), applied: Condvar::new() });
        let for_thread = Arc::clone(&shared);
        crate::fault::watch(&entities);
        let writer = std::thread::Builder::new()
            .name("taipy-commit".into())
            .spawn(move || write_batches(&for_thread, &entities))?;
        Ok(Self { nodes: Mutex::default(), busy: Mutex::default(), shared, writer: Mutex::new(Some(writer)) })
    }

    /// Applies what is queued, then stops the writer thread.
    pub(crate) fn shut_down(&self) {
        lock(&self.shared.queue).shutdown = true;
        self.shared.work.notify_all();
        if let Some(writer) = lock(&self.writer).take() {
            let _ = writer.join();
        }
    }
}

/// The writer thread: applies every queued group, in order, one batch per wake-up. After a
/// refused batch it applies nothing more: later groups could record versions whose earlier
/// numbers were lost, so the store stays read-only for this process.
fn write_batches(shared: &Shared, entities: &sled::Tree) {
    let mut queue = lock(&shared.queue);
    loop {
        while (queue.groups.is_empty() || queue.failure.is_some()) && !queue.shutdown {
            queue.writer_idle = true;
            queue = shared.work.wait(queue).unwrap_or_else(|p| p.into_inner());
            queue.writer_idle = false;
        }
        if queue.groups.is_empty() || queue.failure.is_some() {
            return; // shut down, nothing (more) to apply
        }
        if queue.waiters == 0 && !queue.shutdown && queue.groups.len() < FULL_BATCH {
            queue = shared.work.wait_timeout(queue, LINGER).unwrap_or_else(|p| p.into_inner()).0;
        }
        let groups = std::mem::take(&mut queue.groups);
        let upto = queue.staged;
        drop(queue);
        let mut batch = sled::Batch::default();
        for (key, value) in groups.into_iter().flat_map(|g| g.writes) {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        crate::fault::point("batch.before");
        let result = entities.apply_batch(batch);
        crate::fault::point("batch.after");
        queue = lock(&shared.queue);
        match result {
            Ok(()) => queue.applied = upto,
            Err(e) => queue.failure = Some(e.to_string()),
        }
        shared.applied.notify_all();
    }
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

/// Refuses a write by `editor` (anonymous: `None`) while someone else holds the node's edit
/// lock.
fn check_edit_lock(record: &NodeRecord, editor: Option<&str>) -> Result<(), StoreError> {
    match record.edit_lock.as_ref().filter(|l| l.blocks(editor, now_us())) {
        Some(held) => Err(StoreError::NodeLocked {
            node: record.config_id.clone(),
            owner: held.owner.clone(),
            expires_us: held.expires_us,
        }),
        None => Ok(()),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    fn committer(&self) -> &Committer {
        &self.inner.committer
    }

    /// The node's state, from memory or, the first time, from the database.
    fn load_state<'a>(
        &self,
        nodes: &'a mut HashMap<String, NodeState>,
        node_id: &str,
    ) -> Result<&'a mut NodeState, StoreError> {
        if !nodes.contains_key(node_id) {
            let trees = self.trees();
            let record: NodeRecord = self
                .get(&trees.nodes, "data node", node_id.as_bytes())?
                .ok_or_else(|| StoreError::NotFound { kind: "data node", id: node_id.to_owned() })?;
            let current = match record.current {
                Some(current) => {
                    let key = version_key(node_id, current.number);
                    let bytes = trees.versions.get(&key)?.ok_or_else(|| StoreError::NotFound {
                        kind: "version",
                        id: format!("{} #{}", record.config_id, current.number),
                    })?;
                    Some(decode("version", &key, &bytes)?)
                }
                None => None,
            };
            nodes.insert(node_id.to_owned(), NodeState { record, current });
        }
        Ok(nodes.get_mut(node_id).expect("just inserted"))
    }

    /// A node's record and current version as of the last staged write.
    pub(crate) fn node_state(&self, node_id: &str) -> Result<NodeState, StoreError> {
        let mut nodes = lock(&self.committer().nodes);
        self.load_state(&mut nodes, node_id).map(|state| state.clone())
    }

    /// Stages `stored` as the node's current value, unless it already is (same content hash:
    /// early cutoff, no new edit). Returns the new version number, if any.
    fn stage_version(
        &self,
        nodes: &mut HashMap<String, NodeState>,
        group: &mut Group,
        node_id: &str,
        stored: &Stored,
        writer: &Writer,
        comment: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        let state = self.load_state(nodes, node_id)?;
        // Early cutoff: the same content (and, for a file, the same path) is no new version.
        if state.current.as_ref().is_some_and(|c| c.stored == *stored) && comment.is_none() {
            return Ok(None);
        }
        let number = state.record.next_version + 1;
        let version = Version {
            number,
            hash: stored.hash,
            stored: stored.clone(),
            written_us: now_us(),
            writer: writer.clone(),
            comment: comment.map(str::to_owned),
        };
        let trees = self.trees();
        group.put(&trees.versions, "version", &version_key(node_id, number), &version)?;
        let mut record = state.record.clone();
        record.next_version = number;
        record.current = Some(VersionRef { number, hash: stored.hash });
        group.put(&trees.nodes, "data node", node_id.as_bytes(), &record)?;
        *state = NodeState { record, current: Some(version) };
        Ok(Some(number))
    }

    /// Creates a node with an optional first value, in `group`, unless a node with its id
    /// exists (a shared node): checked under the commit lock.
    pub(crate) fn stage_new_node(
        &self,
        group: &mut Group,
        record: NodeRecord,
        first: Option<(&Stored, Writer)>,
    ) -> Result<(), StoreError> {
        let mut nodes = lock(&self.committer().nodes);
        let id = record.id.clone();
        if nodes.contains_key(&id) || self.trees().nodes.contains_key(id.as_bytes())? {
            return Ok(());
        }
        group.put(&self.trees().nodes, "data node", id.as_bytes(), &record)?;
        nodes.insert(id.clone(), NodeState { record, current: None });
        if let Some((stored, writer)) = first {
            self.stage_version(&mut nodes, group, &id, stored, &writer, None)?;
        }
        Ok(())
    }

    /// Whether a node exists (staged or stored).
    pub(crate) fn node_exists(&self, node_id: &str) -> Result<bool, StoreError> {
        if lock(&self.committer().nodes).contains_key(node_id) {
            return Ok(true);
        }
        Ok(self.trees().nodes.contains_key(node_id.as_bytes())?)
    }

    /// A write of one node outside a job (a user, a changed file): refused while a running job
    /// holds the node. Queued; durable after [`Store::flush`].
    pub(crate) fn write_node(
        &self,
        node_id: &str,
        stored: &Stored,
        writer: Writer,
        comment: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        self.write_node_by(node_id, stored, writer, comment, None)
    }

    /// [`write_node`](Self::write_node) by `editor`: a user's write is also refused while
    /// someone else holds the node's edit lock (see `DataNode::lock_edit`).
    pub(crate) fn write_node_by(
        &self,
        node_id: &str,
        stored: &Stored,
        writer: Writer,
        comment: Option<&str>,
        editor: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        let written = {
            let mut nodes = lock(&self.committer().nodes);
            if let Some(job) = lock(&self.committer().busy).get(node_id) {
                let node = self.load_state(&mut nodes, node_id)?.record.config_id.clone();
                return Err(StoreError::NodeBusy { node, job: job.clone() });
            }
            if writer == Writer::User {
                check_edit_lock(&self.load_state(&mut nodes, node_id)?.record, editor)?;
            }
            let mut group = Group::default();
            let written = self.stage_version(&mut nodes, &mut group, node_id, stored, &writer, comment)?;
            self.enqueue(group);
            written
        };
        self.apply_queued()?;
        Ok(written)
    }

    /// Changes a node's record (its edit lock ...) with `change`, staged as one group under the
    /// node-state lock; `change` may refuse. Queued; durable after [`Store::flush`].
    pub(crate) fn update_node_record<R>(
        &self,
        node_id: &str,
        change: impl FnOnce(&mut NodeRecord) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let result = {
            let mut nodes = lock(&self.committer().nodes);
            let state = self.load_state(&mut nodes, node_id)?;
            let mut record = state.record.clone();
            let result = change(&mut record)?;
            let mut group = Group::default();
            group.put(&self.trees().nodes, "data node", node_id.as_bytes(), &record)?;
            state.record = record;
            self.enqueue(group);
            result
        };
        self.apply_queued()?;
        Ok(result)
    }

    /// Stages `group` together with the removal of the nodes `node_ids` and all their versions,
    /// as one commit group; refused (nothing staged) while a running job holds one of them.
    pub(crate) fn stage_with_node_removal(
        &self,
        mut group: Group,
        node_ids: &[String],
    ) -> Result<(), StoreError> {
        let mut nodes = lock(&self.committer().nodes);
        {
            let busy = lock(&self.committer().busy);
            if let Some((node, job)) = node_ids.iter().find_map(|id| busy.get(id).map(|job| (id, job))) {
                return Err(StoreError::NodeBusy { node: node.clone(), job: job.clone() });
            }
        }
        let trees = self.trees();
        for node_id in node_ids {
            let last = self.load_state(&mut nodes, node_id)?.record.next_version;
            for number in 1..=last {
                group.remove(&trees.versions, &version_key(node_id, number));
            }
            group.remove(&trees.nodes, node_id.as_bytes());
            nodes.remove(node_id);
        }
        self.enqueue(group);
        Ok(())
    }

    /// Refuses (with [`StoreError::NodeLocked`]) if someone holds the node's edit lock.
    pub(crate) fn check_unlocked(&self, node_id: &str) -> Result<(), StoreError> {
        let mut nodes = lock(&self.committer().nodes);
        check_edit_lock(&self.load_state(&mut nodes, node_id)?.record, None)
    }

    /// Records a job as Running and marks its output nodes as held by it; an error if another
    /// job holds one of them (two submissions of one scenario writing the same node).
    pub(crate) fn start_job(&self, job: &Job, outputs: &[String]) -> Result<(), StoreError> {
        {
            let mut busy = lock(&self.committer().busy);
            self.check_not_held(&busy, job, outputs)?;
            for node_id in outputs {
                busy.insert(node_id.clone(), job.id.clone());
            }
        }
        let mut group = Group::default();
        group.put(&self.trees().jobs, "job", job.id.as_bytes(), job)?;
        self.stage(group);
        crate::fault::point_after("job.running", || drop(self.apply_all()));
        Ok(())
    }

    /// Stages a finished job's commit group: its outputs' versions, memo entry and last run, and
    /// its status; then releases the nodes it held. The group reaches the database with the
    /// next [`apply_queued`](Self::apply_queued). Returns the new version number of each output
    /// (`None` where the content was unchanged).
    pub(crate) fn commit_job(&self, commit: &JobCommit<'_>) -> Result<Vec<Option<u64>>, StoreError> {
        let trees = self.trees();
        let outputs: Vec<String> = commit.outputs.iter().map(|(id, _)| id.clone()).collect();
        self.check_not_held(&lock(&self.committer().busy), commit.job, &outputs)?;
        let staged = {
            let mut nodes = lock(&self.committer().nodes);
            let mut group = Group::default();
            let staged: Result<Vec<Option<u64>>, StoreError> = (|| {
                let mut written = Vec::with_capacity(commit.outputs.len());
                // A job is "anyone else" for a user's edit lock. Checked for every output
                // before any is staged, so a refusal leaves the node states untouched.
                for (node_id, stored) in commit.outputs {
                    let state = self.load_state(&mut nodes, node_id)?;
                    if state.record.current.is_none_or(|c| c.hash != stored.hash) {
                        check_edit_lock(&state.record, None)?;
                    }
                }
                for (node_id, stored) in commit.outputs {
                    let number =
                        self.stage_version(&mut nodes, &mut group, node_id, stored, &commit.writer, None)?;
                    written.push(number);
                }
                if let Some((key, entry)) = &commit.memo {
                    group.put(&trees.memo, "memo entry", key, entry)?;
                }
                if let Some((key, run)) = &commit.task_run {
                    group.put(&trees.task_runs, "task run", key, run)?;
                }
                group.put(&trees.jobs, "job", commit.job.id.as_bytes(), commit.job)?;
                Ok(written)
            })();
            if staged.is_ok() {
                self.enqueue(group);
                crate::fault::point("job.staged");
            }
            staged
        };
        let mut busy = lock(&self.committer().busy);
        for node_id in commit.release.iter().chain(commit.outputs.iter().map(|(id, _)| id)) {
            if busy.get(node_id) == Some(&commit.job.id) {
                busy.remove(node_id);
            }
        }
        staged
    }

    fn check_not_held(
        &self,
        busy: &HashMap<String, String>,
        job: &Job,
        outputs: &[String],
    ) -> Result<(), StoreError> {
        for node_id in outputs {
            if let Some(holder) = busy.get(node_id).filter(|holder| **holder != job.id) {
                let node = self.node_state(node_id).map_or_else(|_| node_id.clone(), |s| s.record.config_id);
                return Err(StoreError::NodeBusy { node, job: holder.clone() });
            }
        }
        Ok(())
    }

    /// Queues a group of records that involves no node state.
    pub(crate) fn stage(&self, group: Group) {
        let _nodes = lock(&self.committer().nodes);
        self.enqueue(group);
    }

    /// Queues a group for the writer thread; the caller holds the node-state lock, so groups
    /// queue in staging order.
    fn enqueue(&self, group: Group) {
        let shared = &self.committer().shared;
        let mut queue = lock(&shared.queue);
        queue.groups.push(group);
        queue.staged += 1;
        if queue.writer_idle {
            // Only a waiting writer needs waking; a busy one takes the group with its next batch.
            queue.writer_idle = false;
            shared.work.notify_one();
        }
    }

    /// Reports a batch the database refused (the writer thread applies queued groups by
    /// itself).
    pub(crate) fn apply_queued(&self) -> Result<(), StoreError> {
        match &lock(&self.committer().shared.queue).failure {
            Some(failure) => Err(StoreError::CommitFailed { reason: failure.clone() }),
            None => Ok(()),
        }
    }

    /// Waits until every group staged so far is applied.
    pub(crate) fn apply_all(&self) -> Result<(), StoreError> {
        let shared = &self.committer().shared;
        let mut queue = lock(&shared.queue);
        let target = queue.staged;
        if queue.applied < target {
            queue.waiters += 1;
            shared.work.notify_one(); // cut the writer's linger short
            while queue.applied < target && queue.failure.is_none() {
                queue = shared.applied.wait(queue).unwrap_or_else(|p| p.into_inner());
            }
            queue.waiters -= 1;
        }
        match &queue.failure {
            Some(failure) => Err(StoreError::CommitFailed { reason: failure.clone() }),
            None => Ok(()),
        }
    }
}
