//! Consistency under awkward timing and inputs: a value changed while a job runs, tasks of two
//! configs sharing an id, values that panic while being stored, files with equal bytes, and
//! garbage collection during a run.

mod common;

use std::sync::{Arc, Mutex};

use common::Blob;
use taipy::prelude::*;
use taipy::{GcPolicy, JobStatus, Reason, StoreCx, StoreError, Stored, SubmitError};

fn inc_config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("inc")
        .node(DataNodeConfig::with_default("x", 5i64))
        .task(TaskConfig::new("inc", |x: &i64| x + 1).inputs(["x"]).outputs(["y"]))
        .build()
        .unwrap()
}

#[test]
fn a_write_during_a_run_does_not_leak_into_the_running_job() {
    let store = Store::temporary_with(StoreOptions::standalone(2)).unwrap();
    let s = Scenario::create(&store, &inc_config(), "s").unwrap();
    let x = s.data_node::<i64>("x").unwrap();
    let writer = Mutex::new(Some(x.clone()));
    s.submit_with(SubmitOptions::new().on_status(move |job| {
        if job.status == JobStatus::Running
            && let Some(x) = writer.lock().unwrap().take()
        {
            x.write(7).unwrap();
        }
    }))
    .unwrap()
    .wait()
    .unwrap();
    // The job was decided on x = 5 and computed from x = 5.
    assert_eq!(s.data_node::<i64>("y").unwrap().read().unwrap(), 6);
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.jobs[0].status, JobStatus::Completed);
    assert_eq!(s.data_node::<i64>("y").unwrap().read().unwrap(), 8);
    x.write(5).unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.jobs[0].status, JobStatus::Skipped);
    assert_eq!(s.data_node::<i64>("y").unwrap().read().unwrap(), 6);
}

#[test]
fn tasks_of_two_configs_with_one_id_never_share_results() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let make = |config: &str, f: fn(&i64) -> i64| {
        ScenarioConfig::builder(config)
            .node(DataNodeConfig::with_default("x", 5i64))
            .task(TaskConfig::new("clean", f).inputs(["x"]).outputs(["y"]))
            .build()
            .unwrap()
    };
    let sales = Scenario::create(&store, &make("sales", |x| x + 1), "s").unwrap();
    let hr = Scenario::create(&store, &make("hr", |x| x * 100), "h").unwrap();
    sales.submit().unwrap().wait().unwrap();
    let r = hr.submit().unwrap().wait().unwrap();
    assert_eq!(r.jobs[0].status, JobStatus::Completed);
    assert_eq!(hr.data_node::<i64>("y").unwrap().read().unwrap(), 500);
}

#[test]
fn a_second_scenario_reuses_the_first_ones_results_and_says_so() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = inc_config();
    Scenario::create(&store, &config, "a").unwrap().submit().unwrap().wait().unwrap();
    let b = Scenario::create(&store, &config, "b").unwrap();
    let r = b.submit().unwrap().wait().unwrap();
    assert_eq!(r.jobs[0].status, JobStatus::Skipped);
    assert_eq!(r.jobs[0].reason, Some(Reason::ReusedElsewhere));
    assert_eq!(b.data_node::<i64>("y").unwrap().read().unwrap(), 6);
}

/// A value whose storage panics.
struct Fragile;

impl DataValue for Fragile {
    fn store(&self, _cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        panic!("the disk format is not implemented")
    }
    fn load(_stored: &Stored, _cx: &StoreCx<'_>) -> Result<Self, StoreError> {
        Ok(Fragile)
    }
}

#[test]
fn a_panic_while_storing_a_value_fails_the_job_not_the_process() {
    let config = ScenarioConfig::builder("fragile")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(TaskConfig::new("make", |_: &i64| Fragile).inputs(["x"]).outputs(["f"]))
        .task(TaskConfig::new("other", |x: &i64| x + 1).inputs(["x"]).outputs(["y"]))
        .build()
        .unwrap();
    for options in [StoreOptions::standalone(2), StoreOptions::development()] {
        let store = Store::temporary_with(options).unwrap();
        let s = Scenario::create(&store, &config, "s").unwrap();
        let submission = s.submit().unwrap();
        let err = submission.wait().unwrap_err();
        assert!(matches!(err, SubmitError::JobsFailed { .. }), "{err}");
        assert!(err.to_string().contains("the disk format is not implemented"), "{err}");
        let report = submission.report();
        assert_eq!(report.job("make").unwrap().status, JobStatus::Failed);
        assert_eq!(report.job("other").unwrap().status, JobStatus::Completed);
    }
}

#[test]
fn a_different_file_with_equal_bytes_is_a_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let (jan, feb) = (dir.path().join("jan.csv"), dir.path().join("feb.csv"));
    std::fs::write(&jan, "a\n1\n").unwrap();
    std::fs::write(&feb, "a\n1\n").unwrap();
    let config = ScenarioConfig::builder("files")
        .node(DataNodeConfig::with_default("data", CsvFile::new(&jan)))
        .task(
            TaskConfig::new("size", |f: &CsvFile| std::fs::metadata(f.path()).map(|m| m.len()))
                .inputs(["data"])
                .outputs(["bytes"]),
        )
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config, "s").unwrap();
    let data = s.data_node::<CsvFile>("data").unwrap();
    data.write(CsvFile::new(&feb)).unwrap();
    assert_eq!(data.read().unwrap().path(), feb);
    assert_eq!(data.history().unwrap().len(), 2);
    // Editing the old file no longer matters; editing the new one does.
    s.submit().unwrap().wait().unwrap();
    std::fs::write(&jan, "a\n1\n2\n").unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.jobs[0].status, JobStatus::Skipped);
    std::fs::write(&feb, "a\n1\n2\n").unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.jobs[0].status, JobStatus::Completed);
}

#[test]
fn a_file_output_that_disappeared_is_recomputed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let target = out.clone();
    let config = ScenarioConfig::builder("export")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(
            TaskConfig::new("export", move |x: &i64| -> Result<CsvFile, std::io::Error> {
                std::fs::write(&target, format!("x\n{x}\n"))?;
                Ok(CsvFile::new(&target))
            })
            .inputs(["x"])
            .outputs(["file"]),
        )
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config, "s").unwrap();
    s.submit().unwrap().wait().unwrap();
    std::fs::remove_file(&out).unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.jobs[0].status, JobStatus::Completed);
    assert_eq!(r.jobs[0].reason, Some(Reason::OutputsMissing));
    assert!(out.exists());
}

#[test]
fn garbage_collection_during_a_submission_keeps_what_it_reads_and_lineage_needs() {
    let (started_tx, started) = std::sync::mpsc::channel::<()>();
    let (go, go_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, go_rx) = (Mutex::new(started_tx), Mutex::new(go_rx));
    let config = ScenarioConfig::builder("slow")
        .node(DataNodeConfig::with_default("x", Blob(b"first input".to_vec())))
        .task(
            TaskConfig::new("wait", move |x: &Blob| {
                started_tx.lock().unwrap().send(()).unwrap();
                go_rx.lock().unwrap().recv().unwrap();
                x.0.len() as i64
            })
            .inputs(["x"])
            .outputs(["y"]),
        )
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::standalone(1)).unwrap();
    let s = Scenario::create(&store, &config, "s").unwrap();
    let artifacts = |store: &Store| store.disk_usage().unwrap().artifacts;
    let submission = s.submit().unwrap();
    started.recv().unwrap();
    // While the task runs, its input gets a new value and GC keeps only what is current.
    s.data_node::<Blob>("x").unwrap().write(Blob(b"second input, longer".to_vec())).unwrap();
    let report = store.gc(GcPolicy::keep_only_current()).unwrap();
    assert_eq!(report.artifacts_removed, 0, "the running job's input is pinned: {report:?}");
    assert_eq!(artifacts(&store), 2);
    go.send(()).unwrap();
    submission.wait().unwrap();
    assert_eq!(s.data_node::<i64>("y").unwrap().read().unwrap(), 11);
    // y's lineage still needs the first input.
    store.gc(GcPolicy::keep_only_current()).unwrap();
    assert_eq!(artifacts(&store), 2);
    assert_eq!(s.data_node::<i64>("y").unwrap().lineage().unwrap().inputs[0].number, 1);
    // Once y is recomputed from the second input, the first is no longer needed.
    let resubmit = s.submit().unwrap();
    started.recv().unwrap();
    go.send(()).unwrap();
    resubmit.wait().unwrap();
    let report = store.gc(GcPolicy::keep_only_current()).unwrap();
    // x's first value (an artifact) and y's first value go; so does the result computed from
    // the first input.
    assert_eq!(
        (report.artifacts_removed, report.versions_removed, report.memo_entries_removed),
        (1, 2, 1),
        "{report:?}"
    );
    assert_eq!(artifacts(&store), 1);
    assert_eq!(s.data_node::<Blob>("x").unwrap().read().unwrap().0, b"second input, longer");
    assert_eq!(s.data_node::<i64>("y").unwrap().read().unwrap(), 20);
}
