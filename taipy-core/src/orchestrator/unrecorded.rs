//! Tests: jobs skipped without restoring anything have no record of their own until their
//! submission ends (`store/skipped.rs`), and every reader sees them as the submission
//! reported them.

use std::sync::{Arc, Mutex, mpsc};

use crate::prelude::*;
use crate::{Job, StoreError, Writer};

/// Three independent tasks, one per input node.
fn config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("mixed")
        .node(DataNodeConfig::with_default("a", 1i64))
        .node(DataNodeConfig::with_default("b", 1i64))
        .node(DataNodeConfig::with_default("c", 1i64))
        .task(TaskConfig::new("same", |a: &i64| a + 1).version(1).inputs(["a"]).outputs(["x"]))
        .task(TaskConfig::new("back", |b: &i64| b * 10).version(1).inputs(["b"]).outputs(["y"]))
        .task(TaskConfig::new("new", |c: &i64| c - 1).version(1).inputs(["c"]).outputs(["z"]))
        .build()
        .unwrap()
}

fn has_record(store: &Store, id: &str) -> bool {
    store.apply_all().unwrap();
    store.has_job_record(id)
}

fn task_job<'a>(jobs: &'a [Job], task: &str) -> &'a Job {
    jobs.iter().find(|j| j.task == task).unwrap()
}

/// Every reader sees each job of `submissions` (id, jobs as reported) as it was reported.
fn check_readers(store: &Store, scenario: &Scenario, submissions: &[(&str, &[Job])]) {
    let mut all: Vec<Job> = submissions.iter().flat_map(|(_, jobs)| jobs.iter().cloned()).collect();
    for job in &all {
        assert_eq!(&store.job(&job.id).unwrap(), job);
    }
    for (id, jobs) in submissions {
        assert_eq!(store.submission(id).unwrap().jobs, *jobs);
    }
    all.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(store.jobs().unwrap(), all);
    all.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
    assert_eq!(store.jobs_of_scenario(scenario.id()).unwrap(), all);
}

/// A submission mixing a job skipped that restores nothing (`same`), one skipped that
/// restores an earlier result (`back`) and one that runs (`new`): only the first has no
/// record of its own, and every reader sees it as the submission reported it, before and
/// after the store is reopened, and after it is deleted.
#[test]
fn a_job_skipped_without_restoring_has_no_record_and_reads_as_reported() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let scenario = Scenario::create(&store, &config(), "s").unwrap();
    let first = scenario.submit().unwrap().wait().unwrap();
    scenario.data_node::<i64>("b").unwrap().write(2).unwrap();
    let second = scenario.submit().unwrap().wait().unwrap();
    scenario.data_node::<i64>("b").unwrap().write(1).unwrap();
    scenario.data_node::<i64>("c").unwrap().write(5).unwrap();
    let third = scenario.submit().unwrap().wait().unwrap();
    let statuses: Vec<_> = third.jobs.iter().map(|j| (j.task.as_str(), j.status)).collect();
    assert_eq!(
        statuses,
        [("same", JobStatus::Skipped), ("back", JobStatus::Skipped), ("new", JobStatus::Completed)]
    );
    let (same, back, new) =
        (task_job(&third.jobs, "same"), task_job(&third.jobs, "back"), task_job(&third.jobs, "new"));
    assert!(!has_record(&store, &same.id), "skipped, restored nothing: no record of its own");
    assert!(has_record(&store, &back.id) && has_record(&store, &new.id));
    assert!(!same.inputs.is_empty() && same.code.is_some() && same.finished_us.is_some(), "{same:?}");
    check_readers(
        &store,
        &scenario,
        &[(&first.id, &first.jobs), (&second.id, &second.jobs), (&third.id, &third.jobs)],
    );

    // Lineage: the restored version names the job that restored it; the version the
    // skipped job left current names the job that wrote it.
    let y = scenario.data_node::<i64>("y").unwrap().lineage().unwrap();
    assert!(matches!(&y.writer, Writer::Reused { job, .. } if *job == back.id), "{y:?}");
    assert_eq!(y.job.map(|j| (j.id, j.status)), Some((back.id.clone(), JobStatus::Skipped)));
    let x = scenario.data_node::<i64>("x").unwrap().lineage().unwrap();
    assert_eq!(x.job.map(|j| j.id), Some(task_job(&first.jobs, "same").id.clone()));

    drop(scenario);
    drop(store);
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let scenario = Scenario::find(&store, &config(), "s").unwrap().unwrap();
    check_readers(
        &store,
        &scenario,
        &[(&first.id, &first.jobs), (&second.id, &second.jobs), (&third.id, &third.jobs)],
    );

    store.delete_job(&same.id).unwrap();
    assert!(matches!(store.job(&same.id), Err(StoreError::NotFound { .. })));
    let mut left = third.jobs.to_vec();
    left.retain(|j| j.id != same.id);
    check_readers(
        &store,
        &scenario,
        &[(&first.id, &first.jobs), (&second.id, &second.jobs), (&third.id, &left)],
    );

    let id = scenario.id().to_owned();
    drop(scenario);
    store.delete_scenario(&id).unwrap();
    assert!(store.jobs().unwrap().is_empty());
    assert_eq!(store.skipped_records(), 0, "removed with it");
    assert!(matches!(store.job(&back.id), Err(StoreError::NotFound { .. })));
}

/// Until its submission ends, a job skipped without restoring anything is, for readers, a
/// job that has not started (Submitted), as after a crash recovery at open abandons it.
#[test]
fn until_its_submission_ends_a_skipped_job_reads_as_submitted() {
    let (started_tx, started) = mpsc::channel::<()>();
    let (release, release_rx) = mpsc::channel::<()>();
    let started_tx = Mutex::new(started_tx);
    let release_rx = Mutex::new(release_rx);
    let gate = std::sync::atomic::AtomicBool::new(false);
    let config = ScenarioConfig::builder("gate")
        .node(DataNodeConfig::with_default("a", 1i64))
        .node(DataNodeConfig::with_default("k", 1i64))
        .task(TaskConfig::new("same", |a: &i64| a + 1).version(1).inputs(["a"]).outputs(["x"]))
        .task(
            TaskConfig::new("wait", move |k: &i64| {
                if gate.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    started_tx.lock().unwrap().send(()).unwrap();
                    release_rx.lock().unwrap().recv().unwrap();
                }
                k + 1
            })
            .version(1)
            .inputs(["k"])
            .outputs(["w"]),
        )
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::standalone(2)).unwrap();
    let scenario = Scenario::create(&store, &config, "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    scenario.data_node::<i64>("k").unwrap().write(2).unwrap();
    let submission = scenario.submit().unwrap();
    started.recv().unwrap();
    let same = loop {
        let job = submission.jobs().into_iter().find(|j| j.task == "same").unwrap();
        if job.status == JobStatus::Skipped {
            break job;
        }
        std::thread::yield_now();
    };
    let stored = store.job(&same.id).unwrap();
    assert_eq!((stored.status, stored.submission.as_str()), (JobStatus::Submitted, submission.id()));
    release.send(()).unwrap();
    let report = submission.wait().unwrap();
    assert_eq!(store.job(&same.id).unwrap(), *task_job(&report.jobs, "same"));
}

/// A skipped record that cannot be read is reported, and only the jobs it holds are left out
/// of listings (as an unreadable job record is); reading one of them by id is an error.
#[test]
fn an_unreadable_skipped_record_leaves_only_its_jobs_out() {
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config(), "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    scenario.data_node::<i64>("c").unwrap().write(5).unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    let new = task_job(&report.jobs, "new");
    store.damage_skipped_records();
    let listed: Vec<String> =
        store.submission(&report.id).unwrap().jobs.into_iter().map(|j| j.task).collect();
    assert_eq!(listed, ["new"]);
    assert_eq!(store.jobs_of_scenario(scenario.id()).unwrap().len(), 4);
    assert_eq!(store.jobs().unwrap().len(), 4);
    assert!(
        store.unreadable_records().iter().any(|r| r.what == "skipped jobs"),
        "{:?}",
        store.unreadable_records()
    );
    assert_eq!(&store.job(&new.id).unwrap(), new);
    let same = task_job(&report.jobs, "same");
    assert!(matches!(store.job(&same.id), Err(StoreError::Corrupt { .. })), "{:?}", store.job(&same.id));
}
