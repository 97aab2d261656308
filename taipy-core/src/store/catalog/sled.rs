//! The embedded catalog: one sled database.
//!
//! Every space but the file cache shares the `entities` tree, each under its own key prefix, so
//! that one sled batch — atomic — can cover a whole commit group. The file cache has a tree of
//! its own (`files`). sled writes its log in the background (every second, and at
//! [`flush`](Catalog::flush)).

use std::path::Path;

use super::{Catalog, Scanned, Write, check_group};
use crate::error::StoreError;
use crate::store::keys::Space;

/// The size of the segments of sled's log, in new databases. Opening a database, sled reads
/// the segment it was last writing, zeroes what follows its last complete write and fsyncs the
/// file: work proportional to the segment size, whatever the store holds. 8 MiB segments
/// (the earlier size) made that the larger part of opening a store (tens of milliseconds, more
/// under load); pages larger than a quarter of a segment go to files of their own (`blobs/`).
const SEGMENT_BYTES: usize = 1 << 20;

/// The segment size of databases created before [`SEGMENT_BYTES`].
const EARLIER_SEGMENT_BYTES: usize = 8 << 20;

fn sled_config(path: &Path, cache_bytes: u64, segment_bytes: usize) -> sled::Config {
    sled::Config::new()
        .path(path)
        .cache_capacity(cache_bytes)
        .flush_every_ms(Some(1000))
        .mode(sled::Mode::HighThroughput)
        .segment_size(segment_bytes)
}

pub(crate) struct SledCatalog {
    db: sled::Db,
    entities: sled::Tree,
    files: sled::Tree,
}

fn error(e: sled::Error) -> StoreError {
    StoreError::Catalog { backend: "sled", reason: e.to_string() }
}

impl SledCatalog {
    /// Opens (or creates) the database in folder `path`. The caller holds the store's lock
    /// file, so sled's own lock can only be held by a handle of this process that is still
    /// shutting down (sled releases it from a background thread): retry briefly.
    pub(crate) fn open(path: &Path, cache_bytes: u64) -> Result<Self, StoreError> {
        let mut config = sled_config(path, cache_bytes, SEGMENT_BYTES);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let db = loop {
            match config.open() {
                // A database created with the earlier segment size keeps it (sled refuses to
                // change it).
                Err(sled::Error::Unsupported(e))
                    if e.contains("io buffer size") && config.segment_size != EARLIER_SEGMENT_BYTES =>
                {
                    config = sled_config(path, cache_bytes, EARLIER_SEGMENT_BYTES);
                }
                Err(sled::Error::Io(e))
                    if e.to_string().contains("could not acquire lock")
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                Err(sled::Error::Io(e)) => return Err(StoreError::io("cannot open the database", path, e)),
                result => break result.map_err(error)?,
            }
        };
        let entities = db.open_tree("entities").map_err(error)?;
        let files = db.open_tree("files").map_err(error)?;
        Ok(Self { db, entities, files })
    }

    /// A database in a temporary folder that sled deletes on drop (tests).
    #[cfg(test)]
    pub(crate) fn temporary() -> Self {
        let db = sled::Config::new().temporary(true).open().expect("a temporary sled database");
        let entities = db.open_tree("entities").unwrap();
        let files = db.open_tree("files").unwrap();
        Self { db, entities, files }
    }

    fn tree(&self, space: Space) -> &sled::Tree {
        if space == Space::Files { &self.files } else { &self.entities }
    }

    fn full_key(space: Space, key: &[u8]) -> Vec<u8> {
        let prefix = space.prefix();
        let mut full = Vec::with_capacity(prefix.len() + key.len());
        full.extend_from_slice(prefix);
        full.extend_from_slice(key);
        full
    }
}

impl Catalog for SledCatalog {
    fn backend(&self) -> &'static str {
        "sled"
    }

    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree(space).get(Self::full_key(space, key)).map_err(error)?.map(|v| v.to_vec()))
    }

    fn scan(&self, space: Space, prefix: &[u8]) -> Result<Scanned, StoreError> {
        let mut scanned = Vec::new();
        self.scan_each(space, prefix, &mut |key, bytes| scanned.push((key.to_vec(), bytes.to_vec())))?;
        Ok(scanned)
    }

    fn scan_each(
        &self,
        space: Space,
        prefix: &[u8],
        visit: &mut dyn FnMut(&[u8], &[u8]),
    ) -> Result<(), StoreError> {
        let skip = space.prefix().len();
        for item in self.tree(space).scan_prefix(Self::full_key(space, prefix)) {
            let (key, bytes) = item.map_err(error)?;
            visit(&key[skip..], &bytes);
        }
        Ok(())
    }

    fn last(&self, space: Space, prefix: &[u8]) -> Result<Option<super::Found>, StoreError> {
        let skip = space.prefix().len();
        let found = self.tree(space).scan_prefix(Self::full_key(space, prefix)).next_back();
        found.transpose().map(|f| f.map(|(k, v)| (k[skip..].to_vec(), v.to_vec()))).map_err(error)
    }

    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        check_group("sled", &writes)?;
        let Some(first) = writes.first() else { return Ok(()) };
        let tree = self.tree(first.space).clone();
        let mut batch = sled::Batch::default();
        for write in writes {
            let key = Self::full_key(write.space, &write.key);
            match write.value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        tree.apply_batch(batch).map_err(error)
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(drop).map_err(error)
    }

    fn generate_id(&self) -> Result<u64, StoreError> {
        self.db.generate_id().map_err(error)
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(error)
    }
}

impl Drop for SledCatalog {
    fn drop(&mut self) {
        if let Err(e) = self.db.flush() {
            eprintln!("taipy: cannot flush the database while closing it: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::catalog_conformance!(SledCatalog::temporary());

    #[test]
    fn committed_records_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let catalog = SledCatalog::open(&path, 1 << 20).unwrap();
            super::super::conformance::write_and_flush(&catalog);
        }
        let catalog = SledCatalog::open(&path, 1 << 20).unwrap();
        super::super::conformance::check_written(&catalog);
    }

    /// A database created with the earlier segment size (sled refuses another) opens with it.
    #[test]
    fn a_database_with_the_earlier_segment_size_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let db = sled_config(&path, 1 << 20, EARLIER_SEGMENT_BYTES).open().unwrap();
            let catalog = SledCatalog {
                entities: db.open_tree("entities").unwrap(),
                files: db.open_tree("files").unwrap(),
                db,
            };
            super::super::conformance::write_and_flush(&catalog);
        }
        let catalog = SledCatalog::open(&path, 1 << 20).unwrap();
        super::super::conformance::check_written(&catalog);
        drop(catalog);
        // And a new one gets the new size.
        let fresh = dir.path().join("fresh");
        drop(SledCatalog::open(&fresh, 1 << 20).unwrap());
        let err = sled_config(&fresh, 1 << 20, EARLIER_SEGMENT_BYTES).open().unwrap_err();
        assert!(err.to_string().contains(&SEGMENT_BYTES.to_string()), "{err}");
    }
}
