//! How a store runs jobs: the execution mode and the number of worker threads, as a program or a
//! TOML config's `[JOB]` section declares them. The store reads these options when it opens.

use crate::error::ConfigError;

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
    /// cores), at most [`MAX_WORKERS`](Self::MAX_WORKERS).
    pub max_workers: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { mode: ExecutionMode::Standalone, max_workers: cores.min(Self::MAX_WORKERS) }
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

    /// Synchronous execution in the submitting thread.
    pub fn development() -> Self {
        Self { mode: ExecutionMode::Development, ..Self::default() }
    }

    /// Parallel execution on `workers` threads (at most [`MAX_WORKERS`](Self::MAX_WORKERS):
    /// [`check`](Self::check) refuses more).
    pub fn standalone(workers: usize) -> Self {
        Self { mode: ExecutionMode::Standalone, max_workers: workers.max(1) }
    }

    /// Checks the options before a store uses them: `max_workers` at most
    /// [`MAX_WORKERS`](Self::MAX_WORKERS), whatever the mode.
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
}
