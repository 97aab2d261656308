//! Times the customer-analysis walkthrough at one size, in one of two modes, and reports the
//! process's peak resident memory (run each mode in its own process so the peaks are separate):
//!
//! ```text
//! cargo run --release --example bench_customer -- --rows 1m --mode scenario
//! cargo run --release --example bench_customer -- --rows 1m --mode query
//! ```
//!
//! `--submits N` stops the scenario mode after N submits (e.g. 2: the metric is still mean).
//! `--unfused` runs task 2 undeclared `lazy`, so that it is not fused with task 1 (each writes
//! its table in a query of its own and task 2 scans task 1's artifact), for A/B comparisons.
//! `--compression uncompressed|lz4|zstd|zstd:LEVEL` picks the codec of the store's frame
//! artifacts (default: the store's default). The scenario mode prints the store's disk usage
//! after the submits; `--gc` then collects with `GcPolicy::keep_only_current()` and prints it
//! again. `--data PATH` uses an existing customers file instead of generating one. The figures
//! in the README's table of codecs come from:
//!
//! ```text
//! cargo run --release --example generate_customers -- --rows 5m --out /tmp/customers_5m.csv
//! cargo run --release --example bench_customer -- --data /tmp/customers_5m.csv --compression lz4 --gc
//! ```
//!
//! - `scenario`: the tutorial's scenario in a fresh on-disk store; the walkthrough's four submits
//!   (defaults; payment_threshold 1600; metric median; statistic max), each job's status and
//!   duration and each submit's wall time;
//! - `query`: the four tasks composed as plain functions with no store, both outputs collected
//!   with the streaming engine for the default parameters (the floor a submit compares to);
//! - `median`: task 3 with `metric = median` on the stored segmented table (a Parquet scan, as
//!   in a submit), `--rounds N` times (default 3) alternating `taipy::frames::median` (what
//!   the task runs) and polars' in-memory median group-by (what it ran before), each with its
//!   time and its peak anonymous memory; both results are checked equal.
//!
//! The scenario mode prints each submit's peak anonymous memory beside its time (submits 1 and
//! 2 aggregate with the mean, 3 with the median; task 4 computes a median score in each):
//!
//! ```text
//! cargo run --release --example bench_customer -- --rows 10m --mode scenario --submits 3
//! cargo run --release --example bench_customer -- --rows 10m --mode median
//! ```
//!
//! The customers file is generated (seed 42) under `--data-dir` if it is not there yet.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use algos::generate::{GeneratorOptions, write_customers_csv};
use algos::{
    Metric, Statistic, featurization_and_segmentation, high_value_cust_summary_statistics,
    preprocess_and_score, segment_analysis,
};
use taipy::polars::prelude::{Engine, LazyFrame};
use taipy::{
    CsvFile, DataNodeConfig, DiskUsage, FrameCompression, GcPolicy, Scenario, ScenarioConfig, Store,
    StoreOptions, TaskConfig,
};

type BoxError = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), BoxError> {
    let mut rows = 1_000_000u64;
    let mut mode = String::from("scenario");
    let mut data_dir = PathBuf::from("target/bench-data");
    let mut submits = 4;
    let mut data = None;
    let mut options = StoreOptions::default();
    let mut gc = false;
    let mut fused = true;
    let mut rounds = 3;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--gc" {
            gc = true;
            continue;
        }
        if flag == "--unfused" {
            fused = false;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
        match flag.as_str() {
            "--rows" => rows = parse_count(&value)?,
            "--mode" => mode = value,
            "--data-dir" => data_dir = PathBuf::from(value),
            "--data" => data = Some(PathBuf::from(value)),
            "--submits" => submits = value.parse()?,
            "--rounds" => rounds = value.parse()?,
            "--compression" => options.frame_compression = value.parse::<FrameCompression>()?,
            other => {
                return Err(format!(
                    "unknown option `{other}` (--rows, --mode, --data-dir, --data, --submits, --rounds, --compression, --gc, --unfused)"
                )
                .into());
            }
        }
    }
    let data = match data {
        Some(path) => {
            println!("data: {} ({} MB)", path.display(), std::fs::metadata(&path)?.len() / 1_000_000);
            path
        }
        None => ensure_data(&data_dir, rows)?,
    };
    let anon = AnonSampler::start();
    match mode.as_str() {
        "scenario" => scenario(&data, submits, options, gc, fused, &anon)?,
        "query" => query(&data)?,
        "median" => median(&data, rounds, &anon)?,
        other => return Err(format!("unknown mode `{other}`: scenario, query or median").into()),
    }
    println!(
        "peak RSS: {} (includes memory-mapped input files); peak anonymous RSS, sampled every 5 ms: {} kB",
        status_field("VmHWM:").map_or_else(|| "unknown".into(), |kb| format!("{kb} kB")),
        anon.peak_kb(),
    );
    Ok(())
}

fn parse_count(text: &str) -> Result<u64, BoxError> {
    let lower = text.to_ascii_lowercase();
    let (digits, scale) = if let Some(d) = lower.strip_suffix('m') {
        (d, 1_000_000)
    } else if let Some(d) = lower.strip_suffix('k') {
        (d, 1_000)
    } else {
        (lower.as_str(), 1)
    };
    Ok(digits.parse::<u64>()? * scale)
}

fn ensure_data(dir: &Path, rows: u64) -> Result<PathBuf, BoxError> {
    let path = dir.join(format!("customers_{rows}.csv"));
    if !path.exists() {
        std::fs::create_dir_all(dir)?;
        let start = Instant::now();
        let temp = path.with_extension("csv.partial");
        let options = GeneratorOptions { rows, ..GeneratorOptions::default() };
        write_customers_csv(std::fs::File::create(&temp)?, &options)?;
        std::fs::rename(&temp, &path)?;
        println!("generated {rows} rows in {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
    }
    println!("data: {} ({} MB)", path.display(), std::fs::metadata(&path)?.len() / 1_000_000);
    Ok(path)
}

fn config(data: &Path, fused: bool) -> Result<Arc<ScenarioConfig>, BoxError> {
    Ok(ScenarioConfig::builder("customer_analysis")
        .node(DataNodeConfig::with_default("path_to_data", CsvFile::new(data)))
        .node(DataNodeConfig::with_default("payment_threshold", 1000.0f64))
        .node(DataNodeConfig::with_default("score_threshold", 1.5f64))
        .node(DataNodeConfig::with_default("metric", Metric::Mean))
        .node(DataNodeConfig::with_default("summary_statistic_type", Statistic::Median))
        .task(
            TaskConfig::new("preprocess_and_score", preprocess_and_score)
                .inputs(["path_to_data"])
                .outputs(["scored_df"]),
        )
        .task(
            TaskConfig::new("featurization_and_segmentation", featurization_and_segmentation)
                .lazy(fused)
                .inputs(["scored_df", "payment_threshold", "score_threshold"])
                .outputs(["segmented_customer_df"]),
        )
        .task(
            TaskConfig::new("segment_analysis", segment_analysis)
                .inputs(["segmented_customer_df", "metric"])
                .outputs(["segment_result"]),
        )
        .task(
            TaskConfig::new("high_value_cust_summary_statistics", high_value_cust_summary_statistics)
                .inputs(["segmented_customer_df", "segment_result", "summary_statistic_type"])
                .outputs(["high_value_summary_df"]),
        )
        .build()?)
}

fn scenario(
    data: &Path,
    submits: usize,
    options: StoreOptions,
    gc: bool,
    fused: bool,
    anon: &AnonSampler,
) -> Result<(), BoxError> {
    let dir = tempfile::tempdir_in(data.parent().unwrap_or(Path::new(".")))?;
    println!("frame compression: {}", options.frame_compression);
    let store = Store::open_with(dir.path().join("store"), options)?;
    println!("fused submits: {}", if fused { "on" } else { "off (--unfused)" });
    let scenario = Scenario::create(&store, &config(data, fused)?, "bench")?;
    for submit in 1..=submits.min(4) {
        let change = match submit {
            1 => "defaults",
            2 => {
                scenario.data_node::<f64>("payment_threshold")?.write(1600.0)?;
                "payment_threshold = 1600"
            }
            3 => {
                scenario.data_node::<Metric>("metric")?.write(Metric::Median)?;
                "metric = median"
            }
            _ => {
                scenario.data_node::<Statistic>("summary_statistic_type")?.write(Statistic::Max)?;
                "summary_statistic_type = max"
            }
        };
        anon.reset();
        let start = Instant::now();
        let report = scenario.submit()?.wait()?;
        let wall = start.elapsed().as_secs_f64() * 1e3;
        println!(
            "submit {submit} ({change}): {wall:.0} ms, peak anonymous memory {} MB",
            anon.peak_kb() / 1000
        );
        for job in &report.jobs {
            let ms = job.duration().map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
            println!("  {:<36} {:<10} {ms:>8.0} ms", job.task, format!("{:?}", job.status));
        }
    }
    print_usage("store after the submits", &store.disk_usage()?);
    if gc {
        let start = Instant::now();
        let report = store.gc(GcPolicy::keep_only_current())?;
        println!(
            "gc(keep_only_current): {:.0} ms; {} versions, {} memo entries, {} artifacts removed, {:.1} MB freed",
            start.elapsed().as_secs_f64() * 1e3,
            report.versions_removed,
            report.memo_entries_removed,
            report.artifacts_removed,
            mb(report.bytes_freed),
        );
        print_usage("store after gc", &store.disk_usage()?);
    }
    Ok(())
}

fn print_usage(when: &str, usage: &DiskUsage) {
    println!(
        "{when}: {:.1} MB (artifacts {:.1} MB in {} files, catalog {:.1} MB, temporary {:.1} MB)",
        mb(usage.total_bytes()),
        mb(usage.artifacts_bytes),
        usage.artifacts,
        mb(usage.catalog_bytes),
        mb(usage.temporary_bytes),
    );
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn query(data: &Path) -> Result<(), BoxError> {
    let start = Instant::now();
    let scored = preprocess_and_score(&CsvFile::new(data))?;
    let segmented = featurization_and_segmentation(&scored, &1000.0, &1.5)?;
    let segments = segment_analysis(&segmented, &Metric::Mean)?;
    let summary = high_value_cust_summary_statistics(&segmented, &segments, &Statistic::Median)?;
    // Task 1 turns projection pushdown off so that polars checks every CSV field; a hand-written
    // query would not, so turn it back on for the whole plan: this is the floor.
    let collect = |frame: LazyFrame| {
        frame.with_projection_pushdown(true).collect_with_engine(Engine::Streaming).map(|r| r.unwrap_single())
    };
    let segments = collect(segments.0)?;
    let summary = collect(summary.0)?;
    let wall = start.elapsed().as_secs_f64() * 1e3;
    println!("plain functions, streaming engine, both outputs: {wall:.0} ms");
    println!("{segments}\n{summary}");
    Ok(())
}

/// Task 3 with the median on the stored segmented table: `taipy::frames::median` (the task)
/// against polars' in-memory median group-by (the task before), alternately.
fn median(data: &Path, rounds: usize, anon: &AnonSampler) -> Result<(), BoxError> {
    use algos::SegmentedCustomers;
    use algos::columns::*;
    use taipy::polars::prelude::*;

    let dir = tempfile::tempdir_in(data.parent().unwrap_or(Path::new(".")))?;
    let store = Store::open(dir.path().join("store"))?;
    let scenario = Scenario::create(&store, &config(data, true)?, "bench")?;
    let start = Instant::now();
    scenario.submit()?.wait()?;
    println!("submit 1 (segmented table stored): {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
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
        anon.reset();
        let start = Instant::now();
        let ours = segment_analysis(&segmented, &Metric::Median)?.0.collect()?;
        times[0].push(start.elapsed().as_secs_f64() * 1e3);
        println!(
            "round {round}: taipy::frames::median {:.0} ms, peak anonymous memory {} MB",
            times[0][round - 1],
            anon.peak_kb() / 1000
        );
        anon.reset();
        let start = Instant::now();
        let theirs = in_memory()?;
        times[1].push(start.elapsed().as_secs_f64() * 1e3);
        println!(
            "round {round}: polars in-memory median {:.0} ms, peak anonymous memory {} MB",
            times[1][round - 1],
            anon.peak_kb() / 1000
        );
        if !ours.equals_missing(&theirs) {
            return Err(format!("the medians differ:\n{ours}\n{theirs}").into());
        }
    }
    let median_of = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours, theirs) = (median_of(&mut times[0]), median_of(&mut times[1]));
    println!(
        "median of {rounds} rounds: taipy::frames::median {ours:.0} ms, polars in memory {theirs:.0} ms ({:.2}x)",
        ours / theirs
    );
    Ok(())
}

/// A field of `/proc/self/status` in kB, on Linux.
fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.trim_start_matches(name).trim().trim_end_matches("kB").trim().parse().ok()
}

/// Samples the anonymous resident memory (heap, not the page cache of mapped files), which is
/// what must stay flat in the row count; `VmHWM` also counts mapped input pages.
struct AnonSampler {
    peak: Arc<AtomicU64>,
}

impl AnonSampler {
    fn start() -> Self {
        let peak = Arc::new(AtomicU64::new(0));
        let shared = Arc::clone(&peak);
        std::thread::spawn(move || {
            loop {
                if let Some(kb) = status_field("RssAnon:") {
                    shared.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Self { peak }
    }

    /// Starts a new measurement: the peak is the current resident memory (`VmHWM` is reset too).
    fn reset(&self) {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        self.peak.store(status_field("RssAnon:").unwrap_or(0), Ordering::Relaxed);
    }

    fn peak_kb(&self) -> u64 {
        if let Some(kb) = status_field("RssAnon:") {
            self.peak.fetch_max(kb, Ordering::Relaxed);
        }
        self.peak.load(Ordering::Relaxed)
    }
}
