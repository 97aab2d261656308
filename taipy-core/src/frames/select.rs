//! The passes behind [`median`](super::median) and [`quantile`](super::quantile): histograms of
//! order-preserving keys narrow each wanted rank to a small range of keys, then the values in
//! those ranges are collected and sorted.
//!
//! Vocabulary: a *cell* is one group and one value column; a *target* is one rank wanted in a
//! cell (a median of an even count wants two); an *interval* is a range of keys `lo..=hi` of
//! one cell known to hold one or more targets, with `below` values of the cell under `lo` and
//! `count` values inside.

use std::collections::HashMap;

use polars::prelude::*;

/// The prefix of the internal columns' names; the caller's columns may not use it.
pub(super) const RESERVED_PREFIX: &str = "__taipy_";
const GROUP: &str = "__taipy_group";
const COLUMN: &str = "__taipy_column";
const KEY: &str = "__taipy_key";
const BUCKET: &str = "__taipy_bucket";
const INTERVAL: &str = "__taipy_interval";
const LO: &str = "__taipy_lo";
const HI: &str = "__taipy_hi";
const SHIFT: &str = "__taipy_shift";
const COUNT: &str = "__taipy_count";

/// How finely each pass splits and when to stop; small values in tests force many passes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// A pass splits an interval into at most `2^bucket_bits` buckets.
    pub(super) bucket_bits: u32,
    /// The values the last pass may collect, all intervals together.
    pub(super) collect_limit: u64,
    /// Intervals holding more values than this are split first.
    pub(super) split_above: u64,
}

impl Limits {
    /// 65,536 buckets a pass; at most about a million values collected (8 MB of keys).
    pub(super) const DEFAULT: Self = Self { bucket_bits: 16, collect_limit: 1 << 20, split_above: 1 << 12 };
}

/// The statistic asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Wanted {
    /// The middle value, or the mean of the two middle values.
    Median,
    /// A quantile with linear interpolation: pandas' group-by formula if `grouped`, else numpy's.
    Quantile {
        /// The quantile, in `0..=1`.
        q: f64,
        /// Whether to use pandas' group-by formula rather than `Series.quantile`'s.
        grouped: bool,
    },
}

impl Wanted {
    /// The 0-based ranks the statistic of `n > 0` values reads.
    pub(super) fn ranks(self, n: u64) -> Vec<u64> {
        match self {
            Wanted::Median if n % 2 == 1 => vec![n / 2],
            Wanted::Median => vec![n / 2 - 1, n / 2],
            Wanted::Quantile { q, grouped } => {
                let (low, fraction) = position(q, n);
                if low + 1 < n && (!grouped || fraction != 0.0) { vec![low, low + 1] } else { vec![low] }
            }
        }
    }

    /// The statistic of `n > 0` values from the values at [`Wanted::ranks`], in that order.
    pub(super) fn combine(self, n: u64, values: &[f64]) -> f64 {
        let (a, b) = (values[0], values.get(1).copied().unwrap_or(values[0]));
        match self {
            Wanted::Median if values.len() == 1 => a,
            Wanted::Median => (a + b) / 2.0,
            Wanted::Quantile { q, grouped: true } => {
                let (_, fraction) = position(q, n);
                if fraction == 0.0 { a } else { a + (b - a) * fraction }
            }
            Wanted::Quantile { q, grouped: false } => {
                // numpy's `_lerp`, with `next` clamped to the last value.
                let (_, gamma) = position(q, n);
                if gamma >= 0.5 { b - (b - a) * (1.0 - gamma) } else { a + (b - a) * gamma }
            }
        }
    }
}

/// The rank below the quantile's position `q·(n−1)`, and the position's fraction.
fn position(q: f64, n: u64) -> (u64, f64) {
    let at = q * (n - 1) as f64;
    let low = at.floor();
    (low as u64, at - low)
}

/// A float's key: unsigned integers in the order of the floats (`-0.0` before `0.0`).
pub(super) const fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | 1 << 63 }
}

/// The float whose key is `key`.
pub(super) fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 { key & !(1 << 63) } else { !key })
}

/// An interval of one cell's keys, `lo..=hi`.
#[derive(Clone, Copy, Debug)]
struct Interval {
    group: u64,
    column: u32,
    lo: u64,
    hi: u64,
    /// The cell's values under `lo`.
    below: u64,
    /// The cell's values in `lo..=hi`.
    count: u64,
}

impl Interval {
    /// The bits dropped from `key − lo` to get a bucket: at most `2^bits` buckets cover it.
    fn shift(&self, bits: u32) -> u32 {
        (64 - (self.hi - self.lo).leading_zeros()).saturating_sub(bits)
    }

    /// A single key: every value in it is that key's float.
    fn settled(&self) -> bool {
        self.lo == self.hi
    }
}

/// One wanted rank of one cell.
#[derive(Clone, Copy, Debug)]
struct Target {
    rank: u64,
    /// Index of the interval holding it.
    interval: usize,
    value: f64,
}

/// The frame and what the passes read of it.
struct Passes<'a> {
    frame: LazyFrame,
    keys: &'a [&'a str],
    columns: &'a [&'a str],
    limits: Limits,
}

/// The first interval of every cell: every key but NaN's.
const ALL: Interval = Interval {
    group: 0,
    column: 0,
    lo: order_key(f64::NEG_INFINITY),
    hi: order_key(f64::INFINITY),
    below: 0,
    count: 0,
};

/// Computes the statistic of each value column per group (see [`super`]).
pub(super) fn run(
    frame: LazyFrame,
    keys: &[&str],
    columns: &[&str],
    wanted: Wanted,
    limits: Limits,
) -> PolarsResult<DataFrame> {
    let passes = Passes { frame, keys, columns, limits };

    // Pass 1: every cell's histogram over all keys, nulls and NaN in a bucket of their own so
    // that groups without values are seen too.
    let histogram = passes.collect(
        passes
            .stacked(|_, value| value.map(first_buckets(limits.bucket_bits), uint64(BUCKET)).alias(BUCKET))?
            .group_by(keys.iter().map(|&k| col(k)).chain([col(COLUMN), col(BUCKET)]).collect::<Vec<_>>())
            .agg([len().alias(COUNT)]),
    )?;
    let groups = passes.groups(&histogram)?;
    let histogram = passes.with_group_ids(histogram, &groups)?;

    // Cells, their first interval (all keys) and their targets.
    let mut histograms: HashMap<usize, Vec<(u64, u64)>> = HashMap::new();
    let mut cells: HashMap<(u64, u32), Vec<(u64, u64)>> = HashMap::new();
    let (group_ids, bucket_ids, counts) =
        (u64s(&histogram, GROUP)?, u64s(&histogram, BUCKET)?, u64s(&histogram, COUNT)?);
    let column_ids = histogram.column(COLUMN)?.u32()?;
    for i in 0..histogram.height() {
        let cell = (group_ids.get(i).unwrap_or(0), column_ids.get(i).unwrap_or(0));
        let buckets = cells.entry(cell).or_default();
        if let (Some(bucket), Some(count)) = (bucket_ids.get(i), counts.get(i)) {
            buckets.push((bucket, count));
        }
    }
    let mut intervals = Vec::new();
    let mut targets = Vec::new();
    // Per cell: its count and its targets' indices.
    let mut sizes: HashMap<(u64, u32), (u64, std::ops::Range<usize>)> = HashMap::new();
    for ((group, column), mut buckets) in cells {
        let n = buckets.iter().map(|&(_, c)| c).sum::<u64>();
        if n == 0 {
            continue;
        }
        buckets.sort_unstable();
        let interval = intervals.len();
        intervals.push(Interval { group, column, count: n, ..ALL });
        histograms.insert(interval, buckets);
        let start = targets.len();
        targets.extend(wanted.ranks(n).into_iter().map(|rank| Target { rank, interval, value: f64::NAN }));
        sizes.insert((group, column), (n, start..targets.len()));
    }
    let mut refining = vec![true; intervals.len()];
    intervals = refine(&intervals, &refining, &mut targets, &histograms, limits.bucket_bits);

    // Narrow until the values left to collect are few enough.
    loop {
        let open = || intervals.iter().filter(|i| !i.settled());
        if open().map(|i| i.count).sum::<u64>() <= limits.collect_limit {
            break;
        }
        let large = open().any(|i| i.count > limits.split_above);
        refining =
            intervals.iter().map(|i| !i.settled() && (!large || i.count > limits.split_above)).collect();
        histograms = passes.histograms(&intervals, &refining, &groups)?;
        intervals = refine(&intervals, &refining, &mut targets, &histograms, limits.bucket_bits);
    }

    // The last pass: the values of the open intervals, sorted; a settled one is one value.
    let values = passes.values(&intervals, &groups)?;
    for target in &mut targets {
        let interval = &intervals[target.interval];
        let key = if interval.settled() {
            interval.lo
        } else {
            values[&target.interval][(target.rank - interval.below) as usize]
        };
        target.value = from_order_key(key);
    }

    // One row per group, one column per value column.
    let mut output = groups.drop(GROUP)?;
    for (index, &name) in columns.iter().enumerate() {
        let statistic: Float64Chunked = (0..groups.height() as u64)
            .map(|group| {
                let (n, range) = sizes.get(&(group, index as u32))?;
                let values: Vec<f64> = targets[range.clone()].iter().map(|t| t.value).collect();
                Some(wanted.combine(*n, &values))
            })
            .collect();
        output.with_column(statistic.with_name(name.into()).into_column())?;
    }
    Ok(output)
}

/// Moves the targets of the intervals marked in `refining` into the bucket of their interval's
/// histogram holding their rank; the other intervals are kept. Returns the new intervals
/// (targets sharing a bucket share an interval).
fn refine(
    intervals: &[Interval],
    refining: &[bool],
    targets: &mut [Target],
    histograms: &HashMap<usize, Vec<(u64, u64)>>,
    bits: u32,
) -> Vec<Interval> {
    let mut next = Vec::new();
    let mut placed: HashMap<(usize, u64), usize> = HashMap::new();
    for target in targets.iter_mut() {
        let old = intervals[target.interval];
        let (place, new) = if refining[target.interval] {
            let shift = old.shift(bits);
            let mut below = old.below;
            let mut found = None;
            for &(bucket, count) in histograms.get(&target.interval).map_or(&[][..], Vec::as_slice) {
                if target.rank < below + count {
                    found = Some((bucket, count));
                    break;
                }
                below += count;
            }
            // The histogram counts every value of the interval, so the rank is in one bucket.
            let (bucket, count) = found.expect("a histogram covers its interval's ranks");
            let lo = old.lo + (bucket << shift);
            let hi = lo.checked_add((1u64 << shift) - 1).map_or(old.hi, |hi| hi.min(old.hi));
            ((target.interval, bucket), Interval { lo, hi, below, count, ..old })
        } else {
            ((target.interval, u64::MAX), old)
        };
        target.interval = *placed.entry(place).or_insert_with(|| {
            next.push(new);
            next.len() - 1
        });
    }
    next
}

/// A column's value ranges OR-ed in the prefilter of a pass, at most; more become their hull.
const MAX_RANGES: usize = 32;

impl Passes<'_> {
    /// The frame reshaped for a pass: `keys…, COLUMN, <computed>`, one row per row and value
    /// column, `computed` from the value as `f64`.
    fn stacked(&self, computed: impl Fn(usize, Expr) -> Expr) -> PolarsResult<LazyFrame> {
        self.stacked_where(|_, _| lit(true), computed)
    }

    /// [`Passes::stacked`] for the rows whose value passes `filter`.
    fn stacked_where(
        &self,
        mut filter: impl FnMut(usize, Expr) -> Expr,
        computed: impl Fn(usize, Expr) -> Expr,
    ) -> PolarsResult<LazyFrame> {
        let parts: Vec<LazyFrame> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, &name)| {
                let value = col(name).cast(DataType::Float64);
                let mut selected: Vec<Expr> = self.key_exprs();
                selected.push(lit(index as u32).cast(DataType::UInt32).alias(COLUMN));
                selected.push(computed(index, value.clone()));
                self.frame.clone().filter(filter(index, value)).select(selected)
            })
            .collect();
        let union =
            UnionArgs { parallel: true, rechunk: false, maintain_order: false, ..UnionArgs::default() };
        concat(parts, union)
    }

    /// Runs a plan with the streaming engine. (The union's branches scan the frame each on
    /// their own: the workspace's polars has no `cse` feature, which could share one scan
    /// between them through a buffer.)
    fn collect(&self, plan: LazyFrame) -> PolarsResult<DataFrame> {
        Ok(plan.collect_with_engine(Engine::Streaming)?.unwrap_single())
    }

    /// The groups seen by the first pass, sorted by key (nulls last), numbered in `GROUP`.
    fn groups(&self, histogram: &DataFrame) -> PolarsResult<DataFrame> {
        if self.keys.is_empty() {
            return DataFrame::new(1, vec![Column::new(GROUP.into(), [0u64])]);
        }
        let keys: Vec<PlSmallStr> = self.keys.iter().map(|&k| k.into()).collect();
        histogram
            .clone()
            .lazy()
            .group_by(keys.iter().cloned().map(col).collect::<Vec<_>>())
            .agg([len().alias(COUNT)])
            .sort(keys, SortMultipleOptions::default().with_nulls_last(true))
            .select([all().exclude_cols([COUNT]).as_expr()])
            .with_row_index(GROUP, None)
            .with_column(col(GROUP).cast(DataType::UInt64))
            .collect()
    }

    /// `frame` with each row's group number in `GROUP`, joined on the keys.
    fn with_group_ids(&self, frame: DataFrame, groups: &DataFrame) -> PolarsResult<DataFrame> {
        if self.keys.is_empty() {
            return frame.lazy().with_column(lit(0u64).alias(GROUP)).collect();
        }
        frame
            .lazy()
            .join(groups.clone().lazy(), self.key_exprs(), self.key_exprs(), self.join_args())
            .collect()
    }

    fn key_exprs(&self) -> Vec<Expr> {
        self.keys.iter().map(|&k| col(k)).collect()
    }

    /// An inner join of the big stacked plan with a small table built in memory: null keys
    /// match (a null key is a group), and the small side is the hash table.
    fn join_args(&self) -> JoinArgs {
        let mut args = JoinArgs::new(JoinType::Inner).with_build_side(Some(JoinBuildSide::ForceRight));
        args.nulls_equal = true;
        args
    }

    /// The stacked rows whose key is in one of the `chosen` intervals, with that interval's
    /// number, `lo` and shift.
    fn in_intervals(
        &self,
        intervals: &[Interval],
        chosen: &[bool],
        groups: &DataFrame,
    ) -> PolarsResult<LazyFrame> {
        let picked: Vec<(usize, &Interval)> =
            intervals.iter().enumerate().filter(|&(n, _)| chosen[n]).collect();
        let bits = self.limits.bucket_bits;
        let table = DataFrame::new(
            picked.len(),
            vec![
                Column::new(INTERVAL.into(), picked.iter().map(|(n, _)| *n as u64).collect::<Vec<_>>()),
                Column::new(GROUP.into(), picked.iter().map(|(_, i)| i.group).collect::<Vec<_>>()),
                Column::new(COLUMN.into(), picked.iter().map(|(_, i)| i.column).collect::<Vec<_>>()),
                Column::new(LO.into(), picked.iter().map(|(_, i)| i.lo).collect::<Vec<_>>()),
                Column::new(HI.into(), picked.iter().map(|(_, i)| i.hi).collect::<Vec<_>>()),
                Column::new(SHIFT.into(), picked.iter().map(|(_, i)| i.shift(bits)).collect::<Vec<_>>()),
            ],
        )?;
        // The intervals' keys, then their bounds.
        let table = if self.keys.is_empty() {
            table
        } else {
            table
                .lazy()
                .join(groups.clone().lazy(), [col(GROUP)], [col(GROUP)], JoinArgs::new(JoinType::Inner))
                .collect()?
        }
        .drop(GROUP)?;
        // Each column's rows are first filtered by value (cheap, and pushed into the scan), to
        // the union of its intervals, or their hull if there are many; then joined to their
        // interval and filtered exactly by key.
        let mut ranges: Vec<Vec<(u64, u64)>> = vec![Vec::new(); self.columns.len()];
        for (_, interval) in &picked {
            ranges[interval.column as usize].push((interval.lo, interval.hi));
        }
        let prefilter = |index: usize, value: Expr| {
            let ranges = &mut ranges[index];
            ranges.sort_unstable();
            if ranges.len() > MAX_RANGES {
                *ranges = vec![(ranges[0].0, ranges.iter().map(|r| r.1).max().unwrap_or(0))];
            }
            let between = |&(lo, hi): &(u64, u64)| {
                value.clone().gt_eq(lit(from_order_key(lo))).and(value.clone().lt_eq(lit(from_order_key(hi))))
            };
            ranges.iter().map(between).reduce(Expr::or).unwrap_or(lit(false))
        };
        let rows = self.stacked_where(prefilter, |_, value| value.map(keys_of, uint64(KEY)).alias(KEY))?;
        let on: Vec<Expr> = self.key_exprs().into_iter().chain([col(COLUMN)]).collect();
        Ok(rows
            .join(table.lazy(), on.clone(), on, self.join_args())
            .filter(col(KEY).gt_eq(col(LO)).and(col(KEY).lt_eq(col(HI)))))
    }

    /// One streaming pass: the histogram of each interval marked in `refining`.
    fn histograms(
        &self,
        intervals: &[Interval],
        refining: &[bool],
        groups: &DataFrame,
    ) -> PolarsResult<HashMap<usize, Vec<(u64, u64)>>> {
        let rows = self.in_intervals(intervals, refining, groups)?;
        let bucket = col(KEY).map_many(bucket_of, &[col(LO), col(SHIFT)], uint64s(BUCKET));
        let histogram = self.collect(
            rows.select([col(INTERVAL), bucket.alias(BUCKET)])
                .group_by([col(INTERVAL), col(BUCKET)])
                .agg([len().alias(COUNT)]),
        )?;
        let mut histograms: HashMap<usize, Vec<(u64, u64)>> = HashMap::new();
        let (numbers, buckets, counts) =
            (u64s(&histogram, INTERVAL)?, u64s(&histogram, BUCKET)?, u64s(&histogram, COUNT)?);
        for ((number, bucket), count) in
            numbers.into_no_null_iter().zip(buckets.into_no_null_iter()).zip(counts.into_no_null_iter())
        {
            histograms.entry(number as usize).or_default().push((bucket, count));
        }
        for buckets in histograms.values_mut() {
            buckets.sort_unstable();
        }
        Ok(histograms)
    }

    /// The last streaming pass: the sorted keys of every open interval.
    fn values(&self, intervals: &[Interval], groups: &DataFrame) -> PolarsResult<HashMap<usize, Vec<u64>>> {
        let mut values: HashMap<usize, Vec<u64>> = HashMap::new();
        if intervals.iter().all(Interval::settled) {
            return Ok(values);
        }
        let open: Vec<bool> = intervals.iter().map(|i| !i.settled()).collect();
        let rows = self.in_intervals(intervals, &open, groups)?;
        let found = self.collect(rows.select([col(INTERVAL), col(KEY)]))?;
        let (numbers, keys) = (u64s(&found, INTERVAL)?, u64s(&found, KEY)?);
        for (number, key) in numbers.into_no_null_iter().zip(keys.into_no_null_iter()) {
            values.entry(number as usize).or_default().push(key);
        }
        for keys in values.values_mut() {
            keys.sort_unstable();
        }
        Ok(values)
    }
}

/// A column as `u64`s (converting counts and row numbers).
fn u64s(frame: &DataFrame, name: &str) -> PolarsResult<UInt64Chunked> {
    Ok(frame.column(name)?.cast(&DataType::UInt64)?.u64()?.clone())
}

/// The output field of a UDF: `u64`s named `name`.
fn uint64(name: &'static str) -> impl Fn(&Schema, &Field) -> PolarsResult<Field> + Send + Sync + 'static {
    move |_, _| Ok(Field::new(name.into(), DataType::UInt64))
}

/// [`uint64`] for a UDF of several inputs.
fn uint64s(name: &'static str) -> impl Fn(&Schema, &[Field]) -> PolarsResult<Field> + Send + Sync + 'static {
    move |_, _| Ok(Field::new(name.into(), DataType::UInt64))
}

/// Each value's [`order_key`] (the passes after the first see no nulls nor NaN: their
/// prefilter compares values).
fn keys_of(values: Column) -> PolarsResult<Column> {
    let keys: UInt64Chunked = values.f64()?.apply_nonnull_values_generic(DataType::UInt64, order_key);
    Ok(keys.with_name(KEY.into()).into_column())
}

/// The first pass's buckets of values: `(key − lo) >> shift` over [`ALL`]; null for nulls and
/// NaN.
fn first_buckets(bits: u32) -> impl Fn(Column) -> PolarsResult<Column> + Send + Sync + 'static {
    let shift = ALL.shift(bits);
    move |values: Column| {
        let values = values.f64()?;
        let buckets = UInt64Chunked::from_iter_options(
            BUCKET.into(),
            values.iter().map(|v| v.filter(|x| !x.is_nan()).map(|x| (order_key(x) - ALL.lo) >> shift)),
        );
        Ok(buckets.into_column())
    }
}

/// `(key − lo) >> shift`, row by row: a key's bucket in its interval.
fn bucket_of(columns: &mut [Column]) -> PolarsResult<Column> {
    let (keys, los, shifts) = (columns[0].u64()?, columns[1].u64()?, columns[2].u32()?);
    let buckets: UInt64Chunked = keys
        .iter()
        .zip(los.iter())
        .zip(shifts.iter())
        .map(|((key, lo), shift)| Some((key? - lo?) >> shift?))
        .collect();
    Ok(buckets.with_name(BUCKET.into()).into_column())
}
