//! The tutorial's scenario, built with taipy-core's plain API, shared by the scenario tests.

use std::path::Path;
use std::sync::Arc;

use algos::*;
use taipy::{CsvFile, DataNodeConfig, ScenarioConfig, TaskConfig};

/// The four tasks, in the config's order.
pub(crate) const TASKS: [&str; 4] = [
    "preprocess_and_score",
    "featurization_and_segmentation",
    "segment_analysis",
    "high_value_cust_summary_statistics",
];

/// The tutorial's scenario on the customers file `data`, with its default parameters.
pub(crate) fn customer_analysis(data: &Path) -> Arc<ScenarioConfig> {
    let [t1, t2, t3, t4] = TASKS;
    ScenarioConfig::builder("customer_analysis")
        .node(DataNodeConfig::with_default("path_to_data", CsvFile::new(data)))
        .node(DataNodeConfig::with_default("payment_threshold", 1000.0f64))
        .node(DataNodeConfig::with_default("score_threshold", 1.5f64))
        .node(DataNodeConfig::with_default("metric", Metric::Mean))
        .node(DataNodeConfig::with_default("summary_statistic_type", Statistic::Median))
        .task(TaskConfig::new(t1, preprocess_and_score).inputs(["path_to_data"]).outputs(["scored_df"]))
        .task(
            TaskConfig::new(t2, featurization_and_segmentation)
                .inputs(["scored_df", "payment_threshold", "score_threshold"])
                .outputs(["segmented_customer_df"]),
        )
        .task(
            TaskConfig::new(t3, segment_analysis)
                .inputs(["segmented_customer_df", "metric"])
                .outputs(["segment_result"]),
        )
        .task(
            TaskConfig::new(t4, high_value_cust_summary_statistics)
                .inputs(["segmented_customer_df", "segment_result", "summary_statistic_type"])
                .outputs(["high_value_summary_df"]),
        )
        .build()
        .unwrap()
}
