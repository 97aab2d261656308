//! The table mode: per size, the walkthrough and each submit's floor, each in a process of its
//! own (peak memory is per process), `runs` times alternately; then one row per submit with the
//! medians.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::system::{load, machine};
use crate::walkthrough::CHANGES;
use crate::{BoxError, Dumps, ensure_data, median};

/// What the table mode is asked to do.
pub(crate) struct Table {
    /// The sizes, in rows.
    pub(crate) sizes: Vec<u64>,
    /// Runs per size (each: the scenario, then the four floors, then the median).
    pub(crate) runs: usize,
    /// Where the customers files are generated (and the runs' stores made).
    pub(crate) data_dir: PathBuf,
    /// Keep the customers files this mode generated (removed after their size otherwise).
    pub(crate) keep_data: bool,
    /// Also time task 3's median against polars' in-memory median.
    pub(crate) median: bool,
    /// Flags given to every scenario run (the frame codec).
    pub(crate) scenario_flags: Vec<String>,
}

/// One child's figures: time in ms, peak anonymous memory in kB.
#[derive(Default)]
struct Series {
    ms: Vec<f64>,
    peak_kb: Vec<f64>,
}

impl Series {
    fn push(&mut self, line: &HashMap<String, String>) -> Result<(), BoxError> {
        let field = |key: &str| -> Result<f64, BoxError> {
            Ok(line.get(key).ok_or_else(|| format!("a report without `{key}`"))?.parse()?)
        };
        self.ms.push(field("ms")?);
        self.peak_kb.push(field("peak_kb")?);
        Ok(())
    }

    /// The median time (ms) and peak memory (MB).
    fn medians(&mut self) -> (f64, f64) {
        (median(&mut self.ms), median(&mut self.peak_kb) / 1000.0)
    }
}

/// Everything measured at one size.
#[derive(Default)]
struct Figures {
    submits: [Series; 4],
    floors: [Series; 4],
    recomputed: [String; 4],
    /// `taipy::frames::median`, then polars' in-memory median.
    medians: [Series; 2],
}

/// Runs the table (module docs) and prints it.
pub(crate) fn run(table: &Table) -> Result<(), BoxError> {
    println!("machine: {}", machine());
    if cfg!(debug_assertions) {
        println!("build: debug (the figures say nothing: measure with --release)");
    }
    for &rows in &table.sizes {
        let (data, generated) = ensure_data(&table.data_dir, rows)?;
        let load_before = load();
        let mut figures = Figures::default();
        for run in 1..=table.runs {
            one_run(table, &data, &mut figures)?;
            let last = |s: &Series| s.ms.last().map_or("-".into(), |ms| format!("{ms:.0}"));
            eprintln!(
                "{rows} rows, run {run}/{}: submits {} ms, floors {} ms",
                table.runs,
                figures.submits.iter().map(last).collect::<Vec<_>>().join(" / "),
                figures.floors.iter().map(last).collect::<Vec<_>>().join(" / "),
            );
        }
        print_size(table, rows, &data, &load_before, &mut figures)?;
        if generated && !table.keep_data {
            std::fs::remove_file(&data)?;
        }
    }
    Ok(())
}

/// One run at one size: the scenario, the four floors on its store, their outputs compared,
/// then the median.
fn one_run(table: &Table, data: &Path, figures: &mut Figures) -> Result<(), BoxError> {
    let dir = tempfile::tempdir_in(&table.data_dir)?;
    let store = dir.path().join("store");
    let dumps = Dumps(dir.path().join("dumps"));
    std::fs::create_dir_all(&dumps.0)?;
    let common = |mode: &str| -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--mode".into(), mode.into(), "--data".into(), data.into()];
        args.extend(["--store".into(), store.clone().into_os_string()]);
        args.extend(["--dump".into(), dumps.0.clone().into_os_string()]);
        args
    };
    let mut args = common("scenario");
    args.extend(table.scenario_flags.iter().map(OsString::from));
    for line in child(args)? {
        let n = submit_number(&line)?;
        figures.submits[n - 1].push(&line)?;
        figures.recomputed[n - 1] = line.get("recomputed").cloned().unwrap_or_default();
    }
    for n in 1..=4 {
        let mut args = common("floor");
        args.extend(["--submit".into(), n.to_string().into()]);
        for line in child(args)? {
            figures.floors[submit_number(&line)? - 1].push(&line)?;
        }
        dumps.compare(n)?;
    }
    if table.median {
        let mut args = common("median");
        args.extend(["--rounds".into(), "1".into()]);
        for line in child(args)? {
            let which = if line.get("impl").map(String::as_str) == Some("taipy") { 0 } else { 1 };
            figures.medians[which].push(&line)?;
        }
    }
    Ok(())
}

fn submit_number(line: &HashMap<String, String>) -> Result<usize, BoxError> {
    let n: usize = line.get("n").ok_or("a report without `n`")?.parse()?;
    if !(1..=4).contains(&n) {
        return Err(format!("a report of submit {n}").into());
    }
    Ok(n)
}

/// Runs this program with `args` and returns its `@bench` report lines as key-value maps; its
/// output is shown if it fails.
fn child(args: Vec<OsString>) -> Result<Vec<HashMap<String, String>>, BoxError> {
    let output = Command::new(std::env::current_exe()?).args(&args).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let args = args.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ");
        return Err(format!(
            "bench_customer {args} failed ({}):\n{stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(stdout
        .lines()
        .filter_map(|l| l.strip_prefix("@bench "))
        .map(|l| {
            l.split_whitespace()
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .collect())
}

fn print_size(
    table: &Table,
    rows: u64,
    data: &Path,
    load_before: &str,
    figures: &mut Figures,
) -> Result<(), BoxError> {
    let size_mb = std::fs::metadata(data)?.len() / 1_000_000;
    println!();
    println!(
        "{} rows ({}, {size_mb} MB): medians of {} runs; load average {load_before} before, {} after",
        human(rows),
        data.display(),
        table.runs,
        load()
    );
    println!(
        "{:<32} {:>10} {:>10} {:>10} {:>6} {:>10} {:>10}",
        "submit", "recomputes", "submit ms", "floor ms", "ratio", "peak MB", "floor MB"
    );
    let rows = figures.submits.iter_mut().zip(&mut figures.floors).zip(&figures.recomputed);
    for (n, ((submit, floor), recomputed)) in rows.enumerate() {
        let ((ms, peak), (floor_ms, floor_peak)) = (submit.medians(), floor.medians());
        println!(
            "{:<32} {recomputed:>10} {ms:>10.0} {floor_ms:>10.0} {:>5.2}x {peak:>10.0} {floor_peak:>10.0}",
            format!("{} {}", n + 1, CHANGES[n]),
            ms / floor_ms,
        );
    }
    if table.median {
        let (ours, ours_peak) = figures.medians[0].medians();
        let (theirs, theirs_peak) = figures.medians[1].medians();
        println!(
            "task 3 median alone: taipy::frames::median {ours:.0} ms ({ours_peak:.0} MB), \
             polars in-memory {theirs:.0} ms ({theirs_peak:.0} MB): {:.2}x the time",
            ours / theirs
        );
    }
    Ok(())
}

/// `1M`, `50M`, `20k`, `1234`.
fn human(rows: u64) -> String {
    match rows {
        r if r >= 1_000_000 && r % 1_000_000 == 0 => format!("{}M", r / 1_000_000),
        r if r >= 1_000 && r % 1_000 == 0 => format!("{}k", r / 1_000),
        r => r.to_string(),
    }
}
