//! Jobs skipped without a record of their own (format 8).
//!
//! A job decided Skip whose remembered outputs are all already its output nodes' current
//! versions, and whose task's last run is unchanged, changes nothing in the store but its own
//! status. Writing that status as a record per job was most of what a fully skipped re-run
//! wrote (one record per job, on the orchestrator's hot path). Instead:
//!
//! - such a job stages nothing when it is skipped (`commit.rs`, [`JobCommit::deferrable`]);
//!   the scheduler keeps its final state (status, reason, times, the input versions it was
//!   decided on, its code fingerprint);
//! - at the submission's end, one [`SkippedRecord`] holds all of them, written in the commit
//!   group that clears the submission's unfinished mark (`orchestrator/run.rs`), so the record
//!   and the mark's removal land together;
//! - a job's id names its submission: `JOB_<task>_<n>-<k>` ([`job_id`]), where `<n>` ends the
//!   submission's id (`SUBMISSION_<config>_<n>`, a number unique in the store) and `<k>` is the
//!   job's place in the submission; the record is keyed by `<n>`, so `Store::job` finds such a
//!   job with one read, and a submission's listing with one read more.
//!
//! Until the submission ends such a job has no record at all: readers see it as a job that has
//! not started (Submitted), as for any job of an unfinished submission without a record
//! (`submissions.rs`), and after a crash recovery at open marks it Abandoned, like those. Its
//! results are still remembered: the next submission skips it again.
//!
//! No version names such a job (it staged none): a version's writer `Reused { job, .. }` is
//! the job that restored it, which has a record of its own. So lineage and garbage collection,
//! which follow versions' writers, never look for one. The job it reused is named only by the
//! versions a job restores (`Writer::Reused`), never by the job itself: such a job keeps none.
//!
//! [`JobCommit::deferrable`]: super::commit::JobCommit

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Store;
use super::catalog::Group;
use super::keys::{self, Space};
use super::records::{decode, encode};
use crate::error::StoreError;
use crate::job::Job;

/// The id of the job at place `k` of submission `submission_id`, a job of task `task`:
/// `JOB_<task>_<n>-<k>` (`k` in hex), where `<n>` is the number the submission's id ends with.
pub(crate) fn job_id(submission_id: &str, task: &str, k: usize) -> String {
    format!("JOB_{task}_{}-{k:x}", number(submission_id))
}

/// The number an id ends with (after its last `_`); the whole id if it has none.
fn number(id: &str) -> &str {
    id.rsplit_once('_').map_or(id, |(_, n)| n)
}

/// The submission number and place of a job id of [`job_id`]'s form (`None` for the ids of
/// older stores, `JOB_<task>_<n>`).
fn parse_job_id(id: &str) -> Option<(&str, u32)> {
    let (_, last) = id.strip_prefix("JOB_")?.rsplit_once('_')?;
    let (n, k) = last.split_once('-')?;
    Some((n, u32::from_str_radix(k, 16).ok()?))
}

/// The jobs of one submission skipped without a record of their own, written at its end.
#[derive(Serialize, Deserialize)]
pub(crate) struct SkippedRecord {
    /// The submission's id.
    submission: String,
    /// Each job's place in the submission (as its id ends) and the job, encoded as a job's own
    /// record is (so a field appended to jobs later reads here as it does there); by place.
    jobs: Vec<(u32, Encoded)>,
}

/// A record's bytes, as one byte string.
#[derive(Serialize, Deserialize)]
struct Encoded(#[serde(with = "super::records::bytes")] Vec<u8>);

impl Group {
    /// Stages the record of `jobs` (each with its place `k` in the submission, ascending), the
    /// jobs of submission `submission_id` skipped without a record of their own.
    pub(crate) fn put_skipped<'a>(
        &mut self,
        submission_id: &str,
        jobs: impl IntoIterator<Item = (usize, &'a Job)>,
    ) -> Result<(), StoreError> {
        let jobs = jobs
            .into_iter()
            .map(|(k, job)| Ok((k as u32, Encoded(encode(Space::Jobs.what(), job)?))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let record = SkippedRecord { submission: submission_id.to_owned(), jobs };
        self.put(&keys::skipped(number(submission_id)), &record)
    }

    /// Stages the removal of submission `submission_id`'s skipped jobs, if it has any.
    pub(crate) fn remove_skipped(&mut self, submission_id: &str) {
        self.remove(&keys::skipped(number(submission_id)));
    }
}

impl Store {
    /// The skipped record of the submission whose id ends with `n`, if readable (one that
    /// cannot be read is reported).
    fn skipped_record(&self, n: &str) -> Result<Option<SkippedRecord>, StoreError> {
        self.read_or_report(&keys::skipped(n))
    }

    /// Job `k` of `record`, decoded; one that cannot be read is reported.
    fn decode_skipped(&self, record: &SkippedRecord, at: usize) -> Option<Job> {
        let (k, Encoded(bytes)) = &record.jobs[at];
        self.count_records(1);
        let key = format!("{} #{k}", record.submission);
        decode(Space::Jobs.what(), key.as_bytes(), bytes)
            .map_err(|e| self.report_unreadable(Space::Jobs.what(), key.as_bytes(), e))
            .ok()
    }

    /// Job `id`, if it was skipped without a record of its own.
    pub(crate) fn skipped_job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let Some((n, k)) = parse_job_id(id) else { return Ok(None) };
        let Some(record) = self.skipped_record(n)? else { return Ok(None) };
        let Ok(at) = record.jobs.binary_search_by_key(&k, |(k, _)| *k) else { return Ok(None) };
        Ok(self.decode_skipped(&record, at).filter(|job| job.id == id))
    }

    /// The jobs of submission `submission_id` skipped without a record of their own, by id.
    pub(crate) fn skipped_jobs_of(&self, submission_id: &str) -> Result<HashMap<String, Job>, StoreError> {
        let Some(record) = self.skipped_record(number(submission_id))? else { return Ok(HashMap::new()) };
        if record.submission != submission_id {
            return Ok(HashMap::new());
        }
        Ok((0..record.jobs.len())
            .filter_map(|at| self.decode_skipped(&record, at))
            .map(|j| (j.id.clone(), j))
            .collect())
    }

    /// Every job skipped without a record of its own.
    pub(crate) fn all_skipped_jobs(&self) -> Result<Vec<Job>, StoreError> {
        let mut jobs = Vec::new();
        for (_, record) in self.list::<SkippedRecord>(&keys::Prefix::all())? {
            jobs.extend((0..record.jobs.len()).filter_map(|at| self.decode_skipped(&record, at)));
        }
        Ok(jobs)
    }

    /// Stages in `group` the removal of job `id` from its submission's skipped record, if it is
    /// there: the record without it, or none if it was the last.
    pub(crate) fn stage_skipped_job_removal(&self, group: &mut Group, id: &str) -> Result<(), StoreError> {
        let Some((n, k)) = parse_job_id(id) else { return Ok(()) };
        let Some(mut record) = self.skipped_record(n)? else { return Ok(()) };
        let Ok(at) = record.jobs.binary_search_by_key(&k, |(k, _)| *k) else { return Ok(()) };
        record.jobs.remove(at);
        let key = keys::skipped(n);
        if record.jobs.is_empty() {
            group.remove(&key);
        } else {
            group.put(&key, &record)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex, mpsc};

    use crate::prelude::*;
    use crate::store::keys::{self, Space};
    use crate::{Job, StoreError, SubmissionReport, Writer};

    #[test]
    fn a_job_id_names_its_submission_and_place() {
        let id = super::job_id("SUBMISSION_my_config_2a", "clean_rows", 26);
        assert_eq!(id, "JOB_clean_rows_2a-1a");
        assert_eq!(super::parse_job_id(&id), Some(("2a", 26)));
        assert_eq!(super::parse_job_id("JOB_clean_rows_2a"), None, "an id of an older store");
        assert_eq!(super::parse_job_id("JOB_t_2a-zz"), None);
    }

    /// Three independent tasks, one per input node.
    fn config() -> Arc<ScenarioConfig> {
        ScenarioConfig::builder("mixed")
            .node(DataNodeConfig::with_default("a", 1i64))
            .node(DataNodeConfig::with_default("b", 1i64))
            .node(DataNodeConfig::with_default("c", 1i64))
            .task(TaskConfig::new("same", |a: &i64| a + 1).version(1).inputs(["a"]).outputs(["x"]))
            .task(TaskConfig::new("back", |b: &i64| b * 10).version(1).inputs(["b"]).outputs(["y"]))
            .task(TaskConfig::new("new", |c: &i64| c - 1).version(1).inputs(["c"]).outputs(["z"]))
            .build()
            .unwrap()
    }

    fn has_record(store: &Store, id: &str) -> bool {
        store.apply_all().unwrap();
        store.inner.catalog.get(Space::Jobs, keys::job(id).bytes()).unwrap().is_some()
    }

    fn task_job<'a>(report: &'a SubmissionReport, task: &str) -> &'a Job {
        report.jobs.iter().find(|j| j.task == task).unwrap()
    }

    /// Every reader sees each job of `reports` as the submission reported it.
    fn check_readers(store: &Store, scenario: &Scenario, reports: &[&SubmissionReport]) {
        let mut all: Vec<Job> = reports.iter().flat_map(|r| r.jobs.iter().cloned()).collect();
        for job in &all {
            assert_eq!(&store.job(&job.id).unwrap(), job);
        }
        for report in reports {
            assert_eq!(store.submission(&report.id).unwrap().jobs, report.jobs);
        }
        all.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(store.jobs().unwrap(), all);
        all.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        assert_eq!(store.jobs_of_scenario(scenario.id()).unwrap(), all);
    }

    /// A submission mixing a job skipped that restores nothing (`same`), one skipped that
    /// restores an earlier result (`back`) and one that runs (`new`): only the first has no
    /// record of its own, and every reader sees it as the submission reported it, before and
    /// after the store is reopened, and after it is deleted.
    #[test]
    fn a_job_skipped_without_restoring_has_no_record_and_reads_as_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        let scenario = Scenario::create(&store, &config(), "s").unwrap();
        let first = scenario.submit().unwrap().wait().unwrap();
        scenario.data_node::<i64>("b").unwrap().write(2).unwrap();
        let second = scenario.submit().unwrap().wait().unwrap();
        scenario.data_node::<i64>("b").unwrap().write(1).unwrap();
        scenario.data_node::<i64>("c").unwrap().write(5).unwrap();
        let third = scenario.submit().unwrap().wait().unwrap();
        let statuses: Vec<_> = third.jobs.iter().map(|j| (j.task.as_str(), j.status)).collect();
        assert_eq!(
            statuses,
            [("same", JobStatus::Skipped), ("back", JobStatus::Skipped), ("new", JobStatus::Completed)]
        );
        let (same, back, new) = (task_job(&third, "same"), task_job(&third, "back"), task_job(&third, "new"));
        assert!(!has_record(&store, &same.id), "skipped, restored nothing: no record of its own");
        assert!(has_record(&store, &back.id) && has_record(&store, &new.id));
        assert!(!same.inputs.is_empty() && same.code.is_some() && same.finished_us.is_some(), "{same:?}");
        check_readers(&store, &scenario, &[&first, &second, &third]);

        // Lineage: the restored version names the job that restored it; the version the
        // skipped job left current names the job that wrote it.
        let y = scenario.data_node::<i64>("y").unwrap().lineage().unwrap();
        assert!(matches!(&y.writer, Writer::Reused { job, .. } if *job == back.id), "{y:?}");
        assert_eq!(y.job.map(|j| (j.id, j.status)), Some((back.id.clone(), JobStatus::Skipped)));
        let x = scenario.data_node::<i64>("x").unwrap().lineage().unwrap();
        assert_eq!(x.job.map(|j| j.id), Some(task_job(&first, "same").id.clone()));

        drop(scenario);
        drop(store);
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        let scenario = Scenario::find(&store, &config(), "s").unwrap().unwrap();
        check_readers(&store, &scenario, &[&first, &second, &third]);

        store.delete_job(&same.id).unwrap();
        assert!(matches!(store.job(&same.id), Err(StoreError::NotFound { .. })));
        let mut third = third.clone();
        third.jobs.retain(|j| j.id != same.id);
        check_readers(&store, &scenario, &[&first, &second, &third]);

        let id = scenario.id().to_owned();
        drop(scenario);
        store.delete_scenario(&id).unwrap();
        assert!(store.jobs().unwrap().is_empty());
        assert!(store.inner.catalog.scan(Space::Skipped, b"").unwrap().is_empty(), "removed with it");
        assert!(matches!(store.job(&back.id), Err(StoreError::NotFound { .. })));
    }

    /// Until its submission ends, a job skipped without restoring anything is, for readers, a
    /// job that has not started (Submitted), as after a crash recovery at open abandons it.
    #[test]
    fn until_its_submission_ends_a_skipped_job_reads_as_submitted() {
        let (started_tx, started) = mpsc::channel::<()>();
        let (release, release_rx) = mpsc::channel::<()>();
        let started_tx = Mutex::new(started_tx);
        let release_rx = Mutex::new(release_rx);
        let gate = std::sync::atomic::AtomicBool::new(false);
        let config = ScenarioConfig::builder("gate")
            .node(DataNodeConfig::with_default("a", 1i64))
            .node(DataNodeConfig::with_default("k", 1i64))
            .task(TaskConfig::new("same", |a: &i64| a + 1).version(1).inputs(["a"]).outputs(["x"]))
            .task(
                TaskConfig::new("wait", move |k: &i64| {
                    if gate.swap(true, std::sync::atomic::Ordering::SeqCst) {
                        started_tx.lock().unwrap().send(()).unwrap();
                        release_rx.lock().unwrap().recv().unwrap();
                    }
                    k + 1
                })
                .version(1)
                .inputs(["k"])
                .outputs(["w"]),
            )
            .build()
            .unwrap();
        let store = Store::temporary_with(StoreOptions::standalone(2)).unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        scenario.submit().unwrap().wait().unwrap();
        scenario.data_node::<i64>("k").unwrap().write(2).unwrap();
        let submission = scenario.submit().unwrap();
        started.recv().unwrap();
        let same = loop {
            let job = submission.jobs().into_iter().find(|j| j.task == "same").unwrap();
            if job.status == JobStatus::Skipped {
                break job;
            }
            std::thread::yield_now();
        };
        let stored = store.job(&same.id).unwrap();
        assert_eq!((stored.status, stored.submission.as_str()), (JobStatus::Submitted, submission.id()));
        release.send(()).unwrap();
        let report = submission.wait().unwrap();
        assert_eq!(store.job(&same.id).unwrap(), *task_job(&report, "same"));
    }
}
