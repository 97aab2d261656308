//! Appending rows to a node's location, where Taipy has `DataNode.append`: the file kinds
//! `csv`, `parquet`, `json` and `excel`, and `sql_table`; `sql` runs the statements of its
//! `append_query_builder`.
//!
//! - **Files**: the file is rewritten, not appended to in place. The rows it holds now (read as
//!   the node's type) and the new rows go through their records (column names and JSON
//!   values), which must have the same columns; the whole table is then written as any write
//!   is (a store artifact, a temporary file beside the path, fsync, rename). A reader sees the
//!   old table or the new one, never a half-appended file, and a failed append leaves the file
//!   as it was. The cost is a read and a write of the whole file per append: CSV could be
//!   appended to in place, but not atomically, and Parquet and Excel cannot be at all.
//!   A missing file is created with the new rows.
//! - **`sql_table`**: the rows are inserted in one transaction, after the table's columns are
//!   checked against them (a table that does not exist is created).
//! - **`sql`**: the statements the `append_query_builder` registered under the node's name
//!   for it returns, in one transaction.
//!
//! Only tables can be appended to: frames and serde rows (`Vec<R>`), what a csv file holds.

use crate::error::StoreError;
use crate::value::records::Records;
use crate::value::{AnyValue, FileFormat, FileSpec, StoreCx, Stored, ValueType};

use super::{Storage, StorageKind, files};

/// Appends the rows of `value` to `storage`'s location; returns what the store records for the
/// whole table as it is after the append.
pub(super) fn append(
    storage: &Storage,
    ty: ValueType,
    value: &AnyValue,
    cx: &StoreCx<'_>,
) -> Result<Stored, StoreError> {
    let kind = storage.kind();
    let appendable = matches!(
        kind,
        StorageKind::Csv
            | StorageKind::Parquet
            | StorageKind::Json
            | StorageKind::Excel
            | StorageKind::SqlTable
            | StorageKind::Sql
    );
    if !appendable {
        return Err(StoreError::AppendUnsupported { kind: kind.name() });
    }
    if !ty.file_formats().contains(FileFormat::Csv) {
        return Err(StoreError::AppendNotRows { kind: kind.name(), type_name: ty.name().to_owned() });
    }
    if kind.is_service() {
        return super::services::append(storage, ty, value);
    }
    let (Some(format), Some(path)) = (kind.file_format(), storage.path()) else {
        return Err(StoreError::AppendUnsupported { kind: kind.name() });
    };
    let failed = |reason: String| files::error(kind, "append to", path, reason);
    let added = records(ty, value).map_err(failed)?;
    let spec = storage.spec(format, path);
    let mut table = match path.is_file() {
        true => {
            // The file's own columns first: the node's type could read a file with more
            // columns than it has, and rewriting it would drop them.
            let columns = file_columns(&spec).map_err(failed)?;
            if let Some(columns) = columns.filter(|c| !c.is_empty() && !same_columns(c, &added.columns)) {
                return Err(failed(format!(
                    "the rows have columns [{}] but the file has [{}]; nothing was appended",
                    added.columns.join(", "),
                    columns.join(", ")
                )));
            }
            let now = ty.read_file(&spec).map_err(failed)?;
            match records(ty, &now).map_err(failed)? {
                empty if empty.rows.is_empty() => {
                    Records { columns: added.columns.clone(), rows: Vec::new() }
                }
                table => table,
            }
        }
        false => Records { columns: added.columns.clone(), rows: Vec::new() },
    };
    if !same_columns(&table.columns, &added.columns) {
        return Err(failed(format!(
            "the rows have columns [{}] but the file has [{}]; nothing was appended",
            added.columns.join(", "),
            table.columns.join(", ")
        )));
    }
    // Rows in the table's column order.
    let order: Vec<usize> = table
        .columns
        .iter()
        .map(|c| added.columns.iter().position(|a| a == c).expect("same columns"))
        .collect();
    table.rows.extend(added.rows.into_iter().map(|row| order.iter().map(|&i| row[i].clone()).collect()));
    let whole = value_of(ty, &table).map_err(failed)?;
    storage.store(ty, &whole, cx)
}

/// The same columns, in any order.
fn same_columns(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|c| b.contains(c))
}

/// The columns a file holds, as its own header says (`None` for a CSV file without one).
fn file_columns(spec: &FileSpec<'_>) -> Result<Option<Vec<String>>, String> {
    match spec.format {
        FileFormat::Csv if !spec.has_header => Ok(None),
        FileFormat::Csv => {
            let mut reader = csv::Reader::from_path(spec.path).map_err(|e| e.to_string())?;
            let headers = reader.headers().map_err(|e| e.to_string())?;
            Ok(Some(headers.iter().map(str::to_owned).collect()))
        }
        _ => Records::read(spec).map(|r| Some(r.columns)),
    }
}

/// A scratch JSON file's spec.
fn json(path: &std::path::Path) -> FileSpec<'_> {
    FileSpec { format: FileFormat::Json, path, has_header: true, sheet_name: None }
}

/// The value's table, through its JSON records.
fn records(ty: ValueType, value: &AnyValue) -> Result<Records, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a scratch folder: {e}"))?;
    let path = dir.path().join("records.json");
    ty.write_file(value, &json(&path))?;
    Records::read(&json(&path))
}

/// A value of `ty` holding `table`, through JSON records.
fn value_of(ty: ValueType, table: &Records) -> Result<AnyValue, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("cannot make a scratch folder: {e}"))?;
    let path = dir.path().join("records.json");
    table.write(&json(&path))?;
    ty.read_file(&json(&path))
}
