//! `worker`: this program in worker mode, running jobs from a job queue (taipy's `queue`
//! feature; without it, [`run_worker`](crate::run_worker) says so).

use std::time::Duration;

use super::Context;
use super::args::WorkerArgs;
use crate::{BoxError, WorkerOptions};

/// Runs jobs of the program's scenario configs until the process is stopped.
pub(crate) fn run(cx: &mut Context<'_>, args: WorkerArgs) -> Result<(), BoxError> {
    let configs = cx.configs()?;
    if configs.is_empty() {
        return Err("a worker needs the program's scenario configs, and none is known: register them \
                    with `scenario!`, give them to `Cli::scenario`, or pass --config FILE"
            .into());
    }
    let store = cx.store_path()?;
    let mut options = WorkerOptions::new(args.queue, store);
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
