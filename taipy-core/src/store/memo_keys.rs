//! Which memo keys the catalog may hold: a filter in memory that answers a lookup of a key the
//! catalog does not hold without reading the catalog.
//!
//! A job that may run looks its memo key up (`orchestrator/skip.rs`). On a first run, or after
//! an input changed, nothing is there, and the lookup is a catalog read for nothing: with sled,
//! about 9 µs measured, a fifth of a first run's time per job (`benches/orchestration.rs`).
//!
//! The filter holds the first eight bytes of every memo key the catalog holds, and maybe of
//! some it no longer holds:
//! - it is built once per store handle, by the first lookup, from one scan of the memo space,
//!   made after every group staged before the build began is applied (so the scan sees them);
//! - a memo entry this handle stages is added once its group is queued: while the filter is
//!   being built, to a list merged into it when the scan is done; before, the build's wait for
//!   the queue covers it;
//! - entries removed (garbage collection) stay in it: a key in the filter only means "read the
//!   catalog".
//!
//! So a key not in the filter is not in the catalog, except one whose group is being staged at
//! that very moment: a lookup racing the commit of the same key, which could find the catalog
//! without it anyway (a job's group reaches the catalog with the writer thread's next batch).
//!
//! Off for a shared catalog (PostgreSQL): other processes add entries this handle never stages.
//! Until the filter is built, and if the scan fails, every lookup reads the catalog, as
//! without a filter. Memory: some 16 bytes a remembered result (16 MB for a million).

use std::collections::HashSet;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::error::StoreError;
use crate::fingerprint::Fingerprint;

/// The first eight bytes of a memo key (the bytes of its key in the catalog), zero-padded.
pub(crate) fn short(key: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    let n = key.len().min(8);
    bytes[..n].copy_from_slice(&key[..n]);
    u64::from_le_bytes(bytes)
}

enum State {
    /// No filter: every lookup reads the catalog (a shared catalog).
    Off,
    /// Not built yet: the next lookup builds it.
    Unbuilt,
    /// Being built: the keys staged meanwhile, for the filter.
    Building(Vec<u64>),
    Built(HashSet<u64>),
}

/// The filter (a leaf lock in the store's lock order: nothing is taken under it).
pub(crate) struct MemoKeys {
    state: RwLock<State>,
}

impl MemoKeys {
    /// A filter to build at the first lookup; `off` for a catalog other processes write too.
    pub(crate) fn new(off: bool) -> Self {
        Self { state: RwLock::new(if off { State::Off } else { State::Unbuilt }) }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds `key`, whose memo entry is in a group already queued for the catalog.
    pub(crate) fn add(&self, key: &Fingerprint) {
        match &mut *self.write() {
            State::Building(staged) => staged.push(short(&key.0)),
            State::Built(keys) => {
                keys.insert(short(&key.0));
            }
            State::Off | State::Unbuilt => {}
        }
    }

    /// Whether the catalog may hold `key` (`false`: it does not). The first call builds the
    /// filter with `scan`, which applies every group staged so far and returns the short keys
    /// of the memo space; the calls made meanwhile answer `true`, as does every call if the
    /// scan fails (the next call tries again).
    pub(crate) fn may_hold(
        &self,
        key: &Fingerprint,
        scan: impl FnOnce() -> Result<HashSet<u64>, StoreError>,
    ) -> bool {
        // The answer a state gives, unless it is unbuilt.
        let answer = |state: &State| match state {
            State::Built(keys) => Some(keys.contains(&short(&key.0))),
            State::Off | State::Building(_) => Some(true),
            State::Unbuilt => None,
        };
        if let Some(holds) = answer(&self.read()) {
            return holds;
        }
        {
            // Checked again under the write lock: another lookup may have started building.
            let mut state = self.write();
            if let Some(holds) = answer(&state) {
                return holds;
            }
            *state = State::Building(Vec::new());
        }
        let scanned = scan();
        let mut state = self.write();
        let State::Building(staged) = std::mem::replace(&mut *state, State::Unbuilt) else {
            unreachable!("only the builder leaves Building")
        };
        match scanned {
            Ok(mut keys) => {
                keys.extend(staged);
                let holds = keys.contains(&short(&key.0));
                *state = State::Built(keys);
                holds
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot list the remembered results; looking each up instead");
                true
            }
        }
    }

    /// Whether the filter is built (tests).
    #[cfg(test)]
    pub(crate) fn is_built(&self) -> bool {
        matches!(*self.read(), State::Built(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(first: u8) -> Fingerprint {
        let mut bytes = [7u8; 32];
        bytes[0] = first;
        Fingerprint(bytes)
    }

    fn shorts(keys: &[Fingerprint]) -> HashSet<u64> {
        keys.iter().map(|k| short(&k.0)).collect()
    }

    #[test]
    fn a_built_filter_answers_without_reading_the_catalog() {
        let filter = MemoKeys::new(false);
        assert!(filter.may_hold(&key(1), || Ok(shorts(&[key(1)]))));
        assert!(filter.is_built());
        let never = || -> Result<HashSet<u64>, StoreError> { panic!("built once") };
        assert!(filter.may_hold(&key(1), never));
        assert!(!filter.may_hold(&key(2), never));
        filter.add(&key(2));
        assert!(filter.may_hold(&key(2), never));
    }

    #[test]
    fn keys_staged_while_it_is_built_are_in_it() {
        let filter = MemoKeys::new(false);
        let holds = filter.may_hold(&key(3), || {
            // Another thread stages an entry while the scan runs; it asks the catalog meanwhile.
            std::thread::scope(|s| {
                s.spawn(|| {
                    filter.add(&key(3));
                    assert!(filter.may_hold(&key(9), || panic!("one builder")));
                });
            });
            Ok(shorts(&[key(1)]))
        });
        assert!(holds, "the key staged during the scan");
        assert!(filter.may_hold(&key(1), || unreachable!()));
        assert!(!filter.may_hold(&key(9), || unreachable!()));
    }

    #[test]
    fn a_failed_scan_reads_the_catalog_and_is_tried_again() {
        let filter = MemoKeys::new(false);
        let failed = || Err(StoreError::Catalog { backend: "test", reason: "down".into() });
        assert!(filter.may_hold(&key(1), failed));
        assert!(!filter.is_built());
        assert!(!filter.may_hold(&key(1), || Ok(HashSet::new())));
    }

    #[test]
    fn an_off_filter_always_reads_the_catalog() {
        let filter = MemoKeys::new(true);
        filter.add(&key(1));
        assert!(filter.may_hold(&key(2), || panic!("never built")));
        assert!(!filter.is_built());
    }

    /// The first lookup lists the catalog's keys once every group staged before it is applied:
    /// an entry staged before any lookup (by a job its last run decided, after a collection
    /// removed the entry) and not written yet is found. The writer thread waits a millisecond
    /// for more groups before it writes, so without that wait the list would miss it.
    #[test]
    fn the_first_lookup_sees_the_entries_staged_before_it() {
        use crate::store::catalog::Group;
        use crate::store::{Store, keys, records::MemoEntry};
        for _ in 0..20 {
            let store = Store::in_memory(crate::StoreOptions::development()).unwrap();
            let entry = MemoEntry {
                task_id: "t".into(),
                job_id: "JOB_t_1-0".into(),
                outputs: Vec::new(),
                created_us: 1,
            };
            let mut group = Group::default();
            group.put(&keys::memo(&key(4)), &entry).unwrap();
            store.stage(group);
            assert!(store.memo_entry(&key(4)).unwrap().is_some());
        }
    }

    #[test]
    fn a_short_key_is_its_first_eight_bytes() {
        assert_eq!(short(&[1, 0, 0, 0, 0, 0, 0, 0, 9, 9]), 1);
        assert_eq!(short(&[2]), 2, "a shorter key (not a fingerprint) is zero-padded");
        assert_eq!(short(&key(5).0), short(&key(5).0[..8]));
    }
}
