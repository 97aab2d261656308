//! The embedded store: a sled database for entities and versions, a folder of content-addressed
//! artifacts, a lock file so one process at a time owns the store, and the worker pool that runs
//! jobs.
//!
//! On disk:
//! ```text
//! <store>/LOCK          held (flock) while a process has the store open
//! <store>/db/           sled: one tree of entities (scenarios, nodes, versions, jobs,
//!                       submissions, memo, task runs; one key prefix each) and a file cache
//! <store>/artifacts/    <blake3>.<ext> files (Parquet frames ...)
//! ```

pub(crate) mod commit;
pub(crate) mod records;

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::error::StoreError;
use crate::orchestrator::job::{Job, JobStatus, Reason};
use crate::value::{Payload, StoreCx};
use records::{ScenarioRecord, decode, encode, now_us};

/// How jobs are executed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExecutionMode {
    /// Jobs run one after another in the submitting thread; `submit` returns when all are done.
    /// Easiest to debug.
    Development,
    /// Jobs run on a pool of worker threads; independent tasks run in parallel.
    #[default]
    Standalone,
}

/// Options for opening a store.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// How jobs are executed.
    pub mode: ExecutionMode,
    /// The number of worker threads in [`ExecutionMode::Standalone`] (default: the number of
    /// cores).
    pub max_workers: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { mode: ExecutionMode::Standalone, max_workers: cores }
    }
}

impl StoreOptions {
    /// Synchronous execution in the submitting thread.
    pub fn development() -> Self {
        Self { mode: ExecutionMode::Development, ..Self::default() }
    }

    /// Parallel execution on `workers` threads.
    pub fn standalone(workers: usize) -> Self {
        Self { mode: ExecutionMode::Standalone, max_workers: workers.max(1) }
    }
}

/// One kind of record: a key prefix within the entities tree. All kinds share one sled tree so
/// that a commit touching several kinds is one atomic batch (see `commit.rs`).
pub(crate) struct Space {
    tree: sled::Tree,
    prefix: &'static [u8],
}

impl Space {
    pub(crate) fn key(&self, key: &[u8]) -> Vec<u8> {
        let mut full = Vec::with_capacity(self.prefix.len() + key.len());
        full.extend_from_slice(self.prefix);
        full.extend_from_slice(key);
        full
    }

    pub(crate) fn get(&self, key: &[u8]) -> sled::Result<Option<sled::IVec>> {
        self.tree.get(self.key(key))
    }

    pub(crate) fn insert(&self, key: &[u8], value: Vec<u8>) -> sled::Result<()> {
        self.tree.insert(self.key(key), value).map(drop)
    }

    pub(crate) fn contains_key(&self, key: &[u8]) -> sled::Result<bool> {
        self.tree.contains_key(self.key(key))
    }

    /// The records whose keys start with `prefix`, keys without the space's prefix.
    pub(crate) fn scan(
        &self,
        prefix: &[u8],
    ) -> impl Iterator<Item = sled::Result<(Vec<u8>, sled::IVec)>> + '_ {
        let skip = self.prefix.len();
        self.tree.scan_prefix(self.key(prefix)).map(move |item| item.map(|(k, v)| (k[skip..].to_vec(), v)))
    }
}

/// The kinds of records.
pub(crate) struct Trees {
    pub(crate) entities: sled::Tree,
    pub(crate) scenarios: Space,
    pub(crate) configs: Space,
    pub(crate) nodes: Space,
    pub(crate) versions: Space,
    pub(crate) jobs: Space,
    pub(crate) submissions: Space,
    pub(crate) memo: Space,
    pub(crate) task_runs: Space,
    pub(crate) cycles: Space,
    pub(crate) sequences: Space,
    /// The cache of external files' fingerprints (not part of commits).
    pub(crate) files: sled::Tree,
}

pub(crate) struct StoreInner {
    pub(crate) path: PathBuf,
    pub(crate) db: sled::Db,
    pub(crate) trees: Trees,
    pub(crate) artifacts: PathBuf,
    pub(crate) options: StoreOptions,
    pub(crate) pool: Option<rayon::ThreadPool>,
    /// Node states, busy marks and the queue of commit groups (see `commit.rs`). In memory
    /// only: a process that dies releases its nodes with it.
    pub(crate) committer: commit::Committer,
    /// Submissions of this process that have not completed.
    pub(crate) running: std::sync::atomic::AtomicUsize,
    /// Subscribers to entity events.
    pub(crate) events: crate::events::Hub,
    _lock: File,
    _temporary: Option<tempfile::TempDir>,
}

/// A handle to an open store; cheap to clone and share between threads.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<StoreInner>,
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
}

impl Store {
    /// Opens (or creates) the store in folder `path`, running jobs on a pool with one worker per
    /// core.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Opens (or creates) the store in folder `path` with the given options.
    ///
    /// Jobs that a previous process left unfinished (it crashed or was killed) are marked:
    /// running ones Failed ("interrupted"), waiting ones Abandoned, and the data nodes they held
    /// are released.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Self, StoreError> {
        Self::open_inner(path.as_ref(), options, None)
    }

    /// A store in a new temporary folder, deleted when the last handle is dropped.
    pub fn temporary() -> Result<Self, StoreError> {
        Self::temporary_with(StoreOptions::default())
    }

    /// A temporary store with the given options.
    pub fn temporary_with(options: StoreOptions) -> Result<Self, StoreError> {
        let dir = tempfile::Builder::new()
            .prefix("taipy-store-")
            .tempdir()
            .map_err(|e| StoreError::io("cannot create temporary store", std::env::temp_dir(), e))?;
        let path = dir.path().to_owned();
        Self::open_inner(&path, options, Some(dir))
    }

    fn open_inner(
        path: &Path,
        options: StoreOptions,
        temporary: Option<tempfile::TempDir>,
    ) -> Result<Self, StoreError> {
        std::fs::create_dir_all(path).map_err(|e| StoreError::io("cannot create store folder", path, e))?;
        let lock_path = path.join("LOCK");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::io("cannot open lock file", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::AlreadyOpen { path: path.to_owned(), lock: lock_path });
            }
            Err(TryLockError::Error(e)) => return Err(StoreError::io("cannot lock", &lock_path, e)),
        }
        let artifacts = path.join("artifacts");
        std::fs::create_dir_all(&artifacts)
            .map_err(|e| StoreError::io("cannot create artifacts folder", &artifacts, e))?;
        let db = open_database(&path.join("db"))?;
        let entities = db.open_tree("entities")?;
        let space = |prefix: &'static [u8]| Space { tree: entities.clone(), prefix };
        let trees = Trees {
            scenarios: space(b"scenario/"),
            configs: space(b"config/"),
            nodes: space(b"node/"),
            versions: space(b"version/"),
            jobs: space(b"job/"),
            submissions: space(b"submission/"),
            memo: space(b"memo/"),
            task_runs: space(b"taskrun/"),
            cycles: space(b"cycle/"),
            sequences: space(b"sequence/"),
            files: db.open_tree("files")?,
            entities,
        };
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
        let committer = commit::Committer::start(trees.entities.clone())
            .map_err(|e| StoreError::io("cannot start the commit thread", path, e))?;
        let store = Store {
            inner: Arc::new(StoreInner {
                path: path.to_owned(),
                db,
                trees,
                artifacts,
                options,
                pool,
                committer,
                running: std::sync::atomic::AtomicUsize::new(0),
                events: crate::events::Hub::default(),
                _lock: lock,
                _temporary: temporary,
            }),
        };
        store.recover()?;
        Ok(store)
    }

    /// Marks jobs left unfinished by a dead process. (The nodes they held were held in that
    /// process's memory, so they are free.)
    fn recover(&self) -> Result<(), StoreError> {
        let trees = &self.inner.trees;
        let mut touched = false;
        for item in trees.jobs.scan(b"") {
            let (key, bytes) = item?;
            let mut job: Job = match decode("job", &key, &bytes) {
                Ok(job) => job,
                Err(e) => {
                    eprintln!("taipy: skipping an unreadable job record while recovering: {e}");
                    continue;
                }
            };
            let status = match job.status {
                JobStatus::Running => JobStatus::Failed,
                JobStatus::Submitted | JobStatus::Blocked | JobStatus::Pending => JobStatus::Abandoned,
                _ => continue,
            };
            job.status = status;
            job.reason = Some(Reason::Interrupted);
            job.finished_us = Some(now_us());
            trees.jobs.insert(&key, encode("job", &job)?)?;
            touched = true;
        }
        if touched {
            self.inner.db.flush()?;
        }
        Ok(())
    }

    /// The store's folder.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// Makes every committed change durable (submissions do this when they finish).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.apply_all()?;
        self.inner.db.flush()?;
        crate::fault::point("store.flushed");
        Ok(())
    }

    /// Every stored scenario, oldest first.
    pub fn scenarios(&self) -> Result<Vec<ScenarioInfo>, StoreError> {
        self.apply_all()?;
        let mut out = Vec::new();
        for item in self.inner.trees.scenarios.scan(b"") {
            let (key, bytes) = item?;
            let record: ScenarioRecord = decode("scenario", &key, &bytes)?;
            out.push(ScenarioInfo {
                id: record.id,
                name: record.name,
                config_id: record.config_id,
                created_us: record.created_us,
            });
        }
        out.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        Ok(out)
    }

    /// The scenario configs the store's scenarios were created from: for each config id, the
    /// latest version recorded (a scenario creation, or an open that added nodes, records it).
    pub fn configs(&self) -> Result<Vec<records::StoredConfig>, StoreError> {
        self.apply_all()?;
        let mut out = Vec::new();
        for item in self.inner.trees.configs.scan(b"") {
            let (key, bytes) = item?;
            out.push(decode("config", &key, &bytes)?);
        }
        Ok(out)
    }

    /// A job by id.
    pub fn job(&self, id: &str) -> Result<Job, StoreError> {
        self.apply_all()?;
        self.get(&self.inner.trees.jobs, "job", id.as_bytes())?
            .ok_or_else(|| StoreError::NotFound { kind: "job", id: id.to_owned() })
    }

    /// Every stored job.
    pub fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        self.apply_all()?;
        let mut out = Vec::new();
        for item in self.inner.trees.jobs.scan(b"") {
            let (key, bytes) = item?;
            out.push(decode("job", &key, &bytes)?);
        }
        Ok(out)
    }

    /// Deletes artifact files that no data-node version and no remembered result refers to.
    /// Returns how many were deleted.
    /// Refused while submissions of this store run, since their artifacts may be written but
    /// not yet committed.
    pub fn collect_garbage(&self) -> Result<usize, StoreError> {
        let count = self.inner.running.load(std::sync::atomic::Ordering::SeqCst);
        if count > 0 {
            return Err(StoreError::SubmissionsRunning { count });
        }
        self.apply_all()?;
        let mut referenced = std::collections::HashSet::new();
        let mut keep = |payload: &Payload| {
            if let Some(path) = self.cx().artifact_path(payload) {
                referenced.insert(path);
            }
        };
        for item in self.inner.trees.versions.scan(b"") {
            let (key, bytes) = item?;
            let version: records::Version = decode("version", &key, &bytes)?;
            keep(&version.stored.payload);
        }
        for item in self.inner.trees.memo.scan(b"") {
            let (key, bytes) = item?;
            let entry: records::MemoEntry = decode("memo entry", &key, &bytes)?;
            entry.outputs.iter().for_each(|stored| keep(&stored.payload));
        }
        let dir = &self.inner.artifacts;
        let mut removed = 0;
        let entries = std::fs::read_dir(dir).map_err(|e| StoreError::io("cannot list artifacts", dir, e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            // A temporary file of this process may be a value being written by a user right now.
            if name.starts_with(&format!(".tmp-{}-", std::process::id())) {
                continue;
            }
            if name.starts_with(".tmp-") || !referenced.contains(&path) {
                std::fs::remove_file(&path)
                    .map_err(|e| StoreError::io("cannot delete artifact", &path, e))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    pub(crate) fn cx(&self) -> StoreCx<'_> {
        StoreCx { artifacts: &self.inner.artifacts, files: &self.inner.trees.files }
    }

    pub(crate) fn trees(&self) -> &Trees {
        &self.inner.trees
    }

    pub(crate) fn get<T: DeserializeOwned>(
        &self,
        tree: &Space,
        what: &'static str,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match tree.get(key)? {
            Some(bytes) => Ok(Some(decode(what, key, &bytes)?)),
            None => Ok(None),
        }
    }

    /// A new unique id with a readable prefix, e.g. `JOB_scored_3f`.
    pub(crate) fn new_id(&self, prefix: &str, name: &str) -> Result<String, StoreError> {
        Ok(format!("{prefix}_{name}_{:x}", self.inner.db.generate_id()?))
    }
}

/// Opens the sled database. The caller holds the store's lock file, so sled's own lock can only
/// be held by a handle of this process that is still shutting down (sled releases it from a
/// background thread): retry briefly.
fn open_database(path: &Path) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(path)
        .cache_capacity(256 << 20)
        .flush_every_ms(Some(1000))
        .mode(sled::Mode::HighThroughput)
        .segment_size(8 << 20);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match config.open() {
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            result => return Ok(result?),
        }
    }
}

impl Drop for StoreInner {
    /// Applies and flushes what is queued before the database closes.
    fn drop(&mut self) {
        self.committer.shut_down();
        if let Err(e) = self.db.flush() {
            eprintln!("taipy: cannot flush store `{}` while closing it: {e}", self.path.display());
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish()
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
}
