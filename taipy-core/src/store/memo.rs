//! The memo table read once per submission: a [`MemoSnapshot`].
//!
//! Deciding a job looks up the memo entry of its key. A submission of many jobs in a store
//! whose memo table is small (at most a few entries per job: a first run, a re-run of the same
//! scenario) reads the whole table in one scan when it starts, instead of one catalog read per
//! job, and answers its jobs' lookups from that copy — misses included, which on a first run
//! are every lookup.
//!
//! A miss in the copy is trusted only while the copy is complete: this process is the store's
//! only writer, and the committer counts the memo entries it stages
//! ([`Store::memo_writes`]). The copy remembers the count it was taken at (after every group
//! staged before was applied, so the scan saw them); while the count has grown by no more than
//! the submission's own entries (for its own tasks' keys, which no other of its jobs looks up),
//! no entry is missing from the copy. Otherwise a miss is looked up in the catalog, as without
//! a copy. A hit needs no such check: an entry removed since (garbage collection) is judged on
//! its outputs like any other, an artifact gone making the task run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use super::keys::{self, Space};
use super::records::{MemoEntry, decode};
use super::{Store, StoreError};
use crate::fingerprint::Fingerprint;

/// How many memo entries per job a submission reads in its one scan, at most: past that the
/// table is too big to copy for this submission, and its jobs look their keys up one by one.
const ENTRIES_PER_JOB: usize = 4;

/// A copy of the memo table, taken when a submission starts (see the module doc).
pub(crate) struct MemoSnapshot {
    /// Memo key → the entry's bytes (decoded when looked up).
    entries: HashMap<Fingerprint, Vec<u8>>,
    /// [`Store::memo_writes`] when the copy was taken.
    taken_at: u64,
    /// Memo entries staged by the submission's own jobs since.
    own: AtomicU64,
}

impl MemoSnapshot {
    /// Counts a memo entry staged by one of the submission's jobs.
    pub(crate) fn note_own_write(&self) {
        self.own.fetch_add(1, Ordering::SeqCst);
    }
}

impl Store {
    /// A copy of the memo table for a submission of `jobs` jobs, if the table holds at most
    /// [`ENTRIES_PER_JOB`] entries per job.
    pub(crate) fn memo_snapshot(&self, jobs: usize) -> Result<Option<MemoSnapshot>, StoreError> {
        let taken_at = self.memo_writes();
        // Every entry staged before `taken_at` is in the catalog before the scan.
        self.apply_all()?;
        let limit = jobs.saturating_mul(ENTRIES_PER_JOB);
        let Some(scanned) = self.inner.catalog.scan_at_most(Space::Memo, b"", limit)? else {
            return Ok(None);
        };
        let mut entries = HashMap::with_capacity(scanned.len());
        for (key, bytes) in scanned {
            // A key of another length is no memo key: never looked up.
            if let Ok(key) = <[u8; 32]>::try_from(key.as_slice()) {
                entries.insert(Fingerprint(key), bytes);
            }
        }
        Ok(Some(MemoSnapshot { entries, taken_at, own: AtomicU64::new(0) }))
    }

    /// The remembered result for `key`: from `snapshot` when it has it, or when it is
    /// complete (see the module doc), else from the catalog.
    pub(crate) fn memo_entry_with(
        &self,
        key: &Fingerprint,
        snapshot: Option<&MemoSnapshot>,
    ) -> Result<Option<MemoEntry>, StoreError> {
        if let Some(snapshot) = snapshot {
            if let Some(bytes) = snapshot.entries.get(key) {
                self.count_records(1);
                return decode("memo entry", keys::memo(key).bytes(), bytes).map(Some);
            }
            // An own entry is counted here after the store counts it, and this count is read
            // first: equal counts mean no other writer staged an entry since the copy.
            let own = snapshot.own.load(Ordering::SeqCst);
            if self.memo_writes() == snapshot.taken_at + own {
                return Ok(None);
            }
        }
        self.memo_entry(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StoreOptions;
    use crate::job::{Job, JobStatus};
    use crate::store::{JobCommit, Writer};

    fn key(n: u8) -> Fingerprint {
        Fingerprint([n; 32])
    }

    /// Stages the memo entry of `key` as a job's commit does.
    fn remember(store: &Store, n: u8) {
        let job = Job {
            id: format!("JOB_t_{n}"),
            submission: "SUBMISSION_s".into(),
            scenario: "SCENARIO_s".into(),
            task: "t".into(),
            status: JobStatus::Completed,
            reason: None,
            error: None,
            created_us: 1,
            started_us: Some(1),
            finished_us: Some(2),
            code: None,
            inputs: Vec::new(),
            warning: None,
            attempt: None,
        };
        let entry =
            MemoEntry { task_id: "t".into(), job_id: job.id.clone(), outputs: Vec::new(), created_us: 2 };
        let commit = JobCommit {
            job: &job,
            outputs: &[],
            release: &[],
            writer: Writer::User,
            memo: Some((key(n), entry)),
            task_run: None,
        };
        store.commit_job(&commit).unwrap();
    }

    #[test]
    fn a_small_table_is_copied_and_answers_hits_and_misses_without_a_lookup() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        remember(&store, 1);
        let snapshot = store.memo_snapshot(1).unwrap().expect("one entry for one job");
        let before = store.stats().lookups;
        assert_eq!(store.memo_entry_with(&key(1), Some(&snapshot)).unwrap().unwrap().job_id, "JOB_t_1");
        assert!(store.memo_entry_with(&key(2), Some(&snapshot)).unwrap().is_none());
        assert_eq!(store.stats().lookups, before);
        // The submission's own entries keep the copy complete.
        remember(&store, 3);
        snapshot.note_own_write();
        assert!(store.memo_entry_with(&key(2), Some(&snapshot)).unwrap().is_none());
        assert_eq!(store.stats().lookups, before);
    }

    /// An entry staged by someone else after the copy was taken is found: a miss in the copy
    /// is then looked up.
    #[test]
    fn a_miss_is_looked_up_once_another_entry_was_staged_since() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        let snapshot = store.memo_snapshot(10).unwrap().expect("an empty table");
        remember(&store, 7);
        store.apply_all().unwrap(); // a lookup reads the catalog, as without a copy
        let found = store.memo_entry_with(&key(7), Some(&snapshot)).unwrap();
        assert_eq!(found.map(|e| e.job_id), Some("JOB_t_7".to_owned()));
    }

    #[test]
    fn a_table_of_more_entries_than_four_per_job_is_not_copied() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        for n in 0..5 {
            remember(&store, n);
        }
        assert!(store.memo_snapshot(1).unwrap().is_none());
        assert!(store.memo_snapshot(2).unwrap().is_some());
    }
}
