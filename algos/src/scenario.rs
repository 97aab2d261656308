//! The tutorial's scenario: five parameters and the four tasks, wired by `scenario!` so that the
//! compiler checks every edge.

use taipy::{CsvFile, scenario};

use crate::{
    Metric, Statistic, featurization_and_segmentation, high_value_cust_summary_statistics,
    preprocess_and_score, segment_analysis,
};

/// The sample of customers committed with the project (2,000 rows, `data/customers.csv`), the
/// default input; an absolute path, so scenarios can be created from any folder.
pub const SAMPLE_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/customers.csv");

scenario! {
    /// The tutorial's customer analysis: score the customers of a CSV, segment them, aggregate
    /// per segment, and summarise the high-value segment.
    pub CustomerAnalysis {
        path_to_data: CsvFile = CsvFile::new(SAMPLE_DATA),
        payment_threshold: f64 = 1000.0,
        score_threshold: f64 = 1.5,
        metric: Metric = Metric::Mean,
        summary_statistic_type: Statistic = Statistic::Median,

        scored_df = preprocess_and_score(path_to_data),
        segmented_customer_df = featurization_and_segmentation(scored_df, payment_threshold, score_threshold),
        segment_result = segment_analysis(segmented_customer_df, metric),
        high_value_summary_df = high_value_cust_summary_statistics(segmented_customer_df, segment_result,
                                                                    summary_statistic_type),

        sequences {
            analysis: [segment_analysis, high_value_cust_summary_statistics],
        }
    }
}
