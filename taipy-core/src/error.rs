//! The error types, one per domain: the store and its values, configurations, and the failures
//! of users' tasks. (Submissions' errors, which carry a submission's report, are the
//! orchestrator's: `orchestrator/error.rs`.)

use std::path::PathBuf;

/// A boxed error of any kind, as task functions return them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of the store: opening it, reading and writing entities and data-node values.
///
/// `Debug` prints the message, as `Display` does (every message includes its source's): it is
/// what `main` shows when it returns the error.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process (or another handle in this process) already has the store open.
    #[error("store `{}` is already open in another process or handle (lock file `{}`)", path.display(), lock.display())]
    AlreadyOpen {
        /// The store's folder.
        path: PathBuf,
        /// The lock file that is held.
        lock: PathBuf,
    },
    /// A file-system operation failed.
    #[error("{action} `{}`: {source}", path.display())]
    Io {
        /// What was being done, e.g. "cannot create artifact".
        action: &'static str,
        /// The file or folder at fault.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The store's catalog (its database of records) reported an error.
    #[error("store catalog ({backend}) error: {reason}")]
    Catalog {
        /// The catalog's backend: "sled", "memory" ...
        backend: &'static str,
        /// The backend's message.
        reason: String,
    },
    /// The options the store was opened with are invalid (too many workers ...).
    #[error("cannot open the store: {0}")]
    InvalidOptions(#[source] Box<ConfigError>),
    /// The store was written by a newer version of taipy, in a format this version cannot read.
    #[error("store `{}` has format {found} (written by taipy {written_by}); this taipy reads formats up to {supported}: upgrade taipy to open it", path.display())]
    NewerFormat {
        /// The store's folder.
        path: PathBuf,
        /// The store's format.
        found: u32,
        /// The newest format this version reads.
        supported: u32,
        /// The taipy version that wrote it.
        written_by: String,
    },
    /// A stored artifact's bytes no longer match its content hash (damaged on disk). The file
    /// was moved to the quarantine folder; the value it held is lost, and the task that produced
    /// it re-runs at the next submit.
    #[error("artifact `{}` is corrupt: its content hash is {actual}, its name says {expected}; moved to `{}`", file.display(), quarantined.display())]
    ArtifactCorrupt {
        /// The artifact's path.
        file: PathBuf,
        /// The hash it should have.
        expected: String,
        /// The hash it has.
        actual: String,
        /// Where it was moved.
        quarantined: PathBuf,
    },
    /// The artifacts' object storage refused a request or could not be reached (a missing
    /// bucket, wrong credentials, an unreachable endpoint ...).
    #[error("artifacts at `{url}`: {reason}")]
    ArtifactStorage {
        /// Where the artifacts are (`s3://bucket/prefix`).
        url: String,
        /// The storage's error: it names the bucket, the key and the cause.
        reason: String,
    },
    /// A stored value of a data node could not be read.
    #[error("cannot read version {number} of data node `{node}`: {source}")]
    UnreadableValue {
        /// The node's config id.
        node: String,
        /// The version number.
        number: u64,
        /// Why.
        #[source]
        source: Box<StoreError>,
    },
    /// A stored record could not be decoded (corruption, or a store written by a newer version).
    #[error("stored {what} `{key}` cannot be decoded: {reason}")]
    Corrupt {
        /// The kind of record.
        what: &'static str,
        /// Its key.
        key: String,
        /// Why decoding failed.
        reason: String,
    },
    /// No entity with this id exists.
    #[error("no {kind} `{id}` in the store")]
    NotFound {
        /// The kind of entity: "scenario", "data node", "job" ...
        kind: &'static str,
        /// The id that was asked for.
        id: String,
    },
    /// A value could not be encoded for storage.
    #[error("cannot store a value of type `{type_name}`: {reason}")]
    Encode {
        /// The value's type.
        type_name: &'static str,
        /// Why.
        reason: String,
    },
    /// A stored value could not be decoded into its type.
    #[error("cannot read a value of type `{type_name}`: {reason}")]
    Decode {
        /// The expected type.
        type_name: &'static str,
        /// Why.
        reason: String,
    },
    /// A node stored in a file (or another location) could not be written or read.
    #[error("cannot {action} {kind} file `{location}`: {reason}")]
    Location {
        /// The storage kind: "csv", "parquet" ...
        kind: &'static str,
        /// "write" or "read".
        action: &'static str,
        /// The file (or other location).
        location: String,
        /// Why.
        reason: String,
    },
    /// A node stored in a database or object storage could not be written or read.
    #[error("cannot {action} {kind} {location}: {reason}")]
    Service {
        /// The storage kind: "sql_table", "sql", "s3_object".
        kind: &'static str,
        /// "write", "read" ...
        action: &'static str,
        /// The table, query or object.
        location: String,
        /// The backend's message (it names the database or bucket).
        reason: String,
    },
    /// Writing a data node's value failed.
    #[error("cannot write data node `{node}`: {source}")]
    InNode {
        /// The node's config id.
        node: String,
        /// Why.
        #[source]
        source: Box<StoreError>,
    },
    /// A node of a file kind was given no path.
    #[error("storage kind `{kind}` needs the file's path (`default_path`)")]
    NoPath {
        /// The kind.
        kind: &'static str,
    },
    /// A `generic` node's reader or writer failed, panicked or is not registered.
    #[error("cannot {action} with generic function `{function}`: {reason}")]
    Generic {
        /// The function, as the config names it.
        function: String,
        /// "read", "write" or "use".
        action: &'static str,
        /// Why.
        reason: String,
    },
    /// A node's storage kind has no append (only csv, parquet, json, excel, sql_table and sql
    /// have one, as in Taipy).
    #[error("storage kind `{kind}` has no append; csv, parquet, json, excel, sql_table and sql have one")]
    AppendUnsupported {
        /// The kind.
        kind: &'static str,
    },
    /// Appending needs a table (frames or serde rows `Vec<R>`).
    #[error(
        "cannot append to a {kind} node holding `{type_name}`: only tables (frames, serde rows `Vec<R>`) are appended to"
    )]
    AppendNotRows {
        /// The kind.
        kind: &'static str,
        /// The node's type.
        type_name: String,
    },
    /// An `in_memory` node's value was written by another process (or is gone): it is never
    /// persisted.
    #[error("the value of an in_memory node lives only in the process that wrote it")]
    InMemoryGone,
    /// A data node has no version yet.
    #[error("data node `{node}` of scenario `{scenario}` has never been written")]
    NeverWritten {
        /// The node's config id.
        node: String,
        /// The scenario's name.
        scenario: String,
    },
    /// A data node was asked for with the wrong Rust type.
    #[error("data node `{node}` holds `{actual}`, not `{requested}`")]
    WrongType {
        /// The node's config id.
        node: String,
        /// The type the node holds.
        actual: &'static str,
        /// The type that was asked for.
        requested: &'static str,
    },
    /// The scenario config has no such data node.
    #[error("scenario config `{config}` has no data node `{node}`; declared nodes: {declared}")]
    UnknownNode {
        /// The scenario config.
        config: String,
        /// The unknown name.
        node: String,
        /// The declared nodes, comma-separated.
        declared: String,
    },
    /// A scenario was opened with a config other than the one it was created from.
    #[error("scenario `{scenario}` was created from config `{stored}`, not `{given}`")]
    ConfigMismatch {
        /// The scenario id.
        scenario: String,
        /// The config it was created from.
        stored: String,
        /// The config given.
        given: String,
    },
    /// The database refused to record a batch of commits.
    #[error("the store could not record committed results: {reason}")]
    CommitFailed {
        /// The database's error.
        reason: String,
    },
    /// A job was asked to move to a status its status machine does not allow (a bug in the
    /// scheduler, reported instead of recorded).
    #[error("job `{job}` of task `{task}` cannot go from {from} to {to}")]
    IllegalTransition {
        /// The job's id.
        job: String,
        /// Its task.
        task: String,
        /// Its status.
        from: String,
        /// The status asked for.
        to: String,
    },
    /// A data node is being written by a running job.
    #[error("data node `{node}` is being written by job `{job}`; try again when it finishes")]
    NodeBusy {
        /// The node's config id.
        node: String,
        /// The job holding it.
        job: String,
    },
    /// A data node's edit lock is held by someone else.
    #[error("data node `{node}` is locked for editing by `{owner}` (until {expires_us} µs since the epoch)")]
    NodeLocked {
        /// The node's config id.
        node: String,
        /// The lock's owner.
        owner: String,
        /// When the lock expires (µs since the Unix epoch).
        expires_us: u64,
    },
    /// A sequence cannot be added or removed.
    #[error("sequence `{sequence}`: {reason}")]
    InvalidSequence {
        /// The sequence's name.
        sequence: String,
        /// Why.
        reason: String,
    },
    /// An entity cannot be deleted in its current state.
    #[error("cannot delete {kind} `{id}`: {reason}")]
    CannotDelete {
        /// The kind of entity.
        kind: &'static str,
        /// Its id.
        id: String,
        /// Why not.
        reason: String,
    },
    /// A scenario bound to another config version was opened in experiment mode.
    #[error(
        "scenario `{scenario}` was created with config version `{created_with}` of `{config}`, not with this program's version `{given}`; experiment mode keeps versions apart: open it with the config of its version, or create a new scenario"
    )]
    ConfigVersionMismatch {
        /// The scenario id.
        scenario: String,
        /// The config id.
        config: String,
        /// The version it is bound to (name or short fingerprint).
        created_with: String,
        /// The version of the config given.
        given: String,
    },
    /// Production mode refused to re-bind a scenario to a config version its values do not fit.
    #[error("scenario `{scenario}` {details}")]
    IncompatibleConfig {
        /// The scenario id.
        scenario: String,
        /// The versions, what cannot be carried over and every difference.
        details: Box<Incompatible>,
    },
    /// A migration failed (or panicked) converting a node's value; nothing was changed.
    #[error("migration `{function}` of data node `{node}` (scenario `{scenario}`) failed: {reason}")]
    MigrationFailed {
        /// The node.
        node: String,
        /// The scenario id.
        scenario: String,
        /// The migration function.
        function: String,
        /// The error.
        reason: String,
    },
    /// A config version label matches several versions.
    #[error("config version `{label}` is ambiguous: it names {}", matches.join(", "))]
    AmbiguousVersion {
        /// The label.
        label: String,
        /// The versions it matches.
        matches: Vec<String>,
    },
    /// A data node holds a value written with another layout of its type (fields renamed,
    /// reordered, added, removed or retyped, variants changed ...): it is never decoded as the
    /// current type, whose bytes would mean something else.
    #[error(
        "data node `{node}` holds a value written with another layout of `{type_name}`: stored `{stored}`, now `{current}`; {}",
        if *produced {
            "submit the scenario to re-run the task that produces it"
        } else {
            "write a new value to the node, or register a typed migration (`taipy::migration!`) that converts it when the scenario is opened with the new config version"
        }
    )]
    LayoutChanged {
        /// The node's config id.
        node: String,
        /// The current Rust type.
        type_name: &'static str,
        /// The layout the value was written with (readable form, or its fingerprint when its
        /// readable form is unknown).
        stored: String,
        /// The current type's layout.
        current: String,
        /// Whether a task wrote the value (re-running it fixes the node) rather than a user.
        produced: bool,
    },
    /// A value given as TOML or as text (a command line's `--set NODE=VALUE`) does not fit
    /// the data node's type.
    #[error("value `{value}` does not fit data node `{node}` of type `{type_name}`: {reason}")]
    InvalidValue {
        /// The node's config id.
        node: String,
        /// The node's type.
        type_name: &'static str,
        /// The value as given.
        value: String,
        /// Why it does not fit.
        reason: String,
    },
    /// A store location (a `postgres://` URL) that cannot be used as given.
    #[error("store location `{location}` is invalid: {reason}")]
    InvalidLocation {
        /// The location, without its password.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// The server of a shared catalog could not be reached or refused the connection (down,
    /// wrong password, no such database).
    #[error("cannot connect to the store catalog at `{location}`: {reason}")]
    CatalogUnreachable {
        /// The location, without its password.
        location: String,
        /// The server's or the driver's message.
        reason: String,
    },
    /// A shared catalog's schema was migrated by a newer taipy than this one.
    #[error(
        "store catalog `{location}` has schema version {found}; this taipy knows versions up to {supported}: upgrade taipy to open it"
    )]
    NewerCatalogSchema {
        /// The location, without its password.
        location: String,
        /// The schema version found.
        found: u32,
        /// The newest this taipy knows.
        supported: u32,
    },
    /// Another process wrote a data node since this one read the version it based its write
    /// on (a shared store): nothing of the refused commit was written.
    #[error(
        "data node `{node}` was written by another process: this write was based on version {based_on}, the store now holds version {found}; nothing was written"
    )]
    Conflict {
        /// The node's config id.
        node: String,
        /// The version this process based its write on (0: none yet).
        based_on: u64,
        /// The node's version in the store now (0: none).
        found: u64,
    },
    /// An operation a store shared by several processes (a catalog on a server) does not
    /// support yet.
    #[error("{operation} is not supported on a shared store (catalog on a server) yet")]
    NotOnSharedStore {
        /// The operation, e.g. "garbage collection".
        operation: &'static str,
    },
}

/// As `Display`: what `main` prints when it returns the error.
impl std::fmt::Debug for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Why production mode refused to open a scenario with another version of its config.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Incompatible {
    /// The config id.
    pub config: String,
    /// The version the scenario is bound to (name or short fingerprint).
    pub created_with: String,
    /// The version of the config given.
    pub given: String,
    /// What cannot be carried over (a retyped node without a migration ...), one line each.
    pub missing: Vec<String>,
    /// Every difference, one per line.
    pub differences: String,
}

impl std::fmt::Display for Incompatible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self { config, created_with, given, missing, differences } = self;
        write!(
            f,
            "was created with config version `{created_with}` of `{config}`; production mode refuses this program's version `{given}`:"
        )?;
        for line in missing {
            write!(f, "\n  - {line}")?;
        }
        write!(f, "\ndifferences from `{created_with}` to `{given}`:")?;
        for line in differences.lines() {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

impl StoreError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { action, path: path.into(), source }
    }
}

/// Errors found while validating a configuration: a scenario config (every problem at once) or
/// store options.
///
/// `Debug` prints the same readable text as `Display`, so `fn main() -> Result<(), Box<dyn
/// Error>>` shows the list of problems rather than the enum's fields.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration has one or more problems, listed one per line.
    #[error("scenario config `{config}` is invalid:\n{}", problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The scenario config id.
        config: String,
        /// Every problem found.
        problems: Vec<String>,
    },
    /// Store options ask for more worker threads than a store runs
    /// ([`StoreOptions::MAX_WORKERS`](crate::StoreOptions::MAX_WORKERS)).
    #[error("store options ask for {workers} worker threads; a store runs at most {max}")]
    TooManyWorkers {
        /// The number asked for.
        workers: usize,
        /// The bound.
        max: usize,
    },
    /// Store options ask for a frame compression that cannot be used (a Zstandard level out of
    /// range).
    #[error("store options: {reason}")]
    FrameCompression {
        /// What is wrong.
        reason: String,
    },
    /// An artifacts location ([`ArtifactsUrl`](crate::ArtifactsUrl)) that cannot be used.
    #[error("artifacts URL `{url}`: {reason}")]
    ArtifactsUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// As `Display`: what `main` prints when it returns the error.
impl std::fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl ConfigError {
    /// The individual problems of an [`Invalid`](Self::Invalid) scenario config (empty
    /// otherwise).
    pub fn problems(&self) -> &[String] {
        match self {
            Self::Invalid { problems, .. } => problems,
            Self::TooManyWorkers { .. } | Self::FrameCompression { .. } | Self::ArtifactsUrl { .. } => &[],
        }
    }
}

/// The failure of a user's task: its message, the chain of sources, and for a panic the
/// backtrace text when one was asked for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskError {
    /// The error's message (or the panic's payload).
    pub message: String,
    /// The messages of the error's sources, outermost first.
    pub sources: Vec<String>,
    /// The backtrace captured where the task panicked, when the process asked for backtraces
    /// as for std's `Backtrace::capture` (`RUST_LIB_BACKTRACE`, else `RUST_BACKTRACE`, set to
    /// anything but `0`); `None` otherwise, as capturing one costs tens of milliseconds per
    /// failed attempt. The panic's place ([`location`](Self::location)) is always kept.
    pub backtrace: Option<String>,
    /// Whether the task panicked rather than returned an error.
    pub panicked: bool,
    /// For a panic inside the task, where it panicked (`src/weather.rs:12:5`). Job records keep
    /// it in a field of their own (see `job.rs`), so records written before it stay readable.
    #[serde(skip)]
    pub location: Option<String>,
}

impl TaskError {
    /// A task error from any error value, keeping its source chain.
    pub fn from_error(error: BoxError) -> Self {
        let mut sources = Vec::new();
        let mut next = error.source();
        while let Some(source) = next {
            sources.push(source.to_string());
            next = source.source();
        }
        Self { message: error.to_string(), sources, backtrace: None, panicked: false, location: None }
    }

    /// A task error with only a message.
    pub fn msg(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            sources: Vec::new(),
            backtrace: None,
            panicked: false,
            location: None,
        }
    }
}

impl std::fmt::Display for TaskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.location, self.panicked) {
            (Some(location), _) => write!(f, "panicked at {location}: ")?,
            (None, true) => f.write_str("panicked: ")?,
            (None, false) => {}
        }
        f.write_str(&self.message)?;
        for source in &self.sources {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TaskError {}
