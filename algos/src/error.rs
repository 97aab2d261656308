//! The errors of the customer-analysis tasks.

use std::path::PathBuf;

use polars::prelude::PolarsError;

/// Why a customer-analysis task failed.
///
/// Problems with the input file's header are found when the task builds its plan. Problems in
/// the rows (a value that is not a number, a row with too many fields) are found by polars when
/// the plan runs, and are reported as [`AlgoError::Polars`] by the task or, in a scenario, by the
/// store writing the task's output; polars' message names the offending value and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlgoError {
    /// The input file is empty: not even a header.
    #[error("customers file `{}` is empty; expected a header with the columns {expected}", file.display())]
    EmptyFile {
        /// The file.
        file: PathBuf,
        /// The required columns, comma-separated.
        expected: String,
    },
    /// The input file lacks a column the task needs.
    #[error("customers file `{}` has no column `{column}`; its columns: {found}", file.display())]
    MissingColumn {
        /// The missing column.
        column: &'static str,
        /// The file.
        file: PathBuf,
        /// The columns the file has, comma-separated.
        found: String,
    },
    /// The input file could not be opened or its header could not be read.
    #[error("cannot read customers file `{}`: {source}", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// polars' error.
        #[source]
        source: PolarsError,
    },
    /// polars rejected the query or failed while running it.
    #[error(transparent)]
    Polars(#[from] PolarsError),
    /// A median could not be computed (see [`taipy::frames`]).
    #[error(transparent)]
    Median(#[from] taipy::frames::QuantileError),
}
