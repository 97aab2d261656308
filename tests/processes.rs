//! Behaviour across processes: results survive restarts, a killed process leaves a consistent
//! store, and a store is owned by one process at a time.
//!
//! The tests re-run this test binary as a child process: `child_process` is the child's entry
//! point and returns at once in a normal test run.

mod common;

use std::path::Path;
use std::time::Duration;

use common::child::{Child, this_test};
use common::{VALUES, config, write_csv};
use taipy::prelude::*;
use taipy::{JobStatus, Reason};

const MODE: &str = "TAIPY_TEST_CHILD_MODE";
const STORE: &str = "TAIPY_TEST_STORE";
const CSV: &str = "TAIPY_TEST_CSV";
/// Set (to a marker file): the segment task creates the marker and hangs (see tests/common).
const HANG: &str = "TAIPY_TEST_HANG_IN_SEGMENT";

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
            let mut options = SubmitOptions::new();
            if std::env::var(HANG).is_ok() {
                // Once the segment job is Running, make the records so far durable (the segment
                // task then hangs until the parent kills this process).
                let store = store.clone();
                options = options.on_status(move |job: &taipy::Job| {
                    if job.task == "segment" && job.status == JobStatus::Running {
                        store.flush().unwrap();
                    }
                });
            }
            let report = scenario.submit_with(options).unwrap().wait().unwrap();
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

/// Starts a child in `mode`; with `hang`, its segment task hangs after creating that marker.
/// Its output goes to files beside the store.
fn child(mode: &str, store: &Path, csv: &Path, hang: Option<&Path>) -> Child {
    let mut command = this_test("child_process");
    command.env(MODE, mode).env(STORE, store).env(CSV, csv);
    if let Some(marker) = hang {
        command.env(HANG, marker);
    }
    Child::spawn(command, store.parent().unwrap())
}

/// Runs a submitting child; returns "task=Status" for each job.
fn submit_in_child(store: &Path, csv: &Path) -> Vec<String> {
    let ended = child("submit", store, csv, None).wait();
    assert!(ended.status.success(), "{ended}");
    ended
        .stdout
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

    let mut running = child("submit", &store_path, &csv, Some(&marker));
    running.wait_until("the segment task", || marker.exists());
    let ended = running.kill(); // SIGKILL, in the middle of the segment task
    assert!(ended.killed(), "{ended}");

    let store = Store::open_with(&store_path, StoreOptions::development()).unwrap();
    let config = config(&csv);
    let scenario = Scenario::find(&store, &config, "walk").unwrap().expect("the scenario was committed");
    let clean = Store::temporary_with(StoreOptions::development()).unwrap();
    let reference = Scenario::create(&clean, &config, "clean").unwrap();
    reference.submit().unwrap().wait().unwrap();
    let jobs = store.jobs().unwrap();
    let status = |task: &str| jobs.iter().find(|j| j.task == task).map(|j| (j.status, j.reason.clone()));
    assert_eq!(status("score"), Some((JobStatus::Completed, Some(Reason::FirstRun))));
    assert_eq!(status("segment"), Some((JobStatus::Failed, Some(Reason::Interrupted))));
    assert_eq!(status("analyse"), Some((JobStatus::Abandoned, Some(Reason::Interrupted))));
    assert_eq!(status("summarise"), Some((JobStatus::Abandoned, Some(Reason::Interrupted))));
    for job in &jobs {
        let what = format!("job {} of task {} ({:?}, {:?})", job.id, job.task, job.status, job.reason);
        match job.status {
            JobStatus::Completed => {
                for output in config.task(&job.task).unwrap().output_nodes() {
                    let value = read_output(&scenario, output)
                        .unwrap_or_else(|e| panic!("{what}: output `{output}` unreadable: {e}"));
                    assert_eq!(value, read_output(&reference, output).unwrap(), "{what}: `{output}`");
                }
            }
            JobStatus::Failed | JobStatus::Abandoned => {
                assert_eq!(job.reason, Some(Reason::Interrupted), "{what}")
            }
            _ => panic!("{what}: left unfinished"),
        }
    }

    // Resubmit: it finishes, and its results equal a clean run's.
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(report.status, taipy::SubmissionStatus::Completed);
    for output in ["scored", "segmented", "segment_result", "summary"] {
        assert_eq!(read_output(&scenario, output).unwrap(), read_output(&reference, output).unwrap());
    }

    // A user can write the node the killed job was writing (a job's hold on its outputs lives in
    // its process's memory), and opening the store again (recovering again) changes nothing.
    let segmented = scenario.data_node::<Vec<(f64, bool, bool)>>("segmented").unwrap();
    segmented.write(vec![(1.0, true, false)]).unwrap();
    let jobs = store.jobs().unwrap();
    drop((segmented, scenario, report, store));
    let store = Store::open_with(&store_path, StoreOptions::development()).unwrap();
    assert_eq!(store.jobs().unwrap(), jobs);
    let scenario = Scenario::find(&store, &config, "walk").unwrap().unwrap();
    let segmented = scenario.data_node::<Vec<(f64, bool, bool)>>("segmented").unwrap();
    assert_eq!(segmented.read().unwrap(), [(1.0, true, false)]);
}

/// A node of the tutorial config read at its type, printed.
fn read_output(scenario: &Scenario, name: &str) -> Result<String, taipy::StoreError> {
    Ok(match name {
        "scored" => format!("{:?}", scenario.data_node::<Vec<f64>>(name)?.read()?),
        "segmented" => format!("{:?}", scenario.data_node::<Vec<(f64, bool, bool)>>(name)?.read()?),
        "segment_result" => format!("{:?}", scenario.data_node::<f64>(name)?.read()?),
        "summary" => scenario.data_node::<String>(name)?.read()?,
        other => panic!("no output `{other}` in the tutorial config"),
    })
}

#[test]
fn a_store_open_in_another_process_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("store");
    let store = Store::open(&store_path).unwrap();
    let ended = child("open", &store_path, dir.path(), None).wait();
    let expected =
        format!("ERROR store `{}` is already open in another process or handle", store_path.display());
    assert!(ended.stdout.contains(&expected), "{ended}");
    drop(store);

    // The other way round: a child holds it, this process is refused; once the child is gone,
    // the store opens.
    let mut holder = child("hold", &store_path, dir.path(), None);
    holder.wait_for_output("OPEN");
    let err = Store::open(&store_path).unwrap_err();
    assert!(matches!(err, taipy::StoreError::AlreadyOpen { .. }), "{err}");
    holder.kill();
    Store::open(&store_path).unwrap();
}
