// The tutorial's own configuration passes task 4 the segment table where it expects the
// customers table (and the customers where it expects the segments); pandas then computes a
// wrong number without a word. With one type per table, the wiring does not compile.
use taipy::prelude::*;

/// The customers, one row each.
#[derive(Clone, DataValue)]
struct SegmentedCustomers(Vec<f64>);

/// One row per segment.
#[derive(Clone, DataValue)]
struct SegmentResult(Vec<f64>);

#[task]
fn segment(scores: &[f64]) -> SegmentedCustomers {
    SegmentedCustomers(scores.to_vec())
}

#[task]
fn segment_analysis(segmented: &SegmentedCustomers) -> SegmentResult {
    SegmentResult(vec![segmented.0.iter().sum()])
}

#[task]
fn high_value_summary(segmented: &SegmentedCustomers, segments: &SegmentResult) -> f64 {
    segmented.0.len() as f64 + segments.0[0]
}

scenario! {
    CustomerAnalysis {
        scores: Vec<f64> = vec![1.0, 2.0],
        segmented_customer_df = segment(scores),
        segment_result = segment_analysis(segmented_customer_df),
        summary = high_value_summary(segment_result, segmented_customer_df),
    }
}

fn main() {}
