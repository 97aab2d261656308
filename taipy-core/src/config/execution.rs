//! How a store runs jobs: the execution mode and the number of worker threads, as a program or a
//! TOML config's `[JOB]` section declares them; and how it compresses frame artifacts. The store
//! reads these options when it opens.

use crate::error::ConfigError;
use crate::value::FrameCompression;

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

/// Where a store's jobs run once they are decided to run (skips are always decided and
/// committed by the submitting process).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Executor {
    /// On this process's threads, as [`ExecutionMode`] says (the default).
    #[default]
    Local,
    /// On worker processes fed by a job queue on PostgreSQL (the `queue` feature): a worker is
    /// the user's own binary in worker mode (`taipy::cli`'s `worker` command). The submitting
    /// process still decides, commits and publishes every job; a task whose nodes are kept
    /// elsewhere than in the store (files, SQL, object storage) runs locally. See the README's
    /// "Past one machine".
    Queue {
        /// The queue's PostgreSQL URL, e.g. `postgres://user:password@host:5432/db`.
        url: String,
    },
}

impl Executor {
    /// Workers fed by the job queue at `url` (a PostgreSQL URL).
    pub fn queue(url: impl Into<String>) -> Self {
        Self::Queue { url: url.into() }
    }
}

/// What opening a scenario does when this program's config is another version than the one the
/// scenario was created with (see [`Scenario::open`](crate::Scenario::open) and the README's
/// "Config versions"). Taipy's three modes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum VersionMode {
    /// The scenario is re-bound to the new version, and what no longer fits is re-created: a
    /// node whose type changed never has its old value read as the new type (a registered
    /// migration converts it, if any); a produced one is computed again by the next submit, a
    /// source one must be written, or gets its new default when the old value cannot be told
    /// apart from a new one by its layout. For programs under development.
    #[default]
    Development,
    /// Versions side by side: a scenario stays bound to the version it was created with (opening
    /// it with another is an error naming its version); finding a scenario by name looks only at
    /// the current version's. New versions recorded get `name`, if given.
    Experiment {
        /// The name given to the config versions this store records (Taipy's version number).
        name: Option<String>,
    },
    /// A scenario is re-bound to the new version only if every value it holds still fits:
    /// every retyped source node holding a value has a registered migration
    /// ([`migration!`](crate::migration)); otherwise opening it is refused with every
    /// difference.
    Production,
}

impl VersionMode {
    /// Experiment mode naming the config versions it records `name`.
    pub fn experiment(name: impl Into<String>) -> Self {
        Self::Experiment { name: Some(name.into()) }
    }
}

/// Options for opening a store.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// How jobs are executed.
    pub mode: ExecutionMode,
    /// The number of worker threads in [`ExecutionMode::Standalone`] (default: the number of
    /// cores), at most [`MAX_WORKERS`](Self::MAX_WORKERS).
    pub max_workers: usize,
    /// How new `DataFrame` / `LazyFrame` artifacts are compressed (default:
    /// [`FrameCompression::default`], chosen from the measurements in the README). A store's
    /// artifacts are read whatever codec wrote them; keep one codec per store, though, since
    /// equal frames written with two codecs have different content hashes (see
    /// [`FrameCompression`]).
    pub frame_compression: FrameCompression,
    /// What opening a scenario created with another version of its config does (default:
    /// [`VersionMode::Development`]).
    pub versions: VersionMode,
    /// The bytes of records the embedded catalog (sled) keeps cached in memory (default:
    /// [`DEFAULT_CACHE_BYTES`](Self::DEFAULT_CACHE_BYTES)).
    pub cache_bytes: u64,
    /// How many data nodes' states (record and current version) the store keeps in memory
    /// between submissions (default: [`DEFAULT_NODE_CACHE`](Self::DEFAULT_NODE_CACHE)). Past
    /// it, the states of the nodes no running job holds are dropped once every change is
    /// applied, and read again from the catalog when needed.
    pub node_cache: usize,
    /// For a store whose catalog is on a server (a `postgres://` location, see
    /// [`Store::open`](crate::Store::open)): the local folder for its artifacts. `None` (the
    /// default): a folder under the system's temporary directory named after the location, so
    /// that the processes of one machine share it. Ignored for a store in a folder, which keeps
    /// its artifacts inside.
    pub local_folder: Option<std::path::PathBuf>,
    /// Where artifacts are kept (default `None`: the store's own `artifacts/` folder). An
    /// [`ArtifactsUrl`](crate::ArtifactsUrl) puts them on S3-compatible object storage (feature
    /// `s3`), with verified local copies in the store's `artifact-cache/` folder.
    pub artifacts: Option<crate::config::ArtifactsUrl>,
    /// Where jobs decided to run are run (default: [`Executor::Local`]).
    pub executor: Executor,
}

impl Default for StoreOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            mode: ExecutionMode::Standalone,
            max_workers: cores.min(Self::MAX_WORKERS),
            frame_compression: FrameCompression::default(),
            versions: VersionMode::default(),
            cache_bytes: Self::DEFAULT_CACHE_BYTES,
            node_cache: Self::DEFAULT_NODE_CACHE,
            local_folder: None,
            artifacts: None,
            executor: Executor::Local,
        }
    }
}

impl StoreOptions {
    /// The most worker threads a store runs: 1024.
    ///
    /// A fixed number rather than a multiple of the machine's cores: tasks that wait on I/O (a
    /// database, a service) can use more threads than cores, and a config file is valid or not
    /// on every machine that checks it. A thousand threads start in milliseconds and reserve
    /// only virtual memory for their stacks; a hundred thousand take the process down.
    pub const MAX_WORKERS: usize = 1024;

    /// The default [`cache_bytes`](Self::cache_bytes): 256 MiB.
    pub const DEFAULT_CACHE_BYTES: u64 = 256 << 20;

    /// The default [`node_cache`](Self::node_cache): 50,000 nodes.
    pub const DEFAULT_NODE_CACHE: usize = 50_000;

    /// Synchronous execution in the submitting thread.
    pub fn development() -> Self {
        Self { mode: ExecutionMode::Development, ..Self::default() }
    }

    /// Parallel execution on `workers` threads (at most [`MAX_WORKERS`](Self::MAX_WORKERS):
    /// [`check`](Self::check) refuses more).
    pub fn standalone(workers: usize) -> Self {
        Self { mode: ExecutionMode::Standalone, max_workers: workers.max(1), ..Self::default() }
    }

    /// These options with new frame artifacts compressed with `compression`.
    pub fn with_frame_compression(self, compression: FrameCompression) -> Self {
        Self { frame_compression: compression, ..self }
    }

    /// These options with the embedded catalog caching `bytes` of records.
    ///
    /// ```
    /// # use taipy_core::{Store, StoreOptions};
    /// let store = Store::temporary_with(StoreOptions::development().with_cache_bytes(16 << 20))?;
    /// assert_eq!(store.options().cache_bytes, 16 << 20);
    /// # Ok::<(), taipy_core::StoreError>(())
    /// ```
    pub fn with_cache_bytes(self, bytes: u64) -> Self {
        Self { cache_bytes: bytes, ..self }
    }

    /// These options keeping at most `nodes` data nodes' states in memory between submissions.
    pub fn with_node_cache(self, nodes: usize) -> Self {
        Self { node_cache: nodes, ..self }
    }

    /// These options with `folder` as the local folder of a store whose catalog is on a server
    /// (see [`local_folder`](Self::local_folder)).
    ///
    /// ```
    /// # use taipy_core::StoreOptions;
    /// let options = StoreOptions::development().with_local_folder("/var/cache/team-store");
    /// assert_eq!(options.local_folder.as_deref(), Some(std::path::Path::new("/var/cache/team-store")));
    /// ```
    pub fn with_local_folder(self, folder: impl Into<std::path::PathBuf>) -> Self {
        Self { local_folder: Some(folder.into()), ..self }
    }

    /// These options with artifacts kept at `url` (see [`artifacts`](Self::artifacts)).
    ///
    /// ```
    /// # use taipy_core::{ArtifactsUrl, StoreOptions};
    /// let url = ArtifactsUrl::parse("s3://team-artifacts/q3")?.endpoint("http://127.0.0.1:9000");
    /// let options = StoreOptions::default().with_artifacts(url);
    /// assert_eq!(options.artifacts.unwrap().to_string(), "s3://team-artifacts/q3");
    /// # Ok::<(), taipy_core::ConfigError>(())
    /// ```
    pub fn with_artifacts(self, url: crate::config::ArtifactsUrl) -> Self {
        Self { artifacts: Some(url), ..self }
    }

    /// These options with jobs run by `executor`.
    ///
    /// ```
    /// # use taipy_core::{Executor, StoreOptions};
    /// let options = StoreOptions::default().with_executor(Executor::queue("postgres://localhost/jobs"));
    /// assert_eq!(options.executor, Executor::Queue { url: "postgres://localhost/jobs".into() });
    /// ```
    pub fn with_executor(self, executor: Executor) -> Self {
        Self { executor, ..self }
    }

    /// These options with config versions handled as `versions` says.
    pub fn with_versions(self, versions: VersionMode) -> Self {
        Self { versions, ..self }
    }

    /// Checks the options before a store uses them: `max_workers` at most
    /// [`MAX_WORKERS`](Self::MAX_WORKERS), whatever the mode; a Zstandard level within
    /// [`FrameCompression::ZSTD_LEVELS`].
    ///
    /// ```
    /// use taipy_core::{ConfigError, StoreOptions};
    ///
    /// assert!(StoreOptions::standalone(8).check().is_ok());
    /// let err = StoreOptions::standalone(100_000).check().unwrap_err();
    /// assert!(matches!(err, ConfigError::TooManyWorkers { workers: 100_000, max: 1024 }));
    /// assert_eq!(err.to_string(), "store options ask for 100000 worker threads; a store runs at most 1024");
    /// ```
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.max_workers > Self::MAX_WORKERS {
            return Err(ConfigError::TooManyWorkers { workers: self.max_workers, max: Self::MAX_WORKERS });
        }
        self.frame_compression.check().map_err(|reason| ConfigError::FrameCompression { reason })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_counts_are_bounded() {
        assert!(StoreOptions::default().check().is_ok());
        assert!(StoreOptions::development().check().is_ok());
        assert!(StoreOptions::standalone(StoreOptions::MAX_WORKERS).check().is_ok());
        let err = StoreOptions::standalone(100_000).check().unwrap_err();
        assert!(matches!(err, ConfigError::TooManyWorkers { workers: 100_000, max: 1024 }), "{err:?}");
        assert_eq!(err.to_string(), "store options ask for 100000 worker threads; a store runs at most 1024");
        // Whatever the mode: the number is a mistake even where it is not used yet.
        let development = StoreOptions { max_workers: 1025, ..StoreOptions::development() };
        assert!(development.check().is_err());
    }

    #[test]
    fn zstd_levels_are_checked() {
        let ok = StoreOptions::development().with_frame_compression(FrameCompression::Zstd(22));
        assert!(ok.check().is_ok());
        let err =
            StoreOptions::default().with_frame_compression(FrameCompression::Zstd(0)).check().unwrap_err();
        assert!(matches!(err, ConfigError::FrameCompression { .. }), "{err:?}");
        assert_eq!(err.to_string(), "store options: zstd level 0 is out of range (1 to 22)");
    }
}
