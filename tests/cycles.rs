//! Cycles from a config's frequency, primary scenarios, and cycle- and global-scoped data nodes
//! shared between scenarios.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use taipy::prelude::*;
use taipy::{Frequency, JobStatus, Reason, Scope, StoreError};

/// Noon UTC of a date given as days since 1970-01-01 plus an offset.
fn date(days: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(days * 86_400 + 12 * 3600)
}

// 2026-11-03, 2026-11-20 and 2026-12-01 as days since the epoch.
const NOV_3: u64 = 20760;
const NOV_20: u64 = 20777;
const DEC_1: u64 = 20788;

fn config(frequency: Option<Frequency>) -> std::sync::Arc<ScenarioConfig> {
    let builder = ScenarioConfig::builder("pricing")
        .node(DataNodeConfig::with_default("rate", 1.0f64).scope(Scope::Cycle))
        .node(DataNodeConfig::with_default("catalog", vec![10.0f64, 20.0]).scope(Scope::Global))
        .node(DataNodeConfig::with_default("discount", 0.0f64))
        .task(
            TaskConfig::new("price", |c: &[f64], r: &f64, d: &f64| {
                c.iter().map(|x| x * r - d).collect::<Vec<f64>>()
            })
            .inputs(["catalog", "rate", "discount"])
            .outputs(["prices"]),
        );
    match frequency {
        Some(f) => builder.frequency(f),
        None => builder,
    }
    .build()
    .unwrap()
}

fn names(infos: Vec<taipy::ScenarioInfo>) -> Vec<String> {
    infos.into_iter().map(|i| i.name).collect()
}

#[test]
fn scenarios_fall_into_cycles_with_one_primary_each() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = config(Some(Frequency::Monthly));
    let a = Scenario::create_at(&store, &config, "a", date(NOV_3)).unwrap();
    let b = Scenario::create_at(&store, &config, "b", date(NOV_20)).unwrap();
    let c = Scenario::create_at(&store, &config, "c", date(DEC_1)).unwrap();
    let cycles = store.cycles().unwrap();
    assert_eq!(cycles.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["2026-11", "2026-12"]);
    let november = a.cycle().unwrap().unwrap();
    assert_eq!(b.cycle().unwrap().unwrap().id, november.id);
    assert_eq!(names(store.scenarios_of_cycle(&november.id).unwrap()), ["a", "b"]);
    assert!(a.is_primary().unwrap() && !b.is_primary().unwrap() && c.is_primary().unwrap());

    // The primary cannot be deleted while b shares its cycle.
    let err = store.delete_scenario(a.id()).unwrap_err();
    assert!(matches!(err, StoreError::CannotDelete { kind: "scenario", .. }), "{err}");
    assert!(err.to_string().contains("primary scenario of cycle `2026-11`"), "{err}");
    assert!(err.to_string().contains("(b)"), "{err}");
    b.set_primary().unwrap();
    assert!(b.is_primary().unwrap() && !a.is_primary().unwrap());
    a.delete().unwrap();
    assert_eq!(names(store.scenarios_of_cycle(&november.id).unwrap()), ["b"]);

    // A primary alone in its cycle takes the cycle with it.
    c.delete().unwrap();
    assert_eq!(store.cycles().unwrap().iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["2026-11"]);

    // A scenario created later in a cycle with a primary is not primary; once it is made
    // primary, the former primary can go.
    let d = Scenario::create_at(&store, &config, "d", date(NOV_20)).unwrap();
    assert!(!d.is_primary().unwrap());
    assert!(store.delete_scenario(b.id()).is_err());
    d.set_primary().unwrap();
    b.delete().unwrap();
    assert_eq!(names(store.scenarios_of_cycle(&november.id).unwrap()), ["d"]);
}

#[test]
fn cycle_nodes_are_shared_within_a_cycle_and_global_nodes_by_all() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = config(Some(Frequency::Monthly));
    let a = Scenario::create_at(&store, &config, "a", date(NOV_3)).unwrap();
    let b = Scenario::create_at(&store, &config, "b", date(NOV_20)).unwrap();
    let c = Scenario::create_at(&store, &config, "c", date(DEC_1)).unwrap();
    let rate = |s: &Scenario| s.data_node::<f64>("rate").unwrap();
    let catalog = |s: &Scenario| s.data_node::<Vec<f64>>("catalog").unwrap();
    assert_eq!(rate(&a).id(), rate(&b).id());
    assert_ne!(rate(&a).id(), rate(&c).id());
    assert_eq!(catalog(&a).id(), catalog(&c).id());
    assert_ne!(a.data_node::<f64>("discount").unwrap().id(), b.data_node::<f64>("discount").unwrap().id());
    for s in [&a, &b, &c] {
        s.submit().unwrap().wait().unwrap();
    }

    // A change of the cycle's rate through one scenario is seen by its cycle's other scenario.
    rate(&a).write(2.0).unwrap();
    assert_eq!(rate(&b).read().unwrap(), 2.0);
    let r = b.submit().unwrap().wait().unwrap();
    assert_eq!(
        r.job("price").unwrap().reason,
        Some(Reason::Changed { code: false, inputs: vec!["rate".into()] })
    );
    assert_eq!(b.data_node::<Vec<f64>>("prices").unwrap().read().unwrap(), [20.0, 40.0]);
    // a reuses b's result: same inputs, remembered by content.
    let r = a.submit().unwrap().wait().unwrap();
    assert_eq!(r.job("price").unwrap().status, JobStatus::Skipped);
    assert_eq!(a.data_node::<Vec<f64>>("prices").unwrap().read().unwrap(), [20.0, 40.0]);
    let r = c.submit().unwrap().wait().unwrap();
    assert_eq!(r.job("price").unwrap().reason, Some(Reason::Unchanged));

    // The global catalog changes for everyone: a re-runs; b, with the same inputs as a now,
    // reuses a's result; c re-runs with its own rate.
    catalog(&c).write(vec![1.0]).unwrap();
    let changed = Reason::Changed { code: false, inputs: vec!["catalog".into()] };
    let reused = Reason::Reused { inputs: vec!["catalog".into()] };
    for (s, reason, expected) in [(&a, &changed, 2.0), (&b, &reused, 2.0), (&c, &changed, 1.0)] {
        let r = s.submit().unwrap().wait().unwrap();
        assert_eq!(r.job("price").unwrap().reason.as_ref(), Some(reason), "{}", s.name());
        assert_eq!(s.data_node::<Vec<f64>>("prices").unwrap().read().unwrap(), [expected]);
    }

    // Deleting a scenario keeps the nodes it shares; the last one of a cycle takes the
    // cycle's nodes along.
    b.set_primary().unwrap();
    a.delete().unwrap();
    assert_eq!(rate(&b).read().unwrap(), 2.0);
    assert_eq!(catalog(&b).read().unwrap(), [1.0]);
    let december_rate = rate(&c);
    c.delete().unwrap();
    assert!(matches!(december_rate.read(), Err(StoreError::NotFound { kind: "data node", .. })));
    assert_eq!(catalog(&b).read().unwrap(), [1.0]);
}

#[test]
fn without_a_frequency_there_are_no_cycles_and_cycle_nodes_are_shared_by_all() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = config(None);
    let a = Scenario::create_at(&store, &config, "a", date(NOV_3)).unwrap();
    let b = Scenario::create_at(&store, &config, "b", date(DEC_1)).unwrap();
    assert_eq!(a.cycle().unwrap(), None);
    assert!(!a.is_primary().unwrap());
    assert!(store.cycles().unwrap().is_empty());
    assert!(matches!(a.set_primary(), Err(StoreError::NotFound { kind: "cycle", .. })));
    assert_eq!(a.data_node::<f64>("rate").unwrap().id(), b.data_node::<f64>("rate").unwrap().id());
    a.delete().unwrap();
}
