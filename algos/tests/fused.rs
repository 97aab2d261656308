//! Fused submits (issue 14, point 1): a task declared `lazy` downstream of a frame producer in
//! the same submission receives the producer's plan, not a scan of its artifact, and both are
//! written by one polars query; artifacts, results, skip decisions and failures are those of
//! an unfused run.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use taipy::polars::prelude::*;
use taipy::{
    CsvFile, DataNodeConfig, DataValue, FramePlan, JobStatus, Reason, Scenario, ScenarioConfig, Store,
    StoreCx, StoreError, Stored, SubmitError, TaskConfig,
};

/// Loads of [`Counted`] values, per test (the index is the type's parameter).
static LOADS: [AtomicUsize; 5] = [const { AtomicUsize::new(0) }; 5];

/// A lazy frame whose reads back from the store are counted: how often a submission read the
/// producer's artifact.
#[derive(Clone)]
struct Counted<const TEST: usize>(LazyFrame);

impl<const TEST: usize> DataValue for Counted<TEST> {
    const RELOAD_AFTER_STORE: bool = true;

    fn store(&self, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        self.0.store(cx)
    }

    fn load(stored: &Stored, cx: &StoreCx<'_>) -> Result<Self, StoreError> {
        LOADS[TEST].fetch_add(1, Ordering::SeqCst);
        LazyFrame::load(stored, cx).map(Self)
    }

    fn plan(&self) -> Option<FramePlan> {
        self.0.plan()
    }

    fn from_plan(plan: FramePlan) -> Option<Self> {
        LazyFrame::from_plan(plan).map(Self)
    }
}

/// The consumer's output.
#[derive(Clone, DataValue)]
struct Doubled(LazyFrame);

/// Rows of the input: enough for several morsels.
const ROWS: usize = 200_000;

fn write_csv(dir: &Path) -> CsvFile {
    let path = dir.join("input.csv");
    let mut text = String::from("k,v,s\n");
    for i in 0..ROWS {
        let s = if i == ROWS - 6 { "oops".to_owned() } else { i.to_string() };
        text.push_str(&format!("{},{}.25,{s}\n", i % 5, i));
    }
    std::fs::write(&path, text).unwrap();
    CsvFile::new(path)
}

fn scan(file: &CsvFile) -> LazyFrame {
    let schema = Schema::from_iter([
        Field::new("k".into(), DataType::Int64),
        Field::new("v".into(), DataType::Float64),
        Field::new("s".into(), DataType::String),
    ]);
    LazyCsvReader::new(PlRefPath::try_from_path(file.path()).unwrap())
        .with_has_header(true)
        .with_schema(Some(std::sync::Arc::new(schema)))
        .finish()
        .unwrap()
}

/// `input → produce → produced → double → doubled → total → total`; `double` declared lazy
/// when `lazy`; `double` fails (a text that is no number, found only when its plan runs) when
/// `failing`; `produce` re-runs at every submit unless `produce_skippable`.
fn config<const TEST: usize>(
    input: CsvFile,
    lazy: bool,
    failing: bool,
    produce_skippable: bool,
) -> std::sync::Arc<ScenarioConfig> {
    let produce = move |file: &CsvFile| Counted::<TEST>(scan(file).filter(col("k").neq(lit(3))));
    let double = move |produced: &Counted<TEST>| {
        let frame = produced.0.clone().with_column((col("v") * lit(2.0)).alias("w"));
        let frame = if failing { frame.with_column(col("s").strict_cast(DataType::Int64)) } else { frame };
        Doubled(frame)
    };
    let total = |doubled: &Doubled| doubled.0.clone().select([col("w").sum()]).collect().unwrap();
    ScenarioConfig::builder("fused")
        .node(DataNodeConfig::with_default("input", input))
        .task(
            TaskConfig::new("produce", produce)
                .version(1)
                .skippable(produce_skippable)
                .inputs(["input"])
                .outputs(["produced"]),
        )
        .task(
            TaskConfig::new("double", double).version(1).lazy(lazy).inputs(["produced"]).outputs(["doubled"]),
        )
        .task(TaskConfig::new("total", total).version(1).inputs(["doubled"]).outputs(["total"]))
        .build()
        .unwrap()
}

fn statuses(report: &taipy::SubmissionReport) -> Vec<(String, JobStatus)> {
    report.jobs.iter().map(|j| (j.task.clone(), j.status)).collect()
}

fn expected_total() -> f64 {
    (0..ROWS).filter(|i| i % 5 != 3).map(|i| (i as f64 + 0.25) * 2.0).sum()
}

#[test]
fn a_lazy_consumer_reads_nothing_back_from_its_producers_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store")).unwrap();
    let scenario =
        Scenario::create(&store, &config::<0>(write_csv(dir.path()), true, false, true), "s").unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report}");
    assert_eq!(LOADS[0].load(Ordering::SeqCst), 0, "the producer's artifact was read back");
    let total = scenario.data_node::<DataFrame>("total").unwrap().read().unwrap();
    let total = total.column("w").unwrap().f64().unwrap().get(0).unwrap();
    assert!((total - expected_total()).abs() <= 1e-9 * expected_total(), "{total}");
    // The producer's artifact is there, durable and whole: read it now.
    let produced = scenario.data_node::<Counted<0>>("produced").unwrap().read().unwrap();
    assert_eq!(produced.0.collect().unwrap().height(), (0..ROWS).filter(|i| i % 5 != 3).count());
}

/// The hashes of every version of every node.
fn node_hashes(scenario: &Scenario) -> Vec<String> {
    let mut lines = Vec::new();
    for node in scenario.config().nodes() {
        for version in scenario.node_history(node.id()).unwrap() {
            lines.push(format!("{} v{} {}", node.id(), version.number, version.hash));
        }
    }
    lines
}

#[test]
fn fused_and_unfused_submits_store_identical_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_csv(dir.path());
    let mut runs = Vec::new();
    for lazy in [false, true] {
        let store = Store::open(dir.path().join(format!("store-{lazy}"))).unwrap();
        let scenario = Scenario::create(&store, &config::<1>(input.clone(), lazy, false, true), "s").unwrap();
        let report = scenario.submit().unwrap().wait().unwrap();
        assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report}");
        runs.push(node_hashes(&scenario));
    }
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0].len(), 4, "{:?}", runs[0]);
}

#[test]
fn a_lazy_consumer_whose_plan_fails_fails_alone_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store")).unwrap();
    let scenario =
        Scenario::create(&store, &config::<2>(write_csv(dir.path()), true, true, true), "s").unwrap();
    let err = scenario.submit().unwrap().wait().unwrap_err();
    let SubmitError::JobsFailed { report, failures, .. } = err else { panic!("{err}") };
    assert_eq!(
        statuses(&report),
        [
            ("produce".to_owned(), JobStatus::Completed),
            ("double".to_owned(), JobStatus::Failed),
            ("total".to_owned(), JobStatus::Abandoned),
        ]
    );
    assert_eq!(failures.len(), 1);
    assert!(failures[0].1.contains("cannot store output `doubled` of task `double`"), "{}", failures[0].1);
    assert!(
        failures[0].1.contains("oops") || format!("{:?}", report.job("double")).contains("oops"),
        "{failures:?}"
    );
    // The producer's output is stored, the failed task's is not.
    assert_eq!(scenario.node_history("produced").unwrap().len(), 1);
    assert!(scenario.node_history("doubled").unwrap().is_empty());
    let leftovers: Vec<_> = std::fs::read_dir(store.path().join("artifacts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.iter().all(|name| !name.contains("parquet")), "temporary files left: {leftovers:?}");
}

#[test]
fn a_lazy_consumer_decided_skip_is_skipped_though_fused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store")).unwrap();
    let scenario =
        Scenario::create(&store, &config::<3>(write_csv(dir.path()), true, false, false), "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    let before = node_hashes(&scenario);
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(
        statuses(&report),
        [
            ("produce".to_owned(), JobStatus::Completed),
            ("double".to_owned(), JobStatus::Skipped),
            ("total".to_owned(), JobStatus::Skipped),
        ]
    );
    assert_eq!(report.job("produce").unwrap().reason, Some(Reason::NotSkippable));
    assert_eq!(node_hashes(&scenario), before, "the same content: no new version anywhere");
    assert_eq!(LOADS[3].load(Ordering::SeqCst), 0, "the producer's artifact was read back");
}

#[test]
fn the_walkthroughs_featurization_is_fused_with_the_scoring() {
    let config = algos::CustomerAnalysis::config();
    let lazy: Vec<(&str, bool)> = config.tasks().iter().map(|t| (t.id(), t.is_lazy())).collect();
    assert_eq!(
        lazy,
        [
            ("preprocess_and_score", false),
            ("featurization_and_segmentation", true),
            ("segment_analysis", false),
            ("high_value_cust_summary_statistics", false),
        ]
    );
}

/// Set in the child process of the crash test: the folder holding its store and input.
const CHILD_DIR: &str = "TAIPY_FUSED_CHILD_DIR";

fn crash_config(dir: &Path) -> std::sync::Arc<ScenarioConfig> {
    config::<4>(CsvFile::new(dir.join("input.csv")), true, false, true)
}

/// The crash test's child: submits the fused scenario (and dies at the fault point
/// `TAIPY_FAULT` names). Returns at once in a normal test run.
#[test]
fn child_submit() {
    let Some(dir) = std::env::var_os(CHILD_DIR).map(PathBuf::from) else { return };
    let store = Store::open(dir.join("store")).unwrap();
    let scenario = Scenario::find(&store, &crash_config(&dir), "crash").unwrap().unwrap();
    scenario.submit().unwrap().wait().unwrap();
}

/// Killed at each step of a fused submit's commits (the producer's and the member's artifacts,
/// written by one query, then each job's commit), the store reopens like after any crash: no
/// job left running, every Completed job's output readable, and a resubmit gives a clean run's
/// result.
#[test]
fn a_fused_submit_killed_at_any_step_recovers_like_any_other() {
    use std::os::unix::process::ExitStatusExt;
    let faults =
        ["artifact.synced@2", "artifact.renamed@1", "artifact.renamed@2", "job.staged@1", "job.staged@2"];
    for fault in faults {
        let dir = tempfile::tempdir().unwrap();
        write_csv(dir.path());
        let config = crash_config(dir.path());
        drop(Scenario::create(&Store::open(dir.path().join("store")).unwrap(), &config, "crash").unwrap());
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["child_submit", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir.path())
            .env("TAIPY_FAULT", fault)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                child.kill().unwrap();
                panic!("{fault}: the child did not end in time");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(status.signal(), Some(9), "{fault}: the child was not killed at its fault point");

        let store = Store::open(dir.path().join("store")).unwrap();
        let scenario = Scenario::find(&store, &config, "crash").unwrap().unwrap();
        for job in store.jobs_of_scenario(scenario.id()).unwrap() {
            assert!(job.status.is_finished(), "{fault}: {} left {:?}", job.task, job.status);
            if job.status == JobStatus::Completed {
                let output = match job.task.as_str() {
                    "produce" => scenario.data_node::<Counted<4>>("produced").unwrap().read().unwrap().0,
                    "double" => scenario.data_node::<Doubled>("doubled").unwrap().read().unwrap().0,
                    _ => scenario.data_node::<DataFrame>("total").unwrap().read().unwrap().lazy(),
                };
                output.collect().unwrap_or_else(|e| panic!("{fault}: {}'s output unreadable: {e}", job.task));
            }
        }
        let report = scenario.submit().unwrap().wait().unwrap();
        assert!(report.jobs.iter().all(|j| j.status.is_success()), "{fault}: {report}");
        let total = scenario.data_node::<DataFrame>("total").unwrap().read().unwrap();
        let total = total.column("w").unwrap().f64().unwrap().get(0).unwrap();
        assert!((total - expected_total()).abs() <= 1e-9 * expected_total(), "{fault}: {total}");
    }
}
