//! The catalog: where the store's records live.
//!
//! A [`Catalog`] is a set of record spaces (one per kind of record, see `keys.rs`) with three
//! operations: get a record, scan the records under a key prefix, and commit a [`Group`] of
//! writes atomically — after a crash either every write of a group is visible or none is.
//! Records are opaque bytes here; `records.rs` encodes them and `keys.rs` lays out their keys.
//!
//! Backends:
//! - [`SledCatalog`]: the embedded default, one sled database in the store's folder;
//! - [`MemoryCatalog`]: in memory, for temporary stores and tests.
//!
//! Every backend must pass the same conformance suite (`conformance.rs`).

#[cfg(test)]
pub(crate) mod conformance;
mod memory;
mod sled;

pub(crate) use memory::MemoryCatalog;
pub(crate) use sled::SledCatalog;

use super::keys::{Key, Keyed, Record, Space};
use super::records::encode;
use crate::error::StoreError;

/// Records as a scan returns them: key (within the space) and bytes, in key order.
pub(crate) type Scanned = Vec<(Vec<u8>, Vec<u8>)>;

/// One write of a group: a record's new bytes, or its removal (`None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Write {
    pub(crate) space: Space,
    pub(crate) key: Vec<u8>,
    pub(crate) value: Option<Vec<u8>>,
}

/// Records written together: committed atomically, in order (a later write of the same key
/// wins).
#[derive(Default, Debug)]
pub(crate) struct Group {
    pub(crate) writes: Vec<Write>,
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
        self.writes.is_empty()
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

    /// Applies every write of `writes`, atomically: after a crash all of them are visible or
    /// none. Writes to [`Space::Files`] may not be mixed with others (the file cache is not
    /// part of the store's history).
    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError>;

    /// Makes every committed write durable.
    fn flush(&self) -> Result<(), StoreError>;

    /// A number never returned before by this catalog, across restarts.
    fn generate_id(&self) -> Result<u64, StoreError>;

    /// The bytes the catalog takes on disk (0 in memory).
    fn size_on_disk(&self) -> Result<u64, StoreError>;
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
