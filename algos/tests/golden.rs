//! The tutorial's walkthrough on 100,000 customers, against what pandas computes
//! (`fixtures/pandas_results_100k.json`), both as plain functions and as a taipy scenario whose
//! submits skip exactly the tasks whose inputs did not change.

mod common;

use std::path::{Path, PathBuf};

use algos::*;
use common::{TASKS, customer_analysis};
use polars::prelude::*;
use serde_json::Value;
use taipy::{CsvFile, JobStatus, Reason, Scenario, Store};

/// Relative tolerance: sums may be accumulated in another order than numpy's.
const TOLERANCE: f64 = 1e-12;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn expected_steps() -> Vec<Value> {
    let text = std::fs::read_to_string(fixture("pandas_results_100k.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["rows"], 100_000);
    json["steps"].as_array().unwrap().clone()
}

/// The parameters of the walkthrough's four submits.
#[derive(Clone, Copy, Debug)]
struct Params {
    payment_threshold: f64,
    score_threshold: f64,
    metric: Metric,
    statistic: Statistic,
}

fn walkthrough() -> [Params; 4] {
    let first = Params {
        payment_threshold: 1000.0,
        score_threshold: 1.5,
        metric: Metric::Mean,
        statistic: Statistic::Median,
    };
    let second = Params { payment_threshold: 1600.0, ..first };
    let third = Params { metric: Metric::Median, ..second };
    let fourth = Params { statistic: Statistic::Max, ..third };
    [first, second, third, fourth]
}

/// Checks that the step's `change` in the JSON is the one this walkthrough makes.
fn check_change(step: &Value, index: usize) {
    let change = &step["change"];
    match index {
        0 => assert!(change.is_null()),
        1 => assert_eq!(change["payment_threshold"], 1600),
        2 => assert_eq!(change["metric"], "median"),
        3 => assert_eq!(change["summary_statistic_type"], "max"),
        _ => unreachable!(),
    }
}

/// Asserts that `actual` has the expected table's columns, in order, and values.
fn assert_table(what: &str, actual: &DataFrame, expected: &Value) {
    let columns: Vec<&str> =
        expected["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let actual_columns: Vec<&str> = actual.get_column_names().into_iter().map(|n| n.as_str()).collect();
    assert_eq!(actual_columns, columns, "{what}: columns");
    let rows = expected["rows"].as_array().unwrap();
    assert_eq!(actual.height(), rows.len(), "{what}: row count");
    for (i, row) in rows.iter().enumerate() {
        for column in &columns {
            let want = &row[column];
            let got = actual.column(column).unwrap().get(i).unwrap();
            match want {
                Value::String(text) => {
                    assert_eq!(got.get_str(), Some(text.as_str()), "{what}: row {i}, {column}")
                }
                Value::Number(number) if number.is_i64() => {
                    let got = got.extract::<i64>().unwrap_or_else(|| panic!("{what}: {column} is {got:?}"));
                    assert_eq!(got, number.as_i64().unwrap(), "{what}: row {i}, {column}");
                }
                Value::Number(number) => {
                    let want = number.as_f64().unwrap();
                    let got = got.extract::<f64>().unwrap_or_else(|| panic!("{what}: {column} is {got:?}"));
                    let error = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
                    assert!(
                        error <= TOLERANCE,
                        "{what}: row {i}, {column}: {got} vs pandas {want} (rel. {error:e})"
                    );
                }
                other => panic!("{what}: unexpected JSON value {other}"),
            }
        }
    }
}

fn check_outputs(step: usize, expected: &Value, segment_result: &DataFrame, summary: &DataFrame) {
    assert_table(&format!("step {} segment_result", step + 1), segment_result, &expected["segment_result"]);
    assert_table(
        &format!("step {} high_value_summary", step + 1),
        summary,
        &expected["high_value_summary_df"],
    );
}

#[test]
fn the_plain_functions_compute_what_pandas_computes() {
    let steps = expected_steps();
    let path = CsvFile::new(fixture("customers_100k.csv"));
    let scored = preprocess_and_score(&path).unwrap();
    for (i, (params, expected)) in walkthrough().iter().zip(&steps).enumerate() {
        check_change(expected, i);
        let segmented =
            featurization_and_segmentation(&scored, &params.payment_threshold, &params.score_threshold)
                .unwrap();
        let segments = segment_analysis(&segmented, &params.metric).unwrap();
        let summary = high_value_cust_summary_statistics(&segmented, &segments, &params.statistic).unwrap();
        check_outputs(i, expected, &segments.0.collect().unwrap(), &summary.0.collect().unwrap());
    }
}

#[test]
fn the_scenario_skips_what_did_not_change_and_matches_pandas() {
    let steps = expected_steps();
    let store = Store::temporary().unwrap();
    let config = customer_analysis(&fixture("customers_100k.csv"));
    let scenario = Scenario::create(&store, &config, "walkthrough").unwrap();

    // Which tasks run at each submit; the others are skipped.
    let runs: [&[&str]; 4] = [&TASKS, &TASKS[1..], &TASKS[2..], &TASKS[3..]];
    for (i, expected) in steps.iter().enumerate() {
        check_change(expected, i);
        match i {
            0 => {}
            1 => scenario.data_node::<f64>("payment_threshold").unwrap().write(1600.0).unwrap(),
            2 => scenario.data_node::<Metric>("metric").unwrap().write("median".parse().unwrap()).unwrap(),
            3 => scenario
                .data_node::<Statistic>("summary_statistic_type")
                .unwrap()
                .write(Statistic::Max)
                .unwrap(),
            _ => unreachable!(),
        }
        let report = scenario.submit().unwrap().wait().unwrap();
        let failures: Vec<_> =
            report.jobs.iter().filter_map(|j| j.error.as_ref().map(|e| (&j.task, e))).collect();
        assert!(failures.is_empty(), "submit {}: {failures:?}", i + 1);
        assert_eq!(report.tasks_with(JobStatus::Completed), runs[i], "submit {}: completed", i + 1);
        let skipped: Vec<&str> = TASKS.iter().copied().filter(|t| !runs[i].contains(t)).collect();
        assert_eq!(report.tasks_with(JobStatus::Skipped), skipped, "submit {}: skipped", i + 1);
        for task in skipped {
            assert_eq!(report.job(task).unwrap().reason, Some(Reason::Unchanged), "submit {}: {task}", i + 1);
        }

        let segments: SegmentResult = scenario.data_node("segment_result").unwrap().read().unwrap();
        let summary: HighValueSummary = scenario.data_node("high_value_summary_df").unwrap().read().unwrap();
        check_outputs(i, expected, &segments.0.collect().unwrap(), &summary.0.collect().unwrap());
    }

    // Back to the first parameters: every task reuses an earlier result.
    scenario.data_node::<f64>("payment_threshold").unwrap().write(1000.0).unwrap();
    scenario.data_node::<Metric>("metric").unwrap().write(Metric::Mean).unwrap();
    scenario.data_node::<Statistic>("summary_statistic_type").unwrap().write(Statistic::Median).unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Skipped), TASKS, "{:?}", report.jobs);
    let segments: SegmentResult = scenario.data_node("segment_result").unwrap().read().unwrap();
    let summary: HighValueSummary = scenario.data_node("high_value_summary_df").unwrap().read().unwrap();
    check_outputs(0, &steps[0], &segments.0.collect().unwrap(), &summary.0.collect().unwrap());
}

/// The `scenario!` version driven by the examples' walkthrough: the same numbers, the same skip
/// pattern, the JSON lines the examples print, and on a second pass (as after a restart) every
/// task reused.
#[test]
fn the_macro_scenario_walkthrough_matches_pandas_and_skips_on_a_second_pass() {
    use algos::walkthrough::{self, Output, short_task_name};

    let steps = expected_steps();
    let store = Store::temporary().unwrap();
    let scenario = CustomerAnalysis::create(&store, "golden").unwrap();
    let data = fixture("customers_100k.csv");
    let done = walkthrough::run(&scenario, Some(&data), Output::Json).unwrap();
    let runs: [&[&str]; 4] = [&TASKS, &TASKS[1..], &TASKS[2..], &TASKS[3..]];
    for (i, step) in done.iter().enumerate() {
        check_outputs(i, &steps[i], &step.segment_result, &step.high_value_summary);
        let completed: Vec<&str> = step
            .report
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::Completed)
            .map(|j| short_task_name(&j.task))
            .collect();
        assert_eq!(completed, runs[i], "submit {}", i + 1);
        let json = walkthrough::to_json(step);
        assert_eq!(json["submit"], i + 1);
        assert_eq!(json["jobs"].as_object().unwrap().len(), 4);
        assert_eq!(json["segment_result"].as_array().unwrap().len(), 2);
        assert_eq!(
            json["high_value_summary"][0]["SummaryStatisticType"],
            steps[i]["high_value_summary_df"]["rows"][0]["SummaryStatisticType"]
        );
    }
    assert_eq!(done[1].changed["payment_threshold"], 1600.0);

    let again = walkthrough::run(&scenario, Some(&data), Output::Json).unwrap();
    for step in &again {
        assert!(step.report.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{:?}", step.report.jobs);
        check_outputs(
            step.submit - 1,
            &steps[step.submit - 1],
            &step.segment_result,
            &step.high_value_summary,
        );
    }
}
