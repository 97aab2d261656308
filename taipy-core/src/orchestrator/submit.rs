//! Submitting a scenario, one of its sequences, or one task: the entry points of the
//! orchestrator on [`Scenario`].

use super::run::Submitted;
use super::{Submission, SubmitError, SubmitOptions, Target};
use crate::scenario::Scenario;

impl Scenario {
    /// Submits every task; see [`submit_with`](Self::submit_with).
    pub fn submit(&self) -> Result<Submission, SubmitError> {
        self.submit_with(SubmitOptions::default())
    }

    /// Submits every task: one job per task; tasks whose inputs and code did not change are
    /// skipped. In development mode this returns when all jobs are done; otherwise at once.
    pub fn submit_with(&self, options: SubmitOptions) -> Result<Submission, SubmitError> {
        let tasks = (0..self.config().tasks().len()).collect();
        Submission::start(self, Target { entity: Submitted::Scenario, tasks }, options)
    }

    /// Submits the tasks of the named sequence
    /// (declared by the config or added at run time).
    pub fn submit_sequence(&self, sequence: &str, options: SubmitOptions) -> Result<Submission, SubmitError> {
        let sequences = self.sequences()?;
        let Some(names) = sequences.get(sequence) else {
            return Err(SubmitError::UnknownSequence {
                scenario: self.name().to_owned(),
                sequence: sequence.to_owned(),
                declared: sequences.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        };
        let mut tasks: Vec<usize> = names.iter().filter_map(|t| self.config().task_position(t)).collect();
        tasks.sort_unstable();
        tasks.dedup();
        Submission::start(self, Target { entity: Submitted::Sequence(sequence.to_owned()), tasks }, options)
    }

    /// Submits one task.
    pub fn submit_task(&self, task: &str, options: SubmitOptions) -> Result<Submission, SubmitError> {
        let Some(position) = self.config().task_position(task) else {
            return Err(SubmitError::UnknownTask {
                scenario: self.name().to_owned(),
                task: task.to_owned(),
                declared: self.config().tasks().iter().map(|t| t.id()).collect::<Vec<_>>().join(", "),
            });
        };
        Submission::start(
            self,
            Target { entity: Submitted::Task(task.to_owned()), tasks: vec![position] },
            options,
        )
    }
}
