//! The service kinds in data nodes: `sql_table` and `sql` ([`super::sql`], feature `sql`) and
//! `s3_object` ([`super::s3`], feature `s3`).
//!
//! - **`sql_table`** (`db_*` keys or `db_url`, `table_name`): a task's value (frames or serde
//!   rows) replaces the table's rows in one transaction, the table created when missing; the
//!   store records the table's content fingerprint, read back after the write. Reading reads
//!   the table. Edited outside: its readers re-run; dropped: its producer re-runs.
//! - **`sql`** (`read_query`, `write_query_builder`): reads the query's result; a write runs the
//!   statements of the builder registered under that name
//!   ([`register_write_query_builder`](super::sql::register_write_query_builder)) in one
//!   transaction. The fingerprint is the query's result. Without a producer, a `sql` or
//!   `sql_table` node is a source: a scenario starts from what the database holds.
//! - **Append** ([`DataNode::append`](crate::DataNode::append)): `sql_table` inserts the rows
//!   in one transaction after checking the table's columns; `sql` runs the statements of the
//!   builder its `append_query_builder` names (registered with `register_write_query_builder`
//!   too: both are functions from rows to statements), in one transaction.
//! - **`s3_object`** (`aws_*` keys): the value as a file of the format the object key's
//!   extension names (`.csv`, `.parquet`, `.json`, `.xlsx`; otherwise binary), uploaded in one
//!   PUT. The fingerprint is a blake3 of the object's bytes, cached by ETag (a HEAD per check,
//!   a download only when the ETag changed).
//!
//! Values cross as files of the kinds' shared formats: a value goes to SQL through its JSON
//! records (what a `json` node would hold), so every type a `csv` node can hold (frames, serde
//! rows) can go to SQL, with no new hook on [`DataValue`](crate::DataValue).

use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::value::{AnyValue, FileFormat, Stored, ValueType};

use super::{Storage, StorageKind};

/// Whether `ty` can be stored in `storage` of a service kind; the error says what it holds.
pub(super) fn check_type(storage: &Storage, ty: ValueType) -> Result<(), String> {
    match storage.kind() {
        StorageKind::SqlTable | StorageKind::Sql if !ty.file_formats().contains(FileFormat::Csv) => {
            Err(format!(
                "`{}` cannot be stored in {} (it holds frames and serde rows `Vec<R>`)",
                ty.name(),
                storage.kind().name()
            ))
        }
        StorageKind::S3Object => {
            let key = storage.service_keys().get("aws_s3_object_key").map(String::as_str).unwrap_or("");
            let format = object_format(key);
            match ty.file_formats().contains(format) {
                true => Ok(()),
                false => Err(format!(
                    "`{}` cannot be stored in s3_object `{key}` as {} (named by the key's extension)",
                    ty.name(),
                    format.name()
                )),
            }
        }
        _ => Ok(()),
    }
}

/// The format of an object: its key's extension (`.csv`, `.parquet`, `.json`, `.xlsx`), binary
/// (postcard) otherwise.
fn object_format(key: &str) -> FileFormat {
    match key.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).as_deref() {
        Some("csv") => FileFormat::Csv,
        Some("parquet") => FileFormat::Parquet,
        Some("json") => FileFormat::Json,
        Some("xlsx") => FileFormat::Excel,
        _ => FileFormat::Binary,
    }
}

fn error(storage: &Storage, action: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Service {
        kind: storage.kind().name(),
        action,
        location: location(storage),
        reason: reason.to_string(),
    }
}

/// The location as messages name it: the table, the query or the object.
fn location(storage: &Storage) -> String {
    let keys = storage.service_keys();
    let key = |k: &str| keys.get(k).map(String::as_str).unwrap_or("?");
    match storage.kind() {
        StorageKind::SqlTable => format!("table `{}`", key("table_name")),
        StorageKind::Sql => format!("query `{}`", key("read_query")),
        _ => format!("object `{}` in bucket `{}`", key("aws_s3_object_key"), key("aws_s3_bucket_name")),
    }
}

/// What the store records: the content fingerprint and the location's text (every version
/// refers to the location as it is now, as file kinds do).
#[cfg(any(feature = "sql", feature = "s3"))]
fn stored(storage: &Storage, hash: Fingerprint) -> Result<Stored, StoreError> {
    Ok(Stored::new(hash, crate::value::encode_serde(&location(storage))?.payload))
}

#[cfg(feature = "sql")]
mod sql_kinds {
    use std::path::PathBuf;

    use super::*;
    use crate::storage::sql::{Database, Records, SqlError, WriteMode, write_query_builder};
    use crate::value::FileSpec;

    pub(super) fn database(storage: &Storage) -> Result<Database, StoreError> {
        let keys = storage.service_keys();
        let database = match keys.get("db_url") {
            Some(url) => Database::from_url(url),
            None => Database::from_keys(
                keys.iter()
                    .filter(|(k, _)| crate::storage::sql::KEYS.contains(&k.as_str()))
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            ),
        };
        database.map_err(|e| error(storage, "open", e))
    }

    fn key<'a>(storage: &'a Storage, name: &str) -> Result<&'a str, StoreError> {
        storage
            .service_keys()
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| error(storage, "use", format!("{name} is missing")))
    }

    /// A scratch JSON file for a value's records.
    fn scratch() -> Result<(tempfile::TempDir, PathBuf), String> {
        let dir = tempfile::tempdir().map_err(|e| format!("cannot make a scratch folder: {e}"))?;
        let path = dir.path().join("records.json");
        Ok((dir, path))
    }

    fn spec(path: &std::path::Path) -> FileSpec<'_> {
        FileSpec { format: FileFormat::Json, path, has_header: true, sheet_name: None }
    }

    /// The value's rows, through its JSON records.
    pub(super) fn to_records(ty: ValueType, value: &AnyValue) -> Result<Records, String> {
        let (_dir, path) = scratch()?;
        ty.write_file(value, &spec(&path))?;
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        Records::from_json(&bytes).map_err(|e| e.to_string())
    }

    /// A value of `ty` from rows, through JSON records.
    pub(super) fn from_records(ty: ValueType, records: &Records) -> Result<AnyValue, String> {
        let (_dir, path) = scratch()?;
        std::fs::write(&path, records.to_json()).map_err(|e| e.to_string())?;
        ty.read_file(&spec(&path))
    }

    pub(super) fn store(storage: &Storage, ty: ValueType, value: &AnyValue) -> Result<Stored, StoreError> {
        let db = database(storage)?;
        let records = to_records(ty, value).map_err(|e| error(storage, "write", e))?;
        let hash = match storage.kind() {
            StorageKind::SqlTable => {
                let table = key(storage, "table_name")?;
                db.write_table(table, &records, WriteMode::Replace)
                    .map_err(|e| error(storage, "write", e))?;
                db.table_fingerprint(table)
                    .map_err(|e| error(storage, "read", e))?
                    .ok_or_else(|| error(storage, "read", "the table vanished after the write"))?
            }
            _ => {
                let name = key(storage, "write_query_builder")?;
                let builder = write_query_builder(name).ok_or_else(|| {
                    error(
                        storage,
                        "write",
                        format!("no write_query_builder `{name}` is registered (storage::sql::register_write_query_builder)"),
                    )
                })?;
                db.execute(&builder(&records)).map_err(|e| error(storage, "write", e))?;
                db.query_fingerprint(key(storage, "read_query")?).map_err(|e| error(storage, "read", e))?
            }
        };
        stored(storage, hash)
    }

    /// Appends the value's rows: `sql_table` inserts them in one transaction (columns checked
    /// first); `sql` runs its `append_query_builder`'s statements in one transaction.
    pub(super) fn append(storage: &Storage, ty: ValueType, value: &AnyValue) -> Result<Stored, StoreError> {
        let db = database(storage)?;
        let records = to_records(ty, value).map_err(|e| error(storage, "append to", e))?;
        let hash = match storage.kind() {
            StorageKind::SqlTable => {
                let table = key(storage, "table_name")?;
                db.write_table(table, &records, WriteMode::Append)
                    .map_err(|e| error(storage, "append to", e))?;
                db.table_fingerprint(table)
                    .map_err(|e| error(storage, "read", e))?
                    .ok_or_else(|| error(storage, "read", "the table vanished after the append"))?
            }
            _ => {
                let name = key(storage, "append_query_builder")?;
                let builder = write_query_builder(name).ok_or_else(|| {
                    error(
                        storage,
                        "append to",
                        format!("no append_query_builder `{name}` is registered (storage::sql::register_write_query_builder)"),
                    )
                })?;
                db.execute(&builder(&records)).map_err(|e| error(storage, "append to", e))?;
                db.query_fingerprint(key(storage, "read_query")?).map_err(|e| error(storage, "read", e))?
            }
        };
        stored(storage, hash)
    }

    fn read(storage: &Storage, db: &Database) -> Result<Records, SqlError> {
        match storage.kind() {
            StorageKind::SqlTable => {
                db.read_table(storage.service_keys().get("table_name").map_or("", String::as_str))
            }
            _ => db.read_query(storage.service_keys().get("read_query").map_or("", String::as_str)),
        }
    }

    pub(super) fn load(storage: &Storage, ty: ValueType) -> Result<AnyValue, StoreError> {
        let records = read(storage, &database(storage)?).map_err(|e| error(storage, "read", e))?;
        from_records(ty, &records).map_err(|e| error(storage, "read", e))
    }

    /// The fingerprint as the location is now; a dropped table is an error (the value is gone).
    pub(super) fn refresh(storage: &Storage) -> Result<Fingerprint, StoreError> {
        let records = read(storage, &database(storage)?).map_err(|e| error(storage, "read", e))?;
        Ok(records.fingerprint())
    }

    /// A source node's value: what the table or query holds, `None` for a missing table.
    pub(super) fn adopt(storage: &Storage) -> Result<Option<Stored>, StoreError> {
        match read(storage, &database(storage)?) {
            Ok(records) => stored(storage, records.fingerprint()).map(Some),
            Err(SqlError::NoTable { .. }) => Ok(None),
            Err(e) => Err(error(storage, "read", e)),
        }
    }
}

#[cfg(feature = "s3")]
mod s3_kind {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};

    use super::*;
    use crate::storage::s3::{S3Bucket, S3Settings, content_fingerprint};
    use crate::value::FileSpec;

    /// One client per settings, for the process (each holds a connection pool and a runtime).
    fn bucket(storage: &Storage) -> Result<(Arc<S3Bucket>, String), StoreError> {
        static CLIENTS: OnceLock<Mutex<HashMap<String, Arc<S3Bucket>>>> = OnceLock::new();
        let keys: Vec<(&str, &str)> = storage
            .service_keys()
            .iter()
            .filter(|(k, _)| k.starts_with("aws_"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (settings, key) =
            S3Settings::from_keys(keys.iter().copied()).map_err(|e| error(storage, "open", e))?;
        let id = keys
            .iter()
            .filter(|(k, _)| *k != "aws_s3_object_key")
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect::<String>();
        let mut clients = CLIENTS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = clients.get(&id) {
            return Ok((client.clone(), key));
        }
        let client = Arc::new(S3Bucket::connect(&settings).map_err(|e| error(storage, "open", e))?);
        clients.insert(id, client.clone());
        Ok((client, key))
    }

    /// Content fingerprints by (bucket, key, ETag): a HEAD tells whether the object changed.
    fn known(id: &str, e_tag: &Option<String>) -> Option<Fingerprint> {
        let tag = e_tag.as_ref()?;
        hashes().lock().unwrap_or_else(|p| p.into_inner()).get(&(id.to_string(), tag.clone())).copied()
    }

    fn remember(id: &str, e_tag: &Option<String>, hash: Fingerprint) {
        if let Some(tag) = e_tag {
            hashes().lock().unwrap_or_else(|p| p.into_inner()).insert((id.to_string(), tag.clone()), hash);
        }
    }

    fn hashes() -> &'static Mutex<HashMap<(String, String), Fingerprint>> {
        static HASHES: OnceLock<Mutex<HashMap<(String, String), Fingerprint>>> = OnceLock::new();
        HASHES.get_or_init(Default::default)
    }

    fn id(client: &S3Bucket, key: &str) -> String {
        format!("{}/{key}", client.settings().bucket())
    }

    pub(super) fn store(storage: &Storage, ty: ValueType, value: &AnyValue) -> Result<Stored, StoreError> {
        let (client, key) = bucket(storage)?;
        let dir = tempfile::tempdir().map_err(|e| error(storage, "write", e))?;
        let path = dir.path().join("object");
        let spec = FileSpec { format: object_format(&key), path: &path, has_header: true, sheet_name: None };
        ty.write_file(value, &spec).map_err(|e| error(storage, "write", e))?;
        let bytes = std::fs::read(&path).map_err(|e| error(storage, "write", e))?;
        let hash = content_fingerprint(&bytes);
        let info = client.put(&key, bytes).map_err(|e| error(storage, "write", e))?;
        remember(&id(&client, &key), &info.e_tag, hash);
        stored(storage, hash)
    }

    pub(super) fn load(storage: &Storage, ty: ValueType) -> Result<AnyValue, StoreError> {
        let (client, key) = bucket(storage)?;
        let bytes = client.get(&key).map_err(|e| error(storage, "read", e))?;
        let dir = tempfile::tempdir().map_err(|e| error(storage, "read", e))?;
        let path = dir.path().join("object");
        std::fs::write(&path, &bytes).map_err(|e| error(storage, "read", e))?;
        let spec = FileSpec { format: object_format(&key), path: &path, has_header: true, sheet_name: None };
        ty.read_file(&spec).map_err(|e| error(storage, "read", e))
    }

    /// The object's fingerprint now, `None` when it does not exist.
    fn current(storage: &Storage) -> Result<Option<Fingerprint>, StoreError> {
        let (client, key) = bucket(storage)?;
        let Some(info) = client.head(&key).map_err(|e| error(storage, "read", e))? else { return Ok(None) };
        let id = id(&client, &key);
        if let Some(hash) = known(&id, &info.e_tag) {
            return Ok(Some(hash));
        }
        let bytes = client.get(&key).map_err(|e| error(storage, "read", e))?;
        let hash = content_fingerprint(&bytes);
        remember(&id, &info.e_tag, hash);
        Ok(Some(hash))
    }

    pub(super) fn refresh(storage: &Storage) -> Result<Fingerprint, StoreError> {
        current(storage)?.ok_or_else(|| error(storage, "read", "the object does not exist"))
    }

    pub(super) fn adopt(storage: &Storage) -> Result<Option<Stored>, StoreError> {
        current(storage)?.map(|hash| stored(storage, hash)).transpose()
    }
}

/// The feature a kind needs, when it is off.
fn missing_feature(storage: &Storage) -> StoreError {
    let feature = if storage.kind() == StorageKind::S3Object { "s3" } else { "sql" };
    error(storage, "use", format!("taipy is built without its `{feature}` feature"))
}

/// Writes `value` to the service location; returns what the store records.
pub(super) fn store(storage: &Storage, ty: ValueType, value: &AnyValue) -> Result<Stored, StoreError> {
    match storage.kind() {
        #[cfg(feature = "sql")]
        StorageKind::SqlTable | StorageKind::Sql => sql_kinds::store(storage, ty, value),
        #[cfg(feature = "s3")]
        StorageKind::S3Object => s3_kind::store(storage, ty, value),
        _ => {
            let _ = (ty, value);
            Err(missing_feature(storage))
        }
    }
}

/// Appends the rows of `value` to the table (`sql_table`) or through the append statements
/// (`sql`); returns what the store records for the location after the append.
pub(super) fn append(storage: &Storage, ty: ValueType, value: &AnyValue) -> Result<Stored, StoreError> {
    match storage.kind() {
        #[cfg(feature = "sql")]
        StorageKind::SqlTable | StorageKind::Sql => sql_kinds::append(storage, ty, value),
        _ => {
            let _ = (ty, value);
            Err(missing_feature(storage))
        }
    }
}

/// Reads the value the location holds now.
pub(super) fn load(storage: &Storage, ty: ValueType) -> Result<AnyValue, StoreError> {
    match storage.kind() {
        #[cfg(feature = "sql")]
        StorageKind::SqlTable | StorageKind::Sql => sql_kinds::load(storage, ty),
        #[cfg(feature = "s3")]
        StorageKind::S3Object => s3_kind::load(storage, ty),
        _ => {
            let _ = ty;
            Err(missing_feature(storage))
        }
    }
}

/// The content fingerprint of the location now; an error when the value is gone.
pub(super) fn refresh(storage: &Storage) -> Result<Fingerprint, StoreError> {
    match storage.kind() {
        #[cfg(feature = "sql")]
        StorageKind::SqlTable | StorageKind::Sql => sql_kinds::refresh(storage),
        #[cfg(feature = "s3")]
        StorageKind::S3Object => s3_kind::refresh(storage),
        _ => Err(missing_feature(storage)),
    }
}

/// A source node's first value: the location's content, when there is one.
pub(super) fn adopt(storage: &Storage) -> Result<Option<Stored>, StoreError> {
    match storage.kind() {
        #[cfg(feature = "sql")]
        StorageKind::SqlTable | StorageKind::Sql => sql_kinds::adopt(storage),
        #[cfg(feature = "s3")]
        StorageKind::S3Object => s3_kind::adopt(storage),
        _ => Ok(None),
    }
}
