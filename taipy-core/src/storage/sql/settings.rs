//! Connection settings: Taipy's `db_*` keys, or one URL.

use std::path::PathBuf;

#[cfg(feature = "postgres")]
use super::Engine;
use super::{Database, SqlError};

/// The keys [`Database::from_keys`] understands, as Taipy names them.
pub const KEYS: &[&str] = &[
    "db_engine",
    "db_name",
    "db_host",
    "db_port",
    "db_username",
    "db_password",
    "db_driver",
    "db_extra_args",
    "sqlite_folder_path",
    "sqlite_file_extension",
];

impl Database {
    /// Settings from a URL: `postgres://user:password@host:port/database?connect_timeout=5`
    /// (also `postgresql://`, and libpq's `key=value` form), or `sqlite://path/to/file.db`
    /// (`sqlite:///absolute/path.db`).
    pub fn from_url(url: &str) -> Result<Self, SqlError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(SqlError::Settings(format!("`{url}` names no SQLite file")));
            }
            return Ok(Self::sqlite(path));
        }
        postgres_from_url(url)
    }

    /// Settings from Taipy's keys (values as text, as a TOML loader passes them):
    ///
    /// - `db_engine`: `sqlite` or `postgresql` (required);
    /// - `db_name`: the database (required); for SQLite the file is
    ///   `sqlite_folder_path/db_name + sqlite_file_extension` (defaults `.` and `.db`, as Taipy);
    /// - `db_host` (default `localhost`), `db_port` (default 5432), `db_username`,
    ///   `db_password`: the PostgreSQL server;
    /// - `db_extra_args`: a TOML inline table of connection options for PostgreSQL,
    ///   `{ connect_timeout = 5, application_name = "taipy", options = "-c search_path=s" }`;
    /// - `db_driver`: accepted for Taipy's files and ignored (the drivers are built in).
    ///
    /// Any other key is an error naming it.
    ///
    /// ```
    /// use taipy_core::storage::sql::Database;
    /// let db = Database::from_keys([("db_engine", "sqlite"), ("db_name", "sales"), ("sqlite_folder_path", "data")])?;
    /// assert_eq!(db.to_string(), "sqlite database `data/sales.db`");
    /// # Ok::<(), taipy_core::storage::sql::SqlError>(())
    /// ```
    pub fn from_keys<'a>(keys: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, SqlError> {
        let mut engine = None;
        let mut name = None;
        let mut host = "localhost";
        let mut port = None;
        let mut user = None;
        let mut password = None;
        let mut extra = None;
        let mut folder = ".";
        let mut extension = ".db";
        for (key, value) in keys {
            match key {
                "db_engine" => engine = Some(value),
                "db_name" => name = Some(value),
                "db_host" => host = value,
                "db_port" => {
                    port = Some(value.trim().parse::<u16>().map_err(|_| {
                        SqlError::Settings(format!("db_port `{value}` is not a port number (1 to 65535)"))
                    })?)
                }
                "db_username" => user = Some(value),
                "db_password" => password = Some(value),
                "db_extra_args" => extra = Some(value),
                "db_driver" => {}
                "sqlite_folder_path" => folder = value,
                "sqlite_file_extension" => extension = value,
                other => {
                    return Err(SqlError::Settings(format!(
                        "unknown key `{other}`; the database keys are {}",
                        KEYS.join(", ")
                    )));
                }
            }
        }
        let engine =
            engine.ok_or_else(|| SqlError::Settings("db_engine is missing (sqlite or postgresql)".into()))?;
        let name =
            name.ok_or_else(|| SqlError::Settings(format!("db_name is missing for db_engine `{engine}`")))?;
        match engine {
            "sqlite" => {
                let mut file = PathBuf::from(folder);
                file.push(format!("{name}{extension}"));
                Ok(Self::sqlite(file))
            }
            "postgresql" | "postgres" => postgres_from_keys(name, host, port, user, password, extra),
            other => Err(SqlError::Settings(format!(
                "db_engine `{other}` is not supported: use sqlite or postgresql"
            ))),
        }
    }
}

#[cfg(feature = "postgres")]
fn postgres_from_url(url: &str) -> Result<Database, SqlError> {
    let config: ::postgres::Config = url.parse().map_err(|e| {
        SqlError::Settings(format!(
            "`{}` is neither sqlite://PATH nor a PostgreSQL URL: {e}",
            hide_password(url)
        ))
    })?;
    Ok(Database { engine: Engine::Postgres(Box::new(config)) })
}

#[cfg(not(feature = "postgres"))]
fn postgres_from_url(url: &str) -> Result<Database, SqlError> {
    Err(SqlError::Settings(format!(
        "`{}` is not sqlite://PATH; PostgreSQL URLs need taipy's `postgres` feature",
        hide_password(url)
    )))
}

#[cfg(feature = "postgres")]
fn postgres_from_keys(
    name: &str,
    host: &str,
    port: Option<u16>,
    user: Option<&str>,
    password: Option<&str>,
    extra: Option<&str>,
) -> Result<Database, SqlError> {
    let mut config = ::postgres::Config::new();
    config.dbname(name).host(host).port(port.unwrap_or(5432));
    if let Some(user) = user {
        config.user(user);
    }
    if let Some(password) = password {
        config.password(password);
    }
    if let Some(extra) = extra {
        let table: toml::Table = toml::from_str(&format!("args = {extra}"))
            .ok()
            .and_then(|mut t: toml::Table| t.remove("args"))
            .and_then(|v| v.as_table().cloned())
            .ok_or_else(|| {
                SqlError::Settings(format!("db_extra_args `{extra}` is not a TOML inline table"))
            })?;
        for (key, value) in &table {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match key.as_str() {
                "connect_timeout" => {
                    let secs: u64 = text.parse().map_err(|_| {
                        SqlError::Settings(format!(
                            "db_extra_args: connect_timeout `{text}` is not a number of seconds"
                        ))
                    })?;
                    config.connect_timeout(std::time::Duration::from_secs(secs));
                }
                "application_name" => {
                    config.application_name(&text);
                }
                "options" => {
                    config.options(&text);
                }
                other => {
                    return Err(SqlError::Settings(format!(
                        "db_extra_args: unknown option `{other}` (connect_timeout, application_name, options)"
                    )));
                }
            }
        }
    }
    Ok(Database { engine: Engine::Postgres(Box::new(config)) })
}

#[cfg(not(feature = "postgres"))]
fn postgres_from_keys(
    _: &str,
    _: &str,
    _: Option<u16>,
    _: Option<&str>,
    _: Option<&str>,
    _: Option<&str>,
) -> Result<Database, SqlError> {
    Err(SqlError::Settings("db_engine `postgresql` needs taipy's `postgres` feature".into()))
}

/// The URL with its password replaced by `***`, for messages.
fn hide_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_string() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_hide_the_password() {
        assert_eq!(hide_password("postgres://u:secret@h:1/db"), "postgres://u:***@h:1/db");
        assert_eq!(hide_password("postgres://h/db"), "postgres://h/db");
    }
}
