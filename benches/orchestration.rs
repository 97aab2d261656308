//! Orchestration overhead: 10,000 trivial tasks on an on-disk store, as a chain and as a wide
//! fan-out, first run and fully-skipped re-run. Prints the median per-job time of several
//! repetitions.
//!
//! `cargo bench -p taipy --bench orchestration [-- --tasks N --repeat R --graph chain|fan-out --mode standalone|development]`
//!
//! `--quick` runs 200 tasks once per case (unless `--tasks` or `--repeat` say otherwise): the
//! times mean little, but every case runs and its checks (every job Completed on the first run,
//! every job Skipped on the re-run) hold or panic. CI runs it so in the test profile, with the
//! build `cargo test --workspace` made: `cargo test --workspace --bench orchestration -- --quick`.

mod support;

use std::time::Duration;

use support::{Args, chain, first_and_skipped, median};
use taipy::prelude::*;

fn fan_out(n: usize) -> std::sync::Arc<ScenarioConfig> {
    let mut builder = ScenarioConfig::builder("fan_out").node(DataNodeConfig::with_default("x", 0u64));
    for i in 0..n {
        builder = builder.task(
            TaskConfig::new(format!("t{i}"), move |x: &u64| x + i as u64)
                .inputs(["x"])
                .outputs([format!("y{i}")]),
        );
    }
    builder.build().unwrap()
}

struct Sample {
    first: Duration,
    skipped: Duration,
}

fn measure(config: &std::sync::Arc<ScenarioConfig>, options: StoreOptions) -> Sample {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), options).unwrap();
    let (first, skipped) = first_and_skipped(&Scenario::create(&store, config, "bench").unwrap());
    Sample { first, skipped }
}

fn main() {
    let args = Args::read();
    let flag = |name: &str, default: usize| args.number(name, default);
    let quick = args.quick();
    let tasks = flag("--tasks", if quick { 200 } else { 10_000 });
    let repeat = flag("--repeat", if quick { 1 } else { 5 });
    let only = |name: &str| args.text(name);
    let (only_graph, only_mode) = (only("--graph"), only("--mode"));
    println!("orchestration overhead: {tasks} trivial tasks, on-disk store, median of {repeat} runs");
    println!("{:<10} {:<12} {:>16} {:>20}", "graph", "mode", "first run µs/job", "skipped re-run µs/job");
    for (name, config) in [("chain", chain(tasks)), ("fan-out", fan_out(tasks))] {
        for (mode, options) in
            [("standalone", StoreOptions::default()), ("development", StoreOptions::development())]
        {
            let skip = |only: &Option<String>, this: &str| only.as_deref().is_some_and(|o| o != this);
            if skip(&only_graph, name) || skip(&only_mode, mode) {
                continue;
            }
            let samples: Vec<Sample> = (0..repeat).map(|_| measure(&config, options.clone())).collect();
            let per_job = |d: Duration| d.as_secs_f64() * 1e6 / tasks as f64;
            let first = median(samples.iter().map(|s| per_job(s.first)).collect());
            let skipped = median(samples.iter().map(|s| per_job(s.skipped)).collect());
            println!("{name:<10} {mode:<12} {first:>16.1} {skipped:>20.1}");
        }
    }
}
