//! Scenario management: metadata, listing, deletion, duplication, edit history, jobs and
//! submissions, and edit locks.

mod common;

use std::time::{Duration, SystemTime};

use common::{Blob, VALUES, config, statuses, write_csv};
use taipy::prelude::*;
use taipy::{JobStatus, Reason, StoreError, Writer};

fn setup() -> (tempfile::TempDir, Store, std::sync::Arc<ScenarioConfig>) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    write_csv(&csv, &VALUES);
    let store = Store::open_with(dir.path().join("store"), StoreOptions::development()).unwrap();
    let config = config(&csv);
    (dir, store, config)
}

fn ids(infos: &[taipy::ScenarioInfo]) -> Vec<&str> {
    infos.iter().map(|i| i.name.as_str()).collect()
}

#[test]
fn tags_properties_and_creation_date_are_kept_and_listed() {
    let (_dir, store, config) = setup();
    let before = SystemTime::now() - Duration::from_secs(1);
    let a = Scenario::create(&store, &config, "a").unwrap();
    let b = Scenario::create(&store, &config, "b").unwrap();
    let other =
        ScenarioConfig::builder("other").node(DataNodeConfig::with_default("x", 1i64)).build().unwrap();
    let c = Scenario::create(&store, &other, "c").unwrap();
    assert!(a.creation_date() >= before && a.creation_date() <= SystemTime::now());

    a.add_tag("q3").unwrap();
    a.add_tag("q3").unwrap();
    a.add_tag("draft").unwrap();
    c.add_tag("q3").unwrap();
    assert_eq!(a.tags().unwrap(), ["draft", "q3"]);
    assert!(a.remove_tag("draft").unwrap());
    assert!(!a.remove_tag("draft").unwrap());
    assert!(a.has_tag("q3").unwrap() && !b.has_tag("q3").unwrap());
    assert_eq!(ids(&store.scenarios_with_tag("q3").unwrap()), ["a", "c"]);
    assert_eq!(Scenario::with_tag(&store, &config, "q3").unwrap().len(), 1);

    assert_eq!(a.set_property("owner", "ana").unwrap(), None);
    assert_eq!(a.set_property("owner", "bo").unwrap(), Some("ana".into()));
    a.set_property("region", "emea").unwrap();
    assert_eq!(a.property("owner").unwrap().as_deref(), Some("bo"));
    assert_eq!(a.remove_property("region").unwrap().as_deref(), Some("emea"));
    assert_eq!(a.properties().unwrap().into_iter().collect::<Vec<_>>(), [("owner".into(), "bo".into())]);

    assert_eq!(ids(&store.scenarios().unwrap()), ["a", "b", "c"]);
    assert_eq!(ids(&store.scenarios_of_config("tutorial").unwrap()), ["a", "b"]);
    let all: Vec<String> =
        Scenario::all(&store, &config).unwrap().iter().map(|s| s.name().to_owned()).collect();
    assert_eq!(all, ["a", "b"]);

    // Metadata survives a restart.
    let path = store.path().to_owned();
    drop((a, b, c, store));
    let store = Store::open_with(&path, StoreOptions::development()).unwrap();
    let a = Scenario::find(&store, &config, "a").unwrap().unwrap();
    assert_eq!(a.tags().unwrap(), ["q3"]);
    assert_eq!(a.property("owner").unwrap().as_deref(), Some("bo"));
}

#[test]
fn find_or_create_reuses_the_named_scenario_and_create_always_adds_one() {
    let (_dir, store, config) = setup();
    let first = Scenario::find_or_create(&store, &config, "weekly").unwrap();
    first.data_node::<f64>("score_threshold").unwrap().write(2.0).unwrap();
    let again = Scenario::find_or_create(&store, &config, "weekly").unwrap();
    assert_eq!(again.id(), first.id());
    assert_eq!(again.data_node::<f64>("score_threshold").unwrap().read().unwrap(), 2.0);
    assert_eq!(Scenario::all(&store, &config).unwrap().len(), 1);

    // Two `create`s of one name give two scenarios; `find_or_create` then takes the newest.
    let second = Scenario::create(&store, &config, "weekly").unwrap();
    assert_eq!(Scenario::all(&store, &config).unwrap().len(), 2);
    assert_eq!(Scenario::find_or_create(&store, &config, "weekly").unwrap().id(), second.id());
    // Another name is another scenario.
    assert_ne!(Scenario::find_or_create(&store, &config, "daily").unwrap().id(), first.id());
}

/// Threads racing to `find_or_create` one name find one scenario: the search and the creation
/// are one step.
#[test]
fn find_or_create_from_racing_threads_creates_one_scenario() {
    let (_dir, store, config) = setup();
    let ids: Vec<String> = std::thread::scope(|s| {
        let racers: Vec<_> = (0..8)
            .map(|_| s.spawn(|| Scenario::find_or_create(&store, &config, "race").unwrap().id().to_owned()))
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(Scenario::all(&store, &config).unwrap().len(), 1);
}

#[test]
fn deleting_a_scenario_removes_its_nodes_jobs_and_submissions_only() {
    let (_dir, store, config) = setup();
    let keep = Scenario::create(&store, &config, "keep").unwrap();
    let gone = Scenario::create(&store, &config, "gone").unwrap();
    keep.submit().unwrap().wait().unwrap();
    gone.data_node::<f64>("score_threshold").unwrap().write(2.0).unwrap();
    gone.submit().unwrap().wait().unwrap();
    let gone_node = gone.data_node::<String>("summary").unwrap();
    assert_eq!(store.jobs().unwrap().len(), 8);

    gone.delete().unwrap();
    assert_eq!(ids(&store.scenarios().unwrap()), ["keep"]);
    assert!(store.jobs().unwrap().iter().all(|j| j.scenario == keep.id()));
    assert_eq!(store.jobs().unwrap().len(), 4);
    assert_eq!(store.submissions().unwrap().len(), 1);
    assert!(matches!(gone_node.read(), Err(StoreError::NotFound { kind: "data node", .. })));
    assert!(gone_node.history().unwrap().is_empty());

    // The other scenario is untouched and still skips.
    let r = keep.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Skipped), ["score", "segment", "analyse", "summarise"]);

    // Deleting again is a clear error.
    let err = store.delete_scenario("no-such-scenario").unwrap_err();
    assert!(matches!(err, StoreError::NotFound { kind: "scenario", .. }), "{err}");
}

#[test]
fn artifacts_of_a_deleted_scenario_are_collectable_unless_remembered() {
    let config = ScenarioConfig::builder("blobs")
        .node(DataNodeConfig::with_default("input", Blob(vec![0])))
        .task(
            TaskConfig::new("grow", |b: &Blob| Blob([&b.0[..], &[0]].concat()))
                .inputs(["input"])
                .outputs(["out"]),
        )
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let keep = Scenario::create(&store, &config, "keep").unwrap();
    keep.data_node::<Blob>("input").unwrap().write(Blob(vec![1])).unwrap();
    let gone = Scenario::create(&store, &config, "gone").unwrap();
    gone.data_node::<Blob>("input").unwrap().write(Blob(vec![2])).unwrap();
    gone.submit().unwrap().wait().unwrap();
    assert_eq!(store.collect_garbage().unwrap(), 0);

    gone.delete().unwrap();
    // The user-written input of `gone` is referenced by nothing now; its task's result is still
    // remembered (another scenario with the same input would reuse it), so it stays.
    assert_eq!(store.collect_garbage().unwrap(), 1);
    assert_eq!(keep.data_node::<Blob>("input").unwrap().read().unwrap(), Blob(vec![1]));
    let again = Scenario::create(&store, &config, "again").unwrap();
    again.data_node::<Blob>("input").unwrap().write(Blob(vec![2])).unwrap();
    let r = again.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Skipped), ["grow"]);
    assert_eq!(again.data_node::<Blob>("out").unwrap().read().unwrap(), Blob(vec![2, 0]));
}

#[test]
fn a_duplicate_starts_from_the_same_versions_and_skips_everything() {
    let (_dir, store, config) = setup();
    let source = Scenario::create(&store, &config, "source").unwrap();
    source.add_tag("baseline").unwrap();
    source.data_node::<f64>("score_threshold").unwrap().write(2.0).unwrap();
    source.submit().unwrap().wait().unwrap();

    let copy = source.duplicate("copy").unwrap();
    assert_ne!(copy.id(), source.id());
    assert_eq!(copy.tags().unwrap(), ["baseline"]);
    let threshold = copy.data_node::<f64>("score_threshold").unwrap();
    assert_eq!(threshold.read().unwrap(), 2.0);
    let first = threshold.version(1).unwrap();
    assert!(matches!(first.writer, Writer::Copied { number: 2, .. }), "{:?}", first.writer);
    assert_eq!(
        copy.data_node::<String>("summary").unwrap().read().unwrap(),
        source.data_node::<String>("summary").unwrap().read().unwrap()
    );

    let r = copy.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["score=Skipped", "segment=Skipped", "analyse=Skipped", "summarise=Skipped"]);
    assert!(r.jobs.iter().all(|j| j.reason == Some(Reason::Unchanged)), "{:?}", r.jobs);

    // The two evolve separately.
    threshold.write(1.0).unwrap();
    let r = copy.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), ["segment", "analyse", "summarise"]);
    assert_eq!(source.data_node::<f64>("score_threshold").unwrap().read().unwrap(), 2.0);
    let r = source.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Skipped).len(), 4);
}

#[test]
fn the_edit_history_has_time_writer_and_comment_for_every_version() {
    let (_dir, store, config) = setup();
    let s = Scenario::create(&store, &config, "s").unwrap();
    let node = s.data_node::<f64>("payment_threshold").unwrap();
    node.write_with_comment(1600.0, "raised for Q3").unwrap();
    node.write(1200.0).unwrap();
    let history = node.history().unwrap();
    assert_eq!(history.iter().map(|v| v.number).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(
        history.iter().map(|v| v.writer.clone()).collect::<Vec<_>>(),
        [Writer::Default, Writer::User, Writer::User]
    );
    assert_eq!(node.version(2).unwrap().comment.as_deref(), Some("raised for Q3"));
    assert!(history.windows(2).all(|w| w[0].written_us <= w[1].written_us));
    assert_eq!(node.read_version(2).unwrap(), 1600.0);
    assert_eq!(node.read_version(1).unwrap(), 1000.0);
    assert!(matches!(node.version(9), Err(StoreError::NotFound { kind: "version", .. })));
}

#[test]
fn jobs_and_submissions_are_listed_fetched_and_deleted_when_finished() {
    let (_dir, store, config) = setup();
    let s = Scenario::create(&store, &config, "s").unwrap();
    let other = Scenario::create(&store, &config, "other").unwrap();
    let first = s.submit().unwrap().wait().unwrap();
    s.data_node::<String>("metric").unwrap().write("max".into()).unwrap();
    let second = s.submit_sequence("analysis", SubmitOptions::new()).unwrap().wait().unwrap();
    other.submit().unwrap().wait().unwrap();

    let subs = s.submissions().unwrap();
    assert_eq!(
        subs.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [first.id.as_str(), second.id.as_str()]
    );
    assert_eq!(subs[1].entity, "sequence analysis");
    assert_eq!(subs[1].status, taipy::SubmissionStatus::Completed);
    assert_eq!(store.submission(&first.id).unwrap().jobs.len(), 4);
    assert_eq!(store.submissions().unwrap().len(), 3);
    assert_eq!(s.jobs().unwrap().len(), 6);

    let latest = s.latest_job("analyse").unwrap().unwrap();
    assert_eq!(latest.submission, second.id);
    assert_eq!(latest.status, JobStatus::Completed);
    assert_eq!(s.latest_job("score").unwrap().unwrap().submission, first.id);
    assert_eq!(store.job(&latest.id).unwrap(), latest);

    store.delete_job(&latest.id).unwrap();
    assert!(matches!(store.job(&latest.id), Err(StoreError::NotFound { kind: "job", .. })));
    assert_eq!(store.submission(&second.id).unwrap().jobs.len(), 1);
    assert_eq!(s.latest_job("analyse").unwrap().unwrap().submission, first.id);

    store.delete_submission(&first.id).unwrap();
    assert_eq!(s.submissions().unwrap().len(), 1);
    assert_eq!(s.jobs().unwrap().len(), 1);
    assert_eq!(other.jobs().unwrap().len(), 4);
}

#[test]
fn an_unfinished_job_cannot_be_deleted() {
    let gate = std::sync::Arc::new(std::sync::Barrier::new(2));
    let release = std::sync::Arc::new(std::sync::Barrier::new(2));
    let (g, r) = (gate.clone(), release.clone());
    let config = ScenarioConfig::builder("slow")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(
            TaskConfig::new("wait", move |x: &i64| {
                g.wait();
                r.wait();
                *x
            })
            .inputs(["x"])
            .outputs(["y"]),
        )
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::standalone(1)).unwrap();
    let s = Scenario::create(&store, &config, "s").unwrap();
    let submission = s.submit().unwrap();
    gate.wait();
    let job = submission.jobs()[0].clone();
    let err = store.delete_job(&job.id).unwrap_err();
    assert!(matches!(err, StoreError::CannotDelete { kind: "job", .. }), "{err}");
    assert!(err.to_string().contains("is Running"), "{err}");
    let err = store.delete_submission(submission.id()).unwrap_err();
    assert!(matches!(err, StoreError::CannotDelete { kind: "submission", .. }), "{err}");
    let err = store.delete_scenario(s.id()).unwrap_err();
    assert!(matches!(err, StoreError::CannotDelete { kind: "scenario", .. }), "{err}");
    release.wait();
    submission.wait().unwrap();
    store.delete_job(&job.id).unwrap();
}

#[test]
fn an_edit_lock_refuses_writes_by_anyone_else_until_unlocked_or_expired() {
    let (_dir, store, config) = setup();
    let s = Scenario::create(&store, &config, "s").unwrap();
    let node = s.data_node::<f64>("payment_threshold").unwrap();
    node.lock_edit("ana", Duration::from_secs(3600)).unwrap();
    assert_eq!(node.edit_lock().unwrap().unwrap().owner, "ana");

    let err = node.write(1.0).unwrap_err();
    assert!(
        matches!(&err, StoreError::NodeLocked { node, owner, .. } if node == "payment_threshold" && owner == "ana")
    );
    assert!(err.to_string().contains("`payment_threshold` is locked for editing by `ana`"), "{err}");
    assert!(node.write_by("bo", 2.0, None).is_err());
    assert!(matches!(node.lock_edit("bo", Duration::from_secs(1)), Err(StoreError::NodeLocked { .. })));
    assert!(matches!(node.unlock_edit("bo"), Err(StoreError::NodeLocked { .. })));
    node.write_by("ana", 3.0, Some("ana's edit")).unwrap();
    assert_eq!(node.read().unwrap(), 3.0);

    // Jobs read a locked node; a job that would write a new value into one fails, naming
    // the node and the owner, and nothing downstream runs on a value it could not write.
    s.submit().unwrap().wait().unwrap();
    let segmented = s.data_node::<Vec<(f64, bool, bool)>>("segmented").unwrap();
    segmented.lock_edit("ana", Duration::from_secs(3600)).unwrap();
    s.data_node::<f64>("score_threshold").unwrap().write(2.5).unwrap();
    let submission = s.submit().unwrap();
    let err = submission.wait().unwrap_err();
    assert!(err.to_string().contains("data node `segmented` is locked for editing by `ana`"), "{err}");
    assert_eq!(
        statuses(&submission.report()),
        ["score=Skipped", "segment=Failed", "analyse=Abandoned", "summarise=Abandoned"]
    );
    assert_eq!(segmented.history().unwrap().len(), 1);
    segmented.unlock_edit("ana").unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), ["segment", "analyse", "summarise"]);

    // The lock survives a restart; then the owner unlocks.
    let path = store.path().to_owned();
    drop((node, s, store, segmented, submission));
    let store = Store::open_with(&path, StoreOptions::development()).unwrap();
    let s = Scenario::find(&store, &config, "s").unwrap().unwrap();
    let node = s.data_node::<f64>("payment_threshold").unwrap();
    assert!(node.write(4.0).is_err());
    node.unlock_edit("ana").unwrap();
    node.write(4.0).unwrap();
    assert_eq!(node.edit_lock().unwrap(), None);

    // An expired lock refuses nothing.
    node.lock_edit("bo", Duration::ZERO).unwrap();
    assert_eq!(node.edit_lock().unwrap(), None);
    node.write(5.0).unwrap();
    assert_eq!(node.read().unwrap(), 5.0);
}

#[test]
fn a_lock_taken_while_a_job_runs_refuses_its_commit_and_changes_none_of_its_outputs() {
    let started = std::sync::Arc::new(std::sync::Barrier::new(2));
    let resume = std::sync::Arc::new(std::sync::Barrier::new(2));
    let gated = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (s1, r1, g1) = (started.clone(), resume.clone(), gated.clone());
    let config = ScenarioConfig::builder("pair")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(
            TaskConfig::new("split", move |x: &i64| {
                if g1.load(std::sync::atomic::Ordering::SeqCst) {
                    s1.wait();
                    r1.wait();
                }
                (x + 1, x + 2)
            })
            .inputs(["x"])
            .outputs(["a", "b"]),
        )
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), StoreOptions::standalone(1)).unwrap();
    let s = Scenario::create(&store, &config, "s").unwrap();
    s.submit().unwrap().wait().unwrap();
    s.data_node::<i64>("x").unwrap().write(10).unwrap();
    gated.store(true, std::sync::atomic::Ordering::SeqCst);
    let submission = s.submit().unwrap();
    started.wait();
    // The job runs; a user locks its second output meanwhile.
    let b = s.data_node::<i64>("b").unwrap();
    b.lock_edit("ana", Duration::from_secs(3600)).unwrap();
    resume.wait();
    let err = submission.wait().unwrap_err();
    assert!(err.to_string().contains("`b` is locked for editing by `ana`"), "{err}");
    let job = submission.report().job("split").unwrap().clone();
    assert_eq!(job.status, JobStatus::Failed);
    // Neither output changed, in memory or in the store: reopened, the store has the failed job
    // as reported and both outputs at their first version.
    let a = s.data_node::<i64>("a").unwrap();
    assert_eq!((a.read().unwrap(), a.history().unwrap().len()), (2, 1));
    assert_eq!((b.read().unwrap(), b.history().unwrap().len()), (3, 1));
    let id = s.id().to_owned();
    drop((a, b, submission, s, store));
    let store = reopen(dir.path(), StoreOptions::standalone(1));
    assert_eq!(store.job(&job.id).unwrap(), job);
    let s = Scenario::open(&store, &config, &id).unwrap();
    let (a, b) = (s.data_node::<i64>("a").unwrap(), s.data_node::<i64>("b").unwrap());
    assert_eq!((a.read().unwrap(), a.history().unwrap().len()), (2, 1));
    assert_eq!((b.read().unwrap(), b.history().unwrap().len()), (3, 1));
    b.unlock_edit("ana").unwrap();
    gated.store(false, std::sync::atomic::Ordering::SeqCst);
    s.submit().unwrap().wait().unwrap();
    assert_eq!((a.read().unwrap(), b.read().unwrap()), (11, 12));
}

/// Opens the store at `path` again: `wait` returned and every handle was dropped, so it must
/// open at once.
fn reopen(path: &std::path::Path, options: StoreOptions) -> Store {
    Store::open_with(path, options).unwrap()
}
