//! Deleting and duplicating scenarios.
//!
//! Deleting is [`Store::delete_scenario`](crate::Store::delete_scenario); artifacts that no version and no remembered result
//! refers to any more are deleted by [`Store::gc`](crate::Store::gc).
//!
//! Duplicating a scenario creates a scenario of the same config whose scenario-scoped nodes start
//! at the source's current values ([`Writer::Copied`]) and whose tasks' last runs are the
//! source's, so its first submit skips every task whose result the source already has.

use std::collections::BTreeMap;

use super::Scenario;
use crate::error::StoreError;
use crate::events::{EntityType, Event, Operation};
use crate::store::{Group, NodeRecord, ScenarioRecord, Writer, now_us};

impl Scenario {
    /// Deletes this scenario; see [`Store::delete_scenario`](crate::Store::delete_scenario).
    pub fn delete(self) -> Result<(), StoreError> {
        self.store.delete_scenario(self.id())
    }

    /// A new scenario named `name` of the same config, tags and properties, whose
    /// scenario-scoped nodes start at this scenario's current values and whose tasks remember
    /// this scenario's last runs: its first submit skips what this one would skip. Durable when
    /// this returns. The duplicate is dated now (which decides its cycle) and shares the
    /// source's cycle- and global-scoped nodes.
    pub fn duplicate(&self, name: &str) -> Result<Scenario, StoreError> {
        let store = &self.store;
        let source = store.scenario_record(self.id())?;
        let id = store.new_id("SCENARIO", self.config.id())?;
        let mut record = ScenarioRecord {
            id: id.clone(),
            config_id: source.config_id.clone(),
            name: name.to_owned(),
            created_us: now_us(),
            nodes: BTreeMap::new(),
            tags: source.tags.clone(),
            properties: source.properties.clone(),
            config_version: source.config_version,
        };
        // From reading the source's current versions to staging their copies, garbage
        // collection waits: it could otherwise forget a version the source moved on from, and
        // its artifact, before the copy refers to it.
        let gate = store.write_gate();
        let mut group = Group::default();
        let mut created = Vec::new();
        for (config_id, node_id) in &source.nodes {
            let state = store.node_state(node_id)?;
            if state.record.owner.as_deref() != Some(self.id()) {
                record.nodes.insert(config_id.clone(), node_id.clone());
                continue;
            }
            let copy_id = crate::store::scenario_node_id(&id, config_id);
            let first =
                state.current.map(|v| (v.stored, Writer::Copied { node: node_id.clone(), number: v.number }));
            // A node never written gets its record at its first write (`store/nodes.rs`),
            // which needs the duplicate bound to a config version.
            if first.is_some() || record.config_version.is_none() {
                let copy = NodeRecord {
                    id: copy_id.clone(),
                    owner: Some(id.clone()),
                    current: None,
                    next_version: 0,
                    edit_lock: None,
                    ..state.record.clone()
                };
                store.stage_new_node(&mut group, copy, first.as_ref().map(|(s, w)| (s, w.clone())))?;
            }
            created.push(Event::new(EntityType::DataNode, &copy_id, Operation::Creation));
            record.nodes.insert(config_id.clone(), copy_id);
        }
        store.stage_copy_of_runs(&mut group, self.id(), &id)?;
        group.save(&record)?;
        store.stage(group);
        drop(gate);
        store.flush()?;
        store.emit(Event::new(EntityType::Scenario, &id, Operation::Creation));
        created.into_iter().for_each(|event| store.emit(event));
        store.join_cycle(&self.config, &record)?;
        Scenario::open(store, &self.config, &id)
    }
}
