//! A scenario's metadata — tags, properties, creation date — and listing the stored scenarios
//! by config or tag.
//!
//! Metadata lives in the scenario's record. A change reads the stored record, changes it and
//! stages it as one commit group; one process-wide mutex serializes these read-modify-writes so
//! two threads tagging the same scenario do not lose an update. Changes are durable when the
//! method returns.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Scenario;
use crate::config::ScenarioConfig;
use crate::error::StoreError;
use crate::events::{EntityType, Event};
use crate::store::commit::Group;
use crate::store::records::{ScenarioRecord, decode};
use crate::store::{ScenarioInfo, Store};

/// Serializes read-modify-writes of scenario and cycle records.
static RECORDS: Mutex<()> = Mutex::new(());

/// Holds the lock that serializes read-modify-writes of scenario and cycle records.
pub(crate) fn lock_records() -> MutexGuard<'static, ()> {
    RECORDS.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    /// A stored scenario's record.
    pub(crate) fn scenario_record(&self, id: &str) -> Result<ScenarioRecord, StoreError> {
        self.apply_all()?;
        self.get(&self.trees().scenarios, "scenario", id.as_bytes())?
            .ok_or_else(|| StoreError::NotFound { kind: "scenario", id: id.to_owned() })
    }

    /// Every stored scenario record, oldest first.
    pub(crate) fn scenario_records(&self) -> Result<Vec<ScenarioRecord>, StoreError> {
        self.apply_all()?;
        let mut out = Vec::new();
        for item in self.trees().scenarios.scan(b"") {
            let (key, bytes) = item?;
            out.push(decode::<ScenarioRecord>("scenario", &key, &bytes)?);
        }
        out.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        Ok(out)
    }

    /// Changes a stored scenario's record with `change` and makes it durable.
    pub(crate) fn update_scenario<R>(
        &self,
        id: &str,
        attribute: &str,
        change: impl FnOnce(&mut ScenarioRecord) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let _serial = lock_records();
        let mut record = self.scenario_record(id)?;
        let result = change(&mut record)?;
        let mut group = Group::default();
        group.put(&self.trees().scenarios, "scenario", id.as_bytes(), &record)?;
        self.stage(group);
        self.flush()?;
        let value = match attribute {
            "tags" => record.tags.join(", "),
            _ => format!("{:?}", record.properties),
        };
        self.emit(Event::update(EntityType::Scenario, id, attribute, value));
        Ok(result)
    }

    /// The stored scenarios of the config `config_id`, oldest first.
    pub fn scenarios_of_config(&self, config_id: &str) -> Result<Vec<ScenarioInfo>, StoreError> {
        Ok(self.scenarios()?.into_iter().filter(|s| s.config_id == config_id).collect())
    }

    /// The stored scenarios tagged `tag`, oldest first.
    pub fn scenarios_with_tag(&self, tag: &str) -> Result<Vec<ScenarioInfo>, StoreError> {
        let records = self.scenario_records()?;
        let ids: Vec<String> =
            records.into_iter().filter(|r| r.tags.iter().any(|t| t == tag)).map(|r| r.id).collect();
        Ok(self.scenarios()?.into_iter().filter(|s| ids.contains(&s.id)).collect())
    }
}

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
