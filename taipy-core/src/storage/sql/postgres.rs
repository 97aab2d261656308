//! The PostgreSQL engine (the sync `postgres` client, without TLS).

use postgres::types::{ToSql, Type};
use postgres::{Client, Config, GenericClient, NoTls};
use serde_json::{Number, Value};

use super::{ColumnType, Records, SqlError, Statement, WriteMode, create_or_check, insert_sql, quote_table};

fn type_name(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::Integer => "BIGINT",
        ColumnType::Real => "DOUBLE PRECISION",
        ColumnType::Text => "TEXT",
    }
}

/// "postgresql database `name` at host:port", without user or password.
pub(super) fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("postgresql database `{}` at {host}:{port}", config.get_dbname().unwrap_or("(default)"))
}

/// The error's whole story: the server's message with its detail and hint, or the driver's
/// message with its causes (`postgres::Error`'s own text is only "db error", "error connecting
/// to server"). Also the store's catalog on PostgreSQL's.
pub(crate) fn reason(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn connect(config: &Config, database: &str) -> Result<Client, SqlError> {
    config
        .connect(NoTls)
        .map_err(|e| SqlError::Connect { database: database.to_string(), reason: reason(&e) })
}

fn failed(database: &str, statement: &str, e: postgres::Error) -> SqlError {
    SqlError::Statement {
        database: database.to_string(),
        statement: statement.to_string(),
        reason: reason(&e),
    }
}

/// The table's columns, `None` when it does not exist. An unqualified name is looked up in the
/// current schema (the first of the search path).
fn table_columns(
    client: &mut impl GenericClient,
    table: &str,
    database: &str,
) -> Result<Option<Vec<String>>, SqlError> {
    let (schema, name) = match table.split_once('.') {
        Some((schema, name)) => (Some(schema), name),
        None => (None, table),
    };
    let sql = "SELECT column_name::text FROM information_schema.columns \
               WHERE table_schema::text = COALESCE($1::text, current_schema()::text) AND table_name::text = $2::text \
               ORDER BY ordinal_position";
    let rows = client.query(sql, &[&schema, &name]).map_err(|e| failed(database, sql, e))?;
    let names: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    Ok(if names.is_empty() { None } else { Some(names) })
}

pub(super) fn read_table(config: &Config, table: &str, database: &str) -> Result<Records, SqlError> {
    let mut client = connect(config, database)?;
    if table_columns(&mut client, table, database)?.is_none() {
        return Err(SqlError::NoTable { database: database.to_string(), table: table.to_string() });
    }
    query(&mut client, &format!("SELECT * FROM {}", quote_table(table)), database)
}

pub(super) fn read_query(config: &Config, sql: &str, database: &str) -> Result<Records, SqlError> {
    query(&mut connect(config, database)?, sql, database)
}

fn query(client: &mut Client, sql: &str, database: &str) -> Result<Records, SqlError> {
    let statement = client.prepare(sql).map_err(|e| failed(database, sql, e))?;
    let columns: Vec<String> = statement.columns().iter().map(|c| c.name().to_string()).collect();
    for column in statement.columns() {
        if !readable(column.type_()) {
            return Err(SqlError::ColumnType {
                database: database.to_string(),
                column: column.name().to_string(),
                ty: column.type_().name().to_string(),
            });
        }
    }
    let rows = client.query(&statement, &[]).map_err(|e| failed(database, sql, e))?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut cells = Vec::with_capacity(columns.len());
        for (i, column) in statement.columns().iter().enumerate() {
            let get = |e: postgres::Error| failed(database, sql, e);
            let cell = match *column.type_() {
                Type::BOOL => row.try_get::<_, Option<bool>>(i).map_err(get)?.map(Value::Bool),
                Type::INT2 => row.try_get::<_, Option<i16>>(i).map_err(get)?.map(Value::from),
                Type::INT4 => row.try_get::<_, Option<i32>>(i).map_err(get)?.map(Value::from),
                Type::INT8 => row.try_get::<_, Option<i64>>(i).map_err(get)?.map(Value::from),
                Type::FLOAT4 => row
                    .try_get::<_, Option<f32>>(i)
                    .map_err(get)?
                    .and_then(|x| Number::from_f64(f64::from(x)).map(Value::Number)),
                Type::FLOAT8 => row
                    .try_get::<_, Option<f64>>(i)
                    .map_err(get)?
                    .and_then(|x| Number::from_f64(x).map(Value::Number)),
                _ => row.try_get::<_, Option<String>>(i).map_err(get)?.map(Value::String),
            };
            cells.push(cell.unwrap_or(Value::Null));
        }
        out.push(cells);
    }
    Ok(Records::from_parts(columns, out))
}

fn readable(ty: &Type) -> bool {
    [
        Type::BOOL,
        Type::INT2,
        Type::INT4,
        Type::INT8,
        Type::FLOAT4,
        Type::FLOAT8,
        Type::TEXT,
        Type::VARCHAR,
        Type::BPCHAR,
        Type::NAME,
    ]
    .contains(ty)
}

/// A JSON cell as a parameter of the type the server expects there.
fn parameter(
    value: &Value,
    ty: &Type,
    column: &str,
    database: &str,
) -> Result<Box<dyn ToSql + Sync>, SqlError> {
    let misfit = || SqlError::Value {
        database: database.to_string(),
        column: column.to_string(),
        ty: ty.name().to_string(),
        value: value.to_string(),
    };
    let int = |v: &Value| v.as_i64().ok_or_else(misfit);
    Ok(match (ty, value) {
        (&Type::BOOL, Value::Null) => Box::new(None::<bool>),
        (&Type::BOOL, Value::Bool(b)) => Box::new(*b),
        (&Type::INT2, Value::Null) => Box::new(None::<i16>),
        (&Type::INT2, v) => Box::new(i16::try_from(int(v)?).map_err(|_| misfit())?),
        (&Type::INT4, Value::Null) => Box::new(None::<i32>),
        (&Type::INT4, v) => Box::new(i32::try_from(int(v)?).map_err(|_| misfit())?),
        (&Type::INT8, Value::Null) => Box::new(None::<i64>),
        (&Type::INT8, v) => Box::new(int(v)?),
        (&Type::FLOAT4, Value::Null) => Box::new(None::<f32>),
        (&Type::FLOAT4, Value::Number(n)) => Box::new(n.as_f64().ok_or_else(misfit)? as f32),
        (&Type::FLOAT8, Value::Null) => Box::new(None::<f64>),
        (&Type::FLOAT8, Value::Number(n)) => Box::new(n.as_f64().ok_or_else(misfit)?),
        (&Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME, Value::Null) => Box::new(None::<String>),
        (&Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME, Value::String(s)) => Box::new(s.clone()),
        (ty, _) if !readable(ty) => {
            return Err(SqlError::ColumnType {
                database: database.to_string(),
                column: column.to_string(),
                ty: ty.name().to_string(),
            });
        }
        _ => return Err(misfit()),
    })
}

/// Runs `statement` once per row, each value converted to the type of its parameter.
fn run_rows(
    tx: &mut postgres::Transaction<'_>,
    sql: &str,
    names: &[String],
    rows: &[Vec<Value>],
    database: &str,
) -> Result<(), SqlError> {
    let prepared = tx.prepare(sql).map_err(|e| failed(database, sql, e))?;
    let types = prepared.params().to_vec();
    for row in rows {
        if row.len() < types.len() {
            return Err(SqlError::Statement {
                database: database.to_string(),
                statement: sql.to_string(),
                reason: format!("{} parameters but the row has {} values", types.len(), row.len()),
            });
        }
        let values = types
            .iter()
            .enumerate()
            .map(|(i, ty)| parameter(&row[i], ty, &names[i], database))
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|b| b.as_ref()).collect();
        tx.execute(&prepared, &refs).map_err(|e| failed(database, sql, e))?;
    }
    Ok(())
}

pub(super) fn write_table(
    config: &Config,
    table: &str,
    records: &Records,
    mode: WriteMode,
    database: &str,
) -> Result<(), SqlError> {
    let mut client = connect(config, database)?;
    let mut tx = client.transaction().map_err(|e| failed(database, "BEGIN", e))?;
    let existing = table_columns(&mut tx, table, database)?;
    if let Some(create) = create_or_check(existing, table, records, type_name, database)? {
        tx.batch_execute(&create).map_err(|e| failed(database, &create, e))?;
    }
    if mode == WriteMode::Replace {
        let delete = format!("DELETE FROM {}", quote_table(table));
        tx.batch_execute(&delete).map_err(|e| failed(database, &delete, e))?;
    }
    let insert = insert_sql(table, records.columns());
    run_rows(&mut tx, &insert, records.columns(), records.rows(), database)?;
    tx.commit().map_err(|e| failed(database, "COMMIT", e))
}

pub(super) fn execute(config: &Config, statements: &[Statement], database: &str) -> Result<(), SqlError> {
    let mut client = connect(config, database)?;
    let mut tx = client.transaction().map_err(|e| failed(database, "BEGIN", e))?;
    for statement in statements {
        let sql = statement.sql();
        if statement.rows.is_empty() {
            tx.batch_execute(sql).map_err(|e| failed(database, sql, e))?;
        } else {
            let width = statement.rows.iter().map(Vec::len).max().unwrap_or(0);
            let names: Vec<String> = (1..=width).map(|i| format!("${i}")).collect();
            run_rows(&mut tx, sql, &names, &statement.rows, database)?;
        }
    }
    tx.commit().map_err(|e| failed(database, "COMMIT", e))
}
