//! Deleting and duplicating scenarios.
//!
//! Deleting a scenario removes, in one commit group, its record, its scenario-scoped data nodes
//! with all their versions, its jobs, its submissions, its run-time sequences and its tasks'
//! last runs. Shared nodes stay, except the cycle-scoped ones of a cycle the scenario was the
//! last member of. Remembered results (the memo table) stay too: they are keyed by content, so
//! another scenario with the same inputs still reuses them. Artifacts that no version and no
//! remembered result refers to any more are deleted by [`Store::collect_garbage`].
//!
//! Duplicating a scenario creates a scenario of the same config whose scenario-scoped nodes start
//! at the source's current values ([`Writer::Copied`]) and whose tasks' last runs are the
//! source's, so its first submit skips every task whose result the source already has.

use std::collections::BTreeMap;

use super::Scenario;
use crate::error::StoreError;
use crate::events::{EntityType, Event, Operation};
use crate::store::Store;
use crate::store::commit::Group;
use crate::store::records::{NodeRecord, ScenarioRecord, SubmissionRecord, TaskRun, Writer, decode, now_us};

impl Store {
    /// Deletes the scenario `id`: its record, its scenario-scoped data nodes and their versions,
    /// its jobs and submissions. Refused while one of its jobs is unfinished, and for the
    /// primary scenario of a cycle that other scenarios share (a primary alone in its cycle
    /// takes the cycle with it).
    pub fn delete_scenario(&self, id: &str) -> Result<(), StoreError> {
        let record = self.scenario_record(id)?;
        let refuse =
            |reason: String| StoreError::CannotDelete { kind: "scenario", id: id.to_owned(), reason };
        let trees = self.trees();
        let mut group = Group::default();
        let mut deleted = Vec::new();
        let (removed_cycles, cycle_events) = self.leave_cycles(&record, &mut group)?;
        for job in self.jobs()?.into_iter().filter(|j| j.scenario == id) {
            if !job.status.is_finished() {
                return Err(refuse(format!("its job `{}` is {}", job.id, job.status)));
            }
            group.remove(&trees.jobs, job.id.as_bytes());
            deleted.push(Event::new(EntityType::Job, job.id, Operation::Deletion));
        }
        for item in trees.submissions.scan(b"") {
            let (key, bytes) = item?;
            let submission: SubmissionRecord = decode("submission", &key, &bytes)?;
            if submission.scenario_id == id {
                group.remove(&trees.submissions, &key);
                deleted.push(Event::new(EntityType::Submission, submission.id, Operation::Deletion));
            }
        }
        for item in trees.task_runs.scan(&run_prefix(id)) {
            let (key, _) = item?;
            group.remove(&trees.task_runs, &key);
        }
        for item in trees.sequences.scan(&run_prefix(id)) {
            let (key, _) = item?;
            group.remove(&trees.sequences, &key);
        }
        let mut owned = Vec::new();
        for node_id in record.nodes.values() {
            let owner = self.node_state(node_id)?.record.owner;
            if owner.as_deref() == Some(id) || owner.is_some_and(|o| removed_cycles.contains(&o)) {
                owned.push(node_id.clone());
                deleted.push(Event::new(EntityType::DataNode, node_id, Operation::Deletion));
            }
        }
        group.remove(&trees.scenarios, id.as_bytes());
        self.stage_with_node_removal(group, &owned)?;
        self.flush()?;
        deleted.push(Event::new(EntityType::Scenario, id, Operation::Deletion));
        deleted.extend(cycle_events);
        deleted.into_iter().for_each(|event| self.emit(event));
        Ok(())
    }
}

/// The key prefix of a scenario's task runs.
fn run_prefix(scenario_id: &str) -> Vec<u8> {
    let mut prefix = scenario_id.as_bytes().to_vec();
    prefix.push(0);
    prefix
}

impl Scenario {
    /// Deletes this scenario; see [`Store::delete_scenario`].
    pub fn delete(self) -> Result<(), StoreError> {
        self.store.delete_scenario(self.id())
    }

    /// A new scenario named `name` of the same config, tags and properties, whose
    /// scenario-scoped nodes start at this scenario's current values and whose tasks remember
    /// this scenario's last runs: its first submit skips what this one would skip. Durable when
    /// this returns. The duplicate is dated now (which decides its cycle) and shares the
    /// source's cycle- and global-scoped nodes.
    pub fn duplicate(&self, name: &str) -> Result<Scenario, StoreError> {
        let store = &self.store;
        let source = store.scenario_record(self.id())?;
        let id = store.new_id("SCENARIO", self.config.id())?;
        let mut record = ScenarioRecord {
            id: id.clone(),
            config_id: source.config_id.clone(),
            name: name.to_owned(),
            created_us: now_us(),
            nodes: BTreeMap::new(),
            tags: source.tags.clone(),
            properties: source.properties.clone(),
        };
        let mut group = Group::default();
        let mut created = Vec::new();
        for (config_id, node_id) in &source.nodes {
            let state = store.node_state(node_id)?;
            if state.record.owner.as_deref() != Some(self.id()) {
                record.nodes.insert(config_id.clone(), node_id.clone());
                continue;
            }
            let copy_id = store.new_id("DATANODE", config_id)?;
            let copy = NodeRecord {
                id: copy_id.clone(),
                owner: Some(id.clone()),
                current: None,
                next_version: 0,
                edit_lock: None,
                ..state.record.clone()
            };
            let first =
                state.current.map(|v| (v.stored, Writer::Copied { node: node_id.clone(), number: v.number }));
            store.stage_new_node(&mut group, copy, first.as_ref().map(|(s, w)| (s, w.clone())))?;
            created.push(Event::new(EntityType::DataNode, &copy_id, Operation::Creation));
            record.nodes.insert(config_id.clone(), copy_id);
        }
        let trees = store.trees();
        let prefix = run_prefix(self.id());
        for item in trees.task_runs.scan(&prefix) {
            let (key, bytes) = item?;
            let run: TaskRun = decode("task run", &key, &bytes)?;
            let mut copy_key = run_prefix(&id);
            copy_key.extend_from_slice(&key[prefix.len()..]);
            group.put(&trees.task_runs, "task run", &copy_key, &run)?;
        }
        for (name, tasks) in store.added_sequences(self.id())? {
            group.put(&trees.sequences, "sequence", &super::sequences::sequence_key(&id, &name), &tasks)?;
        }
        group.put(&trees.scenarios, "scenario", id.as_bytes(), &record)?;
        store.stage(group);
        store.flush()?;
        store.emit(Event::new(EntityType::Scenario, &id, Operation::Creation));
        created.into_iter().for_each(|event| store.emit(event));
        store.join_cycle(&self.config, &record)?;
        Scenario::open(store, &self.config, &id)
    }
}
