//! Cycles: the periods (day, week, month, quarter, year) a scenario config with a
//! [`Frequency`](crate::Frequency) groups its scenarios by, from their creation dates.
//!
//! A cycle's id is derived from the config, the frequency and the period's first day, so every
//! scenario created in the same period finds the same cycle. The first scenario of a cycle is
//! its primary one; [`Scenario::set_primary`] moves that, and the primary scenario cannot be
//! deleted while other scenarios share its cycle. Data nodes of [`Scope::Cycle`] are shared by
//! the scenarios of one cycle. Periods are computed in UTC; weeks start on Monday.
//!
//! [`Scope::Cycle`]: crate::Scope::Cycle

use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::ScenarioConfig;
use crate::error::StoreError;
use crate::scenario::Scenario;
use crate::store::{Cycle, Store, cycle_of};

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
            Some(id) => self.store().cycle(&id).map(Some),
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
        self.store().set_cycle_primary(&cycle.id, self.id())
    }
}
