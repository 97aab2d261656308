//! The commit protocol: nothing half-written is ever visible.
//!
//! 1. A value's bytes are made durable first: inline values are part of the record; artifacts
//!    are written to a temporary file, fsynced and renamed into `artifacts/` (`artifacts/`).
//! 2. Then everything a job produced — the new data-node versions, the memo entry and the
//!    job's final status — is staged as one commit [`Group`] and applied to the catalog as one
//!    atomic commit. Either all of it is visible after a crash or none of it. (The task's last
//!    run, which explains decisions but never makes one, is written with the others of its
//!    submission at the submission's end: `runs.rs`.)
//! 3. Records are not fsynced per job. Groups are applied in the order they were staged by the
//!    store's writer thread (group commit): while it writes one batch, the groups of jobs that
//!    finish meanwhile queue up and go together into the next, so a pipeline pays for one log
//!    write per batch, not per job, and no worker waits for the disk. A submission waits until
//!    its groups are applied and flushes the store before it reports completion. After a crash
//!    at most the last jobs run again, and a Completed job never lacks its outputs, because its
//!    status is in the same group as its outputs, after them.
//!
//! The process that holds the store's lock file is the only writer, so the current state of
//! every data node is kept in memory ([`NodeState`]) and is authoritative: version numbers are
//! assigned there, under the table lock, before the group reaches the catalog. A node being
//! written by a running job is marked busy (in memory) and refuses other writes until the job
//! commits.
//!
//! # A shared catalog (PostgreSQL)
//!
//! When other processes write the catalog too ([`Catalog::shared`]), none of that holds, and
//! the protocol changes in three ways:
//!
//! - **Nothing cached is authoritative.** Each operation on node states starts from an empty
//!   table (`fresh_table`) and reads the nodes it touches from the catalog, keeping the bytes
//!   it read ([`NodeState::read_as`]). The memo and versions are read from the catalog too, so
//!   a result another process committed is skipped here.
//! - **Every write of a node is checked.** The group carries a check that the node's record
//!   still holds the bytes the write was based on and that the version number after the one
//!   it was based on is still free: for a job, as they were when it started (`start_job`
//!   records them as the job's *bases*), so that two processes running the same task on one
//!   node cannot both commit; for a user's write, as it just read them; for a new node, that
//!   there is no record. The catalog verifies the checks in the transaction that
//!   writes the group. A failed check refuses the group whole and becomes
//!   [`StoreError::Conflict`], naming the node, the version the write was based on and the one
//!   found; the next operation reads the node again.
//! - **Groups are applied at once, by the thread that stages them** (`apply_now`), not by the
//!   writer thread: so a commit's error reaches its caller. A job's commit error fails the job
//!   with that error through the orchestrator's usual failure path (its status, with the
//!   error, is then committed alone, with no check). A group staged with [`Store::stage`] that
//!   fails is reported once by the next [`Store::apply_queued`] or [`Store::apply_all`], and
//!   does not make the store read-only. Each commit is one transaction, durable when it
//!   returns: the group commit of the embedded store (one log write per batch) does not apply.
//!   Busy marks stay in memory: they keep two jobs of this process off one node; the checks
//!   keep other processes' off.
//!
//! # Locks
//!
//! The store's locks, always taken in this order (a thread holding one never waits for an
//! earlier one):
//!
//! 1. `records` — serializes read-modify-writes of scenario and cycle records (`Store::serial`);
//! 2. `gate` — a read-write lock: held shared from writing a value's artifact until its version
//!    is staged (and while a job decides on its inputs), exclusively by garbage collection while
//!    it decides, so GC never sees an artifact without the version that references it (`gc.rs`);
//! 3. `table` — the node states and the busy marks, one mutex;
//! 4. `queue` — the groups waiting for the writer thread.
//!
//! Leaf locks, under which nothing else is taken: the artifact pins (`gc.rs`), the files marked
//! for deletion (`artifacts/local.rs`: a rename into place and a deletion happen under it;
//! `artifacts/object.rs`: a put takes its mark off under it, a deletion request is made under it), the
//! list of unreadable records, the event subscribers, the memo filter (`memo_keys.rs`; not held
//! while its first lookup lists the catalog's keys, which waits for the writer thread to apply
//! the queue under the shared `gate`: the writer takes no lock but `queue`; a decision reading
//! a file output's versions, `Store::hash_before_edits`, waits so too). No lock is held while
//! user code (a task, a value's `store`, an event callback) runs, except `gate` around a value's
//! `store`.

use foldhash::{HashMap, HashMapExt};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::catalog::{Catalog, Group, Mismatch, Write};
use super::keys::{self, Space};
use super::records::{LayoutRecord, MemoEntry, NodeRecord, Version, VersionRef, Writer, decode, now_us};
use super::{Store, StoreError};
use crate::fingerprint::Fingerprint;
use crate::job::Job;
use crate::value::Stored;

/// A data node's state as of the last staged write: its record and its current version.
#[derive(Clone)]
pub(crate) struct NodeState {
    pub(crate) record: NodeRecord,
    pub(crate) current: Option<Version>,
    /// In a shared store, the record's bytes as read from the catalog (`None`: not there):
    /// what a write of the node checks it still finds.
    pub(crate) read_as: Option<Vec<u8>>,
    /// Whether its record is stored (or staged); a node never written has none (`nodes.rs`),
    /// and its first write stages it.
    pub(crate) recorded: bool,
}

/// The owner entries of scenarios looked up so far (`nodes.rs`), by scenario number: the
/// scenario id, config id and config version (`None`: no scenario of that number). Here rather
/// than in `nodes.rs`, which imports this file: [`Store::preload_node_states`] shares one among
/// the nodes it reads.
pub(crate) type Owners = HashMap<String, Option<(String, String, Fingerprint)>>;

/// The in-memory table of node states and busy marks (one lock: see the module doc).
#[derive(Default)]
struct Table {
    states: HashMap<String, NodeState>,
    /// Data node id → the job writing it now, and the node's config id (for messages).
    busy: HashMap<String, (String, String)>,
    /// The layouts whose readable record this handle has staged (written once, not with every
    /// version).
    layouts: foldhash::HashSet<Fingerprint>,
    /// In a shared store: data node id → its record's bytes and its newest version number when
    /// the job holding it started, what the job's commit checks (see the module doc).
    bases: HashMap<String, (Option<Vec<u8>>, u64)>,
}

/// The queue of staged groups and how far the catalog has applied them.
#[derive(Default)]
struct Queue {
    groups: Vec<Group>,
    staged: u64,
    applied: u64,
    failure: Option<String>,
    /// In a shared store: the error of a group [`Store::stage`] applied, for the next
    /// [`Store::apply_queued`] or [`Store::apply_all`] to return (once).
    pending: Option<StoreError>,
    shutdown: bool,
    /// The writer thread waits for work (so a new group must wake it).
    writer_idle: bool,
    /// Threads waiting for the queue to be applied (the writer must not linger).
    waiters: usize,
}

/// How long the writer lets groups accumulate before writing a batch, unless someone waits for
/// it: each batch costs the catalog a log write, whatever its size.
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
    table: Mutex<Table>,
    /// Whether other processes write the catalog too ([`Catalog::shared`]): then groups are
    /// applied at once, with checks, by the thread that stages them.
    shared: bool,
    /// How many node states the table keeps between flushes (`StoreOptions::node_cache`).
    node_cache: usize,
    shared_queue: Arc<Shared>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Committer {
    /// Starts the writer thread, which applies queued groups to `catalog`.
    pub(crate) fn start(catalog: Arc<dyn Catalog>, node_cache: usize) -> Result<Self, std::io::Error> {
        let shared =
            Arc::new(Shared { queue: Mutex::default(), work: Condvar::new(), applied: Condvar::new() });
        let for_thread = Arc::clone(&shared);
        let weak = Arc::downgrade(&catalog);
        let is_shared = catalog.shared();
        crate::fault::watch(move || {
            if let Some(catalog) = weak.upgrade() {
                let _ = catalog.flush();
            }
        });
        let writer = std::thread::Builder::new()
            .name("taipy-commit".into())
            .spawn(move || write_batches(&for_thread, &*catalog))?;
        Ok(Self {
            table: Mutex::default(),
            shared: is_shared,
            node_cache,
            shared_queue: shared,
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Applies what is queued, then stops the writer thread.
    pub(crate) fn shut_down(&self) {
        lock(&self.shared_queue.queue).shutdown = true;
        self.shared_queue.work.notify_all();
        if let Some(writer) = lock(&self.writer).take() {
            let _ = writer.join();
        }
    }
}

/// The writer thread: applies every queued group, in order, one catalog commit per wake-up.
/// After a refused commit it applies nothing more: later groups could record versions whose
/// earlier numbers were lost, so the store stays read-only for this process.
fn write_batches(shared: &Shared, catalog: &dyn Catalog) {
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
        let count = groups.len();
        let writes = without_superseded(groups.into_iter().flat_map(|g| g.writes).collect());
        // Counted only for a subscriber that wants them.
        let bytes = tracing::enabled!(tracing::Level::TRACE).then(|| super::catalog::bytes(&writes));
        let records = writes.len();
        crate::fault::point("batch.before");
        let result = catalog.commit(writes);
        crate::fault::point("batch.after");
        queue = lock(&shared.queue);
        match result {
            Ok(()) => {
                tracing::trace!(groups = count, records, bytes, "batch written");
                queue.applied = upto;
            }
            Err(e) => {
                tracing::error!(groups = count, records, error = %e, "batch refused; the store is read-only");
                queue.failure = Some(e.to_string());
            }
        }
        shared.applied.notify_all();
    }
}

/// A batch's writes without those a later write of the same batch replaces (the same space and
/// key), in their order. A batch is applied as one atomic commit, so a replaced write is never
/// visible to anyone: a job's Running record and its final status, staged a few microseconds
/// apart, usually land in one batch, and only the final one is written.
fn without_superseded(writes: Vec<Write>) -> Vec<Write> {
    let mut seen = std::collections::HashSet::with_capacity(writes.len());
    let keep: Vec<bool> = writes.iter().rev().map(|w| seen.insert((w.space, w.key.as_slice()))).collect();
    drop(seen);
    if keep.iter().all(|&k| k) {
        return writes;
    }
    writes.into_iter().zip(keep.into_iter().rev()).filter_map(|(w, keep)| keep.then_some(w)).collect()
}

/// Everything one job's commit writes.
pub(crate) struct JobCommit<'a> {
    pub(crate) job: &'a Job,
    /// Output node ids with their stored values (empty for a failed job).
    pub(crate) outputs: &'a [(String, Stored)],
    /// Nodes the job held, to release.
    pub(crate) release: &'a [String],
    pub(crate) writer: Writer,
    pub(crate) memo: Option<(Fingerprint, MemoEntry)>,
    /// A skipped job: if the commit would write nothing but the job's record (every output is
    /// already current, no memo entry), it stages nothing and the job's record is left to its
    /// submission's end (`skipped.rs`).
    pub(crate) deferrable: bool,
}

/// What [`Store::commit_job`] staged.
pub(crate) struct Committed {
    /// Nothing of the job's own: a [`JobCommit::deferrable`] job whose commit changed nothing.
    pub(crate) deferred: bool,
}

/// A node given a new type by a new config version, and its new value, if any.
pub(crate) struct Retype {
    pub(crate) node_id: String,
    pub(crate) type_name: String,
    pub(crate) value: Option<(Stored, Writer)>,
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

/// Refuses if a job other than `job` holds one of `outputs`.
fn check_not_held<'a>(
    table: &Table,
    job: &str,
    outputs: impl IntoIterator<Item = &'a String>,
) -> Result<(), StoreError> {
    for node_id in outputs {
        if let Some((holder, node)) = table.busy.get(node_id).filter(|(holder, _)| holder != job) {
            return Err(StoreError::NodeBusy { node: node.clone(), job: holder.clone() });
        }
    }
    Ok(())
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    fn committer(&self) -> &Committer {
        &self.inner.committer
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        lock(&self.committer().table)
    }

    /// The error for a failed check on a node: its record changed (an edit lock, a new type),
    /// or the version number the write was based on is taken. Names the node and the versions
    /// on both sides, as the catalog holds them now.
    fn conflict(&self, mismatch: &Mismatch) -> StoreError {
        let key = &mismatch.check.key;
        let (node_id, based_on) = match mismatch.check.space {
            Space::Versions => match keys::parse_version(&keys::versions_of("").key(key.clone())) {
                Some((node_id, number)) => (node_id, number.saturating_sub(1)),
                None => (keys::display(key), 0),
            },
            _ => {
                let based: Option<NodeRecord> =
                    mismatch.check.expected.as_ref().and_then(|b| decode(Space::Nodes.what(), key, b).ok());
                (
                    String::from_utf8_lossy(key).into_owned(),
                    based.and_then(|r| r.current).map_or(0, |c| c.number),
                )
            }
        };
        // Best effort: the error is about the conflict, not about reading these.
        let found =
            self.inner.catalog.last(Space::Versions, keys::versions_of(&node_id).bytes()).ok().flatten();
        let found =
            found.and_then(|(k, _)| keys::parse_version(&keys::versions_of("").key(k))).map_or(0, |(_, n)| n);
        let recorded = self.inner.catalog.get(Space::Nodes, keys::node(&node_id).bytes()).ok().flatten();
        let record = match recorded.and_then(|b| decode::<NodeRecord>(Space::Nodes.what(), key, &b).ok()) {
            Some(record) => Some(record),
            None => self.unwritten_node(&node_id).ok().flatten(),
        };
        let node = record.map_or(node_id, |r| r.config_id);
        StoreError::Conflict { node, based_on, found }
    }

    /// The table, for an operation on node states: in a shared store, emptied of the states
    /// read before, so that the operation reads the nodes it touches from the catalog.
    fn fresh_table(&self) -> MutexGuard<'_, Table> {
        let mut table = self.table();
        if self.committer().shared {
            table.states.clear();
        }
        table
    }

    /// The node's state, from memory or, the first time, from the catalog (see
    /// [`read_state`](Self::read_state)).
    fn load_state<'a>(&self, table: &'a mut Table, node_id: &str) -> Result<&'a mut NodeState, StoreError> {
        if !table.states.contains_key(node_id) {
            let state = self.read_state(node_id)?;
            table.states.insert(node_id.to_owned(), state);
        }
        Ok(table.states.get_mut(node_id).expect("just inserted"))
    }

    /// The node's state as the catalog holds it: its record (a node without one: the record
    /// its scenario gives it, see `nodes.rs`) and its newest version, which is the current one
    /// when it is newer than the record (format 7: a version is written without its node's
    /// record, whose `current` and `next_version` are as of the record's own last write).
    fn read_state(&self, node_id: &str) -> Result<NodeState, StoreError> {
        self.read_state_in(node_id, &mut Owners::new())
    }

    /// [`read_state`](Self::read_state), looking the owner of an unwritten node up in `owners`
    /// first (see `nodes.rs`).
    fn read_state_in(&self, node_id: &str, owners: &mut Owners) -> Result<NodeState, StoreError> {
        let key = keys::node(node_id);
        let (mut record, read_as, recorded) = match self.inner.catalog.get(Space::Nodes, key.bytes())? {
            Some(bytes) => {
                self.count_records(1);
                let record: NodeRecord = decode(Space::Nodes.what(), key.bytes(), &bytes)?;
                (record, self.committer().shared.then_some(bytes), true)
            }
            // In a shared store, its first write checks that it is still unrecorded.
            None => (
                self.unwritten_node_in(node_id, owners)?
                    .ok_or_else(|| StoreError::NotFound { kind: "data node", id: node_id.to_owned() })?,
                None,
                false,
            ),
        };
        let mut current = None;
        if let Some((key, bytes)) =
            self.inner.catalog.last(Space::Versions, keys::versions_of(node_id).bytes())?
        {
            self.count_records(1);
            let newest: Version = decode(Space::Versions.what(), &key, &bytes)?;
            if newest.number > record.next_version {
                record.next_version = newest.number;
                record.current = Some(VersionRef { number: newest.number, hash: newest.hash });
                current = Some(newest);
            } else if record.current.is_some_and(|c| c.number == newest.number) {
                current = Some(newest);
            }
        }
        if let (None, Some(wanted)) = (&current, record.current) {
            current = Some(self.read(&keys::version(node_id, wanted.number))?.ok_or_else(|| {
                StoreError::NotFound {
                    kind: "version",
                    id: format!("{} #{}", record.config_id, wanted.number),
                }
            })?);
        }
        Ok(NodeState { record, current, read_as, recorded })
    }

    /// Reads the states of those of `node_ids` not in memory yet, together: a submission's
    /// nodes when it starts, so that its jobs find them in memory and the nodes of one scenario
    /// that were never written share one owner lookup instead of one each. A node that cannot
    /// be read is left for the operation that needs it (which reports the error). Nothing to do
    /// in a shared store, whose operations read afresh.
    pub(crate) fn preload_node_states<'a>(&self, node_ids: impl IntoIterator<Item = &'a str>) {
        if self.committer().shared {
            return;
        }
        let mut table = self.table();
        let mut owners = Owners::new();
        for node_id in node_ids {
            if !table.states.contains_key(node_id)
                && let Ok(state) = self.read_state_in(node_id, &mut owners)
            {
                table.states.insert(node_id.to_owned(), state);
            }
        }
    }

    /// A node's record and current version as of the last staged write.
    pub(crate) fn node_state(&self, node_id: &str) -> Result<NodeState, StoreError> {
        let mut table = self.fresh_table();
        self.load_state(&mut table, node_id).map(|state| state.clone())
    }

    /// The node's current version, as [`node_state`](Self::node_state) has it, without copying
    /// the rest of its state (the orchestrator asks for it once per input and output of a job).
    pub(crate) fn current_version(&self, node_id: &str) -> Result<Option<Version>, StoreError> {
        self.with_current_version(node_id, |current| current.cloned())
    }

    /// What `f` makes of the node's current version, lent without a copy.
    pub(crate) fn with_current_version<R>(
        &self,
        node_id: &str,
        f: impl FnOnce(Option<&Version>) -> R,
    ) -> Result<R, StoreError> {
        let mut table = self.fresh_table();
        self.load_state(&mut table, node_id).map(|state| f(state.current.as_ref()))
    }

    /// Stages `stored` as the node's current value, unless it already is (same content hash:
    /// early cutoff, no new edit). Returns the new version number, if any.
    fn stage_version(
        &self,
        table: &mut Table,
        group: &mut Group,
        node_id: &str,
        stored: &Stored,
        writer: &Writer,
        comment: Option<&str>,
    ) -> Result<Option<u64>, StoreError> {
        // The readable form of its layout, once, for messages about it once the type has changed.
        if let Some(layout) = stored.layout.filter(|l| !table.layouts.contains(l))
            && let Some(text) = crate::value::layout_text(&layout)
        {
            group.put(&keys::layout(&layout), &LayoutRecord { text: text.to_owned() })?;
            table.layouts.insert(layout);
        }
        let base = table.bases.get(node_id).cloned();
        let state = self.load_state(table, node_id)?;
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
        if self.committer().shared {
            // Written only if the node's record is still as this write found it (or as its
            // job did: no lock taken since), and no one took the version number this write
            // was based on.
            let (record_as, based_on) =
                base.unwrap_or_else(|| (state.read_as.clone(), state.record.next_version));
            group.check(Space::Nodes, keys::node(node_id).bytes(), record_as);
            group.check(Space::Versions, keys::version(node_id, based_on + 1).bytes(), None);
        }
        // The version alone: the node's record is not rewritten (see `read_state`).
        group.put(&keys::version(node_id, number), &version)?;
        state.record.next_version = number;
        state.record.current = Some(VersionRef { number, hash: stored.hash });
        state.current = Some(version);
        Ok(Some(number))
    }

    /// Queues `group`, a scenario's, and puts in the table, under the same lock, the states of
    /// `unwritten`, a new scenario's own nodes without a first value (none for a scenario
    /// opened): no record, no version (their ids
    /// end with a scenario number new to the store: `nodes.rs`). Its first submission then reads
    /// none of them, where reading each took a catalog read and a reverse scan (on sled ~8 µs a
    /// node, a sixth of a first run's time per job). Under one lock, no other thread can see
    /// the scenario before its nodes' states are there (a write or a deletion made meanwhile
    /// would be overwritten by them). Only as many as the table has room for
    /// ([`StoreOptions::node_cache`](crate::StoreOptions::node_cache)); none in a shared store,
    /// whose operations read afresh.
    pub(crate) fn stage_with_unwritten(&self, group: Group, unwritten: Vec<NodeRecord>) {
        // Under the table lock, so groups queue in staging order.
        let mut table = self.table();
        if let Err(e) = self.enqueue(group) {
            // Only a shared store applies (and so fails) here.
            lock(&self.committer().shared_queue.queue).pending = Some(e);
            return;
        }
        if unwritten.is_empty() || self.committer().shared {
            return;
        }
        let room = self.committer().node_cache.saturating_sub(table.states.len());
        for record in unwritten.into_iter().take(room) {
            let state = NodeState { record, current: None, read_as: None, recorded: false };
            table.states.entry(state.record.id.clone()).or_insert(state);
        }
    }

    /// Creates a node with an optional first value, in `group`, unless a node with its id
    /// has a record (a shared node): checked under the table lock.
    pub(crate) fn stage_new_node(
        &self,
        group: &mut Group,
        record: NodeRecord,
        first: Option<(&Stored, Writer)>,
    ) -> Result<(), StoreError> {
        let mut table = self.fresh_table();
        let id = record.id.clone();
        let recorded = match table.states.get(&id) {
            Some(state) => state.recorded,
            None => self.exists(&keys::node(&id))?,
        };
        if recorded {
            return Ok(());
        }
        if self.committer().shared {
            group.check(Space::Nodes, keys::node(&id).bytes(), None); // created once
        }
        group.put(&keys::node(&id), &record)?;
        table.states.insert(id.clone(), NodeState { record, current: None, read_as: None, recorded: true });
        if let Some((stored, writer)) = first {
            self.stage_version(&mut table, group, &id, stored, &writer, None)?;
        }
        Ok(())
    }

    /// Whether a node exists (staged or stored).
    pub(crate) fn node_exists(&self, node_id: &str) -> Result<bool, StoreError> {
        if self.fresh_table().states.contains_key(node_id) {
            return Ok(true);
        }
        self.exists(&keys::node(node_id))
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
            let mut table = self.fresh_table();
            if let Some((job, node)) = table.busy.get(node_id) {
                return Err(StoreError::NodeBusy { node: node.clone(), job: job.clone() });
            }
            if writer == Writer::User {
                check_edit_lock(&self.load_state(&mut table, node_id)?.record, editor)?;
            }
            let mut group = Group::default();
            let written = self.stage_version(&mut table, &mut group, node_id, stored, &writer, comment)?;
            self.enqueue(group)?;
            written
        };
        self.apply_queued()?;
        Ok(written)
    }

    /// Changes a node's record (its edit lock ...) with `change`, staged as one group under the
    /// table lock; `change` may refuse. Queued; durable after [`Store::flush`].
    pub(crate) fn update_node_record<R>(
        &self,
        node_id: &str,
        change: impl FnOnce(&mut NodeRecord) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let result = {
            let mut table = self.fresh_table();
            let state = self.load_state(&mut table, node_id)?;
            let mut record = state.record.clone();
            let result = change(&mut record)?;
            let mut group = Group::default();
            if self.committer().shared {
                group.check(Space::Nodes, keys::node(node_id).bytes(), state.read_as.clone());
            }
            group.put(&keys::node(node_id), &record)?;
            state.record = record;
            state.recorded = true;
            self.enqueue(group)?;
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
        let mut table = self.fresh_table();
        if let Some((job, node)) = node_ids.iter().find_map(|id| table.busy.get(id)) {
            return Err(StoreError::NodeBusy { node: node.clone(), job: job.clone() });
        }
        for node_id in node_ids {
            let state = self.load_state(&mut table, node_id)?;
            for number in 1..=state.record.next_version {
                group.remove(&keys::version(node_id, number));
            }
            if state.recorded {
                group.remove(&keys::node(node_id));
            }
            table.states.remove(node_id);
        }
        self.enqueue(group)
    }

    /// Stages `group` with nodes given a new type (a new config version): each loses its current
    /// value (its history stays, guarded by the layout check) and gets `value`, if any, as its
    /// new current version; one commit group, refused (nothing staged) while a running job holds
    /// one of them. Durable after [`Store::flush`].
    pub(crate) fn stage_retypes(&self, mut group: Group, retypes: &[Retype]) -> Result<(), StoreError> {
        let mut table = self.fresh_table();
        if let Some((job, node)) = retypes.iter().find_map(|r| table.busy.get(&r.node_id)) {
            return Err(StoreError::NodeBusy { node: node.clone(), job: job.clone() });
        }
        for retype in retypes {
            let state = self.load_state(&mut table, &retype.node_id)?;
            if self.committer().shared {
                group.check(Space::Nodes, keys::node(&retype.node_id).bytes(), state.read_as.clone());
            }
            state.record.type_name = retype.type_name.clone();
            state.record.current = None;
            state.current = None;
            state.recorded = true;
            group.put(&keys::node(&retype.node_id), &state.record)?;
            if let Some((stored, writer)) = &retype.value {
                self.stage_version(&mut table, &mut group, &retype.node_id, stored, writer, None)?;
            }
        }
        self.enqueue(group)?;
        drop(table);
        self.apply_queued()
    }

    /// Stages the removal of old versions (never a node's current one), for garbage collection.
    pub(crate) fn stage_version_removal(&self, versions: &[(String, u64)]) -> Result<(), StoreError> {
        debug_assert!(!self.committer().shared, "collection is refused on a shared store");
        let table = self.table();
        let mut group = Group::default();
        for (node_id, number) in versions {
            let current = table.states.get(node_id).and_then(|s| s.current.as_ref()).map(|c| c.number);
            if current != Some(*number) {
                group.remove(&keys::version(node_id, *number));
            }
        }
        self.enqueue(group)
    }

    /// Refuses (with [`StoreError::NodeLocked`]) if someone holds the node's edit lock.
    pub(crate) fn check_unlocked(&self, node_id: &str) -> Result<(), StoreError> {
        let mut table = self.fresh_table();
        check_edit_lock(&self.load_state(&mut table, node_id)?.record, None)
    }

    /// Records a job as Running and marks its output nodes as held by it; an error if another
    /// job holds one of them (two submissions of one scenario writing the same node).
    pub(crate) fn start_job(&self, job: &Job, outputs: &[String]) -> Result<(), StoreError> {
        let mut table = self.fresh_table();
        check_not_held(&table, &job.id, outputs)?;
        for node_id in outputs {
            let (node, read_as) = self.load_state(&mut table, node_id).map_or_else(
                |_| (node_id.clone(), (None, 0)),
                |s| (s.record.config_id.clone(), (s.read_as.clone(), s.record.next_version)),
            );
            if self.committer().shared {
                table.bases.insert(node_id.clone(), read_as);
            }
            table.busy.insert(node_id.clone(), (job.id.clone(), node));
        }
        let mut group = Group::default();
        group.put(&keys::job(&job.id), job)?;
        self.enqueue(group)?;
        drop(table);
        crate::fault::point_after("job.running", || drop(self.apply_all()));
        Ok(())
    }

    /// Stages a finished job's commit group: its outputs' versions and memo entry, and its status (unless [deferred](JobCommit::deferrable)); then releases the nodes it held.
    /// The group reaches the catalog with the writer thread's next batch.
    pub(crate) fn commit_job(&self, commit: &JobCommit<'_>) -> Result<Committed, StoreError> {
        let mut table = self.fresh_table();
        let outputs = || commit.outputs.iter().map(|(id, _)| id);
        let staged = check_not_held(&table, &commit.job.id, outputs()).and_then(|()| {
            let mut group = Group::default();
            // A job is "anyone else" for a user's edit lock. Checked for every output before
            // any is staged, so a refusal leaves the node states untouched.
            for (node_id, stored) in commit.outputs {
                let state = self.load_state(&mut table, node_id)?;
                if state.record.current.is_none_or(|c| c.hash != stored.hash) {
                    check_edit_lock(&state.record, None)?;
                }
            }
            let mut written = Vec::with_capacity(commit.outputs.len());
            for (node_id, stored) in commit.outputs {
                written.push(self.stage_version(
                    &mut table,
                    &mut group,
                    node_id,
                    stored,
                    &commit.writer,
                    None,
                )?);
            }
            if let Some((key, entry)) = &commit.memo {
                group.put(&keys::memo(key), entry)?;
            }
            let deferred = commit.deferrable && commit.memo.is_none() && written.iter().all(Option::is_none);
            if !deferred {
                group.put(&keys::job(&commit.job.id), commit.job)?;
            }
            // In the job's span (see `orchestrator/trace.rs`).
            tracing::debug!(records = group.writes.len(), bytes = group.bytes(), deferred, "job committed");
            self.enqueue(group)?;
            // Once queued (see `memo_keys.rs`).
            if let Some((key, _)) = &commit.memo {
                self.inner.memo_keys.add(key);
            }
            crate::fault::point("job.staged");
            Ok(Committed { deferred })
        });
        for node_id in commit.release.iter().chain(outputs()) {
            if table.busy.get(node_id).is_some_and(|(job, _)| *job == commit.job.id) {
                table.busy.remove(node_id);
                table.bases.remove(node_id);
            }
        }
        staged
    }

    /// Past [`StoreOptions::node_cache`](crate::StoreOptions::node_cache) node states, drops
    /// those of the nodes no running job holds — only when every staged group is applied, so
    /// that the catalog holds what the dropped states said (they are authoritative until then).
    /// No group can be staged meanwhile: staging takes the table lock, held here.
    pub(crate) fn trim_node_states(&self) {
        let mut table = self.table();
        if table.states.len() <= self.committer().node_cache {
            return;
        }
        let drained = {
            let queue = lock(&self.committer().shared_queue.queue);
            queue.applied == queue.staged && queue.failure.is_none()
        };
        if drained {
            let Table { states, busy, .. } = &mut *table;
            states.retain(|id, _| busy.contains_key(id));
            tracing::debug!(kept = states.len(), "node states trimmed");
        }
    }

    /// The number of node states in memory (tests).
    #[cfg(test)]
    pub(crate) fn node_states_cached(&self) -> usize {
        self.table().states.len()
    }

    /// Queues a group of records that involves no node state.
    pub(crate) fn stage(&self, group: Group) {
        self.stage_with_unwritten(group, Vec::new());
    }

    /// Queues a group for the writer thread; the caller holds the table lock, so groups queue
    /// in staging order. In a shared store, applies it now instead: see [`apply_now`].
    fn enqueue(&self, group: Group) -> Result<(), StoreError> {
        if group.is_empty() {
            return Ok(());
        }
        if self.committer().shared {
            return self.apply_now(group);
        }
        let shared = &self.committer().shared_queue;
        let mut queue = lock(&shared.queue);
        queue.groups.push(group);
        queue.staged += 1;
        if queue.writer_idle {
            // Only a waiting writer needs waking; a busy one takes the group with its next batch.
            queue.writer_idle = false;
            shared.work.notify_one();
        }
        Ok(())
    }

    /// Applies `group` to a shared catalog at once, in one transaction with its checks; a failed
    /// check is a [`StoreError::Conflict`] and writes nothing. The submissions it marks
    /// unfinished are marked with this handle's session, so that recovery in another process
    /// leaves them alone while this one lives (`Store::recover`).
    fn apply_now(&self, mut group: Group) -> Result<(), StoreError> {
        if let Some(session) = self.inner.catalog.session() {
            for write in &mut group.writes {
                if write.space == Space::UnfinishedIndex && write.value.as_ref().is_some_and(Vec::is_empty) {
                    write.value = Some(session.to_be_bytes().to_vec());
                }
            }
        }
        crate::fault::point("batch.before");
        let result = self.inner.catalog.commit_checked(&group.checks, group.writes)?;
        crate::fault::point("batch.after");
        result.map_err(|mismatch| self.conflict(&mismatch))
    }

    /// Reports a commit the catalog refused (the writer thread applies queued groups by
    /// itself).
    pub(crate) fn apply_queued(&self) -> Result<(), StoreError> {
        let mut queue = lock(&self.committer().shared_queue.queue);
        if let Some(error) = queue.pending.take() {
            return Err(error);
        }
        match &queue.failure {
            Some(failure) => Err(StoreError::CommitFailed { reason: failure.clone() }),
            None => Ok(()),
        }
    }

    /// Waits until every group staged so far is applied.
    pub(crate) fn apply_all(&self) -> Result<(), StoreError> {
        let shared = &self.committer().shared_queue;
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
        if let Some(error) = queue.pending.take() {
            return Err(error);
        }
        match &queue.failure {
            Some(failure) => Err(StoreError::CommitFailed { reason: failure.clone() }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Space, Write, without_superseded};
    use crate::config::{Scope, StoreOptions};
    use crate::store::{NodeRecord, Store, Writer};

    fn node(i: usize) -> NodeRecord {
        NodeRecord {
            id: format!("DATANODE_x_{i}"),
            config_id: "x".into(),
            scope: Scope::Scenario,
            owner: None,
            type_name: "i64".into(),
            current: None,
            next_version: 0,
            edit_lock: None,
        }
    }

    /// Old main: the state of every node ever touched stayed in memory (57 of 212 MB at 10k
    /// scenarios).
    #[test]
    fn node_states_are_dropped_past_the_cache_size_and_read_again() {
        let store = Store::in_memory(StoreOptions::development().with_node_cache(10)).unwrap();
        let value = |v: i64| crate::value::encode_serde(&v).unwrap();
        for i in 0..100 {
            let mut group = super::Group::default();
            store.stage_new_node(&mut group, node(i), Some((&value(1), Writer::Default))).unwrap();
            store.stage(group);
            store.flush().unwrap();
        }
        assert!(store.node_states_cached() <= 10, "{} node states", store.node_states_cached());
        // A dropped state is read again: versions go on from where they were.
        for i in 0..100 {
            let written = store.write_node(&node(i).id, &value(i as i64 + 100), Writer::User, None).unwrap();
            assert_eq!(written, Some(2), "node {i}");
        }
        store.flush().unwrap();
        for i in 0..100 {
            let state = store.node_state(&node(i).id).unwrap();
            assert_eq!(state.current.map(|v| (v.number, v.stored)), Some((2, value(i as i64 + 100))));
        }
        assert!(store.node_states_cached() <= 100, "{}", store.node_states_cached());
    }

    /// A batch keeps, for each key, only its last write (a removal included), in staging order;
    /// the same key in another space is another record.
    #[test]
    fn a_batch_writes_only_the_last_write_of_each_key() {
        let put = |space, key: &str, value: &str| Write {
            space,
            key: key.as_bytes().to_vec(),
            value: Some(value.as_bytes().to_vec()),
        };
        let remove = |space, key: &str| Write { space, key: key.as_bytes().to_vec(), value: None };
        let batch = vec![
            put(Space::Jobs, "JOB_a", "running"),
            put(Space::Versions, "n/1", "v1"),
            put(Space::Jobs, "JOB_b", "running"),
            put(Space::Memo, "JOB_a", "not a job"),
            put(Space::Jobs, "JOB_a", "completed"),
            put(Space::Jobs, "JOB_b", "failed"),
            remove(Space::Jobs, "JOB_b"),
        ];
        let kept: Vec<(Space, String, Option<String>)> = without_superseded(batch)
            .into_iter()
            .map(|w| {
                let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
                (w.space, text(w.key), w.value.map(text))
            })
            .collect();
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            kept,
            [
                (Space::Versions, "n/1".to_owned(), some("v1")),
                (Space::Memo, "JOB_a".to_owned(), some("not a job")),
                (Space::Jobs, "JOB_a".to_owned(), some("completed")),
                (Space::Jobs, "JOB_b".to_owned(), None),
            ]
        );
        let distinct = vec![put(Space::Jobs, "x", "1"), put(Space::Jobs, "y", "2")];
        assert_eq!(without_superseded(distinct).len(), 2);
    }
}
