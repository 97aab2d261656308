//! Scenarios: persisted instances of a scenario config, each with its own data nodes (or shared
//! ones, by scope).

mod lifecycle;
mod meta;
mod sequences;
mod untyped;
mod versions;

#[cfg(test)]
mod cost;
#[cfg(test)]
mod last_runs;
#[cfg(test)]
mod unwritten;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::{ScenarioConfig, Scope};
use crate::error::StoreError;
use crate::events::{EntityType, Event, Operation};
use crate::node::{DataNode, Owner};
use crate::store::{Group, NodeRecord, ScenarioRecord, Store, Writer, now_us};
use crate::value::{DataValue, ValueType};

/// A persisted, submittable instance of a [`ScenarioConfig`].
#[derive(Clone)]
pub struct Scenario {
    store: Store,
    config: Arc<ScenarioConfig>,
    record: ScenarioRecord,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario").field("id", &self.record.id).field("name", &self.record.name).finish()
    }
}

impl Scenario {
    /// Creates and persists a new scenario named `name` (durable when this returns); every node
    /// with a default value gets it as its first version.
    ///
    /// Names need not be unique: creating `"q3"` twice gives two scenarios named `"q3"`. A
    /// program that should reuse its scenario across runs calls
    /// [`find_or_create`](Self::find_or_create) instead.
    pub fn create(store: &Store, config: &Arc<ScenarioConfig>, name: &str) -> Result<Self, StoreError> {
        Self::create_dated(store, config, name, now_us())
    }

    /// Creates a scenario dated `created_us`; joins (or starts) its cycle, if its config has a
    /// frequency.
    pub(crate) fn create_dated(
        store: &Store,
        config: &Arc<ScenarioConfig>,
        name: &str,
        created_us: u64,
    ) -> Result<Self, StoreError> {
        let id = store.new_id("SCENARIO", config.id())?;
        let mut record = ScenarioRecord {
            id,
            config_id: config.id().to_owned(),
            name: name.to_owned(),
            created_us,
            nodes: BTreeMap::new(),
            tags: Vec::new(),
            properties: BTreeMap::new(),
            config_version: None,
        };
        save_with_nodes(store, config, &mut record, Saving::New)?;
        store.emit(Event::new(EntityType::Scenario, &record.id, Operation::Creation));
        store.join_cycle(config, &record)?;
        Ok(Self { store: store.clone(), config: config.clone(), record })
    }

    /// Opens a stored scenario by id. Nodes the config gained since the scenario was created
    /// are added with their defaults.
    ///
    /// If `config` is another version than the one the scenario is bound to (see
    /// [`config_version`](Self::config_version)), the store's
    /// [`VersionMode`](crate::VersionMode) decides: development re-binds it and re-creates what
    /// no longer fits; experiment refuses ([`StoreError::ConfigVersionMismatch`]); production
    /// re-binds it only if a migration converts every retyped value
    /// ([`StoreError::IncompatibleConfig`] otherwise, [`StoreError::MigrationFailed`] when a
    /// migration fails: then nothing was changed).
    pub fn open(store: &Store, config: &Arc<ScenarioConfig>, id: &str) -> Result<Self, StoreError> {
        let mut record: ScenarioRecord = store.scenario_record(id)?;
        if record.config_id != config.id() {
            return Err(StoreError::ConfigMismatch {
                scenario: id.to_owned(),
                stored: record.config_id,
                given: config.id().to_owned(),
            });
        }
        let rebound = versions::reconcile(store, config, &mut record)?;
        save_with_nodes(store, config, &mut record, Saving::Opened { changed: rebound.changed })?;
        versions::delete_replaced(store, rebound.replaced)?;
        Ok(Self { store: store.clone(), config: config.clone(), record })
    }

    /// The most recently created scenario of this config named `name`, if any. In experiment
    /// mode, only scenarios of this config version (or created before config versions) count.
    pub fn find(store: &Store, config: &Arc<ScenarioConfig>, name: &str) -> Result<Option<Self>, StoreError> {
        let version = versions::experiment_version(store, config);
        let found = store
            .scenario_records_named(config.id(), name)?
            .into_iter()
            .rfind(|s| version.is_none() || s.config_version.is_none() || s.config_version == version);
        found.map(|info| Self::open(store, config, &info.id)).transpose()
    }

    /// The most recently created scenario of this config named `name`, or else a new one
    /// created as [`create`](Self::create) does: what a program that runs again and again
    /// wants, where `create` would add a scenario per run. Atomic against other
    /// `find_or_create` calls of this process (the only process a store is open in).
    ///
    /// ```
    /// # use taipy_core::prelude::*;
    /// # let config = ScenarioConfig::builder("c").node(DataNodeConfig::with_default("x", 1i64)).build()?;
    /// let store = Store::temporary()?;
    /// let first = Scenario::find_or_create(&store, &config, "q3")?;
    /// let again = Scenario::find_or_create(&store, &config, "q3")?;
    /// assert_eq!(first.id(), again.id());
    /// // `create` always makes a new one.
    /// let other = Scenario::create(&store, &config, "q3")?;
    /// assert_ne!(other.id(), first.id());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn find_or_create(
        store: &Store,
        config: &Arc<ScenarioConfig>,
        name: &str,
    ) -> Result<Self, StoreError> {
        static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one_at_a_time = CREATING.lock().unwrap_or_else(|p| p.into_inner());
        match Self::find(store, config, name)? {
            Some(found) => Ok(found),
            None => Self::create(store, config, name),
        }
    }

    /// The scenario's id.
    pub fn id(&self) -> &str {
        &self.record.id
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.record.name
    }

    /// Its config.
    pub fn config(&self) -> &Arc<ScenarioConfig> {
        &self.config
    }

    /// The store it lives in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Creation time (µs since the Unix epoch).
    pub fn created_us(&self) -> u64 {
        self.record.created_us
    }

    /// The fingerprint of the config version the scenario is bound to: the one it was created
    /// with, or the one it was last re-bound to (see [`open`](Self::open) and
    /// [`Store::config_versions`]).
    pub fn config_version(&self) -> Option<crate::Fingerprint> {
        self.record.config_version
    }

    /// A typed handle to the data node `name`; an error if the node does not exist or holds
    /// another type.
    pub fn data_node<T: DataValue>(&self, name: &str) -> Result<DataNode<T>, StoreError> {
        let config = self.config.node(name).ok_or_else(|| StoreError::UnknownNode {
            config: self.config.id().to_owned(),
            node: name.to_owned(),
            declared: self.config.node_names(),
        })?;
        let requested = ValueType::of::<T>();
        if config.value_type() != requested {
            return Err(StoreError::WrongType {
                node: name.to_owned(),
                actual: config.value_type().name(),
                requested: requested.name(),
            });
        }
        let owner =
            Owner { name: self.record.name.clone(), id: self.record.id.clone(), config: self.config.clone() };
        Ok(DataNode::new(self.store.clone(), self.node_id(name).to_owned(), name.to_owned(), owner))
    }

    /// Whether the node `name`'s current value is past its validity period: its config has
    /// one and the value is at least that old, so the tasks reading it will run again. (A node
    /// never written is not expired.) Whether the value is what a submit would compute now is
    /// [`is_up_to_date`](Self::is_up_to_date).
    pub fn is_expired(&self, name: &str) -> Result<bool, StoreError> {
        let Some(node) = self.config.node(name) else { return Ok(false) };
        let Some(version) = self.store.node_state(self.node_id(name))?.current else { return Ok(false) };
        Ok(node.is_stale(version.written_us, now_us()))
    }

    /// The old name of [`is_expired`](Self::is_expired): "stale" only ever meant "past its
    /// validity period", not "out of date" ([`is_up_to_date`](Self::is_up_to_date)).
    #[deprecated(
        note = "renamed `is_expired` (past the validity period); for \"would a submit change it\", use `is_up_to_date`"
    )]
    pub fn is_stale(&self, name: &str) -> Result<bool, StoreError> {
        self.is_expired(name)
    }

    pub(crate) fn node_id(&self, name: &str) -> &str {
        &self.record.nodes[name]
    }
}

/// What [`save_with_nodes`] saves: a scenario just created, or one opened (`changed`: its
/// record changed, as re-binding it to another config version does).
enum Saving {
    New,
    Opened { changed: bool },
}

/// Creates the node instances `record` lacks (all of them for a new scenario) with their
/// defaults, then the scenario record (if `changed` or a node was added) bound to `config`'s
/// version, as one commit group; durable when this returns.
///
/// The scenario's own nodes are named after it (`store::scenario_node_id`), and only those it
/// gives a first value (a default, an adopted file) get a record now: the others get theirs at
/// their first write (see `store/nodes.rs`), so creating a scenario of 50,000 tasks does not
/// write 50,000 records.
fn save_with_nodes(
    store: &Store,
    config: &ScenarioConfig,
    record: &mut ScenarioRecord,
    saving: Saving,
) -> Result<(), StoreError> {
    let (new, changed) = match saving {
        Saving::New => (true, true),
        Saving::Opened { changed } => (false, changed),
    };
    // Defaults are written as artifacts before their versions are staged: hold the gate (not
    // while events are delivered: callbacks run with no lock held).
    let gate = store.write_gate();
    let mut group = Group::default();
    let mut added = false;
    let mut created = Vec::new();
    let mut unwritten = Vec::new();
    let cycle = crate::store::cycle_of(config.id(), config.frequency(), record.created_us);
    for node in config.nodes() {
        if record.nodes.contains_key(node.id()) {
            continue;
        }
        let (node_id, owner) = match node.node_scope() {
            Scope::Scenario => {
                (crate::store::scenario_node_id(&record.id, node.id()), Some(record.id.clone()))
            }
            // Shared by the scenarios of the cycle; without a frequency, by all (as Global).
            Scope::Cycle if cycle.is_some() => {
                let cycle = cycle.as_ref().expect("checked");
                (format!("DATANODE_CYCLE_{cycle}_{}", node.id()), Some(cycle.clone()))
            }
            Scope::Cycle | Scope::Global => (format!("DATANODE_GLOBAL_{}_{}", config.id(), node.id()), None),
        };
        let shared = node.node_scope() != Scope::Scenario;
        if shared && store.node_exists(&node_id)? {
            record.nodes.insert(node.id().to_owned(), node_id);
            added = true;
            continue;
        }
        let default = match node.default_value() {
            Some(v) => Some(node.store_value(v, &store.cx())?),
            // A source node stored in a file starts as the file, when it exists.
            None => node.storage().adopt(node.value_type(), &store.cx())?,
        };
        let node_record = NodeRecord {
            id: node_id.clone(),
            config_id: node.id().to_owned(),
            scope: node.node_scope(),
            owner,
            type_name: node.value_type().name().to_owned(),
            current: None,
            next_version: 0,
            edit_lock: None,
        };
        // A scenario's own node without a first value gets its record at its first write; in a
        // new scenario it has nothing yet, which the node table is told as the scenario is staged.
        if shared || default.is_some() {
            store.stage_new_node(&mut group, node_record, default.as_ref().map(|s| (s, Writer::Default)))?;
        } else if new {
            unwritten.push(node_record);
        }
        created.push(node_id.clone());
        record.nodes.insert(node.id().to_owned(), node_id);
        added = true;
    }
    if added || changed || !store.scenario_exists(&record.id)? {
        let recorded = crate::config::recorded(config);
        record.config_version = Some(recorded.fingerprint);
        group.save(record)?;
        let name = versions::version_name(store);
        let toml = || recorded.toml(config).map(str::to_owned);
        crate::store::stage_bound_version(store, &mut group, record, &recorded.shape, toml, name)?;
        store.stage_with_unwritten(group, unwritten);
        store.flush()?;
    }
    drop(gate);
    for node_id in created {
        store.emit(Event::new(EntityType::DataNode, node_id, Operation::Creation));
    }
    Ok(())
}
