//! Reproducible frames (issue 14): the same input and code give byte-identical artifacts, run
//! after run and whatever polars' thread count, so that "a re-run with the same content records
//! no new version" (early cutoff) holds for frames too.
//!
//! The input is generated (under the system's temporary folder) large enough that polars cuts
//! it into many morsels and sums them in parallel: on the committed samples every group fits
//! one morsel, and the problem would not show. polars reads `POLARS_MAX_THREADS` once per
//! process, so the thread counts are compared in child processes: this test binary runs its
//! own ignored test `child_walkthrough` with the variable set.

use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::Command;

use algos::generate::{GeneratorOptions, write_customers_csv};
use algos::walkthrough::{self, Output};
use algos::{CustomerAnalysis, Metric, Statistic};
use taipy::{JobStatus, Scenario, Store, SubmitOptions};

/// Large enough for several morsels per task at any thread count.
const ROWS: u64 = 400_000;

/// The child's input file and where it writes its hashes.
const DATA_VAR: &str = "TAIPY_REPRO_DATA";
const OUT_VAR: &str = "TAIPY_REPRO_OUT";

/// A generated customers file in `dir`, with some zero-purchase customers (NaN features).
fn customers(dir: &Path) -> PathBuf {
    let path = dir.join("customers.csv");
    let options = GeneratorOptions { rows: ROWS, seed: 14, zero_purchase_fraction: 0.01 };
    write_customers_csv(BufWriter::new(std::fs::File::create(&path).unwrap()), &options).unwrap();
    path
}

/// Every version of every data node (`node vN hash`), then every artifact file of the store.
fn hashes(scenario: &Scenario) -> Vec<String> {
    let mut lines = Vec::new();
    for node in scenario.config().nodes() {
        for version in scenario.node_history(node.id()).unwrap() {
            lines.push(format!("{} v{} {}", node.id(), version.number, version.hash));
        }
    }
    let mut artifacts: Vec<String> = std::fs::read_dir(scenario.store().path().join("artifacts"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    artifacts.sort();
    lines.extend(artifacts.into_iter().map(|name| format!("artifact {name}")));
    lines
}

/// The walkthrough's four submits in a fresh store, and the hashes they leave.
fn fresh_walkthrough(data: &Path) -> Vec<String> {
    let store = Store::temporary().unwrap();
    let scenario = CustomerAnalysis::create(&store, "reproducible").unwrap();
    walkthrough::run(&scenario, Some(data), Output::Json).unwrap();
    hashes(&scenario)
}

/// Lists the lines of `left` and `right` that differ, for a readable failure.
fn assert_same(what: &str, left: &[String], right: &[String]) {
    let only_left: Vec<&String> = left.iter().filter(|l| !right.contains(l)).collect();
    let only_right: Vec<&String> = right.iter().filter(|r| !left.contains(r)).collect();
    assert!(
        left == right,
        "{what}: the runs differ\nonly in the first: {only_left:#?}\nonly in the second: {only_right:#?}"
    );
}

#[test]
fn two_fresh_runs_write_byte_identical_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let data = customers(dir.path());
    let first = fresh_walkthrough(&data);
    let second = fresh_walkthrough(&data);
    assert!(first.iter().filter(|l| l.starts_with("artifact ")).count() >= 4, "{first:#?}");
    assert_same("two fresh runs", &first, &second);
}

#[test]
fn a_forced_rerun_records_no_new_frame_version() {
    let dir = tempfile::tempdir().unwrap();
    let data = customers(dir.path());
    let store = Store::temporary().unwrap();
    let scenario = CustomerAnalysis::create(&store, "early cutoff").unwrap();
    walkthrough::run(&scenario, Some(&data), Output::Json).unwrap();
    // Means in both tasks that compute one (the walkthrough ends on a median and a max).
    scenario.metric().write(Metric::Mean).unwrap();
    scenario.summary_statistic_type().write(Statistic::Mean).unwrap();
    scenario.submit().unwrap().wait().unwrap();
    let before = hashes(&scenario);
    // Every task runs again on the same inputs: same content, so no new version anywhere.
    let report = scenario.submit_with(SubmitOptions::new().force(true)).unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed).len(), 4, "{:?}", report.jobs);
    assert_same("before and after a forced re-run", &before, &hashes(&scenario));
}

/// Runs the walkthrough in a child process with `threads` polars threads.
fn walkthrough_with_threads(data: &Path, out: &Path, threads: usize) -> Vec<String> {
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_walkthrough", "--ignored", "--test-threads", "1"])
        .env("POLARS_MAX_THREADS", threads.to_string())
        .env(DATA_VAR, data)
        .env(OUT_VAR, out)
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "the child with {threads} polars threads failed:\n{}\n{}",
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
    std::fs::read_to_string(out).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn one_two_and_three_polars_threads_write_byte_identical_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let data = customers(dir.path());
    let runs: Vec<(usize, Vec<String>)> = [1, 2, 3]
        .into_iter()
        .map(|threads| {
            let out = dir.path().join(format!("hashes-{threads}.txt"));
            (threads, walkthrough_with_threads(&data, &out, threads))
        })
        .collect();
    for (threads, run) in &runs[1..] {
        assert_same(&format!("1 thread against {threads}"), &runs[0].1, run);
    }
}

/// The child process of the thread-count test: the walkthrough on `TAIPY_REPRO_DATA`, its
/// hashes written to `TAIPY_REPRO_OUT`, one a line.
#[test]
#[ignore = "run by one_two_and_three_polars_threads_write_byte_identical_artifacts in a child process"]
fn child_walkthrough() {
    let data = PathBuf::from(std::env::var_os(DATA_VAR).expect("TAIPY_REPRO_DATA"));
    let out = PathBuf::from(std::env::var_os(OUT_VAR).expect("TAIPY_REPRO_OUT"));
    std::fs::write(out, fresh_walkthrough(&data).join("\n")).unwrap();
}
