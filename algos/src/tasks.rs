//! The four tasks of the tutorial, as plain functions from lazy frames to lazy frames.
//!
//! pandas semantics kept here, beyond the formulas:
//! - comparisons with NaN are false (polars orders NaN above every number, so `NaN > x` would be
//!   true): see [`pandas_gt`];
//! - aggregates skip NaN (pandas' `skipna=True`; polars would propagate it): see [`skip_nan`];
//! - integer / integer is a float division: `x/0` is ±inf and `0/0` is NaN.

use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;
use taipy::{CsvFile, frames, task};

use crate::columns::*;
use crate::exact::group_means;
use crate::{
    AlgoError, HighValueSummary, Metric, ScoredCustomers, SegmentResult, SegmentedCustomers, Statistic,
};

/// Task 1: reads the customers CSV lazily and scores every customer.
///
/// `CUSTOMER_SCORE = 0.5·TotalPurchaseAmount/1000 + 0.3·NumberOfPurchases/10 +
/// 0.2·AverageReviewScore`, evaluated in pandas' order. The output keeps `CUSTOMER_SCORE`,
/// `TotalPurchaseAmount`, `NumberOfPurchases` and `TotalPurchaseTime`, in that order.
///
/// Only the header is read here: a missing or empty file, or a missing column, is an error now.
/// A malformed row (a value that is not a number, more fields than the header) is reported by
/// polars when the plan runs; a row with fewer fields has nulls in the missing ones (pandas:
/// NaN), which compare false and are skipped by the aggregates. An empty field is a null, and
/// so is the text `NaN` in the integer columns (in the float columns it is NaN): pandas reads
/// both as NaN. pandas' other missing-value texts (`NA`, `null`, `N/A`, ...) are reported as
/// malformed values: recognising them would cost more than parsing the numbers (about 45 ns a
/// field against 20).
/// Amounts and review scores are read as floats, purchases and times as integers; other
/// columns are ignored.
#[task]
pub fn preprocess_and_score(path: &CsvFile) -> Result<ScoredCustomers, AlgoError> {
    let customers = scan_customers(path.path())?;
    let score = lit(0.5) * col(TOTAL_PURCHASE_AMOUNT) / lit(1000.0)
        + lit(0.3) * col(NUMBER_OF_PURCHASES).cast(DataType::Float64) / lit(10.0)
        + lit(0.2) * col(AVERAGE_REVIEW_SCORE);
    Ok(ScoredCustomers(customers.select([
        score.alias(CUSTOMER_SCORE),
        col(TOTAL_PURCHASE_AMOUNT),
        col(NUMBER_OF_PURCHASES),
        col(TOTAL_PURCHASE_TIME),
    ])))
}

/// Task 2: adds the features and the value segment to the scored customers.
///
/// - `HighSpender`: 1 if `TotalPurchaseAmount > payment_threshold`, else 0 (an integer);
/// - `AverageTimeBetweenPurchases`: `TotalPurchaseTime / NumberOfPurchases` as a float
///   division, so a customer with 0 purchases gets `inf` (or `NaN` if the time is 0 too), as
///   with pandas;
/// - `Interaction1 = amount × purchases`, `Interaction2 = time × score`,
///   `PolynomialFeature = amount²`;
/// - `ValueSegment`: `"High Value"` if `CUSTOMER_SCORE > score_threshold`, else `"Low Value"`.
///
/// Declared `lazy` (it only adds columns to the plan it is given): within a submission that
/// also runs task 1, it is fused with it, one pass over the CSV writing both tables.
#[task(lazy = true)]
pub fn featurization_and_segmentation(
    scored: &ScoredCustomers,
    payment_threshold: &f64,
    score_threshold: &f64,
) -> Result<SegmentedCustomers, AlgoError> {
    let amount = || col(TOTAL_PURCHASE_AMOUNT);
    let as_float = |name: &str| col(name).cast(DataType::Float64);
    let segment = when(pandas_gt(col(CUSTOMER_SCORE), *score_threshold))
        .then(lit(HIGH_VALUE))
        .otherwise(lit(LOW_VALUE));
    Ok(SegmentedCustomers(scored.0.clone().with_columns([
        pandas_gt(amount(), *payment_threshold).cast(DataType::Int64).alias(HIGH_SPENDER),
        (as_float(TOTAL_PURCHASE_TIME) / as_float(NUMBER_OF_PURCHASES)).alias(AVERAGE_TIME_BETWEEN_PURCHASES),
        (amount() * as_float(NUMBER_OF_PURCHASES)).alias(INTERACTION_1),
        (as_float(TOTAL_PURCHASE_TIME) * col(CUSTOMER_SCORE)).alias(INTERACTION_2),
        (amount() * amount()).alias(POLYNOMIAL_FEATURE),
        segment.alias(VALUE_SEGMENT),
    ])))
}

/// Task 3: one row per value segment, sorted by `ValueSegment`, with the `metric` of
/// `CUSTOMER_SCORE`, `TotalPurchaseAmount`, `NumberOfPurchases` and `TotalPurchaseTime`, the
/// sum of `HighSpender`, and the `metric` of `AverageTimeBetweenPurchases` (pandas' column
/// order). NaN values are skipped as pandas does; an infinite value makes a mean infinite.
///
/// With [`Metric::Mean`] the means are computed now, in one streaming pass, by
/// [`group_means`]: each is the correctly rounded sum divided by the count, so the same rows give
/// the same bits whatever polars' thread count (polars' own mean varies in its last bit, and a
/// stored frame differing by one bit would lose early cutoff). polars 0.55 has no streaming
/// median, and would buffer the six aggregated columns (1.7 GB at 10M rows, 7.8 GB at 50M): with
/// [`Metric::Median`] the medians are computed here by [`taipy::frames::median`], exactly and in
/// bounded memory (a few streaming passes over the input), and the returned plan joins them to
/// the streamed sum of `HighSpender`.
#[task]
pub fn segment_analysis(segmented: &SegmentedCustomers, metric: &Metric) -> Result<SegmentResult, AlgoError> {
    match metric {
        Metric::Mean => Ok(SegmentResult(exact_segment_means(&segmented.0)?)),
        Metric::Median => segment_medians(segmented),
    }
}

/// Task 3 with [`Metric::Median`]: the medians by [`frames::median`] (which skips NaN and nulls
/// as [`skip_nan`] makes polars do), joined to the streamed sum of `HighSpender`.
fn segment_medians(segmented: &SegmentedCustomers) -> Result<SegmentResult, AlgoError> {
    let measured = [
        CUSTOMER_SCORE,
        TOTAL_PURCHASE_AMOUNT,
        NUMBER_OF_PURCHASES,
        TOTAL_PURCHASE_TIME,
        AVERAGE_TIME_BETWEEN_PURCHASES,
    ];
    let medians = frames::median(segmented.0.clone(), &[VALUE_SEGMENT], &measured)?;
    let spenders =
        segmented.0.clone().group_by([col(VALUE_SEGMENT)]).agg([col(HIGH_SPENDER).sum().alias(HIGH_SPENDER)]);
    let on = [col(VALUE_SEGMENT)];
    let columns = [
        VALUE_SEGMENT,
        CUSTOMER_SCORE,
        TOTAL_PURCHASE_AMOUNT,
        NUMBER_OF_PURCHASES,
        TOTAL_PURCHASE_TIME,
        HIGH_SPENDER,
        AVERAGE_TIME_BETWEEN_PURCHASES,
    ];
    let analysis = medians
        .lazy()
        .join(spenders, on.clone(), on, JoinArgs::new(JoinType::Inner))
        .select(columns.map(col))
        .sort([VALUE_SEGMENT], SortMultipleOptions::default());
    Ok(SegmentResult(analysis))
}

/// Task 4: one row summarising the high-value customers:
/// `SummaryStatisticType` (the statistic's name), `AveragePurchaseHighValue` (the statistic of
/// their `TotalPurchaseAmount`), `MedianScoreHighValue` (the median of their `CUSTOMER_SCORE`)
/// and `SegmentAnalysisHighValue` (the segment analysis' `TotalPurchaseAmount` of the
/// `"High Value"` row).
///
/// A mean ([`Statistic::Mean`]) is computed now, exactly rounded as in [`segment_analysis`].
///
/// With no high-value customers the three numbers are NaN (pandas gives NaN for the first two
/// and fails with an `IndexError` for the third). The medians (the score's, and the amount's
/// with [`Statistic::Median`]) are computed here by [`taipy::frames::median`] in bounded memory;
/// the other statistics stream when the returned plan runs.
#[task]
pub fn high_value_cust_summary_statistics(
    segmented: &SegmentedCustomers,
    segment_result: &SegmentResult,
    statistic: &Statistic,
) -> Result<HighValueSummary, AlgoError> {
    let is_high_value = || col(VALUE_SEGMENT).eq(lit(HIGH_VALUE));
    let or_nan = |e: Expr| e.fill_null(lit(f64::NAN));
    let customers = segmented.0.clone().filter(is_high_value());
    let median_amount = *statistic == Statistic::Median;
    let wanted: &[&str] =
        if median_amount { &[CUSTOMER_SCORE, TOTAL_PURCHASE_AMOUNT] } else { &[CUSTOMER_SCORE] };
    // One row, null where there are no high-value customers.
    let medians = frames::median(customers.clone(), &[], wanted)?.lazy();
    let extreme = |e: Expr| customers.clone().select([or_nan(e).alias(AVERAGE_PURCHASE_HIGH_VALUE)]);
    let amount = match statistic {
        Statistic::Median => {
            medians.clone().select([or_nan(col(TOTAL_PURCHASE_AMOUNT)).alias(AVERAGE_PURCHASE_HIGH_VALUE)])
        }
        Statistic::Mean => {
            // Exactly rounded, as in `segment_analysis`.
            let mean = exact_mean(customers.clone(), TOTAL_PURCHASE_AMOUNT)?;
            medians.clone().select([or_nan(lit(mean)).alias(AVERAGE_PURCHASE_HIGH_VALUE)])
        }
        Statistic::Max => extreme(skip_nan(TOTAL_PURCHASE_AMOUNT).max()),
        Statistic::Min => extreme(skip_nan(TOTAL_PURCHASE_AMOUNT).min()),
    };
    let segment = segment_result
        .0
        .clone()
        .filter(is_high_value())
        .select([or_nan(col(TOTAL_PURCHASE_AMOUNT).first()).alias(SEGMENT_ANALYSIS_HIGH_VALUE)]);
    let summary = concat_lf_horizontal(
        [
            medians.clone().select([lit(statistic.as_str()).alias(SUMMARY_STATISTIC_TYPE)]),
            amount,
            medians.select([or_nan(col(CUSTOMER_SCORE)).alias(MEDIAN_SCORE_HIGH_VALUE)]),
            segment,
        ],
        HConcatOptions { strict: true, ..Default::default() },
    )?;
    Ok(HighValueSummary(summary))
}

/// Task 3's table with [`Metric::Mean`], computed by [`group_means`] (NaN skipped as pandas
/// does), in pandas' column order and sorted by segment.
fn exact_segment_means(segmented: &LazyFrame) -> Result<LazyFrame, AlgoError> {
    let means = [
        CUSTOMER_SCORE,
        TOTAL_PURCHASE_AMOUNT,
        NUMBER_OF_PURCHASES,
        TOTAL_PURCHASE_TIME,
        AVERAGE_TIME_BETWEEN_PURCHASES,
    ];
    let table = group_means(segmented.clone(), Some(VALUE_SEGMENT), &means, &[HIGH_SPENDER])?;
    let [score, amount, purchases, time, time_between] = means.map(col);
    let columns = [col(VALUE_SEGMENT), score, amount, purchases, time, col(HIGH_SPENDER), time_between];
    Ok(table.lazy().select(columns).sort([VALUE_SEGMENT], SortMultipleOptions::default()))
}

/// The mean of `column` over `rows` (NaN skipped; NaN if nothing is left), exactly rounded.
fn exact_mean(rows: LazyFrame, column: &str) -> Result<f64, AlgoError> {
    let table = group_means(rows, None, &[column], &[])?;
    Ok(table.column(column)?.f64()?.get(0).unwrap_or(f64::NAN))
}

/// `expr > threshold` as pandas computes it: false for NaN and for missing values.
fn pandas_gt(expr: Expr, threshold: f64) -> Expr {
    expr.clone().gt(lit(threshold)).and(expr.is_not_nan()).fill_null(lit(false))
}

/// A float column with NaN turned into nulls, so aggregates skip it as pandas does.
fn skip_nan(name: &'static str) -> Expr {
    match name {
        NUMBER_OF_PURCHASES | TOTAL_PURCHASE_TIME => col(name),
        _ => col(name).fill_nan(lit(NULL)),
    }
}

/// `NaN` in an integer column is a null; polars' integer parser would refuse it where pandas
/// reads NaN. (Its float parser reads `NaN` as NaN, and an empty field is a null in any column.)
fn nan_text_is_missing() -> NullValues {
    NullValues::Named([NUMBER_OF_PURCHASES, TOTAL_PURCHASE_TIME].map(|c| (c.into(), "NaN".into())).to_vec())
}

/// The type each input column is read as; columns the tasks do not use are read as text.
fn input_dtype(column: &str) -> DataType {
    match column {
        TOTAL_PURCHASE_AMOUNT | AVERAGE_REVIEW_SCORE => DataType::Float64,
        NUMBER_OF_PURCHASES | TOTAL_PURCHASE_TIME => DataType::Int64,
        _ => DataType::String,
    }
}

/// A lazy scan of the customers file, its header checked now.
fn scan_customers(file: &Path) -> Result<LazyFrame, AlgoError> {
    let read_error = |source: PolarsError| match source {
        PolarsError::NoData(_) => {
            AlgoError::EmptyFile { file: file.to_owned(), expected: REQUIRED_INPUT.join(", ") }
        }
        source => AlgoError::Read { file: file.to_owned(), source },
    };
    let source = PlRefPath::try_from_path(file).map_err(read_error)?;
    // Read the header only: every column as text, no rows inspected.
    let header = LazyCsvReader::new(source.clone())
        .with_glob(false)
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .finish()
        .and_then(|mut frame| frame.collect_schema())
        .map_err(read_error)?;
    if header.is_empty() {
        return Err(read_error(PolarsError::NoData("no header".into())));
    }
    if let Some(column) = REQUIRED_INPUT.into_iter().find(|c| !header.contains(c)) {
        let found = header.iter_names().map(|n| n.as_str()).collect::<Vec<_>>().join(", ");
        return Err(AlgoError::MissingColumn { column, file: file.to_owned(), found });
    }
    let schema: Schema =
        header.iter_names().map(|name| Field::new(name.clone(), input_dtype(name))).collect();
    let customers = LazyCsvReader::new(source)
        .with_glob(false)
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .with_null_values(Some(nan_text_is_missing()))
        .finish()
        .map_err(read_error)?;
    // Parse every column, as pandas does: polars detects a row with more fields than the header
    // only when it reads all columns, and projection pushdown would skip the unused ones. The
    // flag applies to the plans built on this one; a stored result is scanned afresh.
    Ok(customers.with_projection_pushdown(false))
}
