//! What a command runs with: the store (opened on first use), the known scenario configs, the
//! scenario named on the command line, and where to print.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use super::Cli;
use super::args::Global;
use crate::toml::{Loader, TomlConfig};
use crate::{BoxError, Scenario, ScenarioConfig, ScenarioInfo, Store, StoreOptions, registry};

/// What a command runs with: the store, the scenario configs, the output streams.
pub struct Context<'a> {
    cli: &'a Cli,
    global: Global,
    store: Option<Store>,
    toml: Option<Option<TomlConfig>>,
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    terminal: bool,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context").field("store", &self.global.store).field("json", &self.global.json).finish()
    }
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        cli: &'a Cli,
        global: Global,
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
        terminal: bool,
    ) -> Self {
        Self { cli, global, store: None, toml: None, out, err, terminal }
    }

    /// Where results go (stdout).
    pub fn out(&mut self) -> &mut dyn Write {
        self.out
    }

    /// Where progress and diagnostics go (stderr).
    pub fn err(&mut self) -> &mut dyn Write {
        self.err
    }

    /// Whether `--json` was given.
    pub fn json(&self) -> bool {
        self.global.json
    }

    /// Whether progress may be drawn as bars (stderr is a terminal).
    pub(crate) fn terminal(&self) -> bool {
        self.terminal
    }

    /// The store of `--store DIR` (or `TAIPY_STORE`, or `--config FILE`'s `[CORE]`
    /// `storage_url`, or the builder's default), opened on first use. A `postgres://` URL in
    /// place of the folder opens a store shared with other processes.
    pub fn store(&mut self) -> Result<&Store, BoxError> {
        if self.store.is_none() {
            let (path, options) = self.store_place()?;
            let path = match path {
                Some(path) => path,
                None => self.store_path()?,
            };
            self.store = Some(Store::open_with(&path, options)?);
        }
        Ok(self.store.as_ref().expect("just opened"))
    }

    /// Where the store is and the options it is opened with, as [`store`](Self::store) opens
    /// it (`None`: no location given). A queue worker takes its artifacts and queue from them.
    pub(crate) fn store_place(&mut self) -> Result<(Option<PathBuf>, StoreOptions), BoxError> {
        let from_toml = self.toml()?.and_then(TomlConfig::storage_url).map(PathBuf::from);
        let path = match (&self.global.store, from_toml) {
            (None, Some(url)) => Some(url),
            _ => self.store_path().ok(),
        };
        let options = match (&self.cli.options, self.toml()?) {
            (Some(options), _) => options.clone(),
            (None, Some(toml)) => {
                // `[JOB]`'s settings and `[CORE]`'s places (local folder, artifacts, job
                // queue); the version mode is the command line's own (`versions`).
                let core = toml.store_options();
                StoreOptions {
                    local_folder: core.local_folder,
                    artifacts: core.artifacts,
                    executor: core.executor,
                    ..toml.job().store_options()
                }
            }
            (None, None) => StoreOptions::default(),
        };
        Ok((path, options))
    }

    pub(crate) fn store_path(&self) -> Result<PathBuf, BoxError> {
        match (&self.global.store, &self.cli.default_store) {
            (Some(path), _) | (None, Some(path)) => Ok(path.clone()),
            (None, None) => Err("no store given: pass `--store DIR` or set `TAIPY_STORE`".into()),
        }
    }

    /// The `--config FILE` TOML config, loaded on first use.
    fn toml(&mut self) -> Result<Option<&TomlConfig>, BoxError> {
        if self.toml.is_none() {
            let loaded = match &self.global.config {
                Some(path) => Some(Loader::new().load_file(path)?),
                None => None,
            };
            self.toml = Some(loaded);
        }
        Ok(self.toml.as_ref().and_then(Option::as_ref))
    }

    /// Every known scenario config, by id: the builder's, then `--config FILE`'s, then the
    /// registered `scenario!` types'.
    pub fn configs(&mut self) -> Result<Vec<Arc<ScenarioConfig>>, BoxError> {
        let mut all: Vec<Arc<ScenarioConfig>> = self.cli.configs.clone();
        if let Some(toml) = self.toml()? {
            all.extend(toml.scenarios().values().cloned());
        }
        all.extend(registry::scenarios().iter().map(|entry| (entry.config)()));
        let mut seen = std::collections::HashSet::new();
        all.retain(|c| seen.insert(c.id().to_owned()));
        Ok(all)
    }

    /// The scenario config `id`; with `None`, the only known one.
    pub fn config(&mut self, id: Option<&str>) -> Result<Arc<ScenarioConfig>, BoxError> {
        let configs = self.configs()?;
        let names = || configs.iter().map(|c| c.id().to_owned()).collect::<Vec<_>>().join(", ");
        match id {
            Some(id) => match configs.iter().find(|c| c.id() == id) {
                Some(config) => Ok(config.clone()),
                None if configs.is_empty() => Err(no_config(id).into()),
                None => Err(format!("no scenario config `{id}`; known configs: {}", names()).into()),
            },
            None => match configs.as_slice() {
                [one] => Ok(one.clone()),
                [] => Err(no_config("").into()),
                _ => Err(format!(
                    "several scenario configs are known ({}); choose one with --config-id",
                    names()
                )
                .into()),
            },
        }
    }

    /// The stored scenario named `key`: by id, else by name when no other scenario has it.
    pub fn scenario_info(&mut self, key: &str) -> Result<ScenarioInfo, BoxError> {
        let all = self.store()?.scenarios()?;
        if let Some(info) = all.iter().find(|s| s.id == key) {
            return Ok(info.clone());
        }
        let named: Vec<&ScenarioInfo> = all.iter().filter(|s| s.name == key).collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(format!(
                "no scenario with id or name `{key}` in store `{}`",
                self.store_path()?.display()
            )
            .into()),
            many => Err(format!(
                "{} scenarios are named `{key}`: {}; name one by id",
                many.len(),
                many.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ")
            )
            .into()),
        }
    }

    /// The stored scenario named `key` (see [`scenario_info`](Self::scenario_info)), opened
    /// with its config.
    pub fn scenario(&mut self, key: &str) -> Result<Scenario, BoxError> {
        let info = self.scenario_info(key)?;
        let config = self.config(Some(&info.config_id)).map_err(|e| -> BoxError {
            format!(
                "scenario `{}` was created from config `{}`, which this program does not know: {e}",
                info.name, info.config_id
            )
            .into()
        })?;
        let store = self.store()?.clone();
        Ok(Scenario::open(&store, &config, &info.id)?)
    }

    /// Prints `value` as pretty JSON on the output.
    pub(crate) fn print_json(&mut self, value: &serde_json::Value) -> Result<(), BoxError> {
        writeln!(self.out, "{}", serde_json::to_string_pretty(value)?)?;
        Ok(())
    }
}

fn no_config(id: &str) -> String {
    let looked_for = if id.is_empty() { String::new() } else { format!(" (looked for `{id}`)") };
    format!(
        "no scenario config is known{looked_for}: give a TOML file with --config FILE, or register one \
         with `Cli::scenario` (`scenario!` types register when the binary references them)"
    )
}
