//! Typed operations on cycle records: the periods (day, week, month, quarter, year) a scenario
//! config with a [`Frequency`] groups its scenarios by, from their creation dates.
//!
//! A cycle's id is derived from the config, the frequency and the period's first day, so every
//! scenario created in the same period finds the same cycle. The first scenario of a cycle is
//! its primary one; the primary scenario cannot be deleted while other scenarios share its
//! cycle. Periods are computed in UTC; weeks start on Monday.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::catalog::Group;
use super::keys::{self, Prefix};
use super::records::{CycleRecord, ScenarioRecord};
use super::{ScenarioInfo, Store};
use crate::config::Frequency;
use crate::config::ScenarioConfig;
use crate::error::StoreError;
use crate::events::{EntityType, Event, Operation};

/// One period of a scenario config with a frequency, and the scenarios created in it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cycle {
    /// The cycle's id, e.g. `CYCLE_sales_Monthly_2026-11-01`.
    pub id: String,
    /// The scenario config.
    pub config_id: String,
    /// Its frequency.
    pub frequency: Frequency,
    /// A readable name of the period, e.g. `2026-11`.
    pub name: String,
    /// The period's first microsecond since the Unix epoch.
    pub start_us: u64,
    /// The period's end (exclusive), µs since the Unix epoch.
    pub end_us: u64,
    /// The primary scenario's id.
    pub primary: Option<String>,
}

impl Cycle {
    /// When the period starts.
    pub fn start(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(self.start_us)
    }

    /// When it ends (exclusive).
    pub fn end(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(self.end_us)
    }

    fn from_record(record: CycleRecord) -> Self {
        Self {
            name: record.frequency.period_name(record.start_us),
            id: record.id,
            config_id: record.config_id,
            frequency: record.frequency,
            start_us: record.start_us,
            end_us: record.end_us,
            primary: record.primary,
        }
    }
}

/// The id of the cycle a scenario of config `config_id` created at `created_us` belongs to, if
/// the config has a frequency.
pub(crate) fn cycle_of(config_id: &str, frequency: Option<Frequency>, created_us: u64) -> Option<String> {
    new_cycle(config_id, frequency, created_us).map(|c| c.id)
}

fn new_cycle(config_id: &str, frequency: Option<Frequency>, created_us: u64) -> Option<CycleRecord> {
    let frequency = frequency?;
    let (start_us, end_us) = frequency.period(created_us);
    Some(CycleRecord {
        id: format!("CYCLE_{config_id}_{frequency:?}_{}", frequency.period_day(start_us)),
        config_id: config_id.to_owned(),
        frequency,
        start_us,
        end_us,
        primary: None,
    })
}

impl Store {
    fn cycle_record(&self, id: &str) -> Result<Option<CycleRecord>, StoreError> {
        self.apply_all()?;
        self.read(&keys::cycle(id))
    }

    /// Every stored cycle, oldest period first.
    pub fn cycles(&self) -> Result<Vec<Cycle>, StoreError> {
        self.apply_all()?;
        let mut out: Vec<Cycle> =
            self.list(&Prefix::all())?.into_iter().map(|(_, record)| Cycle::from_record(record)).collect();
        out.sort_by(|a, b| (a.start_us, &a.id).cmp(&(b.start_us, &b.id)));
        Ok(out)
    }

    /// A stored cycle by id.
    pub fn cycle(&self, id: &str) -> Result<Cycle, StoreError> {
        self.cycle_record(id)?
            .map(Cycle::from_record)
            .ok_or_else(|| StoreError::NotFound { kind: "cycle", id: id.to_owned() })
    }

    /// The scenarios of a cycle, oldest first.
    pub fn scenarios_of_cycle(&self, id: &str) -> Result<Vec<ScenarioInfo>, StoreError> {
        let cycle = self.cycle(id)?;
        Ok(self
            .scenarios_of_config(&cycle.config_id)?
            .into_iter()
            .filter(|s| (cycle.start_us..cycle.end_us).contains(&s.created_us))
            .collect())
    }

    /// Makes `record` a member of its cycle: creates the cycle if needed and makes the scenario
    /// primary if the cycle has no (live) primary. Durable when this returns.
    pub(crate) fn join_cycle(
        &self,
        config: &ScenarioConfig,
        record: &ScenarioRecord,
    ) -> Result<(), StoreError> {
        let Some(fresh) = new_cycle(config.id(), config.frequency(), record.created_us) else {
            return Ok(());
        };
        let (cycle, created) = {
            let _serial = self.serial();
            let existing = self.cycle_record(&fresh.id)?;
            let created = existing.is_none();
            let mut cycle = existing.unwrap_or(fresh);
            let primary_alive = match &cycle.primary {
                Some(p) => p != &record.id && self.exists(&keys::scenario(p))?,
                None => false,
            };
            if primary_alive {
                return Ok(());
            }
            cycle.primary = Some(record.id.clone());
            let mut group = Group::default();
            group.put(&keys::cycle(&cycle.id), &cycle)?;
            self.stage(group);
            self.flush()?;
            (cycle, created)
        };
        if created {
            self.emit(Event::new(EntityType::Cycle, &cycle.id, Operation::Creation));
        }
        self.emit(Event::update(EntityType::Cycle, &cycle.id, "primary", &record.id));
        Ok(())
    }

    /// Makes `scenario_id` the primary scenario of cycle `cycle_id`; durable when this returns.
    pub(crate) fn set_cycle_primary(&self, cycle_id: &str, scenario_id: &str) -> Result<(), StoreError> {
        {
            let _serial = self.serial();
            let mut record = self
                .cycle_record(cycle_id)?
                .ok_or_else(|| StoreError::NotFound { kind: "cycle", id: cycle_id.to_owned() })?;
            record.primary = Some(scenario_id.to_owned());
            let mut group = Group::default();
            group.put(&keys::cycle(cycle_id), &record)?;
            self.stage(group);
            self.flush()?;
        }
        self.emit(Event::update(EntityType::Cycle, cycle_id, "primary", scenario_id));
        Ok(())
    }

    /// Stages into `group` what deleting `record` does to cycles: refused for the primary
    /// scenario of a cycle others share; a primary alone in its cycle takes the cycle (and with
    /// it the cycle's nodes, which the caller deletes) along. Returns the ids of the cycles
    /// removed and the events to send once the deletion is committed.
    pub(crate) fn leave_cycles(
        &self,
        record: &ScenarioRecord,
        group: &mut Group,
    ) -> Result<(Vec<String>, Vec<Event>), StoreError> {
        let mut removed = Vec::new();
        let mut events = Vec::new();
        for cycle in self.cycles()?.into_iter().filter(|c| c.primary.as_deref() == Some(record.id.as_str())) {
            let others: Vec<String> = self
                .scenarios_of_cycle(&cycle.id)?
                .into_iter()
                .filter(|s| s.id != record.id)
                .map(|s| s.name)
                .collect();
            if !others.is_empty() {
                return Err(StoreError::CannotDelete {
                    kind: "scenario",
                    id: record.id.clone(),
                    reason: format!(
                        "it is the primary scenario of cycle `{}`, which {} other scenario(s) share ({}); make another one primary first",
                        cycle.name,
                        others.len(),
                        others.join(", ")
                    ),
                });
            }
            group.remove(&keys::cycle(&cycle.id));
            events.push(Event::new(EntityType::Cycle, &cycle.id, Operation::Deletion));
            removed.push(cycle.id);
        }
        Ok((removed, events))
    }
}
