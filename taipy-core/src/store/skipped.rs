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

use super::Store;
use super::catalog::{Group, Write};
use super::keys::{self, Space};
use super::records::{Encoded, EncodedRef, SkippedRecord, SkippedRecordOut, decode, encode_into};
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

/// The index in `record`'s jobs (kept by place) of the job at place `k`.
fn index_of(record: &SkippedRecord, k: u32) -> Option<usize> {
    record.jobs.binary_search_by_key(&k, |(place, _)| *place).ok()
}

/// A submission's skipped record, as a listing of its jobs reads it.
pub(crate) enum SkippedOf {
    /// It has none.
    Absent,
    /// It has one that cannot be read (reported): the jobs it holds are left out.
    Unreadable,
    Record(SkippedRecord),
}

/// What a submission's skipped record says of one of its jobs.
pub(crate) enum Lookup {
    Found(Box<Job>),
    /// It holds the job, or may: unreadable (reported), the job is left out.
    Unreadable,
    /// Not there: a job with a record of its own, or not started.
    Absent,
}

impl Group {
    /// Stages the record of `jobs` (each with its place `k` in the submission, ascending), the
    /// jobs of submission `submission_id` skipped without a record of their own. The jobs are
    /// encoded one after another into one buffer, and the record into another sized for them:
    /// a fully skipped re-run of 10k jobs writes a record of some 3 MB, which a vector per job
    /// and a doubling buffer made in 10k allocations and a dozen copies.
    pub(crate) fn put_skipped<'a>(
        &mut self,
        submission_id: &str,
        jobs: impl ExactSizeIterator<Item = (usize, &'a Job)>,
    ) -> Result<(), StoreError> {
        let what = Space::Jobs.what();
        let mut all = Vec::with_capacity(jobs.len() * 320);
        let mut ends = Vec::with_capacity(jobs.len());
        for (k, job) in jobs {
            encode_into(what, job, &mut all)?;
            ends.push((k as u32, all.len()));
        }
        let mut start = 0;
        let jobs = ends
            .into_iter()
            .map(|(k, end)| (k, EncodedRef(&all[std::mem::replace(&mut start, end)..end])))
            .collect();
        let record = SkippedRecordOut { submission: submission_id, jobs };
        let mut value = Vec::with_capacity(all.len() + 8 * record.jobs.len() + 64);
        encode_into(Space::Skipped.what(), &record, &mut value)?;
        let key = keys::skipped(number(submission_id));
        self.writes.push(Write { space: Space::Skipped, key: key.bytes().to_vec(), value: Some(value) });
        Ok(())
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

    /// The job at index `at` of `record`'s jobs, decoded.
    fn decode_at(&self, record: &SkippedRecord, at: usize) -> Result<Job, StoreError> {
        let (k, Encoded(bytes)) = &record.jobs[at];
        self.count_records(1);
        decode(Space::Jobs.what(), format!("{} #{k}", record.submission).as_bytes(), bytes)
    }

    /// The job at index `at` of `record`'s jobs, decoded; one that cannot be read is reported.
    fn decode_skipped(&self, record: &SkippedRecord, at: usize) -> Option<Job> {
        self.decode_at(record, at)
            .map_err(|e| {
                let key = format!("{} #{}", record.submission, record.jobs[at].0);
                self.report_unreadable(Space::Jobs.what(), key.as_bytes(), e)
            })
            .ok()
    }

    /// Job `id`, if it was skipped without a record of its own. An unreadable record is an
    /// error, as reading an unreadable job record is.
    pub(crate) fn skipped_job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let Some((n, k)) = parse_job_id(id) else { return Ok(None) };
        let Some(record) = self.read(&keys::skipped(n))? else { return Ok(None) };
        let Some(at) = index_of(&record, k) else { return Ok(None) };
        let job = self.decode_at(&record, at)?;
        Ok((job.id == id).then_some(job))
    }

    /// The skipped record of submission `submission_id`, as a listing of its jobs reads it (one
    /// that cannot be read is reported).
    pub(crate) fn skipped_of(&self, submission_id: &str) -> Result<SkippedOf, StoreError> {
        let key = keys::skipped(number(submission_id));
        let Some(bytes) = self.inner.catalog.get(Space::Skipped, key.bytes())? else {
            return Ok(SkippedOf::Absent);
        };
        Ok(match self.decode_or_report(&key, &bytes) {
            Some(record) if record.submission == submission_id => SkippedOf::Record(record),
            Some(_) => SkippedOf::Absent,
            None => SkippedOf::Unreadable,
        })
    }

    /// What `of` says of job `id`; an unreadable job in it is reported.
    pub(crate) fn skipped_lookup(&self, of: &SkippedOf, id: &str) -> Lookup {
        let record = match of {
            SkippedOf::Absent => return Lookup::Absent,
            SkippedOf::Unreadable => return Lookup::Unreadable,
            SkippedOf::Record(record) => record,
        };
        let Some(at) = parse_job_id(id).and_then(|(_, k)| index_of(record, k)) else { return Lookup::Absent };
        match self.decode_skipped(record, at) {
            Some(job) if job.id == id => Lookup::Found(Box::new(job)),
            Some(_) => Lookup::Absent,
            None => Lookup::Unreadable,
        }
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
        let Some(at) = index_of(&record, k) else { return Ok(()) };
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
impl Store {
    /// Whether job `id` has a record of its own (tests).
    pub(crate) fn has_job_record(&self, id: &str) -> bool {
        self.exists(&keys::job(id)).expect("readable")
    }

    /// The number of skipped records (tests).
    pub(crate) fn skipped_records(&self) -> usize {
        self.inner.catalog.scan(Space::Skipped, b"").map_or(0, |records| records.len())
    }

    /// Overwrites every skipped record with bytes that do not decode (tests).
    pub(crate) fn damage_skipped_records(&self) {
        self.apply_all().unwrap();
        let writes = (self.inner.catalog.scan(Space::Skipped, b"").unwrap().into_iter())
            .map(|(key, _)| super::catalog::Write { space: Space::Skipped, key, value: Some(vec![9, 9, 9]) })
            .collect();
        self.inner.catalog.commit(writes).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record as `put_skipped` writes it (jobs borrowed from one buffer) reads as the
    /// owned record encoded the plain way: the same bytes.
    #[test]
    fn a_skipped_record_is_written_as_the_owned_record_encodes() {
        use crate::store::records::encode;
        let jobs: Vec<Job> = (0..3)
            .map(|k| {
                let id = job_id("SUBMISSION_c_7", "t", k);
                let mut job =
                    Job::submitted(id, "SUBMISSION_c_7".into(), "SCENARIO_s".into(), "t".into(), 1 << 50);
                job.warning = (k == 1).then(|| "a warning".to_owned());
                job
            })
            .collect();
        let mut group = Group::default();
        group.put_skipped("SUBMISSION_c_7", [0, 5, 300].into_iter().zip(&jobs)).unwrap();
        let owned = SkippedRecord {
            submission: "SUBMISSION_c_7".to_owned(),
            jobs: [0u32, 5, 300]
                .into_iter()
                .zip(&jobs)
                .map(|(k, job)| (k, Encoded(encode("job", job).unwrap())))
                .collect(),
        };
        assert_eq!(group.writes.len(), 1);
        assert_eq!(group.writes[0].key, keys::skipped("7").bytes());
        assert_eq!(group.writes[0].value.as_deref(), Some(&encode("skipped jobs", &owned).unwrap()[..]));
    }

    #[test]
    fn a_job_id_names_its_submission_and_place() {
        let id = job_id("SUBMISSION_my_config_2a", "clean_rows", 26);
        assert_eq!(id, "JOB_clean_rows_2a-1a");
        assert_eq!(parse_job_id(&id), Some(("2a", 26)));
        assert_eq!(parse_job_id("JOB_clean_rows_2a"), None, "an id of an older store");
        assert_eq!(parse_job_id("JOB_t_2a-zz"), None);
    }
}
