//! Tables and queries on SQLite (embedded, the default) and PostgreSQL (feature `postgres`):
//! the backend of the `sql_table` and `sql` storage kinds.
//!
//! A [`Database`] is connection settings (a SQLite file, or a PostgreSQL server), from Taipy's
//! `db_*` keys ([`Database::from_keys`]) or a URL ([`Database::from_url`]). It reads a table or a
//! query into [`Records`] and writes records to a table by [`WriteMode::Replace`] or
//! [`WriteMode::Append`], each write in one transaction: readers see the old rows or the new ones,
//! and a write that fails half-way leaves the old rows. [`Database::execute`] runs the user's own
//! write statements (Taipy's `write_query_builder`) in one transaction.
//!
//! # Types
//!
//! A missing table is created from the rows' values:
//!
//! | values          | SQLite    | PostgreSQL         |
//! |-----------------|-----------|--------------------|
//! | booleans        | `BOOLEAN` | `BOOLEAN`          |
//! | integers        | `INTEGER` | `BIGINT`           |
//! | floats (or both)| `REAL`    | `DOUBLE PRECISION` |
//! | strings, nulls  | `TEXT`    | `TEXT`             |
//!
//! Reading maps back the same way (PostgreSQL's `SMALLINT`, `INTEGER`, `REAL`, `VARCHAR`, `CHAR`
//! too; SQLite's `BOOLEAN` columns read as booleans). Other column types (dates, `NUMERIC`, ...)
//! are an error naming the column: cast them in a `read_query`. An existing table must have
//! exactly the rows' columns (in any order), or the write is refused naming both lists.
//!
//! Each operation opens its own connection and closes it (no pool): a SQLite open is cheap, and
//! a data node is written once per job.
//!
//! ```
//! use taipy_core::storage::sql::{Database, Records, WriteMode};
//! # let dir = tempfile::tempdir()?;
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! struct Sale { day: String, amount: i64 }
//!
//! let db = Database::sqlite(dir.path().join("sales.db"));
//! let sales = vec![Sale { day: "mon".into(), amount: 3 }, Sale { day: "tue".into(), amount: 5 }];
//! db.write_table("sales", &Records::from_serde(&sales)?, WriteMode::Replace)?;
//! assert_eq!(db.read_table("sales")?.to_serde::<Sale>()?, sales);
//! let total = db.read_query("SELECT SUM(amount) AS total FROM sales")?;
//! assert_eq!(total.rows(), [vec![serde_json::json!(8)]]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "polars")]
mod frames;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
mod records;
mod settings;
mod sqlite;

use std::path::PathBuf;

use records::ColumnType;
pub use records::Records;
pub use serde_json::Value;
pub use settings::KEYS;

use crate::Fingerprint;

/// How a write treats the rows already in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteMode {
    /// The table holds exactly the new rows afterwards.
    #[default]
    Replace,
    /// The new rows are added after the ones already there.
    Append,
}

/// One write statement of the user's, with the rows of parameters it runs for: the Rust
/// counterpart of what Taipy's `write_query_builder` returns.
///
/// Parameters are written `$1`, `$2`, ... on both engines. A statement without rows runs once
/// without parameters; with rows it runs once per row.
///
/// ```
/// use taipy_core::storage::sql::Statement;
/// use serde_json::json;
///
/// // A `write_query_builder` for a node holding (day, sales) pairs.
/// fn write_sales(sales: &Vec<(String, i64)>) -> Vec<Statement> {
///     vec![
///         Statement::new("DELETE FROM sales"),
///         Statement::new("INSERT INTO sales VALUES ($1, $2)")
///             .rows(sales.iter().map(|(day, n)| vec![json!(day), json!(n)])),
///     ]
/// }
/// assert_eq!(write_sales(&vec![("mon".into(), 3)]).len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    sql: String,
    rows: Vec<Vec<Value>>,
}

impl Statement {
    /// A statement that runs once, without parameters.
    pub fn new(sql: impl Into<String>) -> Self {
        Self { sql: sql.into(), rows: Vec::new() }
    }

    /// Runs the statement once per row of parameters (`$1` is a row's first value).
    pub fn rows(mut self, rows: impl IntoIterator<Item = Vec<Value>>) -> Self {
        self.rows.extend(rows);
        self
    }

    /// The SQL text.
    pub fn sql(&self) -> &str {
        &self.sql
    }
}

/// A `write_query_builder`: the statements that write a node's rows.
pub type WriteQueryBuilder = std::sync::Arc<dyn Fn(&Records) -> Vec<Statement> + Send + Sync>;

fn builders() -> &'static std::sync::RwLock<std::collections::HashMap<String, WriteQueryBuilder>> {
    static BUILDERS: std::sync::OnceLock<
        std::sync::RwLock<std::collections::HashMap<String, WriteQueryBuilder>>,
    > = std::sync::OnceLock::new();
    BUILDERS.get_or_init(Default::default)
}

/// Registers a `write_query_builder` under `name`, the name a `sql` node's
/// `write_query_builder` key gives (Taipy passes the function itself; a TOML file can only name
/// it). The builder gets the rows being written (a frame's or serde rows' records) and returns
/// the statements, which run in one transaction. Registering a name again replaces the builder.
///
/// ```
/// use taipy_core::storage::sql::{Statement, register_write_query_builder};
/// register_write_query_builder("replace_sales", |records| {
///     vec![
///         Statement::new("DELETE FROM sales"),
///         Statement::new("INSERT INTO sales (day, amount) VALUES ($1, $2)").rows(records.rows().iter().cloned()),
///     ]
/// });
/// ```
pub fn register_write_query_builder(
    name: &str,
    builder: impl Fn(&Records) -> Vec<Statement> + Send + Sync + 'static,
) {
    builders()
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_string(), std::sync::Arc::new(builder));
}

/// The builder registered under `name`.
pub(crate) fn write_query_builder(name: &str) -> Option<WriteQueryBuilder> {
    builders().read().unwrap_or_else(|p| p.into_inner()).get(name).cloned()
}

/// Errors of the SQL storage. Messages name the database (never its password), the table or
/// statement, and the server's own message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// The connection settings are invalid (unknown engine, a missing or malformed key).
    #[error("invalid database settings: {0}")]
    Settings(String),
    /// The database could not be opened or reached, or refused the credentials.
    #[error("cannot connect to {database}: {reason}")]
    Connect {
        /// The database, e.g. "postgresql database `sales` at db.local:5432".
        database: String,
        /// The driver's or server's reason.
        reason: String,
    },
    /// A statement failed (syntax error, constraint, type mismatch ...).
    #[error("{database}: `{statement}` failed: {reason}")]
    Statement {
        /// The database.
        database: String,
        /// The statement's text.
        statement: String,
        /// The server's message.
        reason: String,
    },
    /// The table does not exist.
    #[error("{database} has no table `{table}`")]
    NoTable {
        /// The database.
        database: String,
        /// The table.
        table: String,
    },
    /// The table exists with other columns than the rows being written.
    #[error("table `{table}` of {database} has columns {}; the rows have columns {}", existing.join(", "), given.join(", "))]
    WrongColumns {
        /// The database.
        database: String,
        /// The table.
        table: String,
        /// The table's columns.
        existing: Vec<String>,
        /// The rows' columns.
        given: Vec<String>,
    },
    /// A column has a type this module does not convert.
    #[error(
        "{database}: column `{column}` has type {ty}, which taipy does not read or write; cast it to text or a number in the query"
    )]
    ColumnType {
        /// The database.
        database: String,
        /// The column.
        column: String,
        /// The column's type, as the server names it.
        ty: String,
    },
    /// A value does not fit its column (text for an integer column, ...).
    #[error("{database}: value {value} does not fit column `{column}` ({ty})")]
    Value {
        /// The database.
        database: String,
        /// The column (or parameter, `$N`).
        column: String,
        /// The column's type.
        ty: String,
        /// The value.
        value: String,
    },
    /// Rows that cannot be stored: unequal fields, nested values, a column of mixed types.
    #[error("invalid rows: {0}")]
    Rows(String),
    /// Rows read from the database do not deserialize into the requested type.
    #[error("rows do not fit `{target}`: {reason}")]
    Decode {
        /// The requested type.
        target: &'static str,
        /// serde's message.
        reason: String,
    },
}

/// Where the data is: a SQLite file, or a database on a PostgreSQL server.
///
/// Cheap to clone; every operation connects, works in one transaction where it writes, and
/// disconnects. `Display` names the database without its password.
#[derive(Clone)]
pub struct Database {
    engine: Engine,
}

#[derive(Clone)]
enum Engine {
    Sqlite(PathBuf),
    #[cfg(feature = "postgres")]
    Postgres(Box<::postgres::Config>),
}

impl Database {
    /// The SQLite database in file `path`, created on the first write.
    pub fn sqlite(path: impl Into<PathBuf>) -> Self {
        Self { engine: Engine::Sqlite(path.into()) }
    }

    /// Reads the rows of `table`, in the table's column order.
    pub fn read_table(&self, table: &str) -> Result<Records, SqlError> {
        match &self.engine {
            Engine::Sqlite(path) => sqlite::read_table(path, table, &self.to_string()),
            #[cfg(feature = "postgres")]
            Engine::Postgres(config) => postgres::read_table(config, table, &self.to_string()),
        }
    }

    /// Runs a read query and returns its rows.
    pub fn read_query(&self, query: &str) -> Result<Records, SqlError> {
        match &self.engine {
            Engine::Sqlite(path) => sqlite::read_query(path, query, &self.to_string()),
            #[cfg(feature = "postgres")]
            Engine::Postgres(config) => postgres::read_query(config, query, &self.to_string()),
        }
    }

    /// Writes `records` to `table` in one transaction, creating the table when it is missing
    /// (column types: see the module's documentation). A table with other columns is refused
    /// ([`SqlError::WrongColumns`]) and keeps its rows.
    pub fn write_table(&self, table: &str, records: &Records, mode: WriteMode) -> Result<(), SqlError> {
        match &self.engine {
            Engine::Sqlite(path) => sqlite::write_table(path, table, records, mode, &self.to_string()),
            #[cfg(feature = "postgres")]
            Engine::Postgres(config) => {
                postgres::write_table(config, table, records, mode, &self.to_string())
            }
        }
    }

    /// Runs the user's write statements in order, in one transaction: all of them take effect
    /// or none does.
    pub fn execute(&self, statements: &[Statement]) -> Result<(), SqlError> {
        match &self.engine {
            Engine::Sqlite(path) => sqlite::execute(path, statements, &self.to_string()),
            #[cfg(feature = "postgres")]
            Engine::Postgres(config) => postgres::execute(config, statements, &self.to_string()),
        }
    }

    /// The content fingerprint of `table` ([`Records::fingerprint`] of its rows), or `None`
    /// when the table (or the SQLite file) does not exist.
    pub fn table_fingerprint(&self, table: &str) -> Result<Option<Fingerprint>, SqlError> {
        match self.read_table(table) {
            Ok(records) => Ok(Some(records.fingerprint())),
            Err(SqlError::NoTable { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The content fingerprint of a query's result.
    pub fn query_fingerprint(&self, query: &str) -> Result<Fingerprint, SqlError> {
        Ok(self.read_query(query)?.fingerprint())
    }
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.engine {
            Engine::Sqlite(path) => write!(f, "sqlite database `{}`", path.display()),
            #[cfg(feature = "postgres")]
            Engine::Postgres(config) => f.write_str(&postgres::describe(config)),
        }
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({self})")
    }
}

/// A table name as SQL text: each dot-separated part quoted (`schema.table` stays qualified).
fn quote_table(table: &str) -> String {
    table.split('.').map(quote).collect::<Vec<_>>().join(".")
}

/// An identifier in double quotes, inner quotes doubled.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `CREATE TABLE` for `records`, with each engine's type names.
fn create_table_sql(
    table: &str,
    records: &Records,
    type_name: fn(ColumnType) -> &'static str,
) -> Result<String, SqlError> {
    if records.columns().is_empty() {
        return Err(SqlError::Rows(format!("cannot create table `{table}` from rows without columns")));
    }
    let types = records.column_types()?;
    let columns: Vec<String> = records
        .columns()
        .iter()
        .zip(types)
        .map(|(name, ty)| format!("{} {}", quote(name), type_name(ty)))
        .collect();
    Ok(format!("CREATE TABLE {} ({})", quote_table(table), columns.join(", ")))
}

/// `INSERT INTO table (columns) VALUES ($1, ...)`.
fn insert_sql(table: &str, columns: &[String]) -> String {
    let names: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let params: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!("INSERT INTO {} ({}) VALUES ({})", quote_table(table), names.join(", "), params.join(", "))
}

/// The same column names, in any order.
fn same_columns(existing: &[String], given: &[String]) -> bool {
    existing.len() == given.len() && given.iter().all(|c| existing.contains(c))
}

/// The statement creating `table` for `records` when it has no columns yet (`existing` is
/// `None`); nothing when its columns are the records' (in any order); otherwise the error naming
/// both lists. Both engines write through this one rule.
fn create_or_check(
    existing: Option<Vec<String>>,
    table: &str,
    records: &Records,
    type_name: fn(ColumnType) -> &'static str,
    database: &str,
) -> Result<Option<String>, SqlError> {
    match existing {
        None => create_table_sql(table, records, type_name).map(Some),
        Some(existing) if !same_columns(&existing, records.columns()) => Err(SqlError::WrongColumns {
            database: database.to_string(),
            table: table.to_string(),
            existing,
            given: records.columns().to_vec(),
        }),
        Some(_) => Ok(None),
    }
}
