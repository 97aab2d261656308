//! Cycles: the periods (day, week, month, quarter, year) a scenario config with a
//! [`Frequency`] groups its scenarios by, from their creation dates.
//!
//! A cycle's id is derived from the config, the frequency and the period's first day, so every
//! scenario created in the same period finds the same cycle. The first scenario of a cycle is
//! its primary one; [`Scenario::set_primary`] moves that, and the primary scenario cannot be
//! deleted while other scenarios share its cycle. Data nodes of [`Scope::Cycle`] are shared by
//! the scenarios of one cycle. Periods are computed in UTC; weeks start on Monday.
//!
//! [`Scope::Cycle`]: crate::Scope::Cycle

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::config::ScenarioConfig;
use crate::config::frequency::{DAY_US, Frequency, civil_from_days};
use crate::error::StoreError;
use crate::events::{EntityType, Event, Operation};
use crate::scenario::Scenario;
use crate::store::commit::Group;
use crate::store::records::{ScenarioRecord, decode};
use crate::store::{ScenarioInfo, Store};

/// A stored cycle.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CycleRecord {
    pub(crate) id: String,
    pub(crate) config_id: String,
    pub(crate) frequency: Frequency,
    pub(crate) start_us: u64,
    pub(crate) end_us: u64,
    /// The primary scenario's id.
    pub(crate) primary: Option<String>,
}

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

/// The cycle a scenario of `config` created at `created_us` belongs to, if the config has a
/// frequency.
pub(crate) fn cycle_of(
    config_id: &str,
    frequency: Option<Frequency>,
    created_us: u64,
) -> Option<CycleRecord> {
    let frequency = frequency?;
    let (start_us, end_us) = frequency.period(created_us);
    let (y, m, d) = civil_from_days((start_us / DAY_US) as i64);
    Some(CycleRecord {
        id: format!("CYCLE_{config_id}_{frequency:?}_{y:04}-{m:02}-{d:02}"),
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
        self.get(&self.trees().cycles, "cycle", id.as_bytes())
    }

    /// Every stored cycle, oldest period first.
    pub fn cycles(&self) -> Result<Vec<Cycle>, StoreError> {
        self.apply_all()?;
        let mut out = Vec::new();
        for item in self.trees().cycles.scan(b"") {
            let (key, bytes) = item?;
            out.push(Cycle::from_record(decode("cycle", &key, &bytes)?));
        }
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
        let Some(fresh) = cycle_of(config.id(), config.frequency(), record.created_us) else { return Ok(()) };
        let _serial = crate::scenario::lock_records();
        let existing = self.cycle_record(&fresh.id)?;
        let created = existing.is_none();
        let mut cycle = existing.unwrap_or(fresh);
        let primary_alive = match &cycle.primary {
            Some(p) => p != &record.id && self.trees().scenarios.contains_key(p.as_bytes())?,
            None => false,
        };
        if primary_alive {
            return Ok(());
        }
        cycle.primary = Some(record.id.clone());
        let mut group = Group::default();
        group.put(&self.trees().cycles, "cycle", cycle.id.as_bytes(), &cycle)?;
        self.stage(group);
        self.flush()?;
        if created {
            self.emit(Event::new(EntityType::Cycle, &cycle.id, Operation::Creation));
        }
        self.emit(Event::update(EntityType::Cycle, &cycle.id, "primary", &record.id));
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
            group.remove(&self.trees().cycles, cycle.id.as_bytes());
            events.push(Event::new(EntityType::Cycle, &cycle.id, Operation::Deletion));
            removed.push(cycle.id);
        }
        Ok((removed, events))
    }
}

impl Scenario {
    /// Creates a scenario as [`create`](Self::create) does, dated `creation_date` (which
    /// decides its cycle).
    pub fn create_at(
        store: &Store,
        config: &std::sync::Arc<ScenarioConfig>,
        name: &str,
        creation_date: SystemTime,
    ) -> Result<Self, StoreError> {
        let created_us = creation_date.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64);
        Self::create_dated(store, config, name, created_us)
    }

    /// The scenario's cycle, if its config has a frequency.
    pub fn cycle(&self) -> Result<Option<Cycle>, StoreError> {
        match cycle_of(self.config().id(), self.config().frequency(), self.created_us()) {
            Some(record) => self.store().cycle(&record.id).map(Some),
            None => Ok(None),
        }
    }

    /// Whether it is the primary scenario of its cycle (a scenario without cycle is not).
    pub fn is_primary(&self) -> Result<bool, StoreError> {
        Ok(self.cycle()?.is_some_and(|c| c.primary.as_deref() == Some(self.id())))
    }

    /// Makes it the primary scenario of its cycle. An error if its config has no frequency.
    pub fn set_primary(&self) -> Result<(), StoreError> {
        let Some(cycle) = self.cycle()? else {
            return Err(StoreError::NotFound { kind: "cycle", id: format!("of scenario `{}`", self.name()) });
        };
        let store = self.store();
        {
            let _serial = crate::scenario::lock_records();
            let mut record = store.cycle_record(&cycle.id)?.expect("the cycle exists");
            record.primary = Some(self.id().to_owned());
            let mut group = Group::default();
            group.put(&store.trees().cycles, "cycle", cycle.id.as_bytes(), &record)?;
            store.stage(group);
            store.flush()?;
        }
        store.emit(Event::update(EntityType::Cycle, &cycle.id, "primary", self.id()));
        Ok(())
    }
}
