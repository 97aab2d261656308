//! The catalog: where the store's records live.
//!
//! A [`Catalog`] is a set of record spaces (one per kind of record, see `keys.rs`) with three
//! operations: get a record, scan the records under a key prefix, and commit a [`Group`] of
//! writes atomically — after a crash either every write of a group is visible or none is.
//! Records are opaque bytes here; `records.rs` encodes them and `keys.rs` lays out their keys.
//!
//! Backends:
//! - [`SledCatalog`]: the embedded default, one sled database in the store's folder;
//! - [`MemoryCatalog`]: in memory, for temporary stores and tests;
//! - `PgCatalog` (feature `postgres`): one PostgreSQL schema, shared by every process that
//!   opens it (`postgres/`).
//!
//! Every backend must pass the same conformance suite (`conformance.rs`).
//!
//! A *shared* catalog ([`Catalog::shared`]) is written by other processes too: a group can carry
//! [`Check`]s, expectations on records' current bytes that the backend verifies in the same
//! transaction as the writes (compare-and-set), refusing the whole group on a mismatch.

#[cfg(test)]
pub(crate) mod conformance;
pub(crate) mod location;
mod memory;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
mod sled;

pub(crate) use memory::MemoryCatalog;
pub(crate) use sled::SledCatalog;

use super::keys::{Key, Keyed, Record, Space};
use super::records::encode;
use crate::error::StoreError;

/// Records as a scan returns them: key (within the space) and bytes, in key order.
pub(crate) type Scanned = Vec<Found>;

/// One record found: its key (within the space) and its bytes.
pub(crate) type Found = (Vec<u8>, Vec<u8>);

/// One write of a group: a record's new bytes, or its removal (`None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Write {
    pub(crate) space: Space,
    pub(crate) key: Vec<u8>,
    pub(crate) value: Option<Vec<u8>>,
}

/// An expectation a group is committed under: the record under `key` holds exactly `expected`
/// (`None`: there is no such record) when the group lands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Check {
    pub(crate) space: Space,
    pub(crate) key: Vec<u8>,
    pub(crate) expected: Option<Vec<u8>>,
}

/// A failed [`Check`]: what the record under its key holds instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mismatch {
    pub(crate) check: Check,
    pub(crate) found: Option<Vec<u8>>,
}

/// Records written together: committed atomically, in order (a later write of the same key
/// wins). On a shared catalog, only if every check still holds.
#[derive(Default, Debug)]
pub(crate) struct Group {
    pub(crate) writes: Vec<Write>,
    pub(crate) checks: Vec<Check>,
}

impl Group {
    /// Stages `record` under `key`.
    pub(crate) fn put<R: Record>(&mut self, key: &Key<R>, record: &R) -> Result<(), StoreError> {
        let value = encode(R::SPACE.what(), record)?;
        self.writes.push(Write { space: R::SPACE, key: key.bytes().to_vec(), value: Some(value) });
        if R::INDEXED {
            for entry in record.index_writes() {
                let value = entry.present.then(Vec::new);
                self.writes.push(Write { space: entry.space, key: entry.key, value });
            }
        }
        Ok(())
    }

    /// Stages a record that carries its own key (a scenario, a job ...).
    pub(crate) fn save<R: Keyed>(&mut self, record: &R) -> Result<(), StoreError> {
        self.put(&record.key(), record)
    }

    /// Stages the removal of the record under `key`; for a record with index entries,
    /// [`delete`](Self::delete).
    pub(crate) fn remove<R: Record>(&mut self, key: &Key<R>) {
        debug_assert!(!R::INDEXED, "an indexed {} is removed with Group::delete", R::SPACE.what());
        self.writes.push(Write { space: R::SPACE, key: key.bytes().to_vec(), value: None });
    }

    /// Stages the removal of `record`, stored under `key`, and of its index entries.
    pub(crate) fn delete<R: Record>(&mut self, key: &Key<R>, record: &R) {
        self.writes.push(Write { space: R::SPACE, key: key.bytes().to_vec(), value: None });
        for entry in record.index_entries() {
            self.writes.push(Write { space: entry.space, key: entry.key, value: None });
        }
    }

    /// Stages `new` under `key` in place of `old` (as read before the change): index entries
    /// `old` had and `new` has not are removed.
    pub(crate) fn replace<R: Record>(&mut self, key: &Key<R>, old: &R, new: &R) -> Result<(), StoreError> {
        let kept = new.index_entries();
        for entry in old.index_entries() {
            if entry.present
                && !kept.iter().any(|k| k.present && k.space == entry.space && k.key == entry.key)
            {
                self.writes.push(Write { space: entry.space, key: entry.key, value: None });
            }
        }
        self.put(key, new)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.writes.is_empty() && self.checks.is_empty()
    }

    /// Adds a check on the record under (`space`, `key`), unless the group checks it already
    /// (the first expectation, read before the group's own writes, is the one that counts).
    pub(crate) fn check(&mut self, space: Space, key: &[u8], expected: Option<Vec<u8>>) {
        if !self.checks.iter().any(|c| c.space == space && c.key == key) {
            self.checks.push(Check { space, key: key.to_vec(), expected });
        }
    }

    /// The bytes of the keys and values it writes (for traces).
    pub(crate) fn bytes(&self) -> usize {
        bytes(&self.writes)
    }
}

/// The bytes of the keys and values of `writes` (for traces).
pub(crate) fn bytes(writes: &[Write]) -> usize {
    writes.iter().map(|w| w.key.len() + w.value.as_ref().map_or(0, Vec::len)).sum()
}

/// A store of records in spaces, with atomic group commits.
pub(crate) trait Catalog: Send + Sync {
    /// The backend's name, for messages ("sled", "memory").
    fn backend(&self) -> &'static str;

    /// The bytes of one record.
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

    /// The records of `space` whose keys start with `prefix`, in key order (byte-wise), keys
    /// without the space's prefix.
    fn scan(&self, space: Space, prefix: &[u8]) -> Result<Scanned, StoreError>;

    /// The bytes of the records at `keys` (none where a key has no record), in the order of
    /// `keys`: what an index lookup reads. This default calls [`get`] per key, which is what
    /// an embedded backend does best (a sled walk in key order measured no faster); a server
    /// answers in one round trip.
    ///
    /// [`get`]: Catalog::get
    fn get_many(&self, space: Space, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        keys.iter().map(|key| self.get(space, key)).collect()
    }

    /// [`scan`](Self::scan), handing each record to `visit` (its key without the space's
    /// prefix, and its bytes) instead of copying them out: for a reader that keeps many records
    /// packed. This default scans.
    fn scan_each(
        &self,
        space: Space,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<(), StoreError> {
        for (key, bytes) in self.scan(space, prefix)? {
            visit(&key, &bytes);
        }
        Ok(())
    }

    /// The record of `space` with the greatest key starting with `prefix` (key without the
    /// space's prefix), if any: a node's newest version. This default scans; backends seek.
    fn last(&self, space: Space, prefix: &[u8]) -> Result<Option<Found>, StoreError> {
        Ok(self.scan(space, prefix)?.pop())
    }

    /// Applies every write of `writes`, atomically: after a crash all of them are visible or
    /// none. Writes to [`Space::Files`] may not be mixed with others (the file cache is not
    /// part of the store's history).
    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError>;

    /// Applies `writes` as [`commit`](Self::commit) does, if every check of `checks` holds; the
    /// first that does not is returned and nothing is written. A shared backend checks in the
    /// same transaction as it writes; this default, for a catalog one process owns (every
    /// writer holds the store's table lock), reads and then commits.
    fn commit_checked(
        &self,
        checks: &[Check],
        writes: Vec<Write>,
    ) -> Result<Result<(), Mismatch>, StoreError> {
        for check in checks {
            let found = self.get(check.space, &check.key)?;
            if found != check.expected {
                return Ok(Err(Mismatch { check: check.clone(), found }));
            }
        }
        self.commit(writes).map(Ok)
    }

    /// Whether other processes write this catalog too (PostgreSQL): then nothing read from it
    /// can be cached as authoritative, and groups carry checks.
    fn shared(&self) -> bool {
        false
    }

    /// This handle's session: a number no other open handle has, held as long as it is open
    /// (`None` for a catalog one process owns).
    fn session(&self) -> Option<u64> {
        None
    }

    /// Whether the handle of session `session` is still open (in a live process). A catalog one
    /// process owns has no other sessions: `false`.
    fn session_alive(&self, session: u64) -> Result<bool, StoreError> {
        let _ = session;
        Ok(false)
    }

    /// Makes every committed write durable.
    fn flush(&self) -> Result<(), StoreError>;

    /// A number never returned before by this catalog, across restarts.
    fn generate_id(&self) -> Result<u64, StoreError>;

    /// The bytes the catalog takes on disk (0 in memory).
    fn size_on_disk(&self) -> Result<u64, StoreError>;

    /// What was asked of it so far, for a backend that counts (the memory catalog, in tests).
    #[cfg(test)]
    fn counts(&self) -> Option<Counts> {
        None
    }
}

/// Operations a catalog served, by space (tests that bound the work per job).
#[cfg(test)]
#[derive(Clone, Debug, Default)]
pub(crate) struct Counts {
    /// Records read by key.
    pub(crate) gets: std::collections::BTreeMap<Space, u64>,
    /// Scans (whatever they returned).
    pub(crate) scans: std::collections::BTreeMap<Space, u64>,
    /// Records written or removed.
    pub(crate) writes: std::collections::BTreeMap<Space, u64>,
}

#[cfg(test)]
impl Counts {
    /// What happened between `before` and `self`, with the totals of reads and writes.
    pub(crate) fn since(&self, before: &Counts) -> Counts {
        let minus = |now: &std::collections::BTreeMap<Space, u64>,
                     then: &std::collections::BTreeMap<Space, u64>| {
            now.iter()
                .map(|(s, n)| (*s, n - then.get(s).copied().unwrap_or(0)))
                .filter(|(_, n)| *n > 0)
                .collect()
        };
        Counts {
            gets: minus(&self.gets, &before.gets),
            scans: minus(&self.scans, &before.scans),
            writes: minus(&self.writes, &before.writes),
        }
    }

    /// The records written in the space whose records are called `what` ([`Space::what`]).
    pub(crate) fn written(&self, what: &str) -> u64 {
        self.writes.iter().filter(|(s, _)| s.what() == what).map(|(_, n)| n).sum()
    }

    /// The records read by key in the space whose records are called `what` ([`Space::what`]).
    pub(crate) fn got(&self, what: &str) -> u64 {
        self.gets.iter().filter(|(s, _)| s.what() == what).map(|(_, n)| n).sum()
    }

    /// The scans of the space whose records are called `what` ([`Space::what`]).
    pub(crate) fn scanned(&self, what: &str) -> u64 {
        self.scans.iter().filter(|(s, _)| s.what() == what).map(|(_, n)| n).sum()
    }

    /// The records written in every space.
    pub(crate) fn total_writes(&self) -> u64 {
        self.writes.values().sum()
    }

    /// The records read by key and the scans, in every space.
    pub(crate) fn total_reads(&self) -> u64 {
        self.gets.values().sum::<u64>() + self.scans.values().sum::<u64>()
    }
}

/// Refuses a group that mixes the file cache with records (see [`Catalog::commit`]).
pub(crate) fn check_group(backend: &'static str, writes: &[Write]) -> Result<(), StoreError> {
    let files = writes.iter().filter(|w| w.space == Space::Files).count();
    if files != 0 && files != writes.len() {
        return Err(StoreError::Catalog {
            backend,
            reason: "a commit group mixes file fingerprints with records".into(),
        });
    }
    Ok(())
}
