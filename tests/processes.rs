//! Behaviour across processes: results survive restarts, a killed process leaves a consistent
//! store, and a store is owned by one process at a time.
//!
//! The tests re-run this test binary as a child process: `child_process` is the child's entry
//! point and returns at once in a normal test run.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{VALUES, config, write_csv};
use taipy::prelude::*;
use taipy::{JobStatus, Reason};

const MODE: &str = "TAIPY_TEST_CHILD_MODE";
const STORE: &str = "TAIPY_TEST_STORE";
const CSV: &str = "TAIPY_TEST_CSV";

/// The child's entry point: what it does depends on the environment the parent set.
#[test]
fn child_process() {
    let Ok(mode) = std::env::var(MODE) else { return };
    let store_path = std::env::var(STORE).unwrap();
    match mode.as_str() {
        "submit" => {
            let csv = std::env::var(CSV).unwrap();
            let store = Store::open_with(&store_path, StoreOptions::standalone(2)).unwrap();
            let config = config(Path::new(&csv));
            let scenario = match Scenario::find(&store, &config, "walk").unwrap() {
                Some(s) => s,
                None => Scenario::create(&store, &config, "walk").unwrap(),
            };
            let report = scenario.submit().unwrap().wait().unwrap();
            for job in report.jobs {
                println!(
                    "JOB {} {:?} {}",
                    job.task,
                    job.status,
                    job.reason.map(|r| r.to_string()).unwrap_or_default()
                );
            }
        }
        "hold" => {
            let _store = Store::open(&store_path).unwrap();
            println!("OPEN");
            std::thread::sleep(Duration::from_secs(60));
        }
        "open" => match Store::open(&store_path) {
            Ok(_) => println!("OPENED"),
            Err(e) => println!("ERROR {e}"),
        },
        other => panic!("unknown child mode {other}"),
    }
}

fn child(mode: &str, store: &Path, csv: &Path) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["child_process", "--exact", "--nocapture", "--test-threads=1"])
        .env(MODE, mode)
        .env(STORE, store)
        .env(CSV, csv)
        .stdin(Stdio::null());
    command
}

/// Runs a submitting child; returns "task=Status" for each job.
fn submit_in_child(store: &Path, csv: &Path) -> Vec<String> {
    let output = child("submit", store, csv).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
        .lines()
        .filter_map(|l| l.split_once("JOB ").map(|(_, rest)| rest))
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            format!("{}={}", parts.next().unwrap(), parts.next().unwrap())
        })
        .collect()
}

#[test]
fn a_second_process_skips_what_the_first_computed() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    let store = dir.path().join("store");
    write_csv(&csv, &VALUES);

    let all = |status: &str| -> Vec<String> {
        ["score", "segment", "analyse", "summarise"].iter().map(|t| format!("{t}={status}")).collect()
    };
    assert_eq!(submit_in_child(&store, &csv), all("Completed"));
    assert_eq!(submit_in_child(&store, &csv), all("Skipped"));

    // Touch: same bytes, new mtime. Nothing re-runs.
    std::thread::sleep(Duration::from_millis(20));
    write_csv(&csv, &VALUES);
    assert_eq!(submit_in_child(&store, &csv), all("Skipped"));

    // New bytes, same numbers ("5" written "5.00"): only the reader of the file re-runs; its
    // output is unchanged, so early cutoff stops there.
    let text = std::fs::read_to_string(&csv).unwrap().replacen("\n5\n", "\n5.00\n", 1);
    std::fs::write(&csv, text).unwrap();
    assert_eq!(
        submit_in_child(&store, &csv),
        ["score=Completed", "segment=Skipped", "analyse=Skipped", "summarise=Skipped"]
    );

    // A new value: the change flows down.
    let mut edited = VALUES.to_vec();
    edited[0] = 5.5;
    write_csv(&csv, &edited);
    assert_eq!(submit_in_child(&store, &csv), all("Completed"));
}

#[test]
fn a_killed_process_leaves_no_running_job_and_no_missing_output() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    let store_path = dir.path().join("store");
    let marker = dir.path().join("segment-started");
    write_csv(&csv, &VALUES);

    let mut running = child("submit", &store_path, &csv)
        .env("TAIPY_TEST_HANG_IN_SEGMENT", &marker)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the child never reached the segment task");
        std::thread::sleep(Duration::from_millis(10));
    }
    running.kill().unwrap(); // SIGKILL, in the middle of the segment task
    running.wait().unwrap();

    let store = Store::open_with(&store_path, StoreOptions::standalone(2)).unwrap();
    let config = config(&csv);
    let scenario = Scenario::find(&store, &config, "walk").unwrap().expect("the scenario was committed");
    for job in store.jobs().unwrap() {
        assert!(job.status.is_finished(), "job {} of task {} left {:?}", job.id, job.task, job.status);
        if job.status == JobStatus::Completed {
            for output in config.task(&job.task).unwrap().output_nodes() {
                assert!(
                    scenario.data_node::<Vec<f64>>(output).map(|n| n.read().is_ok()).unwrap_or(true),
                    "completed job {} lacks output {output}",
                    job.id
                );
            }
        }
        if job.task == "segment" && job.status == JobStatus::Failed {
            assert_eq!(job.reason, Some(Reason::Interrupted));
        }
    }

    // Resubmit: it finishes, and its results equal a clean run's.
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(report.status, taipy::SubmissionStatus::Completed);
    let summary = scenario.data_node::<String>("summary").unwrap().read().unwrap();
    let clean = Store::temporary_with(StoreOptions::development()).unwrap();
    let reference = Scenario::create(&clean, &config, "clean").unwrap();
    reference.submit().unwrap().wait().unwrap();
    assert_eq!(summary, reference.data_node::<String>("summary").unwrap().read().unwrap());
    // The node the killed job was writing is free again.
    scenario.data_node::<Vec<(f64, bool, bool)>>("segmented").unwrap().write(Vec::new()).unwrap();
}

#[test]
fn a_store_open_in_another_process_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let store = Store::open(&store_path).unwrap();
    let output = child("open", &store_path, dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected =
        format!("ERROR store `{}` is already open in another process or handle", store_path.display());
    assert!(stdout.contains(&expected), "{stdout}");
    drop(store);

    // The other way round: a child holds it, this process is refused; once the child is gone,
    // the store opens.
    let mut holder = child("hold", &store_path, dir.path()).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(holder.stdout.take().unwrap()));
    assert!(lines.any(|l| l.unwrap().contains("OPEN")), "the holder never opened the store");
    let err = Store::open(&store_path).unwrap_err();
    assert!(matches!(err, taipy::StoreError::AlreadyOpen { .. }), "{err}");
    holder.kill().unwrap();
    holder.wait().unwrap();
    Store::open(&store_path).unwrap();
}
