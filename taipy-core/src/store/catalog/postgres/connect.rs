//! Where a PostgreSQL catalog lives, and the connections to it.
//!
//! A location is a `postgres://` (or `postgresql://`) URL as libpq takes it, plus one query
//! parameter of taipy's own, `schema` (default `taipy`): the schema that holds the catalog's
//! tables, so that several stores can share one database. Messages name the location without
//! its password ([`PgLocation::display`]).
//!
//! Connections come from a small pool written here (a mutex over idle clients) rather than a
//! pool crate: the sync `postgres` client needs nothing more, every connection carries the same
//! prepared statements, and the one connection that must never return to a pool — the one
//! holding the store's session lock — is kept apart by the catalog.

use std::sync::Mutex;
use std::time::Duration;

use postgres::{Client, Config, NoTls, Statement};

use crate::error::StoreError;
use crate::storage::sql::postgres::reason;
use crate::store::catalog::location::redact;

/// The schema a location without `schema=` uses.
pub(crate) const DEFAULT_SCHEMA: &str = "taipy";

/// How long a connection attempt may take before the location is reported unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle connections kept for reuse; more are closed when returned.
const MAX_IDLE: usize = 16;

/// A parsed location.
#[derive(Clone)]
pub(crate) struct PgLocation {
    pub(crate) config: Config,
    pub(crate) schema: String,
    /// The URL without its password, for messages.
    pub(crate) display: String,
}

impl PgLocation {
    /// Parses `url`; an error names it without its password.
    pub(crate) fn parse(url: &str) -> Result<Self, StoreError> {
        let display = redact(url);
        let invalid = |reason: String| StoreError::InvalidLocation { location: display.clone(), reason };
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut schema = DEFAULT_SCHEMA.to_owned();
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("schema", value)) => schema = value.to_owned(),
                _ => kept.push(pair),
            }
        }
        if !valid_schema(&schema) {
            return Err(invalid(format!(
                "schema `{schema}` is not a plain identifier (letters, digits and `_`, at most 63)"
            )));
        }
        let url = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
        let mut config: Config = url.parse().map_err(|e: postgres::Error| invalid(e.to_string()))?;
        if config.get_dbname().is_none() {
            return Err(invalid("no database named (postgres://user:password@host:port/database)".into()));
        }
        // Commits do not wait for the server's log flush (as the embedded store does not fsync
        // per job): `PgCatalog::flush` makes them durable, at the end of each submission.
        config.options(&format!("-c search_path={schema} -c synchronous_commit=off"));
        config.connect_timeout(CONNECT_TIMEOUT);
        config.application_name("taipy");
        Ok(Self { config, schema, display })
    }

    /// A new connection; an error names the location and says why.
    pub(crate) fn connect(&self) -> Result<Client, StoreError> {
        self.config.connect(NoTls).map_err(|e| StoreError::CatalogUnreachable {
            location: self.display.clone(),
            reason: reason(&e),
        })
    }

    /// A failed statement, naming the location.
    pub(crate) fn failed(&self, doing: &str, e: &postgres::Error) -> StoreError {
        StoreError::Catalog {
            backend: "postgresql",
            reason: format!("{doing} at `{}`: {}", self.display, reason(e)),
        }
    }

    /// An advisory-lock class for `purpose` in this location's schema (advisory locks are per
    /// database, so two schemas must not share one): 31 bits, so it reads the same as int4 and
    /// as oid.
    pub(crate) fn lock_class(&self, purpose: &str) -> i32 {
        let hash = blake3::hash(format!("taipy/{purpose}/{}", self.schema).as_bytes());
        let bytes: [u8; 4] = hash.as_bytes()[..4].try_into().expect("4 bytes");
        (u32::from_le_bytes(bytes) & 0x7fff_ffff) as i32
    }
}

/// Schema names are put in SQL text (`search_path`, `CREATE SCHEMA`): plain identifiers only.
fn valid_schema(schema: &str) -> bool {
    let mut chars = schema.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && schema.len() <= 63
}

/// A connection with the catalog's statements prepared on it.
pub(crate) struct Conn {
    pub(crate) client: Client,
    pub(crate) get: Statement,
    /// The records at a list of keys (`Catalog::get_many`), one round trip.
    pub(crate) get_many: Statement,
    pub(crate) scan_from: Statement,
    pub(crate) scan_range: Statement,
    /// The last record of a key range (`Catalog::last`).
    pub(crate) last_in_range: Statement,
    pub(crate) last_from: Statement,
    pub(crate) upsert: Statement,
    pub(crate) delete: Statement,
    pub(crate) key_lock: Statement,
}

/// Idle connections, prepared; [`Pool::get`] opens a new one when none is idle.
pub(crate) struct Pool {
    pub(crate) location: PgLocation,
    idle: Mutex<Vec<Conn>>,
}

/// A connection borrowed from the pool, returned when dropped (unless it broke).
pub(crate) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("held until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take().filter(|c| !c.client.is_closed()) {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
    }
}

impl Pool {
    pub(crate) fn new(location: PgLocation) -> Self {
        Self { location, idle: Mutex::default() }
    }

    /// An idle connection, or a new one.
    pub(crate) fn get(&self) -> Result<Pooled<'_>, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        Ok(Pooled { pool: self, conn: Some(conn) })
    }

    fn open(&self) -> Result<Conn, StoreError> {
        let mut client = self.location.connect()?;
        let mut prepare =
            |sql: &str| client.prepare(sql).map_err(|e| self.location.failed("cannot prepare", &e));
        Ok(Conn {
            get: prepare("SELECT value FROM records WHERE space = $1 AND key = $2")?,
            get_many: prepare("SELECT key, value FROM records WHERE space = $1 AND key = ANY($2::bytea[])")?,
            scan_from: prepare("SELECT key, value FROM records WHERE space = $1 AND key >= $2 ORDER BY key")?,
            scan_range: prepare(
                "SELECT key, value FROM records WHERE space = $1 AND key >= $2 AND key < $3 ORDER BY key",
            )?,
            last_in_range: prepare(
                "SELECT key, value FROM records WHERE space = $1 AND key >= $2 AND key < $3 \
                 ORDER BY key DESC LIMIT 1",
            )?,
            last_from: prepare(
                "SELECT key, value FROM records WHERE space = $1 AND key >= $2 ORDER BY key DESC LIMIT 1",
            )?,
            upsert: prepare(
                "INSERT INTO records (space, key, value) SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[]) \
                 ON CONFLICT (space, key) DO UPDATE SET value = EXCLUDED.value",
            )?,
            delete: prepare(
                "DELETE FROM records WHERE (space, key) IN (SELECT * FROM unnest($1::text[], $2::bytea[]))",
            )?,
            key_lock: prepare("SELECT pg_advisory_xact_lock($1::int4, $2::int4)")?,
            client,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        let err = PgLocation::parse("postgres://u:secret@h:5432/db?schema=no-dashes").err().unwrap();
        assert!(matches!(err, StoreError::InvalidLocation { .. }), "{err}");
        assert!(
            err.to_string().contains("postgres://u@h:5432/db") && !err.to_string().contains("secret"),
            "{err}"
        );
    }

    #[test]
    fn urls_are_told_from_folders() {
        let location = PgLocation::parse("postgres://u:p@h:1/db?schema=team_a&connect_timeout=3").unwrap();
        assert_eq!((location.schema.as_str(), location.config.get_dbname()), ("team_a", Some("db")));
        assert_eq!(PgLocation::parse("postgres://u@h/db").unwrap().schema, DEFAULT_SCHEMA);
        assert!(PgLocation::parse("postgres://u@h").is_err(), "no database");
    }
}
