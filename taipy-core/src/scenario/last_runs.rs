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

/// A scenario of [`config`] in a temporary store, after its first submission.
fn first_run() -> (Store, Scenario) {
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config(), "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    (store, scenario)
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
    let (store, scenario) = first_run();
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
    let (store, scenario) = first_run();
    store.damage_run_sets(scenario.id()).unwrap();

    let report = scenario.submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.reason == Some(Reason::ReusedElsewhere)), "{:?}", reasons(&report));
    let unreadable = store.unreadable_records();
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert_eq!(unreadable[0].what, "task runs");
    let again = scenario.submit().unwrap().wait().unwrap();
    assert!(all_unchanged(&again), "{:?}", reasons(&again));
    assert_eq!(store.run_sets(scenario.id()).len(), 1, "the damaged set removed by the next");

    store.damage_run_sets(scenario.id()).unwrap();
    let id = scenario.id().to_owned();
    drop(scenario);
    store.delete_scenario(&id).unwrap();
    assert!(store.run_sets(&id).is_empty(), "the damaged set too");
}

/// A store upgraded from format 9 (a record per task's last run) decides as before: its
/// runs, now one set, find every task as it last ran.
#[test]
fn last_runs_read_after_the_upgrade_from_format_9_are_the_same() {
    let (store, scenario) = first_run();
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
    let (store, scenario) = first_run();
    scenario.data_node::<i64>("u").unwrap().write(50).unwrap();
    scenario.submit_task("t3", SubmitOptions::new()).unwrap().wait().unwrap();
    let copy = scenario.duplicate("copy").unwrap();
    assert_eq!(store.run_sets(copy.id()).len(), 1);
    let first = copy.submit().unwrap().wait().unwrap();
    assert!(all_unchanged(&first), "{:?}", reasons(&first));
}

/// `n → double → out → total → sum`, `out` a JSON file: a watched output, whose file a skip
/// keeps when it holds an edit of the remembered result and restores otherwise. `total` reading
/// it records an edit found in the file as a version of `out` (written by `FileChanged`).
fn file_config(dir: &std::path::Path) -> std::sync::Arc<ScenarioConfig> {
    let out = DataNodeConfig::new::<Vec<i64>>("out")
        .with_storage(crate::Storage::json(dir.join("out.json")))
        .unwrap();
    let total = |out: &Vec<i64>| out.iter().sum::<i64>();
    ScenarioConfig::builder("file")
        .node(DataNodeConfig::with_default("n", 3i64))
        .node(out)
        .task(TaskConfig::new("double", |n: &i64| vec![n * 2]).inputs(["n"]).outputs(["out"]))
        .task(TaskConfig::new("total", total).inputs(["out"]).outputs(["sum"]))
        .build()
        .unwrap()
}

/// The writers of `out`'s versions, oldest first.
fn writers(scenario: &Scenario) -> Vec<crate::store::Writer> {
    let history = scenario.data_node::<Vec<i64>>("out").unwrap().history().unwrap();
    history.into_iter().map(|v| v.writer).collect()
}

/// A store and a scenario of [`file_config`], its file in the returned folder.
fn file_scenario() -> (tempfile::TempDir, Store, Scenario) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &file_config(dir.path()), "s").unwrap();
    (dir, store, scenario)
}

/// Runs `double` for n = 3, edits its file outside to `[60]`, and submits again: the edit is
/// kept and recorded as a version (by `total`, reading it).
fn edit_recorded(scenario: &Scenario, dir: &std::path::Path) {
    double(scenario, 3);
    std::fs::write(dir.join("out.json"), "[60]").unwrap();
    assert_eq!(double(scenario, 3), (JobStatus::Skipped, vec![60]));
    assert_eq!(writers(scenario).last(), Some(&crate::store::Writer::FileChanged));
}

/// Submits with `n`; returns `double`'s status and what the file holds then.
fn double(scenario: &Scenario, n: i64) -> (JobStatus, Vec<i64>) {
    scenario.data_node::<i64>("n").unwrap().write(n).unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    (report.job("double").unwrap().status, scenario.data_node::<Vec<i64>>("out").unwrap().read().unwrap())
}

/// Found by review: a task's last run older than its newest run (the newest lost in a crash
/// before its submission's end) matched the inputs returning to that older run's, and the
/// file, holding the newest run's result, was kept as if edited outside: `out` said 10 for
/// n = 3. Now it is restored (the file's content is a run's output, not an edit of this
/// result).
#[test]
fn a_last_run_lost_in_a_crash_does_not_keep_another_runs_file() {
    let (_dir, store, scenario) = file_scenario();
    assert_eq!(double(&scenario, 3), (JobStatus::Completed, vec![6]));
    assert_eq!(double(&scenario, 5), (JobStatus::Completed, vec![10]));
    let newest = *store.run_sets(scenario.id()).last().unwrap();
    store.remove_run_set(scenario.id(), newest).unwrap();
    assert_eq!(double(&scenario, 3), (JobStatus::Skipped, vec![6]));
}

/// Found by review: a submission that read older sets, and compacted, could write a task's
/// older run in a set numbered after the one holding its newest run (two submissions of a
/// scenario ending out of order); the same wrong file was kept. Now restored.
#[test]
fn an_older_run_in_a_newer_set_does_not_keep_another_runs_file() {
    let (_dir, store, scenario) = file_scenario();
    double(&scenario, 3);
    let first = store.run_sets(scenario.id())[0];
    double(&scenario, 5);
    store.copy_run_set(scenario.id(), first, u64::MAX).unwrap();
    assert_eq!(double(&scenario, 3), (JobStatus::Skipped, vec![6]));
}

/// What the rule is for, kept: the file edited outside while the inputs stay those of the run
/// that wrote it is kept (the task skips), whether or not the edit was recorded as a version
/// yet; once the inputs change the task runs, and returning to them restores the result.
#[test]
fn a_file_edited_outside_since_its_run_is_kept() {
    let (dir, _store, scenario) = file_scenario();
    assert_eq!(double(&scenario, 3), (JobStatus::Completed, vec![6]));
    std::fs::write(dir.path().join("out.json"), "[60]").unwrap();
    assert_eq!(double(&scenario, 3), (JobStatus::Skipped, vec![60]));
    assert_eq!(writers(&scenario).last(), Some(&crate::store::Writer::FileChanged), "recorded by its reader");
    assert_eq!(double(&scenario, 3), (JobStatus::Skipped, vec![60]));
    assert_eq!(double(&scenario, 5), (JobStatus::Completed, vec![10]));
    assert_eq!(double(&scenario, 3), (JobStatus::Skipped, vec![6]));
}

/// Found by the second review: with the run that wrote the file lost (a crash before its
/// submission's end), an edit of that run's result was restored over, since the last run read
/// was another's. The node's versions say the file is an edit of this result: kept.
#[test]
fn an_edit_of_the_newest_result_is_kept_though_its_run_was_lost() {
    let (dir, store, scenario) = file_scenario();
    double(&scenario, 3);
    double(&scenario, 5);
    let newest = *store.run_sets(scenario.id()).last().unwrap();
    store.remove_run_set(scenario.id(), newest).unwrap();
    std::fs::write(dir.path().join("out.json"), "[100]").unwrap();
    assert_eq!(double(&scenario, 5), (JobStatus::Skipped, vec![100]));
}

/// Found by the second review: a duplicate's output version is a copy of the original's, here
/// of an edit recorded there; the edit is of the remembered result in the original's history,
/// so it is kept in the duplicate too (both read the same file).
#[test]
fn an_edit_copied_into_a_duplicate_is_kept_there() {
    let (dir, _store, scenario) = file_scenario();
    edit_recorded(&scenario, dir.path());
    let copy = scenario.duplicate("copy").unwrap();
    assert_eq!(double(&copy, 3), (JobStatus::Skipped, vec![60]));
}

/// Found by the second review: garbage collection forgot the version an edit was made on (an
/// edit's lineage led nowhere), and the edit was then restored over. An edit's lineage is now
/// the version it edited.
#[test]
fn garbage_collection_keeps_the_version_an_edit_was_made_on() {
    let (dir, store, scenario) = file_scenario();
    edit_recorded(&scenario, dir.path());
    store.gc(crate::GcPolicy::keep(0, 10)).unwrap();
    assert_eq!(double(&scenario, 3), (JobStatus::Skipped, vec![60]));
}
