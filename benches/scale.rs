//! Scale in scenarios and in tasks: what each per-scenario operation costs with 1k, 10k and 30k
//! scenarios in the store, and what creating a scenario, loading and exporting a config cost with
//! 1k, 10k and 50k tasks. Prints the median of several repetitions of each operation.
//!
//! `cargo bench -p taipy --bench scale [-- --scenarios 1000,10000,30000 --tasks 1000,10000,50000 --repeat R]`
//!
//! Scenarios: a 4-task config of `#[task]`s; each scenario is tagged `all` and `only-<i>`, and
//! submitted once (4 jobs, one submission) on an on-disk store. Then, each timed `--repeat`
//! times (each time on another scenario): finding by a tag one scenario carries, opening by
//! name, one scenario's jobs, deleting one scenario; and reopening the store. Finding by the
//! tag every scenario carries is printed too (its result is the whole store).
//!
//! Tasks: a generated chain of `n` tasks (`tests/toml_config/chain.rs`): its TOML loaded
//! (parse + check + build), exported, and scenarios of it created (the first create of a config
//! records it; the next ones are printed apart).
//!
//! `--quick` runs 200 and 500 scenarios, 200 and 1000 tasks, once each: the times mean little,
//! but every case runs and its checks hold or panic. CI runs it in the test profile:
//! `cargo test --workspace --bench scale -- --quick`.

use std::time::{Duration, Instant};

use taipy::prelude::*;
use taipy::toml::TomlConfig;

#[path = "../tests/toml_config/chain.rs"]
mod chain;

/// The task the generated chains name.
#[task]
pub fn chain_step(x: &i64) -> i64 {
    x + 1
}

#[task]
fn load_rows(seed: &i64) -> Vec<i64> {
    (0..8).map(|i| seed + i).collect()
}

#[task]
fn total(rows: Vec<i64>) -> i64 {
    rows.iter().sum()
}

#[task]
fn largest(rows: Vec<i64>) -> i64 {
    rows.into_iter().max().unwrap_or(0)
}

#[task]
fn summary(total: &i64, largest: &i64) -> String {
    format!("{total}/{largest}")
}

/// The small config every populated scenario uses.
fn small_config() -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("small")
        .node(DataNodeConfig::with_default("seed", 1i64))
        .task(TaskConfig::of::<load_rows>().inputs(["seed"]).outputs(["rows"]))
        .task(TaskConfig::of::<total>().inputs(["rows"]).outputs(["total"]))
        .task(TaskConfig::of::<largest>().inputs(["rows"]).outputs(["largest"]))
        .task(TaskConfig::of::<summary>().inputs(["total", "largest"]).outputs(["summary"]))
        .build()
        .unwrap()
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let started = Instant::now();
    let out = f();
    (started.elapsed(), out)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn show(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 { format!("{ms:.3} ms") } else { format!("{ms:.1} ms") }
}

fn row(what: &str, values: Vec<Duration>) {
    println!("  {what:<34} {:>12}", show(median(values)));
}

/// Populates a store with `n` scenarios, then times the per-scenario operations.
fn scenarios(n: usize, repeat: usize) {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    let (populated, ()) = timed(|| {
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        for i in 0..n {
            let scenario = Scenario::create(&store, &config, &format!("s{i}")).unwrap();
            scenario.add_tag("all").unwrap();
            scenario.add_tag(&format!("only-{i}")).unwrap();
            scenario.submit().unwrap().wait().unwrap();
        }
    });
    println!("{n} scenarios (populated in {:.1} s)", populated.as_secs_f64());
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    // Each repetition on another scenario, spread over the store.
    let pick = |r: usize| (r * 7919 + n / 2) % n;
    let picks: Vec<usize> = (0..repeat).map(pick).collect();

    row(
        "find by tag (1 scenario)",
        picks
            .iter()
            .map(|&i| {
                let (t, found) = timed(|| store.scenarios_with_tag(&format!("only-{i}")).unwrap());
                assert_eq!(found.len(), 1);
                t
            })
            .collect(),
    );
    row(
        "find by tag (all scenarios)",
        (0..repeat.min(3))
            .map(|_| {
                let (t, found) = timed(|| store.scenarios_with_tag("all").unwrap());
                assert_eq!(found.len(), n);
                t
            })
            .collect(),
    );
    row(
        "open by name",
        picks
            .iter()
            .map(|&i| {
                let (t, found) = timed(|| Scenario::find(&store, &config, &format!("s{i}")).unwrap());
                assert!(found.is_some());
                t
            })
            .collect(),
    );
    let ids: Vec<String> = picks
        .iter()
        .map(|&i| Scenario::find(&store, &config, &format!("s{i}")).unwrap().unwrap().id().to_owned())
        .collect();
    row(
        "one scenario's jobs",
        ids.iter()
            .map(|id| {
                let (t, jobs) = timed(|| jobs_of(&store, id));
                assert_eq!(jobs.len(), 4);
                t
            })
            .collect(),
    );
    row(
        "delete one scenario",
        ids.iter()
            .map(|id| {
                let (t, ()) = timed(|| store.delete_scenario(id).unwrap());
                t
            })
            .collect(),
    );
    drop(store);
    row(
        "reopen the store",
        (0..repeat)
            .map(|_| {
                let (t, store) = timed(|| Store::open_with(dir.path(), StoreOptions::development()).unwrap());
                drop(store);
                t
            })
            .collect(),
    );
}

/// The jobs of scenario `id`.
fn jobs_of(store: &Store, id: &str) -> Vec<taipy::Job> {
    store.jobs_of_scenario(id).unwrap()
}

/// Times loading, exporting and creating scenarios of a chain of `n` tasks.
fn tasks(n: usize, repeat: usize) {
    println!("{n} chained tasks");
    let text = chain::chain(n, false);
    let mut loaded = None;
    row(
        "TOML load",
        (0..repeat)
            .map(|_| {
                let (t, config) = timed(|| TomlConfig::from_str(&text).unwrap());
                loaded = Some(config);
                t
            })
            .collect(),
    );
    let config = loaded.unwrap().scenario("chain").unwrap().clone();
    row(
        "TOML export",
        (0..repeat)
            .map(|_| {
                let (t, exported) = timed(|| taipy::toml::export(&config).unwrap());
                assert_eq!(exported.matches("[TASK.").count(), n);
                t
            })
            .collect(),
    );
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let (first, _) = timed(|| Scenario::create(&store, &config, "first").unwrap());
    row("create a scenario (first)", vec![first]);
    row(
        "create a scenario (next ones)",
        (0..repeat)
            .map(|i| {
                let (t, scenario) = timed(|| Scenario::create(&store, &config, &format!("s{i}")).unwrap());
                assert_eq!(scenario.config().tasks().len(), n);
                t
            })
            .collect(),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let list = |name: &str, default: &[usize]| -> Vec<usize> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or_else(|| default.to_vec(), |v| v.split(',').map(|n| n.parse().unwrap()).collect())
    };
    let quick = args.iter().any(|a| a == "--quick");
    let counts = list("--scenarios", if quick { &[200, 500] } else { &[1_000, 10_000, 30_000] });
    let sizes = list("--tasks", if quick { &[200, 1_000] } else { &[1_000, 10_000, 50_000] });
    let repeat = list("--repeat", &[if quick { 1 } else { 5 }])[0];
    println!("scale: on-disk stores, development mode, median of {repeat}");
    for n in counts {
        scenarios(n, repeat);
    }
    for n in sizes {
        tasks(n, repeat);
    }
}
