//! The passes behind [`median`](super::median) and [`quantile`](super::quantile): histograms of
//! order-preserving keys narrow each wanted rank to a small range of keys, then the values in
//! those ranges are collected and the ranks selected among them (or, when every value fits the
//! budget, the first pass keeps them all and the ranks are selected among those). What one pass
//! over the frame does is in [`scan`](super::scan).
//!
//! Vocabulary: a *cell* is one group and one value column; a *target* is one rank wanted in a
//! cell (a median of an even count wants two); an *interval* is a range of keys `lo..=hi` of
//! one cell known to hold one or more targets, with `below` values of the cell under `lo` and
//! `count` values inside.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use polars::prelude::*;

use super::keys::{from_order_key, order_key};
use super::scan::{Budget, ColumnPass, Mode, Source, Window};

/// The prefix of the internal columns' names; the caller's columns may not use it.
pub(super) const RESERVED_PREFIX: &str = "__taipy_";

/// How finely each pass splits and how much it may hold; small values in tests force every path.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// A pass splits an interval into at most `2^bucket_bits` buckets.
    pub(super) bucket_bits: u32,
    /// The histogram buckets a pass may hold, all intervals together: with many intervals, each
    /// is split into fewer buckets (at least two).
    pub(super) histogram_limit: u64,
    /// The values a pass may hold, all cells together: the first pass keeps every value while
    /// they are no more (and then needs no other pass); the last pass collects the values of the
    /// open intervals once they are no more.
    pub(super) value_limit: u64,
    /// Intervals holding more values than this are split first.
    pub(super) split_above: u64,
}

impl Limits {
    /// 65,536 buckets a pass (4M buckets at most, 32 MB); 32M values held at most (256 MB of
    /// keys, plus a batch and a piece of 512 KB per group and column while the first pass keeps
    /// them).
    pub(super) const DEFAULT: Self =
        Self { bucket_bits: 16, histogram_limit: 1 << 22, value_limit: 1 << 25, split_above: 1 << 12 };

    /// The bits of a pass splitting `intervals` intervals.
    fn bits_for(&self, intervals: usize) -> u32 {
        let per_interval = (self.histogram_limit / intervals.max(1) as u64).max(2);
        per_interval.ilog2().clamp(1, self.bucket_bits.max(1))
    }
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

/// What a computation did, for tests: how many times it read the frame, and the most values a
/// pass held (kept or collected).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Trace {
    pub(super) scans: usize,
    pub(super) held: u64,
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
) -> PolarsResult<(DataFrame, Trace)> {
    let source = Source::new(frame, keys, columns)?;
    let mut trace = Trace { scans: usize::from(!keys.is_empty()) + 1, held: 0 };
    let groups = source.groups().height();
    let shape = (groups, columns.len());

    // Pass 1: every cell's histogram over all keys (NaN's are outside them, nulls are skipped),
    // keeping the values while they are few enough.
    let cells: Vec<Interval> = (0..groups as u64)
        .flat_map(|group| (0..columns.len() as u32).map(move |column| Interval { group, column, ..ALL }))
        .collect();
    let bits = limits.bits_for(cells.len());
    let budget = Arc::new(Budget::new(limits.value_limit));
    let mut first =
        source.pass(Mode::Count, windows(&cells, None, Mode::Count, bits, shape), Some(budget.clone()))?;
    let first_histograms = histograms(&first);

    // The cells with values, their first interval (all keys) and their targets.
    let mut intervals = Vec::new();
    let mut targets = Vec::new();
    let mut histograms_now = HashMap::new();
    // Per cell: its count and its targets' indices.
    let mut sizes: HashMap<(u64, u32), (u64, Range<usize>)> = HashMap::new();
    for (number, cell) in cells.iter().enumerate() {
        let Some(buckets) = first_histograms.get(&number) else { continue };
        let n = buckets.iter().map(|&(_, c)| c).sum::<u64>();
        if n == 0 {
            continue;
        }
        let interval = intervals.len();
        intervals.push(Interval { count: n, ..*cell });
        histograms_now.insert(interval, buckets.clone());
        let start = targets.len();
        targets.extend(wanted.ranks(n).into_iter().map(|rank| Target { rank, interval, value: f64::NAN }));
        sizes.insert((cell.group, cell.column), (n, start..targets.len()));
    }
    drop(first_histograms);

    if !budget.over() {
        // Every value was kept: select the ranks among them, no other pass.
        for (interval, wanted_here) in targets_by_interval(&targets) {
            let Interval { group, column, .. } = intervals[interval];
            let values = std::mem::take(&mut first[column as usize].kept[group as usize]).into_vec();
            assign(&mut targets, &wanted_here, values, 0);
        }
        drop(first);
        trace.held = budget.used();
        return Ok((output(&source, columns, wanted, &sizes, &targets)?, trace));
    }
    drop(first);

    let mut refining = vec![true; intervals.len()];
    intervals = refine(&intervals, &refining, &mut targets, &histograms_now, bits)?;

    // Narrow until the values left to collect are few enough.
    loop {
        let open = || intervals.iter().filter(|i| !i.settled());
        if open().map(|i| i.count).sum::<u64>() <= limits.value_limit {
            break;
        }
        let large = open().any(|i| i.count > limits.split_above);
        refining =
            intervals.iter().map(|i| !i.settled() && (!large || i.count > limits.split_above)).collect();
        let bits = limits.bits_for(refining.iter().filter(|&&r| r).count());
        let passes =
            source.pass(Mode::Count, windows(&intervals, Some(&refining), Mode::Count, bits, shape), None)?;
        trace.scans += 1;
        intervals = refine(&intervals, &refining, &mut targets, &histograms(&passes), bits)?;
    }

    // The last pass: the values of the open intervals; a settled one is one value.
    let open: Vec<bool> = intervals.iter().map(|i| !i.settled()).collect();
    let mut collected = if open.iter().any(|&o| o) {
        source.pass(Mode::Collect, windows(&intervals, Some(&open), Mode::Collect, 0, shape), None)?
    } else {
        Vec::new()
    };
    if !collected.is_empty() {
        trace.scans += 1;
    }
    let mut values: HashMap<usize, Vec<u64>> = HashMap::new();
    for pass in &mut collected {
        trace.held += pass.collected.iter().map(|v| v.len() as u64).sum::<u64>();
        let tags: Vec<(usize, usize)> = pass.windows().map(|(_, w)| (w.tag, w.base)).collect();
        for (tag, base) in tags {
            values.insert(tag, std::mem::take(&mut pass.collected[base]));
        }
    }
    drop(collected);
    for (interval, wanted_here) in targets_by_interval(&targets) {
        let Interval { lo, below, .. } = intervals[interval];
        if intervals[interval].settled() {
            for &t in &wanted_here {
                targets[t].value = from_order_key(lo);
            }
        } else {
            let keys = values.remove(&interval).unwrap_or_default();
            if keys.len() as u64 != intervals[interval].count {
                return Err(changed());
            }
            assign(&mut targets, &wanted_here, keys, below);
        }
    }
    Ok((output(&source, columns, wanted, &sizes, &targets)?, trace))
}

/// The targets' indices per interval, each list by rank.
/// The error of a pass that does not find what an earlier pass counted: the plan's rows changed
/// between the passes (each pass runs the plan again).
fn changed() -> PolarsError {
    PolarsError::ComputeError(
        "the frame's rows changed between two passes over it: the median and quantiles read their \
         input several times, so give them a stored frame (a Parquet scan), not a plan over data \
         that changes"
            .into(),
    )
}

fn targets_by_interval(targets: &[Target]) -> Vec<(usize, Vec<usize>)> {
    let mut by: HashMap<usize, Vec<usize>> = HashMap::new();
    for (index, target) in targets.iter().enumerate() {
        by.entry(target.interval).or_default().push(index);
    }
    let mut by: Vec<(usize, Vec<usize>)> = by.into_iter().collect();
    for (_, list) in &mut by {
        list.sort_by_key(|&t| targets[t].rank);
    }
    by
}

/// Sets the value of the targets `wanted` (by rank) from the keys of their interval, which has
/// `below` values of its cell under it: exact selection, no full sort.
fn assign(targets: &mut [Target], wanted: &[usize], mut keys: Vec<u64>, below: u64) {
    let mut rest: &mut [u64] = &mut keys;
    // Ranks in `rest` start at `offset`.
    let mut offset = below;
    let mut last = None;
    for &t in wanted {
        let rank = targets[t].rank;
        if rank < offset {
            // The same rank as the previous target.
            targets[t].value = from_order_key(last.expect("ranks are sorted"));
            continue;
        }
        let (_, nth, right) = std::mem::take(&mut rest).select_nth_unstable((rank - offset) as usize);
        last = Some(*nth);
        targets[t].value = from_order_key(*nth);
        offset = rank + 1;
        rest = right;
    }
}

/// One row per group, one column per value column.
fn output(
    source: &Source,
    columns: &[&str],
    wanted: Wanted,
    sizes: &HashMap<(u64, u32), (u64, Range<usize>)>,
    targets: &[Target],
) -> PolarsResult<DataFrame> {
    let groups = source.groups();
    let mut output = groups.drop(Source::group_column())?;
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

/// Each column's [`ColumnPass`] over the `intervals` marked in `chosen` (all if `None`), split
/// into at most `2^bits` buckets each for [`Mode::Count`].
fn windows(
    intervals: &[Interval],
    chosen: Option<&[bool]>,
    mode: Mode,
    bits: u32,
    (groups, columns): (usize, usize),
) -> Vec<ColumnPass> {
    let mut per_column: Vec<Vec<(usize, Window, usize)>> = vec![Vec::new(); columns];
    for (tag, interval) in intervals.iter().enumerate() {
        if chosen.is_some_and(|c| !c[tag]) {
            continue;
        }
        let shift = if mode == Mode::Count { interval.shift(bits) } else { 0 };
        let window = Window { lo: interval.lo, hi: interval.hi, shift, base: 0, tag };
        per_column[interval.column as usize].push((interval.group as usize, window, interval.count as usize));
    }
    per_column.into_iter().map(|windows| ColumnPass::new(groups, mode, windows)).collect()
}

/// The non-empty buckets of each window's histogram, by window tag, in bucket order.
fn histograms(passes: &[ColumnPass]) -> HashMap<usize, Vec<(u64, u64)>> {
    let mut histograms = HashMap::new();
    for pass in passes {
        for (_, window) in pass.windows() {
            let buckets = &pass.histogram[window.base..window.base + window.buckets()];
            let counts: Vec<(u64, u64)> =
                buckets.iter().enumerate().filter(|&(_, &c)| c > 0).map(|(b, &c)| (b as u64, c)).collect();
            histograms.insert(window.tag, counts);
        }
    }
    histograms
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
) -> PolarsResult<Vec<Interval>> {
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
            // The histogram counts every value of the interval, so the rank is in one bucket,
            // unless the frame's rows changed since the pass that counted them.
            let Some((bucket, count)) = found else { return Err(changed()) };
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
    Ok(next)
}
