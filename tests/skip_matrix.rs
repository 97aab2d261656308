//! The skip matrix: which tasks run and which are skipped, and why, as each parameter of a
//! tutorial-shaped pipeline changes.

mod common;

use common::{VALUES, config, config_with, reason, segment_inclusive, status, statuses, write_csv};
use taipy::prelude::*;
use taipy::{JobStatus, Reason};

fn changed(inputs: &[&str]) -> Reason {
    Reason::Changed { code: false, inputs: inputs.iter().map(|s| s.to_string()).collect() }
}

fn setup(options: StoreOptions) -> (tempfile::TempDir, Store, Scenario) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    write_csv(&csv, &VALUES);
    let store = Store::open_with(dir.path().join("store"), options).unwrap();
    let scenario = Scenario::create(&store, &config(&csv), "matrix").unwrap();
    (dir, store, scenario)
}

fn run_matrix(options: StoreOptions) {
    let (_dir, _store, s) = setup(options);

    // 1. Defaults: everything runs.
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(
        statuses(&r),
        ["score=Completed", "segment=Completed", "analyse=Completed", "summarise=Completed"]
    );
    assert!(r.jobs.iter().all(|j| j.reason == Some(Reason::FirstRun)));
    let first_summary: String = s.data_node::<String>("summary").unwrap().read().unwrap();

    // 2. payment_threshold: score is skipped; segment re-runs; analyse re-runs but its result is
    //    unchanged (early cutoff), so summarise re-runs only because `segmented` changed.
    s.data_node::<f64>("payment_threshold").unwrap().write(1600.0).unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(
        statuses(&r),
        ["score=Skipped", "segment=Completed", "analyse=Completed", "summarise=Completed"]
    );
    assert_eq!(reason(&r, "score"), Reason::Unchanged);
    assert_eq!(reason(&r, "segment"), changed(&["payment_threshold"]));
    assert_eq!(reason(&r, "analyse"), changed(&["segmented"]));
    assert_eq!(reason(&r, "summarise"), changed(&["segmented"]));
    assert_eq!(s.data_node::<f64>("segment_result").unwrap().history().unwrap().len(), 1, "early cutoff");

    // 3. metric: only analyse and summarise.
    s.data_node::<String>("metric").unwrap().write("max".into()).unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(
        statuses(&r),
        ["score=Skipped", "segment=Skipped", "analyse=Completed", "summarise=Completed"]
    );
    assert_eq!(reason(&r, "analyse"), changed(&["metric"]));
    assert_eq!(reason(&r, "summarise"), changed(&["segment_result"]));

    // 4. summary statistic: only summarise.
    s.data_node::<String>("summary_statistic_type").unwrap().write("max".into()).unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["score=Skipped", "segment=Skipped", "analyse=Skipped", "summarise=Completed"]);
    assert_eq!(reason(&r, "summarise"), changed(&["summary_statistic_type"]));

    // 5. Every parameter back to its earlier value: everything reuses earlier results.
    s.data_node::<f64>("payment_threshold").unwrap().write(1000.0).unwrap();
    s.data_node::<String>("metric").unwrap().write("mean".into()).unwrap();
    s.data_node::<String>("summary_statistic_type").unwrap().write("median".into()).unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["score=Skipped", "segment=Skipped", "analyse=Skipped", "summarise=Skipped"]);
    assert_eq!(reason(&r, "segment"), Reason::Reused { inputs: vec!["payment_threshold".into()] });
    assert_eq!(reason(&r, "analyse"), Reason::Reused { inputs: vec!["segmented".into(), "metric".into()] });
    assert_eq!(s.data_node::<String>("summary").unwrap().read().unwrap(), first_summary);

    // 6. Writing the value a node already holds records nothing and re-runs nothing.
    let threshold = s.data_node::<f64>("payment_threshold").unwrap();
    let versions = threshold.history().unwrap().len();
    threshold.write(1000.0).unwrap();
    assert_eq!(threshold.history().unwrap().len(), versions);
    let r = s.submit().unwrap().wait().unwrap();
    assert!(r.jobs.iter().all(|j| j.status == JobStatus::Skipped && j.reason == Some(Reason::Unchanged)));

    // 7. Early cutoff: a score threshold that no score lies near changes nothing downstream.
    s.data_node::<f64>("score_threshold").unwrap().write(1.6).unwrap();
    let segmented_versions =
        s.data_node::<Vec<(f64, bool, bool)>>("segmented").unwrap().history().unwrap().len();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["score=Skipped", "segment=Completed", "analyse=Skipped", "summarise=Skipped"]);
    assert_eq!(reason(&r, "segment"), changed(&["score_threshold"]));
    assert_eq!(
        s.data_node::<Vec<(f64, bool, bool)>>("segmented").unwrap().history().unwrap().len(),
        segmented_versions,
        "an identical output is not a new version"
    );
}

#[test]
fn skip_matrix_standalone() {
    run_matrix(StoreOptions::standalone(4));
}

#[test]
fn skip_matrix_development() {
    run_matrix(StoreOptions::development());
}

#[test]
fn a_changed_fingerprint_reruns_the_task_and_its_dependants() {
    let (dir, store, s) = setup(StoreOptions::development());
    s.submit().unwrap().wait().unwrap();
    let csv = dir.path().join("customers.csv");

    // Same function, new version salt: segment re-runs, finds the same output: early cutoff.
    let salted = Scenario::open(&store, &config_with(&csv, common::segment, 1), s.id()).unwrap();
    let r = salted.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["score=Skipped", "segment=Completed", "analyse=Skipped", "summarise=Skipped"]);
    assert_eq!(reason(&r, "segment"), Reason::Changed { code: true, inputs: vec![] });

    // Changed code with a new fingerprint: segment and everything downstream re-run.
    let changed = Scenario::open(&store, &config_with(&csv, segment_inclusive, 2), s.id()).unwrap();
    let r = changed.submit().unwrap().wait().unwrap();
    assert_eq!(
        statuses(&r),
        ["score=Skipped", "segment=Completed", "analyse=Completed", "summarise=Completed"]
    );

    // Back to the original code: the original results are reused.
    let original = Scenario::open(&store, &config(&csv), s.id()).unwrap();
    let r = original.submit().unwrap().wait().unwrap();
    assert!(r.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{:?}", statuses(&r));
}

#[test]
fn editing_the_csv_reruns_its_reader_touching_it_does_not() {
    let (dir, _store, s) = setup(StoreOptions::development());
    let csv = dir.path().join("customers.csv");
    s.submit().unwrap().wait().unwrap();

    // Same bytes, a modification time set a second later: nothing re-runs.
    let before = std::fs::metadata(&csv).unwrap().modified().unwrap();
    write_csv(&csv, &VALUES);
    let file = std::fs::File::options().write(true).open(&csv).unwrap();
    file.set_modified(before + std::time::Duration::from_secs(1)).unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert!(r.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{:?}", statuses(&r));

    // New bytes: the reader re-runs, and the change is a new version of the file's node.
    let mut values = VALUES.to_vec();
    values.push(33.0);
    write_csv(&csv, &values);
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(status(&r, "score"), JobStatus::Completed);
    assert_eq!(reason(&r, "score"), changed(&["path_to_data"]));
    let history = s.data_node::<CsvFile>("path_to_data").unwrap().history().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].writer, taipy::Writer::FileChanged);
}

#[test]
fn force_reruns_everything_and_sequences_and_single_tasks_submit_subsets() {
    let (_dir, _store, s) = setup(StoreOptions::standalone(2));
    s.submit().unwrap().wait().unwrap();

    let r = s.submit_with(SubmitOptions::new().force(true)).unwrap().wait().unwrap();
    assert!(r.jobs.iter().all(|j| j.status == JobStatus::Completed && j.reason == Some(Reason::Forced)));

    s.data_node::<String>("metric").unwrap().write("max".into()).unwrap();
    let r = s.submit_sequence("analysis", SubmitOptions::new()).unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["analyse=Completed", "summarise=Completed"]);

    let r = s.submit_task("score", SubmitOptions::new()).unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["score=Skipped"]);

    let err = s.submit_sequence("nope", SubmitOptions::new()).unwrap_err();
    assert_eq!(err.to_string(), "scenario `matrix` has no sequence `nope`; declared sequences: analysis");
    let err = s.submit_task("nope", SubmitOptions::new()).unwrap_err();
    assert!(err.to_string().contains("declared tasks: score, segment, analyse, summarise"), "{err}");
}

#[test]
fn a_non_skippable_task_always_runs() {
    let config = ScenarioConfig::builder("noisy")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(TaskConfig::new("stamp", |x: &i64| *x + 1).inputs(["x"]).outputs(["y"]).skippable(false))
        .task(TaskConfig::new("after", |y: &i64| *y * 2).inputs(["y"]).outputs(["z"]))
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config, "n").unwrap();
    s.submit().unwrap().wait().unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["stamp=Completed", "after=Skipped"]);
    assert_eq!(reason(&r, "stamp"), Reason::NotSkippable);
}
