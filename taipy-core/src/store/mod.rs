//! The store: everything persistent has its one owner here. Nothing outside `store/` sees the
//! catalog's backend, key bytes or artifact paths; the rest of the crate calls the typed
//! operations of [`Store`] and stages typed records in commit [`Group`]s.
//!
//! ```text
//! store/
//!   mod.rs        Store: open/close, recovery, the typed reads the rest of the crate uses
//!   catalog/      trait Catalog (record spaces, atomic group commits); sled.rs, memory.rs,
//!                 postgres/ (shared, feature `postgres`), conformance.rs (the suite every
//!                 backend passes)
//!   artifacts/    trait Artifacts (put, open, verify, delete, list); the local folder,
//!                 object storage (feature `s3`), conformance.rs (the suite both pass)
//!   keys.rs       every key layout
//!   records.rs    the record types and their codec
//!   commit.rs     the commit protocol, node states, the writer thread, the lock order
//!   gc.rs         retention, pins, garbage collection, disk usage
//!   format.rs     the store's format version
//!   indexes.rs    index entries (scenarios by tag and name, submissions by scenario,
//!                 unfinished submissions) written with the records they index
//!   nodes.rs      a scenario's node ids; the record of a node not written yet
//!   memo_keys.rs  which memo keys the catalog holds, in memory: a lookup of a new key reads
//!                 nothing
//!   scenarios.rs, cycles.rs, submissions.rs, lineage.rs, versions.rs
//!                 typed operations on those records
//! ```
//!
//! On disk:
//! ```text
//! <store>/LOCK          held (flock) while a process has the store open
//! <store>/db/           the sled catalog
//! <store>/artifacts/    <blake3>.<ext> files (Parquet frames ...); quarantine/
//! <store>/artifact-cache/  with artifacts on object storage: verified local copies
//! ```
//!
//! A store whose catalog is on PostgreSQL (`Store::open("postgres://…")`) has no `LOCK` and no
//! `db/`: its local folder ([`StoreOptions::local_folder`]) holds only `artifacts/`, and any
//! number of processes open it at once (`commit.rs` says how their writes stay consistent;
//! `catalog/postgres/` how sessions tell live processes from dead ones for recovery).

pub(crate) mod artifacts;
pub(crate) mod catalog;
pub(crate) mod commit;
mod cycles;
#[cfg(feature = "queue")]
mod detached;
mod format;
mod gc;
mod indexes;
pub(crate) mod keys;
mod lineage;
mod memo_keys;
mod nodes;
pub(crate) mod records;
mod runs;
pub(crate) use runs::LastRuns;
#[cfg(test)]
pub(crate) use runs::MAX_SETS;
mod scenarios;
mod skipped;
pub(crate) use skipped::job_id;
mod submissions;
mod versions;

use std::collections::BTreeMap;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};

use artifacts::{Artifacts, CatalogFiles, LocalArtifacts};
use catalog::{Catalog, MemoryCatalog, SledCatalog};
use keys::{Key, Prefix, Record};
pub(crate) use records::decode_view;

#[cfg(test)]
pub(crate) use catalog::Counts as CatalogCounts;
pub(crate) use catalog::Group;
pub(crate) use commit::{JobCommit, Retype};
pub use cycles::Cycle;
pub(crate) use cycles::cycle_of;
#[cfg(feature = "queue")]
pub(crate) use detached::DetachedArtifacts;
pub(crate) use gc::Pin;
pub use gc::{DiskUsage, GcPolicy, GcReport};
pub use lineage::{JobOrigin, Lineage};
pub(crate) use nodes::scenario_node_id;
pub use records::{EditLock, StoredConfig, UnreadableRecord, Version, Writer};
pub(crate) use records::{
    LastRun, LastRunView, MemoEntry, NodeLayouts, NodeRecord, RunResult, ScenarioRecord, SubmissionRecord,
    TaskRun, now_us,
};
pub use submissions::SubmissionInfo;

pub use versions::ConfigVersion;
pub(crate) use versions::stage_bound_version;

use crate::error::StoreError;
use crate::events::{Event, EventFilter, Hub, Sink, SubscriptionId};
use crate::job::{Job, JobStatus, Reason};
use crate::value::StoreCx;

pub(crate) use crate::config::{ExecutionMode, StoreOptions};

/// Which catalog backend a store uses.
enum CatalogKind {
    Sled,
    Memory,
    #[cfg(feature = "postgres")]
    Postgres(Box<catalog::postgres::PgLocation>),
}

pub(crate) struct StoreInner {
    path: PathBuf,
    /// A catalog on a server: its location, without password (`path` is the local folder).
    location: Option<String>,
    catalog: Arc<dyn Catalog>,
    /// The local folder, or object storage ([`StoreOptions::artifacts`]).
    artifacts: Arc<dyn Artifacts>,
    /// The cache of external files' fingerprints (in the catalog).
    files: CatalogFiles,
    options: StoreOptions,
    pub(crate) pool: Option<rayon::ThreadPool>,
    /// Node states, busy marks and the queue of commit groups (see `commit.rs`). In memory
    /// only: a process that dies releases its nodes with it.
    committer: commit::Committer,
    /// Subscribers to entity events.
    events: Hub,
    /// Lock 1 of the lock order (`commit.rs`): read-modify-writes of scenario and cycle records.
    records: Mutex<()>,
    /// Lock 2: shared by value writers, exclusive for garbage collection (`gc.rs`).
    gate: RwLock<()>,
    /// Artifacts used by running submissions.
    pins: Arc<gc::Pins>,
    /// Records found unreadable, by kind and key.
    unreadable: Mutex<BTreeMap<(&'static str, String), UnreadableRecord>>,
    /// How much this handle has read (see [`Store::stats`]).
    reads: ReadCounters,
    /// Config id → the version this handle staged or found as its current one (`versions.rs`).
    current_configs: Mutex<std::collections::HashMap<String, crate::fingerprint::Fingerprint>>,
    /// Node type names per config version, for nodes not written yet (`nodes.rs`).
    node_types: nodes::NodeTypes,
    /// Which memo keys the catalog may hold (`memo_keys.rs`).
    memo_keys: memo_keys::MemoKeys,
    /// The lock file, for a store one process owns (not for a shared catalog).
    _lock: Option<File>,
    _temporary: Option<tempfile::TempDir>,
}

/// A handle to an open store; cheap to clone and share between threads.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<StoreInner>,
}

/// Counts of what a store handle has read from its catalog since it was opened: what the
/// scale tests (and anyone wondering why a query is slow) look at. See [`Store::stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreStats {
    /// Records read and decoded (scenarios, jobs, versions ...).
    pub records_read: u64,
    /// Index entries scanned (each names one record; see `Store::scenarios_with_tag`).
    pub index_entries_read: u64,
}

#[derive(Default)]
struct ReadCounters {
    records: std::sync::atomic::AtomicU64,
    index_entries: std::sync::atomic::AtomicU64,
}

/// A summary of a stored scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioInfo {
    /// The scenario's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The config it was created from.
    pub config_id: String,
    /// Creation time (µs since the Unix epoch).
    pub created_us: u64,
    /// Its tags, sorted (listings show them without opening each scenario with its config).
    pub tags: Vec<String>,
    /// The fingerprint of the config version it is bound to (see
    /// [`config_versions`](Store::config_versions); `None`: created before config versions
    /// and not opened since).
    pub config_version: Option<crate::fingerprint::Fingerprint>,
}

impl Store {
    /// Opens (or creates) the store in folder `path`, running jobs on a pool with one worker per
    /// core.
    ///
    /// A `path` that reads as a `postgres://` or `postgresql://` URL opens a store whose
    /// catalog is on that PostgreSQL server instead (feature `postgres`), shared by every
    /// process that opens it: see [`open_with`](Self::open_with).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens (or creates) the store in folder `path` with the given options.
    ///
    /// Jobs that a previous process left unfinished (it crashed or was killed) are marked:
    /// running ones Failed ("interrupted"), waiting ones Abandoned, and the data nodes they held
    /// are released. Temporary files it left are removed. A store written by a newer taipy, in
    /// a format this one cannot read, is refused before anything is written.
    ///
    /// # A catalog on PostgreSQL
    ///
    /// `postgres://user:password@host:port/database?schema=NAME` (libpq's URL; `schema`, default
    /// `taipy`, is the schema that holds the catalog, created and migrated at open) opens a
    /// *shared* store: any number of processes, on any machines, open it at once (there is no
    /// lock file), and each sees the others' scenarios, versions and memo. A job's results are
    /// committed in one transaction that checks that no other process wrote its outputs since
    /// the job started ([`StoreError::Conflict`] otherwise). Recovery at open touches only the
    /// jobs of processes that are gone. Artifacts go to the local folder of
    /// [`StoreOptions::local_folder`]. Garbage collection is refused on a shared store for now.
    ///
    /// ```no_run
    /// # use taipy_core::{Store, StoreOptions};
    /// let options = StoreOptions::default().with_local_folder("/srv/taipy/local");
    /// let store = Store::open_with("postgres://taipy:secret@db.internal:5432/analytics", options)?;
    /// # Ok::<(), taipy_core::StoreError>(())
    /// ```
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Self, StoreError> {
        let path = path.as_ref();
        match path.to_str().filter(|text| catalog::location::is_postgres_url(text)) {
            Some(url) => Self::open_server(url, options),
            None => Self::open_inner(path, options, None, CatalogKind::Sled),
        }
    }

    /// Opens the store whose catalog is at `url` (a PostgreSQL server).
    #[cfg(feature = "postgres")]
    fn open_server(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let location = catalog::postgres::PgLocation::parse(url)?;
        let folder = server_folder(&location, &options);
        Self::open_inner(&folder, options, None, CatalogKind::Postgres(Box::new(location)))
    }

    /// The local folder [`open_with`](Self::open_with)`(path, options)` uses: `path` itself,
    /// or for a catalog on a server the options' local folder or its default (a queue worker
    /// finds a store's artifacts folder with it).
    pub(crate) fn local_folder_of(path: &Path, options: &StoreOptions) -> Result<PathBuf, StoreError> {
        match path.to_str().filter(|text| catalog::location::is_postgres_url(text)) {
            #[cfg(feature = "postgres")]
            Some(url) => Ok(server_folder(&catalog::postgres::PgLocation::parse(url)?, options)),
            #[cfg(not(feature = "postgres"))]
            Some(url) => Self::open_server(url, options.clone()).map(|store| store.path().to_owned()),
            None => Ok(path.to_owned()),
        }
    }

    /// Without the `postgres` feature, a server location is a clear error.
    #[cfg(not(feature = "postgres"))]
    fn open_server(url: &str, _options: StoreOptions) -> Result<Self, StoreError> {
        Err(StoreError::InvalidLocation {
            location: catalog::location::redact(url),
            reason: "this build of taipy has no PostgreSQL catalog (enable the `postgres` feature)".into(),
        })
    }

    /// A store in a new temporary folder, deleted when the last handle is dropped.
    pub fn temporary() -> Result<Self, StoreError> {
        Self::temporary_with(StoreOptions::default())
    }

    /// A temporary store with the given options.
    pub fn temporary_with(options: StoreOptions) -> Result<Self, StoreError> {
        let dir = temporary_dir()?;
        let path = dir.path().to_owned();
        Self::open_inner(&path, options, Some(dir), CatalogKind::Sled)
    }

    /// A temporary store whose records are kept in memory (artifacts in a temporary folder):
    /// the fastest to create, for tests and throw-away runs. Nothing survives the last handle.
    pub fn in_memory(options: StoreOptions) -> Result<Self, StoreError> {
        let dir = temporary_dir()?;
        let path = dir.path().to_owned();
        Self::open_inner(&path, options, Some(dir), CatalogKind::Memory)
    }

    fn open_inner(
        path: &Path,
        options: StoreOptions,
        temporary: Option<tempfile::TempDir>,
        kind: CatalogKind,
    ) -> Result<Self, StoreError> {
        options.check().map_err(|e| StoreError::InvalidOptions(Box::new(e)))?;
        std::fs::create_dir_all(path).map_err(|e| StoreError::io("cannot create store folder", path, e))?;
        // A shared catalog has no owner: no lock file (its sessions tell live processes).
        #[cfg(feature = "postgres")]
        let shared = matches!(kind, CatalogKind::Postgres(_));
        #[cfg(not(feature = "postgres"))]
        let shared = false;
        let lock = if shared { None } else { Some(lock_folder(path)?) };
        let (catalog, location): (Arc<dyn Catalog>, Option<String>) = match kind {
            CatalogKind::Sled => (Arc::new(SledCatalog::open(&path.join("db"), options.cache_bytes)?), None),
            CatalogKind::Memory => (Arc::new(MemoryCatalog::default()), None),
            #[cfg(feature = "postgres")]
            CatalogKind::Postgres(location) => {
                let display = location.display.clone();
                (Arc::new(catalog::postgres::PgCatalog::open(*location)?), Some(display))
            }
        };
        format::check_and_record(&*catalog, location.as_ref().map_or(path, Path::new))?;
        let artifacts = open_artifacts(path, &options, &catalog)?;
        // This process holds the lock: every temporary file is a dead writer's. (Not so in a
        // local folder that other processes of a shared store use too.)
        let stale_bytes = if shared { 0 } else { artifacts.remove_stale_temporaries(true)? };
        let pool = match options.mode {
            ExecutionMode::Development => None,
            ExecutionMode::Standalone => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(options.max_workers.max(1))
                    .thread_name(|i| format!("taipy-worker-{i}"))
                    // Jobs catch their own panics; this only keeps a bug from aborting the process.
                    .panic_handler(|_| eprintln!("taipy: a worker thread panicked outside a job"))
                    .build()
                    .map_err(|e| {
                        StoreError::io("cannot start worker threads", path, std::io::Error::other(e))
                    })?,
            ),
        };
        let committer = commit::Committer::start(Arc::clone(&catalog), options.node_cache)
            .map_err(|e| StoreError::io("cannot start the commit thread", path, e))?;
        let other_writers = catalog.shared();
        let store = Store {
            inner: Arc::new(StoreInner {
                path: path.to_owned(),
                location,
                files: CatalogFiles(Arc::clone(&catalog)),
                catalog,
                artifacts,
                options,
                pool,
                committer,
                events: Hub::default(),
                records: Mutex::new(()),
                gate: RwLock::new(()),
                pins: Arc::default(),
                unreadable: Mutex::default(),
                reads: ReadCounters::default(),
                current_configs: Mutex::default(),
                node_types: nodes::NodeTypes::default(),
                memo_keys: memo_keys::MemoKeys::new(other_writers),
                _lock: lock,
                _temporary: temporary,
            }),
        };
        store.recover()?;
        let unreadable = store.unreadable_records().len();
        tracing::info!(
            path = %path.display(),
            location = store.inner.location.as_deref(),
            backend = store.inner.catalog.backend(),
            mode = ?store.inner.options.mode,
            workers = store.inner.pool.as_ref().map(rayon::ThreadPool::current_num_threads),
            stale_temporary_bytes = stale_bytes,
            "store opened"
        );
        if unreadable > 0 {
            tracing::warn!(path = %path.display(), unreadable, "store has unreadable records");
        }
        Ok(store)
    }

    /// Marks jobs left unfinished by a dead process. (The nodes they held were held in that
    /// process's memory, so they are free.) Job records that cannot be read are reported
    /// ([`unreadable_records`](Self::unreadable_records)) and left as they are.
    fn recover(&self) -> Result<(), StoreError> {
        let mut group = Group::default();
        let (mut failed, mut abandoned) = (0_usize, 0_usize);
        let unfinished = self.unfinished_jobs()?;
        for (key, mut job) in unfinished.jobs {
            let status = match job.status {
                JobStatus::Running => JobStatus::Failed,
                JobStatus::Submitted | JobStatus::Blocked | JobStatus::Pending => JobStatus::Abandoned,
                _ => continue,
            };
            job.advance(status, Some(Reason::Interrupted), now_us())?;
            tracing::debug!(task = %job.task, job = %job.id, status = %job.status, "recovered an unfinished job");
            if status == JobStatus::Failed {
                failed += 1
            } else {
                abandoned += 1
            }
            group.put(&key, &job)?;
        }
        unfinished.resolved.iter().for_each(|id| group.mark_unfinished(id, false));
        if failed + abandoned > 0 {
            tracing::warn!(
                path = %self.inner.path.display(),
                failed,
                abandoned,
                "recovered jobs a dead process left unfinished"
            );
        }
        if !group.is_empty() {
            self.stage(group);
            self.flush()?;
        }
        Ok(())
    }

    /// What this handle has read from the catalog since it was opened.
    ///
    /// ```
    /// # use taipy_core::Store;
    /// let store = Store::temporary()?;
    /// let before = store.stats();
    /// assert!(store.scenarios_with_tag("q3")?.is_empty());
    /// assert_eq!(store.stats().records_read, before.records_read);
    /// # Ok::<(), taipy_core::StoreError>(())
    /// ```
    pub fn stats(&self) -> StoreStats {
        use std::sync::atomic::Ordering::Relaxed;
        StoreStats {
            records_read: self.inner.reads.records.load(Relaxed),
            index_entries_read: self.inner.reads.index_entries.load(Relaxed),
        }
    }

    fn count_records(&self, n: usize) {
        self.inner.reads.records.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    }

    fn count_index_entries(&self, n: usize) {
        self.inner.reads.index_entries.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// The store's folder (for a catalog on a server, the local folder of its artifacts).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Where the catalog of a store on a server is, without its password (`None` for a store
    /// in a folder).
    ///
    /// ```
    /// # use taipy_core::Store;
    /// assert_eq!(Store::temporary()?.location(), None);
    /// # Ok::<(), taipy_core::StoreError>(())
    /// ```
    pub fn location(&self) -> Option<&str> {
        self.inner.location.as_deref()
    }

    /// Whether other processes may write this store too (a catalog on a server).
    pub(crate) fn is_shared(&self) -> bool {
        self.inner.catalog.shared()
    }

    /// The store's format version: the one this taipy writes, since opening a store of an
    /// older format records the current one and a newer format is refused.
    pub fn format_version(&self) -> u32 {
        format::CURRENT
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// Makes every committed change durable (submissions do this when they finish).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.apply_all()?;
        self.inner.catalog.flush()?;
        crate::fault::point("store.flushed");
        self.trim_node_states();
        Ok(())
    }

    /// The scenario configs the store's scenarios were created from: for each config id, its
    /// current version (the one its last created or re-bound scenario was bound to; every
    /// version is in [`config_versions`](Self::config_versions)).
    pub fn configs(&self) -> Result<Vec<StoredConfig>, StoreError> {
        self.apply_all()?;
        self.current_configs()
    }

    /// A job by id.
    pub fn job(&self, id: &str) -> Result<Job, StoreError> {
        self.apply_all()?;
        // Its own record; else its submission's record of jobs skipped without one; else, not
        // started, its submission's record.
        let mut job = self.read(&keys::job(id))?;
        if job.is_none() {
            job = self.skipped_job(id)?;
        }
        if job.is_none() {
            job = self.unstarted_job(id)?;
        }
        job.ok_or_else(|| StoreError::NotFound { kind: "job", id: id.to_owned() })
    }

    /// Every stored job (those that can be read; see
    /// [`unreadable_records`](Self::unreadable_records)), those of unfinished submissions that
    /// have not started yet included (as Submitted).
    pub fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        self.apply_all()?;
        let mut jobs: Vec<Job> = self.list(&Prefix::all())?.into_iter().map(|(_, job)| job).collect();
        jobs.extend(self.all_skipped_jobs()?);
        jobs.extend(self.unstarted_jobs()?);
        jobs.sort_by(|a, b| a.id.cmp(&b.id)); // key order, as listed
        Ok(jobs)
    }

    /// Every stored version of data node `node_id`, oldest first.
    pub(crate) fn versions_of(&self, node_id: &str) -> Result<Vec<Version>, StoreError> {
        self.apply_all()?;
        Ok(self.list(&keys::versions_of(node_id))?.into_iter().map(|(_, v)| v).collect())
    }

    /// The content data node `node_id` had before the edits made since (a user's writes, a file
    /// changed outside): the hash of its newest version written otherwise, if any. A version
    /// copied from another node (a duplicate's) stands for the source version's history: the
    /// edits made there before the copy count too. (Garbage collection keeps the versions an
    /// edit was made on: `gc.rs`.)
    pub(crate) fn hash_before_edits(&self, node_id: &str) -> Result<Option<crate::Fingerprint>, StoreError> {
        let (mut node, mut upto) = (node_id.to_owned(), u64::MAX);
        // Copies of copies are few; the bound only guards against a damaged chain.
        for _ in 0..64 {
            let versions = self.versions_of(&node)?;
            let edit = |v: &&Version| matches!(v.writer, Writer::User | Writer::FileChanged);
            match versions.iter().rev().filter(|v| v.number <= upto).find(|v| !edit(v)) {
                Some(Version { writer: Writer::Copied { node: from, number }, .. }) => {
                    (node, upto) = (from.clone(), *number);
                }
                found => return Ok(found.map(|v| v.hash)),
            }
        }
        Ok(None)
    }

    /// Version `number` of data node `node_id`, if stored.
    pub(crate) fn version(&self, node_id: &str, number: u64) -> Result<Option<Version>, StoreError> {
        self.apply_all()?;
        self.read(&keys::version(node_id, number))
    }

    /// The remembered result for a memo key, if any. A key the filter of `memo_keys.rs` does
    /// not hold is not in the catalog: no read.
    pub(crate) fn memo_entry(
        &self,
        key: &crate::fingerprint::Fingerprint,
    ) -> Result<Option<MemoEntry>, StoreError> {
        if !self.inner.memo_keys.may_hold(key, || self.memo_keys_in_catalog()) {
            return Ok(None);
        }
        self.read(&keys::memo(key))
    }

    /// The short keys (`memo_keys::short`) of every memo entry in the catalog, once every group
    /// staged so far is applied: what the filter is built from.
    fn memo_keys_in_catalog(&self) -> Result<std::collections::HashSet<u64>, StoreError> {
        self.apply_all()?;
        let mut keys = std::collections::HashSet::new();
        self.inner.catalog.scan_each(keys::Space::Memo, b"", &mut |key, _| {
            keys.insert(memo_keys::short(key));
        })?;
        tracing::debug!(entries = keys.len(), "remembered results listed");
        Ok(keys)
    }

    /// The readable form of a type layout, as recorded with the values written with it (or
    /// known to this process).
    pub(crate) fn layout_text(
        &self,
        layout: &crate::fingerprint::Fingerprint,
    ) -> Result<Option<String>, StoreError> {
        if let Some(text) = crate::value::layout_text(layout) {
            return Ok(Some(text.to_owned()));
        }
        self.apply_all()?;
        Ok(self.read(&keys::layout(layout))?.map(|r: records::LayoutRecord| r.text))
    }

    /// The records this handle found unreadable so far (a damaged value, or a record written by
    /// a newer taipy): listings leave them out instead of failing.
    pub fn unreadable_records(&self) -> Vec<UnreadableRecord> {
        commit::lock(&self.inner.unreadable).values().cloned().collect()
    }

    /// Subscribes to the events `filter` lets through; they arrive on the returned channel.
    /// Dropping the receiver ends the subscription.
    pub fn subscribe(&self, filter: EventFilter) -> Receiver<Event> {
        let (sender, receiver) = channel();
        self.inner.events.add(filter, Sink::Channel(sender));
        receiver
    }

    /// Calls `callback` with each event `filter` lets through, on the thread that caused it.
    pub fn on_event(
        &self,
        filter: EventFilter,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> SubscriptionId {
        self.inner.events.add(filter, Sink::Callback(Arc::new(callback)))
    }

    /// Ends a subscription made with [`on_event`](Self::on_event).
    pub fn unsubscribe(&self, subscription: SubscriptionId) {
        self.inner.events.remove_subscription(subscription);
    }

    /// Whether anyone listens to events (cheap: callers skip building events otherwise).
    pub(crate) fn has_subscribers(&self) -> bool {
        self.inner.events.is_active()
    }

    /// Delivers an event to the subscribers.
    pub(crate) fn emit(&self, event: Event) {
        self.inner.events.emit(event);
    }

    /// Where the store's artifacts are, as its queued jobs name them for workers (the
    /// artifacts folder's canonical path, or the object storage's URL with its endpoint).
    #[cfg(feature = "queue")]
    pub(crate) fn artifacts_location(&self) -> String {
        self.inner.artifacts.location()
    }

    /// What values may use of the store: artifacts and the file-fingerprint cache.
    pub(crate) fn cx(&self) -> StoreCx<'_> {
        StoreCx {
            artifacts: &*self.inner.artifacts,
            files: &self.inner.files,
            frame_compression: self.inner.options.frame_compression,
        }
    }

    /// Holds the shared side of the gate (lock 2): from writing a value's artifact until its
    /// version is staged, so garbage collection cannot take the artifact in between. Never
    /// taken twice by one thread.
    pub(crate) fn write_gate(&self) -> RwLockReadGuard<'_, ()> {
        self.inner.gate.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Holds lock 1: read-modify-writes of scenario and cycle records.
    pub(crate) fn serial(&self) -> MutexGuard<'_, ()> {
        commit::lock(&self.inner.records)
    }

    /// A record by key; an error if it exists but cannot be read.
    pub(crate) fn read<R: Record>(&self, key: &Key<R>) -> Result<Option<R>, StoreError> {
        match self.inner.catalog.get(R::SPACE, key.bytes())? {
            Some(bytes) => {
                self.count_records(1);
                Ok(Some(R::decode_record(R::SPACE.what(), key.bytes(), &bytes)?))
            }
            None => Ok(None),
        }
    }

    /// A record by key, as [`read`](Self::read), except that one that exists but cannot be
    /// decoded is reported (see [`unreadable_records`](Self::unreadable_records)) and taken as
    /// absent: for records a listing follows from another (a submission's jobs).
    pub(crate) fn read_or_report<R: Record>(&self, key: &Key<R>) -> Result<Option<R>, StoreError> {
        let found = self.inner.catalog.get(R::SPACE, key.bytes())?;
        Ok(found.and_then(|bytes| self.decode_or_report(key, &bytes)))
    }

    /// The records at `keys`, in their order, as [`read_or_report`](Self::read_or_report) reads
    /// each, read in one [`Catalog::get_many`] (one round trip on a server).
    pub(crate) fn read_many_or_report<R: Record>(
        &self,
        keys: &[Key<R>],
    ) -> Result<Vec<Option<R>>, StoreError> {
        let bytes: Vec<Vec<u8>> = keys.iter().map(|key| key.bytes().to_vec()).collect();
        let found = self.inner.catalog.get_many(R::SPACE, &bytes)?;
        Ok(found.into_iter().zip(keys).map(|(found, key)| self.decode_or_report(key, &found?)).collect())
    }

    /// Whether a record exists.
    pub(crate) fn exists<R: Record>(&self, key: &Key<R>) -> Result<bool, StoreError> {
        Ok(self.inner.catalog.get(R::SPACE, key.bytes())?.is_some())
    }

    /// The readable records under `prefix`, in key order. An unreadable one is left out,
    /// reported on stderr the first time, and listed by
    /// [`unreadable_records`](Self::unreadable_records).
    pub(crate) fn list<R: Record>(&self, prefix: &Prefix<R>) -> Result<Vec<(Key<R>, R)>, StoreError> {
        let mut out = Vec::new();
        let scanned = self.inner.catalog.scan(R::SPACE, prefix.bytes())?;
        self.count_records(scanned.len());
        for (key, bytes) in scanned {
            match R::decode_record(R::SPACE.what(), &key, &bytes) {
                Ok(record) => out.push((prefix.key(key), record)),
                Err(e) => self.report_unreadable(R::SPACE.what(), &key, e),
            }
        }
        Ok(out)
    }

    fn report_unreadable(&self, what: &'static str, key: &[u8], error: StoreError) {
        let key = keys::display(key);
        let reason = match error {
            StoreError::Corrupt { reason, .. } => reason,
            other => other.to_string(),
        };
        let mut unreadable = commit::lock(&self.inner.unreadable);
        if let std::collections::btree_map::Entry::Vacant(entry) = unreadable.entry((what, key.clone())) {
            eprintln!(
                "taipy: store `{}`: skipping unreadable {what} `{key}`: {reason}",
                self.inner.path.display()
            );
            entry.insert(UnreadableRecord { what, key, reason });
        }
    }

    /// A new unique id with a readable prefix, e.g. `JOB_scored_3f`.
    pub(crate) fn new_id(&self, prefix: &str, name: &str) -> Result<String, StoreError> {
        Ok(format!("{prefix}_{name}_{:x}", self.inner.catalog.generate_id()?))
    }

    /// Checks a remembered artifact before a job is skipped or restored on it.
    pub(crate) fn verify_artifact(&self, stored: &crate::value::Stored) -> Result<ArtifactState, StoreError> {
        let crate::value::Payload::Artifact { hash, extension } = &stored.payload else {
            return Ok(ArtifactState::Intact);
        };
        Ok(match self.inner.artifacts.verify(hash, extension)? {
            artifacts::Verdict::Intact => ArtifactState::Intact,
            artifacts::Verdict::Missing => ArtifactState::Missing,
            artifacts::Verdict::Corrupt { .. } => ArtifactState::Corrupt,
        })
    }
}

impl Store {
    /// Checks a remembered artifact as [`verify_artifact`](Self::verify_artifact) does, but
    /// quarantines nothing: `Corrupt` means "would be quarantined" (for plans).
    pub(crate) fn check_artifact(&self, stored: &crate::value::Stored) -> Result<ArtifactState, StoreError> {
        let crate::value::Payload::Artifact { hash, extension } = &stored.payload else {
            return Ok(ArtifactState::Intact);
        };
        Ok(match self.inner.artifacts.check(hash, extension)? {
            Some(true) => ArtifactState::Intact,
            Some(false) => ArtifactState::Corrupt,
            None => ArtifactState::Missing,
        })
    }
}

/// What [`Store::verify_artifact`] (or [`Store::check_artifact`]) found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArtifactState {
    /// Inline, or an artifact whose bytes match.
    Intact,
    /// The file is gone.
    Missing,
    /// The file did not match its hash and was quarantined.
    Corrupt,
}

/// The local folder of the store whose catalog is at `location`: the options' own, else a
/// folder under the system's temporary directory named after the location, so that the
/// processes of one machine share it.
#[cfg(feature = "postgres")]
fn server_folder(location: &catalog::postgres::PgLocation, options: &StoreOptions) -> PathBuf {
    match &options.local_folder {
        Some(folder) => folder.clone(),
        None => {
            let name = blake3::hash(format!("{}#{}", location.display, location.schema).as_bytes());
            std::env::temp_dir().join(format!("taipy-store-{}", &name.to_hex()[..16]))
        }
    }
}

/// Takes the lock file of the store in folder `path`: one process owns a store in a folder.
fn lock_folder(path: &Path) -> Result<File, StoreError> {
    let lock_path = path.join("LOCK");
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StoreError::io("cannot open lock file", &lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(TryLockError::WouldBlock) => {
            Err(StoreError::AlreadyOpen { path: path.to_owned(), lock: lock_path })
        }
        Err(TryLockError::Error(e)) => Err(StoreError::io("cannot lock", &lock_path, e)),
    }
}

/// The artifacts backend `options` choose: the store's `artifacts/` folder, or object storage
/// with verified local copies in `artifact-cache/`.
fn open_artifacts(
    path: &Path,
    options: &StoreOptions,
    catalog: &Arc<dyn Catalog>,
) -> Result<Arc<dyn Artifacts>, StoreError> {
    match &options.artifacts {
        None => Ok(Arc::new(LocalArtifacts::open(&path.join("artifacts"), Arc::clone(catalog))?)),
        #[cfg(feature = "s3")]
        Some(url) => Ok(Arc::new(artifacts::ObjectArtifacts::open(
            url,
            &path.join("artifact-cache"),
            Arc::clone(catalog),
        )?)),
        #[cfg(not(feature = "s3"))]
        Some(url) => Err(StoreError::InvalidOptions(Box::new(crate::error::ConfigError::ArtifactsUrl {
            url: url.to_string(),
            reason: "this taipy was built without its `s3` feature".into(),
        }))),
    }
}

fn temporary_dir() -> Result<tempfile::TempDir, StoreError> {
    tempfile::Builder::new()
        .prefix("taipy-store-")
        .tempdir()
        .map_err(|e| StoreError::io("cannot create temporary store", std::env::temp_dir(), e))
}

impl Drop for StoreInner {
    /// Applies what is queued before the catalog closes (it flushes when dropped).
    fn drop(&mut self) {
        self.committer.shut_down();
        if let Err(e) = self.catalog.flush() {
            eprintln!("taipy: cannot flush store `{}` while closing it: {e}", self.path.display());
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("location", &self.inner.location)
            .field("catalog", &self.inner.catalog.backend())
            .finish()
    }
}

/// Test helpers that look into the catalog.
#[cfg(test)]
impl Store {
    /// How many job records the catalog holds (staged ones not yet applied left out).
    pub(crate) fn job_records(&self) -> usize {
        self.inner.catalog.scan(keys::Space::Jobs, b"").map_or(0, |records| records.len())
    }

    /// What the catalog served so far, once everything staged is applied (an in-memory store).
    pub(crate) fn catalog_counts(&self) -> catalog::Counts {
        self.apply_all().expect("applied");
        self.inner.catalog.counts().expect("a catalog that counts (Store::in_memory)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Store::open(dir.path()).unwrap();
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::AlreadyOpen { .. }), "{err:?}");
        assert!(err.to_string().contains(&dir.path().display().to_string()), "{err}");
    }

    #[test]
    fn reopening_after_drop_works() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        Store::open(dir.path()).unwrap();
    }

    #[test]
    fn too_many_workers_is_a_clear_error_before_any_thread_starts() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { max_workers: 100_000, ..StoreOptions::default() };
        let err = Store::open_with(dir.path(), options).unwrap_err();
        assert!(matches!(err, StoreError::InvalidOptions(_)), "{err:?}");
        assert!(err.to_string().contains("100000") && err.to_string().contains("1024"), "{err}");
        assert!(!dir.path().join("db").exists(), "nothing is created for refused options");
    }

    #[test]
    fn an_unreadable_job_is_reported_not_fatal() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        let mut group = Group::default();
        group.writes.push(catalog::Write {
            space: keys::Space::Jobs,
            key: b"JOB_broken".to_vec(),
            value: Some(vec![9, 9, 9]),
        });
        store.stage(group);
        assert!(store.jobs().unwrap().is_empty());
        let unreadable = store.unreadable_records();
        assert_eq!(unreadable.len(), 1);
        assert_eq!((unreadable[0].what, unreadable[0].key.as_str()), ("job", "JOB_broken"));
        assert!(unreadable[0].reason.contains("unknown record format 9"), "{}", unreadable[0].reason);
    }

    /// A record that does not decode, as a damaged disk or a newer taipy could leave it.
    fn damaged(space: keys::Space, key: &str) -> catalog::Write {
        catalog::Write { space, key: key.as_bytes().to_vec(), value: Some(vec![9, 9, 9]) }
    }

    /// Readable records, as a scenario created and submitted once leaves them: scenario
    /// `SCENARIO_s`, submission `SUBMISSION_s`, and its one job `JOB_s` with `status`. Staged.
    /// (Built here: store/ does not know scenarios or the orchestrator.)
    fn stage_readable(store: &Store, status: JobStatus) {
        let scenario = ScenarioRecord {
            id: "SCENARIO_s".into(),
            config_id: "inc".into(),
            name: "readable".into(),
            created_us: 1,
            nodes: BTreeMap::new(),
            tags: Vec::new(),
            properties: BTreeMap::new(),
            config_version: None,
        };
        let submission = SubmissionRecord {
            id: "SUBMISSION_s".into(),
            scenario_id: scenario.id.clone(),
            entity: "scenario".into(),
            jobs: vec!["JOB_s".into()],
            created_us: 2,
            force: false,
            tasks: vec!["inc".into()],
        };
        let finished = status != JobStatus::Running;
        let job = Job {
            id: "JOB_s".into(),
            submission: submission.id.clone(),
            scenario: scenario.id.clone(),
            task: "inc".into(),
            status,
            reason: finished.then_some(Reason::FirstRun),
            error: None,
            created_us: 2,
            started_us: Some(3),
            finished_us: finished.then_some(4),
            code: None,
            inputs: Vec::new(),
            warning: None,
            attempt: None,
        };
        let mut group = Group::default();
        group.save(&scenario).unwrap();
        group.save(&submission).unwrap();
        if !finished {
            group.mark_unfinished(&submission.id, true);
        }
        group.save(&job).unwrap();
        store.stage(group);
    }

    /// A node whose only version was written by job `JOB_broken`, whose record does not decode:
    /// collection and lineage go on past it and report it.
    #[test]
    fn gc_and_lineage_go_past_an_unreadable_job() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        let record = NodeRecord {
            id: "DATANODE_y".into(),
            config_id: "y".into(),
            scope: crate::config::Scope::Scenario,
            owner: None,
            type_name: "i64".into(),
            current: None,
            next_version: 0,
            edit_lock: None,
        };
        let stored = crate::value::encode_serde(&7i64).unwrap();
        let writer = Writer::Job { job: "JOB_broken".into(), task: "t".into() };
        let mut group = Group::default();
        store.stage_new_node(&mut group, record, Some((&stored, writer))).unwrap();
        group.writes.push(damaged(keys::Space::Jobs, "JOB_broken"));
        store.stage(group);
        store.gc(GcPolicy::keep_only_current()).unwrap();
        let lineage = store.lineage("DATANODE_y", 1).unwrap();
        assert_eq!(lineage.missing.as_deref(), Some("job `JOB_broken` cannot be read"));
        assert_eq!(unreadable_keys(&store), [("job", "JOB_broken".to_owned())]);
    }

    /// The readable form of a stored value's layout is recorded in the store, so that another
    /// process (whose type has changed) can show it.
    #[test]
    fn a_value_with_a_layout_records_its_readable_form() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        let record = NodeRecord {
            id: "DATANODE_p".into(),
            config_id: "p".into(),
            scope: crate::config::Scope::Scenario,
            owner: None,
            type_name: "Thing".into(),
            current: None,
            next_version: 0,
            edit_lock: None,
        };
        let layout = crate::value::Layout::from_text("Thing { a: i64, recorded: bool }");
        let stored = crate::value::Stored {
            layout: Some(layout.fingerprint()),
            ..crate::value::encode_serde(&7i64).unwrap()
        };
        let mut group = Group::default();
        store.stage_new_node(&mut group, record, Some((&stored, Writer::User))).unwrap();
        store.stage(group);
        store.apply_all().unwrap();
        let recorded: Option<records::LayoutRecord> =
            store.read(&keys::layout(&layout.fingerprint())).unwrap();
        assert_eq!(recorded.map(|r| r.text).as_deref(), Some("Thing { a: i64, recorded: bool }"));
        let version = store.node_state("DATANODE_p").unwrap().current.unwrap();
        assert_eq!(version.layout(), Some(layout.fingerprint()));
    }

    fn unreadable_keys(store: &Store) -> Vec<(&'static str, String)> {
        store.unreadable_records().into_iter().map(|r| (r.what, r.key)).collect()
    }

    /// Old main: one record that did not decode made `scenarios()`, `submissions()` and `jobs()`
    /// fail for every caller.
    #[test]
    fn unreadable_scenarios_submissions_and_jobs_are_left_out_and_reported() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        stage_readable(&store, JobStatus::Completed);
        let mut group = Group::default();
        group.writes.push(damaged(keys::Space::Scenarios, "SCENARIO_damaged"));
        group.writes.push(damaged(keys::Space::Submissions, "SUBMISSION_damaged"));
        group.writes.push(damaged(keys::Space::Jobs, "JOB_damaged"));
        store.stage(group);

        let names: Vec<String> = store.scenarios().unwrap().into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["readable"]);
        assert_eq!(store.scenarios_of_config("inc").unwrap().len(), 1);
        let submissions: Vec<String> = store.submissions().unwrap().into_iter().map(|s| s.id).collect();
        assert_eq!(submissions, ["SUBMISSION_s"]);
        let jobs: Vec<String> = store.jobs().unwrap().into_iter().map(|j| j.id).collect();
        assert_eq!(jobs, ["JOB_s"]);
        assert_eq!(
            unreadable_keys(&store),
            [
                ("job", "JOB_damaged".to_owned()),
                ("scenario", "SCENARIO_damaged".to_owned()),
                ("submission", "SUBMISSION_damaged".to_owned()),
            ]
        );
    }

    /// A submission one of whose jobs cannot be read is listed without it (it was an error for
    /// `submissions()` and `submission(id)`).
    #[test]
    fn a_submission_with_an_unreadable_job_is_listed_without_it() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        stage_readable(&store, JobStatus::Completed);
        let mut group = Group::default();
        group.writes.push(damaged(keys::Space::Jobs, "JOB_s"));
        store.stage(group);

        let submissions = store.submissions().unwrap();
        assert_eq!(submissions.len(), 1);
        assert_eq!((submissions[0].id.as_str(), submissions[0].jobs.len()), ("SUBMISSION_s", 0));
        assert_eq!(store.submission("SUBMISSION_s").unwrap().jobs.len(), 0);
        assert_eq!(unreadable_keys(&store), [("job", "JOB_s".to_owned())]);
    }

    /// As a killed process leaves a store: in an unfinished submission, a job still Running
    /// and, before it in the submission's job list, a job record that does not decode any more.
    fn leave_running_job_after_damaged_one(dir: &Path) {
        let store = Store::open_with(dir, StoreOptions::development()).unwrap();
        stage_readable(&store, JobStatus::Running);
        store.apply_all().unwrap();
        let mut submission: SubmissionRecord =
            store.read(&keys::submission("SUBMISSION_s")).unwrap().unwrap();
        submission.jobs.insert(0, "JOB_0_damaged".into());
        submission.tasks.insert(0, "damaged".into());
        let mut group = Group::default();
        group.save(&submission).unwrap();
        group.writes.push(damaged(keys::Space::Jobs, "JOB_0_damaged"));
        store.stage(group);
        store.flush().unwrap();
    }

    /// Old main: recovery skipped an unreadable job silently.
    #[test]
    fn a_store_with_an_unreadable_job_reopens_and_recovery_reports_it() {
        let dir = tempfile::tempdir().unwrap();
        leave_running_job_after_damaged_one(dir.path());
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        assert_eq!(unreadable_keys(&store), [("job", "JOB_0_damaged".to_owned())]);
        // Recovery went on past it.
        let job = store.job("JOB_s").unwrap();
        assert_eq!((job.status, job.reason), (JobStatus::Failed, Some(Reason::Interrupted)));
        assert_eq!(store.jobs().unwrap().len(), 1);
        // The submission stays marked unfinished: the next open reports the job again.
        drop(store);
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        assert_eq!(unreadable_keys(&store), [("job", "JOB_0_damaged".to_owned())]);
    }

    /// What `f` reports through `tracing` on this thread, as text, every level.
    fn traced(f: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        // While a process has exactly one `Dispatch`, a callsite first reached on a thread
        // without a subscriber (another test's) caches "never" for every thread
        // (tokio-rs/tracing#3614): a second one, kept for good, avoids that path.
        static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::callsite::rebuild_interest_cache(); // for callsites registered meanwhile
            f()
        });
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn opening_a_store_traces_what_recovery_found() {
        let dir = tempfile::tempdir().unwrap();
        leave_running_job_after_damaged_one(dir.path());
        let text = traced(|| drop(Store::open_with(dir.path(), StoreOptions::development()).unwrap()));
        let line = |message: &str| {
            text.lines().find(|l| l.contains(message)).unwrap_or_else(|| panic!("no `{message}` in:\n{text}"))
        };
        let recovered = line("recovered an unfinished job");
        assert!(recovered.contains("task=inc job=JOB_s status=Failed"), "{recovered}");
        let summary = line("recovered jobs a dead process left unfinished");
        assert!(summary.contains("failed=1 abandoned=0"), "{summary}");
        assert!(line("store has unreadable records").contains("unreadable=1"), "{text}");
        let opened = line("store opened");
        assert!(opened.contains(&format!("path={}", dir.path().display())), "{opened}");
        assert!(opened.contains("backend=\"sled\" mode=Development"), "{opened}");
    }

    /// Every record of the sled catalog in folder `db`, by space.
    fn all_records(db: &Path) -> Vec<(keys::Space, catalog::Scanned)> {
        let catalog = SledCatalog::open(db, 1 << 20).unwrap();
        keys::Space::ALL.iter().map(|&space| (space, catalog.scan(space, b"").unwrap())).collect()
    }

    /// Old main had no store format: a newer store was opened and written to.
    #[test]
    fn a_store_of_a_newer_format_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
            // A job left Running: an open that went on would mark it.
            stage_readable(&store, JobStatus::Running);
            store.flush().unwrap();
        }
        // A newer taipy wrote the store since.
        let db = dir.path().join("db");
        {
            let catalog = SledCatalog::open(&db, 1 << 20).unwrap();
            let newer = records::FormatRecord { version: format::CURRENT + 1, written_by: "9.9.9".into() };
            let mut group = Group::default();
            group.put(&keys::format(), &newer).unwrap();
            catalog.commit(group.writes).unwrap();
            catalog.flush().unwrap();
        }
        let temporary = dir.path().join("artifacts").join(".tmp-4194305-0.blob");
        std::fs::write(&temporary, b"a newer writer's").unwrap();
        let before = all_records(&db);

        let err = Store::open(dir.path()).unwrap_err();
        let text = err.to_string();
        match err {
            StoreError::NewerFormat { path, found, supported, written_by } => {
                assert_eq!(path, dir.path());
                assert_eq!((found, supported), (format::CURRENT + 1, format::CURRENT));
                assert_eq!(written_by, "9.9.9");
            }
            other => panic!("not NewerFormat: {other:?}"),
        }
        assert!(text.contains(&dir.path().display().to_string()), "{text}");
        assert!(text.contains(&format!("format {}", format::CURRENT + 1)), "{text}");
        assert!(text.contains(&format!("up to {}", format::CURRENT)), "{text}");
        assert_eq!(all_records(&db), before, "the refused open wrote to the catalog");
        assert!(temporary.exists(), "the refused open removed a file");
    }
}
