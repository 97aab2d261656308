//! Orchestration overhead: 10,000 trivial tasks on an on-disk store, as a chain and as a wide
//! fan-out, first run and fully-skipped re-run. Prints the median per-job time of several
//! repetitions.
//!
//! `cargo bench -p taipy --bench orchestration [-- --tasks N --repeat R --reruns K --graph chain|fan-out --mode standalone|development]`
//!
//! Each repetition is one fresh store: one first run, then `K` (default 1) fully skipped
//! re-runs, whose median is the repetition's skipped time (many re-runs make a profile of
//! skipping).
//!
//! Last, the floor the embedded catalog sets on a first run: sled alone applying the records a
//! first run of the chain wrote per job (its status, its output's version and its memo entry:
//! the keys and bytes the store wrote, copied from its database) to a fresh database
//! configured as the store's, in batches of [`FLOOR_BATCH`] jobs, then the one record holding
//! the jobs' last runs, with no orchestration around it.
//!
//! Built with `--features jemalloc`, the bench runs on jemalloc rather than the system's
//! allocator (its first line says which): `cargo bench -p taipy --features jemalloc --bench
//! orchestration`. The library allocates per job (records, ids, the job's snapshots), and how
//! much that costs is the allocator's: the README's "Performance" gives both.
//!
//! `--quick` runs 200 tasks once per case (unless `--tasks` or `--repeat` say otherwise): the
//! times mean little, but every case runs and its checks (every job Completed on the first run,
//! every job Skipped on the re-run) hold or panic. CI runs it so in the test profile, with the
//! build `cargo test --workspace` made: `cargo test --workspace --bench orchestration -- --quick`.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{Args, chain, first_and_reruns, median};
use taipy::prelude::*;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The allocator this bench was built with.
const ALLOCATOR_NAME: &str = if cfg!(feature = "jemalloc") { "jemalloc" } else { "the system's allocator" };

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

/// How many jobs' records the floor applies in one sled batch (the store's writer thread
/// applies whatever groups are queued together; under a first run's load, tens of jobs).
const FLOOR_BATCH: usize = 64;

/// sled as the store configures its database (`taipy-core/src/store/catalog/sled.rs`).
fn sled_config(path: &Path) -> sled::Config {
    sled::Config::new()
        .path(path)
        .cache_capacity(StoreOptions::default().cache_bytes)
        .flush_every_ms(Some(1000))
        .mode(sled::Mode::HighThroughput)
        .segment_size(1 << 20)
}

/// The records a first run of `config` (a chain) wrote, four a job: a status, an output's
/// version, a memo entry and a task's last run, as keys and bytes in the store's database. Each
/// space's records are taken in key order and grouped by position (memo keys are hashes, so a
/// group is not one job's own four): what matters for sled is their keys' spread and sizes.
/// The records a first run of `config` wrote per job, and those it wrote once (its last runs).
type FirstRun = (Vec<[(Vec<u8>, Vec<u8>); 3]>, Vec<(Vec<u8>, Vec<u8>)>);

fn first_run_records(config: &std::sync::Arc<ScenarioConfig>) -> FirstRun {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        let report = Scenario::create(&store, config, "floor").unwrap().submit().unwrap().wait().unwrap();
        assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report:?}");
    }
    // sled releases the closed store's lock from a thread of its own: retry briefly.
    let deadline = Instant::now() + Duration::from_secs(5);
    let db = loop {
        match sled_config(&dir.path().join("db")).open() {
            Err(e) if Instant::now() < deadline && e.to_string().contains("lock") => {
                std::thread::sleep(Duration::from_millis(1));
            }
            opened => break opened.unwrap(),
        }
    };
    let tree = db.open_tree("entities").unwrap();
    let space = |prefix: &str| -> Vec<(Vec<u8>, Vec<u8>)> {
        tree.scan_prefix(prefix).map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap()).collect()
    };
    let (jobs, memo, runs) = (space("job/"), space("memo/"), space("taskrun/"));
    // The chain's outputs' versions (the source node's default is not a job's).
    let versions: Vec<_> =
        space("version/").into_iter().filter(|(k, _)| !k.starts_with(b"version/DATANODE_n0_")).collect();
    let n = config.tasks().len();
    for (what, list) in [("job", &jobs), ("version", &versions), ("memo entry", &memo)] {
        assert_eq!(list.len(), n, "a first run of {n} jobs writes one {what} each");
    }
    assert_eq!(runs.len(), 1, "a first run writes its last runs in one record");
    (jobs.into_iter().zip(versions).zip(memo).map(|((j, v), m)| [j, v, m]).collect(), runs)
}

/// The time sled alone takes to apply `records` to a fresh database, [`FLOOR_BATCH`] jobs a
/// batch, then flush (as a submission makes its commits durable when it ends): µs per job.
fn sled_floor((records, once): &FirstRun) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let db = sled_config(&dir.path().join("db")).open().unwrap();
    let tree = db.open_tree("entities").unwrap();
    let started = Instant::now();
    for jobs in records.chunks(FLOOR_BATCH) {
        let mut batch = sled::Batch::default();
        for (key, value) in jobs.iter().flatten() {
            batch.insert(key.as_slice(), value.as_slice());
        }
        tree.apply_batch(batch).unwrap();
    }
    let mut batch = sled::Batch::default();
    for (key, value) in once {
        batch.insert(key.as_slice(), value.as_slice());
    }
    tree.apply_batch(batch).unwrap();
    db.flush().unwrap();
    started.elapsed().as_secs_f64() * 1e6 / records.len() as f64
}

struct Sample {
    first: Duration,
    skipped: Duration,
}

/// One store's first run of `config` and the median of its `reruns` fully skipped re-runs.
fn measure(config: &std::sync::Arc<ScenarioConfig>, options: StoreOptions, reruns: usize) -> Sample {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), options).unwrap();
    let (first, skipped) = first_and_reruns(&Scenario::create(&store, config, "bench").unwrap(), reruns);
    Sample { first, skipped: median(skipped) }
}

fn main() {
    let args = Args::read();
    let flag = |name: &str, default: usize| args.number(name, default);
    let quick = args.quick();
    let tasks = flag("--tasks", if quick { 200 } else { 10_000 });
    let repeat = flag("--repeat", if quick { 1 } else { 5 });
    let reruns = flag("--reruns", 1);
    let only = |name: &str| args.text(name);
    let (only_graph, only_mode) = (only("--graph"), only("--mode"));
    println!(
        "orchestration overhead: {tasks} trivial tasks, on-disk store, median of {repeat} runs, on {ALLOCATOR_NAME}"
    );
    println!("{:<10} {:<12} {:>16} {:>20}", "graph", "mode", "first run µs/job", "skipped re-run µs/job");
    for (name, config) in [("chain", chain(tasks)), ("fan-out", fan_out(tasks))] {
        for (mode, options) in
            [("standalone", StoreOptions::default()), ("development", StoreOptions::development())]
        {
            let skip = |only: &Option<String>, this: &str| only.as_deref().is_some_and(|o| o != this);
            if skip(&only_graph, name) || skip(&only_mode, mode) {
                continue;
            }
            let samples: Vec<Sample> =
                (0..repeat).map(|_| measure(&config, options.clone(), reruns)).collect();
            let per_job = |d: Duration| d.as_secs_f64() * 1e6 / tasks as f64;
            let first = median(samples.iter().map(|s| per_job(s.first)).collect());
            let skipped = median(samples.iter().map(|s| per_job(s.skipped)).collect());
            println!("{name:<10} {mode:<12} {first:>16.1} {skipped:>20.1}");
        }
    }
    if only_graph.is_none() && only_mode.is_none() {
        let records = first_run_records(&chain(tasks));
        let floor = median((0..repeat).map(|_| sled_floor(&records)).collect());
        println!(
            "sled alone, applying the 3 records of each first-run job of the chain \
             ({FLOOR_BATCH} jobs a batch) and its last runs' record: {floor:.1} µs/job"
        );
    }
}
