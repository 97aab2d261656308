//! One type per table, so that wiring a table where another is expected does not compile.

use polars::prelude::LazyFrame;

/// Implements `DataValue` for one-field `LazyFrame` newtypes by delegating to the frame.
///
/// A stand-in for `#[derive(DataValue)]` (being written in taipy-macros): once it lands, each
/// use becomes a derive on the struct and this macro goes.
macro_rules! lazy_frame_value {
    ($($ty:ident),+ $(,)?) => {$(
        impl taipy_core::DataValue for $ty {
            const EXTERNAL: bool = <LazyFrame as taipy_core::DataValue>::EXTERNAL;
            const RELOAD_AFTER_STORE: bool = <LazyFrame as taipy_core::DataValue>::RELOAD_AFTER_STORE;

            fn store(&self, cx: &taipy_core::StoreCx<'_>) -> Result<taipy_core::Stored, taipy_core::StoreError> {
                <LazyFrame as taipy_core::DataValue>::store(&self.0, cx)
            }

            fn load(
                stored: &taipy_core::Stored,
                cx: &taipy_core::StoreCx<'_>,
            ) -> Result<Self, taipy_core::StoreError> {
                <LazyFrame as taipy_core::DataValue>::load(stored, cx).map(Self)
            }

            fn refresh(
                stored: &taipy_core::Stored,
                cx: &taipy_core::StoreCx<'_>,
            ) -> Result<taipy_core::Fingerprint, taipy_core::StoreError> {
                <LazyFrame as taipy_core::DataValue>::refresh(stored, cx)
            }
        }

        impl From<LazyFrame> for $ty {
            fn from(frame: LazyFrame) -> Self {
                Self(frame)
            }
        }
    )+};
}

/// Task 1's output: one row per customer with `CUSTOMER_SCORE`, `TotalPurchaseAmount`,
/// `NumberOfPurchases` and `TotalPurchaseTime`.
#[derive(Clone)]
pub struct ScoredCustomers(pub LazyFrame);

/// Task 2's output: the scored customers plus `HighSpender`, `AverageTimeBetweenPurchases`,
/// `Interaction1`, `Interaction2`, `PolynomialFeature` and `ValueSegment`.
#[derive(Clone)]
pub struct SegmentedCustomers(pub LazyFrame);

/// Task 3's output: one row per value segment, sorted by `ValueSegment`.
#[derive(Clone)]
pub struct SegmentResult(pub LazyFrame);

/// Task 4's output: one row summarising the high-value customers.
#[derive(Clone)]
pub struct HighValueSummary(pub LazyFrame);

lazy_frame_value!(ScoredCustomers, SegmentedCustomers, SegmentResult, HighValueSummary);
