//! The customer-analysis tasks of the taipy-rs tutorial, written on polars.
//!
//! Four ordinary functions, each a task of the tutorial's scenario:
//!
//! 1. [`preprocess_and_score`]: read the customers CSV lazily and score every customer;
//! 2. [`featurization_and_segmentation`]: derive features and split customers into
//!    "High Value" and "Low Value";
//! 3. [`segment_analysis`]: one row per segment with the chosen [`Metric`] of each measure;
//! 4. [`high_value_cust_summary_statistics`]: a one-row summary of the high-value customers.
//!
//! They compute what the tutorial's pandas functions compute (see each function for the exact
//! semantics, including pandas' handling of NaN), but on [`LazyFrame`]s: every task returns a
//! query plan, never a materialised table. Stored in a taipy data node, a plan is executed by
//! polars' streaming engine straight into a Parquet artifact, so the tables never have to fit
//! in memory. The one operation polars 0.55 cannot stream is a median (task 3 with
//! [`Metric::Median`], task 4's median score and [`Statistic::Median`]): those tasks compute
//! their medians with [`taipy::frames::median`] before returning, exactly and in bounded memory
//! (a few streaming passes over their input), and return a plan over the small result.
//!
//! Means are the exception to "a plan": they are computed when the task runs, in one streaming
//! pass, by [`exact::group_means`], so that they are the same to the last bit whatever polars'
//! thread count (its own means are not, and a frame differing by one bit is a new version that
//! re-runs everything downstream). Their tables are small: one row per segment.
//!
//! Every table has its own type ([`ScoredCustomers`], [`SegmentedCustomers`],
//! [`SegmentResult`], [`HighValueSummary`]), so wiring one where another is expected does not
//! compile. The tutorial's own configuration passes task 4 its first two inputs swapped (and
//! pandas silently computes a wrong number); here it is a type error:
//!
//! ```compile_fail,E0308
//! use algos::*;
//!
//! fn swapped(segmented: &SegmentedCustomers, segments: &SegmentResult) {
//!     let _ = high_value_cust_summary_statistics(segments, segmented, &Statistic::Median);
//! }
//! ```
//!
//! ```no_run
//! use algos::*;
//! use taipy::CsvFile;
//!
//! let scored = preprocess_and_score(&CsvFile::new("data/customers.csv"))?;
//! let segmented = featurization_and_segmentation(&scored, &1000.0, &1.5)?;
//! let segments = segment_analysis(&segmented, &Metric::Mean)?;
//! let summary = high_value_cust_summary_statistics(&segmented, &segments, &Statistic::Median)?;
//! println!("{}", summary.0.collect()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`LazyFrame`]: polars::prelude::LazyFrame

pub mod columns;
mod error;
pub mod exact;
mod frames;
pub mod generate;
mod params;
mod scenario;
mod tasks;
pub mod walkthrough;

pub use error::AlgoError;
pub use frames::{HighValueSummary, ScoredCustomers, SegmentResult, SegmentedCustomers};
pub use params::{Metric, ParseParamError, Statistic};
pub use scenario::{CustomerAnalysis, SAMPLE_DATA};
pub use tasks::{
    featurization_and_segmentation, high_value_cust_summary_statistics, preprocess_and_score,
    segment_analysis,
};
