//! Jobs skipped without a record of their own (format 8; compact since format 9).
//!
//! A job decided Skip whose remembered outputs are all already its output nodes' current
//! versions changes nothing in the store but its own status (its task's last run, if it
//! changed, is written with the others of its submission at its end: `runs.rs`). Writing that status as a record per job was most of what a fully skipped re-run
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
//!   job with one read, and a submission's listing with one read more;
//! - since format 9 the record keeps its jobs compact: each encoded as its own record is, with
//!   its id, submission, scenario and warning left empty (`crate::job::BareJob`); the record
//!   holds the scenario and each warning's text once, and a job's id follows from its task and
//!   place. Format 8 records, which hold whole jobs, are read as they are.
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
#[cfg(test)]
use super::records::{SkippedRecord8, decode_skipped};
use crate::error::StoreError;
use crate::job::BareJob;
use crate::job::Job;

/// The id of the job at place `k` of submission `submission_id`, a job of task `task`:
/// `JOB_<task>_<n>-<k>` (`k` in hex), where `<n>` is the number the submission's id ends with.
pub(crate) fn job_id(submission_id: &str, task: &str, k: usize) -> String {
    // Pushed, not formatted: made for every job of every submission.
    let (n, mut digits) = (number(submission_id), [0; 16]);
    let place = hex(k, &mut digits);
    let mut id = String::with_capacity(6 + task.len() + n.len() + place.len());
    for part in ["JOB_", task, "_", n, "-", place] {
        id.push_str(part);
    }
    id
}

/// `k` in lowercase hex, written at the end of `digits`.
fn hex(k: usize, digits: &mut [u8; 16]) -> &str {
    let mut at = digits.len();
    let mut rest = k;
    loop {
        at -= 1;
        digits[at] = b"0123456789abcdef"[rest % 16];
        rest /= 16;
        if rest == 0 {
            break;
        }
    }
    std::str::from_utf8(&digits[at..]).expect("ASCII digits")
}

/// Whether `id` is `job_id(submission_id, task, k)`, compared without formatting it (the
/// skipped record is written for every job of a re-run).
fn is_job_id(id: &str, submission_id: &str, task: &str, k: usize) -> bool {
    let mut digits = [0; 16];
    let place = id
        .strip_prefix("JOB_")
        .and_then(|id| id.strip_prefix(task))
        .and_then(|id| id.strip_prefix('_'))
        .and_then(|id| id.strip_prefix(number(submission_id)))
        .and_then(|id| id.strip_prefix('-'));
    place == Some(hex(k, &mut digits))
}

/// The number an id ends with (after its last `_`); the whole id if it has none.
pub(super) fn number(id: &str) -> &str {
    id.rsplit_once('_').map_or(id, |(_, n)| n)
}

/// The submission number and place of a job id of [`job_id`]'s form (`None` for the ids of
/// older stores, `JOB_<task>_<n>`).
fn parse_job_id(id: &str) -> Option<(&str, u32)> {
    let (_, last) = id.strip_prefix("JOB_")?.rsplit_once('_')?;
    let (n, k) = last.split_once('-')?;
    Some((n, u32::from_str_radix(k, 16).ok()?))
}

/// A record's jobs, as read (a format 8 record's whole jobs are in `compact` too: what they
/// hold is never left empty, and their warning is their own).
impl SkippedRecord {
    fn len(&self) -> usize {
        self.compact.len()
    }

    /// The place of the job at index `at`.
    fn place(&self, at: usize) -> u32 {
        self.compact[at].0
    }

    /// The index of the job at place `k` (jobs are kept by place).
    fn index_of(&self, k: u32) -> Option<usize> {
        self.compact.binary_search_by_key(&k, |(place, ..)| *place).ok()
    }

    fn remove(&mut self, at: usize) {
        self.compact.remove(at);
    }

    /// The job at index `at`, decoded (what a compact record leaves out filled in).
    fn job(&self, at: usize) -> Result<Job, StoreError> {
        let what = Space::Jobs.what();
        let key = || format!("{} #{}", self.submission, self.place(at));
        let (k, warning, Encoded(bytes)) = &self.compact[at];
        let mut job: Job = decode(what, key().as_bytes(), bytes)?;
        if job.id.is_empty() {
            job.id = job_id(&self.submission, &job.task, *k as usize);
        }
        if job.submission.is_empty() {
            job.submission.clone_from(&self.submission);
        }
        if job.scenario.is_empty() {
            job.scenario.clone_from(&self.scenario);
        }
        if let Some(i) = warning.checked_sub(1) {
            let text = self.warnings.get(i as usize).ok_or_else(|| StoreError::Corrupt {
                what,
                key: key(),
                reason: format!("warning {i} of {}", self.warnings.len()),
            })?;
            job.warning = Some(text.clone());
        }
        Ok(job)
    }
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
    /// jobs of submission `submission_id` skipped without a record of their own. Compact
    /// (format 9): each job as its record is, without what the record knows (its id, its
    /// submission and scenario, its warning's text, kept once): some 140 bytes a job instead of
    /// 300, which a fully skipped re-run of 10k jobs wrote, 3 MB a re-run. The jobs are encoded
    /// one after another into one buffer, and the record into another sized for them.
    pub(crate) fn put_skipped<'a>(
        &mut self,
        submission_id: &str,
        jobs: impl ExactSizeIterator<Item = (usize, &'a Job)> + Clone,
    ) -> Result<(), StoreError> {
        let scenario = jobs.clone().next().map_or("", |(_, job)| job.scenario.as_str());
        let mut warnings: Vec<&str> = Vec::new();
        let mut all = Vec::with_capacity(jobs.len() * 160);
        let mut ends = Vec::with_capacity(jobs.len());
        for (k, job) in jobs {
            let id_known = is_job_id(&job.id, submission_id, &job.task, k);
            let bare = BareJob { job, id_known, known: (submission_id, scenario) };
            encode_into(Space::Jobs.what(), &bare, &mut all)?;
            let warning = match job.warning.as_deref() {
                None => 0,
                Some(text) => match warnings.iter().position(|w| *w == text) {
                    Some(i) => i + 1,
                    None => {
                        warnings.push(text);
                        warnings.len()
                    }
                },
            };
            ends.push((k as u32, warning as u32, all.len()));
        }
        let mut start = 0;
        let compact = ends
            .into_iter()
            .map(|(k, warning, end)| (k, warning, EncodedRef(&all[std::mem::replace(&mut start, end)..end])))
            .collect();
        let record = SkippedRecordOut { submission: submission_id, jobs: &[], scenario, warnings, compact };
        let mut value = Vec::with_capacity(all.len() + 12 * record.compact.len() + 256);
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
        self.count_records(1);
        record.job(at)
    }

    /// The job at index `at` of `record`'s jobs, decoded; one that cannot be read is reported.
    fn decode_skipped(&self, record: &SkippedRecord, at: usize) -> Option<Job> {
        self.decode_at(record, at)
            .map_err(|e| {
                let key = format!("{} #{}", record.submission, record.place(at));
                self.report_unreadable(Space::Jobs.what(), key.as_bytes(), e)
            })
            .ok()
    }

    /// Job `id`, if it was skipped without a record of its own. An unreadable record is an
    /// error, as reading an unreadable job record is.
    pub(crate) fn skipped_job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let Some((n, k)) = parse_job_id(id) else { return Ok(None) };
        let Some(record) = self.read(&keys::skipped(n))? else { return Ok(None) };
        let Some(at) = record.index_of(k) else { return Ok(None) };
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
        let Some(at) = parse_job_id(id).and_then(|(_, k)| record.index_of(k)) else { return Lookup::Absent };
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
            jobs.extend((0..record.len()).filter_map(|at| self.decode_skipped(&record, at)));
        }
        Ok(jobs)
    }

    /// Stages in `group` the removal of job `id` from its submission's skipped record, if it is
    /// there: the record without it, or none if it was the last.
    pub(crate) fn stage_skipped_job_removal(&self, group: &mut Group, id: &str) -> Result<(), StoreError> {
        let Some((n, k)) = parse_job_id(id) else { return Ok(()) };
        let Some(mut record) = self.skipped_record(n)? else { return Ok(()) };
        let Some(at) = record.index_of(k) else { return Ok(()) };
        record.remove(at);
        let key = keys::skipped(n);
        if record.len() == 0 {
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

    /// Skipped jobs of every kind: with and without a warning (two texts), one whose scenario
    /// is not the first job's, one whose id does not follow from its task and place.
    fn jobs() -> Vec<(usize, Job)> {
        let submission = "SUBMISSION_c_7";
        [0usize, 5, 300, 301, 302]
            .into_iter()
            .map(|k| {
                let task = format!("task_{k}");
                let id = if k == 302 { "JOB_older_7".to_owned() } else { job_id(submission, &task, k) };
                let scenario = if k == 301 { "SCENARIO_other" } else { "SCENARIO_s" };
                let mut job = Job::submitted(id, submission.into(), scenario.into(), task, 1 << 50);
                job.status = crate::job::JobStatus::Skipped;
                job.reason = Some(crate::job::Reason::Unchanged);
                job.started_us = Some((1 << 50) + 3);
                job.code = Some(crate::fingerprint::Fingerprint([k as u8; 32]));
                job.warning = match k % 3 {
                    0 => Some("no code fingerprint".to_owned()),
                    1 => None,
                    _ => Some("another warning".to_owned()),
                };
                (k, job)
            })
            .collect()
    }

    fn staged_record(group: &Group) -> SkippedRecord {
        assert_eq!(group.writes.len(), 1);
        assert_eq!(group.writes[0].key, keys::skipped("7").bytes());
        decode_skipped("skipped jobs", b"", group.writes[0].value.as_deref().unwrap()).unwrap()
    }

    /// Written compact, every job reads back whole, by place.
    #[test]
    fn a_compact_skipped_record_reads_back_every_job() {
        let jobs = jobs();
        let mut group = Group::default();
        group.put_skipped("SUBMISSION_c_7", jobs.iter().map(|(k, job)| (*k, job))).unwrap();
        let record = staged_record(&group);
        assert!(record.jobs.is_empty() && record.compact.len() == jobs.len());
        assert_eq!((record.scenario.as_str(), record.warnings.len()), ("SCENARIO_s", 2));
        for (at, (k, job)) in jobs.iter().enumerate() {
            assert_eq!(record.index_of(*k as u32), Some(at));
            assert_eq!(record.job(at).unwrap(), *job);
        }
        assert_eq!(record.index_of(1), None);
    }

    /// A job the compact form holds is smaller than its record: what the record knows is left
    /// out (the warning of a task without a code fingerprint alone is some 120 bytes).
    #[test]
    fn a_compact_job_leaves_out_what_its_record_knows() {
        let (k, mut job) = jobs().remove(0);
        let closure = crate::TaskConfig::new("t", |x: &u64| *x);
        job.warning = closure.unfingerprinted_warning().map(str::to_owned);
        let mut group = Group::default();
        group.put_skipped("SUBMISSION_c_7", [(k, &job)].into_iter()).unwrap();
        let compact = staged_record(&group).compact.remove(0).2.0.len();
        let whole = crate::store::records::encode("job", &job).unwrap().len();
        assert!(compact + 150 < whole, "{compact} bytes compact, {whole} whole");
    }

    /// A format 8 record (each job whole) is read as before, and a job is removed from it.
    #[test]
    fn a_format_8_skipped_record_is_read_as_it_was_written() {
        use crate::store::records::encode;
        let jobs = jobs();
        let old = SkippedRecord {
            submission: "SUBMISSION_c_7".to_owned(),
            jobs: jobs.iter().map(|(k, job)| (*k as u32, Encoded(encode("job", job).unwrap()))).collect(),
            scenario: String::new(),
            warnings: Vec::new(),
            compact: Vec::new(),
        };
        // As format 8 wrote it: its two fields alone.
        let format8 = SkippedRecord8 { submission: old.submission.clone(), jobs: old.jobs };
        let bytes = encode("skipped jobs", &format8).unwrap();
        let mut record = decode_skipped("skipped jobs", b"", &bytes).unwrap();
        for (at, (k, job)) in jobs.iter().enumerate() {
            assert_eq!((record.index_of(*k as u32), record.job(at).unwrap()), (Some(at), job.clone()));
        }
        record.remove(0);
        assert_eq!((record.len(), record.place(0)), (jobs.len() - 1, 5));
        // Written back (as a removal does), it is a format 9 record holding whole jobs.
        let bytes = encode("skipped jobs", &record).unwrap();
        let back = decode_skipped("skipped jobs", b"", &bytes).unwrap();
        for (at, (_, job)) in jobs[1..].iter().enumerate() {
            assert_eq!(back.job(at).unwrap(), *job);
        }
    }

    /// A damaged compact record is unreadable, never a record without jobs (whose jobs would
    /// be listed as never started): cut anywhere, it fails to decode.
    #[test]
    fn a_truncated_compact_record_does_not_decode() {
        let jobs = jobs();
        let mut group = Group::default();
        group.put_skipped("SUBMISSION_c_7", jobs.iter().map(|(k, job)| (*k, job))).unwrap();
        let bytes = group.writes[0].value.clone().unwrap();
        for cut in 1..bytes.len() - 1 {
            let decoded = decode_skipped("skipped jobs", b"k", &bytes[..bytes.len() - cut]);
            assert!(decoded.is_err(), "cut by {cut}: {:?}", decoded.map(|r| r.len()));
        }
    }

    /// A job removed from a compact record (`stage_skipped_job_removal`, as deleting a job
    /// does) is gone; the others read back whole; the last one removed takes the record.
    #[test]
    fn a_job_removed_from_a_compact_record_is_gone_and_the_others_stay() {
        let store = Store::in_memory(crate::StoreOptions::development()).unwrap();
        // Found by id: ids of `job_id`'s form (as every job skipped so has).
        let jobs: Vec<_> = jobs().into_iter().filter(|(_, job)| parse_job_id(&job.id).is_some()).collect();
        let mut group = Group::default();
        group.put_skipped("SUBMISSION_c_7", jobs.iter().map(|(k, job)| (*k, job))).unwrap();
        store.stage(group);
        store.apply_all().unwrap();
        for (removed, (_, job)) in jobs.iter().enumerate() {
            let mut group = Group::default();
            store.stage_skipped_job_removal(&mut group, &job.id).unwrap();
            store.stage(group);
            store.apply_all().unwrap();
            assert_eq!(store.skipped_job(&job.id).unwrap(), None);
            for (_, left) in &jobs[removed + 1..] {
                assert_eq!(store.skipped_job(&left.id).unwrap().as_ref(), Some(left));
            }
        }
        assert_eq!(store.skipped_records(), 0);
    }

    #[test]
    fn a_job_id_names_its_submission_and_place() {
        let id = job_id("SUBMISSION_my_config_2a", "clean_rows", 26);
        assert_eq!(id, "JOB_clean_rows_2a-1a");
        for k in [0, 1, 15, 16, 255, 4096, usize::MAX] {
            assert_eq!(job_id("SUBMISSION_c_7", "t", k), format!("JOB_t_7-{k:x}"));
        }
        assert_eq!(parse_job_id(&id), Some(("2a", 26)));
        assert_eq!(parse_job_id("JOB_clean_rows_2a"), None, "an id of an older store");
        assert_eq!(parse_job_id("JOB_t_2a-zz"), None);
    }

    /// `is_job_id` says exactly what comparing with the formatted id says, for ids of every
    /// shape near the one expected (other place, task, number; extra or missing characters).
    #[test]
    fn a_job_id_is_recognised_without_formatting_it() {
        let submissions = ["SUBMISSION_c_2a", "SUBMISSION_c_2", "SUBMISSION_c_a_1", "2a", ""];
        let tasks = ["t", "t_2a", "clean_rows", ""];
        let places = [0, 1, 9, 15, 16, 26, 255, 256, 4096, usize::MAX];
        let mut ids: Vec<String> = ["", "JOB_", "JOB_t_2a-", "JOB_t_2a-01a", "JOB_t_2a-1A", "job_t_2a-1a"]
            .map(str::to_owned)
            .to_vec();
        for s in submissions {
            for t in tasks {
                for k in places {
                    let id = job_id(s, t, k);
                    ids.extend([format!("{id}0"), id[..id.len() - 1].to_owned(), format!("X{id}")]);
                    ids.push(id);
                }
            }
        }
        let mut matched = 0;
        for id in &ids {
            for s in submissions {
                for t in tasks {
                    for k in places {
                        let expected = *id == job_id(s, t, k);
                        assert_eq!(is_job_id(id, s, t, k), expected, "{id:?} {s} {t} {k}");
                        matched += usize::from(expected);
                    }
                }
            }
        }
        assert!(matched >= submissions.len() * tasks.len() * places.len());
    }
}
