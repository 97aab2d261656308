//! `#[task]` functions in the builder API (`TaskConfig::of`), and what a closure task without a
//! code fingerprint tells its jobs.

use taipy::prelude::*;
use taipy::{JobStatus, Reason};

/// Halves a number (an owned parameter: `TaskConfig::new` cannot take this function).
#[task(version = 3)]
fn halve(x: i64) -> i64 {
    x / 2
}

#[test]
fn of_keeps_the_tasks_id_code_fingerprint_and_version() {
    let entry = taipy::registry::task("halve").unwrap();
    let config = TaskConfig::of::<halve>();
    assert_eq!(config.id(), "halve");
    assert_eq!(config.fingerprint(), entry.task_config("halve").fingerprint());
    assert_eq!(config.input_types(), entry.input_types());
    // The version of `#[task(version = 3)]` is in the fingerprint.
    assert_ne!(config.fingerprint(), TaskConfig::of::<halve>().version(0).fingerprint());
}

#[test]
fn of_wires_like_the_builder_and_runs_without_warning() {
    let config = ScenarioConfig::builder("halving")
        .node(DataNodeConfig::with_default("x", 10i64))
        .task(TaskConfig::of::<halve>().inputs(["x"]).outputs(["half"]))
        .task(TaskConfig::of_named::<halve>("quarter").inputs(["half"]).outputs(["fourth"]))
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config, "one").unwrap();
    let report = s.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed), ["halve", "quarter"]);
    assert_eq!(s.data_node::<i64>("fourth").unwrap().read().unwrap(), 2);
    assert!(report.jobs.iter().all(|j| j.warning.is_none()), "{:#?}", report.jobs);
}

/// Two configs of one id whose task `t` runs different closures: what a program edited between
/// two runs looks like to the store.
fn closure_config(factor: i64, version: Option<u64>) -> std::sync::Arc<ScenarioConfig> {
    let mut task = TaskConfig::new("t", move |x: &i64| x * factor).inputs(["x"]).outputs(["y"]);
    if let Some(version) = version {
        task = task.version(version);
    }
    ScenarioConfig::builder("closures")
        .node(DataNodeConfig::with_default("x", 2i64))
        .task(task)
        .build()
        .unwrap()
}

#[test]
fn an_edited_closure_is_skipped_and_its_job_says_why_it_cannot_tell() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let before = Scenario::create(&store, &closure_config(10, None), "before").unwrap();
    let report = before.submit().unwrap().wait().unwrap();
    assert_eq!(report.jobs[0].reason, Some(Reason::FirstRun));
    let warning = report.jobs[0].warning.as_deref().expect("a closure task warns");
    assert!(warning.starts_with("no code fingerprint: edits to this closure do not re-run it"), "{warning}");
    assert!(warning.contains("TaskConfig::of::<f>()"), "{warning}");

    // The "edited" closure: nothing tells the store the code changed, so the result computed by
    // the old closure is reused (the silent case the warning is about).
    let after = Scenario::create(&store, &closure_config(100, None), "after").unwrap();
    let report = after.submit().unwrap().wait().unwrap();
    assert_eq!(report.jobs[0].status, JobStatus::Skipped);
    assert!(report.jobs[0].warning.is_some());
    assert_eq!(after.data_node::<i64>("y").unwrap().read().unwrap(), 20);
}

#[test]
fn a_version_salts_a_closure_and_silences_the_warning() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let first = Scenario::create(&store, &closure_config(10, Some(1)), "v1").unwrap();
    let report = first.submit().unwrap().wait().unwrap();
    assert_eq!(report.jobs[0].warning, None);

    let bumped = Scenario::create(&store, &closure_config(100, Some(2)), "v2").unwrap();
    let report = bumped.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed), ["t"]);
    assert_eq!(bumped.data_node::<i64>("y").unwrap().read().unwrap(), 200);

    // The same version again: the closure is taken to be unchanged and its result reused.
    let again = Scenario::create(&store, &closure_config(100, Some(2)), "v2 again").unwrap();
    let report = again.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Skipped), ["t"]);
}
