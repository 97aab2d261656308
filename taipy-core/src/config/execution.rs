//! How a store runs jobs: the execution mode and the number of worker threads, as a program or a
//! TOML config's `[JOB]` section declares them. The store reads these options when it opens.

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
