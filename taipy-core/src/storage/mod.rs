//! Where a data node's values live: its [`Storage`], orthogonal to its value type.
//!
//! | kind        | Taipy `storage_type` | holds                                   | keys                                   |
//! |-------------|----------------------|-----------------------------------------|----------------------------------------|
//! | store       | `pickle` (no path)   | any data value                          | —                                      |
//! | `csv`       | `csv`                | frames, serde rows                      | `default_path`, `has_header`, `encoding` |
//! | `parquet`   | `parquet`            | frames, serde rows (polars)             | `default_path`                          |
//! | `json`      | `json`               | frames, serde rows, any serde value     | `default_path`, `encoding`              |
//! | `excel`     | `excel`              | frames, serde rows                      | `default_path`, `sheet_name`, `has_header` |
//! | `binary`    | `pickle` with a path | any serde value                         | `default_path`                          |
//! | `in_memory` | `in_memory`          | any data value, this process only       | —                                      |
//! | `generic`   | `generic`            | what its functions read and write       | `read_fct`, `write_fct` (+ `_args`)     |
//! | `sql_table` | `sql_table`          | frames, serde rows (feature `sql`)      | `db_*` or `db_url`, `table_name`        |
//! | `sql`       | `sql`                | frames, serde rows (feature `sql`)      | `db_*` or `db_url`, `read_query`, `write_query_builder`, `append_query_builder` |
//! | `s3_object` | `s3_object`          | per the key's extension (feature `s3`)  | `aws_*`                                 |
//!
//! Appending ([`DataNode::append`](crate::DataNode::append)): csv, parquet, json, excel,
//! sql_table and sql (its `append_query_builder`), as in Taipy.
//!
//! - **The store** (the default) keeps the value inside the store: postcard bytes inline, frames
//!   as Parquet artifacts.
//! - **Files** (`csv`, `parquet`, `json`, `excel`, `binary`): a task writing the node writes the
//!   file atomically (a temporary file in the same folder, fsync, rename; the folder must exist),
//!   and the store records the file's content hash. The file is then watched like an input file:
//!   edited outside, the tasks reading the node re-run (its new content becomes a version of the
//!   node); deleted or edited, the task producing it is not skipped on the old result. Every
//!   version of the node refers to the same file: reading an older version reads the file as it
//!   is now. Scenario-scoped nodes of several scenarios share the path they are given.
//! - **`in_memory`**: the value lives in this process only; the store records its content hash,
//!   so skipping works within the process, but another process (or a reopened store) finds no
//!   value: its producer re-runs, never skipped across processes.
//! - **`generic`**: the user's read and write functions, registered with
//!   [`generic_reader!`](crate::generic_reader) and [`generic_writer!`](crate::generic_writer)
//!   and named by the config; the store records the content hash of what the reader gives (see
//!   the `generic` module).
//!
//! The backends of the service kinds are public modules of their own, usable without a data
//! node: [`sql`] (feature `sql`, and `postgres` for PostgreSQL: tables and queries as rows of
//! serde values or polars frames) and [`s3`] (feature `s3`: objects on S3-compatible storage).
//!
#![doc = include_str!("kinds.md")]
//!
//! The one place a kind's write, read and fingerprint are dispatched is [`Storage::store`],
//! [`Storage::load`] and [`Storage::refresh`] below.

mod append;
mod files;
pub(crate) mod generic;
mod location;
mod memory;
#[cfg(feature = "s3")]
pub mod s3;
mod services;
#[cfg(feature = "sql")]
pub mod sql;

pub use location::Location;
#[doc(hidden)]
pub use memory::forget_all as forget_in_memory_values;
pub(crate) use memory::owned;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::value::{AnyValue, FileFormat, FileSpec, StoreCx, Stored, ValueType};

/// A storage kind: where a node's values live.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageKind {
    /// Inside the store (the default).
    #[default]
    Store,
    /// In this process only.
    InMemory,
    /// A CSV file.
    Csv,
    /// A Parquet file.
    Parquet,
    /// A JSON file.
    Json,
    /// An Excel `.xlsx` workbook.
    Excel,
    /// A postcard file (Taipy's `pickle` with a path).
    Binary,
    /// User functions.
    Generic,
    /// A table of an SQL database.
    SqlTable,
    /// An SQL database through queries.
    Sql,
    /// An object of S3-compatible object storage.
    S3Object,
}

impl StorageKind {
    /// Every kind.
    pub const ALL: [StorageKind; 11] = [
        Self::Store,
        Self::InMemory,
        Self::Csv,
        Self::Parquet,
        Self::Json,
        Self::Excel,
        Self::Binary,
        Self::Generic,
        Self::SqlTable,
        Self::Sql,
        Self::S3Object,
    ];

    /// The kind's name (Taipy's `storage_type`, except `store` and `binary`, which a TOML
    /// config writes as `pickle` without and with a path).
    pub fn name(self) -> &'static str {
        match self {
            Self::Store => "store",
            Self::InMemory => "in_memory",
            Self::Csv => "csv",
            Self::Parquet => "parquet",
            Self::Json => "json",
            Self::Excel => "excel",
            Self::Binary => "binary",
            Self::Generic => "generic",
            Self::SqlTable => "sql_table",
            Self::Sql => "sql",
            Self::S3Object => "s3_object",
        }
    }

    /// The kind named `name` (`pickle` is not a kind: see the TOML loader).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The file format of a file kind.
    pub fn file_format(self) -> Option<FileFormat> {
        match self {
            Self::Csv => Some(FileFormat::Csv),
            Self::Parquet => Some(FileFormat::Parquet),
            Self::Json => Some(FileFormat::Json),
            Self::Excel => Some(FileFormat::Excel),
            Self::Binary => Some(FileFormat::Binary),
            _ => None,
        }
    }

    /// Whether the kind keeps values in a database or object storage (`sql_table`, `sql`,
    /// `s3_object`): a node of such a kind needs no default and no producer, it starts from
    /// what the location holds.
    pub fn is_service(self) -> bool {
        matches!(self, Self::SqlTable | Self::Sql | Self::S3Object)
    }

    /// Whether a node of this kind can start from what its location holds, so needs no
    /// default and no producer: the service kinds and `generic` (its reader).
    pub fn reads_its_location(self) -> bool {
        self.is_service() || self == Self::Generic
    }

    /// Whether values of this kind can change outside the store (so are re-fingerprinted at
    /// every submit and checked before a skip).
    pub fn is_watched(self) -> bool {
        !matches!(self, Self::Store)
    }
}

/// A data node's storage: its kind, its location and the kind's options.
///
/// ```
/// use taipy_core::{Storage, StorageKind};
///
/// let storage = Storage::csv("out/scored.csv").has_header(true);
/// assert_eq!(storage.kind(), StorageKind::Csv);
/// assert_eq!(storage.path().unwrap().to_str(), Some("out/scored.csv"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Storage {
    kind: StorageKind,
    path: Option<PathBuf>,
    has_header: bool,
    sheet_name: Option<String>,
    encoding: Option<String>,
    exposed_type: Option<String>,
    /// The keys of the service kinds (`db_*`, `table_name`, queries, `aws_*`), as written.
    service: BTreeMap<String, String>,
}

impl Storage {
    fn at(kind: StorageKind, path: Option<PathBuf>) -> Self {
        Self { kind, path, has_header: true, ..Self::default() }
    }

    /// Inside the store (the default).
    pub fn in_store() -> Self {
        Self::at(StorageKind::Store, None)
    }

    /// In this process only: never persisted, so never skipped across processes.
    pub fn in_memory() -> Self {
        Self::at(StorageKind::InMemory, None)
    }

    /// A CSV file at `path`.
    pub fn csv(path: impl Into<PathBuf>) -> Self {
        Self::at(StorageKind::Csv, Some(path.into()))
    }

    /// A Parquet file at `path`.
    pub fn parquet(path: impl Into<PathBuf>) -> Self {
        Self::at(StorageKind::Parquet, Some(path.into()))
    }

    /// A JSON file at `path`.
    pub fn json(path: impl Into<PathBuf>) -> Self {
        Self::at(StorageKind::Json, Some(path.into()))
    }

    /// An Excel workbook at `path`.
    pub fn excel(path: impl Into<PathBuf>) -> Self {
        Self::at(StorageKind::Excel, Some(path.into()))
    }

    /// A postcard file at `path` (Taipy's `pickle`).
    pub fn binary(path: impl Into<PathBuf>) -> Self {
        Self::at(StorageKind::Binary, Some(path.into()))
    }

    /// A table of an SQL database (`sql_table`; feature `sql`, and `postgres` for PostgreSQL):
    /// `database` a URL (`sqlite://path/to.db`, `postgres://user:password@host:port/db`; or give
    /// Taipy's `db_*` keys with [`service_key`](Self::service_key) instead and an empty URL).
    /// A task writing the node replaces the table's rows in one transaction.
    ///
    /// ```
    /// use taipy_core::{Storage, StorageKind};
    /// let storage = Storage::sql_table("sqlite://out/sales.db", "sales");
    /// assert_eq!(storage.kind(), StorageKind::SqlTable);
    /// assert_eq!(storage.service_keys()["table_name"], "sales");
    /// ```
    pub fn sql_table(database: impl Into<String>, table: impl Into<String>) -> Self {
        Self::service(StorageKind::SqlTable, database.into()).service_key("table_name", table)
    }

    /// An SQL database through queries (`sql`): reads run `read_query`; writes run the statements
    /// of the `write_query_builder` registered under the name given with
    /// `.service_key("write_query_builder", name)` (see
    /// [`sql::register_write_query_builder`](crate::storage)). Without a producer, the node is
    /// a source whose value is the query's result.
    ///
    /// ```
    /// use taipy_core::Storage;
    /// let storage = Storage::sql("sqlite://sales.db", "SELECT day, SUM(amount) AS total FROM sales GROUP BY day")
    ///     .service_key("write_query_builder", "replace_sales");
    /// assert_eq!(storage.service_keys()["write_query_builder"], "replace_sales");
    /// ```
    pub fn sql(database: impl Into<String>, read_query: impl Into<String>) -> Self {
        Self::service(StorageKind::Sql, database.into()).service_key("read_query", read_query)
    }

    /// An object of S3-compatible storage (`s3_object`; feature `s3`), in the format its key's
    /// extension names (`.csv`, `.parquet`, `.json`, `.xlsx`, binary otherwise). Credentials,
    /// region and endpoint with Taipy's keys: `.service_key("aws_access_key", ..)`,
    /// `aws_secret_access_key`, `aws_region`, `aws_s3_endpoint_url`.
    ///
    /// ```
    /// use taipy_core::Storage;
    /// let storage = Storage::s3_object("reports", "2026/q3.json")
    ///     .service_key("aws_s3_endpoint_url", "http://127.0.0.1:9000");
    /// assert_eq!(storage.service_keys()["aws_s3_bucket_name"], "reports");
    /// ```
    pub fn s3_object(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self::at(StorageKind::S3Object, None)
            .service_key("aws_s3_bucket_name", bucket)
            .service_key("aws_s3_object_key", key)
    }

    /// A node read and written by the user's functions (`generic`): `read_fct` and `write_fct`
    /// name functions registered with [`generic_reader!`](crate::generic_reader) and
    /// [`generic_writer!`](crate::generic_writer); their arguments are given with
    /// [`read_fct_args`](Self::read_fct_args) and [`write_fct_args`](Self::write_fct_args).
    ///
    /// ```
    /// use taipy_core::{Storage, StorageKind};
    /// let storage = Storage::generic("read_sales", "write_sales").read_fct_args(["sales.txt"]);
    /// assert_eq!(storage.kind(), StorageKind::Generic);
    /// assert_eq!(storage.service_keys()["read_fct_args"], r#"["sales.txt"]"#);
    /// ```
    pub fn generic(read_fct: impl Into<String>, write_fct: impl Into<String>) -> Self {
        Self::at(StorageKind::Generic, None)
            .service_key("read_fct", read_fct)
            .service_key("write_fct", write_fct)
    }

    /// `generic`: the arguments given to the reader after the node (Taipy's `read_fct_args`).
    pub fn read_fct_args<S: Into<String>>(self, args: impl IntoIterator<Item = S>) -> Self {
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        self.service_key("read_fct_args", serde_json::to_string(&args).expect("strings serialize"))
    }

    /// `generic`: the arguments given to the writer after the value (Taipy's `write_fct_args`).
    pub fn write_fct_args<S: Into<String>>(self, args: impl IntoIterator<Item = S>) -> Self {
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        self.service_key("write_fct_args", serde_json::to_string(&args).expect("strings serialize"))
    }

    fn service(kind: StorageKind, url: String) -> Self {
        let storage = Self::at(kind, None);
        if url.is_empty() { storage } else { storage.service_key("db_url", url) }
    }

    /// A storage of `kind` with no options (what a TOML config starts from).
    pub fn of_kind(kind: StorageKind, path: Option<PathBuf>) -> Self {
        Self::at(kind, path)
    }

    /// CSV and Excel: whether the first row holds the column names (default true).
    pub fn has_header(mut self, has_header: bool) -> Self {
        self.has_header = has_header;
        self
    }

    /// Excel: the sheet to write and read (default: `Sheet1` written, the first sheet read).
    pub fn sheet_name(mut self, name: impl Into<String>) -> Self {
        self.sheet_name = Some(name.into());
        self
    }

    /// The text encoding (only UTF-8 is supported; kept for exports).
    pub fn encoding(mut self, encoding: impl Into<String>) -> Self {
        self.encoding = Some(encoding.into());
        self
    }

    /// Taipy's `exposed_type` (`pandas`, `numpy`, `modin` or a class), kept for exports: here
    /// the node's Rust type decides what a read gives.
    pub fn exposed_type(mut self, exposed: impl Into<String>) -> Self {
        self.exposed_type = Some(exposed.into());
        self
    }

    /// A key of a service kind (`db_name`, `table_name`, `aws_s3_bucket_name` ...), as written.
    pub fn service_key(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.service.insert(key.into(), value.into());
        self
    }

    /// The kind.
    pub fn kind(&self) -> StorageKind {
        self.kind
    }

    /// The location of a file kind (Taipy's `default_path`).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// CSV and Excel: whether the first row holds the column names.
    pub fn header(&self) -> bool {
        self.has_header
    }

    /// Excel: the sheet.
    pub fn sheet(&self) -> Option<&str> {
        self.sheet_name.as_deref()
    }

    /// The encoding, as given.
    pub fn encoding_name(&self) -> Option<&str> {
        self.encoding.as_deref()
    }

    /// Taipy's `exposed_type`, as given.
    pub fn exposed(&self) -> Option<&str> {
        self.exposed_type.as_deref()
    }

    /// The keys of a service kind, as written.
    pub fn service_keys(&self) -> &BTreeMap<String, String> {
        &self.service
    }

    fn spec<'a>(&'a self, format: FileFormat, path: &'a Path) -> FileSpec<'a> {
        FileSpec { format, path, has_header: self.has_header, sheet_name: self.sheet_name.as_deref() }
    }

    /// Whether `ty` can be stored in this storage; the error says what the kind holds.
    pub fn check_type(&self, ty: ValueType) -> Result<(), String> {
        services::check_type(self, ty)?;
        match self.kind.file_format() {
            Some(format) if !ty.file_formats().contains(format) => Err(format!(
                "`{}` cannot be stored in a {} file ({}); it can go to: {}",
                ty.name(),
                self.kind.name(),
                holds(self.kind),
                match ty.file_formats().names().as_slice() {
                    [] => "the store, in_memory or generic".to_owned(),
                    names => format!("{}, the store, in_memory or generic", names.join(", ")),
                }
            )),
            _ => Ok(()),
        }
    }

    /// Whether the node's value is watched for changes outside the store.
    pub(crate) fn is_watched(&self, ty: ValueType) -> bool {
        ty.is_external() || self.kind.is_watched()
    }

    /// Writes `value` where this storage keeps it; returns what the store records.
    pub(crate) fn store(
        &self,
        ty: ValueType,
        value: &AnyValue,
        cx: &StoreCx<'_>,
    ) -> Result<Stored, StoreError> {
        match self.kind {
            StorageKind::Store => ty.store(value, cx),
            StorageKind::InMemory => memory::store(ty, value),
            StorageKind::Generic => generic::store(self, ty, value, cx),
            _ if self.kind.is_service() => services::store(self, ty, value),
            kind => match (kind.file_format(), &self.path) {
                (Some(format), Some(path)) => {
                    files::store(kind, path, cx, |temp| ty.write_file(value, &self.spec(format, temp)))
                }
                _ => Err(self.no_path()),
            },
        }
    }

    /// Appends the rows of `value` to the location (csv, parquet, json, excel, sql_table, sql:
    /// see the `append` module); returns what the store records for the whole table after.
    pub(crate) fn append(
        &self,
        ty: ValueType,
        value: &AnyValue,
        cx: &StoreCx<'_>,
    ) -> Result<Stored, StoreError> {
        append::append(self, ty, value, cx)
    }

    /// Reads a value written by [`store`](Self::store).
    pub(crate) fn load(
        &self,
        ty: ValueType,
        stored: &Stored,
        cx: &StoreCx<'_>,
    ) -> Result<AnyValue, StoreError> {
        match self.kind {
            StorageKind::Store => ty.load(stored, cx),
            StorageKind::InMemory => memory::load(stored),
            StorageKind::Generic => generic::load(self, ty),
            _ if self.kind.is_service() => services::load(self, ty),
            // The file as it is now: an edit outside is what its readers read.
            kind => match (kind.file_format(), &self.path) {
                (Some(format), Some(path)) => ty
                    .read_file(&self.spec(format, path))
                    .map_err(|reason| files::error(kind, "read", path, reason)),
                _ => Err(self.no_path()),
            },
        }
    }

    /// The content hash of the value as it is now (for watched kinds).
    pub(crate) fn refresh(
        &self,
        ty: ValueType,
        stored: &Stored,
        cx: &StoreCx<'_>,
    ) -> Result<Fingerprint, StoreError> {
        match self.kind {
            StorageKind::Store => ty.refresh(stored, cx),
            StorageKind::InMemory => memory::refresh(stored),
            StorageKind::Generic => generic::refresh(self, ty, cx),
            _ if self.kind.is_service() => services::refresh(self),
            kind if kind.file_format().is_some() => match &self.path {
                Some(path) => cx.file_fingerprint(path),
                None => Err(self.no_path()),
            },
            _ => Err(self.no_path()),
        }
    }

    /// Puts a remembered value back where this storage keeps it (a skip restoring a file
    /// output that was overwritten since): the store's copy is written to the file.
    pub(crate) fn restore(&self, ty: ValueType, stored: &Stored, cx: &StoreCx<'_>) -> Result<(), StoreError> {
        if self.kind == StorageKind::Generic {
            return generic::restore(self, ty, stored, cx);
        }
        match (self.kind.file_format(), &self.path) {
            (Some(_), Some(path)) => files::place(self.kind, stored, path, cx),
            _ => Ok(()),
        }
    }

    /// The value of a source node stored in a file: the file as it is, if it exists (for
    /// `generic`, what its reader gives, if it gives something).
    pub(crate) fn adopt(&self, ty: ValueType, cx: &StoreCx<'_>) -> Result<Option<Stored>, StoreError> {
        if self.kind == StorageKind::Generic {
            return generic::adopt(self, ty, cx);
        }
        if self.kind.is_service() {
            return services::adopt(self);
        }
        match (self.kind.file_format(), &self.path) {
            (Some(_), Some(path)) if path.is_file() => files::adopt(path, cx).map(Some),
            _ => Ok(None),
        }
    }

    fn no_path(&self) -> StoreError {
        StoreError::NoPath { kind: self.kind.name() }
    }
}

/// What a kind holds, for messages.
fn holds(kind: StorageKind) -> &'static str {
    match kind {
        StorageKind::Csv | StorageKind::Excel => "it holds frames and serde rows `Vec<R>`",
        StorageKind::Parquet => "it holds frames, and serde rows `Vec<R>` with the polars feature",
        StorageKind::Json => "it holds frames, serde rows and any serde value",
        StorageKind::Binary => "it holds serde values",
        _ => "it holds any data value",
    }
}
