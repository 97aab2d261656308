//! The tutorial's scenario on bad input: the failure is reported on the job that met it, with
//! a message naming the problem, and the tasks depending on it are abandoned.

mod common;

use std::path::Path;

use common::{TASKS, customer_analysis};
use taipy::{JobStatus, Reason, Scenario, Store, SubmissionReport};

const HEADER: &str = "CustomerID,TotalPurchaseAmount,NumberOfPurchases,AverageReviewScore,TotalPurchaseTime";

fn submit(data: &Path) -> SubmissionReport {
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &customer_analysis(data), "bad input").unwrap();
    let submission = scenario.submit().unwrap();
    let outcome = submission.wait();
    assert!(outcome.is_err(), "a failed job fails the submission");
    submission.report()
}

fn assert_first_task_failed(report: &SubmissionReport, needles: &[&str]) {
    let job = report.job(TASKS[0]).unwrap();
    assert_eq!(job.status, JobStatus::Failed, "{job:?}");
    // The message with its causes, as the command line prints them.
    let message = &job.error.as_ref().unwrap().to_string();
    for needle in needles {
        assert!(message.contains(needle), "`{needle}` not in: {message}");
    }
    for task in &TASKS[1..] {
        let job = report.job(task).unwrap();
        assert_eq!(job.status, JobStatus::Abandoned, "{task}");
        assert_eq!(job.reason, Some(Reason::Upstream { task: TASKS[0].into() }), "{task}");
    }
}

#[test]
fn a_missing_column_fails_the_first_job_naming_column_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("no_time.csv");
    std::fs::write(&data, "CustomerID,TotalPurchaseAmount,NumberOfPurchases,AverageReviewScore\n1,2,3,4\n")
        .unwrap();
    assert_first_task_failed(&submit(&data), &["`TotalPurchaseTime`", "no_time.csv"]);
}

#[test]
fn a_malformed_row_fails_the_first_job_naming_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("malformed.csv");
    std::fs::write(&data, format!("{HEADER}\n1,10.5,1,4.0,30\n2,12.0,two,4.0,60\n")).unwrap();
    // The plan fails while its output is being stored: polars names the value and the column,
    // the job the output node and the file.
    assert_first_task_failed(
        &submit(&data),
        &[
            "cannot store output `scored_df`",
            "computed from file",
            "malformed.csv",
            "`two`",
            "NumberOfPurchases",
        ],
    );
}

#[test]
fn an_empty_file_fails_the_first_job() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("empty.csv");
    std::fs::write(&data, "").unwrap();
    assert_first_task_failed(&submit(&data), &["empty.csv", "is empty"]);
}
