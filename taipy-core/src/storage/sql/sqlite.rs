//! The SQLite engine (rusqlite, SQLite bundled).

use std::path::Path;

use rusqlite::types::{Value as Cell, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use serde_json::{Number, Value};

use super::{
    ColumnType, Records, SqlError, Statement, WriteMode, create_or_check, insert_sql, quote, quote_table,
};

fn type_name(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::Integer => "INTEGER",
        ColumnType::Real => "REAL",
        ColumnType::Text => "TEXT",
    }
}

/// Opens the file; `create` for writes (a read of a missing file is "no table", not a new file).
fn open(path: &Path, create: bool, database: &str) -> Result<Option<Connection>, SqlError> {
    if !create && !path.exists() {
        return Ok(None);
    }
    let mut flags =
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let connection = Connection::open_with_flags(path, flags)
        .map_err(|e| SqlError::Connect { database: database.to_string(), reason: e.to_string() })?;
    // Another writer (another process's job) holds the lock for a moment: wait for it.
    connection
        .busy_timeout(std::time::Duration::from_secs(30))
        .map_err(|e| SqlError::Connect { database: database.to_string(), reason: e.to_string() })?;
    Ok(Some(connection))
}

fn failed(database: &str, statement: &str, e: rusqlite::Error) -> SqlError {
    SqlError::Statement {
        database: database.to_string(),
        statement: statement.to_string(),
        reason: e.to_string(),
    }
}

/// The table's columns, `None` when it does not exist.
fn table_columns(
    connection: &Connection,
    table: &str,
    database: &str,
) -> Result<Option<Vec<String>>, SqlError> {
    let sql = match table.split_once('.') {
        Some((schema, name)) => format!("PRAGMA {}.table_info({})", quote(schema), quote(name)),
        None => format!("PRAGMA table_info({})", quote(table)),
    };
    let mut statement = connection.prepare(&sql).map_err(|e| failed(database, &sql, e))?;
    let names = statement
        .query_map([], |row| row.get::<_, String>(1))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| failed(database, &sql, e))?;
    Ok(if names.is_empty() { None } else { Some(names) })
}

pub(super) fn read_table(path: &Path, table: &str, database: &str) -> Result<Records, SqlError> {
    let no_table = || SqlError::NoTable { database: database.to_string(), table: table.to_string() };
    let connection = open(path, false, database)?.ok_or_else(no_table)?;
    if table_columns(&connection, table, database)?.is_none() {
        return Err(no_table());
    }
    query(&connection, &format!("SELECT * FROM {}", quote_table(table)), database)
}

pub(super) fn read_query(path: &Path, sql: &str, database: &str) -> Result<Records, SqlError> {
    let connection = open(path, false, database)?.ok_or_else(|| SqlError::Connect {
        database: database.to_string(),
        reason: "the file does not exist".into(),
    })?;
    query(&connection, sql, database)
}

fn query(connection: &Connection, sql: &str, database: &str) -> Result<Records, SqlError> {
    let mut statement = connection.prepare(sql).map_err(|e| failed(database, sql, e))?;
    let columns: Vec<String> = statement.column_names().into_iter().map(String::from).collect();
    let boolean: Vec<bool> = statement
        .columns()
        .into_iter()
        .map(|c| c.decl_type().is_some_and(|t| t.to_ascii_uppercase().contains("BOOL")))
        .collect();
    let mut rows = Vec::new();
    let mut cursor = statement.query([]).map_err(|e| failed(database, sql, e))?;
    while let Some(row) = cursor.next().map_err(|e| failed(database, sql, e))? {
        let mut cells = Vec::with_capacity(columns.len());
        for (i, name) in columns.iter().enumerate() {
            let cell = match row.get_ref(i).map_err(|e| failed(database, sql, e))? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(n) if boolean[i] => Value::Bool(n != 0),
                ValueRef::Integer(n) => Value::from(n),
                ValueRef::Real(x) => Number::from_f64(x).map_or(Value::Null, Value::Number),
                ValueRef::Text(bytes) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
                ValueRef::Blob(_) => {
                    return Err(SqlError::ColumnType {
                        database: database.to_string(),
                        column: name.clone(),
                        ty: "BLOB".into(),
                    });
                }
            };
            cells.push(cell);
        }
        rows.push(cells);
    }
    Ok(Records::from_parts(columns, rows))
}

/// A JSON cell as an SQLite value.
fn cell(value: &Value, column: &str, database: &str) -> Result<Cell, SqlError> {
    Ok(match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Integer(i64::from(*b)),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Cell::Integer(i),
            (None, Some(x)) if !n.is_u64() => Cell::Real(x),
            _ => {
                return Err(SqlError::Value {
                    database: database.to_string(),
                    column: column.to_string(),
                    ty: "INTEGER (64-bit)".into(),
                    value: n.to_string(),
                });
            }
        },
        Value::String(s) => Cell::Text(s.clone()),
        other => {
            return Err(SqlError::Value {
                database: database.to_string(),
                column: column.to_string(),
                ty: "a scalar".into(),
                value: other.to_string(),
            });
        }
    })
}

pub(super) fn write_table(
    path: &Path,
    table: &str,
    records: &Records,
    mode: WriteMode,
    database: &str,
) -> Result<(), SqlError> {
    let mut connection = open(path, true, database)?.expect("created");
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| failed(database, "BEGIN IMMEDIATE", e))?;
    let existing = table_columns(&tx, table, database)?;
    if let Some(create) = create_or_check(existing, table, records, type_name, database)? {
        tx.execute_batch(&create).map_err(|e| failed(database, &create, e))?;
    }
    if mode == WriteMode::Replace {
        let delete = format!("DELETE FROM {}", quote_table(table));
        tx.execute_batch(&delete).map_err(|e| failed(database, &delete, e))?;
    }
    let insert = insert_sql(table, records.columns());
    {
        let mut statement = tx.prepare(&insert).map_err(|e| failed(database, &insert, e))?;
        for row in records.rows() {
            let cells = row
                .iter()
                .zip(records.columns())
                .map(|(value, column)| cell(value, column, database))
                .collect::<Result<Vec<_>, _>>()?;
            statement.execute(rusqlite::params_from_iter(cells)).map_err(|e| failed(database, &insert, e))?;
        }
    }
    tx.commit().map_err(|e| failed(database, "COMMIT", e))
}

pub(super) fn execute(path: &Path, statements: &[Statement], database: &str) -> Result<(), SqlError> {
    let mut connection = open(path, true, database)?.expect("created");
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| failed(database, "BEGIN IMMEDIATE", e))?;
    for statement in statements {
        let sql = statement.sql();
        if statement.rows.is_empty() {
            tx.execute_batch(sql).map_err(|e| failed(database, sql, e))?;
            continue;
        }
        let mut prepared = tx.prepare(sql).map_err(|e| failed(database, sql, e))?;
        // `$N` binds the row's N-th value wherever it appears; `?` binds by position.
        let slots: Vec<usize> = (1..=prepared.parameter_count())
            .map(|i| {
                prepared
                    .parameter_name(i)
                    .and_then(|name| name.strip_prefix('$'))
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(i)
            })
            .collect();
        for row in &statement.rows {
            for (i, &slot) in slots.iter().enumerate() {
                let parameter = format!("${slot}");
                let value = row.get(slot - 1).ok_or_else(|| SqlError::Statement {
                    database: database.to_string(),
                    statement: sql.to_string(),
                    reason: format!("parameter {parameter} but the row has {} values", row.len()),
                })?;
                prepared
                    .raw_bind_parameter(i + 1, cell(value, &parameter, database)?)
                    .map_err(|e| failed(database, sql, e))?;
            }
            prepared.raw_execute().map_err(|e| failed(database, sql, e))?;
        }
    }
    tx.commit().map_err(|e| failed(database, "COMMIT", e))
}
