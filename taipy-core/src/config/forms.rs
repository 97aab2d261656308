//! The forms a scenario config is recorded in when a scenario is created: its fingerprint and
//! its Taipy Studio TOML text (`StoredConfig`).
//!
//! Both are written by the TOML module, which registers them here with `inventory`; the config
//! and the scenarios built on it only call what is registered. Running a scenario needs neither,
//! so nothing below the TOML module depends on it.

use super::ScenarioConfig;
use crate::fingerprint::Fingerprint;

/// The functions that give a config's recorded forms.
pub(crate) struct ConfigForms {
    /// The config fingerprint: equal for configs that run the same way.
    pub(crate) fingerprint: fn(&ScenarioConfig) -> Fingerprint,
    /// The Taipy Studio TOML text, where every default can be written as TOML.
    pub(crate) toml: fn(&ScenarioConfig) -> Option<String>,
}

inventory::collect!(ConfigForms);

/// The registered forms (the TOML module's), if any.
pub(crate) fn config_forms() -> Option<&'static ConfigForms> {
    inventory::iter::<ConfigForms>.into_iter().next()
}

/// A config's version: its fingerprint (the registered one; without it, a hash of its shape)
/// and its shape.
pub(crate) fn version_of(config: &ScenarioConfig) -> (Fingerprint, super::ConfigShape) {
    let shape = config.shape();
    let fingerprint = match config_forms() {
        Some(forms) => (forms.fingerprint)(config),
        None => {
            let bytes = postcard::to_allocvec(&shape).unwrap_or_default();
            Fingerprint::of_bytes("taipy.config.shape.v1", &bytes)
        }
    };
    (fingerprint, shape)
}
