//! Crash consistency, with real processes killed by SIGKILL: while a task runs, at each step of
//! the commit protocol (`TAIPY_FAULT`, see `taipy-core/src/fault.rs`), and at random moments.
//! After each kill this process reopens the store and checks what the README promises: no job
//! is left Running or waiting, an interrupted job is Failed ("interrupted") and its downstream
//! Abandoned, every Completed or Skipped job has every output readable at its type with the
//! value its inputs give, and a resubmit ends with a clean run's values.
//!
//! The tests re-run this test binary as a child process: `child_process` is the child's entry
//! point and returns at once in a normal test run.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Blob;
use common::child::{Child, Ended, this_test};
use taipy::prelude::*;
use taipy::{Job, Reason, StoreError, SubmissionStatus, Writer};

const MODE: &str = "TAIPY_TEST_CHILD_MODE";
const STORE: &str = "TAIPY_TEST_STORE";
/// The value the child writes into the `seed` node before submitting.
const SEED: &str = "TAIPY_TEST_SEED";
/// A task that blocks once running, and the file the child creates when that task's Running
/// record is durable.
const BLOCK: &str = "TAIPY_TEST_BLOCK_TASK";
const MARKER: &str = "TAIPY_TEST_MARKER";
/// Set: the child flushes its store over and over, so that what it has committed reaches the
/// disk at random moments (sled alone flushes every second, after these children are gone).
const FLUSH_LOOP: &str = "TAIPY_TEST_FLUSH_LOOP";

// The pipeline: seed → generate → raw (artifact) → transform → shaped (artifact) → measure →
// counts; report reads shaped and counts → summary.

const BYTES: usize = 256 << 10;

fn block_if(task: &str) {
    if std::env::var(BLOCK).is_ok_and(|t| t == task) {
        std::thread::sleep(Duration::from_secs(120)); // killed long before
    }
}

fn generate(seed: &u64) -> Blob {
    block_if("generate");
    let mut state = *seed;
    let mut bytes = Vec::with_capacity(BYTES);
    while bytes.len() < BYTES {
        bytes.extend_from_slice(&splitmix(&mut state).to_le_bytes());
    }
    Blob(bytes)
}

fn transform(raw: &Blob) -> Blob {
    block_if("transform");
    Blob(raw.0.iter().enumerate().map(|(i, b)| b.wrapping_mul(31) ^ (i as u8)).collect())
}

fn measure(shaped: &Blob) -> Vec<u64> {
    block_if("measure");
    let mut counts = vec![0u64; 16];
    shaped.0.iter().for_each(|b| counts[usize::from(b >> 4)] += 1);
    counts
}

fn report(shaped: &Blob, counts: &[u64]) -> String {
    block_if("report");
    let checksum = shaped.0.iter().fold(0u64, |h, &b| h.rotate_left(5) ^ u64::from(b));
    format!("{} bytes, checksum {checksum:016x}, counts {counts:?}", shaped.0.len())
}

const TASKS: [&str; 4] = ["generate", "transform", "measure", "report"];

fn config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("crash")
        .node(DataNodeConfig::with_default("seed", 1u64))
        .task(TaskConfig::new("generate", generate).inputs(["seed"]).outputs(["raw"]))
        .task(TaskConfig::new("transform", transform).inputs(["raw"]).outputs(["shaped"]))
        .task(TaskConfig::new("measure", measure).inputs(["shaped"]).outputs(["counts"]))
        .task(TaskConfig::new("report", report).inputs(["shaped", "counts"]).outputs(["summary"]))
        .build()
        .expect("valid config")
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A node's value at its type.
#[derive(Clone, PartialEq)]
enum Value {
    Seed(u64),
    Bytes(Blob),
    Counts(Vec<u64>),
    Text(String),
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Seed(n) => write!(f, "Seed({n})"),
            Value::Bytes(b) => write!(f, "Bytes({} bytes, first {:?})", b.0.len(), &b.0[..b.0.len().min(8)]),
            Value::Counts(c) => write!(f, "Counts({c:?})"),
            Value::Text(t) => write!(f, "Text({t:?})"),
        }
    }
}

/// Reads version `number` of node `name` (the current version if `None`) at the node's type.
fn read(scenario: &Scenario, name: &str, number: Option<u64>) -> Result<Value, StoreError> {
    fn at<T: DataValue>(s: &Scenario, name: &str, number: Option<u64>) -> Result<T, StoreError> {
        let node = s.data_node::<T>(name)?;
        match number {
            Some(n) => node.read_version(n),
            None => node.read(),
        }
    }
    Ok(match name {
        "seed" => Value::Seed(at(scenario, name, number)?),
        "raw" | "shaped" => Value::Bytes(at(scenario, name, number)?),
        "counts" => Value::Counts(at(scenario, name, number)?),
        "summary" => Value::Text(at(scenario, name, number)?),
        other => panic!("no node `{other}`"),
    })
}

/// What `task` gives for `inputs`, computed here without a store: (output node, value).
fn compute(task: &str, inputs: &[Value]) -> (&'static str, Value) {
    match (task, inputs) {
        ("generate", [Value::Seed(seed)]) => ("raw", Value::Bytes(generate(seed))),
        ("transform", [Value::Bytes(raw)]) => ("shaped", Value::Bytes(transform(raw))),
        ("measure", [Value::Bytes(shaped)]) => ("counts", Value::Counts(measure(shaped))),
        ("report", [Value::Bytes(shaped), Value::Counts(counts)]) => {
            ("summary", Value::Text(report(shaped, counts)))
        }
        other => panic!("unexpected task and inputs {other:?}"),
    }
}

/// A clean run's values of every output node for `seed`.
fn clean_values(seed: u64) -> Vec<(&'static str, Value)> {
    let raw = compute("generate", &[Value::Seed(seed)]);
    let shaped = compute("transform", std::slice::from_ref(&raw.1));
    let counts = compute("measure", std::slice::from_ref(&shaped.1));
    let summary = compute("report", &[shaped.1.clone(), counts.1.clone()]);
    vec![raw, shaped, counts, summary]
}

/// The child's entry point: what it does depends on the environment the parent set.
#[test]
fn child_process() {
    let Ok(mode) = std::env::var(MODE) else { return };
    if mode == "independent" {
        return independent_child();
    }
    assert_eq!(mode, "submit", "unknown child mode");
    let store = Store::open_with(std::env::var(STORE).unwrap(), StoreOptions::standalone(2)).unwrap();
    if std::env::var(FLUSH_LOOP).is_ok() {
        let store = store.clone();
        std::thread::spawn(move || {
            loop {
                store.flush().unwrap();
            }
        });
    }
    let config = config();
    let scenario = match Scenario::find(&store, &config, "crash").unwrap() {
        Some(s) => s,
        None => Scenario::create(&store, &config, "crash").unwrap(),
    };
    println!("READY");
    if let Ok(seed) = std::env::var(SEED) {
        scenario.data_node::<u64>("seed").unwrap().write(seed.parse().unwrap()).unwrap();
    }
    let mut options = SubmitOptions::new();
    if let Ok(block) = std::env::var(BLOCK) {
        // When the blocking task's job is Running, make every record so far durable, then say
        // so: the parent kills this process as soon as the marker exists.
        let marker = std::env::var(MARKER).unwrap();
        let store = store.clone();
        options = options.on_status(move |job: &Job| {
            if job.task == block && job.status == JobStatus::Running {
                store.flush().unwrap();
                std::fs::write(&marker, b"running").unwrap();
            }
        });
    }
    let report = scenario.submit_with(options).unwrap().wait().unwrap();
    assert_eq!(report.status, SubmissionStatus::Completed);
    println!("DONE");
}

/// A submitting child on the store at `store`, with `env`.
fn spawn(store: &Path, env: &[(&str, String)]) -> Child {
    let mut command = this_test("child_process");
    command.env(MODE, "submit").env(STORE, store).env_remove("TAIPY_FAULT");
    for (key, value) in env {
        command.env(key, value);
    }
    Child::spawn(command, store.parent().unwrap())
}

/// The child finished its submission.
fn completed(ended: &Ended) -> bool {
    ended.status.success() && ended.stdout.contains("DONE")
}

/// Checks a reopened store; returns its jobs (for the callers' assertions that something was
/// there to check).
fn check_consistent(store: &Store) -> Vec<Job> {
    let config = config();
    let jobs = store.jobs().unwrap();
    let Some(scenario) = Scenario::find(store, &config, "crash").unwrap() else {
        assert!(jobs.is_empty(), "jobs without their scenario: {jobs:?}");
        return jobs;
    };
    for job in &jobs {
        let what = format!("job {} of task {} ({:?}, {:?})", job.id, job.task, job.status, job.reason);
        match job.status {
            JobStatus::Completed | JobStatus::Skipped => check_outputs(&scenario, job),
            // No task of this pipeline fails by itself: a failure is an interruption.
            JobStatus::Failed | JobStatus::Abandoned => {
                assert_eq!(job.reason, Some(Reason::Interrupted), "{what}")
            }
            _ => panic!("{what}: left unfinished after recovery"),
        }
    }
    // The other way round: a version a job wrote is visible only with that job's final status.
    for name in ["raw", "shaped", "counts", "summary"] {
        for version in history(&scenario, name) {
            let (id, expected) = match &version.writer {
                Writer::Job { job, .. } => (job, JobStatus::Completed),
                Writer::Reused { job, .. } => (job, JobStatus::Skipped),
                _ => continue,
            };
            let job = jobs.iter().find(|j| j.id == *id);
            assert_eq!(
                job.map(|j| j.status),
                Some(expected),
                "version {} of `{name}` written by {id}, whose record is {job:?}",
                version.number
            );
        }
        if !history(&scenario, name).is_empty() {
            read(&scenario, name, None)
                .unwrap_or_else(|e| panic!("the current value of `{name}` is unreadable: {e}"));
        }
    }
    jobs
}

fn history(scenario: &Scenario, name: &str) -> Vec<taipy::Version> {
    match name {
        "raw" | "shaped" => scenario.data_node::<Blob>(name).unwrap().history().unwrap(),
        "counts" => scenario.data_node::<Vec<u64>>(name).unwrap().history().unwrap(),
        "summary" => scenario.data_node::<String>(name).unwrap().history().unwrap(),
        other => panic!("no node `{other}`"),
    }
}

/// A Completed or Skipped job's output: the version it wrote (or, after an early cutoff, an
/// earlier version) reads, at its type, as the value of the task on the inputs the job recorded.
fn check_outputs(scenario: &Scenario, job: &Job) {
    let inputs: Vec<Value> = job
        .inputs
        .iter()
        .map(|input| {
            read(scenario, &input.node, Some(input.number)).unwrap_or_else(|e| {
                panic!("job {} of {}: input {} #{}: {e}", job.id, job.task, input.node, input.number)
            })
        })
        .collect();
    let (output, expected) = compute(&job.task, &inputs);
    let versions = history(scenario, output);
    let written: Vec<_> = versions
        .iter()
        .filter(|v| matches!(&v.writer, Writer::Job { job: j, .. } | Writer::Reused { job: j, .. } if *j == job.id))
        .collect();
    assert!(written.len() <= 1, "job {} wrote {} versions of `{output}`", job.id, written.len());
    let candidates: Vec<u64> = match written.first() {
        Some(v) => vec![v.number],
        None => versions.iter().map(|v| v.number).collect(), // early cutoff: no new version
    };
    let found = candidates.iter().any(|&n| match read(scenario, output, Some(n)) {
        Ok(value) => value == expected,
        Err(e) => {
            panic!("job {} ({:?}) of {}: `{output}` #{n} unreadable: {e}", job.id, job.status, job.task)
        }
    });
    assert!(
        found,
        "job {} ({:?}) of {}: no version of `{output}` among {candidates:?} reads as {expected:?}",
        job.id, job.status, job.task
    );
}

/// Submits `seed` in this process; the submission completes with a clean run's values.
fn resubmit(store: &Store, seed: u64) -> taipy::SubmissionReport {
    let config = config();
    let scenario = match Scenario::find(store, &config, "crash").unwrap() {
        Some(s) => s,
        None => Scenario::create(store, &config, "crash").unwrap(),
    };
    scenario.data_node::<u64>("seed").unwrap().write(seed).unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(report.status, SubmissionStatus::Completed, "{report:?}");
    for (name, value) in clean_values(seed) {
        assert_eq!(read(&scenario, name, None).unwrap(), value, "`{name}` after the resubmit");
    }
    report
}

fn open(path: &Path) -> Store {
    Store::open_with(path, StoreOptions::development()).unwrap()
}

fn statuses(jobs: &[Job]) -> Vec<String> {
    TASKS
        .iter()
        .map(|t| {
            let job = jobs.iter().find(|j| j.task == *t).unwrap_or_else(|| panic!("no job of {t}: {jobs:?}"));
            format!("{t}={:?}", job.status)
        })
        .collect()
}

#[test]
fn a_process_killed_while_a_middle_task_runs_leaves_it_failed_and_its_downstream_abandoned() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let marker = dir.path().join("transform-running");
    let mut child = spawn(
        &store_path,
        &[(SEED, "7".into()), (BLOCK, "transform".into()), (MARKER, marker.display().to_string())],
    );
    child.wait_until("the transform task", || marker.exists());
    let ended = child.kill(); // SIGKILL, in the middle of the transform task
    assert!(ended.killed(), "{ended}");

    let store = open(&store_path);
    let jobs = check_consistent(&store);
    assert_eq!(jobs.len(), 4, "the submission's four job records are durable: {jobs:?}");
    assert_eq!(
        statuses(&jobs),
        ["generate=Completed", "transform=Failed", "measure=Abandoned", "report=Abandoned"]
    );
    for job in jobs.iter().filter(|j| j.task != "generate") {
        assert_eq!(job.reason, Some(Reason::Interrupted), "{job:?}");
    }
    let scenario = Scenario::find(&store, &config(), "crash").unwrap().unwrap();
    let clean = clean_values(7);
    assert_eq!(read(&scenario, "raw", None).unwrap(), clean[0].1, "the upstream output, at its type");
    for name in ["shaped", "counts", "summary"] {
        assert!(read(&scenario, name, None).is_err(), "`{name}` was never written");
    }

    // The resubmit reuses the upstream result and runs the rest. The killed submission's last
    // runs, written at its end (store format 10), were lost with it: `generate` is skipped
    // through the memo table (its result is there), and its run recorded then.
    let report = resubmit(&store, 7);
    assert_eq!(
        common::statuses(&report),
        ["generate=Skipped", "transform=Completed", "measure=Completed", "report=Completed"]
    );
    assert_eq!(report.job("generate").unwrap().reason, Some(Reason::ReusedElsewhere));
    let again = resubmit(&store, 7);
    assert!(again.jobs.iter().all(|j| j.reason == Some(Reason::Unchanged)), "{again}");
}

#[test]
fn a_process_killed_at_each_step_of_a_commit_leaves_a_consistent_store() {
    for point in taipy::__private::FAULT_POINTS {
        let dir = tempfile::tempdir().unwrap();
        let store_path = dir.path().join("store");
        let mut deaths = 0;
        // The n-th child dies the n-th time it reaches the point, until one never reaches it so
        // often. Each child submits a new seed, so all its tasks run.
        for hit in 1..=12u64 {
            let ended =
                spawn(&store_path, &[(SEED, hit.to_string()), ("TAIPY_FAULT", format!("{point}@{hit}"))])
                    .wait();
            if completed(&ended) {
                break;
            }
            assert!(
                ended.killed() && ended.stderr.contains(&format!("taipy fault: {point} hit {hit}")),
                "{ended}"
            );
            deaths += 1;
            println!("checking the store of a child killed at {point} hit {hit}");
            let store = open(&store_path);
            check_consistent(&store);
            resubmit(&store, hit);
            check_consistent(&store);
        }
        assert!(deaths > 0, "no child reached fault point {point}");
        eprintln!("{point}: {deaths} kills");
    }
}

#[test]
fn processes_killed_at_random_moments_leave_a_consistent_store() {
    let seed = std::env::var("TAIPY_TEST_KILL_SEED").map_or_else(
        |_| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
        |s| s.parse().unwrap(),
    );
    println!("kill seed {seed} (rerun with TAIPY_TEST_KILL_SEED={seed})");
    let mut rng = seed;
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");

    // How long a child takes from writing its seed to its end: kills are spread over that span.
    let mut child = spawn(&store_path, &[(SEED, "0".into()), (FLUSH_LOOP, "1".into())]);
    child.wait_for_output("READY");
    let started = Instant::now();
    let ended = child.wait();
    assert!(completed(&ended), "{ended}");
    let span = started.elapsed().as_micros() as u64;

    let (mut kills, mut interrupted) = (0, 0);
    for round in 0..16 {
        // Eight seeds: later rounds reuse earlier results as well as compute new ones.
        let value = splitmix(&mut rng) % 8;
        let mut child = spawn(&store_path, &[(SEED, value.to_string()), (FLUSH_LOOP, "1".into())]);
        child.wait_for_output("READY");
        std::thread::sleep(Duration::from_micros(splitmix(&mut rng) % span));
        let ended = child.kill();
        assert!(ended.killed() || completed(&ended), "{ended}");
        kills += usize::from(ended.killed());
        let store = open(&store_path);
        let jobs = check_consistent(&store);
        interrupted = jobs.iter().filter(|j| j.reason == Some(Reason::Interrupted)).count();
        if round % 4 == 3 {
            resubmit(&store, value);
        }
    }
    println!("{kills} of 16 children killed before they finished, leaving {interrupted} interrupted jobs");
    assert!(kills > 0 && interrupted > 0, "no kill interrupted a job: nothing was checked (seed {seed})");
}

// Jobs skipped without restoring anything have no record of their own until their submission
// ends (store format 8): three independent tasks that skip, then one that runs.

const KNOB: &str = "TAIPY_TEST_KNOB";

fn plus_one(x: &u64) -> u64 {
    x + 1
}

fn slow(knob: &u64) -> u64 {
    block_if("slow");
    knob * 2
}

fn independent_config() -> Arc<ScenarioConfig> {
    let mut builder = ScenarioConfig::builder("independent");
    for (input, task, output) in [("a", "one", "x"), ("b", "two", "y"), ("c", "three", "z")] {
        builder = builder
            .node(DataNodeConfig::with_default(input, 1u64))
            .task(TaskConfig::new(task, plus_one).inputs([input]).outputs([output]));
    }
    builder
        .node(DataNodeConfig::with_default("knob", 1u64))
        .task(TaskConfig::new("slow", slow).inputs(["knob"]).outputs(["w"]))
        .build()
        .unwrap()
}

/// The child of mode `independent`: writes `KNOB` into `knob` and submits, in development mode
/// (the jobs run in the config's order: the three that skip, then `slow`).
fn independent_child() {
    let store = Store::open_with(std::env::var(STORE).unwrap(), StoreOptions::development()).unwrap();
    let config = independent_config();
    let scenario = match Scenario::find(&store, &config, "independent").unwrap() {
        Some(s) => s,
        None => Scenario::create(&store, &config, "independent").unwrap(),
    };
    let knob: u64 = std::env::var(KNOB).unwrap().parse().unwrap();
    scenario.data_node::<u64>("knob").unwrap().write(knob).unwrap();
    let mut options = SubmitOptions::new();
    if let Ok(marker) = std::env::var(MARKER) {
        let store = store.clone();
        options = options.on_status(move |job: &Job| {
            if job.task == "slow" && job.status == JobStatus::Running {
                store.flush().unwrap();
                std::fs::write(&marker, b"running").unwrap();
            }
        });
    }
    let report = scenario.submit_with(options).unwrap().wait().unwrap();
    assert_eq!(report.status, SubmissionStatus::Completed);
    println!("DONE");
}

/// Old main (format 7): a skipped job's record was written when it was skipped, so it stayed
/// Skipped after a crash. Now the jobs skipped without restoring anything are written at the
/// submission's end: killed before it, they are jobs that never started, which recovery at
/// open abandons (their results are still there: the resubmit skips them again).
#[test]
fn a_process_killed_after_jobs_skipped_without_restoring_leaves_them_abandoned() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let marker = dir.path().join("slow-running");
    let spawn_independent = |env: &[(&str, String)]| {
        let mut command = this_test("child_process");
        command.env(MODE, "independent").env(STORE, &store_path).env_remove("TAIPY_FAULT");
        for (key, value) in env {
            command.env(key, value);
        }
        Child::spawn(command, dir.path())
    };
    let ended = spawn_independent(&[(KNOB, "1".into())]).wait();
    assert!(completed(&ended), "{ended}");
    let mut child = spawn_independent(&[
        (KNOB, "2".into()),
        (BLOCK, "slow".into()),
        (MARKER, marker.display().to_string()),
    ]);
    child.wait_until("the slow task", || marker.exists());
    let ended = child.kill();
    assert!(ended.killed(), "{ended}");

    let store = open(&store_path);
    let mut submissions = store.submissions().unwrap();
    assert_eq!(submissions.len(), 2);
    let killed = submissions.pop().unwrap();
    let status = |info: &taipy::SubmissionInfo| -> Vec<String> {
        info.jobs.iter().map(|j| format!("{}={:?} {:?}", j.task, j.status, j.reason)).collect()
    };
    assert_eq!(
        status(&killed),
        [
            "one=Abandoned Some(Interrupted)",
            "two=Abandoned Some(Interrupted)",
            "three=Abandoned Some(Interrupted)",
            "slow=Failed Some(Interrupted)"
        ]
    );
    assert!(submissions[0].jobs.iter().all(|j| j.status == JobStatus::Completed), "{submissions:?}");
    for job in &killed.jobs {
        assert_eq!(&store.job(&job.id).unwrap(), job);
    }

    let scenario = Scenario::find(&store, &independent_config(), "independent").unwrap().unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(common::statuses(&report), ["one=Skipped", "two=Skipped", "three=Skipped", "slow=Completed"]);
    assert_eq!(scenario.data_node::<u64>("w").unwrap().read().unwrap(), 4);
}
