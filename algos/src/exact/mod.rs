//! Reproducible means: the same rows give the same bits, whatever polars' thread count.
//!
//! polars sums a column in parallel partial sums, each rounded at every addition, and combines
//! them in an order that depends on how the rows were split between threads: two runs on the
//! same file can differ in the last bit of a mean. A stored frame is content-addressed, so one
//! bit is a new artifact and a new version, and early cutoff ("a re-run with the same content
//! records no new version") is lost for every task downstream.
//!
//! Two ways out were weighed:
//! - **a canonical encoding before hashing** (say, rounding floats to fewer bits): it cannot
//!   work, since two values on either side of a rounding boundary still differ after rounding,
//!   and the stored values would still differ between runs;
//! - **a deterministic reduction**: either make polars reduce every group in one fixed order
//!   (it has no such option in its streaming group-by, and an in-memory, single-threaded one
//!   would give up both the memory bound and the speed), or make the order irrelevant.
//!
//! This module makes the order irrelevant: [`ExactSum`] accumulates a sum exactly and rounds
//! it once, so the result is *the* correctly rounded sum of the values, a function of the
//! values alone. [`group_means`] streams a plan through polars' streaming engine into one
//! accumulator per group (memory: one accumulator per group, whatever the row count); a mean
//! is that correctly rounded sum divided by the count, as pandas divides its sum by the count.

mod sum;

use std::sync::{Arc, Mutex, PoisonError};

use polars::prelude::*;

pub use sum::ExactSum;

/// The aggregates of one group.
struct Group {
    key: Option<String>,
    sums: Vec<ExactSum>,
    counts: Vec<u64>,
    int_sums: Vec<i64>,
}

impl Group {
    fn new(key: Option<String>, means: usize, int_sums: usize) -> Self {
        Self { key, sums: vec![ExactSum::new(); means], counts: vec![0; means], int_sums: vec![0; int_sums] }
    }
}

/// What [`group_means`] accumulates, batch after batch.
struct Groups {
    key: Option<PlSmallStr>,
    means: Vec<PlSmallStr>,
    int_sums: Vec<PlSmallStr>,
    groups: Vec<Group>,
}

impl Groups {
    /// The index of the group of `key`, created if new. Groups are few (two segments): a
    /// linear search compares fewer bytes than hashing each row's key would.
    fn group_of(&mut self, key: Option<&str>) -> usize {
        match self.groups.iter().position(|g| g.key.as_deref() == key) {
            Some(index) => index,
            None => {
                self.groups.push(Group::new(key.map(str::to_owned), self.means.len(), self.int_sums.len()));
                self.groups.len() - 1
            }
        }
    }

    fn add_batch(&mut self, batch: &DataFrame) -> PolarsResult<()> {
        let rows: Vec<usize> = match &self.key {
            Some(key) => {
                let keys = batch.column(key)?.str()?.clone();
                keys.iter().map(|k| self.group_of(k)).collect()
            }
            None => {
                let group = self.group_of(None);
                vec![group; batch.height()]
            }
        };
        for (i, name) in self.means.iter().enumerate() {
            let values = batch.column(name)?.f64()?;
            for (value, &group) in values.iter().zip(&rows) {
                // NaN and nulls are skipped, as pandas skips NaN.
                if let Some(x) = value.filter(|x| !x.is_nan()) {
                    let group = &mut self.groups[group];
                    group.sums[i].add(x);
                    group.counts[i] += 1;
                }
            }
        }
        for (i, name) in self.int_sums.iter().enumerate() {
            let values = batch.column(name)?.i64()?;
            for (value, &group) in values.iter().zip(&rows) {
                // Wrapping, as polars' integer sums: exact and order-free modulo 2⁶⁴.
                let sum = &mut self.groups[group].int_sums[i];
                *sum = sum.wrapping_add(value.unwrap_or(0));
            }
        }
        Ok(())
    }

    /// One row per group, in the order the groups were met.
    fn finish(self) -> PolarsResult<DataFrame> {
        let mut columns = Vec::new();
        if let Some(key) = &self.key {
            let keys: StringChunked = self.groups.iter().map(|g| g.key.as_deref()).collect();
            columns.push(keys.with_name(key.clone()).into_column());
        }
        for (i, name) in self.means.iter().enumerate() {
            let means: Float64Chunked = self
                .groups
                .iter()
                .map(|g| (g.counts[i] > 0).then(|| g.sums[i].value() / g.counts[i] as f64))
                .collect();
            columns.push(means.with_name(name.clone()).into_column());
        }
        for (i, name) in self.int_sums.iter().enumerate() {
            let sums: Int64Chunked = self.groups.iter().map(|g| Some(g.int_sums[i])).collect();
            columns.push(sums.with_name(name.clone()).into_column());
        }
        DataFrame::new_infer_height(columns)
    }
}

/// Per group of the text column `key` (one group for all rows if `None`), the mean of each of
/// `means` (read as `f64`; NaN and nulls skipped, `null` if nothing is left) and the sum of each
/// of the `Int64` columns `int_sums` (nulls skipped), in columns of those names: `key`, then
/// `means`, then `int_sums`. One row per group in no particular order; with no key, one row
/// even for no rows.
///
/// Every mean is the correctly rounded sum ([`ExactSum`]) divided by the count: the same rows
/// give the same bits in any order and with any number of threads. `frame` runs on polars'
/// streaming engine, and only the named columns reach this function.
///
/// ```
/// use algos::exact::group_means;
/// use polars::prelude::*;
///
/// let frame = df!("k" => ["a", "b", "a"], "x" => [0.1, 2.0, 0.2], "n" => [1i64, 2, 3])?.lazy();
/// let means = group_means(frame, Some("k"), &["x"], &["n"])?
///     .sort(["k"], SortMultipleOptions::default())?;
/// assert_eq!(means.column("x")?.f64()?.get(0), Some(0.15000000000000002)); // (0.1 + 0.2) / 2
/// assert_eq!(means.column("n")?.i64()?.get(0), Some(4));
/// # Ok::<(), PolarsError>(())
/// ```
pub fn group_means(
    frame: LazyFrame,
    key: Option<&str>,
    means: &[&str],
    int_sums: &[&str],
) -> PolarsResult<DataFrame> {
    let selected: Vec<Expr> = key
        .map(|k| col(k).cast(DataType::String))
        .into_iter()
        .chain(means.iter().map(|m| col(*m).cast(DataType::Float64)))
        .chain(int_sums.iter().map(|s| col(*s).cast(DataType::Int64)))
        .collect();
    let names = |list: &[&str]| list.iter().map(|&n| PlSmallStr::from(n)).collect::<Vec<_>>();
    let groups = Arc::new(Mutex::new(Groups {
        key: key.map(PlSmallStr::from),
        means: names(means),
        int_sums: names(int_sums),
        groups: Vec::new(),
    }));
    let sink = Arc::clone(&groups);
    // polars calls the sink with one batch at a time; the lock is never contended.
    let callback = PlanCallback::new(move |batch: DataFrame| {
        sink.lock().unwrap_or_else(PoisonError::into_inner).add_batch(&batch)?;
        Ok(false) // false: go on
    });
    frame.select(selected).sink_batches(callback, false, None)?.collect_with_engine(Engine::Streaming)?;
    let mut groups = Arc::try_unwrap(groups)
        .map_err(|_| polars_err!(ComputeError: "the batch sink outlived its query"))?
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    if groups.key.is_none() && groups.groups.is_empty() {
        groups.group_of(None);
    }
    groups.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(frame: DataFrame, key: &str) -> DataFrame {
        frame.sort([key], SortMultipleOptions::default().with_nulls_last(true)).unwrap()
    }

    #[test]
    fn nan_and_nulls_are_skipped_and_a_group_with_nothing_left_is_null() {
        let frame = df!(
            "k" => [Some("a"), Some("a"), Some("b"), None, Some("a"), Some("b")],
            "x" => [Some(1.0), Some(f64::NAN), Some(f64::NAN), Some(7.0), None, None],
            "n" => [Some(1i64), None, Some(5), Some(2), Some(3), None],
        )
        .unwrap();
        let means = sorted(group_means(frame.lazy(), Some("k"), &["x"], &["n"]).unwrap(), "k");
        let names: Vec<&str> = means.get_column_names().into_iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["k", "x", "n"]);
        let keys: Vec<Option<&str>> = means.column("k").unwrap().str().unwrap().iter().collect();
        assert_eq!(keys, [Some("a"), Some("b"), None], "a null key is a group of its own");
        let x: Vec<Option<f64>> = means.column("x").unwrap().f64().unwrap().iter().collect();
        assert_eq!(x, [Some(1.0), None, Some(7.0)]);
        let n: Vec<Option<i64>> = means.column("n").unwrap().i64().unwrap().iter().collect();
        assert_eq!(n, [Some(4), Some(5), Some(2)]);
    }

    #[test]
    fn without_a_key_there_is_one_row_even_for_no_rows() {
        let frame = df!("x" => [0.1f64, 0.2, 0.3], "i" => [1i32, 2, 3]).unwrap();
        let all = group_means(frame.clone().lazy(), None, &["x", "i"], &[]).unwrap();
        assert_eq!(all.height(), 1);
        // (0.1 + 0.2 + 0.3) is 0.6000000000000001 left to right; exactly, 0.6.
        assert_eq!(all.column("x").unwrap().f64().unwrap().get(0), Some(0.6 / 3.0));
        assert_eq!(all.column("i").unwrap().f64().unwrap().get(0), Some(2.0), "integers are averaged as f64");
        let none = group_means(frame.lazy().filter(col("i").gt(lit(5))), None, &["x"], &[]).unwrap();
        assert_eq!(none.height(), 1);
        assert_eq!(none.column("x").unwrap().f64().unwrap().get(0), None);
    }

    #[test]
    fn the_means_do_not_depend_on_the_row_order() {
        use rand::seq::SliceRandom;
        use rand::{RngExt, SeedableRng};

        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let mut rows: Vec<(&str, f64)> = (0..20_000)
            .map(|i| (["a", "b", "c"][i % 3], rng.random::<f64>() * 10f64.powi(rng.random_range(-8..8))))
            .collect();
        let means = |rows: &[(&str, f64)]| {
            let frame = df!(
                "k" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
                "x" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )
            .unwrap();
            // Many small chunks, so that polars hands over many batches.
            let frame = frame.split_chunks_by_n(64, false).into_iter().map(|f| f.lazy()).collect::<Vec<_>>();
            let frame = concat(frame, UnionArgs::default()).unwrap();
            sorted(group_means(frame, Some("k"), &["x"], &[]).unwrap(), "k")
        };
        let expected = means(&rows);
        for _ in 0..3 {
            rows.shuffle(&mut rng);
            assert!(means(&rows).equals_missing(&expected));
        }
    }
}
