//! Values in user-visible files: which file formats a type can be written to, and how.
//!
//! A data node whose storage is a file (see [`Storage`](crate::Storage)) writes its value with
//! [`DataValue::write_file`] and reads it back with [`DataValue::read_file`]; the type says
//! which formats it can go to with [`DataValue::file_formats`]. What each kind of value offers:
//!
//! | value                                             | csv | parquet | json | excel | binary |
//! |---------------------------------------------------|-----|---------|------|-------|--------|
//! | frames (`DataFrame`, `LazyFrame`; feature polars) | yes | yes     | yes  | yes   |        |
//! | serde rows (`Vec<R>` of a serde struct)           | yes | polars  | yes  | yes   | yes    |
//! | any serde value (`#[derive(DataValue)]`, std)     |     |         | yes  |       | yes    |
//!
//! The same answer exists at compile time: a type that a kind `K` can hold implements
//! [`Holds<K>`](Holds) (`K` one of the marker types in [`kind`]), which `scenario!` and
//! [`DataNodeConfig::stored_at`](crate::DataNodeConfig::stored_at) require; a unit test checks
//! that both answers agree.
//!
//! Formats: CSV with a header row (unless `has_header` is false: columns are then matched by
//! position); JSON as an array of records (one object per row) for tables, serde's JSON for
//! other values; Excel as an `.xlsx` workbook, one sheet (`sheet_name`, default `Sheet1`), the
//! header in its first row (Excel has no integer type: numbers come back as floats in frames,
//! and as integers in serde rows when they are whole); binary as postcard bytes behind a format
//! byte, as the store keeps serde values.

use std::path::Path;

/// A file format a value can be written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// JSON: an array of records for tables, serde's JSON otherwise.
    Json,
    /// An Excel `.xlsx` workbook.
    Excel,
    /// postcard bytes behind a format byte (the counterpart of Taipy's `pickle`).
    Binary,
}

impl FileFormat {
    /// Every format.
    pub const ALL: [FileFormat; 5] = [Self::Csv, Self::Parquet, Self::Json, Self::Excel, Self::Binary];

    /// The format's name as a config writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Parquet => "parquet",
            Self::Json => "json",
            Self::Excel => "excel",
            Self::Binary => "binary",
        }
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of [`FileFormat`]s: the formats a type can be written to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FileFormats(u8);

impl FileFormats {
    /// No format: the value lives in the store only.
    pub const NONE: Self = Self(0);
    /// Any serde value: JSON and binary.
    pub const SERDE: Self = Self(FileFormat::Json.bit() | FileFormat::Binary.bit());
    /// Serde rows (`Vec<R>`): CSV, JSON, Excel and binary, and Parquet with the polars feature.
    pub const ROWS: Self = Self(
        Self::SERDE.0
            | FileFormat::Csv.bit()
            | FileFormat::Excel.bit()
            | if cfg!(feature = "polars") { FileFormat::Parquet.bit() } else { 0 },
    );
    /// Frames: CSV, Parquet, JSON and Excel.
    pub const FRAMES: Self = Self(
        FileFormat::Csv.bit() | FileFormat::Parquet.bit() | FileFormat::Json.bit() | FileFormat::Excel.bit(),
    );

    /// Whether `format` is in the set.
    pub fn contains(self, format: FileFormat) -> bool {
        self.0 & format.bit() != 0
    }

    /// The formats in the set, by name.
    pub fn names(self) -> Vec<&'static str> {
        FileFormat::ALL.into_iter().filter(|f| self.contains(*f)).map(FileFormat::name).collect()
    }
}

/// What a value reads or writes: a file of a format at a path, with the format's options.
#[derive(Clone, Copy, Debug)]
pub struct FileSpec<'a> {
    /// The format.
    pub format: FileFormat,
    /// The file (when writing, a temporary file in the destination's folder).
    pub path: &'a Path,
    /// CSV: whether the first row holds the column names (Taipy's `has_header`, default true).
    pub has_header: bool,
    /// Excel: the sheet to write or read (Taipy's `sheet_name`; default `Sheet1` when writing,
    /// the first sheet when reading).
    pub sheet_name: Option<&'a str>,
}

impl FileSpec<'_> {
    /// The error for a format this type cannot be written to.
    pub fn unsupported(&self, type_name: &str) -> String {
        format!("`{type_name}` cannot be stored in a {} file", self.format.name())
    }
}

/// Compile-time markers of the storage kinds that hold values in files, databases and objects.
pub mod kind {
    /// A storage kind, as a type (for [`Holds`](super::Holds)).
    pub trait Kind: 'static {
        /// The kind's name.
        const NAME: &'static str;
    }
    macro_rules! kinds {
        ($($(#[$doc:meta])* $name:ident = $text:literal),+ $(,)?) => {$(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug)]
            pub struct $name;
            impl Kind for $name {
                const NAME: &'static str = $text;
            }
        )+};
    }
    kinds! {
        /// CSV files.
        Csv = "csv",
        /// Parquet files.
        Parquet = "parquet",
        /// JSON files.
        Json = "json",
        /// Excel workbooks.
        Excel = "excel",
        /// postcard files (Taipy's `pickle`).
        Binary = "binary",
        /// SQL tables (`sql_table`): frames and serde rows, as csv.
        SqlTable = "sql_table",
        /// SQL queries (`sql`): frames and serde rows, as csv.
        Sql = "sql",
        /// Objects of S3-compatible storage (`s3_object`): any value some file format holds
        /// (frames, serde rows, serde values); the object key's extension names the format,
        /// which `scenario!` checks at compile time when the key is a literal, and the builder
        /// when the node is built.
        S3Object = "s3_object",
    }
}

/// Values of this type can be stored in a file of kind `K` (a marker type of [`kind`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a `{K}` location",
    label = "this type cannot go to that storage kind",
    note = "csv, parquet, excel, sql_table and sql hold frames (`DataFrame`, `LazyFrame`) and serde rows (`Vec<R>` of a serde struct); json and s3_object hold those and any serde value; binary holds serde values; `in_memory`, `generic` and the store hold any data value"
)]
pub trait Holds<K: kind::Kind> {}

/// `Holds<K>` for each kind `K` listed.
#[cfg(feature = "polars")]
macro_rules! holds {
    ($ty:ty: $($k:ident),+) => {$(
        impl $crate::Holds<$crate::kind::$k> for $ty {}
    )+};
}
#[cfg(feature = "polars")]
pub(crate) use holds;

/// Creates (or truncates) the file a value is written to.
pub(crate) fn create(path: &Path) -> Result<std::fs::File, String> {
    std::fs::File::create(path).map_err(|e| e.to_string())
}
