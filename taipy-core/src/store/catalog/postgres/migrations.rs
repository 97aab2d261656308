//! The PostgreSQL catalog's schema, created and migrated by taipy: never by hand.
//!
//! Each migration is a version number and embedded SQL; `migrations` records the versions
//! applied (when, by which taipy). Opening a catalog applies the missing ones, each in its own
//! transaction with its record, under an advisory lock of the schema, so that two processes
//! opening a new catalog at once apply each migration exactly once (the second finds it
//! recorded). A catalog with a version this build does not know — written by a newer taipy — is
//! refused before anything is written.
//!
//! Add a migration by appending to [`MIGRATIONS`]; never edit one that was released.

use postgres::Client;

use super::connect::PgLocation;
use crate::error::StoreError;

/// Every migration, in order: version and SQL (run with the schema as `search_path`).
pub(crate) const MIGRATIONS: &[(u32, &str)] = &[
    (
        1,
        // Records keyed by space and key: bytea compares byte-wise, so a prefix scan is a range
        // scan of the primary key. Ids come from a sequence, in blocks (see `generate_id`).
        "CREATE TABLE records (
             space text NOT NULL,
             key bytea NOT NULL,
             value bytea NOT NULL,
             PRIMARY KEY (space, key)
         );
         CREATE SEQUENCE id_blocks;",
    ),
    (
        2,
        // One row per handle ever opened: its session lock (advisory, on its own connection)
        // tells whether it is still open; the row says who it was, for people.
        "CREATE SEQUENCE session_ids;
         CREATE TABLE sessions (
             id bigint PRIMARY KEY,
             opened_us bigint NOT NULL,
             host text NOT NULL,
             pid bigint NOT NULL
         );",
    ),
    (
        3,
        // When the handle last made its commits durable (`PgCatalog::flush` writes it with a
        // synchronous commit).
        "ALTER TABLE sessions ADD COLUMN flushed_us bigint;",
    ),
];

/// The schema version this build creates.
pub(crate) fn latest() -> u32 {
    MIGRATIONS.last().map_or(0, |(version, _)| *version)
}

/// Creates or migrates the schema of `location` to [`latest`], on its own connection (closed
/// at the end, which also releases the advisory lock should anything fail). Returns the version
/// found before.
pub(crate) fn migrate(location: &PgLocation) -> Result<u32, StoreError> {
    let mut client = location.connect()?;
    let failed = |doing: &str, e: postgres::Error| location.failed(doing, &e);
    client
        .execute("SELECT pg_advisory_lock($1::int4, 0)", &[&location.lock_class("migrate")])
        .map_err(|e| failed("cannot lock the schema for migration", e))?;
    let schema = &location.schema;
    client
        .batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\";
             CREATE TABLE IF NOT EXISTS \"{schema}\".migrations (
                 version integer PRIMARY KEY,
                 applied_us bigint NOT NULL,
                 applied_by text NOT NULL
             );"
        ))
        .map_err(|e| failed("cannot create the schema", e))?;
    let found = applied(&mut client).map_err(|e| failed("cannot read the schema version", e))?;
    if found > latest() {
        return Err(StoreError::NewerCatalogSchema {
            location: location.display.clone(),
            found,
            supported: latest(),
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        let mut tx = client.transaction().map_err(|e| failed("cannot begin a migration", e))?;
        tx.batch_execute(sql).map_err(|e| failed(&format!("cannot apply schema migration {version}"), e))?;
        tx.execute(
            "INSERT INTO migrations (version, applied_us, applied_by) VALUES ($1, $2, $3)",
            &[
                &(*version as i32),
                &(crate::store::now_us() as i64),
                &concat!("taipy ", env!("CARGO_PKG_VERSION")),
            ],
        )
        .map_err(|e| failed("cannot record a migration", e))?;
        tx.commit().map_err(|e| failed(&format!("cannot commit schema migration {version}"), e))?;
        tracing::info!(location = %location.display, version, "applied a catalog schema migration");
    }
    client
        .execute("SELECT pg_advisory_unlock($1::int4, 0)", &[&location.lock_class("migrate")])
        .map_err(|e| failed("cannot unlock the schema", e))?;
    Ok(found)
}

/// The newest version recorded in `migrations` (0: none).
pub(crate) fn applied(client: &mut Client) -> Result<u32, postgres::Error> {
    let row = client.query_one("SELECT coalesce(max(version), 0) FROM migrations", &[])?;
    Ok(row.get::<_, i32>(0) as u32)
}
