//! Tests: a scenario's nodes that were never written have no record (`store/nodes.rs`), and
//! behave as nodes that have one but no version.

use std::sync::Arc;

use crate::error::StoreError;
use crate::prelude::*;
use crate::store::Writer;

/// x0 (default 0) → step1 → x1 → … → x`n`.
fn chain(n: usize) -> Arc<ScenarioConfig> {
    let mut builder = ScenarioConfig::builder("chain").node(DataNodeConfig::with_default("x0", 0i64));
    for i in 1..=n {
        let step = |x: &i64| x + 1;
        builder = builder.task(
            TaskConfig::new(format!("step{i}"), step)
                .inputs([format!("x{}", i - 1)])
                .outputs([format!("x{i}")]),
        );
    }
    builder.build().unwrap()
}

/// Old main: creating a scenario wrote a record per data node (1001 here), so a 50k-task
/// scenario took seconds to create.
#[test]
fn creating_a_scenario_writes_a_record_only_for_the_nodes_it_gives_a_value() {
    let store = Store::in_memory(StoreOptions::development()).unwrap();
    let scenario = Scenario::create(&store, &chain(1000), "s").unwrap();
    assert_eq!(store.node_records(), 1, "x0 only");
    assert_eq!(scenario.node_current("x1000").unwrap(), None);
    let before = store.stats().index_entries_read;
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed).len(), 1000);
    // Each unwritten node's owner is looked up once (its state is kept until its first write).
    let looked_up = store.stats().index_entries_read - before;
    assert!(looked_up <= 1000, "{looked_up} owner entries read for 1000 unwritten nodes");
    assert_eq!(scenario.data_node::<i64>("x1000").unwrap().read().unwrap(), 1000);
    // Format 7: a version is written without its node's record; x0's was written at create.
    assert_eq!(store.node_records(), 1, "no record per written node");
}

/// `y` and `z` are never written until the end; each operation on them behaves as on a node
/// with a record and no version, across a reopen of the store.
#[test]
fn a_node_never_written_is_read_written_locked_and_deleted_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let config = chain(2);
    let id = {
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        Scenario::create(&store, &config, "s").unwrap().id().to_owned()
    };
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let scenario = Scenario::open(&store, &config, &id).unwrap();
    let x1 = scenario.data_node::<i64>("x1").unwrap();
    assert!(matches!(x1.read(), Err(StoreError::NeverWritten { .. })), "{:?}", x1.read());
    assert!(x1.history().unwrap().is_empty());
    assert_eq!(store.node_records(), 1);

    // An edit lock is its first write; it survives a reopen and refuses another editor.
    x1.lock_edit("ana", std::time::Duration::from_secs(3600)).unwrap();
    assert_eq!(store.node_records(), 2);
    drop((x1, scenario, store));
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let scenario = Scenario::open(&store, &config, &id).unwrap();
    let x1 = scenario.data_node::<i64>("x1").unwrap();
    assert!(matches!(x1.write(5), Err(StoreError::NodeLocked { .. })));
    x1.unlock_edit("ana").unwrap();
    x1.write(5).unwrap();
    assert_eq!(x1.history().unwrap().iter().map(|v| v.number).collect::<Vec<_>>(), [1]);
    let lineage = x1.lineage().unwrap();
    assert_eq!((lineage.node.as_str(), lineage.writer.clone()), ("x1", Writer::User));

    // A duplicate's never-written node is its own, and unwritten too.
    let copy = scenario.duplicate("copy").unwrap();
    let x2_copy = copy.data_node::<i64>("x2").unwrap();
    x2_copy.write(7).unwrap();
    assert_ne!(copy.node_instance_id("x2").unwrap(), scenario.node_instance_id("x2").unwrap());
    assert!(matches!(scenario.data_node::<i64>("x2").unwrap().read(), Err(StoreError::NeverWritten { .. })));
    assert_eq!(copy.data_node::<i64>("x1").unwrap().read().unwrap(), 5);

    // Deleting the scenario: its never-written node is gone with it, and no write brings it
    // back.
    let x2 = scenario.data_node::<i64>("x2").unwrap();
    scenario.delete().unwrap();
    assert!(matches!(x2.read(), Err(StoreError::NotFound { kind: "data node", .. })), "{:?}", x2.read());
    assert!(matches!(x2.write(1), Err(StoreError::NotFound { kind: "data node", .. })));
    let copy_id = copy.id().to_owned();
    drop((x1, x2, x2_copy, copy, store));
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    assert!(matches!(Scenario::open(&store, &config, &id), Err(StoreError::NotFound { .. })));
    let copy = Scenario::open(&store, &config, &copy_id).unwrap();
    assert_eq!(copy.data_node::<i64>("x2").unwrap().read().unwrap(), 7);
    // x2's write (format 7) wrote its version alone.
    assert_eq!(store.node_records(), 2, "the copy's x0 and x1");
}

/// The state creating a scenario puts in the node table for a node without a first value
/// (`Store::stage_with_unwritten`) is the one read from the catalog without it.
#[test]
fn a_new_scenarios_unwritten_node_is_known_as_the_catalog_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let (id, known) = {
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        let scenario = Scenario::create(&store, &chain(3), "s").unwrap();
        let id = crate::store::scenario_node_id(scenario.id(), "x2");
        (id.clone(), store.node_state(&id).unwrap())
    };
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let read = store.node_state(&id).unwrap();
    assert_eq!(format!("{:?}", known.record), format!("{:?}", read.record));
    assert_eq!((known.recorded, known.current.is_none()), (read.recorded, read.current.is_none()));
    assert_eq!((read.recorded, read.current.is_none()), (false, true));
}

/// No more states than the table keeps (`StoreOptions::node_cache`).
#[test]
fn a_new_scenario_fills_the_node_table_no_further_than_its_bound() {
    let store = Store::in_memory(StoreOptions::development().with_node_cache(5)).unwrap();
    let scenario = Scenario::create(&store, &chain(20), "s").unwrap();
    assert_eq!(store.node_states_cached(), 5);
    let report = scenario.submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report}");
}
