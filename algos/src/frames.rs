//! One type per table, so that wiring a table where another is expected does not compile.

use polars::prelude::LazyFrame;
use taipy::DataValue;

/// Task 1's output: one row per customer with `CUSTOMER_SCORE`, `TotalPurchaseAmount`,
/// `NumberOfPurchases` and `TotalPurchaseTime`.
#[derive(Clone, DataValue)]
pub struct ScoredCustomers(pub LazyFrame);

/// Task 2's output: the scored customers plus `HighSpender`, `AverageTimeBetweenPurchases`,
/// `Interaction1`, `Interaction2`, `PolynomialFeature` and `ValueSegment`.
#[derive(Clone, DataValue)]
pub struct SegmentedCustomers(pub LazyFrame);

/// Task 3's output: one row per value segment, sorted by `ValueSegment`.
#[derive(Clone, DataValue)]
pub struct SegmentResult(pub LazyFrame);

/// Task 4's output: one row summarising the high-value customers.
#[derive(Clone, DataValue)]
pub struct HighValueSummary(pub LazyFrame);

macro_rules! from_lazy_frame {
    ($($ty:ident),+) => {$(
        impl From<LazyFrame> for $ty {
            fn from(frame: LazyFrame) -> Self {
                Self(frame)
            }
        }
    )+};
}

from_lazy_frame!(ScoredCustomers, SegmentedCustomers, SegmentResult, HighValueSummary);
