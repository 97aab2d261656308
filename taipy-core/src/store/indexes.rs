//! Indexes: what makes every per-scenario query a prefix scan instead of a scan of the store.
//!
//! An index entry is an empty value whose key says what it indexes (layouts in `keys.rs`):
//!
//! - scenarios by tag (`ix-tag/`) and by config and name (`ix-name/`), for
//!   [`Store::scenarios_with_tag`], [`Store::scenarios_of_config`] and `Scenario::find`;
//! - submissions by scenario (`ix-submission/`), for [`Store::submissions_of_scenario`],
//!   [`Store::jobs_of_scenario`] (a scenario's jobs are those its submissions list) and
//!   deleting a scenario;
//! - the submissions with a job not yet finished (`ix-unfinished/`), for recovery at open,
//!   which walks their job lists.
//!
//! Jobs have no entry of their own: a job record is saved once or twice per run, on the
//! orchestrator's hot path, and an entry per job there cost about as much as the job records
//! (format 4 had them; format 5 drops them).
//!
//! A record's entries are derived from the record alone ([`Record::index_entries`]) and
//! written by [`Group::put`] in the same commit group as the record, so an index is never
//! behind what it indexes after a crash. The one entry no record implies, a submission's
//! unfinished mark, is put with the submission record and removed by the orchestrator once
//! every job of the submission has its final record queued ([`Group::mark_unfinished`]), so it
//! is never missing while a job is unfinished. A changed scenario is staged with [`Group::replace`]
//! (which drops the entries of its old tags and name) and an indexed record is removed with
//! [`Group::delete`]. Readers still check each record found through an index against what they
//! asked for, so a stale entry costs one read, never a wrong answer.
//!
//! Stores of format 3 and older have no indexes, and format 4 ones index jobs: opening one
//! builds today's, with the new format record, in one atomic commit ([`build`], called by
//! `format.rs`).

use super::catalog::{Catalog, Group, Write};
use super::keys::{self, IndexEntry, Key, Record, Space};
use super::records::{ScenarioRecord, SubmissionRecord, decode};
use super::{Store, SubmissionInfo};
use crate::error::StoreError;
use crate::job::Job;

/// `first`, `0`, `second`, `0`, `id`.
fn entry_key(parts: &[&str], id: &str) -> Vec<u8> {
    let mut key = Vec::new();
    for part in parts {
        key.extend_from_slice(part.as_bytes());
        key.push(0);
    }
    key.extend_from_slice(id.as_bytes());
    key
}

/// The prefix of the entries under `parts`.
fn prefix(parts: &[&str]) -> Vec<u8> {
    entry_key(parts, "")
}

/// The id an entry key ends with (ids contain no zero byte).
fn id_of(key: &[u8]) -> String {
    let start = key.iter().rposition(|&b| b == 0).map_or(0, |zero| zero + 1);
    String::from_utf8_lossy(&key[start..]).into_owned()
}

fn present(space: Space, key: Vec<u8>) -> IndexEntry {
    IndexEntry { space, key, present: true }
}

impl Record for ScenarioRecord {
    const SPACE: Space = Space::Scenarios;
    const INDEXED: bool = true;

    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries = Vec::with_capacity(self.tags.len() + 1);
        entries.push(present(Space::NameIndex, entry_key(&[&self.config_id, &self.name], &self.id)));
        for tag in &self.tags {
            entries.push(present(Space::TagIndex, entry_key(&[tag], &self.id)));
        }
        entries.extend(super::nodes::owner_entry(self));
        entries
    }
}

impl Record for Job {
    const SPACE: Space = Space::Jobs;
    // No entry of its own: a job is saved once or twice per run (Running, its final status), so an entry per job would cost writes on the orchestrator's hot path. A
    // scenario's jobs are found through its submissions' job lists, and unfinished jobs through
    // the unfinished-submissions set.
}

impl Record for SubmissionRecord {
    const SPACE: Space = Space::Submissions;
    const INDEXED: bool = true;

    /// Its entry by scenario and its unfinished entry (both removed with the submission).
    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![
            present(Space::SubmissionIndex, entry_key(&[&self.scenario_id], &self.id)),
            present(Space::UnfinishedIndex, self.id.as_bytes().to_vec()),
        ]
    }

    /// Only its entry by scenario: whether it is unfinished is not in the record but in its
    /// jobs' statuses, so the orchestrator stages that entry itself ([`Group::mark_unfinished`]).
    fn index_writes(&self) -> Vec<IndexEntry> {
        vec![present(Space::SubmissionIndex, entry_key(&[&self.scenario_id], &self.id))]
    }
}

impl Group {
    /// Stages submission `id` as unfinished (with its record, before any of its jobs may run)
    /// or finished (once every one of its jobs has its final status staged).
    pub(crate) fn mark_unfinished(&mut self, id: &str, unfinished: bool) {
        self.writes.push(Write {
            space: Space::UnfinishedIndex,
            key: id.as_bytes().to_vec(),
            value: unfinished.then(Vec::new),
        });
    }
}

/// The writes that bring the indexes of a store of an older format (`from`, 1 to 4) up to
/// date: the format 4 entries of jobs (by scenario, unfinished jobs) removed, and the entries of
/// every readable scenario and submission put, with the submissions that have an unfinished job
/// marked unfinished (records that cannot be read are left out: listings report them).
pub(crate) fn build(catalog: &dyn Catalog) -> Result<Vec<Write>, StoreError> {
    let mut writes = Vec::new();
    for space in [Space::JobIndex, Space::UnfinishedIndex] {
        for (key, _) in catalog.scan(space, b"")? {
            writes.push(Write { space, key, value: None });
        }
    }
    let mut put = |entries: Vec<IndexEntry>| {
        for entry in entries {
            writes.push(Write { space: entry.space, key: entry.key, value: entry.present.then(Vec::new) });
        }
    };
    for (key, bytes) in catalog.scan(Space::Scenarios, b"")? {
        if let Ok(record) = decode::<ScenarioRecord>("scenario", &key, &bytes) {
            put(record.index_entries());
        }
    }
    for (key, bytes) in catalog.scan(Space::Submissions, b"")? {
        if let Ok(record) = decode::<SubmissionRecord>("submission", &key, &bytes) {
            put(record.index_writes());
        }
    }
    let mut unfinished = std::collections::BTreeSet::new();
    for (key, bytes) in catalog.scan(Space::Jobs, b"")? {
        if let Ok(job) = decode::<Job>("job", &key, &bytes)
            && !job.status.is_finished()
        {
            unfinished.insert(job.submission);
        }
    }
    let mut group = Group { writes, checks: Vec::new() };
    unfinished.iter().for_each(|id| group.mark_unfinished(id, true));
    Ok(group.writes)
}

/// What recovery at open looks at ([`Store::unfinished_jobs`]).
pub(crate) struct Unfinished {
    /// The submissions whose unfinished mark can go once the jobs are recovered.
    pub(crate) resolved: Vec<String>,
    /// The unfinished jobs of the submissions marked unfinished, with their keys.
    pub(crate) jobs: Vec<(Key<Job>, Job)>,
}

impl Store {
    /// The ids the entries of `space` under `prefix` end with.
    fn indexed_ids(&self, space: Space, prefix: &[u8]) -> Result<Vec<String>, StoreError> {
        let entries = self.inner.catalog.scan(space, prefix)?;
        self.count_index_entries(entries.len());
        Ok(entries.iter().map(|(key, _)| id_of(key)).collect())
    }

    /// The scenario records found through `space` under `prefix` that `keep` accepts, oldest
    /// first.
    fn indexed_scenarios(
        &self,
        space: Space,
        prefix: &[u8],
        keep: impl Fn(&ScenarioRecord) -> bool,
    ) -> Result<Vec<ScenarioRecord>, StoreError> {
        self.apply_all()?;
        let keys: Vec<_> = self.indexed_ids(space, prefix)?.iter().map(|id| keys::scenario(id)).collect();
        let mut out: Vec<ScenarioRecord> =
            self.read_many_or_report(&keys)?.into_iter().flatten().filter(&keep).collect();
        out.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        Ok(out)
    }

    /// The scenario records tagged `tag`, oldest first.
    pub(crate) fn scenario_records_with_tag(&self, tag: &str) -> Result<Vec<ScenarioRecord>, StoreError> {
        self.indexed_scenarios(Space::TagIndex, &prefix(&[tag]), |r| r.tags.iter().any(|t| t == tag))
    }

    /// The scenario records of config `config_id` named `name`, oldest first.
    pub(crate) fn scenario_records_named(
        &self,
        config_id: &str,
        name: &str,
    ) -> Result<Vec<ScenarioRecord>, StoreError> {
        self.indexed_scenarios(Space::NameIndex, &prefix(&[config_id, name]), |r| {
            r.config_id == config_id && r.name == name
        })
    }

    /// The scenario records of config `config_id`, oldest first.
    pub(crate) fn scenario_records_of_config(
        &self,
        config_id: &str,
    ) -> Result<Vec<ScenarioRecord>, StoreError> {
        self.indexed_scenarios(Space::NameIndex, &prefix(&[config_id]), |r| r.config_id == config_id)
    }

    /// The readable jobs of scenario `id`, oldest first (jobs that cannot be read are
    /// reported by [`unreadable_records`](Self::unreadable_records) and left out), found
    /// through its submissions' job lists.
    pub fn jobs_of_scenario(&self, id: &str) -> Result<Vec<Job>, StoreError> {
        let submissions = self.submission_records_of(id)?;
        self.jobs_of_submissions(&submissions, id)
    }

    /// The readable jobs `submissions` list that belong to scenario `id`, oldest first.
    pub(crate) fn jobs_of_submissions(
        &self,
        submissions: &[SubmissionRecord],
        id: &str,
    ) -> Result<Vec<Job>, StoreError> {
        let mut jobs = Vec::new();
        for submission in submissions {
            jobs.extend(self.listed_jobs(submission)?.into_iter().filter(|j| j.scenario == id));
        }
        jobs.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        Ok(jobs)
    }

    /// The readable submissions of scenario `id`, oldest first.
    pub fn submissions_of_scenario(&self, id: &str) -> Result<Vec<SubmissionInfo>, StoreError> {
        self.submission_records_of(id)?.into_iter().map(|r| self.submission_info(r)).collect()
    }

    /// The readable submission records of scenario `id`, oldest first.
    pub(crate) fn submission_records_of(&self, id: &str) -> Result<Vec<SubmissionRecord>, StoreError> {
        self.apply_all()?;
        let keys: Vec<_> = self
            .indexed_ids(Space::SubmissionIndex, &prefix(&[id]))?
            .iter()
            .map(|s| keys::submission(s))
            .collect();
        let mut records: Vec<SubmissionRecord> =
            self.read_many_or_report(&keys)?.into_iter().flatten().filter(|r| r.scenario_id == id).collect();
        records.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        Ok(records)
    }

    /// The unfinished jobs named by the job lists of the submissions marked unfinished, with
    /// their keys; and the submissions whose entry can go (every job of theirs read, or the
    /// submission gone). Unreadable records are reported, and keep their submission's entry.
    pub(crate) fn unfinished_jobs(&self) -> Result<Unfinished, StoreError> {
        let mut resolved = Vec::new();
        let mut jobs = Vec::new();
        let entries = self.inner.catalog.scan(Space::UnfinishedIndex, b"")?;
        self.count_index_entries(entries.len());
        for (entry, session) in entries {
            // In a shared store, a submission of a live handle (its session's lock is held) is
            // still being run: not ours to recover. (An empty mark: a store one process owns.)
            if let Ok(session) = <[u8; 8]>::try_from(session.as_slice())
                && self.inner.catalog.session_alive(u64::from_be_bytes(session))?
            {
                continue;
            }
            let id = id_of(&entry);
            let key = keys::submission(&id);
            let Some(bytes) = self.inner.catalog.get(Space::Submissions, key.bytes())? else {
                resolved.push(id);
                continue;
            };
            let Some(record) = self.decode_or_report(&key, &bytes) else { continue };
            let mut all_read = true;
            for (i, job_id) in record.jobs.iter().enumerate() {
                let key = keys::job(job_id);
                let Some(bytes) = self.inner.catalog.get(Space::Jobs, key.bytes())? else {
                    // Not started when its process died (no record yet, see `submissions.rs`).
                    jobs.extend(record.unstarted_job(i).map(|job| (key, job)));
                    continue;
                };
                match self.decode_or_report(&key, &bytes) {
                    Some(job) if !job.status.is_finished() => jobs.push((key, job)),
                    Some(_) => {}
                    None => all_read = false,
                }
            }
            if all_read {
                resolved.push(id);
            }
        }
        Ok(Unfinished { resolved, jobs })
    }

    /// The readable records of the submissions marked unfinished.
    pub(crate) fn unfinished_submissions(&self) -> Result<Vec<SubmissionRecord>, StoreError> {
        let mut records = Vec::new();
        for id in self.indexed_ids(Space::UnfinishedIndex, b"")? {
            let key = keys::submission(&id);
            if let Some(bytes) = self.inner.catalog.get(Space::Submissions, key.bytes())? {
                records.extend(self.decode_or_report(&key, &bytes));
            }
        }
        Ok(records)
    }

    /// `bytes`, read under `key`, decoded; or reported as unreadable.
    pub(crate) fn decode_or_report<R: Record>(&self, key: &Key<R>, bytes: &[u8]) -> Option<R> {
        self.count_records(1);
        R::decode_record(R::SPACE.what(), key.bytes(), bytes)
            .map_err(|e| self.report_unreadable(R::SPACE.what(), key.bytes(), e))
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;
    use crate::job::{JobStatus, Reason};
    use crate::store::StoreOptions;
    use crate::store::catalog::{Group, SledCatalog};
    use crate::store::records::FormatRecord;

    /// The format this version writes: `format.rs`'s `CURRENT`, repeated here because
    /// `format.rs` imports this file (an import back, even from tests, is a loop).
    const CURRENT: u32 = 10;

    fn scenario(i: usize) -> ScenarioRecord {
        ScenarioRecord {
            id: format!("SCENARIO_c_{i}"),
            config_id: "c".into(),
            name: format!("run {i}"),
            created_us: i as u64 + 1,
            nodes: BTreeMap::new(),
            tags: vec!["all".into(), format!("only {i}")],
            properties: BTreeMap::new(),
            config_version: None,
        }
    }

    /// Stages job `j` of scenario `i` as the orchestrator saves it: no record until it starts
    /// (its submission's record stands for it), then its status.
    fn save_job(group: &mut Group, i: usize, j: usize, status: JobStatus) {
        if !matches!(status, JobStatus::Submitted | JobStatus::Blocked | JobStatus::Pending) {
            group.save(&job(i, j, status)).unwrap();
        }
    }

    /// Stages, as a killed process leaves them, a submission of scenario `i` marked unfinished
    /// and its jobs with `statuses`.
    fn unfinished_submission(group: &mut Group, i: usize, statuses: &[JobStatus]) {
        let submission = SubmissionRecord {
            id: format!("SUBMISSION_{i}"),
            scenario_id: format!("SCENARIO_c_{i}"),
            entity: "scenario".into(),
            jobs: (0..statuses.len()).map(|j| job(i, j, JobStatus::Submitted).id).collect(),
            created_us: i as u64 + 1,
            force: false,
            tasks: (0..statuses.len()).map(|j| format!("t{j}")).collect(),
        };
        group.save(&submission).unwrap();
        group.mark_unfinished(&submission.id, true);
        statuses.iter().enumerate().for_each(|(j, &status)| save_job(group, i, j, status));
    }

    fn job(i: usize, j: usize, status: JobStatus) -> Job {
        Job {
            status,
            reason: status.is_finished().then_some(Reason::FirstRun),
            ..Job::submitted(
                format!("JOB_t{j}_{i}"),
                format!("SUBMISSION_{i}"),
                format!("SCENARIO_c_{i}"),
                format!("t{j}"),
                i as u64 + 1,
            )
        }
    }

    /// Scenarios `range`, each with one submission of two finished jobs, as records (store/
    /// does not know configs); staged in groups of a thousand.
    fn populate(store: &Store, range: std::ops::Range<usize>) {
        let mut group = Group::default();
        for i in range {
            group.save(&scenario(i)).unwrap();
            let jobs = [job(i, 0, JobStatus::Completed), job(i, 1, JobStatus::Skipped)];
            let submission = SubmissionRecord {
                id: format!("SUBMISSION_{i}"),
                scenario_id: format!("SCENARIO_c_{i}"),
                entity: "scenario".into(),
                jobs: jobs.iter().map(|j| j.id.clone()).collect(),
                created_us: i as u64 + 1,
                force: false,
                tasks: jobs.iter().map(|j| j.task.clone()).collect(),
            };
            group.save(&submission).unwrap();
            group.mark_unfinished(&submission.id, true);
            jobs.iter().for_each(|job| save_job(&mut group, i, job.task[1..].parse().unwrap(), job.status));
            group.mark_unfinished(&submission.id, false);
            if group.writes.len() > 8000 {
                store.stage(std::mem::take(&mut group));
            }
        }
        store.stage(group);
        store.flush().unwrap();
    }

    /// The records read by `f`.
    fn reads<T>(store: &Store, f: impl FnOnce() -> T) -> (u64, T) {
        let before = store.stats();
        let out = f();
        let after = store.stats();
        (after.records_read - before.records_read + after.index_entries_read - before.index_entries_read, out)
    }

    /// What each per-scenario query reads with `n` scenarios in the store.
    fn work_with(n: usize) -> [u64; 5] {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        populate(&store, 0..n);
        let (by_tag, found) = reads(&store, || store.scenarios_with_tag("only 7").unwrap());
        assert_eq!(found.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["SCENARIO_c_7"]);
        let (by_name, found) = reads(&store, || store.scenario_records_named("c", "run 7").unwrap());
        assert_eq!(found.len(), 1);
        let (jobs, found) = reads(&store, || store.jobs_of_scenario("SCENARIO_c_7").unwrap());
        assert_eq!(found.iter().map(|j| j.task.as_str()).collect::<Vec<_>>(), ["t0", "t1"]);
        let (submissions, found) = reads(&store, || store.submissions_of_scenario("SCENARIO_c_7").unwrap());
        assert_eq!(found.len(), 1);
        let (delete, ()) = reads(&store, || store.delete_scenario("SCENARIO_c_7").unwrap());
        assert!(store.jobs_of_scenario("SCENARIO_c_7").unwrap().is_empty());
        assert!(store.scenarios_with_tag("only 7").unwrap().is_empty());
        [by_tag, by_name, jobs, submissions, delete]
    }

    /// Old main: finding by tag or name, a scenario's jobs and deleting a scenario decoded every
    /// scenario, job and submission of the store.
    #[test]
    fn per_scenario_queries_read_what_they_return_whatever_the_store_holds() {
        let small = work_with(1_000);
        let large = work_with(10_000);
        assert_eq!(small, large, "reads at 1k vs 10k scenarios: tag, name, jobs, submissions, delete");
        // One index entry and one record per result (delete: the scenario, its two jobs and its
        // submission, each found through its index).
        assert!(small.iter().all(|&n| n <= 8), "{small:?}");
    }

    #[test]
    fn a_tag_or_name_changed_or_a_job_finished_leaves_no_stale_entry() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        populate(&store, 0..3);
        store
            .update_scenario("SCENARIO_c_1", "tags", |r| {
                r.tags.retain(|t| t != "all");
                r.tags.push("new".into());
                Ok(())
            })
            .unwrap();
        let ids = |tag| -> Vec<String> {
            store.scenarios_with_tag(tag).unwrap().into_iter().map(|s| s.id).collect()
        };
        assert_eq!(ids("all"), ["SCENARIO_c_0", "SCENARIO_c_2"]);
        assert_eq!(ids("new"), ["SCENARIO_c_1"]);
        let entries = |space| store.inner.catalog.scan(space, b"").unwrap().len();
        assert_eq!(entries(Space::TagIndex), 6, "no stale entry for the removed tag");

        let mut group = Group::default();
        unfinished_submission(&mut group, 9, &[JobStatus::Running]);
        store.stage(group);
        store.apply_all().unwrap();
        assert_eq!(entries(Space::UnfinishedIndex), 1);
        let mut group = Group::default();
        group.save(&job(9, 0, JobStatus::Completed)).unwrap();
        group.mark_unfinished("SUBMISSION_9", false);
        store.stage(group);
        store.apply_all().unwrap();
        assert_eq!(entries(Space::UnfinishedIndex), 0);

        for i in 0..3 {
            store.delete_scenario(&format!("SCENARIO_c_{i}")).unwrap();
        }
        for space in [Space::TagIndex, Space::NameIndex, Space::UnfinishedIndex, Space::JobIndex] {
            assert_eq!(entries(space), 0, "{space:?}");
        }
        assert_eq!(entries(Space::SubmissionIndex), 1, "only the submission of no stored scenario");
    }

    /// Old main: a job's first save staged two index entries (by scenario, unfinished) and its
    /// last one a removal, three writes per job on the orchestrator's hot path.
    #[test]
    fn a_job_save_stages_its_record_alone() {
        for status in [JobStatus::Submitted, JobStatus::Running, JobStatus::Completed] {
            let mut group = Group::default();
            group.save(&job(0, 0, status)).unwrap();
            assert_eq!(group.writes.len(), 1, "{status}: {:?}", group.writes);
        }
    }

    /// A deleted submission takes its unfinished entry with it; a re-saved one (a job of it
    /// deleted) does not put it back.
    #[test]
    fn a_submission_deleted_or_resaved_leaves_no_unfinished_entry() {
        let store = Store::in_memory(StoreOptions::development()).unwrap();
        let mut group = Group::default();
        unfinished_submission(&mut group, 1, &[JobStatus::Running]);
        unfinished_submission(&mut group, 2, &[JobStatus::Completed, JobStatus::Completed]);
        group.mark_unfinished("SUBMISSION_2", false);
        store.stage(group);
        let entries = || store.inner.catalog.scan(Space::UnfinishedIndex, b"").unwrap().len();
        store.apply_all().unwrap();
        assert_eq!(entries(), 1);
        store.delete_job("JOB_t0_2").unwrap();
        assert_eq!(entries(), 1);
        let mut group = Group::default();
        group.save(&job(1, 0, JobStatus::Completed)).unwrap();
        store.stage(group);
        store.delete_submission("SUBMISSION_1").unwrap();
        assert_eq!(entries(), 0);
    }

    /// Old main: recovery at open decoded every job of the store.
    #[test]
    fn recovery_at_open_reads_only_unfinished_jobs() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
            populate(&store, 0..2_000);
            let mut group = Group::default();
            unfinished_submission(&mut group, 5_000, &[JobStatus::Running, JobStatus::Blocked]);
            store.stage(group);
            store.flush().unwrap();
        }
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        // The unfinished submission and its one started job (the other has no record yet).
        assert_eq!(store.stats().records_read, 2, "{:?}", store.stats());
        let statuses: Vec<_> =
            store.jobs_of_scenario("SCENARIO_c_5000").unwrap().iter().map(|j| j.status).collect();
        assert_eq!(statuses, [JobStatus::Failed, JobStatus::Abandoned]);
        assert!(store.inner.catalog.scan(Space::UnfinishedIndex, b"").unwrap().is_empty());
        drop(store);
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        assert_eq!(store.stats().records_read, 0, "nothing left to recover");
    }

    /// Turns the store in `dir` (closed) back into a format `to` store: format 3, no index
    /// entries; format 4, entries per job (by scenario, unfinished jobs) and none per
    /// unfinished submission.
    fn downgrade(dir: &Path, to: u32) {
        let catalog = SledCatalog::open(&dir.join("db"), 1 << 20).unwrap();
        let mut writes = Vec::new();
        let spaces: &[Space] = if to == 3 {
            &[Space::TagIndex, Space::NameIndex, Space::SubmissionIndex, Space::UnfinishedIndex]
        } else {
            &[Space::UnfinishedIndex]
        };
        for &space in spaces {
            for (key, _) in catalog.scan(space, b"").unwrap() {
                writes.push(Write { space, key, value: None });
            }
        }
        if to == 4 {
            for (key, bytes) in catalog.scan(Space::Jobs, b"").unwrap() {
                let job: Job = decode("job", &key, &bytes).unwrap();
                let space = Space::JobIndex;
                writes.push(Write {
                    space,
                    key: entry_key(&[&job.scenario], &job.id),
                    value: Some(Vec::new()),
                });
                if !job.status.is_finished() {
                    let space = Space::UnfinishedIndex;
                    writes.push(Write { space, key: job.id.into_bytes(), value: Some(Vec::new()) });
                }
            }
        }
        let mut group = Group { writes, checks: Vec::new() };
        group.put(&keys::format(), &FormatRecord { version: to, written_by: "0.3.0".into() }).unwrap();
        catalog.commit(group.writes).unwrap();
        catalog.flush().unwrap();
    }

    /// A format `to` store in `dir`: 50 scenarios, and a job left running by a dead process.
    fn old_store(dir: &Path, to: u32) {
        {
            let store = Store::open_with(dir, StoreOptions::development()).unwrap();
            populate(&store, 0..50);
            let mut group = Group::default();
            unfinished_submission(&mut group, 60, &[JobStatus::Running]);
            store.stage(group);
            store.flush().unwrap();
        }
        downgrade(dir, to);
    }

    fn stored_format(dir: &Path) -> u32 {
        let catalog = SledCatalog::open(&dir.join("db"), 1 << 20).unwrap();
        let bytes = catalog.get(Space::Meta, keys::format().bytes()).unwrap().unwrap();
        decode::<FormatRecord>("format", b"format", &bytes).unwrap().version
    }

    /// Checks an upgraded store answers from its indexes.
    fn check_upgraded(dir: &Path) {
        let store = Store::open_with(dir, StoreOptions::development()).unwrap();
        assert_eq!(store.scenarios_with_tag("all").unwrap().len(), 50);
        assert_eq!(store.scenarios_with_tag("only 3").unwrap()[0].id, "SCENARIO_c_3");
        assert_eq!(store.scenario_records_named("c", "run 4").unwrap()[0].id, "SCENARIO_c_4");
        assert_eq!(store.jobs_of_scenario("SCENARIO_c_4").unwrap().len(), 2);
        assert_eq!(store.submissions_of_scenario("SCENARIO_c_4").unwrap().len(), 1);
        // The running job was found through the rebuilt unfinished index, and recovered.
        let job = store.job("JOB_t0_60").unwrap();
        assert_eq!((job.status, job.reason), (JobStatus::Failed, Some(Reason::Interrupted)));
        drop(store);
        assert_eq!(stored_format(dir), CURRENT);
        let catalog = SledCatalog::open(&dir.join("db"), 1 << 20).unwrap();
        assert!(catalog.scan(Space::JobIndex, b"").unwrap().is_empty());
        assert!(catalog.scan(Space::UnfinishedIndex, b"").unwrap().is_empty(), "recovered");
        assert_eq!(catalog.scan(Space::SubmissionIndex, b"").unwrap().len(), 51);
    }

    #[test]
    fn a_format_3_store_is_indexed_at_open() {
        let dir = tempfile::tempdir().unwrap();
        old_store(dir.path(), 3);
        assert_eq!(stored_format(dir.path()), 3);
        check_upgraded(dir.path());
    }

    /// Format 4 indexed jobs one by one; opening such a store drops those entries and finds
    /// its unfinished jobs through their submissions.
    #[test]
    fn a_format_4_store_loses_its_job_entries_at_open() {
        let dir = tempfile::tempdir().unwrap();
        old_store(dir.path(), 4);
        assert_eq!(stored_format(dir.path()), 4);
        check_upgraded(dir.path());
    }

    const CHILD_STORE: &str = "TAIPY_TEST_UPGRADE_STORE";

    /// The child's entry point: opens the store (the parent armed a fault point in the upgrade).
    #[test]
    fn upgrade_child() {
        let Ok(path) = std::env::var(CHILD_STORE) else { return };
        drop(Store::open_with(path, StoreOptions::development()));
        println!("OPENED");
    }

    /// A process killed (SIGKILL) while it upgrades the store leaves it as it was or upgraded;
    /// the next open upgrades it if needed and finds everything.
    #[test]
    fn a_process_killed_during_the_upgrade_leaves_a_consistent_store() {
        for point in crate::fault::UPGRADE_POINTS {
            let dir = tempfile::tempdir().unwrap();
            old_store(dir.path(), 3);
            let output = std::process::Command::new(std::env::current_exe().unwrap())
                .args(["store::indexes::tests::upgrade_child", "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_STORE, dir.path())
                .env("TAIPY_FAULT", point)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains(&format!("taipy fault: {point} hit 1")), "{point}: {stderr}");
            assert!(!String::from_utf8_lossy(&output.stdout).contains("OPENED"), "{point}: not killed");
            let found = stored_format(dir.path());
            assert!(found == 3 || found == CURRENT, "{point}: format {found}");
            if point == "upgrade.built" {
                assert_eq!(found, 3, "nothing is written before the commit");
            }
            check_upgraded(dir.path());
        }
    }
}
