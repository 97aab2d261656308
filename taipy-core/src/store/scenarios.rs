//! Typed operations on scenario records: read, list, change metadata, delete, run-time
//! sequences.
//!
//! Deleting a scenario removes, in one commit group, its record, its scenario-scoped data nodes
//! with all their versions, its jobs, its submissions, its run-time sequences and its tasks'
//! last runs. Shared nodes stay, except the cycle-scoped ones of a cycle the scenario was the
//! last member of. Remembered results (the memo table) stay too: they are keyed by content, so
//! another scenario with the same inputs still reuses them; [`Store::gc`] forgets them by policy.

use std::collections::BTreeMap;

use super::catalog::Group;
use super::keys::{self, Prefix};
use super::records::{ScenarioRecord, SequenceRecord};
use super::{ScenarioInfo, Store};
use crate::error::StoreError;
use crate::events::{EntityType, Event, Operation};

impl ScenarioInfo {
    fn of(record: ScenarioRecord) -> Self {
        let mut tags = record.tags;
        tags.sort();
        Self {
            id: record.id,
            name: record.name,
            config_id: record.config_id,
            created_us: record.created_us,
            tags,
            config_version: record.config_version,
        }
    }
}

impl Store {
    /// Every stored scenario, oldest first. Scenario records that cannot be read are left out
    /// and reported by [`unreadable_records`](Self::unreadable_records).
    pub fn scenarios(&self) -> Result<Vec<ScenarioInfo>, StoreError> {
        Ok(self.scenario_records()?.into_iter().map(ScenarioInfo::of).collect())
    }

    /// A stored scenario's record.
    pub(crate) fn scenario_record(&self, id: &str) -> Result<ScenarioRecord, StoreError> {
        self.apply_all()?;
        self.read(&keys::scenario(id))?
            .ok_or_else(|| StoreError::NotFound { kind: "scenario", id: id.to_owned() })
    }

    /// Every readable scenario record, oldest first.
    pub(crate) fn scenario_records(&self) -> Result<Vec<ScenarioRecord>, StoreError> {
        self.apply_all()?;
        let mut out: Vec<ScenarioRecord> = self.list(&Prefix::all())?.into_iter().map(|(_, r)| r).collect();
        out.sort_by(|a, b| (a.created_us, &a.id).cmp(&(b.created_us, &b.id)));
        Ok(out)
    }

    /// Changes a stored scenario's record with `change` and makes it durable.
    pub(crate) fn update_scenario<R>(
        &self,
        id: &str,
        attribute: &str,
        change: impl FnOnce(&mut ScenarioRecord) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let record = {
            let _serial = self.serial();
            let old = self.scenario_record(id)?;
            let mut record = old.clone();
            let result = change(&mut record)?;
            let mut group = Group::default();
            group.replace(&keys::scenario(id), &old, &record)?;
            self.stage(group);
            self.flush()?;
            (record, result)
        };
        let (record, result) = record;
        let value = match attribute {
            "tags" => record.tags.join(", "),
            _ => format!("{:?}", record.properties),
        };
        self.emit(Event::update(EntityType::Scenario, id, attribute, value));
        Ok(result)
    }

    /// The stored scenarios of the config `config_id`, oldest first.
    pub fn scenarios_of_config(&self, config_id: &str) -> Result<Vec<ScenarioInfo>, StoreError> {
        Ok(self.scenario_records_of_config(config_id)?.into_iter().map(ScenarioInfo::of).collect())
    }

    /// The stored scenarios tagged `tag`, oldest first.
    pub fn scenarios_with_tag(&self, tag: &str) -> Result<Vec<ScenarioInfo>, StoreError> {
        Ok(self.scenario_records_with_tag(tag)?.into_iter().map(ScenarioInfo::of).collect())
    }

    /// Deletes the scenario `id`: its record, its scenario-scoped data nodes and their versions,
    /// its jobs and submissions. Refused while one of its jobs is unfinished, and for the
    /// primary scenario of a cycle that other scenarios share (a primary alone in its cycle
    /// takes the cycle with it).
    pub fn delete_scenario(&self, id: &str) -> Result<(), StoreError> {
        let record = self.scenario_record(id)?;
        let refuse =
            |reason: String| StoreError::CannotDelete { kind: "scenario", id: id.to_owned(), reason };
        let mut group = Group::default();
        let mut deleted = Vec::new();
        let (removed_cycles, cycle_events) = self.leave_cycles(&record, &mut group)?;
        let submissions = self.submission_records_of(id)?;
        for job in self.jobs_of_submissions(&submissions, id)? {
            if !job.status.is_finished() {
                return Err(refuse(format!("its job `{}` is {}", job.id, job.status)));
            }
            group.delete(&keys::job(&job.id), &job);
            deleted.push(Event::new(EntityType::Job, job.id, Operation::Deletion));
        }
        for submission in submissions {
            group.delete(&keys::submission(&submission.id), &submission);
            group.remove_skipped(&submission.id);
            deleted.push(Event::new(EntityType::Submission, submission.id, Operation::Deletion));
        }
        self.stage_run_sets_removal(&mut group, id)?;
        for (key, _) in self.list(&keys::sequences_of(id))? {
            group.remove(&key);
        }
        let mut owned = Vec::new();
        for node_id in record.nodes.values() {
            let owner = self.node_state(node_id)?.record.owner;
            if owner.as_deref() == Some(id) || owner.is_some_and(|o| removed_cycles.contains(&o)) {
                owned.push(node_id.clone());
                deleted.push(Event::new(EntityType::DataNode, node_id, Operation::Deletion));
            }
        }
        group.delete(&keys::scenario(id), &record);
        self.stage_with_node_removal(group, &owned)?;
        self.flush()?;
        deleted.push(Event::new(EntityType::Scenario, id, Operation::Deletion));
        deleted.extend(cycle_events);
        deleted.into_iter().for_each(|event| self.emit(event));
        Ok(())
    }

    /// The run-time sequences of a scenario.
    pub(crate) fn added_sequences(
        &self,
        scenario_id: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
        self.apply_all()?;
        Ok(self
            .list::<SequenceRecord>(&keys::sequences_of(scenario_id))?
            .into_iter()
            .map(|(key, record)| (keys::sequence_name(&key), record.tasks))
            .collect())
    }

    /// Adds (or replaces, with `Some`) or removes (`None`) a run-time sequence; durable when
    /// this returns.
    pub(crate) fn set_sequence(
        &self,
        scenario_id: &str,
        name: &str,
        tasks: Option<Vec<String>>,
    ) -> Result<(), StoreError> {
        let mut group = Group::default();
        let key = keys::sequence(scenario_id, name);
        match tasks {
            Some(tasks) => group.put(&key, &SequenceRecord { tasks })?,
            None => group.remove(&key),
        }
        self.stage(group);
        self.flush()
    }
}

impl Store {
    /// Whether a scenario record exists.
    pub(crate) fn scenario_exists(&self, id: &str) -> Result<bool, StoreError> {
        self.exists(&keys::scenario(id))
    }

    /// Stages into `group` copies of scenario `from`'s task last runs and run-time sequences for
    /// scenario `to` (a duplicate's first submit then skips what `from`'s would).
    pub(crate) fn stage_copy_of_runs(
        &self,
        group: &mut Group,
        from: &str,
        to: &str,
    ) -> Result<(), StoreError> {
        self.apply_all()?;
        self.stage_copy_of_last_runs(group, from, to)?;
        for (key, sequence) in self.list(&keys::sequences_of(from))? {
            group.put(&keys::sequence(to, &keys::sequence_name(&key)), &sequence)?;
        }
        Ok(())
    }
}
