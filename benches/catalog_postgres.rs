//! What a job costs on a store whose catalog is on PostgreSQL, beside the embedded store: N
//! trivial tasks as a chain, first run and fully-skipped re-run, per job (median of R runs).
//!
//! `TAIPY_TEST_POSTGRES=postgres://… cargo bench -p taipy --bench catalog_postgres [-- --tasks N --repeat R]`
//!
//! Each run works in a schema of its own, dropped at the end. `--quick` runs 50 tasks once:
//! the times mean little, but the checks (every job Completed, then every job Skipped) hold or
//! panic. Without `TAIPY_TEST_POSTGRES` it says so and measures the embedded store only.

mod support;

use std::time::Duration;

use support::{Args, chain, first_and_skipped, median};
use taipy::prelude::*;

/// A store on PostgreSQL in a fresh schema, measured, then the schema dropped.
/// First run and skipped re-run of `config` on `store`.
fn measure(store: &Store, config: &std::sync::Arc<ScenarioConfig>) -> (Duration, Duration) {
    first_and_skipped(&Scenario::create(store, config, "bench").unwrap())
}

/// A store on PostgreSQL in a fresh schema, measured, then the schema dropped.
fn on_postgres(
    base: &str,
    run: usize,
    config: &std::sync::Arc<ScenarioConfig>,
    options: StoreOptions,
) -> (Duration, Duration) {
    let schema = format!("taipy_bench_{}_{run}", std::process::id());
    let separator = if base.contains('?') { '&' } else { '?' };
    let local = tempfile::tempdir().unwrap();
    let url = format!("{base}{separator}schema={schema}");
    let sample = {
        let store = Store::open_with(&url, options.with_local_folder(local.path())).unwrap();
        measure(&store, config)
    };
    let mut client = base.parse::<postgres::Config>().unwrap().connect(postgres::NoTls).unwrap();
    client.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
    sample
}

fn main() {
    let args = Args::read();
    let flag = |name: &str, default: usize| args.number(name, default);
    let quick = args.quick();
    let tasks = flag("--tasks", if quick { 50 } else { 1000 });
    let repeat = flag("--repeat", if quick { 1 } else { 3 });
    let server = std::env::var("TAIPY_TEST_POSTGRES").ok();
    if server.is_none() {
        println!("TAIPY_TEST_POSTGRES is unset (eval \"$(bash .ci/services.sh)\"): the embedded store only");
    }
    let config = chain(tasks);
    println!("catalog cost per job: a chain of {tasks} trivial tasks, median of {repeat} runs");
    println!("{:<12} {:<12} {:>16} {:>20}", "catalog", "mode", "first run µs/job", "skipped re-run µs/job");
    for (mode, options) in
        [("standalone", StoreOptions::default()), ("development", StoreOptions::development())]
    {
        let mut rows: Vec<(&str, Vec<(Duration, Duration)>)> = Vec::new();
        let sled = (0..repeat)
            .map(|_| {
                let dir = tempfile::tempdir().unwrap();
                measure(&Store::open_with(dir.path(), options.clone()).unwrap(), &config)
            })
            .collect();
        rows.push(("sled", sled));
        if let Some(base) = &server {
            rows.push((
                "postgresql",
                (0..repeat).map(|run| on_postgres(base, run, &config, options.clone())).collect(),
            ));
        }
        for (catalog, samples) in rows {
            let per_job = |d: Duration| d.as_secs_f64() * 1e6 / tasks as f64;
            let first = median(samples.iter().map(|s| per_job(s.0)).collect());
            let skipped = median(samples.iter().map(|s| per_job(s.1)).collect());
            println!("{catalog:<12} {mode:<12} {first:>16.1} {skipped:>20.1}");
        }
    }
}
