//! The skip matrix on the tutorial's graph, written with the macros: t1 -> t2 -> t3, and t4
//! reading the outputs of t2 and t3. Each parameter is changed in turn; the jobs that run and
//! the reasons they give are asserted.

#![deny(warnings)]

use serde::{Deserialize, Serialize};
use taipy::prelude::*;
use taipy::{Reason, SubmissionReport};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
enum Metric {
    Mean,
    Max,
}
taipy::serde_value!(Metric);

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
enum Statistic {
    Median,
    Total,
}
taipy::serde_value!(Statistic);

/// Scores per customer.
#[derive(Clone, Debug, PartialEq, DataValue)]
struct Scored(Vec<i64>);

/// Segment per customer (true = high value).
#[derive(Clone, Debug, PartialEq, DataValue)]
struct Segmented(Vec<(i64, bool)>);

/// The per-segment metric.
#[derive(Clone, Debug, PartialEq, DataValue)]
struct SegmentResult {
    value: f64,
}

/// t1: reads the "data" (a seed) and scores customers.
#[task]
fn preprocess_and_score(path_to_data: &str) -> Scored {
    let seed = path_to_data.len() as i64;
    Scored((1..=10).map(|i| i * seed).collect())
}

/// t2: segments customers by two thresholds.
#[task]
fn featurization_and_segmentation(
    scored: &Scored,
    payment_threshold: f64,
    score_threshold: f64,
) -> Segmented {
    Segmented(
        scored
            .0
            .iter()
            .map(|&s| (s, s as f64 >= payment_threshold && s as f64 * 0.1 >= score_threshold))
            .collect(),
    )
}

/// t3: the metric over the high-value segment.
#[task]
fn segment_analysis(segmented: &Segmented, metric: Metric) -> SegmentResult {
    let high: Vec<f64> = segmented.0.iter().filter(|(_, high)| *high).map(|(s, _)| *s as f64).collect();
    let value = match metric {
        Metric::Mean => high.iter().sum::<f64>() / high.len().max(1) as f64,
        Metric::Max => high.iter().copied().fold(0.0, f64::max),
    };
    SegmentResult { value }
}

/// t4: a summary of the high-value customers, reading t2's and t3's outputs.
#[task]
fn high_value_summary(segmented: &Segmented, result: &SegmentResult, statistic: Statistic) -> String {
    let count = segmented.0.iter().filter(|(_, high)| *high).count();
    match statistic {
        Statistic::Median => format!("{count} customers, metric {}", result.value),
        Statistic::Total => format!("{count} customers, total {}", result.value * count as f64),
    }
}

scenario! {
    /// The tutorial's customer analysis, shrunk.
    pub CustomerAnalysis {
        path_to_data: String = "data/customers.csv".to_string(),
        payment_threshold: f64 = 20.0,
        score_threshold: f64 = 1.5,
        metric: Metric = Metric::Mean,
        summary_statistic_type: Statistic = Statistic::Median,

        scored_df = preprocess_and_score(path_to_data),
        segmented_customer_df = featurization_and_segmentation(scored_df, payment_threshold, score_threshold),
        segment_result = segment_analysis(segmented_customer_df, metric),
        high_value_summary_df = high_value_summary(segmented_customer_df, segment_result, summary_statistic_type),

        sequences {
            scoring: [preprocess_and_score, featurization_and_segmentation],
        }
    }
}

const T1: &str = "preprocess_and_score";
const T2: &str = "featurization_and_segmentation";
const T3: &str = "segment_analysis";
const T4: &str = "high_value_summary";

fn run(s: &CustomerAnalysis) -> SubmissionReport {
    s.submit().unwrap().wait().unwrap()
}

fn reason(report: &SubmissionReport, task: &str) -> Reason {
    report.job(task).unwrap().reason.clone().unwrap()
}

fn changed(inputs: &[&str]) -> Reason {
    Reason::Changed { code: false, inputs: inputs.iter().map(|s| s.to_string()).collect() }
}

fn reused(inputs: &[&str]) -> Reason {
    Reason::Reused { inputs: inputs.iter().map(|s| s.to_string()).collect() }
}

#[test]
fn the_skip_matrix() {
    let store = Store::temporary().unwrap();
    let s = CustomerAnalysis::create(&store, "q3 analysis").unwrap();

    // First run: everything runs.
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T1, T2, T3, T4]);
    for task in [T1, T2, T3, T4] {
        assert_eq!(reason(&r, task), Reason::FirstRun, "{task}");
    }
    let first_summary = s.high_value_summary_df().read().unwrap();

    // Nothing changed: everything skips.
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2, T3, T4]);
    for task in [T1, T2, T3, T4] {
        assert_eq!(reason(&r, task), Reason::Unchanged, "{task}");
    }

    // The data changes: t1 runs, and everything downstream of it.
    s.path_to_data().write("data/customers-2024.csv".to_string()).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T1, T2, T3, T4]);
    assert_eq!(reason(&r, T1), changed(&["path_to_data"]));
    assert_eq!(reason(&r, T2), changed(&["scored_df"]));
    assert_eq!(reason(&r, T3), changed(&["segmented_customer_df"]));
    assert_eq!(reason(&r, T4), changed(&["segmented_customer_df", "segment_result"]));

    // A threshold of t2 changes: t1 skips, t2-t4 run.
    s.payment_threshold().write(100.0).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1]);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T2, T3, T4]);
    assert_eq!(reason(&r, T1), Reason::Unchanged);
    assert_eq!(reason(&r, T2), changed(&["payment_threshold"]));
    assert_eq!(reason(&r, T3), changed(&["segmented_customer_df"]));
    assert_eq!(reason(&r, T4), changed(&["segmented_customer_df", "segment_result"]));

    // Early cutoff: a change that leaves t2's output as it was stops there.
    s.score_threshold().write(5.0).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T2]);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T3, T4]);
    assert_eq!(reason(&r, T2), changed(&["score_threshold"]));
    assert_eq!(reason(&r, T3), Reason::Unchanged);

    s.score_threshold().write(15.0).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1]);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T2, T3, T4]);
    assert_eq!(reason(&r, T2), changed(&["score_threshold"]));
    assert_eq!(reason(&r, T3), changed(&["segmented_customer_df"]));
    assert_eq!(reason(&r, T4), changed(&["segmented_customer_df", "segment_result"]));

    // t3's parameter changes: t1, t2 skip; t3 and t4 run.
    s.metric().write(Metric::Max).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2]);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T3, T4]);
    assert_eq!(reason(&r, T3), changed(&["metric"]));
    assert_eq!(reason(&r, T4), changed(&["segment_result"]));

    // t4's parameter changes: only t4 runs.
    s.summary_statistic_type().write(Statistic::Total).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2, T3]);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T4]);
    assert_eq!(reason(&r, T4), changed(&["summary_statistic_type"]));
    for task in [T1, T2, T3] {
        assert_eq!(reason(&r, task), Reason::Unchanged, "{task}");
    }

    // Every parameter back to its first value: every result is reused, nothing runs.
    s.path_to_data().write("data/customers.csv".to_string()).unwrap();
    s.payment_threshold().write(20.0).unwrap();
    s.score_threshold().write(1.5).unwrap();
    s.metric().write(Metric::Mean).unwrap();
    s.summary_statistic_type().write(Statistic::Median).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2, T3, T4]);
    assert_eq!(reason(&r, T1), reused(&["path_to_data"]));
    assert_eq!(reason(&r, T2), reused(&["scored_df", "payment_threshold", "score_threshold"]));
    assert_eq!(reason(&r, T3), reused(&["segmented_customer_df", "metric"]));
    assert_eq!(
        reason(&r, T4),
        reused(&["segmented_customer_df", "segment_result", "summary_statistic_type"])
    );
    assert_eq!(s.high_value_summary_df().read().unwrap(), first_summary);

    // Writing the value a node already holds records nothing: nothing re-runs.
    let versions = s.payment_threshold().history().unwrap().len();
    s.payment_threshold().write(20.0).unwrap();
    assert_eq!(s.payment_threshold().history().unwrap().len(), versions);
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2, T3, T4]);
    for task in [T1, T2, T3, T4] {
        assert_eq!(reason(&r, task), Reason::Unchanged, "{task}");
    }
}

#[test]
fn sequences_and_single_tasks_submit_subsets() {
    let store = Store::temporary().unwrap();
    let s = CustomerAnalysis::create(&store, "subset").unwrap();
    let r = s.submit_sequence("scoring", SubmitOptions::new()).unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), [T1, T2]);
    let r = s.submit_task(T3, SubmitOptions::new()).unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), [T3]);
    let r = s.submit_with(SubmitOptions::new().force(true)).unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), [T1, T2, T3, T4]);
    assert_eq!(reason(&r, T1), Reason::Forced);
}

#[test]
fn scenarios_are_reopened_and_found() {
    let store = Store::temporary().unwrap();
    let s = CustomerAnalysis::create(&store, "kept").unwrap();
    run(&s);
    let again = CustomerAnalysis::open(&store, s.id()).unwrap();
    assert_eq!(again.segment_result().read().unwrap(), s.segment_result().read().unwrap());
    let found = CustomerAnalysis::find(&store, "kept").unwrap().unwrap();
    assert_eq!(found.id(), s.id());
    assert!(CustomerAnalysis::find(&store, "missing").unwrap().is_none());
    let r = run(&found);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2, T3, T4]);
}

#[test]
fn the_store_remembers_the_config_with_its_fingerprint_and_toml() {
    let store = Store::temporary().unwrap();
    CustomerAnalysis::create(&store, "remembered").unwrap();
    let configs = store.configs().unwrap();
    assert_eq!(configs.len(), 1);
    let config = CustomerAnalysis::config();
    assert_eq!(configs[0].id, config.id());
    assert_eq!(configs[0].fingerprint, taipy::toml::config_fingerprint(&config));
    let toml = configs[0].toml.as_deref().expect("a scenario! config exports to TOML");
    let loaded = taipy::toml::Loader::new().load_str(toml).unwrap();
    assert_eq!(taipy::toml::config_fingerprint(loaded.only_scenario().unwrap()), configs[0].fingerprint);
}
