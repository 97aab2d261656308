//! `scenario!` on par with the builder: per-node `#[comparator]`, `#[scope]` and `#[validity]`,
//! and the scenario's `#[frequency]`, each seen to take effect.

use taipy::prelude::*;
use taipy::{Frequency, JobStatus, Reason, Scope, compare_scenarios};

#[task]
fn above(amounts: &[f64], threshold: f64) -> Vec<f64> {
    amounts.iter().copied().filter(|&a| a > threshold).collect()
}

#[task]
fn total(values: &[f64]) -> f64 {
    values.iter().sum()
}

/// How many more values each scenario keeps than the one before it.
fn growth(tables: &[&Vec<f64>]) -> Vec<i64> {
    tables.windows(2).map(|w| w[1].len() as i64 - w[0].len() as i64).collect()
}

/// The totals of the scenarios, in order.
fn totals(values: &[&f64]) -> Vec<f64> {
    values.iter().map(|v| **v).collect()
}

scenario! {
    /// Sales above a threshold, with every attribute a node can take.
    #[frequency(weekly)]
    pub Sales {
        #[scope(global)]
        amounts: Vec<f64> = vec![1.0, 2.0, 3.0],
        #[validity(seconds = 0)]
        threshold: f64 = 1.5,
        /// The amounts above the threshold.
        #[comparator(growth)]
        high = above(amounts, threshold),
        #[comparator(totals, growth_of_total)]
        #[scope(scenario)]
        sum = total(high),
    }
}

/// The differences of the totals.
fn growth_of_total(values: &[&f64]) -> Vec<f64> {
    values.windows(2).map(|w| w[1] - w[0]).collect()
}

scenario! {
    /// No frequency: no cycles.
    pub Plain {
        amounts: Vec<f64> = vec![1.0],
        #[validity(days = 1, hours = 2, minutes = 3, seconds = 4)]
        threshold: f64 = 0.5,
        high = above(amounts, threshold),
    }
}

fn store() -> Store {
    Store::temporary_with(StoreOptions::development()).unwrap()
}

#[test]
fn the_attributes_reach_the_config() {
    let config = Sales::config();
    assert_eq!(config.frequency(), Some(Frequency::Weekly));
    assert_eq!(config.node("amounts").unwrap().node_scope(), Scope::Global);
    assert_eq!(config.node("threshold").unwrap().validity(), Some(std::time::Duration::ZERO));
    assert_eq!(config.node("sum").unwrap().node_scope(), Scope::Scenario);
    let plain = Plain::config();
    assert_eq!(plain.frequency(), None);
    let period = 86_400 + 2 * 3_600 + 3 * 60 + 4;
    assert_eq!(plain.node("threshold").unwrap().validity(), Some(std::time::Duration::from_secs(period)));
    assert_eq!(plain.node("amounts").unwrap().validity(), None);
}

#[test]
fn comparators_compare_scenarios_of_a_macro_declared_pipeline() {
    let store = store();
    let low = Sales::create(&store, "low").unwrap();
    let high = Sales::create(&store, "high").unwrap();
    high.threshold().write(2.5).unwrap();
    low.submit().unwrap().wait().unwrap();
    high.submit().unwrap().wait().unwrap();

    let comparison = compare_scenarios(&[&low, &high], "high").unwrap();
    assert_eq!(comparison.get::<Vec<i64>>("growth").unwrap(), &[-1]);
    let comparison = compare_scenarios(&[&low, &high], "sum").unwrap();
    assert_eq!(comparison.comparators().collect::<Vec<_>>(), ["growth_of_total", "totals"]);
    assert_eq!(comparison.get::<Vec<f64>>("totals").unwrap(), &[5.0, 3.0]);
    assert_eq!(comparison.get::<Vec<f64>>("growth_of_total").unwrap(), &[-2.0]);
}

#[test]
fn a_global_node_is_shared_by_every_scenario() {
    let store = store();
    let a = Sales::create(&store, "a").unwrap();
    let b = Sales::create(&store, "b").unwrap();
    assert_eq!(a.amounts().id(), b.amounts().id());
    assert_ne!(a.threshold().id(), b.threshold().id());
    a.amounts().write(vec![10.0]).unwrap();
    assert_eq!(b.amounts().read().unwrap(), [10.0]);
}

#[test]
fn a_node_past_its_validity_period_runs_its_readers_again() {
    let store = store();
    let s = Sales::create(&store, "s").unwrap();
    s.submit().unwrap().wait().unwrap();
    assert!(s.is_expired("threshold").unwrap());
    let report = s.submit().unwrap().wait().unwrap();
    let job = report.job("above").unwrap();
    assert_eq!(job.reason, Some(Reason::Stale { inputs: vec!["threshold".into()] }));
    // Early cutoff: the same output, so `total` skips.
    assert_eq!(report.job("total").unwrap().status, JobStatus::Skipped);

    let p = Plain::create(&store, "p").unwrap();
    p.submit().unwrap().wait().unwrap();
    assert!(!p.is_expired("threshold").unwrap());
}

#[test]
fn a_frequency_puts_scenarios_into_cycles() {
    let store = store();
    // 2026-11-25 (a Wednesday) and 2026-11-29 (the Sunday after).
    let day = |d: u64| std::time::UNIX_EPOCH + std::time::Duration::from_secs(d * 86_400);
    let a = Scenario::create_at(&store, &Sales::config(), "a", day(20_782)).unwrap();
    let b = Scenario::create_at(&store, &Sales::config(), "b", day(20_786)).unwrap();
    let next = Scenario::create_at(&store, &Sales::config(), "next", day(20_787)).unwrap();
    let cycle = a.cycle().unwrap().expect("a weekly config has cycles");
    assert_eq!(cycle.name, "week of 2026-11-23");
    assert_eq!(b.cycle().unwrap().unwrap().id, cycle.id);
    assert_eq!(next.cycle().unwrap().unwrap().name, "week of 2026-11-30");
    let p = Plain::create(&store, "p").unwrap();
    assert_eq!(p.cycle().unwrap(), None);
}
