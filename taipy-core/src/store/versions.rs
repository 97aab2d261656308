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
        let mut out: Vec<ConfigVersion> = records
            .into_iter()
            .map(|(_, r)| ConfigVersion {
                scenarios: scenarios
                    .iter()
                    .filter(|s| s.config_id == r.config_id && s.config_version == Some(r.fingerprint))
                    .count(),
                current: current.iter().any(|c| c.id == r.config_id && c.fingerprint == r.fingerprint),
                config_id: r.config_id,
                fingerprint: r.fingerprint,
                name: r.name,
                shape: r.shape,
                toml: r.toml,
                recorded_us: r.recorded_us,
            })
            .collect();
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

    /// The stored shape of a config version, if recorded.
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
    let toml = toml();
    let key = keys::config_version(&record.config_id, &fingerprint);
    if !store.exists(&key)? {
        let version = ConfigVersionRecord {
            config_id: record.config_id.clone(),
            fingerprint,
            shape: shape.clone(),
            toml: toml.clone(),
            name: name.map(str::to_owned),
            recorded_us: now_us(),
        };
        group.put(&key, &version)?;
    }
    let stored = StoredConfig { id: record.config_id.clone(), fingerprint, toml, recorded_us: now_us() };
    group.put(&keys::config(&record.config_id), &stored)?;
    current.insert(record.config_id.clone(), fingerprint);
    Ok(())
}
