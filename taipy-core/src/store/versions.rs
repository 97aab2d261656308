//! Config versions: each distinct version of a scenario config (by fingerprint) is stored once,
//! with its shape and TOML form; scenario records name the version they are bound to. What a
//! command line's `versions list|compare|delete` calls.
//!
//! A config's *current* version is the one its last created (or re-bound) scenario was bound
//! to: the [`StoredConfig`] of its id.

use super::catalog::Group;
use super::keys::{self, Prefix};
use super::records::{ConfigVersionRecord, ScenarioRecord, StoredConfig, now_us};
use super::{ScenarioInfo, Store};
use crate::config::{ConfigDiff, ConfigShape};
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;

/// One stored version of a scenario config, with how many scenarios are bound to it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigVersion {
    /// The config's id.
    pub config_id: String,
    /// The version's fingerprint.
    pub fingerprint: Fingerprint,
    /// The name given to it (experiment mode), if any.
    pub name: Option<String>,
    /// Its structure.
    pub shape: ConfigShape,
    /// Its Taipy Studio TOML form, where every default can be written as TOML.
    pub toml: Option<String>,
    /// When it was first recorded (µs since the Unix epoch).
    pub recorded_us: u64,
    /// How many stored scenarios are bound to it.
    pub scenarios: usize,
    /// Whether it is its config's current version.
    pub current: bool,
}

impl ConfigVersion {
    /// How messages and listings name it: its name, or else its short fingerprint.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.fingerprint.short())
    }
}

impl Store {
    /// Every stored config version, oldest first.
    pub fn config_versions(&self) -> Result<Vec<ConfigVersion>, StoreError> {
        self.apply_all()?;
        let records = self.list::<ConfigVersionRecord>(&Prefix::all())?;
        let scenarios = self.scenario_records()?;
        let current: Vec<StoredConfig> = self.list(&Prefix::all())?.into_iter().map(|(_, c)| c).collect();
        let mut out = Vec::with_capacity(records.len());
        for (_, r) in records {
            out.push(ConfigVersion {
                scenarios: scenarios
                    .iter()
                    .filter(|s| s.config_id == r.config_id && s.config_version == Some(r.fingerprint))
                    .count(),
                current: current.iter().any(|c| c.id == r.config_id && c.fingerprint == r.fingerprint),
                shape: r.shape()?,
                toml: r.toml()?,
                config_id: r.config_id,
                fingerprint: r.fingerprint,
                name: r.name,
                recorded_us: r.recorded_us,
            });
        }
        out.sort_by(|a, b| (a.recorded_us, &a.config_id).cmp(&(b.recorded_us, &b.config_id)));
        Ok(out)
    }

    /// The config version `label` names: its name, or a prefix of its fingerprint's hex form
    /// (at least 4 digits). An error if none or several match.
    pub fn config_version(&self, label: &str) -> Result<ConfigVersion, StoreError> {
        let matches: Vec<ConfigVersion> = self
            .config_versions()?
            .into_iter()
            .filter(|v| {
                v.name.as_deref() == Some(label)
                    || (label.len() >= 4 && v.fingerprint.to_hex().starts_with(&label.to_ascii_lowercase()))
            })
            .collect();
        match <[ConfigVersion; 1]>::try_from(matches) {
            Ok([version]) => Ok(version),
            Err(matches) if matches.is_empty() => {
                Err(StoreError::NotFound { kind: "config version", id: label.to_owned() })
            }
            Err(matches) => Err(StoreError::AmbiguousVersion {
                label: label.to_owned(),
                matches: matches.iter().map(|v| format!("{} of `{}`", v.fingerprint, v.config_id)).collect(),
            }),
        }
    }

    /// The stored scenarios bound to config version `label`, oldest first.
    pub fn scenarios_of_config_version(&self, label: &str) -> Result<Vec<ScenarioInfo>, StoreError> {
        let version = self.config_version(label)?;
        Ok(self
            .scenarios()?
            .into_iter()
            .filter(|s| s.config_id == version.config_id && s.config_version == Some(version.fingerprint))
            .collect())
    }

    /// Every difference from config version `old` to `new` (each named as
    /// [`config_version`](Self::config_version) takes it).
    pub fn compare_config_versions(&self, old: &str, new: &str) -> Result<ConfigDiff, StoreError> {
        Ok(ConfigDiff::between(&self.config_version(old)?.shape, &self.config_version(new)?.shape))
    }

    /// Names config version `label` (a name another version of the same config has is refused).
    pub fn name_config_version(&self, label: &str, name: &str) -> Result<(), StoreError> {
        let version = self.config_version(label)?;
        if let Ok(other) = self.config_version(name)
            && other.fingerprint != version.fingerprint
        {
            return Err(StoreError::AmbiguousVersion {
                label: name.to_owned(),
                matches: vec![format!("{} of `{}`", other.fingerprint, other.config_id)],
            });
        }
        let key = keys::config_version(&version.config_id, &version.fingerprint);
        let _serial = self.serial();
        let Some(mut record) = self.read(&key)? else { return Ok(()) };
        record.name = Some(name.to_owned());
        let mut group = Group::default();
        group.put(&key, &record)?;
        self.stage(group);
        self.flush()
    }

    /// Deletes config version `label` and every scenario bound to it (as
    /// [`delete_scenario`](Self::delete_scenario) does, one by one); returns their ids. The
    /// current version of its config is refused unless `force`.
    pub fn delete_config_version(&self, label: &str, force: bool) -> Result<Vec<String>, StoreError> {
        let version = self.config_version(label)?;
        if version.current && !force {
            return Err(StoreError::CannotDelete {
                kind: "config version",
                id: label.to_owned(),
                reason: format!(
                    "it is the current version of config `{}`; force the deletion to delete it anyway",
                    version.config_id
                ),
            });
        }
        let mut deleted = Vec::new();
        for scenario in self.scenarios_of_config_version(label)? {
            self.delete_scenario(&scenario.id)?;
            deleted.push(scenario.id);
        }
        super::commit::lock(&self.inner.current_configs).remove(&version.config_id);
        let mut group = Group::default();
        group.remove(&keys::config_version(&version.config_id, &version.fingerprint));
        if version.current {
            group.remove(&keys::config(&version.config_id));
        }
        self.stage(group);
        self.flush()?;
        Ok(deleted)
    }

    /// Each config's current version, with its TOML text (since format 7 kept only in the
    /// version's record).
    pub(crate) fn current_configs(&self) -> Result<Vec<StoredConfig>, StoreError> {
        let mut configs: Vec<StoredConfig> = self.list(&Prefix::all())?.into_iter().map(|(_, c)| c).collect();
        for config in configs.iter_mut().filter(|c| c.toml.is_none()) {
            if let Some(version) = self.read(&keys::config_version(&config.id, &config.fingerprint))? {
                config.toml = version.toml()?;
            }
        }
        Ok(configs)
    }

    /// The stored record of a config version (its shape and name), if recorded.
    pub(crate) fn config_shape(
        &self,
        config_id: &str,
        fingerprint: &Fingerprint,
    ) -> Result<Option<ConfigVersionRecord>, StoreError> {
        self.apply_all()?;
        self.read(&keys::config_version(config_id, fingerprint))
    }
}

/// Stages into `group` the version `record` is bound to, as its config's current version (and
/// the version record, unless stored). `name` names a version recorded now.
///
/// Once this handle has staged (or found) version `v` as its config's current one, binding
/// another scenario to `v` stages nothing: a config's TOML text can be megabytes, and creating
/// scenarios of one config must not rewrite it each time. (The handle is the store's only
/// writer; deleting a config version forgets what it knew of that config.)
pub(crate) fn stage_bound_version(
    store: &Store,
    group: &mut Group,
    record: &ScenarioRecord,
    shape: &ConfigShape,
    toml: impl FnOnce() -> Option<String>,
    name: Option<&str>,
) -> Result<(), StoreError> {
    let Some(fingerprint) = record.config_version else { return Ok(()) };
    let mut current = super::commit::lock(&store.inner.current_configs);
    if current.get(&record.config_id) == Some(&fingerprint) {
        return Ok(());
    }
    let key = keys::config_version(&record.config_id, &fingerprint);
    if !store.exists(&key)? {
        let version = ConfigVersionRecord::new(
            &record.config_id,
            fingerprint,
            shape,
            toml().as_deref(),
            name.map(str::to_owned),
        )?;
        group.put(&key, &version)?;
    }
    // The text is kept once, with the version: `Store::configs` reads it from there.
    let stored =
        StoredConfig { id: record.config_id.clone(), fingerprint, toml: None, recorded_us: now_us() };
    group.put(&keys::config(&record.config_id), &stored)?;
    current.insert(record.config_id.clone(), fingerprint);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;
    use crate::config::{NodeShape, Scope, StoreOptions, TaskShape};
    use crate::store::records::{decode, encode};

    /// The shape and a Taipy-like TOML text of a chain of `n` tasks of one function.
    fn chain(n: usize) -> (ConfigShape, String) {
        let code = Fingerprint::of_bytes("test.code", b"chain_step");
        let layout = Fingerprint::of_bytes("test.layout", b"i64");
        let node = || NodeShape {
            type_name: "i64".into(),
            layout: Some(layout),
            scope: Scope::Scenario,
            validity: None,
            default: None,
        };
        let mut text = String::from("[TAIPY]\n");
        let mut shape = ConfigShape { id: "chain".into(), nodes: BTreeMap::new(), tasks: BTreeMap::new() };
        for i in 0..=n {
            shape.nodes.insert(format!("n{i}"), node());
            text.push_str(&format!("\n[DATA_NODE.n{i}]\n"));
        }
        for i in 0..n {
            let task =
                TaskShape { inputs: vec![format!("n{i}")], outputs: vec![format!("n{}", i + 1)], code };
            shape.tasks.insert(format!("t{i}"), task);
            text.push_str(&format!(
                "\n[TASK.t{i}]\nfunction = \"bench::chain_step:function\"\ninputs = [ \"n{i}:SECTION\",]\n\
                 outputs = [ \"n{}:SECTION\",]\nskippable = \"False:bool\"\n",
                i + 1
            ));
        }
        (shape, text)
    }

    fn scenario(config_version: Fingerprint) -> ScenarioRecord {
        ScenarioRecord {
            id: "SCENARIO_chain_1".into(),
            config_id: "chain".into(),
            name: "first".into(),
            created_us: 1,
            nodes: BTreeMap::new(),
            tags: Vec::new(),
            properties: BTreeMap::new(),
            config_version: Some(config_version),
        }
    }

    /// Old main wrote a 5k-task config's shape and text plainly, and its text twice (in the
    /// version and in the config's current-version record): 2.4 times their size.
    #[test]
    fn a_config_version_is_recorded_once_and_compressed() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        let (shape, text) = chain(5_000);
        let plain = postcard::to_allocvec(&shape).unwrap().len() + text.len();
        let fingerprint = Fingerprint::of_bytes("test.config", b"chain");
        let mut group = Group::default();
        stage_bound_version(&store, &mut group, &scenario(fingerprint), &shape, || Some(text.clone()), None)
            .unwrap();
        assert!(
            group.bytes() * 10 < plain,
            "{} bytes staged for {plain} bytes of shape and text",
            group.bytes()
        );
        store.stage(group);
        store.flush().unwrap();

        let versions = store.config_versions().unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].shape, shape);
        assert_eq!(versions[0].toml.as_deref(), Some(text.as_str()));
        let configs = store.configs().unwrap();
        assert_eq!(configs[0].toml.as_deref(), Some(text.as_str()));
        assert_eq!(configs[0].fingerprint, fingerprint);
    }

    /// A config version as format 6 and before wrote it: shape and text plain.
    #[derive(Serialize)]
    struct PlainVersion {
        config_id: String,
        fingerprint: Fingerprint,
        shape: ConfigShape,
        toml: Option<String>,
        name: Option<String>,
        recorded_us: u64,
    }

    #[test]
    fn config_versions_of_older_stores_are_read_as_they_are() {
        let (shape, text) = chain(3);
        let fingerprint = Fingerprint::of_bytes("test.config", b"chain");
        let plain = PlainVersion {
            config_id: "chain".into(),
            fingerprint,
            shape: shape.clone(),
            toml: Some(text.clone()),
            name: Some("v1".into()),
            recorded_us: 7,
        };
        let bytes = encode("config version", &plain).unwrap();
        let record: ConfigVersionRecord = decode("config version", b"k", &bytes).unwrap();
        assert_eq!(record.shape().unwrap(), shape);
        assert_eq!(record.toml().unwrap(), Some(text));
        assert_eq!((record.name.as_deref(), record.recorded_us), (Some("v1"), 7));

        // A packed record without text says so.
        let packed = ConfigVersionRecord::new("chain", fingerprint, &shape, None, None).unwrap();
        let back: ConfigVersionRecord =
            decode("config version", b"k", &encode("config version", &packed).unwrap()).unwrap();
        assert_eq!((back.shape().unwrap(), back.toml().unwrap()), (shape, None));
    }
}
