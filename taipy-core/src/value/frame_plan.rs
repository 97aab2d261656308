//! A lazy frame's plan as the orchestrator fuses it (`orchestrator/fuse.rs`): a producer's plan
//! handed to its downstream tasks of the same submission, and several plans stored together in
//! one polars query (one streaming pass that feeds every sink, see `frames.rs`).
//!
//! [`FramePlan`] is part of [`DataValue`](super::DataValue) whatever the features, so that
//! `#[derive(DataValue)]` delegates it for a newtype of a frame without knowing whether polars is
//! enabled; without the `polars` feature no plan can be made (the type has no values).

use super::{StoreCx, Stored};
use crate::error::StoreError;

/// A lazy frame's query plan, not executed yet: what [`DataValue::plan`](super::DataValue::plan)
/// returns for a `LazyFrame` (and for a newtype of one).
///
/// ```
/// # #[cfg(feature = "polars")] {
/// use taipy_core::polars::prelude::*;
/// use taipy_core::{DataValue, FramePlan};
///
/// let frame = df!("x" => [1i64, 2]).unwrap().lazy();
/// let plan: FramePlan = frame.plan().expect("a lazy frame has a plan");
/// let back = LazyFrame::from_plan(plan).expect("and is made from one");
/// assert_eq!(back.collect().unwrap().height(), 2);
/// # }
/// ```
#[derive(Clone)]
pub struct FramePlan(pub(crate) Inner);

#[cfg(feature = "polars")]
pub(crate) type Inner = polars::prelude::LazyFrame;

/// No plans without polars.
#[cfg(not(feature = "polars"))]
#[derive(Clone)]
pub(crate) enum Inner {}

#[cfg(feature = "polars")]
impl FramePlan {
    /// The plan of `frame`.
    pub fn new(frame: polars::prelude::LazyFrame) -> Self {
        Self(frame)
    }

    /// The lazy frame.
    pub fn into_lazy_frame(self) -> polars::prelude::LazyFrame {
        self.0
    }

    /// The same plan, marked so that every query it appears in several times computes it once
    /// (polars' cache node: the branches of one query share one pass over its input).
    pub(crate) fn shared(self) -> Self {
        Self(self.0.cache())
    }
}

#[cfg(not(feature = "polars"))]
impl FramePlan {
    pub(crate) fn shared(self) -> Self {
        match self.0 {}
    }
}

impl std::fmt::Debug for FramePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FramePlan")
    }
}

/// Stores `plans` as frame artifacts, in one query with one sink per plan (the streaming engine
/// runs them in one pass; parts shared through [`FramePlan::shared`] are computed once). Each
/// artifact has the bytes, hence the hash, that storing its plan alone gives, and is durable
/// when this returns. On an error no artifact is left.
pub(crate) fn store_plans(plans: Vec<FramePlan>, cx: &StoreCx<'_>) -> Result<Vec<Stored>, StoreError> {
    #[cfg(feature = "polars")]
    {
        super::frames::store_together(plans.into_iter().map(|p| p.0).collect(), cx)
    }
    #[cfg(not(feature = "polars"))]
    {
        let _ = cx;
        Ok(plans.into_iter().map(|p| match p.0 {}).collect())
    }
}
