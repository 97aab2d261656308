//! The shared catalog: one schema of a PostgreSQL database, opened by any number of processes.
//!
//! - Records live in one table, `records (space, key bytea, value bytea)`, whose primary key
//!   orders keys byte-wise: a prefix scan is a range scan.
//! - A commit group is one transaction. Its [`Check`]s are verified inside it: each checked key
//!   is locked first (a transaction-scoped advisory lock, taken in key order so two groups never
//!   deadlock), then read and compared; on a mismatch the transaction is rolled back whole.
//! - Commits do not wait for the server's log flush (`synchronous_commit = off`: they are
//!   visible to every process at once, and a server crash loses the last ones whole, never half
//!   of one); [`Catalog::flush`] makes everything committed durable, as the embedded store's
//!   flush at the end of a submission does.
//! - Ids come from the sequence `id_blocks`, a block of [`ID_BLOCK`] per call: unique across
//!   processes without a round trip per id.
//! - Each open handle has a *session*: a row in `sessions` and an advisory lock held on a
//!   connection of its own for as long as the handle lives. A process that dies loses its
//!   connection and so its lock: [`Catalog::session_alive`] tells the live from the dead.
//! - The schema is created and migrated at open (`migrations.rs`); the location's grammar and
//!   the connection pool are in `connect.rs`.

mod connect;
mod migrations;

use std::collections::HashMap;
use std::sync::Mutex;

use postgres::Client;

use super::{Catalog, Check, Mismatch, Scanned, Write, check_group};
use crate::error::StoreError;
use crate::store::keys::Space;
pub(crate) use connect::PgLocation;
use connect::{Conn, Pool, Pooled};

/// Ids handed out per `nextval` of `id_blocks`.
const ID_BLOCK: u64 = 1024;

/// The catalog on PostgreSQL.
pub(crate) struct PgCatalog {
    pool: Pool,
    /// The next id of this handle's block, and the block's end.
    ids: Mutex<(u64, u64)>,
    session: u64,
    /// The connection holding the session lock: never pooled, closed with the handle.
    _session_conn: Mutex<Client>,
}

/// The name a space has in the `space` column (stable: it is stored).
fn space_name(space: Space) -> &'static str {
    match space {
        Space::Scenarios => "scenario",
        Space::Configs => "config",
        Space::ConfigVersions => "configversion",
        Space::Nodes => "node",
        Space::Versions => "version",
        Space::Jobs => "job",
        Space::Submissions => "submission",
        Space::Memo => "memo",
        Space::TaskRuns => "taskrun",
        Space::Cycles => "cycle",
        Space::Sequences => "sequence",
        Space::Meta => "meta",
        Space::Files => "file",
        Space::Layouts => "layout",
        Space::TagIndex => "ix-tag",
        Space::NameIndex => "ix-name",
        Space::JobIndex => "ix-job",
        Space::SubmissionIndex => "ix-submission",
        Space::UnfinishedIndex => "ix-unfinished",
        Space::OwnerIndex => "ix-owner",
        Space::Skipped => "skipped",
    }
}

/// The smallest key greater than every key starting with `prefix` (`None`: there is none).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

impl PgCatalog {
    /// Opens the catalog at `location`: connects, creates or migrates its schema and opens a
    /// session.
    pub(crate) fn open(location: PgLocation) -> Result<Self, StoreError> {
        migrations::migrate(&location)?;
        let mut session_conn = location.connect()?;
        let failed = |doing: &str, e: postgres::Error| location.failed(doing, &e);
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default().trim().to_owned();
        let row = session_conn
            .query_one(
                "INSERT INTO sessions (id, opened_us, host, pid) VALUES (nextval('session_ids'), $1, $2, $3) \
                 RETURNING id",
                &[&(crate::store::now_us() as i64), &host, &i64::from(std::process::id())],
            )
            .map_err(|e| failed("cannot open a session", e))?;
        let session = row.get::<_, i64>(0) as u64;
        let id = i32::try_from(session).map_err(|_| StoreError::Catalog {
            backend: "postgresql",
            reason: format!("`{}` has run out of session numbers", location.display),
        })?;
        session_conn
            .execute("SELECT pg_advisory_lock($1::int4, $2::int4)", &[&location.lock_class("session"), &id])
            .map_err(|e| failed("cannot take the session lock", e))?;
        Ok(Self {
            pool: Pool::new(location),
            ids: Mutex::new((0, 0)),
            session,
            _session_conn: Mutex::new(session_conn),
        })
    }

    fn conn(&self) -> Result<Pooled<'_>, StoreError> {
        self.pool.get()
    }

    fn failed(&self, doing: &str, e: postgres::Error) -> StoreError {
        self.pool.location.failed(doing, &e)
    }

    /// Runs the checks and writes in one transaction on `conn`.
    fn transact(
        &self,
        conn: &mut Conn,
        checks: &[Check],
        writes: Vec<Write>,
    ) -> Result<Result<(), Mismatch>, StoreError> {
        let key_class = self.pool.location.lock_class("key");
        let mut tx = conn.client.transaction().map_err(|e| self.failed("cannot begin a commit", e))?;
        // Lock every checked key, in one order, before reading any.
        let mut locks: Vec<i32> = checks
            .iter()
            .map(|c| {
                let mut hasher = blake3::Hasher::new();
                hasher.update(space_name(c.space).as_bytes()).update(&[0]).update(&c.key);
                let bytes: [u8; 4] = hasher.finalize().as_bytes()[..4].try_into().expect("4 bytes");
                (u32::from_le_bytes(bytes) & 0x7fff_ffff) as i32
            })
            .collect();
        locks.sort_unstable();
        locks.dedup();
        for lock in &locks {
            tx.execute(&conn.key_lock, &[&key_class, lock])
                .map_err(|e| self.failed("cannot lock a record", e))?;
        }
        for check in checks {
            let found: Option<Vec<u8>> = tx
                .query_opt(&conn.get, &[&space_name(check.space), &check.key])
                .map_err(|e| self.failed("cannot read a record", e))?
                .map(|row| row.get(0));
            if found != check.expected {
                // Dropping `tx` rolls back (nothing was written yet anyway).
                return Ok(Err(Mismatch { check: check.clone(), found }));
            }
        }
        // The last write of each key decides its fate; then one statement per kind.
        let mut last: HashMap<(Space, Vec<u8>), Option<Vec<u8>>> = HashMap::with_capacity(writes.len());
        for write in writes {
            last.insert((write.space, write.key), write.value);
        }
        let (mut put_spaces, mut put_keys, mut put_values) = (Vec::new(), Vec::new(), Vec::new());
        let (mut del_spaces, mut del_keys) = (Vec::new(), Vec::new());
        for ((space, key), value) in last {
            match value {
                Some(value) => {
                    put_spaces.push(space_name(space));
                    put_keys.push(key);
                    put_values.push(value);
                }
                None => {
                    del_spaces.push(space_name(space));
                    del_keys.push(key);
                }
            }
        }
        if !del_keys.is_empty() {
            tx.execute(&conn.delete, &[&del_spaces, &del_keys])
                .map_err(|e| self.failed("cannot remove records", e))?;
        }
        if !put_keys.is_empty() {
            tx.execute(&conn.upsert, &[&put_spaces, &put_keys, &put_values])
                .map_err(|e| self.failed("cannot write records", e))?;
        }
        tx.commit().map_err(|e| self.failed("cannot commit", e))?;
        Ok(Ok(()))
    }
}

impl Catalog for PgCatalog {
    fn backend(&self) -> &'static str {
        "postgresql"
    }

    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        let row = conn
            .client
            .query_opt(&conn.get, &[&space_name(space), &key])
            .map_err(|e| self.failed("cannot read a record", e))?;
        Ok(row.map(|row| row.get(0)))
    }

    /// One query for all the keys (a round trip each would dominate an index lookup).
    fn get_many(&self, space: Space, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        let rows = conn
            .client
            .query(&conn.get_many, &[&space_name(space), &keys])
            .map_err(|e| self.failed("cannot read records", e))?;
        let found: std::collections::HashMap<Vec<u8>, Vec<u8>> =
            rows.into_iter().map(|row| (row.get(0), row.get(1))).collect();
        // A key asked twice gets its record twice.
        Ok(keys.iter().map(|key| found.get(key).cloned()).collect())
    }

    fn scan(&self, space: Space, prefix: &[u8]) -> Result<Scanned, StoreError> {
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        let rows = match prefix_end(prefix) {
            Some(end) => conn.client.query(&conn.scan_range, &[&space_name(space), &prefix, &end]),
            None => conn.client.query(&conn.scan_from, &[&space_name(space), &prefix]),
        }
        .map_err(|e| self.failed("cannot scan records", e))?;
        Ok(rows.into_iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    fn last(&self, space: Space, prefix: &[u8]) -> Result<Option<super::Found>, StoreError> {
        let mut conn = self.conn()?;
        let conn = &mut *conn;
        let row = match prefix_end(prefix) {
            Some(end) => conn.client.query_opt(&conn.last_in_range, &[&space_name(space), &prefix, &end]),
            None => conn.client.query_opt(&conn.last_from, &[&space_name(space), &prefix]),
        }
        .map_err(|e| self.failed("cannot read the last record of a range", e))?;
        Ok(row.map(|row| (row.get(0), row.get(1))))
    }

    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.commit_checked(&[], writes)?.map_err(|m| StoreError::Catalog {
            backend: "postgresql",
            reason: format!("unexpected failed check {m:?}"),
        })
    }

    fn commit_checked(
        &self,
        checks: &[Check],
        writes: Vec<Write>,
    ) -> Result<Result<(), Mismatch>, StoreError> {
        check_group("postgresql", &writes)?;
        if writes.is_empty() && checks.is_empty() {
            return Ok(Ok(()));
        }
        let mut conn = self.conn()?;
        self.transact(&mut conn, checks, writes)
    }

    /// Waits until every transaction committed so far is durable. Commits do not wait for the
    /// server's log flush (`synchronous_commit = off`, visible to every process at once); a
    /// transaction that writes with `synchronous_commit = on` returns once the log is flushed
    /// up to its own commit, which comes after all of them.
    fn flush(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let mut tx = conn.client.transaction().map_err(|e| self.failed("cannot flush", e))?;
        tx.batch_execute("SET LOCAL synchronous_commit = on").map_err(|e| self.failed("cannot flush", e))?;
        tx.execute(
            "UPDATE sessions SET flushed_us = $1 WHERE id = $2",
            &[&(crate::store::now_us() as i64), &(self.session as i64)],
        )
        .map_err(|e| self.failed("cannot flush", e))?;
        tx.commit().map_err(|e| self.failed("cannot flush", e))
    }

    fn generate_id(&self) -> Result<u64, StoreError> {
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        if ids.0 == ids.1 {
            let mut conn = self.conn()?;
            let row = conn
                .client
                .query_one("SELECT nextval('id_blocks')", &[])
                .map_err(|e| self.failed("cannot generate an id", e))?;
            let block = row.get::<_, i64>(0) as u64;
            *ids = (block * ID_BLOCK, (block + 1) * ID_BLOCK);
        }
        ids.0 += 1;
        Ok(ids.0 - 1)
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        let mut conn = self.conn()?;
        let row = conn
            .client
            .query_one(
                "SELECT (pg_total_relation_size('records') + pg_total_relation_size('sessions') \
                 + pg_total_relation_size('migrations'))::bigint",
                &[],
            )
            .map_err(|e| self.failed("cannot measure the catalog", e))?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn shared(&self) -> bool {
        true
    }

    fn session(&self) -> Option<u64> {
        Some(self.session)
    }

    fn session_alive(&self, session: u64) -> Result<bool, StoreError> {
        if session == self.session {
            return Ok(true);
        }
        let Ok(id) = i32::try_from(session) else { return Ok(false) };
        let mut conn = self.conn()?;
        let row = conn
            .client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = \
                 (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND classid = $1::int8::oid AND objid = $2::int8::oid AND objsubid = 2 AND granted)",
                &[&i64::from(self.pool.location.lock_class("session")), &i64::from(id)],
            )
            .map_err(|e| self.failed("cannot look up a session", e))?;
        Ok(row.get(0))
    }
}

#[cfg(test)]
pub(crate) mod tests;
