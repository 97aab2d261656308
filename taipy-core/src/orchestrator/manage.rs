//! The jobs and submissions of a scenario.

use crate::error::StoreError;
use crate::job::Job;
use crate::scenario::Scenario;
use crate::store::SubmissionInfo;

impl Scenario {
    /// The scenario's stored jobs, oldest first.
    pub fn jobs(&self) -> Result<Vec<Job>, StoreError> {
        let mut jobs: Vec<Job> =
            self.store().jobs()?.into_iter().filter(|j| j.scenario == self.id()).collect();
        jobs.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        Ok(jobs)
    }

    /// The latest stored job of task `task` in this scenario, if any.
    pub fn latest_job(&self, task: &str) -> Result<Option<Job>, StoreError> {
        Ok(self.jobs()?.into_iter().rfind(|j| j.task == task))
    }

    /// The scenario's submissions, oldest first.
    pub fn submissions(&self) -> Result<Vec<SubmissionInfo>, StoreError> {
        Ok(self.store().submissions()?.into_iter().filter(|s| s.scenario == self.id()).collect())
    }
}
