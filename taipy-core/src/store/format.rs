//! The store's format version.
//!
//! The catalog keeps one [`FormatRecord`] under `meta/format`. Opening a store:
//! - without it: a store written before format versions (format 1, which this version reads)
//!   or a new store: the current format is recorded;
//! - with an older format this version can read: upgraded (the changes since were additive:
//!   appended record fields, new spaces, and the indexes format 4 builds) and recorded as
//!   current;
//! - with a newer format: refused with [`StoreError::NewerFormat`], naming both versions, before
//!   anything is written.
//!
//! Format history:
//! - 1: records behind a format byte, one key prefix per kind (the first release);
//! - 2: memo entries carry their creation time; quarantined artifacts; this record;
//! - 3: versions, memo entries and task runs carry the type layouts of their values (appended
//!   fields; absent in older records: such values are read as the current type, and every task
//!   re-runs once since memo keys now include layouts); `layout/` records their readable form;
//! - 4: indexes (`indexes.rs`): scenarios by tag and by config and name, jobs and submissions
//!   by scenario, unfinished jobs. Opening an older store builds them from its records and
//!   records format 4 in the same atomic commit: a process killed during the upgrade leaves
//!   the store as it was (the next open upgrades it) or upgraded, never half-indexed;
//! - 5: no index entry per job (they cost writes on the orchestrator's hot path): a scenario's
//!   jobs are found through its submissions' job lists, and `ix-unfinished/` holds unfinished
//!   submissions instead of jobs. Opening a format 4 store removes its job entries and marks the
//!   submissions that have an unfinished job, in the same way (one atomic commit);
//! - 6: two changes made in one session, one format:
//!   - a scenario's own data node has no record until it is first written (`nodes.rs`); its id
//!     is named after its scenario, whose owner entry (`ix-owner/`) the store finds it by;
//!   - no job record at submit time: a job's first record is written when it starts running,
//!     is skipped or ends, and until then its submission's record (which now also lists each
//!     job's task) stands for it as Submitted (`submissions.rs`); recovery at open marks such a
//!     job Abandoned.
//!
//!   A taipy reading format 5 would take such nodes for missing and such jobs for deleted ones,
//!   so it refuses format 6. Opening a format 5 store changes nothing but the format record: its
//!   nodes and jobs all have records, and its scenarios get their owner entry when next saved.
//! - 7: two changes, one format.
//!   - A new version of a data node is written without rewriting the node's record (a write
//!     per job on the orchestrator's hot path): the record's current version and version count
//!     are as of its own last write (a new node, an edit lock, a new type), and a newer version
//!     under the node's prefix is its current one (`commit.rs`, `read_state`). A node of a
//!     scenario may so have versions and no record at all.
//!   - A config version's shape and TOML text are kept zstd-compressed in an appended field of
//!     its record (the plain fields left empty), and a config's current-version record no
//!     longer repeats the text (`Store::configs` reads it from the version): megabytes less
//!     written by the first scenario of a 50k-task config.
//!
//!   A taipy reading format 6 would take a node record's version for the current one and see
//!   empty config shapes, so it refuses format 7. Opening a format 6 store changes nothing but
//!   the format record: each of its node records names its node's newest version (or none,
//!   after a new type), which format 7 reads the same way, and its plain config-version records
//!   are read as they are.
//! - 8: a job skipped without restoring anything (every remembered output already its node's
//!   current version, its task's last run unchanged) writes no record of its own when it is
//!   skipped: its submission's end writes all such jobs in one record (`skipped/`, keyed by the
//!   number the submission's id ends with; `skipped.rs`), with the removal of the submission's
//!   unfinished mark. A fully skipped re-run wrote one record per job; it now writes a few per
//!   submission. Job ids name their submission (`JOB_<task>_<n>-<k>`), so `Store::job` finds
//!   such a job through that record.
//!
//!   A taipy reading format 7 would find no record for such a job, list it as Submitted in its
//!   finished submission and fail to find it by id, so it refuses format 8. Opening a format
//!   5, 6 or 7 store changes nothing but the format record: all their finished jobs have
//!   records, their job ids (`JOB_<task>_<n>`) are still read through those records, and their
//!   unfinished submissions have no skipped record (recovery abandons their unstarted jobs as
//!   before).
//! - 9: a skipped record keeps its jobs compact (appended fields `scenario`, `warnings`,
//!   `compact`; its format 8 list empty): each job encoded as its record is with its id,
//!   submission, scenario and warning left empty, the record holding the submission's
//!   scenario and each warning's text once; a job's id follows from its task and place. Some
//!   135 bytes a job instead of 300 with a closure's warning (its text alone was ~120), 177
//!   without: 1.7 MB (0.4 MB) less to write per fully skipped re-run of 10k jobs.
//!
//!   A taipy reading format 8 would find no jobs in such a record and list them as Submitted,
//!   so it refuses format 9. Opening a format 5 to 8 store changes nothing but the format
//!   record: format 8 skipped records are read through their whole jobs as before.
//! - 10: a scenario's task last runs are kept in one record per submission that changed them
//!   (`taskrun/`, keyed by the scenario and the submission's number; `runs.rs`), written at the
//!   submission's end, where each job's commit wrote its task's: one record less per job of a
//!   first run. A taipy reading format 9 would find none of them (and decide every job through
//!   the memo table for good), so it refuses format 10. Opening an older store rewrites its
//!   last runs, a record per task, as one set per scenario holding their bytes as they are,
//!   in the same atomic commit as the format record.

use super::catalog::{Catalog, Group};
use super::records::{FormatRecord, decode};
use super::{indexes, keys, runs};
use crate::error::StoreError;

/// The format this version of taipy writes.
pub(crate) const CURRENT: u32 = 10;

/// The first format with today's indexes.
const INDEXED: u32 = 5;

/// Checks the store's format and records the current one. `path` names the store in errors.
pub(crate) fn check_and_record(catalog: &dyn Catalog, path: &std::path::Path) -> Result<(), StoreError> {
    let key = keys::format();
    let found = match catalog.get(keys::Space::Meta, key.bytes())? {
        Some(bytes) => Some(decode::<FormatRecord>("store format", key.bytes(), &bytes)?),
        None => None,
    };
    if let Some(found) = &found {
        if found.version > CURRENT {
            return Err(StoreError::NewerFormat {
                path: path.to_owned(),
                found: found.version,
                supported: CURRENT,
                written_by: found.written_by.clone(),
            });
        }
        if found.version == CURRENT {
            return Ok(());
        }
    }
    let mut group = Group::default();
    if found.as_ref().is_none_or(|f| f.version < INDEXED) {
        let writes = indexes::build(catalog)?;
        if !writes.is_empty() {
            tracing::info!(path = %path.display(), entries = writes.len(), "building the store's indexes (format 5)");
        }
        group.writes = writes;
    }
    // Format 9 and older: a record per task's last run.
    group.writes.extend(runs::sets_from_task_runs(catalog)?);
    let record = FormatRecord { version: CURRENT, written_by: env!("CARGO_PKG_VERSION").to_owned() };
    group.put(&key, &record)?;
    crate::fault::point("upgrade.built");
    catalog.commit(group.writes)?;
    crate::fault::point("upgrade.committed");
    catalog.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::catalog::MemoryCatalog;

    #[test]
    fn a_new_store_records_the_current_format_and_a_newer_one_is_refused() {
        let catalog = MemoryCatalog::default();
        let path = std::path::Path::new("/stores/q3");
        check_and_record(&catalog, path).unwrap();
        check_and_record(&catalog, path).unwrap();

        let mut group = Group::default();
        group
            .put(&keys::format(), &FormatRecord { version: CURRENT + 1, written_by: "9.0.0".into() })
            .unwrap();
        catalog.commit(group.writes).unwrap();
        let err = check_and_record(&catalog, path).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, StoreError::NewerFormat { found, supported: CURRENT, .. } if found == CURRENT + 1)
        );
        assert!(text.contains("/stores/q3") && text.contains(&format!("format {}", CURRENT + 1)), "{text}");
        assert!(text.contains(&format!("reads formats up to {CURRENT}")) && text.contains("9.0.0"), "{text}");
    }

    /// Format 5 to 6, 6 to 7, 7 to 8 and 8 to 9 change what is written, not what was (and 9 to
    /// 10 rewrites only last runs, of which these stores have none): the
    /// upgrade records the format and nothing else (a format 5 store has a record for every job;
    /// format 5 and 6 node records name their newest version, and plain config versions are read
    /// as they are; format 7 and older finished jobs all have records; format 8 skipped records
    /// are read as they are, `skipped.rs`).
    #[test]
    fn a_format_5_to_9_store_is_upgraded_without_rewriting_anything() {
        for old in [5, 6, 7, 8, 9] {
            let catalog = MemoryCatalog::default();
            let mut group = Group::default();
            group.put(&keys::format(), &FormatRecord { version: old, written_by: "0.1.0".into() }).unwrap();
            catalog.commit(group.writes).unwrap();
            let before = catalog.scan(keys::Space::Meta, b"").unwrap().len();
            check_and_record(&catalog, std::path::Path::new("/stores/old")).unwrap();
            let key = keys::format();
            let bytes = catalog.get(keys::Space::Meta, key.bytes()).unwrap().unwrap();
            assert_eq!(decode::<FormatRecord>("store format", key.bytes(), &bytes).unwrap().version, CURRENT);
            assert_eq!(catalog.scan(keys::Space::Meta, b"").unwrap().len(), before);
            for space in [
                keys::Space::Jobs,
                keys::Space::UnfinishedIndex,
                keys::Space::SubmissionIndex,
                keys::Space::Skipped,
            ] {
                assert!(catalog.scan(space, b"").unwrap().is_empty(), "{space:?}");
            }
        }
    }

    /// Format 9 kept a record per task's last run: the upgrade to 10 rewrites them as one run
    /// set per scenario, numbered 0, holding each record's bytes as they were (a damaged one
    /// too: it is reported when read, as it was), and removes them, in the commit that records
    /// the format.
    #[test]
    fn a_format_9_stores_last_runs_become_one_run_set_per_scenario() {
        use crate::store::records::RunSet;
        let catalog = MemoryCatalog::default();
        let mut group = Group::default();
        group.put(&keys::format(), &FormatRecord { version: 9, written_by: "0.1.0".into() }).unwrap();
        let old = [
            ("SCENARIO_a_1", "t1", &b"\x01one"[..]),
            ("SCENARIO_a_1", "t2", b"\x01two"),
            ("SCENARIO_b_2", "t1", b"\x09"),
        ];
        for (scenario, task, bytes) in old {
            let key = keys::task_run(scenario, task);
            group.writes.push(super::super::catalog::Write {
                space: keys::Space::TaskRuns,
                key,
                value: Some(bytes.to_vec()),
            });
        }
        catalog.commit(group.writes).unwrap();
        check_and_record(&catalog, std::path::Path::new("/stores/old")).unwrap();

        let sets = catalog.scan(keys::Space::TaskRuns, b"").unwrap();
        let expected = [keys::run_set("SCENARIO_a_1", 0), keys::run_set("SCENARIO_b_2", 0)];
        assert_eq!(
            sets.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
            expected.map(|k| k.bytes().to_vec())
        );
        let runs = |i: usize| {
            let set: RunSet = decode("task runs", &sets[i].0, &sets[i].1).unwrap();
            set.runs.into_iter().map(|(task, run)| (task, run.0)).collect::<Vec<_>>()
        };
        assert_eq!(runs(0), [("t1".to_owned(), b"\x01one".to_vec()), ("t2".to_owned(), b"\x01two".to_vec())]);
        assert_eq!(runs(1), [("t1".to_owned(), b"\x09".to_vec())]);
    }
}
