//! Jobs run by worker processes fed by a job queue on PostgreSQL (feature `queue`; without
//! it, [`WorkerOptions`] and [`run_worker`] exist and say so).
//!
//! The queue is apalis with its PostgreSQL storage (`apalis-postgres`): it keeps each job in
//! a table, leases it to one worker at a time, re-enqueues the jobs of a worker that stops
//! heartbeating, and re-runs a failed attempt while attempts remain. No protocol of ours runs
//! on its tables; we only choose what a job says (`message.rs`).
//!
//! - `client.rs`: the submitting process hands a job decided Run to the queue and waits for its
//!   answer; it stays the only committer of its submission (`execute.rs` commits the outputs
//!   the worker stored exactly as it commits a local run's), so a job is committed once
//!   whatever the queue re-runs.
//! - `worker.rs`: a worker process (the user's binary in worker mode) runs the jobs.
//!
//! Not supported yet: tasks reading or writing nodes kept outside the store (files at a path,
//! SQL, object storage, in memory) run in the submitting process; a task's timeout is not
//! enforced on workers; the attempts a worker made are not shown one by one on the job.

#[cfg(feature = "queue")]
mod client;
#[cfg(feature = "queue")]
mod message;
#[cfg(feature = "queue")]
mod remote;
#[cfg(feature = "queue")]
mod worker;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "queue")]
use client::QueueClient;
#[cfg(feature = "queue")]
use message::{InputMessage, JobMessage, NodeMessage, Outcome, StoredMessage};

use crate::config::{ArtifactsUrl, Executor, ScenarioConfig, StoreOptions};
use crate::value::FrameCompression;

/// How a worker process connects and behaves.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// The queue's PostgreSQL URL (the store's [`Executor::Queue`](crate::Executor::Queue) URL).
    pub queue: String,
    /// The worker's local folder. With artifacts in a folder (`artifacts` is `None`): the
    /// folder of the store whose jobs it runs, whose `artifacts/` it reads inputs from and
    /// writes outputs to (the catalog in it stays the submitting process's). With artifacts on
    /// object storage: where it keeps its verified local copies (`artifact-cache/`).
    pub store: PathBuf,
    /// Where the store keeps its artifacts when not in its folder: object storage, as
    /// [`StoreOptions::artifacts`] says (feature `s3`).
    pub artifacts: Option<ArtifactsUrl>,
    /// The worker's name in the queue and in job traces, unique among running workers
    /// (default: `worker-<process id>`).
    pub name: String,
    /// How often the worker tells the queue it is alive (default: 2 s).
    pub heartbeat: Duration,
    /// How many heartbeats a worker may miss before its jobs go to another worker (default:
    /// 3, so a killed worker's job is taken again after about 6 s). Raised as needed for a
    /// lease of at least 2 s (the queue counts leases in whole seconds).
    pub missed_heartbeats: usize,
    /// How new frame artifacts are compressed: keep the store's setting (default: the store's
    /// default).
    pub frame_compression: FrameCompression,
}

impl WorkerOptions {
    /// A worker for the store at `store` fed by the queue at `queue`, with default settings.
    pub fn new(queue: impl Into<String>, store: impl Into<PathBuf>) -> Self {
        Self {
            queue: queue.into(),
            store: store.into(),
            artifacts: None,
            name: format!("worker-{}", std::process::id()),
            heartbeat: Duration::from_secs(2),
            missed_heartbeats: 3,
            frame_compression: FrameCompression::default(),
        }
    }

    /// A worker for the store that [`Store::open_with`](crate::Store::open_with)`(location,
    /// options)` opens, with default settings: the same artifacts (the store's folder, a
    /// server store's local folder, or object storage with verified local copies in that
    /// folder), the same frame compression, and the job queue of the options' executor.
    ///
    /// ```
    /// use taipy_core::{ArtifactsUrl, Executor, StoreOptions, WorkerOptions};
    /// let url = ArtifactsUrl::parse("s3://team-artifacts/q3?endpoint=http://127.0.0.1:9000")?;
    /// let options = StoreOptions::default()
    ///     .with_artifacts(url)
    ///     .with_executor(Executor::queue("postgres://taipy@127.0.0.1/jobs"));
    /// let worker = WorkerOptions::for_store("/srv/taipy/runs", &options)?;
    /// assert_eq!(worker.queue, "postgres://taipy@127.0.0.1/jobs");
    /// assert_eq!(worker.store, std::path::Path::new("/srv/taipy/runs"));
    /// assert_eq!(worker.artifacts.unwrap().to_string(), "s3://team-artifacts/q3");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_store(location: impl AsRef<Path>, options: &StoreOptions) -> Result<Self, QueueError> {
        let location = location.as_ref();
        let Executor::Queue { url } = &options.executor else {
            return Err(QueueError::NoQueue);
        };
        let folder = crate::store::Store::local_folder_of(location, options)
            .map_err(|e| QueueError::Store { path: location.to_owned(), reason: e.to_string() })?;
        Ok(Self {
            artifacts: options.artifacts.clone(),
            frame_compression: options.frame_compression,
            ..Self::new(url.clone(), folder)
        })
    }

    /// A worker whose store keeps its artifacts at `url`, with its verified local copies in
    /// a folder under the system's temporary directory named after `url` (shared by the
    /// workers of one machine), with default settings.
    ///
    /// ```
    /// use taipy_core::{ArtifactsUrl, WorkerOptions};
    /// let url = ArtifactsUrl::parse("s3://team-artifacts/q3")?;
    /// let worker = WorkerOptions::on_object_storage("postgres://taipy@127.0.0.1/jobs", url);
    /// assert!(worker.store.starts_with(std::env::temp_dir()));
    /// # Ok::<(), taipy_core::ConfigError>(())
    /// ```
    pub fn on_object_storage(queue: impl Into<String>, url: ArtifactsUrl) -> Self {
        let name = blake3::hash(url.location().as_bytes());
        let folder = std::env::temp_dir().join(format!("taipy-worker-{}", &name.to_hex()[..16]));
        Self { artifacts: Some(url), ..Self::new(queue, folder) }
    }
}

/// Runs a worker until the process ends or the queue cannot be reached: takes jobs of the
/// scenario configs `configs` (the program's own) from the queue and runs them, one at a time.
///
/// ```no_run
/// use taipy_core::{ScenarioConfig, TaskConfig, WorkerOptions, run_worker};
/// # fn double(x: &i64) -> i64 { x * 2 }
/// let config = ScenarioConfig::builder("doubling")
///     .task(TaskConfig::new("double", double).inputs(["x"]).outputs(["y"]))
///     .build()?;
/// let options = WorkerOptions::new("postgres://taipy:taipy@127.0.0.1:5432/jobs", "target/store");
/// run_worker(&[config], &options)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_worker(configs: &[Arc<ScenarioConfig>], options: &WorkerOptions) -> Result<(), QueueError> {
    #[cfg(feature = "queue")]
    return worker::run(configs, options);
    #[cfg(not(feature = "queue"))]
    {
        let _ = (configs, options);
        Err(QueueError::NotBuilt)
    }
}

/// Why the job queue cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The queue's database cannot be reached, or its tables cannot be set up.
    #[error("cannot reach the job queue at {url}: {reason}")]
    Unreachable {
        /// The queue's URL, without its password.
        url: String,
        /// What the client said.
        reason: String,
    },
    /// No job queue is given (the store's executor is not a queue).
    #[error(
        "no job queue given: pass the queue's PostgreSQL URL (`--queue URL`, `[CORE] job_queue`, \
         or `Executor::queue`)"
    )]
    NoQueue,
    /// The store's artifacts cannot be opened by a worker.
    #[error("worker cannot open the artifacts of store `{}`: {reason}", path.display())]
    Store {
        /// The store's folder.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A worker stopped on an error of the queue library.
    #[error("worker `{name}` stopped: {reason}")]
    Worker {
        /// The worker's name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The queue's runtime cannot be started.
    #[error("cannot start the job queue's runtime: {0}")]
    Runtime(String),
    /// This program was built without the job queue.
    #[error(
        "this program was built without the job queue: enable taipy's `queue` feature \
         (`taipy = {{ version = \"...\", features = [\"queue\"] }}`)"
    )]
    NotBuilt,
}

#[cfg(feature = "queue")]
/// The queue library's settings shared by both sides: our queue's name.
fn queue_config() -> apalis_postgres::Config {
    apalis_postgres::Config::default().queue(client::QUEUE)
}

#[cfg(feature = "queue")]
/// A small tokio runtime (one worker thread) for the queue library.
fn runtime(name: &str) -> Result<tokio::runtime::Runtime, QueueError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(name)
        .enable_all()
        .build()
        .map_err(|e| QueueError::Runtime(e.to_string()))
}

#[cfg(feature = "queue")]
/// The library's storage of our queue on a new pool at `url` (its tables set up).
async fn open_storage(url: &str) -> Result<apalis_postgres::PostgresStorage<JobMessage>, QueueError> {
    let pool = client::connect_pool(url).await?;
    Ok(apalis_postgres::PostgresStorage::new(&pool).with_config(queue_config()))
}
