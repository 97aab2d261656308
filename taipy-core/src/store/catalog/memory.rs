//! A catalog in memory: for temporary stores and tests. Nothing survives the process.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Catalog, Scanned, Write, check_group};
use crate::error::StoreError;
use crate::store::keys::Space;

/// Records by space and key.
type Records = BTreeMap<(Space, Vec<u8>), Vec<u8>>;

#[derive(Default)]
pub(crate) struct MemoryCatalog {
    records: RwLock<Records>,
    next_id: AtomicU64,
    /// What was asked of it, by space (tests that bound the work per job).
    #[cfg(test)]
    counts: std::sync::Mutex<super::Counts>,
}

impl Catalog for MemoryCatalog {
    fn backend(&self) -> &'static str {
        "memory"
    }

    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        #[cfg(test)]
        self.counted(|c| *c.gets.entry(space).or_default() += 1);
        let records = self.records.read().unwrap_or_else(|p| p.into_inner());
        Ok(records.get(&(space, key.to_vec())).cloned())
    }

    fn scan(&self, space: Space, prefix: &[u8]) -> Result<Scanned, StoreError> {
        #[cfg(test)]
        self.counted(|c| *c.scans.entry(space).or_default() += 1);
        let records = self.records.read().unwrap_or_else(|p| p.into_inner());
        Ok(records
            .range((space, prefix.to_vec())..)
            .take_while(|((s, k), _)| *s == space && k.starts_with(prefix))
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect())
    }

    fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        check_group("memory", &writes)?;
        #[cfg(test)]
        self.counted(|c| writes.iter().for_each(|w| *c.writes.entry(w.space).or_default() += 1));
        // One write lock for the whole group: readers see all of it or none.
        let mut records = self.records.write().unwrap_or_else(|p| p.into_inner());
        for write in writes {
            match write.value {
                Some(value) => records.insert((write.space, write.key), value),
                None => records.remove(&(write.space, write.key)),
            };
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn generate_id(&self) -> Result<u64, StoreError> {
        Ok(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(0)
    }

    #[cfg(test)]
    fn counts(&self) -> Option<super::Counts> {
        Some(self.counts.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

#[cfg(test)]
impl MemoryCatalog {
    fn counted(&self, f: impl FnOnce(&mut super::Counts)) {
        f(&mut self.counts.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::catalog_conformance!(MemoryCatalog::default());
}
