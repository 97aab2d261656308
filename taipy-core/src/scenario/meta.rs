//! A scenario's metadata — tags, properties, creation date — and listing the stored scenarios
//! by config or tag.
//!
//! Metadata lives in the scenario's record. A change reads the stored record, changes it and
//! stages it as one commit group; the store serializes these read-modify-writes so two threads
//! tagging the same scenario do not lose an update. Changes are durable when the
//! method returns.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Scenario;
use crate::config::ScenarioConfig;
use crate::error::StoreError;
use crate::store::Store;

impl Scenario {
    /// Every stored scenario of `config`, oldest first.
    pub fn all(store: &Store, config: &Arc<ScenarioConfig>) -> Result<Vec<Scenario>, StoreError> {
        let infos = store.scenarios_of_config(config.id())?;
        infos.iter().map(|info| Scenario::open(store, config, &info.id)).collect()
    }

    /// The stored scenarios of `config` tagged `tag`, oldest first.
    pub fn with_tag(
        store: &Store,
        config: &Arc<ScenarioConfig>,
        tag: &str,
    ) -> Result<Vec<Scenario>, StoreError> {
        let infos = store.scenarios_with_tag(tag)?;
        infos
            .iter()
            .filter(|info| info.config_id == config.id())
            .map(|info| Scenario::open(store, config, &info.id))
            .collect()
    }

    /// When the scenario was created.
    pub fn creation_date(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(self.record.created_us)
    }

    /// Its tags, sorted.
    pub fn tags(&self) -> Result<Vec<String>, StoreError> {
        let mut tags = self.store.scenario_record(self.id())?.tags;
        tags.sort();
        Ok(tags)
    }

    /// Whether it is tagged `tag`.
    pub fn has_tag(&self, tag: &str) -> Result<bool, StoreError> {
        Ok(self.tags()?.iter().any(|t| t == tag))
    }

    /// Tags the scenario (no change if it already has the tag).
    pub fn add_tag(&self, tag: &str) -> Result<(), StoreError> {
        self.store.update_scenario(self.id(), "tags", |record| {
            if !record.tags.iter().any(|t| t == tag) {
                record.tags.push(tag.to_owned());
            }
            Ok(())
        })
    }

    /// Removes a tag; returns whether the scenario had it.
    pub fn remove_tag(&self, tag: &str) -> Result<bool, StoreError> {
        self.store.update_scenario(self.id(), "tags", |record| {
            let before = record.tags.len();
            record.tags.retain(|t| t != tag);
            Ok(record.tags.len() != before)
        })
    }

    /// Its properties: a map of strings.
    pub fn properties(&self) -> Result<BTreeMap<String, String>, StoreError> {
        Ok(self.store.scenario_record(self.id())?.properties)
    }

    /// One property.
    pub fn property(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.properties()?.remove(key))
    }

    /// Sets a property; returns its previous value.
    pub fn set_property(&self, key: &str, value: &str) -> Result<Option<String>, StoreError> {
        self.store.update_scenario(self.id(), "properties", |record| {
            Ok(record.properties.insert(key.to_owned(), value.to_owned()))
        })
    }

    /// Removes a property; returns its value.
    pub fn remove_property(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.store.update_scenario(self.id(), "properties", |record| Ok(record.properties.remove(key)))
    }
}
