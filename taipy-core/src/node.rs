//! Typed handles to the data nodes of a scenario: read, write, and the edit history.

use std::marker::PhantomData;

use crate::config::Scope;
use crate::error::StoreError;
use crate::store::Store;
use crate::store::commit::version_key;
use crate::store::records::{NodeRecord, Version, Writer, decode};
use crate::value::DataValue;

/// A typed handle to one data node of a scenario. Writing a value of another type does not
/// compile.
pub struct DataNode<T> {
    store: Store,
    id: String,
    name: String,
    scenario: String,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for DataNode<T> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            id: self.id.clone(),
            name: self.name.clone(),
            scenario: self.scenario.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for DataNode<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataNode").field("id", &self.id).field("name", &self.name).finish()
    }
}

impl<T: DataValue> DataNode<T> {
    pub(crate) fn new(store: Store, id: String, name: String, scenario: String) -> Self {
        Self { store, id, name, scenario, _type: PhantomData }
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
        T::load(&version.stored, &self.store.cx())
    }

    /// Reads an earlier version by number (1 is the first).
    pub fn read_version(&self, number: u64) -> Result<T, StoreError> {
        let version = self.version(number)?;
        T::load(&version.stored, &self.store.cx())
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

    fn write_inner(&self, value: T, comment: Option<&str>) -> Result<(), StoreError> {
        let stored = value.store(&self.store.cx())?;
        if self.store.write_node(&self.id, &stored, Writer::User, comment)?.is_some() {
            // A user's edit is durable when `write` returns.
            self.store.flush()?;
        }
        Ok(())
    }

    /// The current version, if the node was ever written.
    pub fn last_edit(&self) -> Result<Option<Version>, StoreError> {
        Ok(self.store.node_state(&self.id)?.current)
    }

    /// Every version, oldest first.
    pub fn history(&self) -> Result<Vec<Version>, StoreError> {
        self.store.apply_all()?;
        let mut prefix = self.id.as_bytes().to_vec();
        prefix.push(0);
        let mut out = Vec::new();
        for item in self.store.trees().versions.scan(&prefix) {
            let (key, bytes) = item?;
            out.push(decode("version", &key, &bytes)?);
        }
        Ok(out)
    }

    fn version(&self, number: u64) -> Result<Version, StoreError> {
        self.store.apply_all()?;
        let key = version_key(&self.id, number);
        self.store
            .get(&self.store.trees().versions, "version", &key)?
            .ok_or_else(|| StoreError::NotFound { kind: "version", id: format!("{} #{number}", self.name) })
    }

    fn record(&self) -> Result<NodeRecord, StoreError> {
        Ok(self.store.node_state(&self.id)?.record)
    }

    fn never_written(&self) -> StoreError {
        StoreError::NeverWritten { node: self.name.clone(), scenario: self.scenario.clone() }
    }
}
