//! Typed handles to the data nodes of a scenario: read, write, and the edit history.

use std::marker::PhantomData;
use std::time::Duration;

use std::sync::Arc;

use crate::config::{ScenarioConfig, Scope};
use crate::error::StoreError;
use crate::events::{EntityType, Event};
use crate::store::Lineage;
use crate::store::{EditLock, NodeRecord, Store, Version, Writer, now_us};
use crate::value::{DataValue, ValueType, layout_mismatch};

/// A typed handle to one data node of a scenario. Writing a value of another type does not
/// compile.
pub struct DataNode<T> {
    pub(crate) store: Store,
    pub(crate) id: String,
    pub(crate) name: String,
    /// The scenario it was taken from: its name, id and config (for plans and validity).
    pub(crate) scenario: String,
    pub(crate) scenario_id: String,
    pub(crate) config: Arc<ScenarioConfig>,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for DataNode<T> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            id: self.id.clone(),
            name: self.name.clone(),
            scenario: self.scenario.clone(),
            scenario_id: self.scenario_id.clone(),
            config: self.config.clone(),
            _type: PhantomData,
        }
    }
}

/// Names a data node of a scenario, for [`Scenario::submit_for`](crate::Scenario::submit_for)
/// and [`Scenario::plan_for`](crate::Scenario::plan_for): a typed handle (`&s.report()`) or a
/// name (`&"report"`).
pub trait NodeName {
    /// The node's name in its scenario config.
    fn node_name(&self) -> &str;
}

impl<T> NodeName for DataNode<T> {
    fn node_name(&self) -> &str {
        &self.name
    }
}

impl NodeName for str {
    fn node_name(&self) -> &str {
        self
    }
}

impl NodeName for String {
    fn node_name(&self) -> &str {
        self
    }
}

impl<N: NodeName + ?Sized> NodeName for &N {
    fn node_name(&self) -> &str {
        (**self).node_name()
    }
}

impl<T> std::fmt::Debug for DataNode<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataNode").field("id", &self.id).field("name", &self.name).finish()
    }
}

/// Where a handle comes from: its scenario's name, id and config.
pub(crate) struct Owner {
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) config: Arc<ScenarioConfig>,
}

impl<T: DataValue> DataNode<T> {
    pub(crate) fn new(store: Store, id: String, name: String, owner: Owner) -> Self {
        let Owner { name: scenario, id: scenario_id, config } = owner;
        Self { store, id, name, scenario, scenario_id, config, _type: PhantomData }
    }

    /// The node instance's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The node's name in its scenario config.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The node's scope.
    pub fn scope(&self) -> Result<Scope, StoreError> {
        Ok(self.record()?.scope)
    }

    /// Reads the current value.
    pub fn read(&self) -> Result<T, StoreError> {
        let version = self.last_edit()?.ok_or_else(|| self.never_written())?;
        self.load(&version)
    }

    /// Reads an earlier version by number (1 is the first).
    pub fn read_version(&self, number: u64) -> Result<T, StoreError> {
        let version = self.version(number)?;
        self.load(&version)
    }

    /// Writes a new value, recorded as a user's edit and durable when this returns. Writing the
    /// value the node already holds records nothing.
    pub fn write(&self, value: T) -> Result<(), StoreError> {
        self.write_inner(value, None)
    }

    /// Writes a new value with a comment kept in the edit history.
    pub fn write_with_comment(&self, value: T, comment: &str) -> Result<(), StoreError> {
        self.write_inner(value, Some(comment))
    }

    /// Writes a new value as `editor`, who may hold the node's edit lock (see
    /// [`lock_edit`](Self::lock_edit)).
    pub fn write_by(&self, editor: &str, value: T, comment: Option<&str>) -> Result<(), StoreError> {
        self.write_as(Some(editor), value, comment)
    }

    fn write_inner(&self, value: T, comment: Option<&str>) -> Result<(), StoreError> {
        self.write_as(None, value, comment)
    }

    fn write_as(&self, editor: Option<&str>, value: T, comment: Option<&str>) -> Result<(), StoreError> {
        let written = {
            // From the artifact to its staged version, garbage collection waits.
            let _gate = self.store.write_gate();
            let stored = match self.config.node(&self.name) {
                Some(node) if node.storage().kind() != crate::StorageKind::Store => {
                    let erased: crate::value::AnyValue = Arc::new(value);
                    node.store_value(&erased, &self.store.cx()).map_err(|e| in_node(&self.name, e))?
                }
                _ => crate::value::store_value(&value, &self.store.cx())?,
            };
            self.store.write_node_by(&self.id, &stored, Writer::User, comment, editor)?
        };
        if let Some(number) = written {
            // A user's edit is durable when `write` returns.
            self.store.flush()?;
            self.store.emit(Event::update(EntityType::DataNode, &self.id, "version", number.to_string()));
        }
        Ok(())
    }

    /// Appends rows to the node's location, as Taipy's `DataNode.append`: for nodes stored in
    /// csv, parquet, json and excel files, `sql_table` (rows inserted in one transaction) and
    /// `sql` (its `append_query_builder`'s statements, in one transaction). `value` holds the
    /// new rows only (a frame or serde rows `Vec<R>`); they must have the location's columns.
    ///
    /// The result is a new version of the node, written by the user, with the content hash of
    /// the whole table after the append, so the tasks reading the node re-run. A file is
    /// rewritten atomically with its old and new rows (never appended to in place: readers see
    /// the old file or the new one). Rows of another shape are an error naming the node, the
    /// location and both column lists, and change nothing; so is a kind with no append.
    ///
    /// ```
    /// use taipy_core::prelude::*;
    /// use taipy_core::{Location, ScenarioConfig, Scenario};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq)]
    /// struct Sale { day: i64, amount: f64 }
    ///
    /// let dir = tempfile::tempdir()?;
    /// let config = ScenarioConfig::builder("sales")
    ///     .node(DataNodeConfig::stored_at::<Vec<Sale>, _>("sales", Location::csv(dir.path().join("sales.csv"))))
    ///     .build()?;
    /// let store = Store::temporary()?;
    /// let scenario = Scenario::create(&store, &config, "q3")?;
    /// let sales = scenario.data_node::<Vec<Sale>>("sales")?;
    /// sales.write(vec![Sale { day: 1, amount: 10.0 }])?;
    /// sales.append(vec![Sale { day: 2, amount: 5.5 }])?;
    /// assert_eq!(sales.read()?.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn append(&self, value: T) -> Result<(), StoreError> {
        self.append_as(value, None)
    }

    /// [`append`](Self::append), with a comment kept in the edit history.
    pub fn append_with_comment(&self, value: T, comment: &str) -> Result<(), StoreError> {
        self.append_as(value, Some(comment))
    }

    fn append_as(&self, value: T, comment: Option<&str>) -> Result<(), StoreError> {
        let written = {
            let _gate = self.store.write_gate();
            let node = self.config.node(&self.name);
            let kind = node.map_or(crate::StorageKind::Store, |n| n.storage().kind());
            let node = node.ok_or(StoreError::AppendUnsupported { kind: kind.name() });
            let erased: crate::value::AnyValue = Arc::new(value);
            let stored = node
                .and_then(|node| node.append_value(&erased, &self.store.cx()))
                .map_err(|e| in_node(&self.name, e))?;
            self.store.write_node_by(&self.id, &stored, Writer::User, comment, None)?
        };
        if let Some(number) = written {
            self.store.flush()?;
            self.store.emit(Event::update(EntityType::DataNode, &self.id, "version", number.to_string()));
        }
        Ok(())
    }

    /// Locks the node for editing by `owner` for `duration`: until it expires or `owner` unlocks
    /// it, users' writes by anyone else ([`write`](Self::write) included) are refused with
    /// [`StoreError::NodeLocked`]. Renews the lock if `owner` already holds it; refused if
    /// someone else does. A job that would write a new value into a locked node fails with
    /// that error too (one restoring the value the node already holds does not). Durable when
    /// this returns.
    pub fn lock_edit(&self, owner: &str, duration: Duration) -> Result<(), StoreError> {
        let now = now_us();
        self.store.update_node_record(&self.id, |record| {
            if let Some(held) = record.edit_lock.as_ref().filter(|l| l.blocks(Some(owner), now)) {
                return Err(StoreError::NodeLocked {
                    node: record.config_id.clone(),
                    owner: held.owner.clone(),
                    expires_us: held.expires_us,
                });
            }
            let expires_us = now.saturating_add(duration.as_micros().try_into().unwrap_or(u64::MAX));
            record.edit_lock = Some(EditLock { owner: owner.to_owned(), expires_us });
            Ok(())
        })?;
        self.store.flush()?;
        self.store.emit(Event::update(EntityType::DataNode, &self.id, "edit_lock", owner));
        Ok(())
    }

    /// Releases `owner`'s edit lock. Nothing happens if the node is not locked or the lock
    /// expired; refused if someone else holds it.
    pub fn unlock_edit(&self, owner: &str) -> Result<(), StoreError> {
        let now = now_us();
        self.store.update_node_record(&self.id, |record| {
            if let Some(held) = record.edit_lock.as_ref().filter(|l| l.blocks(Some(owner), now)) {
                return Err(StoreError::NodeLocked {
                    node: record.config_id.clone(),
                    owner: held.owner.clone(),
                    expires_us: held.expires_us,
                });
            }
            record.edit_lock = None;
            Ok(())
        })?;
        self.store.flush()?;
        self.store.emit(Event::update(EntityType::DataNode, &self.id, "edit_lock", ""));
        Ok(())
    }

    /// The edit lock in force, if any (an expired lock is not).
    pub fn edit_lock(&self) -> Result<Option<EditLock>, StoreError> {
        let now = now_us();
        Ok(self.record()?.edit_lock.filter(|l| l.blocks(None, now)))
    }

    /// The lineage of the current version: the job, task and code that wrote it and the
    /// lineage of its inputs, down to source values and files.
    pub fn lineage(&self) -> Result<Lineage, StoreError> {
        let version = self.last_edit()?.ok_or_else(|| self.never_written())?;
        self.store.lineage(&self.id, version.number)
    }

    /// The lineage of version `number`.
    pub fn lineage_of(&self, number: u64) -> Result<Lineage, StoreError> {
        self.store.lineage(&self.id, number)
    }

    /// The current version, if the node was ever written.
    pub fn last_edit(&self) -> Result<Option<Version>, StoreError> {
        Ok(self.store.node_state(&self.id)?.current)
    }

    /// Whether the current value is past the node's validity period (its config gives one and
    /// the value is at least that old): the tasks reading it will run again instead of reusing
    /// results. Says nothing about whether the value is what a submit would compute now: that
    /// is [`is_up_to_date`](Self::is_up_to_date). A node never written is not expired.
    pub fn is_expired(&self) -> Result<bool, StoreError> {
        let Some(node) = self.config.node(&self.name) else { return Ok(false) };
        let Some(version) = self.last_edit()? else { return Ok(false) };
        Ok(node.is_stale(version.written_us, now_us()))
    }

    /// Every version, oldest first.
    pub fn history(&self) -> Result<Vec<Version>, StoreError> {
        self.store.versions_of(&self.id)
    }

    /// One version of the node, by number.
    pub fn version(&self, number: u64) -> Result<Version, StoreError> {
        self.store
            .version(&self.id, number)?
            .ok_or_else(|| StoreError::NotFound { kind: "version", id: format!("{} #{number}", self.name) })
    }

    fn record(&self) -> Result<NodeRecord, StoreError> {
        Ok(self.store.node_state(&self.id)?.record)
    }

    /// Reads a version's value, unless it was written with another layout of `T`; a failure
    /// names the node and the version.
    fn load(&self, version: &Version) -> Result<T, StoreError> {
        check_layout(&self.store, &self.name, version, ValueType::of::<T>())?;
        let unreadable = |e| StoreError::UnreadableValue {
            node: self.name.clone(),
            number: version.number,
            source: Box::new(e),
        };
        match self.config.node(&self.name) {
            Some(node) if node.storage().kind() != crate::StorageKind::Store => {
                let value = node.load_value(&version.stored, &self.store.cx()).map_err(unreadable)?;
                let value = value.downcast::<T>().map_err(|_| StoreError::WrongType {
                    node: self.name.clone(),
                    actual: node.value_type().name(),
                    requested: std::any::type_name::<T>(),
                })?;
                // A value read from a file is this handle's alone; an in_memory value is shared
                // with the process's table, so it is copied.
                Arc::try_unwrap(value).or_else(|shared| {
                    crate::storage::owned::<T>(&(shared as crate::value::AnyValue), node.value_type())
                        .map_err(unreadable)
                })
            }
            _ => T::load(&version.stored, &self.store.cx()).map_err(unreadable),
        }
    }

    fn never_written(&self) -> StoreError {
        StoreError::NeverWritten { node: self.name.clone(), scenario: self.scenario.clone() }
    }
}

/// Reads a node's current value without knowing its type.
pub(crate) fn read_erased(
    store: &Store,
    node_id: &str,
    node: &crate::config::DataNodeConfig,
) -> Result<Option<(Version, crate::value::AnyValue)>, StoreError> {
    let Some(version) = store.node_state(node_id)?.current else { return Ok(None) };
    let name = store.node_state(node_id)?.record.config_id;
    check_layout(store, &name, &version, node.value_type())?;
    let value = node.load_value(&version.stored, &store.cx())?;
    Ok(Some((version, value)))
}

/// Refuses a version written with another layout of the node's type `ty`, naming the node,
/// both layouts, and the way out: re-running the producer for a value a task wrote, a new value
/// for one a user wrote.
pub(crate) fn check_layout(
    store: &Store,
    node: &str,
    version: &Version,
    ty: ValueType,
) -> Result<(), StoreError> {
    let current = ty.layout();
    let Some(found) = layout_mismatch(&version.stored, current) else { return Ok(()) };
    let stored = store.layout_text(&found)?.unwrap_or_else(|| format!("layout {found}"));
    Err(StoreError::LayoutChanged {
        node: node.to_owned(),
        type_name: ty.name(),
        stored,
        current: current.map_or_else(String::new, |l| l.text().to_owned()),
        produced: matches!(version.writer, Writer::Job { .. } | Writer::Reused { .. }),
    })
}

/// A storage error of node `node`, naming it.
fn in_node(node: &str, error: StoreError) -> StoreError {
    StoreError::InNode { node: node.to_owned(), source: Box::new(error) }
}
