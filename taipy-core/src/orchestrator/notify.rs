//! Entity events of a submission, derived from its jobs' status changes.
//!
//! When the store has subscribers at submit time, the submission's status callback is wrapped:
//! the first change announces the submission of the scenario (sequence, task) and the
//! submission's creation; each job's first change its creation; every change a job status
//! update; a job that completed or restored its outputs the new versions of its output nodes;
//! the last job's end the submission's final status. The scheduler itself is unchanged.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::run::{Submitted, Target};
use super::{StatusCallback, SubmitOptions};
use crate::events::{EntityType, Event, Operation};
use crate::job::{Job, JobStatus, SubmissionStatus};
use crate::scenario::Scenario;
use crate::store::Store;
use crate::store::Writer;

struct Relay {
    store: Store,
    submitted: Event,
    /// Task id → its output nodes' ids.
    outputs: HashMap<String, Vec<String>>,
    total: usize,
    user: Option<StatusCallback>,
    state: Mutex<RelayState>,
}

#[derive(Default)]
struct RelayState {
    started: bool,
    seen: HashSet<String>,
    finished: HashMap<String, JobStatus>,
    announced: bool,
}

/// `options` with a status callback that also emits the submission's entity events, if
/// anyone listens.
pub(super) fn with_events(scenario: &Scenario, target: &Target, mut options: SubmitOptions) -> SubmitOptions {
    let store = scenario.store();
    if !store.has_subscribers() {
        return options;
    }
    let config = scenario.config();
    let submitted = match &target.entity {
        Submitted::Sequence(name) => (EntityType::Sequence, format!("{}/{name}", scenario.id())),
        Submitted::Task(name) => (EntityType::Task, format!("{}/{name}", scenario.id())),
        Submitted::Scenario | Submitted::Outputs(_) => (EntityType::Scenario, scenario.id().to_owned()),
    };
    let outputs = target
        .tasks
        .iter()
        .map(|&t| {
            let task = &config.tasks()[t];
            let ids = task.output_nodes().iter().map(|n| scenario.node_id(n).to_owned()).collect();
            (task.id().to_owned(), ids)
        })
        .collect();
    let relay = Arc::new(Relay {
        store: store.clone(),
        submitted: Event::new(submitted.0, submitted.1, Operation::Submission),
        outputs,
        total: target.tasks.len(),
        user: options.on_status.take(),
        state: Mutex::new(RelayState::default()),
    });
    options.on_status = Some(Arc::new(move |job: &Job| relay.tell(job)));
    options
}

impl Relay {
    fn tell(&self, job: &Job) {
        if let Some(user) = &self.user {
            user(job);
        }
        let mut events = Vec::new();
        {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if !state.started {
                state.started = true;
                events.push(self.submitted.clone());
                events.push(Event::new(EntityType::Submission, &job.submission, Operation::Creation));
            }
            if state.seen.insert(job.id.clone()) {
                events.push(Event::new(EntityType::Job, &job.id, Operation::Creation));
            }
            events.push(Event::update(EntityType::Job, &job.id, "status", job.status.to_string()));
            if job.status.is_finished() {
                state.finished.insert(job.id.clone(), job.status);
                if state.finished.len() == self.total && !state.announced {
                    state.announced = true;
                    let status = SubmissionStatus::from_jobs(state.finished.values().copied());
                    events.push(Event::update(
                        EntityType::Submission,
                        &job.submission,
                        "status",
                        format!("{status:?}"),
                    ));
                }
            }
        }
        if job.status.is_success() {
            // Insert the output versions before the submission's final status.
            let at =
                events.len() - usize::from(events.last().is_some_and(|e| e.entity == EntityType::Submission));
            let updates = self.output_updates(job);
            events.splice(at..at, updates);
        }
        events.into_iter().for_each(|event| self.store.emit(event));
    }

    /// Version updates of the outputs this job wrote (a skipped job that found its outputs
    /// current wrote none).
    fn output_updates(&self, job: &Job) -> Vec<Event> {
        let mut events = Vec::new();
        for node_id in self.outputs.get(&job.task).into_iter().flatten() {
            let Ok(state) = self.store.node_state(node_id) else { continue };
            let Some(version) = state.current else { continue };
            let by_job = match &version.writer {
                Writer::Job { job: id, .. } | Writer::Reused { job: id, .. } => *id == job.id,
                _ => false,
            };
            if by_job {
                events.push(Event::update(
                    EntityType::DataNode,
                    node_id,
                    "version",
                    version.number.to_string(),
                ));
            }
        }
        events
    }
}
