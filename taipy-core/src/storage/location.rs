//! [`Location`]: a storage whose kind is known at compile time, so the builder's
//! [`DataNodeConfig::stored_at`](crate::DataNodeConfig::stored_at) can require
//! [`Holds<K>`](crate::Holds) of the node's type.

use std::path::PathBuf;

use super::Storage;
use crate::value::kind;

/// A storage whose kind `K` is known at compile time, for
/// [`DataNodeConfig::stored_at`](crate::DataNodeConfig::stored_at): its value type must
/// implement [`Holds<K>`](crate::Holds).
#[derive(Clone, Debug)]
pub struct Location<K> {
    pub(crate) storage: Storage,
    _kind: std::marker::PhantomData<K>,
}

impl<K> Location<K> {
    fn new(storage: Storage) -> Self {
        Self { storage, _kind: std::marker::PhantomData }
    }

    /// Changes the storage's options (`has_header`, `sheet_name` ...), not its kind.
    pub fn with(self, options: impl FnOnce(Storage) -> Storage) -> Self {
        let kind = self.storage.kind;
        let mut storage = options(self.storage);
        storage.kind = kind;
        Self::new(storage)
    }
}

impl Location<kind::Csv> {
    /// A CSV file.
    pub fn csv(path: impl Into<PathBuf>) -> Self {
        Self::new(Storage::csv(path))
    }
}

impl Location<kind::Parquet> {
    /// A Parquet file.
    pub fn parquet(path: impl Into<PathBuf>) -> Self {
        Self::new(Storage::parquet(path))
    }
}

impl Location<kind::Json> {
    /// A JSON file.
    pub fn json(path: impl Into<PathBuf>) -> Self {
        Self::new(Storage::json(path))
    }
}

impl Location<kind::Excel> {
    /// An Excel workbook.
    pub fn excel(path: impl Into<PathBuf>) -> Self {
        Self::new(Storage::excel(path))
    }
}

impl Location<kind::Binary> {
    /// A postcard file.
    pub fn binary(path: impl Into<PathBuf>) -> Self {
        Self::new(Storage::binary(path))
    }
}

impl Location<kind::SqlTable> {
    /// A table of an SQL database (see [`Storage::sql_table`]).
    pub fn sql_table(database: impl Into<String>, table: impl Into<String>) -> Self {
        Self::new(Storage::sql_table(database, table))
    }
}

impl Location<kind::Sql> {
    /// An SQL database through queries (see [`Storage::sql`]).
    pub fn sql(database: impl Into<String>, read_query: impl Into<String>) -> Self {
        Self::new(Storage::sql(database, read_query))
    }
}

impl Location<kind::S3Object> {
    /// An object of S3-compatible storage (see [`Storage::s3_object`]). The compiler checks
    /// that the type can go to an object at all; the format the key's extension names is
    /// checked when the value is written (`scenario!` checks it at compile time for a literal
    /// key).
    pub fn s3_object(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self::new(Storage::s3_object(bucket, key))
    }
}
