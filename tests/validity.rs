//! Validity periods: a node older than its validity period is stale, and the tasks reading it
//! run again instead of reusing results.

use std::time::Duration;

use taipy::prelude::*;
use taipy::{JobStatus, Reason};

fn config(validity: Duration) -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("prices")
        .node(DataNodeConfig::with_default("quotes", vec![1.0f64, 2.0]).validity_period(validity))
        .node(DataNodeConfig::with_default("factor", 2.0f64))
        .task(
            TaskConfig::new("scale", |q: &[f64], f: &f64| q.iter().map(|x| x * f).collect::<Vec<f64>>())
                .inputs(["quotes", "factor"])
                .outputs(["scaled"]),
        )
        .task(TaskConfig::new("total", |s: &[f64]| s.iter().sum::<f64>()).inputs(["scaled"]).outputs(["sum"]))
        .build()
        .unwrap()
}

#[test]
fn tasks_reading_a_stale_node_run_again_and_early_cutoff_spares_the_rest() {
    // A zero period: every value is stale as soon as it is written.
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config(Duration::ZERO), "s").unwrap();
    assert!(s.is_expired("quotes").unwrap() && !s.is_expired("factor").unwrap());
    s.submit().unwrap().wait().unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    let scale = r.job("scale").unwrap();
    assert_eq!(scale.status, JobStatus::Completed);
    assert_eq!(scale.reason, Some(Reason::Stale { inputs: vec!["quotes".into()] }));
    assert_eq!(
        scale.reason.as_ref().unwrap().to_string(),
        "input `quotes` is older than the validity period"
    );
    // Same result: no new version, so the downstream task still skips.
    assert_eq!(r.job("total").unwrap().status, JobStatus::Skipped);
    assert_eq!(s.data_node::<Vec<f64>>("scaled").unwrap().history().unwrap().len(), 1);
}

#[test]
fn a_node_within_its_validity_period_lets_tasks_skip() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config(Duration::from_secs(3600)), "s").unwrap();
    assert!(!s.is_expired("quotes").unwrap());
    s.submit().unwrap().wait().unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Skipped), ["scale", "total"]);
    assert_eq!(r.job("scale").unwrap().reason, Some(Reason::Unchanged));
}
