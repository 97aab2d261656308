//! `worker`: this program in worker mode, running jobs from a job queue (taipy's `queue`
//! feature; without it, [`run_worker`](crate::run_worker) says so).
//!
//! The worker opens the artifacts the store uses, found as every other command finds the
//! store: `--store` (a folder, or a `postgres://` catalog whose local folder it uses),
//! `--config FILE`'s `[CORE]` (`storage_url`, `artifacts_url`, `job_queue`, `storage_folder`),
//! or the builder's options; `--artifacts` and `--queue` override those.

use std::time::Duration;

use super::Context;
use super::args::WorkerArgs;
use crate::{ArtifactsUrl, BoxError, Executor, WorkerOptions};

/// Runs jobs of the program's scenario configs until the process is stopped.
pub(crate) fn run(cx: &mut Context<'_>, args: WorkerArgs) -> Result<(), BoxError> {
    let configs = cx.configs()?;
    if configs.is_empty() {
        return Err("a worker needs the program's scenario configs, and none is known: register them \
                    with `scenario!`, give them to `Cli::scenario`, or pass --config FILE"
            .into());
    }
    let (location, mut store_options) = cx.store_place()?;
    if let Some(url) = args.artifacts {
        store_options.artifacts = Some(ArtifactsUrl::parse(&url)?);
    }
    if let Some(queue) = args.queue {
        store_options.executor = Executor::queue(queue);
    }
    let mut options = match (location, store_options.artifacts.clone(), &store_options.executor) {
        (Some(location), _, _) => WorkerOptions::for_store(location, &store_options)?,
        (None, Some(url), Executor::Queue { url: queue }) => {
            let options = WorkerOptions::on_object_storage(queue.clone(), url);
            WorkerOptions { frame_compression: store_options.frame_compression, ..options }
        }
        (None, Some(_), _) => return Err(crate::QueueError::NoQueue.into()),
        (None, None, _) => {
            return Err("no store given: pass `--store DIR` (the store's folder) or `--artifacts \
                        s3://...` (where the store keeps its artifacts)"
                .into());
        }
    };
    if let Some(name) = args.name {
        options.name = name;
    }
    options.heartbeat = Duration::from_millis(args.heartbeat_ms.max(1));
    let names: Vec<&str> = configs.iter().map(|c| c.id()).collect();
    writeln!(cx.out(), "worker `{}` runs jobs of {} from the job queue", options.name, names.join(", "))?;
    cx.out().flush()?;
    crate::run_worker(&configs, &options)?;
    Ok(())
}
