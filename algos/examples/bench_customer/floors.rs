//! The floors a submit is compared to, and task 3's median against polars' in-memory median.
//!
//! A submit's floor is the cheapest way to compute what that submit recomputes: the tasks it
//! re-runs (see [`RECOMPUTES`]), called as plain functions on the same inputs the submit reads,
//! with no store (no artifact written or hashed, no catalog, no orchestration), the outputs
//! collected into memory by polars' streaming engine, with projection pushdown on from task 1
//! (a hand-written query would not parse the one column no task uses; task 1 parses it to
//! report malformed rows as pandas does):
//!
//! 1. defaults: task 1 on the CSV, its four columns collected into memory (the CSV is parsed
//!    once), then tasks 2–4 on that table (payment threshold 1000, score threshold 1.5, metric
//!    mean, statistic median), both outputs. Tasks 3 and 4 make several passes over their input
//!    (the exact mean helpers one each, the median helper a few): on the CSV plan itself each
//!    pass would parse the file again, which a hand-written program would not do (so defined,
//!    the floor took 1.24× submit 1's time at 10M rows). The table in memory is 32 bytes a row
//!    (160 MB at 5M rows, 1.6 GB at 50M), counted in the floor's peak;
//! 2. `payment_threshold = 1600`: tasks 2–4 on the stored `scored_df` (the Parquet artifact
//!    submit 1 wrote, scanned), metric mean, statistic median, both outputs;
//! 3. `metric = median`: task 3 with the median on the stored `segmented_customer_df` (submit
//!    2's), then task 4 (statistic median) on it and that result, both outputs;
//! 4. `summary_statistic_type = max`: task 4 with the maximum on the stored
//!    `segmented_customer_df` and `segment_result` (submit 3's), its one output.
//!
//! The stored inputs are the current versions in the store a scenario run left
//! (`--mode scenario --store DIR`): after the four submits they are exactly what submits 2–4
//! read. Opening the store and reading them (which verifies each artifact against its hash)
//! happens before the clock starts.

use std::path::Path;
use std::time::Instant;

use algos::{
    HighValueSummary, Metric, ScoredCustomers, SegmentResult, SegmentedCustomers, Statistic,
    featurization_and_segmentation, high_value_cust_summary_statistics, preprocess_and_score,
    segment_analysis,
};
use taipy::polars::prelude::*;
use taipy::{CsvFile, Scenario, Store};

use crate::system::AnonSampler;
use crate::walkthrough::{RECOMPUTES, SCENARIO, config};
use crate::{BoxError, Dumps, report};

/// The stored scenario a scenario run left in `store`.
fn stored_scenario(data: &Path, store: Option<&Path>) -> Result<(Store, Scenario), BoxError> {
    let dir =
        store.ok_or("the floors of submits 2 to 4 read a store: give `--store DIR` of a scenario run")?;
    let store = Store::open(dir)?;
    let scenario = Scenario::find(&store, &config(data, true)?, SCENARIO)?
        .ok_or_else(|| format!("no scenario `{SCENARIO}` in the store {}", dir.display()))?;
    Ok((store, scenario))
}

/// Computes submit `n`'s floor (module docs), printing its time and peak memory.
pub(crate) fn run(
    n: usize,
    data: &Path,
    store: Option<&Path>,
    dumps: Option<&Dumps>,
    anon: &AnonSampler,
) -> Result<(), BoxError> {
    if !(1..=4).contains(&n) {
        return Err(format!("`--submit {n}`: the walkthrough has submits 1 to 4").into());
    }
    // The stored inputs, read before the clock starts; `_store` stays open while they are used.
    let _store;
    let (mut scored, mut segmented, mut segments) = (None, None, None);
    if n > 1 {
        let (opened, scenario) = stored_scenario(data, store)?;
        _store = opened;
        match n {
            2 => scored = Some(scenario.data_node::<ScoredCustomers>("scored_df")?.read()?),
            _ => segmented = Some(scenario.data_node::<SegmentedCustomers>("segmented_customer_df")?.read()?),
        }
        if n == 4 {
            segments = Some(scenario.data_node::<SegmentResult>("segment_result")?.read()?);
        }
    }
    anon.reset();
    let start = Instant::now();
    if n == 1 {
        let all = preprocess_and_score(&CsvFile::new(data))?;
        // Parsed once: the passes of tasks 3 and 4 read the table in memory, not the CSV.
        let parsed = all.0.with_projection_pushdown(true).collect_with_engine(Engine::Streaming)?;
        scored = Some(ScoredCustomers(parsed.unwrap_single().lazy()));
    }
    if let Some(scored) = scored {
        let threshold = if n == 1 { 1000.0 } else { 1600.0 };
        segmented = Some(featurization_and_segmentation(&scored, &threshold, &1.5)?);
    }
    let segmented = segmented.ok_or("no segmented table")?;
    if n < 4 {
        let metric = if n == 3 { Metric::Median } else { Metric::Mean };
        segments = Some(segment_analysis(&segmented, &metric)?);
    }
    let segments = segments.ok_or("no segment result")?;
    let statistic = if n == 4 { Statistic::Max } else { Statistic::Median };
    let summary = high_value_cust_summary_statistics(&segmented, &segments, &statistic)?;
    let (segments, summary) = collect(n, segments, summary)?;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let peak_kb = anon.peak_kb();
    println!(
        "floor of submit {n} (tasks {:?} as plain functions, no store): {ms:.0} ms, peak anonymous memory {} MB",
        RECOMPUTES[n - 1],
        peak_kb / 1000
    );
    if let Some(segments) = &segments {
        println!("{segments}");
    }
    println!("{summary}");
    report(&[
        ("phase", "floor".into()),
        ("n", n.to_string()),
        ("ms", format!("{ms:.3}")),
        ("peak_kb", peak_kb.to_string()),
    ]);
    if let Some(dumps) = dumps {
        dumps.write("floor", n, segments, summary)?;
    }
    Ok(())
}

/// Collects the outputs the floor computes: task 3's (unless it is stored: submit 4) and task
/// 4's, with the streaming engine.
fn collect(
    n: usize,
    segments: SegmentResult,
    summary: HighValueSummary,
) -> Result<(Option<DataFrame>, DataFrame), BoxError> {
    let collect = |frame: LazyFrame| frame.collect_with_engine(Engine::Streaming).map(|r| r.unwrap_single());
    let segments = if n < 4 { Some(collect(segments.0)?) } else { None };
    Ok((segments, collect(summary.0)?))
}

/// Task 3 with the median on the stored segmented table: `taipy::frames::median` (the task)
/// against polars' in-memory median group-by (the task before), alternately, `rounds` times.
/// The segmented table is the one a scenario run left in `store`, or else submit 1 stores it
/// first in a temporary store.
pub(crate) fn median(
    data: &Path,
    store: Option<&Path>,
    rounds: usize,
    anon: &AnonSampler,
) -> Result<(), BoxError> {
    use algos::columns::*;

    let temporary = tempfile::tempdir_in(data.parent().unwrap_or(Path::new(".")))?;
    let (_store, scenario) = match store {
        Some(_) => stored_scenario(data, store)?,
        None => {
            let store = Store::open(temporary.path().join("store"))?;
            let scenario = Scenario::create(&store, &config(data, true)?, SCENARIO)?;
            let start = Instant::now();
            scenario.submit()?.wait()?;
            println!("submit 1 (segmented table stored): {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
            (store, scenario)
        }
    };
    let segmented = scenario.data_node::<SegmentedCustomers>("segmented_customer_df")?.read()?;
    // The task before: NaN turned into nulls in the float columns, then polars' median.
    let in_memory = || {
        let median = |name: &str, float: bool| {
            let values = if float { col(name).fill_nan(lit(NULL)) } else { col(name) };
            values.median().alias(name)
        };
        segmented
            .0
            .clone()
            .group_by([col(VALUE_SEGMENT)])
            .agg([
                median(CUSTOMER_SCORE, true),
                median(TOTAL_PURCHASE_AMOUNT, true),
                median(NUMBER_OF_PURCHASES, false),
                median(TOTAL_PURCHASE_TIME, false),
                col(HIGH_SPENDER).sum().alias(HIGH_SPENDER),
                median(AVERAGE_TIME_BETWEEN_PURCHASES, true),
            ])
            .sort([VALUE_SEGMENT], SortMultipleOptions::default())
            .collect_with_engine(Engine::InMemory)
            .map(|r| r.unwrap_single())
    };
    let mut times: [Vec<f64>; 2] = Default::default();
    for round in 1..=rounds {
        let mut results = Vec::with_capacity(2);
        for (which, name, label) in
            [(0, "taipy", "taipy::frames::median"), (1, "polars", "polars in-memory median")]
        {
            anon.reset();
            let start = Instant::now();
            let result = match which {
                0 => segment_analysis(&segmented, &Metric::Median)?
                    .0
                    .collect_with_engine(Engine::Streaming)?
                    .unwrap_single(),
                _ => in_memory()?,
            };
            let ms = start.elapsed().as_secs_f64() * 1e3;
            let peak_kb = anon.peak_kb();
            times[which].push(ms);
            results.push(result);
            println!("round {round}: {label} {ms:.0} ms, peak anonymous memory {} MB", peak_kb / 1000);
            report(&[
                ("phase", "median".into()),
                ("impl", name.into()),
                ("ms", format!("{ms:.3}")),
                ("peak_kb", peak_kb.to_string()),
            ]);
        }
        if !results[0].equals_missing(&results[1]) {
            return Err(format!("the medians differ:\n{}\n{}", results[0], results[1]).into());
        }
    }
    let (ours, theirs) = (crate::median(&mut times[0]), crate::median(&mut times[1]));
    println!(
        "median of {rounds} rounds: taipy::frames::median {ours:.0} ms, polars in memory {theirs:.0} ms ({:.2}x)",
        ours / theirs
    );
    Ok(())
}
