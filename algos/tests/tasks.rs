//! Each task as a plain function on small hand-made inputs.

use std::path::PathBuf;

use algos::columns::*;
use algos::*;
use polars::prelude::*;
use taipy::CsvFile;

const HEADER: &str = "CustomerID,TotalPurchaseAmount,NumberOfPurchases,AverageReviewScore,TotalPurchaseTime";

struct Csv {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn csv(contents: &str) -> Csv {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    std::fs::write(&path, contents).unwrap();
    Csv { _dir: dir, path }
}

fn collect(frame: &LazyFrame) -> DataFrame {
    frame.clone().collect().unwrap()
}

fn names(df: &DataFrame) -> Vec<&str> {
    df.get_column_names().into_iter().map(|n| n.as_str()).collect()
}

fn floats(df: &DataFrame, column: &str) -> Vec<Option<f64>> {
    let values = df.column(column).unwrap().cast(&DataType::Float64).unwrap();
    let values = values.f64().unwrap();
    (0..values.len()).map(|i| values.get(i)).collect()
}

fn texts(df: &DataFrame, column: &str) -> Vec<String> {
    let values = df.column(column).unwrap().str().unwrap();
    (0..values.len()).map(|i| values.get(i).unwrap().to_owned()).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a == b) || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn assert_floats(actual: &[Option<f64>], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        let a = a.unwrap_or_else(|| panic!("null where {e} was expected: {actual:?}"));
        let same = close(a, *e) || (a.is_nan() && e.is_nan());
        assert!(same, "{actual:?} != {expected:?}");
    }
}

/// Scored customers built by hand: score, amount, purchases, time.
fn scored(rows: &[(f64, f64, i64, i64)]) -> ScoredCustomers {
    let df = df!(
        CUSTOMER_SCORE => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        TOTAL_PURCHASE_AMOUNT => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        NUMBER_OF_PURCHASES => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        TOTAL_PURCHASE_TIME => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
    )
    .unwrap();
    ScoredCustomers(df.lazy())
}

#[test]
fn task1_scores_and_keeps_four_columns() {
    let file = csv(&format!("{HEADER}\n1,1000.0,10,5.0,300\n2,250.5,3,2.5,90\n"));
    let out = collect(&preprocess_and_score(&CsvFile::new(&file.path)).unwrap().0);
    assert_eq!(
        names(&out),
        [CUSTOMER_SCORE, TOTAL_PURCHASE_AMOUNT, NUMBER_OF_PURCHASES, TOTAL_PURCHASE_TIME]
    );
    assert_floats(
        &floats(&out, CUSTOMER_SCORE),
        &[
            0.5 * 1000.0 / 1000.0 + 0.3 * 10.0 / 10.0 + 0.2 * 5.0,
            0.5 * 250.5 / 1000.0 + 0.3 * 3.0 / 10.0 + 0.2 * 2.5,
        ],
    );
    assert_eq!(out.column(NUMBER_OF_PURCHASES).unwrap().dtype(), &DataType::Int64);
    assert_eq!(out.column(TOTAL_PURCHASE_TIME).unwrap().dtype(), &DataType::Int64);
}

#[test]
fn task1_ignores_column_order_and_extra_columns() {
    let file =
        csv("Note,TotalPurchaseTime,AverageReviewScore,NumberOfPurchases,TotalPurchaseAmount\nx,7,1,2,3\n");
    let out = collect(&preprocess_and_score(&CsvFile::new(&file.path)).unwrap().0);
    assert_eq!(out.height(), 1);
    assert_floats(&floats(&out, TOTAL_PURCHASE_TIME), &[7.0]);
    assert_floats(&floats(&out, CUSTOMER_SCORE), &[0.5 * 3.0 / 1000.0 + 0.3 * 2.0 / 10.0 + 0.2 * 1.0]);
}

#[test]
fn task1_reads_a_path_with_glob_characters_literally() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers[1]*.csv");
    std::fs::write(&path, format!("{HEADER}\n1,10.0,1,4.0,30\n")).unwrap();
    let out = collect(&preprocess_and_score(&CsvFile::new(&path)).unwrap().0);
    assert_eq!(out.height(), 1);
}

#[test]
fn task1_a_missing_column_names_the_column_and_the_file() {
    let file = csv("CustomerID,TotalPurchaseAmount,AverageReviewScore,TotalPurchaseTime\n1,2.0,3.0,4\n");
    let err = preprocess_and_score(&CsvFile::new(&file.path)).err().unwrap();
    assert!(matches!(err, AlgoError::MissingColumn { column: NUMBER_OF_PURCHASES, .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("`NumberOfPurchases`"), "{message}");
    assert!(message.contains(&*file.path.to_string_lossy()), "{message}");
}

#[test]
fn task1_an_empty_file_is_a_clear_error() {
    let file = csv("");
    let err = preprocess_and_score(&CsvFile::new(&file.path)).err().unwrap();
    assert!(matches!(err, AlgoError::EmptyFile { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("is empty") && message.contains(&*file.path.to_string_lossy()), "{message}");
}

#[test]
fn task1_a_missing_file_is_a_clear_error() {
    let file = csv("");
    let missing = file.path.with_file_name("nowhere.csv");
    let err = preprocess_and_score(&CsvFile::new(&missing)).err().unwrap();
    assert!(matches!(err, AlgoError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("nowhere.csv"), "{err}");
}

#[test]
fn task1_a_malformed_value_fails_when_the_plan_runs() {
    let file = csv(&format!("{HEADER}\n1,10.0,1,4.0,30\n2,lots,2,4.0,60\n"));
    let scored = preprocess_and_score(&CsvFile::new(&file.path)).unwrap();
    let err = scored.0.collect().unwrap_err().to_string();
    assert!(err.contains("lots"), "the message names the bad value: {err}");
    assert!(err.contains(TOTAL_PURCHASE_AMOUNT), "the message names the column: {err}");
}

/// pandas' `read_csv` reads an empty field and the text `NaN` as NaN in any column, integer
/// columns included; task 1 reads them as nulls there (and `NaN` as NaN in the float columns).
#[test]
fn task1_reads_empty_fields_and_nan_texts_as_missing_in_every_column() {
    let file = csv(&format!("{HEADER}\n1,NaN,NaN,NaN,NaN\n2,,,,\n3,100.0,NaN,4.0,\n4,100.0,2,4.0,30\n"));
    let scored = collect(&preprocess_and_score(&CsvFile::new(&file.path)).unwrap().0);
    assert_eq!(floats(&scored, NUMBER_OF_PURCHASES), [None, None, None, Some(2.0)]);
    assert_eq!(floats(&scored, TOTAL_PURCHASE_TIME), [None, None, None, Some(30.0)]);
    let amounts = floats(&scored, TOTAL_PURCHASE_AMOUNT);
    assert!(amounts[0].is_some_and(f64::is_nan) && amounts[1].is_none(), "{amounts:?}");
    let score = floats(&scored, CUSTOMER_SCORE);
    assert!(score[..3].iter().all(|s| s.is_none_or(f64::is_nan)), "{score:?}");
    assert_floats(&score[3..], &[0.05 + 0.06 + 0.8]);
}

#[test]
fn task1_a_row_with_too_many_fields_fails_when_the_plan_runs() {
    let file = csv(&format!("{HEADER}\n1,10.0,1,4.0,30\n2,20.0,2,4.0,60,surprise\n"));
    let scored = preprocess_and_score(&CsvFile::new(&file.path)).unwrap();
    let err = scored.0.collect().unwrap_err().to_string();
    assert!(err.contains("more fields"), "{err}");
}

#[test]
fn a_header_only_file_flows_through_all_four_tasks() {
    let file = csv(&format!("{HEADER}\n"));
    let scored = preprocess_and_score(&CsvFile::new(&file.path)).unwrap();
    assert_eq!(collect(&scored.0).height(), 0);
    let segmented = featurization_and_segmentation(&scored, &1000.0, &1.5).unwrap();
    assert_eq!(collect(&segmented.0).height(), 0);
    let segments = segment_analysis(&segmented, &Metric::Median).unwrap();
    assert_eq!(collect(&segments.0).height(), 0);
    let summary =
        collect(&high_value_cust_summary_statistics(&segmented, &segments, &Statistic::Mean).unwrap().0);
    assert_eq!(summary.height(), 1);
    assert_eq!(texts(&summary, SUMMARY_STATISTIC_TYPE), ["mean"]);
    assert_floats(&floats(&summary, AVERAGE_PURCHASE_HIGH_VALUE), &[f64::NAN]);
    assert_floats(&floats(&summary, MEDIAN_SCORE_HIGH_VALUE), &[f64::NAN]);
    assert_floats(&floats(&summary, SEGMENT_ANALYSIS_HIGH_VALUE), &[f64::NAN]);
}

#[test]
fn task2_features_and_segments_as_pandas() {
    let input = scored(&[
        (2.0, 1500.0, 10, 300),      // high value, high spender
        (1.5, 1000.0, 4, 100),       // both thresholds are strict: neither
        (0.2, 0.0, 0, 0),            // zero purchases, zero time: 0/0 = NaN
        (0.3, 0.0, 0, 12),           // zero purchases: 12/0 = inf
        (f64::NAN, f64::NAN, 2, 10), // NaN compares false, as in pandas
    ]);
    let out = collect(&featurization_and_segmentation(&input, &1000.0, &1.5).unwrap().0);
    assert_eq!(
        names(&out),
        [
            CUSTOMER_SCORE,
            TOTAL_PURCHASE_AMOUNT,
            NUMBER_OF_PURCHASES,
            TOTAL_PURCHASE_TIME,
            HIGH_SPENDER,
            AVERAGE_TIME_BETWEEN_PURCHASES,
            INTERACTION_1,
            INTERACTION_2,
            POLYNOMIAL_FEATURE,
            VALUE_SEGMENT,
        ]
    );
    assert_eq!(out.column(HIGH_SPENDER).unwrap().dtype(), &DataType::Int64);
    assert_floats(&floats(&out, HIGH_SPENDER), &[1.0, 0.0, 0.0, 0.0, 0.0]);
    assert_floats(&floats(&out, AVERAGE_TIME_BETWEEN_PURCHASES), &[30.0, 25.0, f64::NAN, f64::INFINITY, 5.0]);
    assert_floats(&floats(&out, INTERACTION_1), &[15000.0, 4000.0, 0.0, 0.0, f64::NAN]);
    assert_floats(&floats(&out, INTERACTION_2), &[600.0, 150.0, 0.0, 12.0 * 0.3, f64::NAN]);
    assert_floats(&floats(&out, POLYNOMIAL_FEATURE), &[1500.0 * 1500.0, 1e6, 0.0, 0.0, f64::NAN]);
    assert_eq!(texts(&out, VALUE_SEGMENT), [HIGH_VALUE, LOW_VALUE, LOW_VALUE, LOW_VALUE, LOW_VALUE]);
}

fn segmented() -> SegmentedCustomers {
    // Low Value rows first, so the sort is visible; an even count per segment for the median.
    let input = scored(&[
        (1.0, 100.0, 2, 50),
        (1.2, 300.0, 4, 80),
        (0.4, 0.0, 0, 0), // AverageTimeBetweenPurchases NaN: skipped by mean and median
        (1.4, 1200.0, 6, 90),
        (2.0, 2000.0, 20, 600),
        (3.0, 1000.0, 10, 100),
        (2.5, 4000.0, 30, 1200),
        (1.6, 900.0, 9, 270),
    ]);
    featurization_and_segmentation(&input, &1000.0, &1.5).unwrap()
}

#[test]
fn task3_means_per_segment_sorted_skipping_nan() {
    let out = collect(&segment_analysis(&segmented(), &Metric::Mean).unwrap().0);
    assert_eq!(
        names(&out),
        [
            VALUE_SEGMENT,
            CUSTOMER_SCORE,
            TOTAL_PURCHASE_AMOUNT,
            NUMBER_OF_PURCHASES,
            TOTAL_PURCHASE_TIME,
            HIGH_SPENDER,
            AVERAGE_TIME_BETWEEN_PURCHASES,
        ]
    );
    assert_eq!(texts(&out, VALUE_SEGMENT), [HIGH_VALUE, LOW_VALUE]);
    assert_floats(
        &floats(&out, CUSTOMER_SCORE),
        &[(2.0 + 3.0 + 2.5 + 1.6) / 4.0, (1.0 + 1.2 + 0.4 + 1.4) / 4.0],
    );
    assert_floats(&floats(&out, TOTAL_PURCHASE_AMOUNT), &[7900.0 / 4.0, 1600.0 / 4.0]);
    assert_floats(&floats(&out, NUMBER_OF_PURCHASES), &[69.0 / 4.0, 12.0 / 4.0]);
    assert_floats(&floats(&out, TOTAL_PURCHASE_TIME), &[2170.0 / 4.0, 220.0 / 4.0]);
    assert_eq!(out.column(HIGH_SPENDER).unwrap().dtype(), &DataType::Int64);
    assert_floats(&floats(&out, HIGH_SPENDER), &[2.0, 1.0]);
    assert_floats(
        &floats(&out, AVERAGE_TIME_BETWEEN_PURCHASES),
        &[(30.0 + 10.0 + 40.0 + 30.0) / 4.0, (25.0 + 20.0 + 15.0) / 3.0],
    );
}

#[test]
fn task3_medians_average_the_two_middle_values() {
    let out = collect(&segment_analysis(&segmented(), &Metric::Median).unwrap().0);
    assert_eq!(texts(&out, VALUE_SEGMENT), [HIGH_VALUE, LOW_VALUE]);
    assert_floats(&floats(&out, CUSTOMER_SCORE), &[(2.0 + 2.5) / 2.0, (1.0 + 1.2) / 2.0]);
    assert_floats(&floats(&out, TOTAL_PURCHASE_AMOUNT), &[(1000.0 + 2000.0) / 2.0, (100.0 + 300.0) / 2.0]);
    assert_floats(&floats(&out, NUMBER_OF_PURCHASES), &[(10.0 + 20.0) / 2.0, (2.0 + 4.0) / 2.0]);
    assert_floats(&floats(&out, HIGH_SPENDER), &[2.0, 1.0]);
    // Low Value: NaN skipped, three values left: the middle one.
    assert_floats(&floats(&out, AVERAGE_TIME_BETWEEN_PURCHASES), &[30.0, 20.0]);
}

#[test]
fn task3_an_infinite_time_makes_the_mean_infinite() {
    let input = scored(&[(0.3, 0.0, 0, 12), (0.4, 10.0, 1, 5)]);
    let segmented = featurization_and_segmentation(&input, &1000.0, &1.5).unwrap();
    let out = collect(&segment_analysis(&segmented, &Metric::Mean).unwrap().0);
    assert_floats(&floats(&out, AVERAGE_TIME_BETWEEN_PURCHASES), &[f64::INFINITY]);
}

#[test]
fn task4_summarises_the_high_value_customers() {
    let segmented = segmented();
    let segments = segment_analysis(&segmented, &Metric::Mean).unwrap();
    let expected = [
        (Statistic::Mean, 7900.0 / 4.0),
        (Statistic::Median, 1500.0),
        (Statistic::Max, 4000.0),
        (Statistic::Min, 900.0),
    ];
    for (statistic, amount) in expected {
        let out = collect(&high_value_cust_summary_statistics(&segmented, &segments, &statistic).unwrap().0);
        assert_eq!(
            names(&out),
            [
                SUMMARY_STATISTIC_TYPE,
                AVERAGE_PURCHASE_HIGH_VALUE,
                MEDIAN_SCORE_HIGH_VALUE,
                SEGMENT_ANALYSIS_HIGH_VALUE
            ]
        );
        assert_eq!(texts(&out, SUMMARY_STATISTIC_TYPE), [statistic.to_string()]);
        assert_floats(&floats(&out, AVERAGE_PURCHASE_HIGH_VALUE), &[amount]);
        assert_floats(&floats(&out, MEDIAN_SCORE_HIGH_VALUE), &[(2.0 + 2.5) / 2.0]);
        assert_floats(&floats(&out, SEGMENT_ANALYSIS_HIGH_VALUE), &[7900.0 / 4.0]);
    }
}

#[test]
fn task4_without_high_value_customers_gives_nan() {
    let input = scored(&[(1.0, 100.0, 2, 50), (1.2, 300.0, 4, 80)]);
    let segmented = featurization_and_segmentation(&input, &1000.0, &1.5).unwrap();
    let segments = segment_analysis(&segmented, &Metric::Mean).unwrap();
    let out = collect(&high_value_cust_summary_statistics(&segmented, &segments, &Statistic::Max).unwrap().0);
    assert_eq!(out.height(), 1);
    assert_floats(&floats(&out, AVERAGE_PURCHASE_HIGH_VALUE), &[f64::NAN]);
    assert_floats(&floats(&out, MEDIAN_SCORE_HIGH_VALUE), &[f64::NAN]);
    assert_floats(&floats(&out, SEGMENT_ANALYSIS_HIGH_VALUE), &[f64::NAN]);
}

/// Medians at the float extremes, as pandas computes them: the mean of two middle values
/// `(a + b) / 2` overflows to `inf` for two `1e308`, and is NaN for `-inf` and `inf`.
#[test]
fn task3_and_task4_medians_are_the_pandas_values_at_the_extremes() {
    let input = scored(&[
        (2.0, 1e308, 1, 1),
        (3.0, 1e308, 3, 1),
        (1.0, f64::NEG_INFINITY, 1, 1),
        (1.2, f64::INFINITY, 2, 1),
    ]);
    let segmented = featurization_and_segmentation(&input, &1000.0, &1.5).unwrap();
    let segments = segment_analysis(&segmented, &Metric::Median).unwrap();
    let out = collect(&segments.0);
    assert_floats(&floats(&out, TOTAL_PURCHASE_AMOUNT), &[f64::INFINITY, f64::NAN]);
    assert_floats(&floats(&out, NUMBER_OF_PURCHASES), &[2.0, 1.5]);
    let summary = high_value_cust_summary_statistics(&segmented, &segments, &Statistic::Median).unwrap();
    let out = collect(&summary.0);
    assert_floats(&floats(&out, AVERAGE_PURCHASE_HIGH_VALUE), &[f64::INFINITY]);
    assert_floats(&floats(&out, MEDIAN_SCORE_HIGH_VALUE), &[2.5]);
}

/// The medians are computed by `taipy::frames` in bounded memory before the task returns: the
/// plans the tasks return hold no polars median, which would buffer whole columns when stored.
#[test]
fn task3_and_task4_plans_hold_no_in_memory_median() {
    let segmented = segmented();
    let segments = segment_analysis(&segmented, &Metric::Median).unwrap();
    let plan = segments.0.describe_plan().unwrap();
    assert!(!plan.contains(".median()"), "{plan}");
    for statistic in Statistic::ALL {
        let summary = high_value_cust_summary_statistics(&segmented, &segments, statistic).unwrap();
        let plan = summary.0.describe_plan().unwrap();
        assert!(!plan.contains(".median()"), "{statistic}: {plan}");
    }
}
