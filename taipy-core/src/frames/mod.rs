//! Exact medians and quantiles of frames larger than memory (feature `polars`).
//!
//! polars 0.55 has no streaming median: its streaming engine runs a `median` or `quantile`
//! group-by in memory, holding every value of the aggregated columns. [`median`] and
//! [`quantile`] give the same answers, exactly, while holding only a bounded number of values:
//!
//! 1. each value is mapped to a 64-bit key that orders as the float does (its bit pattern, the
//!    negative ones flipped), so counting keys in ranges is counting values in ranges, exactly;
//! 2. with group keys, a streaming group-by on the keys alone finds the groups; each later pass
//!    streams the value columns (and each row's group number, joined from that small table)
//!    batch by batch into plain Rust counting, one value column per thread;
//! 3. the first pass counts, per group and column, the values in each of 65,536 key ranges (a
//!    histogram), which gives each group's count and the range holding each wanted rank; it also
//!    keeps the values while all of them fit the budget (32M values): then selecting the wanted
//!    ranks among them ends the work, in one pass;
//! 4. otherwise, while the ranges holding the wanted ranks together hold more values than the
//!    budget, another pass splits each of them into narrower ranges (a range of one key holds
//!    equal values and needs no further pass; four passes reach that from any range);
//! 5. a last pass collects only the values in those ranges, and an exact selection
//!    (`select_nth_unstable`) among them gives the order statistics.
//!
//! Every pass runs the frame's plan again with the streaming engine: give these functions a
//! stored frame (a Parquet scan, as a task's input is) or a cheap plan, not a costly one. Memory
//! holds the histograms (65,536 counts per group and column, fewer when there are many groups:
//! 32 MB in all at most), the groups and the values of the budget, whatever the row count.
//!
//! # Semantics: pandas'
//!
//! - Nulls and NaN are skipped (pandas' `skipna=True`); a group with no other value gets null.
//! - Integer columns are converted to `f64` first, as pandas does.
//! - [`median`]: the middle value, or for an even count the mean of the two middle values,
//!   computed as `(a + b) / 2` (so the median of `[1e308, 1e308]` overflows to `inf`, and that of
//!   `[-inf, inf]` is NaN, as with pandas).
//! - [`quantile`] with linear interpolation, where the wanted position is `q · (n − 1)`: with
//!   group keys as `DataFrame.groupby(keys)[column].quantile(q)` computes it
//!   (`a + (b − a)·f`, or `a` when the fraction `f` is 0); without keys as `Series.quantile(q)`
//!   (numpy's: `a + (b − a)·f` for `f < 0.5`, else `b − (b − a)·(1 − f)`).
//! - Values are ordered by their key: `-0.0` before `0.0`. pandas treats them as equal and
//!   returns whichever its selection meets, so the sign of a zero result can differ from
//!   pandas' when both zeros are among the wanted values.
//!
//! # Output
//!
//! A [`DataFrame`] with the key columns, then one `f64` column per value column (named as the
//! column): one row per group of the frame, sorted by the keys (nulls last), as pandas sorts
//! groups; a null key is a group of its own, as in polars. Without keys, exactly one row, even
//! for an empty frame.
//!
//! ```
//! use taipy_core::frames;
//! use taipy_core::polars::prelude::*;
//!
//! let sales = df!(
//!     "region" => ["north", "south", "north", "north", "south"],
//!     "amount" => [4.0, 10.0, 1.0, f64::NAN, 20.0],
//! )?
//! .lazy();
//! let medians = frames::median(sales.clone(), &["region"], &["amount"])?;
//! assert_eq!(medians.column("amount")?.f64()?.to_vec(), [Some(2.5), Some(15.0)]);
//!
//! let quartile = frames::quantile(sales, &[], &["amount"], 0.25)?;
//! assert_eq!(quartile.column("amount")?.f64()?.get(0), Some(3.25));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod keys;
mod scan;
mod select;
#[cfg(test)]
mod tests;

use polars::prelude::{DataFrame, DataType, LazyFrame, PolarsError};

use select::{Limits, Trace, Wanted};

/// Why [`median`] or [`quantile`] could not compute.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QuantileError {
    /// The quantile is not a number between 0 and 1.
    #[error("quantile {q} is not between 0 and 1")]
    Quantile {
        /// The quantile asked for.
        q: f64,
    },
    /// No value column was given.
    #[error("no value column given: name at least one column to aggregate")]
    NoColumns,
    /// A key or value column is not in the frame.
    #[error("no column `{column}` in the frame; its columns: {found}")]
    MissingColumn {
        /// The column asked for.
        column: String,
        /// The frame's columns, comma-separated.
        found: String,
    },
    /// A value column does not hold numbers.
    #[error("column `{column}` holds {dtype}, not numbers: it has no median or quantile")]
    NotNumeric {
        /// The column.
        column: String,
        /// Its type.
        dtype: String,
    },
    /// A column is named twice, or is both a key and a value column.
    #[error("column `{column}` is named twice among the keys and value columns")]
    Repeated {
        /// The column.
        column: String,
    },
    /// A column's name is one the helpers use internally.
    #[error("column `{column}` has a name reserved by taipy's quantile helpers (prefix `__taipy_`)")]
    Reserved {
        /// The column.
        column: String,
    },
    /// polars failed while running a pass (for example while reading the frame's input).
    #[error(transparent)]
    Polars(#[from] PolarsError),
}

/// The exact median of each value column, per group of `keys` (none: the whole frame).
///
/// For an even count, the mean of the two middle values, as pandas; nulls and NaN skipped.
/// See the [module](self) for the algorithm, the exact semantics and the output's shape.
pub fn median(frame: LazyFrame, keys: &[&str], columns: &[&str]) -> Result<DataFrame, QuantileError> {
    Ok(compute(frame, keys, columns, Wanted::Median, Limits::DEFAULT)?.0)
}

/// The exact `q`-quantile (`0 ≤ q ≤ 1`) of each value column, per group of `keys`, with pandas'
/// default linear interpolation; nulls and NaN skipped.
///
/// See the [module](self) for the algorithm, the exact semantics and the output's shape.
pub fn quantile(
    frame: LazyFrame,
    keys: &[&str],
    columns: &[&str],
    q: f64,
) -> Result<DataFrame, QuantileError> {
    if !(0.0..=1.0).contains(&q) {
        return Err(QuantileError::Quantile { q });
    }
    let wanted = Wanted::Quantile { q, grouped: !keys.is_empty() };
    Ok(compute(frame, keys, columns, wanted, Limits::DEFAULT)?.0)
}

/// Checks the columns, then runs the passes.
fn compute(
    mut frame: LazyFrame,
    keys: &[&str],
    columns: &[&str],
    wanted: Wanted,
    limits: Limits,
) -> Result<(DataFrame, Trace), QuantileError> {
    if columns.is_empty() {
        return Err(QuantileError::NoColumns);
    }
    let schema = frame.collect_schema()?;
    let found = || schema.iter_names().map(|n| n.as_str()).collect::<Vec<_>>().join(", ");
    for (i, &name) in keys.iter().chain(columns).enumerate() {
        let Some(dtype) = schema.get(name) else {
            return Err(QuantileError::MissingColumn { column: name.to_owned(), found: found() });
        };
        if keys.iter().chain(columns).take(i).any(|&earlier| earlier == name) {
            return Err(QuantileError::Repeated { column: name.to_owned() });
        }
        if name.starts_with(select::RESERVED_PREFIX) {
            return Err(QuantileError::Reserved { column: name.to_owned() });
        }
        if i >= keys.len() && !is_number(dtype) {
            return Err(QuantileError::NotNumeric { column: name.to_owned(), dtype: dtype.to_string() });
        }
    }
    Ok(select::run(frame, keys, columns, wanted, limits)?)
}

/// Whether a column's values convert to `f64` as pandas converts them for a median.
fn is_number(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric() || matches!(dtype, DataType::Boolean)
}
