//! One streaming pass over the frame, batch by batch, feeding each value column's batches to a
//! [`Window`] table of its own: the histograms and value collections of the passes in
//! [`select`](super::select).
//!
//! A pass runs one polars plan with the streaming engine: the frame's value columns as `f64`
//! (and each row's group number, from an inner join with the small table of groups) sunk into a
//! callback. polars decodes and joins on its threads; the callback gets the batches one at a time
//! and hands each value column to a thread of its own (rayon). Nothing in a pass grows with the
//! row count but what the caller asks to keep: the histograms have a fixed size, the values
//! collected are those of ranges whose counts are known, and the values kept by the first pass
//! stop being kept (and are freed) once they pass their budget.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use polars::prelude::*;
use rayon::prelude::*;

use super::keys::order_key;

/// The group number column of the groups table and of the batches.
const GROUP: &str = "__taipy_group";
/// The one-row count column of the groups pass (a group-by needs an aggregation).
const ROWS: &str = "__taipy_rows";

/// A range of keys `lo..=hi` a pass looks for in one group of one column, and where what it
/// finds goes: the histogram buckets from `base` (bucket `(key − lo) >> shift`), or the
/// collection numbered `base`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Window {
    pub(super) lo: u64,
    pub(super) hi: u64,
    pub(super) shift: u32,
    /// Set by [`ColumnPass::new`].
    pub(super) base: usize,
    /// The caller's number for the window.
    pub(super) tag: usize,
}

impl Window {
    /// How many histogram buckets cover the window.
    pub(super) fn buckets(&self) -> usize {
        (((self.hi - self.lo) >> self.shift) + 1) as usize
    }
}

/// What a pass does with the keys inside a window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Mode {
    /// Counts them in the window's histogram.
    Count,
    /// Collects them in the window's collection.
    Collect,
}

/// One value column's work in a pass: its windows per group, and what they gathered.
#[derive(Debug, Default)]
pub(super) struct ColumnPass {
    /// Group `g`'s windows are `windows[starts[g]..starts[g + 1]]`, disjoint.
    starts: Vec<usize>,
    windows: Vec<Window>,
    /// The buckets of every window's histogram ([`Mode::Count`]).
    pub(super) histogram: Vec<u64>,
    /// The keys found in each window ([`Mode::Collect`]), unsorted.
    pub(super) collected: Vec<Vec<u64>>,
    /// Every key seen in a window, per group, while the pass keeps them.
    pub(super) kept: Vec<Kept>,
}

impl ColumnPass {
    /// A column's pass over `groups` groups, with each group's windows from `windows`: in
    /// [`Mode::Count`] each window's histogram buckets follow the previous window's (`base` is
    /// set here); in [`Mode::Collect`] `capacity` gives each window's known count of keys.
    pub(super) fn new(groups: usize, mode: Mode, mut windows: Vec<(usize, Window, usize)>) -> Self {
        windows.sort_by_key(|&(group, window, _)| (group, window.lo));
        let mut starts = vec![0; groups + 1];
        for &(group, _, _) in &windows {
            starts[group + 1] += 1;
        }
        for g in 0..groups {
            starts[g + 1] += starts[g];
        }
        let mut pass = ColumnPass { starts, ..ColumnPass::default() };
        for (_, mut window, capacity) in windows {
            match mode {
                Mode::Count => {
                    window.base = pass.histogram.len();
                    pass.histogram.resize(pass.histogram.len() + window.buckets(), 0);
                }
                Mode::Collect => {
                    window.base = pass.collected.len();
                    pass.collected.push(Vec::with_capacity(capacity));
                }
            }
            pass.windows.push(window);
        }
        pass
    }

    /// The windows of the column, in the order their histograms or collections are laid out,
    /// with their group.
    pub(super) fn windows(&self) -> impl Iterator<Item = (usize, &Window)> {
        (0..self.starts.len().saturating_sub(1))
            .flat_map(move |g| self.windows[self.starts[g]..self.starts[g + 1]].iter().map(move |w| (g, w)))
    }

    /// Takes in one batch of the column.
    fn batch(&mut self, mode: Mode, groups: Option<&[u32]>, values: &Float64Chunked, keep: Option<&Budget>) {
        let values = values.rechunk();
        let array = values.downcast_as_array();
        let floats = array.values().as_slice();
        let valid = |i: usize| array.validity().is_none_or(|bits| bits.get_bit(i));
        let keeping = keep.is_some_and(|budget| !budget.over());
        if keeping && self.kept.is_empty() {
            self.kept = (0..self.starts.len() - 1).map(|_| Kept::default()).collect();
        }
        let mut kept_now = 0u64;
        for (i, &x) in floats.iter().enumerate() {
            if !valid(i) {
                continue;
            }
            let key = order_key(x);
            let group = groups.map_or(0, |g| g[i] as usize);
            let windows = &self.windows[self.starts[group]..self.starts[group + 1]];
            let Some(window) = windows.iter().find(|w| w.lo <= key && key <= w.hi) else {
                continue;
            };
            match mode {
                Mode::Count => {
                    self.histogram[window.base + ((key - window.lo) >> window.shift) as usize] += 1
                }
                Mode::Collect => self.collected[window.base].push(key),
            }
            if keeping {
                self.kept[group].push(key);
                kept_now += 1;
            }
        }
        if let Some(budget) = keep {
            if keeping {
                budget.add(kept_now);
            }
            if budget.over() {
                self.kept = Vec::new();
            }
        }
    }
}

/// The largest piece of a [`Kept`]: 512 KB.
const PIECE: usize = 1 << 16;

/// Keys kept in pieces of growing size (up to [`PIECE`]), so that the memory held is the keys
/// plus at most one piece, never a doubled vector's spare capacity.
#[derive(Debug, Default)]
pub(super) struct Kept {
    pieces: Vec<Vec<u64>>,
    len: usize,
}

impl Kept {
    fn push(&mut self, key: u64) {
        match self.pieces.last_mut() {
            Some(piece) if piece.len() < piece.capacity() => piece.push(key),
            _ => {
                let size = self.pieces.last().map_or(16, |p| (p.capacity() * 2).min(PIECE));
                let mut piece = Vec::with_capacity(size);
                piece.push(key);
                self.pieces.push(piece);
            }
        }
        self.len += 1;
    }

    /// The keys in one vector, each piece freed once copied.
    pub(super) fn into_vec(self) -> Vec<u64> {
        let mut keys = Vec::with_capacity(self.len);
        for piece in self.pieces {
            keys.extend_from_slice(&piece);
        }
        keys
    }
}

/// The values all columns may keep in a pass together: once over it, none keeps any.
#[derive(Debug)]
pub(super) struct Budget {
    limit: u64,
    used: AtomicU64,
    over: AtomicBool,
}

impl Budget {
    pub(super) fn new(limit: u64) -> Self {
        Budget { limit, used: AtomicU64::new(0), over: AtomicBool::new(false) }
    }

    /// Whether the values kept passed the budget.
    pub(super) fn over(&self) -> bool {
        self.over.load(Ordering::Relaxed)
    }

    /// The values kept so far.
    pub(super) fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Counts `n` more values kept; over for good if they pass the budget.
    fn add(&self, n: u64) {
        if self.used.fetch_add(n, Ordering::Relaxed) + n > self.limit {
            self.over.store(true, Ordering::Relaxed);
        }
    }
}

/// The frame as the passes read it, and its groups.
pub(super) struct Source {
    /// `GROUP` (if there are keys), then the value columns as `f64`.
    plan: LazyFrame,
    grouped: bool,
    columns: Vec<PlSmallStr>,
    /// The groups, sorted by key (nulls last), numbered in `GROUP`.
    groups: DataFrame,
}

impl Source {
    /// Finds the groups (a streaming group-by on the keys alone) and prepares the passes' plan.
    pub(super) fn new(frame: LazyFrame, keys: &[&str], columns: &[&str]) -> PolarsResult<Self> {
        let values = columns.iter().map(|&c| col(c).cast(DataType::Float64));
        let columns: Vec<PlSmallStr> = columns.iter().map(|&c| c.into()).collect();
        if keys.is_empty() {
            let groups = DataFrame::new(1, vec![Column::new(GROUP.into(), [0u32])])?;
            return Ok(Source {
                plan: frame.select(values.collect::<Vec<_>>()),
                grouped: false,
                columns,
                groups,
            });
        }
        let key_exprs: Vec<Expr> = keys.iter().map(|&k| col(k)).collect();
        let names: Vec<PlSmallStr> = keys.iter().map(|&k| k.into()).collect();
        let groups = frame
            .clone()
            .select(key_exprs.clone())
            .group_by(key_exprs.clone())
            .agg([len().alias(ROWS)])
            .collect_with_engine(Engine::Streaming)?
            .unwrap_single()
            .lazy()
            .sort(names, SortMultipleOptions::default().with_nulls_last(true))
            .select([all().exclude_cols([ROWS]).as_expr()])
            .with_row_index(GROUP, None)
            .with_column(col(GROUP).cast(DataType::UInt32))
            .collect()?;
        // The big side streams through a hash table of the small one; a null key is a group.
        let mut args = JoinArgs::new(JoinType::Inner).with_build_side(Some(JoinBuildSide::ForceRight));
        args.nulls_equal = true;
        let mut selected = key_exprs.clone();
        selected.extend(values);
        let mut output = vec![col(GROUP)];
        output.extend(columns.iter().cloned().map(col));
        let plan = frame
            .select(selected)
            .join(groups.clone().lazy(), key_exprs.clone(), key_exprs, args)
            .select(output);
        Ok(Source { plan, grouped: true, columns, groups })
    }

    /// The groups, sorted by key (nulls last), numbered from 0 in the column [`Source::group_column`].
    pub(super) fn groups(&self) -> &DataFrame {
        &self.groups
    }

    /// The name of the groups table's number column.
    pub(super) fn group_column() -> &'static str {
        GROUP
    }

    /// Runs one pass: every batch of every value column through that column's [`ColumnPass`]
    /// (`passes[i]` for column `i`), keeping values within `keep` if given.
    pub(super) fn pass(
        &self,
        mode: Mode,
        passes: Vec<ColumnPass>,
        keep: Option<Arc<Budget>>,
    ) -> PolarsResult<Vec<ColumnPass>> {
        debug_assert_eq!(passes.len(), self.columns.len());
        let state = Arc::new(Mutex::new(passes));
        let (shared, columns, grouped) = (state.clone(), self.columns.clone(), self.grouped);
        let callback = PlanCallback::new(move |batch: DataFrame| {
            let mut passes = shared.lock().unwrap_or_else(PoisonError::into_inner);
            let groups =
                if grouped { Some(batch.column(GROUP)?.u32()?.rechunk().into_owned()) } else { None };
            let groups = groups.as_ref().map(|g| g.cont_slice()).transpose()?;
            let values = columns
                .iter()
                .map(|c| Ok(batch.column(c)?.f64()?.clone()))
                .collect::<PolarsResult<Vec<_>>>()?;
            passes.par_iter_mut().zip(values.par_iter()).for_each(|(pass, values)| {
                pass.batch(mode, groups, values, keep.as_deref());
            });
            Ok(false)
        });
        self.plan.clone().sink_batches(callback, false, None)?.collect_with_engine(Engine::Streaming)?;
        let passes = std::mem::take(&mut *state.lock().unwrap_or_else(PoisonError::into_inner));
        Ok(passes)
    }
}
