//! The tutorial's walkthrough against what pandas computes, both as plain functions and as a
//! taipy scenario whose submits skip exactly the tasks whose inputs did not change, on two
//! customers files:
//! - `customers_100k.csv`, 100,000 ordinary customers (`pandas_results_100k.json`);
//! - `customers_edge.csv`, about 300 customers with rows placed on every edge: amounts exactly at
//!   the payment thresholds, scores exactly at the score threshold, customers without purchases,
//!   missing values in every column (`pandas_results_edge.json`, with task 2's whole table).
//!
//! The expected results come from the tutorial's pandas code, not from this crate:
//! `fixtures/pandas_walkthrough.py` and `fixtures/make_edge_fixture.py` (their commands are at
//! their top).

mod common;

use std::path::{Path, PathBuf};

use algos::*;
use common::{TASKS, customer_analysis};
use polars::prelude::*;
use serde_json::Value;
use taipy::{CsvFile, JobStatus, Reason, Scenario, Store};

/// A customers file and what pandas computes on it.
struct Golden {
    csv: &'static str,
    json: &'static str,
    rows: u64,
    /// The relative difference allowed on floats.
    tolerance: f64,
}

/// Exact: every value is pandas' to the last bit. A mean is the correctly rounded sum divided by
/// the count (`algos::exact`), and pandas' compensated sums give the same here (polars' own
/// means differed from pandas by up to 3.5e-15, and from run to run).
const CUSTOMERS_100K: Golden =
    Golden { csv: "customers_100k.csv", json: "pandas_results_100k.json", rows: 100_000, tolerance: 0.0 };

/// Some rows' scores and features differ from pandas' in their last bit (1–2e-16 relative),
/// so do the medians and means made of them: not the sums, the values summed.
const EDGE_ROWS: Golden =
    Golden { csv: "customers_edge.csv", json: "pandas_results_edge.json", rows: 331, tolerance: 1e-15 };

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

impl Golden {
    fn csv(&self) -> PathBuf {
        fixture(self.csv)
    }

    /// The four steps of the walkthrough, as pandas computed them.
    fn steps(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(fixture(self.json)).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["dataset"], self.csv);
        assert_eq!(json["rows"], self.rows);
        json["steps"].as_array().unwrap().clone()
    }
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

/// How a null in the actual table compares with pandas.
#[derive(Clone, Copy, PartialEq)]
enum Nulls {
    /// A null is a mistake: the aggregated tables never hold one.
    Refused,
    /// A null matches pandas' NaN. In task 2's table a missing input value is a null (polars
    /// keeps missing values apart from NaN), where pandas, which has only NaN for both, shows
    /// NaN; both compare false and are skipped by the aggregates.
    AsNaN,
}

/// An expected float: a JSON number, or "NaN", "inf", "-inf" (JSON has no such numbers).
fn expected_float(want: &Value) -> Option<f64> {
    match want {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => match text.as_str() {
            "NaN" => Some(f64::NAN),
            "inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `got` is `want`: the same non-finite value, or within the relative `tolerance`.
fn same_float(got: f64, want: f64, tolerance: f64) -> bool {
    if want.is_nan() || want.is_infinite() {
        return got.is_nan() && want.is_nan() || got == want;
    }
    got == want || (got - want).abs() / want.abs().max(f64::MIN_POSITIVE) <= tolerance
}

/// Asserts that `actual` has the expected table's columns, in order, and values.
fn assert_table(what: &str, actual: &DataFrame, expected: &Value, nulls: Nulls, tolerance: f64) {
    let columns: Vec<&str> =
        expected["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let dtypes: Vec<&str> =
        expected["dtypes"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    let actual_columns: Vec<&str> = actual.get_column_names().into_iter().map(|n| n.as_str()).collect();
    assert_eq!(actual_columns, columns, "{what}: columns");
    let rows = expected["rows"].as_array().unwrap();
    assert_eq!(actual.height(), rows.len(), "{what}: row count");
    for (i, row) in rows.iter().enumerate() {
        for (column, dtype) in columns.iter().zip(&dtypes) {
            let want = &row[column];
            let got = actual.column(column).unwrap().get(i).unwrap();
            match (*dtype, want) {
                ("float64", want) => {
                    let want = expected_float(want).unwrap_or_else(|| panic!("{what}: {column} is {want}"));
                    let got = match got {
                        AnyValue::Null if nulls == Nulls::AsNaN => f64::NAN,
                        got => got
                            .extract::<f64>()
                            .unwrap_or_else(|| panic!("{what}: row {i}, {column} is {got:?}")),
                    };
                    assert!(
                        same_float(got, want, tolerance),
                        "{what}: row {i}, {column}: {got} vs pandas {want}"
                    );
                }
                ("int64", Value::Number(number)) => {
                    let got = got
                        .extract::<i64>()
                        .unwrap_or_else(|| panic!("{what}: row {i}, {column} is {got:?}"));
                    assert_eq!(got, number.as_i64().unwrap(), "{what}: row {i}, {column}");
                }
                ("object", Value::String(text)) => {
                    assert_eq!(got.get_str(), Some(text.as_str()), "{what}: row {i}, {column}")
                }
                (dtype, other) => panic!("{what}: unexpected {dtype} value {other}"),
            }
        }
    }
}

fn check_outputs(
    golden: &Golden,
    step: usize,
    expected: &Value,
    segment_result: &DataFrame,
    summary: &DataFrame,
) {
    let what = |table: &str| format!("{}: step {} {table}", golden.csv, step + 1);
    let tolerance = golden.tolerance;
    assert_table(
        &what("segment_result"),
        segment_result,
        &expected["segment_result"],
        Nulls::Refused,
        tolerance,
    );
    let expected = &expected["high_value_summary_df"];
    assert_table(&what("high_value_summary"), summary, expected, Nulls::Refused, tolerance);
}

/// Compares task 2's table, where pandas recorded it (after the submits that run task 2).
fn check_segmented(golden: &Golden, step: usize, expected: &Value, segmented: impl FnOnce() -> DataFrame) {
    let table = &expected["segmented_customer_df"];
    if !table.is_null() {
        let what = format!("{}: step {} segmented_customer_df", golden.csv, step + 1);
        assert_table(&what, &segmented(), table, Nulls::AsNaN, golden.tolerance);
    }
}

#[test]
fn the_plain_functions_compute_what_pandas_computes() {
    plain_functions(&CUSTOMERS_100K);
}

#[test]
fn the_plain_functions_compute_what_pandas_computes_on_the_edge_rows() {
    plain_functions(&EDGE_ROWS);
}

fn plain_functions(golden: &Golden) {
    let steps = golden.steps();
    let path = CsvFile::new(golden.csv());
    let scored = preprocess_and_score(&path).unwrap();
    for (i, (params, expected)) in walkthrough().iter().zip(&steps).enumerate() {
        check_change(expected, i);
        let segmented =
            featurization_and_segmentation(&scored, &params.payment_threshold, &params.score_threshold)
                .unwrap();
        check_segmented(golden, i, expected, || segmented.0.clone().collect().unwrap());
        let segments = segment_analysis(&segmented, &params.metric).unwrap();
        let summary = high_value_cust_summary_statistics(&segmented, &segments, &params.statistic).unwrap();
        check_outputs(golden, i, expected, &segments.0.collect().unwrap(), &summary.0.collect().unwrap());
    }
}

#[test]
fn the_scenario_skips_what_did_not_change_and_matches_pandas() {
    scenario_walkthrough(&CUSTOMERS_100K);
}

#[test]
fn the_scenario_skips_what_did_not_change_and_matches_pandas_on_the_edge_rows() {
    scenario_walkthrough(&EDGE_ROWS);
}

fn scenario_walkthrough(golden: &Golden) {
    let steps = golden.steps();
    let store = Store::temporary().unwrap();
    let config = customer_analysis(&golden.csv());
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

        check_segmented(golden, i, expected, || {
            let segmented: SegmentedCustomers =
                scenario.data_node("segmented_customer_df").unwrap().read().unwrap();
            segmented.0.collect().unwrap()
        });
        let segments: SegmentResult = scenario.data_node("segment_result").unwrap().read().unwrap();
        let summary: HighValueSummary = scenario.data_node("high_value_summary_df").unwrap().read().unwrap();
        check_outputs(golden, i, expected, &segments.0.collect().unwrap(), &summary.0.collect().unwrap());
    }

    // Back to the first parameters: every task reuses an earlier result.
    scenario.data_node::<f64>("payment_threshold").unwrap().write(1000.0).unwrap();
    scenario.data_node::<Metric>("metric").unwrap().write(Metric::Mean).unwrap();
    scenario.data_node::<Statistic>("summary_statistic_type").unwrap().write(Statistic::Median).unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Skipped), TASKS, "{:?}", report.jobs);
    let segments: SegmentResult = scenario.data_node("segment_result").unwrap().read().unwrap();
    let summary: HighValueSummary = scenario.data_node("high_value_summary_df").unwrap().read().unwrap();
    check_outputs(golden, 0, &steps[0], &segments.0.collect().unwrap(), &summary.0.collect().unwrap());
}

/// The `scenario!` version driven by the examples' walkthrough: the same numbers, the same skip
/// pattern, the JSON lines the examples print, and on a second pass (as after a restart) every
/// task reused.
#[test]
fn the_macro_scenario_walkthrough_matches_pandas_and_skips_on_a_second_pass() {
    macro_walkthrough(&CUSTOMERS_100K);
}

#[test]
fn the_macro_scenario_walkthrough_matches_pandas_and_skips_on_a_second_pass_on_the_edge_rows() {
    macro_walkthrough(&EDGE_ROWS);
}

fn macro_walkthrough(golden: &Golden) {
    use algos::walkthrough::{self, Output, short_task_name};

    let steps = golden.steps();
    let store = Store::temporary().unwrap();
    let scenario = CustomerAnalysis::create(&store, "golden").unwrap();
    let data = golden.csv();
    let done = walkthrough::run(&scenario, Some(&data), Output::Json).unwrap();
    let runs: [&[&str]; 4] = [&TASKS, &TASKS[1..], &TASKS[2..], &TASKS[3..]];
    for (i, step) in done.iter().enumerate() {
        check_outputs(golden, i, &steps[i], &step.segment_result, &step.high_value_summary);
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
            golden,
            step.submit - 1,
            &steps[step.submit - 1],
            &step.segment_result,
            &step.high_value_summary,
        );
    }
}

#[test]
fn the_rich_toml_file_writes_its_outputs_as_files_and_matches_pandas() {
    rich_walkthrough(&EDGE_ROWS);
}

/// `examples/config_rich.toml`: output nodes in Parquet, CSV and JSON files, GLOBAL and CYCLE
/// scopes, standalone with 2 workers, a non-skippable last task. The same values as pandas and
/// the same skip pattern as the in-store scenario, except that the last task always runs.
fn rich_walkthrough(golden: &Golden) {
    use algos::walkthrough::{self, Output, short_task_name};

    let _ = CustomerAnalysis::config(); // registers the tasks
    let dir = tempfile::tempdir().unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/config_rich.toml");
    let text = std::fs::read_to_string(file)
        .unwrap()
        .replace("target/taipy-rich/", &format!("{}/", dir.path().display()));
    let loaded = taipy::toml::Loader::new()
        .set_default("path_to_data", golden.csv().display().to_string())
        .load_str(&text)
        .unwrap();
    let config = loaded.only_scenario().unwrap().clone();
    assert_eq!(loaded.job().max_workers, Some(2));
    let store = Store::open_with(dir.path().join("store"), loaded.store_options()).unwrap();
    let scenario = Scenario::create(&store, &config, "rich").unwrap();
    let steps = golden.steps();
    let data = golden.csv();
    let done = walkthrough::run(&scenario, Some(&data), Output::Json).unwrap();
    let last = TASKS[3];
    let runs: [&[&str]; 4] = [&TASKS, &TASKS[1..], &TASKS[2..], &TASKS[3..]];
    for (i, step) in done.iter().enumerate() {
        check_outputs(golden, i, &steps[i], &step.segment_result, &step.high_value_summary);
        let completed: Vec<&str> = step
            .report
            .jobs
            .iter()
            .filter(|j| j.status == JobStatus::Completed)
            .map(|j| short_task_name(&j.task))
            .collect();
        assert_eq!(completed, runs[i], "submit {}", i + 1);
    }
    // The outputs are files other tools read.
    let scored =
        ParquetReader::new(std::fs::File::open(dir.path().join("scored.parquet")).unwrap()).finish().unwrap();
    assert_eq!(scored.height() as u64, golden.rows);
    let csv = std::fs::read_to_string(dir.path().join("segment_result.csv")).unwrap();
    assert!(csv.starts_with("ValueSegment,"), "{csv}");
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("high_value_summary.json")).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);

    // A second pass: everything skipped but the non-skippable last task.
    let again = walkthrough::run(&scenario, Some(&data), Output::Json).unwrap();
    for step in &again {
        for job in &step.report.jobs {
            let expected =
                if short_task_name(&job.task) == last { JobStatus::Completed } else { JobStatus::Skipped };
            assert_eq!(job.status, expected, "{}", job.task);
        }
        check_outputs(
            golden,
            step.submit - 1,
            &steps[step.submit - 1],
            &step.segment_result,
            &step.high_value_summary,
        );
    }
}
