//! Submitting a scenario, one of its sequences, one task, or what some outputs need: the entry
//! points of the orchestrator on [`Scenario`].

use super::run::Submitted;
use super::{Submission, SubmitError, SubmitOptions, Target};
use crate::config::ScenarioConfig;
use crate::node::NodeName;
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

    /// Submits only the tasks the data nodes `outputs` need: their producers and everything
    /// upstream of them, with the same skipping as [`submit`](Self::submit) (like Hamilton's
    /// `execute(["report"])`). Nodes are given as typed handles or names:
    /// `s.submit_for(&[&s.report(), &"summary"])`. A source node needs no task. An unknown name
    /// is [`SubmitError::UnknownNode`].
    pub fn submit_for(&self, outputs: &[&dyn NodeName]) -> Result<Submission, SubmitError> {
        self.submit_for_with(outputs, SubmitOptions::default())
    }

    /// [`submit_for`](Self::submit_for) with options (`force`, a status callback).
    pub fn submit_for_with(
        &self,
        outputs: &[&dyn NodeName],
        options: SubmitOptions,
    ) -> Result<Submission, SubmitError> {
        let names = self.output_names(outputs)?;
        let tasks = self.tasks_for(&names);
        Submission::start(self, Target { entity: Submitted::Outputs(names), tasks }, options)
    }

    /// The names of `outputs`, each checked to be a node of this scenario.
    pub(super) fn output_names(&self, outputs: &[&dyn NodeName]) -> Result<Vec<String>, SubmitError> {
        let mut names: Vec<String> = Vec::with_capacity(outputs.len());
        for output in outputs {
            let name = output.node_name();
            if self.config().node(name).is_none() {
                return Err(SubmitError::UnknownNode {
                    scenario: self.name().to_owned(),
                    node: name.to_owned(),
                    declared: self.config().node_names(),
                });
            }
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
        Ok(names)
    }

    /// The tasks (config positions, ascending) producing `nodes` and everything upstream.
    pub(super) fn tasks_for(&self, nodes: &[String]) -> Vec<usize> {
        let config = self.config();
        let producers = config
            .tasks()
            .iter()
            .enumerate()
            .filter(|(_, t)| t.output_nodes().iter().any(|o| nodes.contains(o)));
        with_upstream(config, producers.map(|(i, _)| i))
    }
}

/// `tasks` and every task upstream of them (config positions, ascending).
pub(super) fn with_upstream(config: &ScenarioConfig, tasks: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut wanted = vec![false; config.tasks().len()];
    let mut stack: Vec<usize> = tasks.into_iter().collect();
    while let Some(t) = stack.pop() {
        if !std::mem::replace(&mut wanted[t], true) {
            stack.extend_from_slice(config.upstream(t));
        }
    }
    (0..wanted.len()).filter(|&t| wanted[t]).collect()
}
