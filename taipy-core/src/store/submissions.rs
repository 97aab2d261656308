//! Typed operations on jobs and submissions: get, list, delete finished ones.
//!
//! A job has no record of its own until it starts running, is skipped or ends (format 6: a
//! record per job at submit time was a write per job on the orchestrator's hot path, for a
//! status no reader needs). Until then the submission's record is the job's record: it lists
//! the job's id and task, and the job is Submitted (Blocked and Pending are never persisted).
//! Every reader here, and recovery at open (`indexes.rs`), sees such a job as Submitted.
//!
//! A job skipped without restoring anything has no record of its own either (format 8): its
//! submission's skipped record, written at the submission's end, holds it (`skipped.rs`).
//!
//! Deletions are commit groups like any other write. Only finished jobs (and submissions whose
//! jobs are all finished) can be deleted: a running job's record is still being written.

use super::Store;
use super::catalog::Group;
use super::keys::{self, Prefix, Space};
use super::records::SubmissionRecord;
use super::skipped::{Lookup, SkippedOf};
use crate::error::StoreError;
use crate::events::{EntityType, Event, Operation};
use crate::job::{Job, SubmissionStatus};

/// A stored submission with its status derived from its jobs.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SubmissionInfo {
    /// The submission's id.
    pub id: String,
    /// The scenario submitted.
    pub scenario: String,
    /// What was submitted: `scenario`, `sequence <name>` or `task <name>`.
    pub entity: String,
    /// Its jobs (those not deleted, and readable: see
    /// [`Store::unreadable_records`]), in the order of the config's tasks.
    pub jobs: Vec<Job>,
    /// When it was submitted (µs since the Unix epoch).
    pub created_us: u64,
    /// Whether it was forced.
    pub force: bool,
    /// Its status, derived from its jobs' stored statuses.
    pub status: SubmissionStatus,
}

impl Store {
    /// A stored submission by id.
    pub fn submission(&self, id: &str) -> Result<SubmissionInfo, StoreError> {
        self.apply_all()?;
        let record: SubmissionRecord = self
            .read(&keys::submission(id))?
            .ok_or_else(|| StoreError::NotFound { kind: "submission", id: id.to_owned() })?;
        self.submission_info(record)
    }

    /// Every stored submission, oldest first. Records that cannot be read (submissions or their
    /// jobs) are left out and reported by [`unreadable_records`](Self::unreadable_records).
    pub fn submissions(&self) -> Result<Vec<SubmissionInfo>, StoreError> {
        self.apply_all()?;
        let mut records: Vec<SubmissionRecord> =
            self.list(&Prefix::all())?.into_iter().map(|(_, record)| record).collect();
        records.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        records.into_iter().map(|r| self.submission_info(r)).collect()
    }

    /// The submission's readable jobs: one that cannot be read is reported and left out.
    pub(crate) fn submission_info(&self, record: SubmissionRecord) -> Result<SubmissionInfo, StoreError> {
        let jobs = self.listed_jobs(&record)?;
        Ok(SubmissionInfo {
            status: SubmissionStatus::from_jobs(jobs.iter().map(|j| j.status)),
            id: record.id,
            scenario: record.scenario_id,
            entity: record.entity,
            jobs,
            created_us: record.created_us,
            force: record.force,
        })
    }

    /// The jobs `record` lists, in its order: those with a record (one that cannot be read is
    /// reported and left out), those skipped without one (`skipped.rs`, read once the first
    /// job without a record is met), and those not started yet, as Submitted.
    pub(crate) fn listed_jobs(&self, record: &SubmissionRecord) -> Result<Vec<Job>, StoreError> {
        let mut jobs = Vec::with_capacity(record.jobs.len());
        let mut skipped: Option<SkippedOf> = None;
        for (i, id) in record.jobs.iter().enumerate() {
            // Once a readable skipped record is read, the jobs it holds need no other read.
            if let Some(of @ SkippedOf::Record(_)) = &skipped {
                match self.skipped_lookup(of, id) {
                    Lookup::Found(job) => {
                        jobs.push(*job);
                        continue;
                    }
                    Lookup::Unreadable => continue, // reported
                    Lookup::Absent => {}
                }
            }
            let key = keys::job(id);
            if let Some(bytes) = self.inner.catalog.get(Space::Jobs, key.bytes())? {
                jobs.extend(self.decode_or_report(&key, &bytes));
                continue;
            }
            let of = match &mut skipped {
                Some(of) => of,
                None => skipped.insert(self.skipped_of(&record.id)?),
            };
            match self.skipped_lookup(of, id) {
                Lookup::Found(job) => jobs.push(*job),
                Lookup::Unreadable => {} // reported
                Lookup::Absent => jobs.extend(record.unstarted_job(i)),
            }
        }
        Ok(jobs)
    }

    /// The jobs of unfinished submissions that have no record yet (not started), as Submitted.
    pub(crate) fn unstarted_jobs(&self) -> Result<Vec<Job>, StoreError> {
        let mut jobs = Vec::new();
        for record in self.unfinished_submissions()? {
            for (i, id) in record.jobs.iter().enumerate() {
                if self.inner.catalog.get(Space::Jobs, keys::job(id).bytes())?.is_none() {
                    jobs.extend(record.unstarted_job(i));
                }
            }
        }
        Ok(jobs)
    }

    /// Job `id` if it has not started yet (no record of its own, listed by an unfinished
    /// submission), as Submitted.
    pub(crate) fn unstarted_job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        for record in self.unfinished_submissions()? {
            if let Some(i) = record.jobs.iter().position(|j| j == id) {
                return Ok(record.unstarted_job(i));
            }
        }
        Ok(None)
    }

    /// Deletes a finished job (and its mention in its submission). Refused for an unfinished
    /// job.
    pub fn delete_job(&self, id: &str) -> Result<(), StoreError> {
        let job = self.job(id)?;
        refuse_unfinished("job", id, &job)?;
        let mut group = Group::default();
        group.delete(&keys::job(id), &job);
        self.stage_skipped_job_removal(&mut group, id)?;
        if let Some(mut submission) = self.read(&keys::submission(&job.submission))? {
            if let Some(i) = submission.jobs.iter().position(|j| j == id) {
                submission.jobs.remove(i);
                if i < submission.tasks.len() {
                    submission.tasks.remove(i); // kept aligned with `jobs`
                }
            }
            group.put(&keys::submission(&submission.id), &submission)?;
        }
        self.stage(group);
        self.flush()?;
        self.emit(Event::new(EntityType::Job, id, Operation::Deletion));
        Ok(())
    }

    /// Deletes a submission and its jobs. Refused while one of its jobs is unfinished.
    pub fn delete_submission(&self, id: &str) -> Result<(), StoreError> {
        self.apply_all()?;
        let record: SubmissionRecord = self
            .read(&keys::submission(id))?
            .ok_or_else(|| StoreError::NotFound { kind: "submission", id: id.to_owned() })?;
        let key = keys::submission(id);
        let mut group = Group::default();
        group.delete(&key, &record);
        group.remove_skipped(id);
        let info = self.submission_info(record)?;
        for job in &info.jobs {
            refuse_unfinished("submission", id, job)?;
            group.delete(&keys::job(&job.id), job);
        }
        self.stage(group);
        self.flush()?;
        for job in info.jobs {
            self.emit(Event::new(EntityType::Job, job.id, Operation::Deletion));
        }
        self.emit(Event::new(EntityType::Submission, id, Operation::Deletion));
        Ok(())
    }
}

impl SubmissionRecord {
    /// Job `i` of this submission as it is until it starts: Submitted, created with the
    /// submission. `None` for a record of format 5 or older (which lists no tasks: its jobs all
    /// have records).
    pub(crate) fn unstarted_job(&self, i: usize) -> Option<Job> {
        Some(Job::submitted(
            self.jobs.get(i)?.clone(),
            self.id.clone(),
            self.scenario_id.clone(),
            self.tasks.get(i)?.clone(),
            self.created_us,
        ))
    }
}

fn refuse_unfinished(kind: &'static str, id: &str, job: &Job) -> Result<(), StoreError> {
    if job.status.is_finished() {
        return Ok(());
    }
    Err(StoreError::CannotDelete {
        kind,
        id: id.to_owned(),
        reason: format!("job `{}` of task `{}` is {}", job.id, job.task, job.status),
    })
}
