//! The tutorial's four tasks and five parameters, on plain serde values (no polars): each table
//! has its own newtype, so wiring one where another is expected is a type error at load time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use taipy::prelude::*;

/// How task 3 aggregates each segment. Taipy writes `"mean"`; no serde rename is needed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Metric {
    /// The arithmetic mean.
    Mean,
    /// The median.
    Median,
}
taipy::serde_value!(Metric);

/// How task 4 summarizes the high-value customers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Statistic {
    /// The arithmetic mean.
    Mean,
    /// The median.
    Median,
    /// The largest value.
    Max,
}
taipy::serde_value!(Statistic);

/// One customer with its score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// `CustomerID`.
    pub id: i64,
    /// `TotalPurchaseAmount`.
    pub amount: f64,
    /// Review score × purchases / 10.
    pub score: f64,
}

/// Task 1's table.
#[derive(Clone, Debug, PartialEq, DataValue)]
pub struct ScoredCustomers(pub Vec<Customer>);

/// Task 2's table: customers with their segment.
#[derive(Clone, Debug, PartialEq, DataValue)]
pub struct SegmentedCustomers(pub Vec<(Customer, String)>);

/// Task 3's table: the metric of each segment, sorted by segment.
#[derive(Clone, Debug, PartialEq, DataValue)]
pub struct SegmentResult(pub Vec<(String, f64)>);

/// Task 4's result.
#[derive(Clone, Debug, PartialEq, DataValue)]
pub struct HighValueSummary(pub BTreeMap<String, f64>);

/// Task 1: reads the CSV and scores each customer.
#[task]
pub fn preprocess_and_score(path_to_data: &CsvFile) -> Result<ScoredCustomers, std::io::Error> {
    let text = std::fs::read_to_string(path_to_data.path())?;
    let mut customers = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').collect();
        let number = |i: usize| -> Result<f64, std::io::Error> {
            fields
                .get(i)
                .and_then(|f| f.trim().parse().ok())
                .ok_or_else(|| std::io::Error::other(line.to_owned()))
        };
        customers.push(Customer {
            id: number(0)? as i64,
            amount: number(1)?,
            score: number(3)? * number(2)? / 10.0,
        });
    }
    Ok(ScoredCustomers(customers))
}

/// Task 2: segments customers by spending and score.
#[task]
pub fn featurization_and_segmentation(
    scored: &ScoredCustomers,
    payment_threshold: f64,
    score_threshold: f64,
) -> SegmentedCustomers {
    SegmentedCustomers(
        scored
            .0
            .iter()
            .map(|c| {
                let segment = match (c.amount > payment_threshold, c.score > score_threshold) {
                    (true, true) => "High Value",
                    (true, false) | (false, true) => "Medium Value",
                    (false, false) => "Low Value",
                };
                (c.clone(), segment.to_owned())
            })
            .collect(),
    )
}

fn aggregate(values: &mut [f64], how: Statistic) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    match how {
        Statistic::Mean => values.iter().sum::<f64>() / values.len() as f64,
        Statistic::Max => values[values.len() - 1],
        Statistic::Median if values.len() % 2 == 1 => values[values.len() / 2],
        Statistic::Median => (values[values.len() / 2 - 1] + values[values.len() / 2]) / 2.0,
    }
}

/// Task 3: the metric of the amounts in each segment.
#[task]
pub fn segment_analysis(segmented: &SegmentedCustomers, metric: Metric) -> SegmentResult {
    let mut by_segment: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for (c, segment) in &segmented.0 {
        by_segment.entry(segment).or_default().push(c.amount);
    }
    let how = match metric {
        Metric::Mean => Statistic::Mean,
        Metric::Median => Statistic::Median,
    };
    SegmentResult(by_segment.into_iter().map(|(s, mut v)| (s.to_owned(), aggregate(&mut v, how))).collect())
}

/// Task 4: a summary of the high-value customers, with the segment metrics for context.
#[task]
pub fn high_value_cust_summary_statistics(
    segmented: &SegmentedCustomers,
    segment_result: &SegmentResult,
    summary_statistic_type: Statistic,
) -> HighValueSummary {
    let mut amounts: Vec<f64> =
        segmented.0.iter().filter(|(_, s)| s == "High Value").map(|(c, _)| c.amount).collect();
    let mut summary = BTreeMap::new();
    summary.insert("count".to_owned(), amounts.len() as f64);
    summary.insert("amount".to_owned(), aggregate(&mut amounts, summary_statistic_type));
    for (segment, value) in &segment_result.0 {
        summary.insert(format!("segment {segment}"), *value);
    }
    HighValueSummary(summary)
}

scenario! {
    /// The same pipeline written with the macro, to compare with the TOML-loaded one.
    pub CustomerAnalysis {
        path_to_data: CsvFile = CsvFile::new("tests/fixtures/customers_small.csv"),
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
            scoring: [preprocess_and_score, featurization_and_segmentation],
        }
    }
}

/// One link of the generated chains of `scale.rs`.
#[task]
pub fn chain_step(x: &i64) -> i64 {
    x + 1
}
