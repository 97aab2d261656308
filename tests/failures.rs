//! Failures with their place: a panicking task's file and line in its job's error, the whole
//! report in `SubmitError::JobsFailed`, and the table `Display` prints for jobs and reports.

use std::sync::Arc;

use taipy::prelude::*;
use taipy::{Attempt, Job, JobStatus, Reason, SubmissionReport, SubmissionStatus, SubmitError, TaskError};

/// The line of the `panic!` in `readings` (the line after this constant).
const PANIC_LINE: u32 = line!() + 4;

fn readings(city: &String) -> Vec<f64> {
    if city == "Atlantis" {
        panic!("city {city} has no readings");
    }
    vec![1.0, 2.0]
}

/// `readings` → `mean` → `report`, and an independent `shout`.
fn weather() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("weather")
        .node(DataNodeConfig::with_default("city", "Atlantis".to_string()))
        .task(TaskConfig::new("readings", readings).inputs(["city"]).outputs(["values"]))
        .task(
            TaskConfig::new("mean", |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64)
                .inputs(["values"])
                .outputs(["mean"]),
        )
        .task(TaskConfig::new("report", |m: &f64| format!("mean {m}")).inputs(["mean"]).outputs(["text"]))
        .task(TaskConfig::new("shout", |c: &String| c.to_uppercase()).inputs(["city"]).outputs(["loud"]))
        .build()
        .unwrap()
}

fn failed_submission(options: StoreOptions) -> (Store, SubmitError) {
    let store = Store::temporary_with(options).unwrap();
    let s = Scenario::create(&store, &weather(), "w").unwrap();
    let err = s.submit().unwrap().wait().unwrap_err();
    (store, err)
}

#[test]
fn a_panic_is_reported_with_the_file_and_line_of_the_task() {
    for options in [StoreOptions::development(), StoreOptions::standalone(2)] {
        let (store, err) = failed_submission(options);
        let SubmitError::JobsFailed { report, .. } = &err else { panic!("{err}") };
        let error = report.job("readings").unwrap().error.clone().unwrap();
        let place = format!("{}:{PANIC_LINE}:", file!());
        assert_eq!(error.location.as_deref().map(|l| l.starts_with(&place)), Some(true), "{error:?}");
        let text = error.to_string();
        assert!(text.starts_with(&format!("panicked at {place}")), "{text}");
        assert!(text.ends_with(": city Atlantis has no readings"), "{text}");
        // The job record keeps it.
        let job = store.job(&report.job("readings").unwrap().id).unwrap();
        assert_eq!(job.error.unwrap().to_string(), text);
    }
}

#[test]
fn a_task_that_returns_an_error_has_no_location() {
    let error = TaskError::msg("no readings");
    assert_eq!(error.location, None);
    assert_eq!(error.to_string(), "no readings");
}

#[test]
fn jobs_failed_carries_the_whole_report() {
    let (_store, err) = failed_submission(StoreOptions::development());
    let SubmitError::JobsFailed { report, .. } = &err else { panic!("{err}") };
    assert_eq!(report.status, SubmissionStatus::Failed);
    assert_eq!(report.tasks_with(JobStatus::Failed), ["readings"]);
    assert_eq!(report.tasks_with(JobStatus::Abandoned), ["mean", "report"]);
    assert_eq!(report.tasks_with(JobStatus::Completed), ["shout"]);
    assert_eq!(report.job("mean").unwrap().reason, Some(Reason::Upstream { task: "readings".into() }));
    let text = err.to_string();
    let place = format!("{}:{PANIC_LINE}:", file!());
    assert!(
        text.starts_with(&format!("submission `{}` failed: task `readings`: panicked at {place}", report.id)),
        "{text}"
    );
    assert!(text.ends_with(": city Atlantis has no readings; abandoned: `mean`, `report`"), "{text}");
}

fn job(task: &str, status: JobStatus, reason: Option<Reason>, micros: Option<u64>) -> Job {
    Job {
        id: format!("JOB_{task}_1"),
        submission: "SUBMISSION_w_1".into(),
        scenario: "SCENARIO_w_1".into(),
        task: task.into(),
        status,
        reason,
        error: None,
        created_us: 1_000,
        started_us: micros.map(|_| 2_000),
        finished_us: micros.map(|m| 2_000 + m),
        code: None,
        inputs: Vec::new(),
        warning: None,
        attempt: None,
    }
}

#[test]
fn a_row_shows_the_attempt_and_the_warning() {
    let mut retried = job("fetch", JobStatus::Completed, Some(Reason::FirstRun), Some(1_500));
    retried.attempt = Some(Attempt { number: 2, of: 3, failures: vec![TaskError::msg("busy")] });
    retried.warning = Some("no code fingerprint".into());
    assert_eq!(
        format!("{retried:5}"),
        "fetch  Completed     1.5 ms  first run: no earlier result (attempt 2 of 3); warning: no code fingerprint"
    );
}

fn sample_report() -> SubmissionReport {
    let mut failed = job("readings", JobStatus::Failed, Some(Reason::FirstRun), Some(300));
    failed.error = Some(TaskError {
        location: Some("src/weather.rs:12:5".into()),
        ..TaskError::msg("city Atlantis has no readings")
    });
    failed.error.as_mut().unwrap().panicked = true;
    SubmissionReport {
        id: "SUBMISSION_w_1".into(),
        status: SubmissionStatus::Failed,
        jobs: vec![
            job("shout", JobStatus::Completed, Some(Reason::FirstRun), Some(10_240)),
            job("scale", JobStatus::Skipped, Some(Reason::Unchanged), Some(40)),
            failed,
            job("mean", JobStatus::Abandoned, Some(Reason::Upstream { task: "readings".into() }), None),
        ]
        .into(),
        elapsed: std::time::Duration::from_micros(12_345),
    }
}

#[test]
fn a_job_displays_as_one_row_of_the_table() {
    let report = sample_report();
    assert_eq!(report.jobs[0].to_string(), "shout  Completed    10.2 ms  first run: no earlier result");
    assert_eq!(
        format!("{:10}", report.jobs[1]),
        "scale       Skipped       0.0 ms  inputs and code unchanged"
    );
    assert_eq!(
        report.jobs[2].to_string(),
        "readings  Failed        0.3 ms  panicked at src/weather.rs:12:5: city Atlantis has no readings"
    );
    assert_eq!(
        report.jobs[3].to_string(),
        "mean  Abandoned             upstream task `readings` did not succeed"
    );
}

#[test]
fn a_report_displays_as_a_table() {
    assert_eq!(
        sample_report().to_string(),
        "\
Failed in 12.3 ms: 1 completed, 1 skipped, 1 failed, 1 abandoned
  shout     Completed    10.2 ms  first run: no earlier result
  scale     Skipped       0.0 ms  inputs and code unchanged
  readings  Failed        0.3 ms  panicked at src/weather.rs:12:5: city Atlantis has no readings
  mean      Abandoned             upstream task `readings` did not succeed
"
    );
}
