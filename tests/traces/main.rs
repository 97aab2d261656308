//! `tracing` spans and events of submissions, jobs and the store, seen through a capturing
//! subscriber: one `submission` span per submission, one `job` span per job inside it, and
//! events for the skip decision, the job's end, its commit, garbage collection and opening the
//! store. (That the library installs no subscriber of its own is `tests/no_subscriber.rs`.)

mod capture;

use std::sync::Arc;

use capture::{EventData, capture, capture_global};
use taipy::prelude::*;
use taipy::{GcPolicy, SubmissionReport};
use tracing::Level;

/// `x` → double → `y` → add_one → `z`.
fn config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("traced")
        .node(DataNodeConfig::with_default("x", 20u64))
        .task(TaskConfig::new("double", |x: &u64| x * 2).inputs(["x"]).outputs(["y"]))
        .task(TaskConfig::new("add_one", |y: &u64| y + 1).inputs(["y"]).outputs(["z"]))
        .build()
        .unwrap()
}

/// `x` → check (fails) → `y` → add_one → `z`.
fn failing_config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("failing")
        .node(DataNodeConfig::with_default("x", 20u64))
        .task(
            TaskConfig::new("check", |x: &u64| -> Result<u64, std::io::Error> {
                Err(std::io::Error::other(format!("{x} is too big")))
            })
            .inputs(["x"])
            .outputs(["y"]),
        )
        .task(TaskConfig::new("add_one", |y: &u64| y + 1).inputs(["y"]).outputs(["z"]))
        .build()
        .unwrap()
}

/// The one event with `message` inside the job span of `task` in submission `submission`.
fn job_event<'a>(events: &'a [EventData], message: &str, submission: &str, task: &str) -> &'a EventData {
    let found: Vec<&EventData> = events
        .iter()
        .filter(|e| e.message() == message && e.get("submission") == Some(submission))
        .filter(|e| e.within("job") && e.get("task") == Some(task))
        .collect();
    assert_eq!(found.len(), 1, "one `{message}` event for task `{task}`: {events:#?}");
    found[0]
}

fn duration_ms(event: &EventData) -> f64 {
    let text = event.get("duration_ms").unwrap_or_else(|| panic!("no duration_ms: {event:?}"));
    text.parse().unwrap_or_else(|e| panic!("duration_ms {text:?}: {e}"))
}

#[test]
fn a_submission_and_its_jobs_are_spans_with_the_decision_reason_and_duration() {
    let ((s, first, second), captured) = capture(|| {
        let store = Store::temporary_with(StoreOptions::development()).unwrap();
        let s = Scenario::create(&store, &config(), "q3 analysis").unwrap();
        let first = s.submit().unwrap().wait().unwrap();
        let second = s.submit().unwrap().wait().unwrap();
        (s, first, second)
    });

    // One `submission` span per submission, naming the scenario, the target and `force`.
    let submissions: Vec<_> = captured.spans().into_iter().filter(|s| s.name == "submission").collect();
    assert_eq!(submissions.len(), 2, "{submissions:#?}");
    for (span, report) in submissions.iter().zip([&first, &second]) {
        let field = |name: &str| span.fields.get(name).map(String::as_str);
        assert_eq!(field("submission"), Some(report.id.as_str()));
        assert_eq!(field("scenario"), Some("q3 analysis"));
        assert_eq!(field("scenario_id"), Some(s.id()));
        assert_eq!(field("target"), Some("scenario"));
        assert_eq!(field("forced"), Some("false"));
    }
    // One `job` span per job, naming its task and job.
    let jobs: Vec<_> = captured.spans().into_iter().filter(|s| s.name == "job").collect();
    let named: Vec<(&str, &str)> =
        jobs.iter().map(|s| (s.fields["task"].as_str(), s.fields["job"].as_str())).collect();
    let expected: Vec<(&str, &str)> = [&first, &second]
        .iter()
        .flat_map(|r| r.jobs.iter().map(|j| (j.task.as_str(), j.id.as_str())))
        .collect();
    assert_eq!(named, expected);

    let events = captured.events();
    check_decisions(&events, &first, "run", "first run: no earlier result", "Completed");
    check_decisions(&events, &second, "skip", "inputs and code unchanged", "Skipped");

    // Each submission's end: its status and duration, in its span.
    for report in [&first, &second] {
        let ends: Vec<_> = events
            .iter()
            .filter(|e| e.message() == "submission finished" && e.get("submission") == Some(&report.id))
            .collect();
        assert_eq!(ends.len(), 1, "{events:#?}");
        assert_eq!(ends[0].get("status"), Some("Completed"));
        assert!(duration_ms(ends[0]) >= 0.0);
    }
}

/// Every job of `report`: a `decision` event with `decision` and `reason`, then a
/// `job finished` event with its status, the same reason and a duration.
fn check_decisions(
    events: &[EventData],
    report: &SubmissionReport,
    decision: &str,
    reason: &str,
    status: &str,
) {
    for task in ["double", "add_one"] {
        let decided = job_event(events, "decision", &report.id, task);
        assert_eq!(decided.get("decision"), Some(decision), "{decided:?}");
        assert_eq!(decided.get("reason"), Some(reason), "{decided:?}");
        assert_eq!(decided.get("scenario"), Some("q3 analysis"), "{decided:?}");
        let finished = job_event(events, "job finished", &report.id, task);
        assert_eq!(finished.get("status"), Some(status), "{finished:?}");
        assert_eq!(finished.get("reason"), Some(reason), "{finished:?}");
        assert_eq!(finished.level, Level::INFO);
        assert!(duration_ms(finished) >= 0.0);
    }
}

#[test]
fn a_changed_input_is_the_reason_and_a_forced_submission_says_so() {
    let (reports, captured) = capture(|| {
        let store = Store::temporary_with(StoreOptions::development()).unwrap();
        let s = Scenario::create(&store, &config(), "changed").unwrap();
        s.submit().unwrap().wait().unwrap();
        s.data_node::<u64>("x").unwrap().write(21).unwrap();
        let changed = s.submit().unwrap().wait().unwrap();
        let forced = s.submit_with(SubmitOptions::new().force(true)).unwrap().wait().unwrap();
        (changed, forced)
    });
    let (changed, forced) = reports;
    let events = captured.events();
    let decided = job_event(&events, "decision", &changed.id, "double");
    assert_eq!(decided.get("decision"), Some("run"));
    assert_eq!(decided.get("reason"), Some("input `x` changed"));
    let decided = job_event(&events, "decision", &forced.id, "add_one");
    assert_eq!((decided.get("decision"), decided.get("reason")), (Some("run"), Some("forced")));
    assert_eq!(decided.get("forced"), Some("true"));
}

#[test]
fn a_failed_job_is_a_warning_with_its_error_and_its_dependants_are_abandoned() {
    let (id, captured) = capture(|| {
        let store = Store::temporary_with(StoreOptions::development()).unwrap();
        let s = Scenario::create(&store, &failing_config(), "failing").unwrap();
        let error = s.submit().unwrap().wait().unwrap_err();
        let taipy::SubmitError::JobsFailed { report, .. } = error else { panic!("{error}") };
        report.id
    });
    let events = captured.events();
    let failed = job_event(&events, "job finished", &id, "check");
    assert_eq!(failed.level, Level::WARN);
    assert_eq!(failed.get("status"), Some("Failed"));
    assert!(failed.get("error").is_some_and(|e| e.contains("20 is too big")), "{failed:?}");
    assert!(duration_ms(failed) >= 0.0);
    let abandoned = job_event(&events, "job finished", &id, "add_one");
    assert_eq!(abandoned.get("status"), Some("Abandoned"));
    assert_eq!(abandoned.get("reason"), Some("upstream task `check` did not succeed"));
    let end = events.iter().find(|e| e.message() == "submission finished").expect("the submission's end");
    assert_eq!((end.get("status"), end.level), (Some("Failed"), Level::WARN));
}

#[test]
fn jobs_on_worker_threads_are_inside_their_submission_span() {
    // The pool's threads do not see a thread-local default: this one is global (the only
    // global one of this binary; the other tests' thread-local defaults take precedence).
    let (report, captured) = capture_global(|| {
        let store = Store::temporary_with(StoreOptions::standalone(2)).unwrap();
        let s = Scenario::create(&store, &config(), "pooled").unwrap();
        let submission = s.submit().unwrap();
        // Not entered here: the workers enter the jobs' spans under the submission's span.
        submission.wait().unwrap()
    });
    let events = captured.events();
    for task in ["double", "add_one"] {
        let finished = job_event(&events, "job finished", &report.id, task);
        assert!(finished.within("submission"), "{finished:?}");
    }
}

#[test]
fn commits_garbage_collection_and_opening_the_store_are_events() {
    let dir = tempfile::tempdir().unwrap();
    let (report, captured) = capture(|| {
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        let s = Scenario::create(&store, &config(), "stored").unwrap();
        let report = s.submit().unwrap().wait().unwrap();
        s.data_node::<u64>("x").unwrap().write(21).unwrap();
        s.submit().unwrap().wait().unwrap();
        store.gc(GcPolicy::keep_only_current()).unwrap();
        report
    });
    let events = captured.events();
    let opened = captured.events_named("store opened");
    assert_eq!(opened.len(), 1, "{events:#?}");
    assert_eq!(opened[0].get("path"), Some(dir.path().display().to_string().as_str()));
    assert_eq!(opened[0].get("mode"), Some("Development"));

    // Each job's commit, in its span: how many records and bytes it stages.
    let committed = job_event(&events, "job committed", &report.id, "double");
    let records: usize = committed.get("records").unwrap().parse().unwrap();
    let bytes: usize = committed.get("bytes").unwrap().parse().unwrap();
    assert!(records >= 3, "a version, a memo entry, the job: {committed:?}");
    assert!(bytes > 0, "{committed:?}");

    let collected = captured.events_named("garbage collected");
    assert_eq!(collected.len(), 1, "{events:#?}");
    // The first run's `y` and `z`, and the old `x`, are forgotten.
    assert_eq!(collected[0].get("versions_removed"), Some("3"), "{:?}", collected[0]);
    assert!(collected[0].get("memo_entries_removed").is_some());
    assert!(collected[0].get("bytes_freed").is_some());
}
