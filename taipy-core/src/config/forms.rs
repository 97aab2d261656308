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

/// What scenarios record of their config, computed once per config (a config does not change
/// once built) and kept with it: creating or opening a scenario of a 50k-task config must not
/// fingerprint or export the whole config again.
#[derive(Debug)]
pub(crate) struct Recorded {
    /// The config's version: the registered fingerprint (without it, a hash of its shape).
    pub(crate) fingerprint: Fingerprint,
    /// Its shape.
    pub(crate) shape: super::ConfigShape,
    /// Its TOML text, when first needed (`None`: not every default can be written as TOML).
    toml: std::sync::OnceLock<Option<String>>,
}

impl Recorded {
    /// The config's TOML text (computed the first time).
    pub(crate) fn toml(&self, config: &ScenarioConfig) -> Option<&str> {
        self.toml.get_or_init(|| config_forms().and_then(|forms| (forms.toml)(config))).as_deref()
    }
}

/// What scenarios record of `config` (computed the first time).
pub(crate) fn recorded(config: &ScenarioConfig) -> &Recorded {
    config.recorded.get_or_init(|| {
        let shape = config.shape();
        let fingerprint = match config_forms() {
            Some(forms) => (forms.fingerprint)(config),
            None => {
                let bytes = postcard::to_allocvec(&shape).unwrap_or_default();
                Fingerprint::of_bytes("taipy.config.shape.v1", &bytes)
            }
        };
        Recorded { fingerprint, shape, toml: std::sync::OnceLock::new() }
    })
}

/// A config's version: its fingerprint and its shape (see [`recorded`]).
pub(crate) fn version_of(config: &ScenarioConfig) -> (Fingerprint, &super::ConfigShape) {
    let recorded = recorded(config);
    (recorded.fingerprint, &recorded.shape)
}
