//! Sequences added to and removed from a scenario at run time, next to those its config
//! declares.
//!
//! A run-time sequence is stored under the scenario (`<scenario id>\0<name>` → task ids), so it
//! survives restarts, is copied by [`Scenario::duplicate`] and deleted with its scenario.

use std::collections::BTreeMap;

use super::Scenario;
use crate::error::StoreError;
use crate::events::{EntityType, Event, Operation};

impl Scenario {
    /// Every sequence of the scenario: the config's and those added at run time.
    pub fn sequences(&self) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
        let mut all = self.store.added_sequences(self.id())?;
        all.extend(self.config.sequences().iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(all)
    }

    /// Adds (or replaces) a sequence of this scenario's tasks, submittable with
    /// [`submit_sequence`](Self::submit_sequence). Refused for an unknown task or the name of a
    /// sequence the config declares. Durable when this returns.
    pub fn add_sequence<I, S>(&self, name: &str, tasks: I) -> Result<(), StoreError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let tasks: Vec<String> = tasks.into_iter().map(Into::into).collect();
        let invalid = |reason: String| StoreError::InvalidSequence { sequence: name.to_owned(), reason };
        if self.config.sequences().contains_key(name) {
            return Err(invalid("the config declares a sequence of this name".into()));
        }
        if let Some(task) = tasks.iter().find(|t| self.config.task(t).is_none()) {
            let declared = self.config.tasks().iter().map(|t| t.id()).collect::<Vec<_>>().join(", ");
            return Err(invalid(format!("no task `{task}`; declared tasks: {declared}")));
        }
        self.store.set_sequence(self.id(), name, Some(tasks))?;
        self.store.emit(Event::new(
            EntityType::Sequence,
            format!("{}/{name}", self.id()),
            Operation::Creation,
        ));
        Ok(())
    }

    /// Removes a sequence added at run time; returns whether it existed. The config's sequences
    /// cannot be removed.
    pub fn remove_sequence(&self, name: &str) -> Result<bool, StoreError> {
        if self.config.sequences().contains_key(name) {
            return Err(StoreError::InvalidSequence {
                sequence: name.to_owned(),
                reason: "the config declares it; only sequences added at run time can be removed".into(),
            });
        }
        if !self.store.added_sequences(self.id())?.contains_key(name) {
            return Ok(false);
        }
        self.store.set_sequence(self.id(), name, None)?;
        self.store.emit(Event::new(
            EntityType::Sequence,
            format!("{}/{name}", self.id()),
            Operation::Deletion,
        ));
        Ok(true)
    }
}
