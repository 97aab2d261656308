//! Stage 2b: the document's sections read into plain structs, with typed values interpreted.
//!
//! Sections: `[TAIPY]` and `[GUI]` (ignored), `[JOB]`, `[CORE]`, `[DATA_NODE.<id>]`,
//! `[TASK.<id>]`, `[SCENARIO.<id>]` with `[SCENARIO.<id>.sequences]` and
//! `[SCENARIO.<id>.comparators]`. A section named `default` in a kind (`[DATA_NODE.default]`)
//! gives the properties the other sections of that kind leave out. Unknown properties are
//! ignored (Taipy allows custom properties); unknown sections are problems.

use std::collections::BTreeMap;
use std::time::Duration;

use super::names::suggest;
use super::parse::{Entry, Raw, Table};
use super::storage_keys;
use super::typed::{Env, Frequency, Typed, interpret, interpret_str, parse_duration};
use super::{JobSettings, Problem, StorageType};
use crate::config::{ExecutionMode, Scope, StoreOptions};

/// A reference to another section, with its line.
#[derive(Clone, Debug)]
pub(crate) struct Ref {
    pub(crate) id: String,
    pub(crate) line: usize,
}

/// A value with the line it was written on.
#[derive(Clone, Debug)]
pub(crate) struct At<T> {
    pub(crate) value: T,
    pub(crate) line: usize,
}

pub(crate) struct NodeSection {
    pub(crate) id: String,
    pub(crate) line: usize,
    pub(crate) storage: StorageType,
    pub(crate) scope: Scope,
    /// `default_data`.
    pub(crate) default: Option<At<Typed>>,
    /// `default_path` or `path`: the location of a file node, or for a node holding a file
    /// reference (`CsvFile`), its default.
    pub(crate) path: Option<At<String>>,
    /// The storage built from the keys (its kind follows `storage_type` and `path`); checked
    /// against the node's type by the checker.
    pub(crate) location: crate::Storage,
    /// Whether a default was written, even one that could not be read.
    pub(crate) default_written: bool,
}

pub(crate) struct TaskSection {
    pub(crate) id: String,
    pub(crate) line: usize,
    pub(crate) function: Option<At<String>>,
    pub(crate) inputs: At<Vec<Ref>>,
    pub(crate) outputs: At<Vec<Ref>>,
    /// Taipy's default is `False`.
    pub(crate) skippable: bool,
    /// `retries`, if given: overrides the `#[task]` option.
    pub(crate) retries: Option<u32>,
    /// `timeout`, if given: overrides the `#[task]` option.
    pub(crate) timeout: Option<Duration>,
}

pub(crate) struct ScenarioSection {
    pub(crate) id: String,
    pub(crate) line: usize,
    pub(crate) tasks: At<Vec<Ref>>,
    pub(crate) additional_nodes: At<Vec<Ref>>,
    pub(crate) frequency: Option<Frequency>,
    pub(crate) sequences: Vec<(At<String>, Vec<Ref>)>,
    pub(crate) comparators: BTreeMap<String, Vec<String>>,
}

/// Everything a document declares.
#[derive(Default)]
pub(crate) struct Document {
    pub(crate) nodes: Vec<NodeSection>,
    pub(crate) tasks: Vec<TaskSection>,
    pub(crate) scenarios: Vec<ScenarioSection>,
    pub(crate) job: JobSettings,
    pub(crate) core: BTreeMap<String, String>,
}

/// The keys of the kinds wired by the service backends (SQL, S3) and of `generic`, kept as
/// written for them (Taipy's names).
const SERVICE_KEYS: &[&str] = &[
    "db_engine",
    "db_name",
    "db_host",
    "db_port",
    "db_username",
    "db_password",
    "db_driver",
    "db_extra_args",
    "db_url",
    "sqlite_folder_path",
    "sqlite_file_extension",
    "table_name",
    "read_query",
    "write_query_builder",
    "append_query_builder",
    "aws_access_key",
    "aws_secret_access_key",
    "aws_s3_bucket_name",
    "aws_s3_object_key",
    "aws_region",
    "aws_s3_endpoint_url",
    "aws_s3_client_parameters",
    "read_fct",
    "write_fct",
    "read_fct_args",
    "write_fct_args",
];

const KINDS: &str = "TAIPY, JOB, CORE, DATA_NODE, TASK or SCENARIO";

struct Reader<'a> {
    env: Env<'a>,
    problems: &'a mut Vec<Problem>,
}

/// Reads every section; problems are appended to `problems`.
pub(crate) fn read(document: &Table, env: Env<'_>, problems: &mut Vec<Problem>) -> Document {
    let mut reader = Reader { env, problems };
    let mut doc = Document::default();
    for entry in &document.entries {
        let Raw::Table(table) = &entry.value.raw else {
            reader.problem(
                "",
                entry.line,
                format!(
                    "`{}` must be a section like [{}], not {}",
                    entry.key,
                    entry.key,
                    entry.value.raw.kind()
                ),
            );
            continue;
        };
        match entry.key.as_str() {
            "TAIPY" | "GUI" => {}
            "JOB" => doc.job = reader.job(table),
            "CORE" => doc.core = reader.core(table),
            "DATA_NODE" => {
                for (e, props) in reader.kind("DATA_NODE", table) {
                    doc.nodes.push(reader.node(e, &props));
                }
            }
            "TASK" => {
                for (e, props) in reader.kind("TASK", table) {
                    doc.tasks.push(reader.task(e, &props));
                }
            }
            "SCENARIO" => {
                for (e, props) in reader.kind("SCENARIO", table) {
                    doc.scenarios.push(reader.scenario(e, &props));
                }
            }
            other => reader.problem("", entry.line, format!("unknown section [{other}]; expected {KINDS}")),
        }
    }
    // The parser orders keys alphabetically: put sections back in the file's order.
    doc.nodes.sort_by_key(|n| n.line);
    doc.tasks.sort_by_key(|t| t.line);
    doc.scenarios.sort_by_key(|s| s.line);
    doc
}

/// Applies a loader's default overrides (`node`, value in typed-string form).
pub(crate) fn set_defaults(
    doc: &mut Document,
    defaults: &[(String, String)],
    env: Env<'_>,
    problems: &mut Vec<Problem>,
) {
    let ids: Vec<&str> = doc.nodes.iter().map(|n| n.id.as_str()).collect();
    let mut found = Vec::new();
    for (id, text) in defaults {
        let Some(index) = ids.iter().position(|n| n == id) else {
            let message = format!(
                "a default is given for data node `{id}`, which is not declared{}",
                suggest(id, &ids, "data nodes")
            );
            problems.push(Problem::new("", 0, message));
            continue;
        };
        found.push((index, text));
    }
    for (index, text) in found {
        let node = &mut doc.nodes[index];
        match interpret_str(text, env) {
            Ok(value) => {
                node.default = Some(At { value, line: node.line });
                node.default_written = true;
            }
            Err(message) => {
                let section = format!("DATA_NODE.{}", node.id);
                problems.push(Problem::new(
                    &section,
                    0,
                    format!("the default given for `{}`: {message}", node.id),
                ));
            }
        }
    }
}

/// A section's properties with the kind's `default` section behind them.
struct Props<'t> {
    section: String,
    own: &'t Table,
    fallback: Option<&'t Table>,
}

impl<'t> Props<'t> {
    fn get(&self, key: &str) -> Option<&'t Entry> {
        self.own.get(key).or_else(|| self.fallback.and_then(|f| f.get(key)))
    }
}

impl Reader<'_> {
    fn problem(&mut self, section: &str, line: usize, message: String) {
        self.problems.push(Problem::new(section, line, message));
    }

    /// The sections of one kind (`[TASK.a]`, `[TASK.b]`), except `default`.
    fn kind<'t>(&mut self, kind: &str, table: &'t Table) -> Vec<(&'t Entry, Props<'t>)> {
        let fallback = table.get("default").and_then(|e| match &e.value.raw {
            Raw::Table(t) => Some(t),
            _ => None,
        });
        let mut sections = Vec::new();
        for entry in &table.entries {
            let section = format!("{kind}.{}", entry.key);
            match &entry.value.raw {
                Raw::Table(own) if entry.key != "default" => {
                    sections.push((entry, Props { section, own, fallback }))
                }
                Raw::Table(_) => {}
                other => self.problem(
                    &section,
                    entry.line,
                    format!("`{kind}.{}` must be a section [{section}], not {}", entry.key, other.kind()),
                ),
            }
        }
        sections
    }

    fn typed(&mut self, section: &str, entry: &Entry) -> Option<Typed> {
        match interpret(&entry.value, self.env) {
            Ok(typed) => Some(typed),
            Err(message) => {
                self.problem(section, entry.value.line, format!("`{}`: {message}", entry.key));
                None
            }
        }
    }

    fn text(&mut self, props: &Props<'_>, key: &str) -> Option<At<String>> {
        let entry = props.get(key)?;
        match self.typed(&props.section, entry)? {
            Typed::Text(s) | Typed::Function(s) => Some(At { value: s, line: entry.line }),
            other => {
                self.problem(
                    &props.section,
                    entry.line,
                    format!("`{key}` must be a string, not {}", other.kind()),
                );
                None
            }
        }
    }

    fn boolean(&mut self, props: &Props<'_>, key: &str, default: bool) -> bool {
        let Some(entry) = props.get(key) else { return default };
        match self.typed(&props.section, entry) {
            Some(Typed::Bool(b)) => b,
            Some(other) => {
                let message = format!("`{key}` must be a boolean like \"True:bool\", not {}", other.kind());
                self.problem(&props.section, entry.line, message);
                default
            }
            None => default,
        }
    }

    /// A list of `"id:SECTION"` references (a plain `"id"` is accepted too).
    fn refs(&mut self, props: &Props<'_>, key: &str, line: usize) -> At<Vec<Ref>> {
        let Some(entry) = props.get(key) else { return At { value: Vec::new(), line } };
        let mut refs = Vec::new();
        let Raw::Array(items) = &entry.value.raw else {
            let message = format!(
                "`{key}` must be a list of \"id:SECTION\" references, not {}",
                entry.value.raw.kind()
            );
            self.problem(&props.section, entry.line, message);
            return At { value: refs, line: entry.line };
        };
        for item in items {
            match interpret(item, self.env) {
                Ok(Typed::Section(id) | Typed::Text(id)) if !id.trim().is_empty() => {
                    refs.push(Ref { id: id.trim().to_owned(), line: item.line })
                }
                Ok(other) => self.problem(
                    &props.section,
                    item.line,
                    format!("`{key}` must list \"id:SECTION\" references, found {}", other.kind()),
                ),
                Err(message) => self.problem(&props.section, item.line, format!("`{key}`: {message}")),
            }
        }
        At { value: refs, line: entry.line }
    }

    fn node(&mut self, entry: &Entry, props: &Props<'_>) -> NodeSection {
        let storage = match self.text(props, "storage_type") {
            None => StorageType::Pickle,
            Some(at) => StorageType::parse(&at.value).unwrap_or_else(|| {
                let message =
                    format!("unknown storage type `{}`; supported: {}", at.value, StorageType::names());
                self.problem(&props.section, at.line, message);
                StorageType::Pickle
            }),
        };
        let path = ["default_path", "path"].iter().find_map(|key| props.get(key).map(|_| *key));
        let path = path.and_then(|key| self.text(props, key));
        let location = self.location(props, storage, path.as_ref());
        let scope = match props.get("scope") {
            None => Scope::Scenario,
            Some(e) => match self.typed(&props.section, e) {
                Some(Typed::Scope(scope)) => scope,
                Some(other) => {
                    let message = format!(
                        "`scope` must be \"SCENARIO:SCOPE\", \"CYCLE:SCOPE\" or \"GLOBAL:SCOPE\", not {}",
                        describe(&other)
                    );
                    self.problem(&props.section, e.line, message);
                    Scope::Scenario
                }
                None => Scope::Scenario,
            },
        };
        let mut default = None;
        let mut default_written = false;
        if let Some(e) = props.get("default_data") {
            default_written = true;
            default = self.typed(&props.section, e).map(|value| At { value, line: e.line });
        }
        NodeSection {
            id: entry.key.clone(),
            line: entry.line,
            storage,
            scope,
            default,
            default_written,
            path,
            location,
        }
    }

    /// The node's storage from its keys: `has_header`, `encoding`, `sheet_name`,
    /// `exposed_type`, and the keys of the service kinds (kept as written).
    fn location(
        &mut self,
        props: &Props<'_>,
        storage: StorageType,
        path: Option<&At<String>>,
    ) -> crate::Storage {
        let kind = storage.kind(path.is_some());
        let mut location = crate::Storage::of_kind(kind, path.map(|p| std::path::PathBuf::from(&p.value)));
        location = location.has_header(self.boolean(props, "has_header", true));
        if let Some(encoding) = self.text(props, "encoding") {
            if !matches!(encoding.value.to_ascii_lowercase().replace('_', "-").as_str(), "utf-8" | "utf8") {
                let message = format!("`encoding`: only utf-8 is supported, not `{}`", encoding.value);
                self.problem(&props.section, encoding.line, message);
            }
            location = location.encoding(encoding.value);
        }
        if let Some(sheet) = self.text(props, "sheet_name") {
            location = location.sheet_name(sheet.value);
        }
        if let Some(entry) = props.get("exposed_type")
            && let Some(typed) = self.typed(&props.section, entry)
        {
            match storage_keys::exposed_type(&typed) {
                Ok(exposed) => location = location.exposed_type(exposed),
                Err(why) => self.problem(&props.section, entry.line, format!("`exposed_type`: {why}")),
            }
        }
        for key in SERVICE_KEYS {
            let Some(entry) = props.get(key) else { continue };
            let Some(typed) = self.typed(&props.section, entry) else { continue };
            match storage_keys::service_value(key, &typed) {
                Ok(value) => location = location.service_key(*key, value),
                Err(why) => self.problem(&props.section, entry.line, format!("`{key}`: {why}")),
            }
        }
        if kind == crate::StorageKind::Generic {
            for key in ["read_fct", "write_fct"] {
                let Some(entry) = props.get(key) else { continue };
                let name = location.service_keys().get(key).cloned().unwrap_or_default();
                if let Err(why) = storage_keys::generic_function(key, &name) {
                    self.problem(&props.section, entry.line, format!("`{key}`: {why}"));
                }
            }
        }
        let sql = matches!(kind, crate::StorageKind::SqlTable | crate::StorageKind::Sql);
        if sql && props.get("db_engine").is_none() && props.get("db_url").is_none() {
            let line = props.get("storage_type").map_or(0, |e| e.line);
            let message = format!(
                "storage_type `{}` needs `db_engine` (sqlite or postgresql) or `db_url`",
                storage.name()
            );
            self.problem(&props.section, line, message);
        }
        let required: &[&str] = match kind {
            crate::StorageKind::SqlTable => &["db_name", "table_name"],
            crate::StorageKind::Sql => &["db_name", "read_query"],
            crate::StorageKind::S3Object => &["aws_s3_bucket_name", "aws_s3_object_key"],
            crate::StorageKind::Generic => &["read_fct", "write_fct"],
            _ => &[],
        };
        for key in required.iter().filter(|k| props.get(k).is_none()) {
            let line = props.get("storage_type").map_or(0, |e| e.line);
            self.problem(&props.section, line, format!("storage_type `{}` needs `{key}`", storage.name()));
        }
        if storage.is_file() && path.is_none() {
            // A file node holding a file reference takes its default from `default_data`: the
            // checker, which knows the type, decides.
        }
        location
    }

    fn task(&mut self, entry: &Entry, props: &Props<'_>) -> TaskSection {
        let function = self.text(props, "function");
        if function.is_none() && props.get("function").is_none() {
            self.problem(&props.section, entry.line, format!("task `{}` has no `function`", entry.key));
        }
        TaskSection {
            id: entry.key.clone(),
            line: entry.line,
            function,
            inputs: self.refs(props, "inputs", entry.line),
            outputs: self.refs(props, "outputs", entry.line),
            skippable: self.boolean(props, "skippable", false),
            retries: self.retries(props),
            timeout: self.timeout(props),
        }
    }

    /// `retries = 2` or `"2:int"`: a non-negative integer.
    fn retries(&mut self, props: &Props<'_>) -> Option<u32> {
        let entry = props.get("retries")?;
        match self.typed(&props.section, entry)? {
            Typed::Int(n) if let Ok(n) = u32::try_from(n) => Some(n),
            other => {
                let message = format!(
                    "`retries` must be a non-negative integer like \"2:int\", not {}",
                    describe(&other)
                );
                self.problem(&props.section, entry.line, message);
                None
            }
        }
    }

    /// `timeout = "30s"` (ms, s, m, h; `"1.5s"`) or a `":timedelta"`.
    fn timeout(&mut self, props: &Props<'_>) -> Option<Duration> {
        let entry = props.get("timeout")?;
        let parsed = match self.typed(&props.section, entry)? {
            Typed::Text(text) => parse_duration(&text),
            Typed::Timedelta(d) if !d.is_zero() => Ok(d),
            Typed::Timedelta(_) => Err("a timeout must be longer than zero".to_owned()),
            other => Err(format!(
                "expected a duration like \"30s\", \"500ms\" or \"2m\", not {}",
                describe(&other)
            )),
        };
        parsed.map_err(|why| self.problem(&props.section, entry.line, format!("`timeout`: {why}"))).ok()
    }

    fn scenario(&mut self, entry: &Entry, props: &Props<'_>) -> ScenarioSection {
        let frequency = match props.get("frequency") {
            None => None,
            Some(e) => match self.typed(&props.section, e) {
                Some(Typed::Frequency(f)) => Some(f),
                Some(other) => {
                    let message =
                        format!("`frequency` must be like \"MONTHLY:FREQUENCY\", not {}", describe(&other));
                    self.problem(&props.section, e.line, message);
                    None
                }
                None => None,
            },
        };
        let mut sequences = Vec::new();
        if let Some(e) = props.own.get("sequences") {
            match &e.value.raw {
                Raw::Table(table) => {
                    let inner = Props { section: props.section.clone(), own: table, fallback: None };
                    for seq in &table.entries {
                        let refs = self.refs(&inner, &seq.key, seq.line).value;
                        sequences.push((At { value: seq.key.clone(), line: seq.line }, refs));
                    }
                }
                other => self.problem(
                    &props.section,
                    e.line,
                    format!("`sequences` must be a table of task lists, not {}", other.kind()),
                ),
            }
        }
        let mut comparators = BTreeMap::new();
        if let Some(e) = props.own.get("comparators")
            && let Raw::Table(table) = &e.value.raw
        {
            for c in &table.entries {
                if let Some(Typed::List(items)) = self.typed(&props.section, c) {
                    let functions = items
                        .into_iter()
                        .filter_map(|i| match i {
                            Typed::Function(f) | Typed::Text(f) => Some(f),
                            _ => None,
                        })
                        .collect();
                    comparators.insert(c.key.clone(), functions);
                }
            }
        }
        ScenarioSection {
            id: entry.key.clone(),
            line: entry.line,
            tasks: self.refs(props, "tasks", entry.line),
            additional_nodes: self.refs(props, "additional_data_nodes", entry.line),
            frequency,
            sequences,
            comparators,
        }
    }

    fn job(&mut self, table: &Table) -> JobSettings {
        let props = Props { section: "JOB".into(), own: table, fallback: None };
        let mut job = JobSettings::default();
        if let Some(mode) = self.text(&props, "mode") {
            match mode.value.to_ascii_lowercase().as_str() {
                "development" => job.mode = Some(ExecutionMode::Development),
                "standalone" => job.mode = Some(ExecutionMode::Standalone),
                _ => self.problem(
                    "JOB",
                    mode.line,
                    format!("unknown job mode `{}`; expected development or standalone", mode.value),
                ),
            }
        }
        if let Some(e) = props.get("max_nb_of_workers") {
            match self.typed("JOB", e) {
                Some(Typed::Int(n)) if n >= 1 => {
                    let workers = usize::try_from(n).unwrap_or(usize::MAX);
                    match (StoreOptions { max_workers: workers, ..StoreOptions::default() }).check() {
                        Ok(()) => job.max_workers = Some(workers),
                        Err(error) => self.problem("JOB", e.line, format!("`max_nb_of_workers`: {error}")),
                    }
                }
                Some(other) => self.problem(
                    "JOB",
                    e.line,
                    format!("`max_nb_of_workers` must be a positive \"N:int\", not {}", describe(&other)),
                ),
                None => {}
            }
        }
        job
    }

    fn core(&mut self, table: &Table) -> BTreeMap<String, String> {
        let mut core = BTreeMap::new();
        let props = Props { section: "CORE".into(), own: table, fallback: None };
        if let Some(mode) = self.text(&props, "mode")
            && !["development", "experiment", "production"]
                .contains(&mode.value.to_ascii_lowercase().as_str())
        {
            self.problem(
                "CORE",
                mode.line,
                format!("unknown mode `{}`; expected development, experiment or production", mode.value),
            );
        }
        if let Some(kind) = self.text(&props, "repository_type")
            && !kind.value.eq_ignore_ascii_case("filesystem")
        {
            self.problem(
                "CORE",
                kind.line,
                format!(
                    "repository_type `{}` is not supported: the store is a folder (the default) or a catalog on PostgreSQL (storage_url = \"postgres://…\")",
                    kind.value
                ),
            );
        }
        // Not a Taipy key (Taipy keeps data in `storage_folder`, a local folder): where the
        // store keeps its artifacts, `s3://bucket/prefix` (see `ArtifactsUrl`).
        if let Some(url) = self.text(&props, "artifacts_url")
            && let Err(error) = crate::config::ArtifactsUrl::parse(&url.value)
        {
            self.problem("CORE", url.line, format!("`artifacts_url`: {error}"));
        }
        for e in &table.entries {
            match self.typed("CORE", e) {
                Some(Typed::Text(s) | Typed::Function(s) | Typed::Section(s)) => {
                    core.insert(e.key.clone(), s);
                }
                Some(Typed::Int(i)) => {
                    core.insert(e.key.clone(), i.to_string());
                }
                Some(Typed::Float(f)) => {
                    core.insert(e.key.clone(), f.to_string());
                }
                Some(Typed::Bool(b)) => {
                    core.insert(e.key.clone(), if b { "True" } else { "False" }.to_owned());
                }
                _ => {}
            }
        }
        core
    }
}

fn describe(typed: &Typed) -> String {
    match typed {
        Typed::Text(s) => format!("\"{s}\""),
        other => other.kind().to_owned(),
    }
}
