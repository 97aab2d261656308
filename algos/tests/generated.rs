//! The four tasks on generated customers, a tenth of whom never bought anything. What pandas
//! computes for customers without purchases is compared in `golden.rs`, on the edge-case fixture.

use algos::columns::*;
use algos::generate::{GeneratorOptions, write_customers_csv};
use algos::*;
use polars::prelude::*;
use taipy::CsvFile;

#[test]
fn generated_customers_without_purchases_get_nan_times_which_the_means_skip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    let options = GeneratorOptions { rows: 20_000, seed: 7, zero_purchase_fraction: 0.1 };
    write_customers_csv(std::fs::File::create(&path).unwrap(), &options).unwrap();

    let scored = preprocess_and_score(&CsvFile::new(&path)).unwrap();
    let segmented = featurization_and_segmentation(&scored, &1000.0, &1.5).unwrap();
    let table = segmented.0.clone().collect().unwrap();
    assert_eq!(table.height(), 20_000);
    // Zero purchases and zero time: 0/0 = NaN, as pandas.
    let zero = table.clone().lazy().filter(col(NUMBER_OF_PURCHASES).eq(lit(0))).collect().unwrap();
    assert!(zero.height() > 1_000, "{}", zero.height());
    let times = zero.column(AVERAGE_TIME_BETWEEN_PURCHASES).unwrap().f64().unwrap().clone();
    assert!((0..times.len()).all(|i| times.get(i).is_some_and(f64::is_nan)));

    // The means skip those NaN: they stay finite.
    let segments = segment_analysis(&segmented, &Metric::Mean).unwrap().0.collect().unwrap();
    let means = segments.column(AVERAGE_TIME_BETWEEN_PURCHASES).unwrap().f64().unwrap().clone();
    assert_eq!(means.len(), 2);
    assert!((0..2).all(|i| means.get(i).is_some_and(|m| (20.0..40.0).contains(&m))), "{segments}");

    let summary =
        high_value_cust_summary_statistics(&segmented, &SegmentResult(segments.lazy()), &Statistic::Min)
            .unwrap()
            .0
            .collect()
            .unwrap();
    assert_eq!(summary.height(), 1);
    let min = summary.column(AVERAGE_PURCHASE_HIGH_VALUE).unwrap().f64().unwrap().get(0).unwrap();
    assert!(min > 0.0, "high-value customers all bought something: {summary}");
}
