//! Times the customer-analysis walkthrough against its floors and reports peak memory.
//!
//! The table (what issue 14 asks for): per size, one row per submit with what it recomputes,
//! its time, its floor's time, the ratio and both peaks; medians of `--runs` runs (default 3),
//! each run being the scenario, then the four floors, then task 3's median against polars'
//! in-memory one, each in a process of its own (this program re-run in a mode below):
//!
//! ```text
//! cargo run --release -p algos --example bench_customer -- --table --rows 1m,10m,50m
//! ```
//!
//! The customers files are generated (seed 42) under `--data-dir` (default `target/bench-data`)
//! and removed after their size unless `--keep-data`; the runs' stores go there too. `--no-median`
//! leaves out the median rows. The outputs of each floor are checked equal to the submit's.
//!
//! The modes, one per process (`--rows N` or `--data PATH` picks the customers file):
//!
//! - `scenario`: the tutorial's scenario in a fresh on-disk store (`--store DIR` keeps it there);
//!   the walkthrough's four submits: defaults (metric mean, statistic median); payment_threshold
//!   1600; metric median; statistic max. Each submit's wall time and peak anonymous memory, each
//!   job's status and duration, then the store's disk usage. `--submits N` stops after N
//!   submits; `--compression uncompressed|lz4|zstd|zstd:LEVEL` picks the codec of the frame
//!   artifacts; `--gc` collects with `GcPolicy::keep_only_current()` and prints the usage again;
//!   `--unfused` runs task 2 undeclared `lazy`, so that it is not fused with task 1 (each writes
//!   its table in a query of its own and task 2 scans task 1's artifact), for A/B comparisons.
//! - `floor --submit N`: submit N's floor (see `floors.rs` for each one's exact definition): the
//!   tasks that submit recomputes, as plain functions with no store, on the inputs it reads (for
//!   N > 1 the artifacts in `--store DIR` a scenario run left), outputs collected by the
//!   streaming engine. `query` is `floor --submit 1`.
//! - `median`: task 3 with `metric = median` on the stored segmented table (of `--store DIR`, or
//!   stored first by a submit), `--rounds N` times (default 3) alternating
//!   `taipy::frames::median` (what the task runs) and polars' in-memory median group-by (what it
//!   ran before), each with its time and peak anonymous memory; both results are checked equal.
//!
//! `--dump DIR` makes the scenario and floor modes write their outputs there (Parquet), for the
//! table to compare. Each mode prints `@bench key=value ...` lines for the table to read. The
//! README's table of codecs comes from:
//!
//! ```text
//! cargo run --release --example generate_customers -- --rows 5m --out /tmp/customers_5m.csv
//! cargo run --release --example bench_customer -- --data /tmp/customers_5m.csv --compression lz4 --gc
//! ```

mod floors;
mod system;
mod table;
mod walkthrough;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use algos::generate::{GeneratorOptions, write_customers_csv};
use taipy::polars::prelude::{DataFrame, Engine, IntoLazy, ParquetReader, ParquetWriter, SerReader, col, df};
use taipy::{FrameCompression, StoreOptions};

use system::{AnonSampler, status_field};

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

const FLAGS: &str = "--table, --rows, --runs, --mode, --submit, --data-dir, --data, --store, --dump, \
                     --submits, --rounds, --compression, --gc, --keep-data, --no-median, --unfused";

fn run() -> Result<(), BoxError> {
    let mut sizes = vec![1_000_000u64];
    let mut mode = String::from("scenario");
    let mut data_dir = PathBuf::from("target/bench-data");
    let (mut data, mut store, mut dump) = (None, None, None);
    let (mut submits, mut submit, mut rounds, mut runs) = (4, None, 3, 3);
    let mut options = StoreOptions::default();
    let mut scenario_flags = Vec::new();
    let (mut gc, mut keep_data, mut with_median, mut fused) = (false, false, true, true);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--gc" => gc = true,
            "--table" => mode = "table".into(),
            "--keep-data" => keep_data = true,
            "--no-median" => with_median = false,
            "--unfused" => {
                fused = false;
                scenario_flags.push(flag);
            }
            _ => {
                let value = args.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
                match flag.as_str() {
                    "--rows" => sizes = value.split(',').map(parse_count).collect::<Result<_, _>>()?,
                    "--mode" => mode = value,
                    "--data-dir" => data_dir = PathBuf::from(value),
                    "--data" => data = Some(PathBuf::from(value)),
                    "--store" => store = Some(PathBuf::from(value)),
                    "--dump" => dump = Some(Dumps(PathBuf::from(value))),
                    "--submits" => submits = value.parse()?,
                    "--submit" => submit = Some(value.parse()?),
                    "--rounds" => rounds = value.parse()?,
                    "--runs" => runs = value.parse()?,
                    "--compression" => {
                        options.frame_compression = value.parse::<FrameCompression>()?;
                        scenario_flags.extend([flag, value]);
                    }
                    other => return Err(format!("unknown option `{other}` ({FLAGS})").into()),
                }
            }
        }
    }
    if mode == "table" {
        if runs == 0 || sizes.is_empty() {
            return Err("the table needs at least one run and one size".into());
        }
        return table::run(&table::Table {
            sizes,
            runs,
            data_dir,
            keep_data,
            median: with_median,
            scenario_flags,
        });
    }
    let [rows] = sizes[..] else {
        return Err(format!("`--mode {mode}` runs at one size; the table (`--table`) takes several").into());
    };
    let data = match data {
        Some(path) => {
            println!("data: {} ({} MB)", path.display(), std::fs::metadata(&path)?.len() / 1_000_000);
            path
        }
        None => ensure_data(&data_dir, rows)?.0,
    };
    let anon = AnonSampler::start();
    warm_up()?;
    match mode.as_str() {
        "scenario" => walkthrough::run(
            walkthrough::Walkthrough { data: &data, submits, options, gc, fused, store, dumps: dump },
            &anon,
        )?,
        "query" => floors::run(1, &data, None, dump.as_ref(), &anon)?,
        "floor" => {
            let n = submit.ok_or("`--mode floor` needs `--submit N` (1 to 4)")?;
            floors::run(n, &data, store.as_deref(), dump.as_ref(), &anon)?
        }
        "median" => floors::median(&data, store.as_deref(), rounds, &anon)?,
        other => {
            return Err(format!("unknown mode `{other}`: scenario, floor, query, median or table").into());
        }
    }
    println!(
        "peak RSS: {} (includes memory-mapped input files); peak anonymous RSS, sampled every 5 ms: {} kB",
        status_field("VmHWM:").map_or_else(|| "unknown".into(), |kb| format!("{kb} kB")),
        anon.peak_kb(),
    );
    Ok(())
}

fn parse_count(text: &str) -> Result<u64, BoxError> {
    let lower = text.trim().to_ascii_lowercase();
    let (digits, scale) = if let Some(d) = lower.strip_suffix('m') {
        (d, 1_000_000)
    } else if let Some(d) = lower.strip_suffix('k') {
        (d, 1_000)
    } else {
        (lower.as_str(), 1)
    };
    Ok(digits.parse::<u64>().map_err(|e| format!("`{text}` is not a row count: {e}"))? * scale)
}

/// The customers file of `rows` rows under `dir`, generated (seed 42) if it is not there yet;
/// also whether it was generated now.
fn ensure_data(dir: &Path, rows: u64) -> Result<(PathBuf, bool), BoxError> {
    let path = dir.join(format!("customers_{rows}.csv"));
    let generate = !path.exists();
    if generate {
        std::fs::create_dir_all(dir)?;
        let start = Instant::now();
        let temp = path.with_extension("csv.partial");
        let options = GeneratorOptions { rows, ..GeneratorOptions::default() };
        write_customers_csv(std::fs::File::create(&temp)?, &options)?;
        std::fs::rename(&temp, &path)?;
        println!("generated {rows} rows in {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
    }
    println!("data: {} ({} MB)", path.display(), std::fs::metadata(&path)?.len() / 1_000_000);
    Ok((path, generate))
}

/// Starts polars' thread pool with a tiny streaming query, so that the first timed query of a
/// process (a floor's, submit 1's) does not pay for it when the others do not.
fn warm_up() -> Result<(), BoxError> {
    let frame = df!("x" => [1i64, 2, 3])?;
    frame.lazy().select([col("x").sum()]).collect_with_engine(Engine::Streaming)?;
    Ok(())
}

/// One machine-readable line, `@bench key=value ...`, for the table mode to read.
fn report(fields: &[(&str, String)]) {
    let fields = fields.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
    println!("@bench {fields}");
}

/// The median of `values` (the upper one of an even count); NaN if there are none.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// A folder of outputs: `<kind><n>-segments.parquet` and `<kind><n>-summary.parquet`, where
/// kind is `submit` or `floor` and n the submit.
struct Dumps(PathBuf);

impl Dumps {
    fn path(&self, kind: &str, n: usize, output: &str) -> PathBuf {
        self.0.join(format!("{kind}{n}-{output}.parquet"))
    }

    /// Writes the outputs of submit `n` or of its floor (a floor of submit 4 has no segments).
    fn write(
        &self,
        kind: &str,
        n: usize,
        segments: Option<DataFrame>,
        mut summary: DataFrame,
    ) -> Result<(), BoxError> {
        if let Some(mut segments) = segments {
            ParquetWriter::new(std::fs::File::create(self.path(kind, n, "segments"))?)
                .finish(&mut segments)?;
        }
        ParquetWriter::new(std::fs::File::create(self.path(kind, n, "summary"))?).finish(&mut summary)?;
        Ok(())
    }

    /// Checks that submit `n`'s floor computed what the submit stored.
    fn compare(&self, n: usize) -> Result<(), BoxError> {
        for output in ["segments", "summary"] {
            let floor = self.path("floor", n, output);
            if !floor.exists() {
                continue;
            }
            let read = |path: PathBuf| -> Result<DataFrame, BoxError> {
                let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(ParquetReader::new(file).finish()?)
            };
            let (theirs, ours) = (read(floor)?, read(self.path("submit", n, output))?);
            if !ours.equals_missing(&theirs) {
                return Err(format!(
                    "submit {n}'s {output} table differs from its floor's:\n{ours}\n{theirs}"
                )
                .into());
            }
        }
        Ok(())
    }
}
