//! Configs in Taipy Studio's TOML format: load, check, export.
//!
//! A Python user designs a pipeline in Taipy Studio, which saves a `config.toml`; the same file
//! runs here, with each task's `function` resolved to a registered `#[task]`:
//!
//! ```toml
//! [DATA_NODE.payment_threshold]
//! default_data = "1000:int"
//!
//! [DATA_NODE.scored_df]
//!
//! [TASK.featurization_and_segmentation]
//! function = "algos.algo.featurization_and_segmentation:function"
//! inputs = [ "scored_df:SECTION", "payment_threshold:SECTION", "score_threshold:SECTION",]
//! outputs = [ "segmented_customer_df:SECTION",]
//! skippable = "True:bool"
//!
//! [SCENARIO.scenario_1]
//! tasks = [ "preprocess_and_score:SECTION", "featurization_and_segmentation:SECTION",]
//! ```
//!
//! [`TomlConfig::from_str`] checks the whole file and reports every problem at once, each with
//! its section and line (see [`TomlConfigError`]): unknown functions (with the closest
//! registered names), wrong argument counts or types (an input wired to a node of another
//! type, such as two swapped tables), unknown or repeated ids, a node written by two tasks, a
//! cycle, a source node without default, malformed typed values, unknown storage types, their
//! keys, or scopes. A loaded scenario is an ordinary [`ScenarioConfig`]: `Scenario::create` and
//! `submit` it as one from `scenario!`.
//!
//! A file without tasks shows the mechanics:
//!
//! ```
//! use taipy_core::prelude::*;
//! use taipy_core::toml::TomlConfig;
//!
//! let config = TomlConfig::from_str(
//!     r#"
//! [DATA_NODE.threshold]
//! default_data = "1000:int"
//!
//! [SCENARIO.s]
//! tasks = []
//! additional_data_nodes = [ "threshold:SECTION",]
//! "#,
//! )?;
//! let store = Store::temporary()?;
//! let scenario = Scenario::create(&store, config.scenario("s").unwrap(), "first")?;
//! assert_eq!(scenario.data_node::<i64>("threshold")?.read()?, 1000);
//!
//! let err = TomlConfig::from_str("[DATA_NODE.x]\ndefault_data = \"abc:int\"\n").unwrap_err();
//! assert_eq!(
//!     err.problems()[0].to_string(),
//!     "line 2 [DATA_NODE.x]: `default_data`: `abc:int` is not a valid integer"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Functions
//!
//! `function = "algos.algo.preprocess_and_score:function"`, `"algos::preprocess_and_score"`
//! or `"preprocess_and_score"` names a registered `#[task]`: the path is split on `.` and `::`;
//! a task whose full id (`crate::module::name`) equals it is taken; otherwise the tasks with
//! that function name are the candidates, and a single candidate is taken whatever the module
//! path says (Python's `algos.algo` need not mirror the Rust crate). Several candidates are
//! narrowed by the module path (a suffix of the task's module, else its segments in order);
//! what stays ambiguous is an error listing the full ids. An unknown name suggests the closest
//! registered names by edit distance. Each input and output is then checked against the
//! function's registered signature: their count, and the type of every node.
//!
//! Tasks named only in a file are a linking trap: if they live in a crate the binary never
//! references, the linker leaves that crate out and its tasks are not registered. One line in
//! the binary keeps it: `taipy::link!(my_tasks_crate);` (see [`link!`](crate::link)); the
//! "unknown function" error says so.
//!
//! # Values
//!
//! Typed strings (`"1000:int"`, `"1.5:float"`, `"True:bool"`, `":str"`, `":timedelta"`,
//! `":datetime"`, `"SCENARIO:SCOPE"`, `"DAILY:FREQUENCY"`, `"id:SECTION"`, `":function"`) and
//! `ENV[VAR]` templates are interpreted as Taipy does. A node's type is the registered type of
//! the task output writing it, else of the task input reading it; its `default_data` is converted
//! to that type with [`DataValue::from_toml`](crate::DataValue::from_toml) (serde types through
//! [`from_toml`], which also reads `"mean"` as `Metric::Mean`). Nodes no task touches take
//! their type from a typed default (`i64`, `f64`, `bool`, `String`). A `:timedelta` becomes
//! `{ secs, nanos }`, which serde reads as a `std::time::Duration` field of your type.
//!
//! # Storage types
//!
//! `storage_type` says where a node's values live (see [`Storage`](crate::Storage)):
//! `pickle` without a path (the default) is the store; `pickle` with a `default_path` (or
//! `binary`) is a postcard file; `csv`, `parquet`, `json` and `excel` are files at
//! `default_path` (or `path`), written by the task producing the node and read back by its
//! readers; `in_memory` lives in the process only. A file type without a path is kept in the
//! store (Taipy would make a file up in its storage folder). The node's type must fit the kind
//! (frames and serde rows in tables, serde values in json and binary): a type that does not is
//! a problem naming what it can go to. A node holding a file reference (`CsvFile`,
//! `ParquetFile` or a newtype of them) with `csv` or `parquet` takes its default from the path,
//! as before. Keys: `has_header` (`"False:bool"`), `encoding` (utf-8 only), `sheet_name`,
//! `exposed_type` (`pandas`, `modin`, `numpy` or a class, kept for exports: the Rust type
//! decides what a read gives). `generic`, `sql_table`, `sql` and `s3_object` take their keys
//! (`read_fct`/`write_fct` with `read_fct_args`/`write_fct_args`, `db_*`, `table_name`,
//! `read_query`, `write_query_builder`, `append_query_builder`, `aws_*`): required ones are
//! checked, enumerated values (`db_engine`, `db_port`, `db_extra_args`,
//! `aws_s3_client_parameters`) are checked against what they accept, and `read_fct` /
//! `write_fct` must name functions registered with `taipy::generic_reader!` /
//! `generic_writer!` of the node's type.
//! `mongo_collection` is reported as unknown. [`export`] writes every key back.
//!
//! # Skippable
//!
//! A task is skippable when the file says `skippable = "True:bool"` (Taipy's default is
//! `False`) and its `#[task]` does not say `skippable = false`.
//!
//! # Retries and timeouts
//!
//! A task section may say `retries = 2` (or `"2:int"`) and `timeout = "30s"` (`ms`, `s`, `m`,
//! `h`, decimals allowed, or a `":timedelta"`); they override the `#[task]` options of the
//! function and mean what [`TaskConfig::retries`](crate::TaskConfig::retries) and
//! [`TaskConfig::timeout`](crate::TaskConfig::timeout) say. Neither enters the config's
//! fingerprint: they change how a task is run, not what it computes.

mod build;
mod check;
mod export;
mod fingerprint;
mod names;
mod parse;
mod resolve;
mod sections;
mod storage_keys;
mod typed;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::value::{from_toml, to_toml};
pub use ::toml::Value;
pub use export::export;
pub use fingerprint::config_fingerprint;
pub use typed::Frequency;

// Scenario creation records a config's fingerprint and TOML text through this registration
// (see `config/forms.rs`).
inventory::submit! {
    crate::config::ConfigForms { fingerprint: config_fingerprint, toml: |config| export(config).ok() }
}

use crate::config::{ExecutionMode, ScenarioConfig, StoreOptions, VersionMode};
use crate::registry::{self, TaskEntry};

/// One problem of a config: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The 1-based line it is on (0 for what the file does not hold, such as a
    /// [`Loader::set_default`] value).
    pub line: usize,
    /// The section, such as `TASK.segment_analysis` (empty for file-level problems).
    pub section: String,
    /// What is wrong, and what would be right.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(section: &str, line: usize, message: String) -> Self {
        Self { line, section: section.to_owned(), message }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.section.as_str()) {
            (0, "") => f.write_str(&self.message),
            (0, section) => write!(f, "[{section}]: {}", self.message),
            (line, "") => write!(f, "line {line}: {}", self.message),
            (line, section) => write!(f, "line {line} [{section}]: {}", self.message),
        }
    }
}

/// Loading, checking or exporting a TOML config failed.
///
/// `Debug` prints the same readable text as `Display` (every problem with its line), so
/// `fn main() -> Result<(), Box<dyn Error>>` shows the list rather than the enum's fields.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum TomlConfigError {
    /// The file could not be read.
    #[error("cannot read config file `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The config has problems, sorted by line.
    #[error("config {origin} has {} problem{}:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" },
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file's path, or `<string>`.
        origin: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// A scenario config cannot be written as TOML.
    #[error("scenario config `{config}` cannot be exported:\n{}",
        problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Export {
        /// The scenario config's id.
        config: String,
        /// Why, one reason per node or task.
        problems: Vec<String>,
    },
}

/// As `Display`: what `main` prints when it returns the error.
impl std::fmt::Debug for TomlConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl TomlConfigError {
    /// The problems of an [`Invalid`](Self::Invalid) config (empty otherwise).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

/// A data node's `storage_type`, as the file writes it (see [`Storage`](crate::Storage) for
/// where the node's values then live).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageType {
    /// Taipy's default: the store without a path, a binary (postcard) file with one.
    #[default]
    Pickle,
    /// A CSV file.
    Csv,
    /// A Parquet file.
    Parquet,
    /// A JSON file.
    Json,
    /// An Excel workbook.
    Excel,
    /// In this process only.
    InMemory,
    /// User functions.
    Generic,
    /// A table of an SQL database.
    SqlTable,
    /// An SQL database through queries.
    Sql,
    /// An S3 object.
    S3Object,
}

impl StorageType {
    const ALL: [StorageType; 10] = [
        Self::Pickle,
        Self::Csv,
        Self::Parquet,
        Self::Json,
        Self::Excel,
        Self::InMemory,
        Self::Generic,
        Self::SqlTable,
        Self::Sql,
        Self::S3Object,
    ];

    /// Taipy's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pickle => "pickle",
            Self::Csv => "csv",
            Self::Parquet => "parquet",
            Self::Json => "json",
            Self::Excel => "excel",
            Self::InMemory => "in_memory",
            Self::Generic => "generic",
            Self::SqlTable => "sql_table",
            Self::Sql => "sql",
            Self::S3Object => "s3_object",
        }
    }

    /// Whether the node is a file outside the store.
    pub fn is_file(self) -> bool {
        matches!(self, Self::Csv | Self::Parquet | Self::Json | Self::Excel)
    }

    /// The storage kind of a node of this type, `with_path` or not.
    pub fn kind(self, with_path: bool) -> crate::StorageKind {
        use crate::StorageKind as K;
        match self {
            Self::Pickle if with_path => K::Binary,
            Self::Pickle => K::Store,
            Self::Csv => K::Csv,
            Self::Parquet => K::Parquet,
            Self::Json => K::Json,
            Self::Excel => K::Excel,
            Self::InMemory => K::InMemory,
            Self::Generic => K::Generic,
            Self::SqlTable => K::SqlTable,
            Self::Sql => K::Sql,
            Self::S3Object => K::S3Object,
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "binary" => Some(Self::Pickle),
            _ => Self::ALL.into_iter().find(|s| s.name() == name),
        }
    }

    pub(crate) fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }
}

/// The `[JOB]` section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobSettings {
    /// `mode = "development"` or `"standalone"`.
    pub mode: Option<ExecutionMode>,
    /// `max_nb_of_workers = "2:int"`, at most [`StoreOptions::MAX_WORKERS`] (more is a problem of
    /// the file).
    pub max_workers: Option<usize>,
}

impl JobSettings {
    /// Store options with this section's settings (the defaults for what it leaves out).
    pub fn store_options(&self) -> StoreOptions {
        let mut options = match self.mode {
            Some(ExecutionMode::Development) => StoreOptions::development(),
            _ => StoreOptions::default(),
        };
        if let Some(workers) = self.max_workers {
            options.max_workers = workers.max(1);
        }
        options
    }
}

/// A loaded, checked config: its scenarios and settings.
#[derive(Debug)]
pub struct TomlConfig {
    scenarios: BTreeMap<String, Arc<ScenarioConfig>>,
    frequencies: BTreeMap<String, Frequency>,
    comparators: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    storage: BTreeMap<String, StorageType>,
    job: JobSettings,
    core: BTreeMap<String, String>,
}

impl TomlConfig {
    /// Loads a config from TOML text, resolving functions against the registered tasks and
    /// `ENV[VAR]` against the process environment.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Self, TomlConfigError> {
        Loader::new().load_str(text)
    }

    /// Loads a config file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TomlConfigError> {
        Loader::new().load_file(path)
    }

    /// The scenario configs, by id.
    pub fn scenarios(&self) -> &BTreeMap<String, Arc<ScenarioConfig>> {
        &self.scenarios
    }

    /// A scenario config by id.
    pub fn scenario(&self, id: &str) -> Option<&Arc<ScenarioConfig>> {
        self.scenarios.get(id)
    }

    /// The scenario config when the file declares exactly one (as Taipy Studio's usually do).
    pub fn only_scenario(&self) -> Option<&Arc<ScenarioConfig>> {
        match self.scenarios.len() {
            1 => self.scenarios.values().next(),
            _ => None,
        }
    }

    /// The scenario's `frequency`, if any.
    pub fn frequency(&self, scenario: &str) -> Option<Frequency> {
        self.frequencies.get(scenario).copied()
    }

    /// The scenario's comparators: data node id → comparator function paths (kept as written;
    /// they are not resolved).
    pub fn comparators(&self, scenario: &str) -> Option<&BTreeMap<String, Vec<String>>> {
        self.comparators.get(scenario)
    }

    /// A data node's `storage_type` (`pickle` when not given).
    pub fn storage_type(&self, node: &str) -> StorageType {
        self.storage.get(node).copied().unwrap_or_default()
    }

    /// The `[JOB]` section.
    pub fn job(&self) -> &JobSettings {
        &self.job
    }

    /// The `[CORE]` section's properties, as text.
    pub fn core(&self) -> &BTreeMap<String, String> {
        &self.core
    }

    /// How config versions are handled, from `[CORE]`: `mode = "development"` (the default),
    /// `"experiment"` (named by `version_number`, if given) or `"production"`.
    pub fn version_mode(&self) -> VersionMode {
        match self.core.get("mode").map(|m| m.to_ascii_lowercase()).as_deref() {
            Some("experiment") => VersionMode::Experiment { name: self.core.get("version_number").cloned() },
            Some("production") => VersionMode::Production,
            _ => VersionMode::Development,
        }
    }

    /// Where the store is, from `[CORE]`: `storage_url`, a `postgres://` URL (a catalog on
    /// PostgreSQL, shared by several processes) or a folder, if given. Open it with
    /// [`Store::open_with`](crate::Store::open_with) and [`store_options`](Self::store_options).
    ///
    /// ```
    /// use taipy_core::toml::TomlConfig;
    /// let text = "[CORE]\nstorage_url = \"postgres://taipy@db:5432/team\"\nstorage_folder = \"/srv/taipy\"\n";
    /// let config: TomlConfig = text.parse()?;
    /// assert_eq!(config.storage_url(), Some("postgres://taipy@db:5432/team"));
    /// assert_eq!(config.store_options().local_folder.as_deref(), Some(std::path::Path::new("/srv/taipy")));
    /// # Ok::<(), taipy_core::toml::TomlConfigError>(())
    /// ```
    pub fn storage_url(&self) -> Option<&str> {
        self.core.get("storage_url").map(String::as_str)
    }

    /// Where the store keeps its artifacts, from `[CORE]`'s `artifacts_url` (a key of
    /// taipy-rs: `s3://bucket/prefix?endpoint=URL&region=NAME`, checked when the file is
    /// loaded); `None`: the store's own folder.
    pub fn artifacts_url(&self) -> Option<crate::config::ArtifactsUrl> {
        self.core.get("artifacts_url").and_then(|url| crate::config::ArtifactsUrl::parse(url).ok())
    }

    /// Store options with the `[JOB]` section's settings, the `[CORE]` section's version mode,
    /// artifacts URL and executor (`job_queue = "postgres://..."` or `"ENV[VAR]"` hands the jobs
    /// to workers fed by that queue: [`Executor::Queue`](crate::Executor::Queue)); Taipy's `root_folder` and `storage_folder`, when given, name the local
    /// folder of a store on a server ([`StoreOptions::local_folder`]).
    pub fn store_options(&self) -> StoreOptions {
        let mut options = self.job.store_options().with_versions(self.version_mode());
        if let Some(url) = self.artifacts_url() {
            options = options.with_artifacts(url);
        }
        if let Some(url) = self.core.get("job_queue") {
            options = options.with_executor(crate::config::Executor::queue(url));
        }
        match self.core.get("storage_folder") {
            Some(folder) => {
                let root = self.core.get("root_folder").map_or("", String::as_str);
                options.with_local_folder(std::path::Path::new(root).join(folder))
            }
            None => options,
        }
    }
}

impl std::str::FromStr for TomlConfig {
    type Err = TomlConfigError;

    fn from_str(text: &str) -> Result<Self, TomlConfigError> {
        Loader::new().load_str(text)
    }
}

type EnvFn<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// Loads configs with a chosen environment or set of tasks.
pub struct Loader<'a> {
    env: EnvFn<'a>,
    tasks: Option<Vec<&'static TaskEntry>>,
    defaults: Vec<(String, String)>,
}

impl Default for Loader<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> Loader<'a> {
    /// The process environment and every registered task.
    pub fn new() -> Self {
        Self { env: Box::new(|name| std::env::var(name).ok()), tasks: None, defaults: Vec::new() }
    }

    /// Looks `ENV[VAR]` up with `env` instead of the process environment.
    pub fn env(mut self, env: impl Fn(&str) -> Option<String> + 'a) -> Self {
        self.env = Box::new(env);
        self
    }

    /// Resolves functions against these tasks only.
    pub fn tasks(mut self, tasks: Vec<&'static TaskEntry>) -> Self {
        self.tasks = Some(tasks);
        self
    }

    /// Replaces data node `node`'s `default_data` with `value`, written as in the file
    /// (`"data/customers.csv"`, `"1600:float"`, `"median"`): what a `--data` flag does. The value
    /// is checked like the file's own; a node that is not declared is a problem.
    pub fn set_default(mut self, node: impl Into<String>, value: impl Into<String>) -> Self {
        self.defaults.push((node.into(), value.into()));
        self
    }

    /// Loads a config file.
    pub fn load_file(&self, path: impl AsRef<Path>) -> Result<TomlConfig, TomlConfigError> {
        let path = path.as_ref();
        let bytes =
            std::fs::read(path).map_err(|source| TomlConfigError::Io { path: path.to_owned(), source })?;
        self.load_bytes(&bytes, &path.display().to_string())
    }

    /// Loads a config from bytes that should be UTF-8 TOML; `origin` names it in errors.
    pub fn load_bytes(&self, bytes: &[u8], origin: &str) -> Result<TomlConfig, TomlConfigError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.load(text, origin),
            Err(e) => {
                let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
                let message =
                    format!("the file is not UTF-8 text (invalid byte at offset {})", e.valid_up_to());
                Err(TomlConfigError::Invalid {
                    origin: origin.to_owned(),
                    problems: vec![Problem::new("", line, message)],
                })
            }
        }
    }

    /// Loads a config from TOML text.
    pub fn load_str(&self, text: &str) -> Result<TomlConfig, TomlConfigError> {
        self.load(text, "<string>")
    }

    fn load(&self, text: &str, origin: &str) -> Result<TomlConfig, TomlConfigError> {
        let invalid = |mut problems: Vec<Problem>| {
            // By line; problems of one line keep the order they were found in.
            problems.sort_by_key(|p| p.line);
            problems.dedup();
            TomlConfigError::Invalid { origin: origin.to_owned(), problems }
        };
        let table = parse::parse(text).map_err(invalid)?;
        let mut problems = Vec::new();
        let mut doc = sections::read(&table, &*self.env, &mut problems);
        sections::set_defaults(&mut doc, &self.defaults, &*self.env, &mut problems);
        let entries = self.tasks.clone().unwrap_or_else(registry::tasks);
        let checked = check::check(&doc, &entries, &mut problems);
        let scenarios = build::scenarios(&doc, &checked, &mut problems);
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        Ok(TomlConfig {
            scenarios,
            frequencies: doc.scenarios.iter().filter_map(|s| Some((s.id.clone(), s.frequency?))).collect(),
            comparators: doc.scenarios.iter().map(|s| (s.id.clone(), s.comparators.clone())).collect(),
            storage: doc.nodes.iter().map(|n| (n.id.clone(), n.storage)).collect(),
            job: doc.job,
            core: doc.core,
        })
    }
}
