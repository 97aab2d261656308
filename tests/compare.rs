//! compare_scenarios with comparators declared per data node, and sequences added and removed at
//! run time.

use taipy::prelude::*;
use taipy::{CompareError, JobStatus, StoreError, SubmitError, compare_scenarios};

fn config() -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("sales")
        .node(DataNodeConfig::with_default("threshold", 1.5f64))
        .node(DataNodeConfig::with_default("amounts", vec![1.0f64, 2.0, 3.0]))
        .node(
            DataNodeConfig::new::<Vec<f64>>("high")
                .comparator("difference", |tables: &[&Vec<f64>]| {
                    tables.windows(2).map(|w| w[1].len() as i64 - w[0].len() as i64).collect::<Vec<i64>>()
                })
                .comparator("totals", |tables: &[&Vec<f64>]| {
                    tables.iter().map(|t| t.iter().sum::<f64>()).collect::<Vec<f64>>()
                }),
        )
        .task(
            TaskConfig::new("filter", |a: &[f64], t: &f64| {
                a.iter().copied().filter(|x| x > t).collect::<Vec<f64>>()
            })
            .inputs(["amounts", "threshold"])
            .outputs(["high"]),
        )
        .task(TaskConfig::new("count", |h: &[f64]| h.len() as u64).inputs(["high"]).outputs(["n"]))
        .build()
        .unwrap()
}

#[test]
fn comparators_run_over_the_scenarios_values_in_order() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = config();
    let low = Scenario::create(&store, &config, "low").unwrap();
    let high = Scenario::create(&store, &config, "high").unwrap();
    high.data_node::<f64>("threshold").unwrap().write(2.0).unwrap();
    low.submit().unwrap().wait().unwrap();
    high.submit().unwrap().wait().unwrap();

    let comparison = compare_scenarios(&[&low, &high], "high").unwrap();
    assert_eq!(comparison.scenarios, ["low", "high"]);
    assert_eq!(comparison.comparators().collect::<Vec<_>>(), ["difference", "totals"]);
    assert_eq!(comparison.get::<Vec<i64>>("difference").unwrap(), &[-1]);
    assert_eq!(comparison.get::<Vec<f64>>("totals").unwrap(), &[5.0, 3.0]);
    assert!(comparison.get::<String>("totals").is_none());
}

#[test]
fn comparing_explains_what_is_wrong() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = config();
    let a = Scenario::create(&store, &config, "a").unwrap();
    let b = Scenario::create(&store, &config, "b").unwrap();
    let err = compare_scenarios(&[&a], "high").unwrap_err();
    assert!(matches!(err, CompareError::TooFewScenarios { count: 1 }));
    assert_eq!(err.to_string(), "comparing needs at least two scenarios, got 1");
    assert!(matches!(compare_scenarios(&[], "high"), Err(CompareError::TooFewScenarios { count: 0 })));

    let other = ScenarioConfig::builder("other")
        .node(DataNodeConfig::with_default("high", vec![1.0f64]))
        .build()
        .unwrap();
    let c = Scenario::create(&store, &other, "c").unwrap();
    let err = compare_scenarios(&[&a, &c], "high").unwrap_err();
    assert_eq!(err.to_string(), "scenarios of different configs cannot be compared: a (sales), c (other)");

    let err = compare_scenarios(&[&a, &b], "threshold").unwrap_err();
    assert_eq!(err.to_string(), "data node `threshold` of config `sales` declares no comparator");
    let err = compare_scenarios(&[&a, &b], "nope").unwrap_err();
    assert!(matches!(err, CompareError::UnknownNode { .. }), "{err}");
    let err = compare_scenarios(&[&a, &b], "high").unwrap_err();
    assert!(matches!(err, CompareError::Store(StoreError::NeverWritten { .. })), "{err}");

    // A comparator of the wrong type is a config error.
    let err = ScenarioConfig::builder("bad")
        .node(DataNodeConfig::with_default("x", 1i64).comparator("diff", |_: &[&f64]| 0))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("comparator `diff` of data node `x` compares `f64`"), "{err}");
}

#[test]
fn sequences_are_added_submitted_and_removed_at_run_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let config = config();
    let s = Scenario::create(&store, &config, "s").unwrap();
    s.add_sequence("just filter", ["filter"]).unwrap();
    assert_eq!(s.sequences().unwrap().keys().collect::<Vec<_>>(), ["just filter"]);
    let r = s.submit_sequence("just filter", SubmitOptions::new()).unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), ["filter"]);
    assert_eq!(s.submissions().unwrap()[0].entity, "sequence just filter");

    let err = s.add_sequence("bad", ["filter", "nope"]).unwrap_err();
    assert!(
        err.to_string().contains("sequence `bad`: no task `nope`; declared tasks: filter, count"),
        "{err}"
    );

    // Kept across restarts and copied by duplicate.
    let path = store.path().to_owned();
    drop((s, store));
    let store = Store::open_with(&path, StoreOptions::development()).unwrap();
    let s = Scenario::find(&store, &config, "s").unwrap().unwrap();
    let copy = s.duplicate("copy").unwrap();
    assert!(copy.sequences().unwrap().contains_key("just filter"));

    assert!(s.remove_sequence("just filter").unwrap());
    assert!(!s.remove_sequence("just filter").unwrap());
    let err = s.submit_sequence("just filter", SubmitOptions::new()).unwrap_err();
    assert!(matches!(err, SubmitError::UnknownSequence { .. }), "{err}");
    assert!(copy.sequences().unwrap().contains_key("just filter"));
    copy.delete().unwrap();
}
