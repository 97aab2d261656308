//! Data nodes whose record is written at their first write (format 6).
//!
//! A scenario of 50,000 tasks has 50,000 data nodes, most of which no one writes until a
//! submission computes them. Writing a record per node when the scenario is created made the
//! create cost what writing 50,000 records costs; a node that was never written holds nothing
//! a record would keep (no version, no edit lock), so it needs none.
//!
//! - A scenario's own (scenario-scoped) data nodes are named after it: the node `rows` of
//!   scenario `SCENARIO_small_2a` is `DATANODE_rows_2a` ([`scenario_node_id`]). The number ends
//!   a scenario id and is unique in the store (`Catalog::generate_id`), so no other node
//!   has that id.
//! - Creating a scenario writes the record of a node only when it gives the node a first value
//!   (a default, an adopted file): with its first version, in the scenario's commit group.
//! - A scenario record has an owner entry (`ix-owner/`, written and removed with it like its
//!   other index entries): the number its id ends with, its config id and config version.
//! - When the node table (`commit.rs`) needs the state of a node whose record is absent,
//!   [`Store::unwritten_node`] finds its scenario through the owner entry of the number its
//!   id ends with and gives the record the node would have: owned by that scenario, scope
//!   Scenario, the type its config version records, and its newest version if it has one.
//!   No owner entry: the node does not exist (its scenario was deleted, or it never had such
//!   a node).
//! - Since format 7 a version is written without its node's record (`commit.rs`): the first
//!   write of such a node writes its version alone, and the node has no record until
//!   something other than its value changes (an edit lock, a new type).
//!
//! Shared (cycle and global) nodes and the nodes of stores older than format 6 keep their
//! records from the start, as before.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use std::sync::{Arc, Mutex};

use super::keys::{self, IndexEntry, Space};
use super::records::{ConfigVersionRecord, NodeRecord, ScenarioRecord};
use super::{Store, commit};
use crate::config::Scope;
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;

/// The id of the node `node` of scenario `scenario_id` when the node is the scenario's own:
/// `DATANODE_<node>_<n>`, where `<n>` ends the scenario's id.
pub(crate) fn scenario_node_id(scenario_id: &str, node: &str) -> String {
    format!("DATANODE_{node}_{}", number(scenario_id))
}

/// The number an id (`SCENARIO_<config>_<n>`, `DATANODE_<node>_<n>`) ends with; the whole id
/// if it has no `_`.
fn number(id: &str) -> &str {
    id.rsplit_once('_').map_or(id, |(_, n)| n)
}

/// The node name and scenario number of a node id of [`scenario_node_id`]'s form.
fn parse_node_id(node_id: &str) -> Option<(&str, &str)> {
    node_id.strip_prefix("DATANODE_")?.rsplit_once('_').filter(|(name, n)| !name.is_empty() && !n.is_empty())
}

/// The scenario's owner entry: `n, 0, config id, 0, config version (hex), 0, scenario id`.
/// Only a scenario bound to a config version has one (every scenario created or opened since
/// config versions; the others have no unwritten nodes).
pub(crate) fn owner_entry(record: &ScenarioRecord) -> Option<IndexEntry> {
    let version = record.config_version?;
    let mut key = Vec::new();
    for part in [number(&record.id), &record.config_id, &version.to_hex()] {
        key.extend_from_slice(part.as_bytes());
        key.push(0);
    }
    key.extend_from_slice(record.id.as_bytes());
    Some(IndexEntry { space: Space::OwnerIndex, key, present: true })
}

/// The scenario id, config id and config version of an owner entry's key.
fn parse_owner(key: &[u8]) -> Option<(String, String, Fingerprint)> {
    let text = std::str::from_utf8(key).ok()?;
    let mut parts = text.split('\0').skip(1);
    let (config, version, scenario) = (parts.next()?, parts.next()?, parts.next()?);
    Some((scenario.to_owned(), config.to_owned(), Fingerprint::from_hex(version)?))
}

/// Type names by node id, as a config version records them.
type TypeNames = Arc<BTreeMap<String, String>>;

/// The [`TypeNames`] of each config version (config id, fingerprint) a handle met: read once per
/// version (a config's TOML text can be megabytes).
#[derive(Default)]
pub(crate) struct NodeTypes(Mutex<HashMap<(String, Fingerprint), TypeNames>>);

impl Store {
    /// The record of the unwritten node `node_id` (see the module documentation), or `None` if
    /// no scenario owns a node of that id. Called with the node table locked (lock 3); takes the
    /// type cache's lock, a leaf.
    pub(crate) fn unwritten_node(&self, node_id: &str) -> Result<Option<NodeRecord>, StoreError> {
        self.unwritten_node_in(node_id, &mut commit::Owners::new())
    }

    /// [`unwritten_node`](Self::unwritten_node), looking each scenario's owner entry up once
    /// in `owners` (the nodes of one scenario, read together).
    pub(crate) fn unwritten_node_in(
        &self,
        node_id: &str,
        owners: &mut commit::Owners,
    ) -> Result<Option<NodeRecord>, StoreError> {
        let Some((name, n)) = parse_node_id(node_id) else { return Ok(None) };
        let owner = match owners.get(n) {
            Some(owner) => owner.clone(),
            None => {
                let entries = self.inner.catalog.scan(Space::OwnerIndex, &keys::joined(n, b""))?;
                self.count_index_entries(entries.len());
                let owner = entries.iter().find_map(|(key, _)| parse_owner(key));
                owners.insert(n.to_owned(), owner.clone());
                owner
            }
        };
        let Some((scenario, config, version)) = owner else { return Ok(None) };
        let type_name = self.node_types(&config, &version)?.get(name).cloned().unwrap_or_default();
        Ok(Some(NodeRecord {
            id: node_id.to_owned(),
            config_id: name.to_owned(),
            scope: Scope::Scenario,
            owner: Some(scenario),
            type_name,
            current: None,
            next_version: 0,
            edit_lock: None,
        }))
    }

    /// The node type names of version `version` of config `config` (none if it is not stored).
    fn node_types(&self, config: &str, version: &Fingerprint) -> Result<TypeNames, StoreError> {
        let cache = &self.inner.node_types.0;
        let wanted = (config.to_owned(), *version);
        if let Some(types) = commit::lock(cache).get(&wanted) {
            return Ok(Arc::clone(types));
        }
        let record: Option<ConfigVersionRecord> = self.read(&keys::config_version(config, version))?;
        let types: BTreeMap<String, String> = match record {
            Some(r) => r.shape()?.nodes.into_iter().map(|(name, shape)| (name, shape.type_name)).collect(),
            None => BTreeMap::new(),
        };
        let types = Arc::new(types);
        commit::lock(cache).insert(wanted, Arc::clone(&types));
        Ok(types)
    }
}

#[cfg(test)]
impl Store {
    /// How many data node records the catalog holds, staged ones included (tests).
    pub(crate) fn node_records(&self) -> usize {
        self.apply_all().unwrap();
        self.inner.catalog.scan(Space::Nodes, b"").unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_node_id_parses_back_to_its_node_and_number() {
        let id = scenario_node_id("SCENARIO_small_config_2a", "rows_by_day");
        assert_eq!(id, "DATANODE_rows_by_day_2a");
        assert_eq!(parse_node_id(&id), Some(("rows_by_day", "2a")));
        assert_eq!(parse_node_id("DATANODE_GLOBAL"), None);
        assert_eq!(parse_node_id("JOB_x_2a"), None);
    }

    #[test]
    fn an_owner_entry_parses_back() {
        let record = ScenarioRecord {
            id: "SCENARIO_c_2a".into(),
            config_id: "c".into(),
            name: "q3".into(),
            created_us: 1,
            nodes: BTreeMap::new(),
            tags: Vec::new(),
            properties: BTreeMap::new(),
            config_version: Some(Fingerprint([7; 32])),
        };
        let entry = owner_entry(&record).unwrap();
        assert!(entry.key.starts_with(b"2a\0"));
        assert_eq!(parse_owner(&entry.key), Some(("SCENARIO_c_2a".into(), "c".into(), Fingerprint([7; 32]))));
        assert!(owner_entry(&ScenarioRecord { config_version: None, ..record }).is_none());
    }
}
