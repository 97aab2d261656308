//! Tests: a scenario's task last runs, kept in run sets (`store/runs.rs`), through
//! submissions, damage, deletion, duplication and the upgrade from format 9.

use crate::prelude::*;
use crate::store::MAX_SETS;
use crate::{Job, Reason, SubmissionReport};

/// `x → t1 → y → t2 → z`, and `t3` on its own (`u → v`).
fn config() -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("runs")
        .node(DataNodeConfig::with_default("x", 1i64))
        .node(DataNodeConfig::with_default("u", 5i64))
        .task(TaskConfig::new("t1", |x: &i64| x + 1).inputs(["x"]).outputs(["y"]))
        .task(TaskConfig::new("t2", |y: &i64| y * 2).inputs(["y"]).outputs(["z"]))
        .task(TaskConfig::new("t3", |u: &i64| u - 1).inputs(["u"]).outputs(["v"]))
        .build()
        .unwrap()
}

fn reasons(report: &SubmissionReport) -> Vec<(String, Option<Reason>)> {
    report.jobs.iter().map(|j: &Job| (j.task.clone(), j.reason.clone())).collect()
}

fn all_unchanged(report: &SubmissionReport) -> bool {
    report.jobs.iter().all(|j| j.status == JobStatus::Skipped && j.reason == Some(Reason::Unchanged))
}

/// Each submission that changes a run leaves a set; past `MAX_SETS` the next holds them all
/// and the others go. Through it all every task's newest run is found: a re-submit finds
/// each task as it last ran (t3 ran once, in the first submission, its run carried along).
#[test]
fn a_scenario_keeps_few_sets_and_every_tasks_newest_run() {
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config(), "s").unwrap();
    let mut most = 0;
    for i in 0..3 * MAX_SETS as i64 {
        scenario.data_node::<i64>("x").unwrap().write(10 + i).unwrap();
        let report = scenario.submit().unwrap().wait().unwrap();
        assert_eq!(
            report.tasks_with(JobStatus::Completed),
            if i == 0 { vec!["t1", "t2", "t3"] } else { vec!["t1", "t2"] }
        );
        let again = scenario.submit().unwrap().wait().unwrap();
        assert!(all_unchanged(&again), "after {i}: {:?}", reasons(&again));
        most = most.max(store.run_sets(scenario.id()).len());
    }
    assert_eq!(most, MAX_SETS, "sets are merged once there are that many");
    assert!(store.unreadable_records().is_empty());
}

/// A submission of one task leaves a set of one run, newer than the set with the others:
/// both are read, each task from the newest set that holds it.
#[test]
fn a_tasks_run_is_taken_from_the_newest_set_holding_it() {
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config(), "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    scenario.data_node::<i64>("u").unwrap().write(50).unwrap();
    let one = scenario.submit_task("t3", SubmitOptions::new()).unwrap().wait().unwrap();
    assert_eq!(one.tasks_with(JobStatus::Completed), ["t3"]);
    assert_eq!(store.run_sets(scenario.id()).len(), 2);
    let again = scenario.submit().unwrap().wait().unwrap();
    assert!(all_unchanged(&again), "{:?}", reasons(&again));
}

/// A set that cannot be read is reported and left out: its tasks decide through the memo
/// table (same results), and their runs are recorded anew. Deleting the scenario removes it.
#[test]
fn a_damaged_set_is_reported_and_its_tasks_decide_through_the_memo_table() {
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config(), "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    store.damage_run_sets(scenario.id()).unwrap();

    let report = scenario.submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.reason == Some(Reason::ReusedElsewhere)), "{:?}", reasons(&report));
    let unreadable = store.unreadable_records();
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert_eq!(unreadable[0].what, "task runs");
    let again = scenario.submit().unwrap().wait().unwrap();
    assert!(all_unchanged(&again), "{:?}", reasons(&again));

    let id = scenario.id().to_owned();
    drop(scenario);
    store.delete_scenario(&id).unwrap();
    assert!(store.run_sets(&id).is_empty(), "the damaged set too");
}

/// A store upgraded from format 9 (a record per task's last run) decides as before: its
/// runs, now one set, find every task as it last ran.
#[test]
fn last_runs_read_after_the_upgrade_from_format_9_are_the_same() {
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config(), "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    assert_eq!(store.as_format_9_task_runs(scenario.id()).unwrap(), 3);
    assert!(store.run_sets(scenario.id()).is_empty());
    store.upgrade_task_runs().unwrap();
    assert_eq!(store.run_sets(scenario.id()), [0]);
    let again = scenario.submit().unwrap().wait().unwrap();
    assert!(all_unchanged(&again), "{:?}", reasons(&again));
}

/// A duplicate gets its original's last runs: its first submit finds every task as the
/// original last ran it.
#[test]
fn a_duplicate_starts_with_its_originals_last_runs() {
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config(), "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    scenario.data_node::<i64>("u").unwrap().write(50).unwrap();
    scenario.submit_task("t3", SubmitOptions::new()).unwrap().wait().unwrap();
    let copy = scenario.duplicate("copy").unwrap();
    assert_eq!(store.run_sets(copy.id()).len(), 1);
    let first = copy.submit().unwrap().wait().unwrap();
    assert!(all_unchanged(&first), "{:?}", reasons(&first));
}
