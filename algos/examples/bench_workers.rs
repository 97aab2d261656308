//! What running jobs on worker processes costs: the customer walkthrough's four submit times
//! and the time per trivial job, on the local executor and on 1 and 3 workers fed by the job
//! queue on PostgreSQL (medians of several runs, each on a fresh store).
//!
//! ```text
//! cargo run --release --example bench_workers -- --queue postgres://taipy:taipy@127.0.0.1:54329/bench
//!     [--data PATH] [--runs 5] [--tasks 100]
//! ```
//!
//! The queue's database must exist (the queue library creates its tables in it). Workers are
//! this program re-run as `bench_workers worker ...`: the command line with the same configs.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use algos::{CustomerAnalysis, Metric, Statistic};
use clap::Parser;
use taipy::{CsvFile, DataNodeConfig, Executor, Scenario, ScenarioConfig, Store, StoreOptions, TaskConfig};

/// Arguments of the bench (the worker mode is `bench_workers worker ...`, the command line's).
#[derive(Debug, Parser)]
#[command(about = "Submit times on the local executor and on queue workers")]
struct Args {
    /// The job queue's PostgreSQL URL (its database must exist).
    #[arg(long)]
    queue: String,
    /// The customers file of the walkthrough.
    #[arg(long, default_value = algos::SAMPLE_DATA)]
    data: PathBuf,
    /// Runs per setting; the medians are reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Trivial tasks in the overhead scenario.
    #[arg(long, default_value_t = 100)]
    tasks: usize,
}

/// The overhead scenario's size, given to workers through the environment.
const TASKS_VAR: &str = "BENCH_WORKERS_TASKS";

fn bump(x: &i64) -> i64 {
    x + 1
}

/// `tasks` independent trivial tasks reading one number.
fn trivial(tasks: usize) -> Arc<ScenarioConfig> {
    let mut builder = ScenarioConfig::builder("trivial").node(DataNodeConfig::with_default("x", 1i64));
    for i in 0..tasks {
        builder =
            builder.task(TaskConfig::new(format!("t{i}"), bump).inputs(["x"]).outputs([format!("y{i}")]));
    }
    builder.build().expect("a valid config")
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().nth(1).as_deref() == Some("worker") {
        let tasks: usize = std::env::var(TASKS_VAR)?.parse()?;
        let cli = taipy::cli::Cli::new()
            .name("bench_workers")
            .scenario(CustomerAnalysis::config())
            .scenario(trivial(tasks));
        std::process::exit(i32::from(cli.run_from(
            std::env::args(),
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )));
    }
    let args = Args::parse();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average before: {}", load.trim());
    println!("walkthrough on {}, {} runs per setting (medians, ms)", args.data.display(), args.runs);
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>9} {:>12}",
        "executor", "submit 1", "submit 2", "submit 3", "submit 4", "trivial/job"
    );
    for workers in [0, 1, 3] {
        let mut submits: Vec<[f64; 4]> = Vec::new();
        let mut per_job = Vec::new();
        for _ in 0..args.runs {
            submits.push(walkthrough(&args, workers)?);
            per_job.push(overhead(&args, workers)?);
        }
        let column = |i: usize| median(submits.iter().map(|s| s[i]).collect());
        let label = if workers == 0 {
            "local".to_owned()
        } else {
            format!("{workers} worker{}", if workers > 1 { "s" } else { "" })
        };
        println!(
            "{label:<10} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>10.3} ms",
            column(0),
            column(1),
            column(2),
            column(3),
            median(per_job)
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average after: {}", load.trim());
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A fresh store (and `workers` workers on it; 0: the local executor).
fn open(args: &Args, workers: usize, dir: &Path) -> Result<(Store, Workers), Box<dyn Error>> {
    let store_dir = dir.join("store");
    let options = if workers == 0 {
        StoreOptions::default()
    } else {
        StoreOptions::default().with_executor(Executor::queue(&args.queue))
    };
    let store = Store::open_with(&store_dir, options)?;
    let mut started = Workers(Vec::new());
    for n in 0..workers {
        started.0.push(spawn(args, &store_dir, dir, n)?);
    }
    Ok((store, started))
}

/// Worker processes, killed when dropped.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts a worker and waits until it is ready.
fn spawn(args: &Args, store: &Path, dir: &Path, n: usize) -> Result<Child, Box<dyn Error>> {
    let out = dir.join(format!("worker-{n}.out"));
    let child = Command::new(std::env::current_exe()?)
        .args(["worker", "--queue", &args.queue, "--store"])
        .arg(store)
        .args(["--heartbeat-ms", "1000"])
        .env(TASKS_VAR, args.tasks.to_string())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out)?)
        .stderr(std::fs::File::create(dir.join(format!("worker-{n}.err")))?)
        .spawn()?;
    let start = Instant::now();
    while !std::fs::read_to_string(&out)?.contains("runs jobs of") {
        if start.elapsed() > Duration::from_secs(30) {
            return Err(format!("worker {n} did not start in 30 s").into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(child)
}

/// The walkthrough's four submit times, in ms.
fn walkthrough(args: &Args, workers: usize) -> Result<[f64; 4], Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let (store, _workers) = open(args, workers, dir.path())?;
    let scenario = CustomerAnalysis::create(&store, "bench")?;
    scenario.path_to_data().write(CsvFile::new(&args.data))?;
    let mut times = [0.0; 4];
    for (submit, time) in times.iter_mut().enumerate() {
        match submit {
            1 => scenario.payment_threshold().write(1600.0)?,
            2 => scenario.metric().write(Metric::Median)?,
            3 => scenario.summary_statistic_type().write(Statistic::Max)?,
            _ => {}
        }
        let report = scenario.submit()?.wait()?;
        *time = report.elapsed.as_secs_f64() * 1e3;
    }
    Ok(times)
}

/// The first run of the trivial scenario, in ms per job.
fn overhead(args: &Args, workers: usize) -> Result<f64, Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let (store, _workers) = open(args, workers, dir.path())?;
    let scenario = Scenario::create(&store, &trivial(args.tasks), "trivial")?;
    let report = scenario.submit()?.wait()?;
    Ok(report.elapsed.as_secs_f64() * 1e3 / args.tasks as f64)
}
