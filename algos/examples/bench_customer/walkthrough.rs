//! The scenario mode: the walkthrough's four submits in an on-disk store, each timed with its
//! peak memory.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use algos::{
    HighValueSummary, Metric, SegmentResult, Statistic, featurization_and_segmentation,
    high_value_cust_summary_statistics, preprocess_and_score, segment_analysis,
};
use taipy::{
    CsvFile, DataNodeConfig, DiskUsage, GcPolicy, JobStatus, Scenario, ScenarioConfig, Store, StoreOptions,
    TaskConfig,
};

use crate::system::AnonSampler;
use crate::{BoxError, Dumps, report};

/// The scenario's name in the store (the floors find it by this name).
pub(crate) const SCENARIO: &str = "bench";

/// The config's tasks, in order: a submit's recomputed tasks are reported by their number here.
pub(crate) const TASKS: [&str; 4] = [
    "preprocess_and_score",
    "featurization_and_segmentation",
    "segment_analysis",
    "high_value_cust_summary_statistics",
];

/// What each submit changes before it runs, as the table prints it.
pub(crate) const CHANGES: [&str; 4] =
    ["defaults (mean)", "payment_threshold=1600", "metric=median", "statistic=max"];

/// The tasks (numbers into [`TASKS`]) each submit recomputes, and so what its floor computes:
/// submit 1 everything from the CSV; submit 2 all but task 1 (its input, the CSV, is unchanged);
/// submit 3 task 3 (the metric changed) and task 4 (its input `segment_result` changed); submit
/// 4 task 4 only.
pub(crate) const RECOMPUTES: [&[usize]; 4] = [&[1, 2, 3, 4], &[2, 3, 4], &[3, 4], &[4]];

/// The walkthrough's config on `data`: thresholds 1000 and 1.5, metric mean, statistic median;
/// task 2 declared `lazy` (fused with task 1, as in the walkthrough) if `fused`.
pub(crate) fn config(data: &Path, fused: bool) -> Result<Arc<ScenarioConfig>, BoxError> {
    Ok(ScenarioConfig::builder("customer_analysis")
        .node(DataNodeConfig::with_default("path_to_data", CsvFile::new(data)))
        .node(DataNodeConfig::with_default("payment_threshold", 1000.0f64))
        .node(DataNodeConfig::with_default("score_threshold", 1.5f64))
        .node(DataNodeConfig::with_default("metric", Metric::Mean))
        .node(DataNodeConfig::with_default("summary_statistic_type", Statistic::Median))
        .task(TaskConfig::new(TASKS[0], preprocess_and_score).inputs(["path_to_data"]).outputs(["scored_df"]))
        .task(
            TaskConfig::new(TASKS[1], featurization_and_segmentation)
                .lazy(fused)
                .inputs(["scored_df", "payment_threshold", "score_threshold"])
                .outputs(["segmented_customer_df"]),
        )
        .task(
            TaskConfig::new(TASKS[2], segment_analysis)
                .inputs(["segmented_customer_df", "metric"])
                .outputs(["segment_result"]),
        )
        .task(
            TaskConfig::new(TASKS[3], high_value_cust_summary_statistics)
                .inputs(["segmented_customer_df", "segment_result", "summary_statistic_type"])
                .outputs(["high_value_summary_df"]),
        )
        .build()?)
}

/// What the scenario mode is asked to do.
pub(crate) struct Walkthrough<'a> {
    /// The customers file.
    pub(crate) data: &'a Path,
    /// How many submits (1 to 4) to run.
    pub(crate) submits: usize,
    /// The store's options (the frame codec).
    pub(crate) options: StoreOptions,
    /// Collect garbage after the submits and print the store's size again.
    pub(crate) gc: bool,
    /// Task 2 declared `lazy`, so fused with task 1 (`--unfused` clears it).
    pub(crate) fused: bool,
    /// Where to keep the store (for the floors); a temporary folder removed at the end if none.
    pub(crate) store: Option<PathBuf>,
    /// Where to write each submit's outputs, for the table to compare with the floors'.
    pub(crate) dumps: Option<Dumps>,
}

/// Runs the walkthrough's submits, printing each one's time, peak memory and jobs, and checking
/// that it recomputed exactly the tasks of [`RECOMPUTES`].
pub(crate) fn run(walk: Walkthrough<'_>, anon: &AnonSampler) -> Result<(), BoxError> {
    let temporary = match &walk.store {
        Some(_) => None,
        None => Some(tempfile::tempdir_in(walk.data.parent().unwrap_or(Path::new(".")))?),
    };
    let store_dir = match (&walk.store, &temporary) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temp)) => temp.path().join("store"),
        (None, None) => unreachable!("a temporary folder is made when no store is given"),
    };
    println!("frame compression: {}", walk.options.frame_compression);
    let store = Store::open_with(&store_dir, walk.options)?;
    println!("fused submits: {}", if walk.fused { "on" } else { "off (--unfused)" });
    let scenario = Scenario::create(&store, &config(walk.data, walk.fused)?, SCENARIO)?;
    for submit in 1..=walk.submits.min(4) {
        match submit {
            2 => scenario.data_node::<f64>("payment_threshold")?.write(1600.0)?,
            3 => scenario.data_node::<Metric>("metric")?.write(Metric::Median)?,
            4 => scenario.data_node::<Statistic>("summary_statistic_type")?.write(Statistic::Max)?,
            _ => {}
        }
        anon.reset();
        let start = Instant::now();
        let submission = scenario.submit()?.wait()?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let peak_kb = anon.peak_kb();
        println!(
            "submit {submit} ({}): {ms:.0} ms, peak anonymous memory {} MB",
            CHANGES[submit - 1],
            peak_kb / 1000
        );
        for job in &submission.jobs {
            let job_ms = job.duration().map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
            println!("  {:<36} {:<10} {job_ms:>8.0} ms", job.task, format!("{:?}", job.status));
        }
        let recomputed = recomputed(&submission.jobs)?;
        if recomputed != RECOMPUTES[submit - 1] {
            return Err(format!(
                "submit {submit} recomputed tasks {recomputed:?}, its floor computes tasks {:?}",
                RECOMPUTES[submit - 1]
            )
            .into());
        }
        let tasks = recomputed.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
        report(&[
            ("phase", "submit".into()),
            ("n", submit.to_string()),
            ("ms", format!("{ms:.3}")),
            ("peak_kb", peak_kb.to_string()),
            ("recomputed", tasks),
        ]);
        if let Some(dumps) = &walk.dumps {
            let segments = scenario.data_node::<SegmentResult>("segment_result")?.read()?.0.collect()?;
            let summary =
                scenario.data_node::<HighValueSummary>("high_value_summary_df")?.read()?.0.collect()?;
            dumps.write("submit", submit, Some(segments), summary)?;
        }
    }
    print_usage("store after the submits", &store.disk_usage()?);
    if walk.gc {
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

/// The numbers (into [`TASKS`]) of the tasks whose jobs ran; an error if any job did neither
/// run nor skip.
fn recomputed(jobs: &[taipy::Job]) -> Result<Vec<usize>, BoxError> {
    let mut ran = Vec::new();
    for job in jobs {
        let number = TASKS.iter().position(|t| *t == job.task).ok_or("a job of an unknown task")? + 1;
        match job.status {
            JobStatus::Completed => ran.push(number),
            JobStatus::Skipped => {}
            other => return Err(format!("the job of task {number} ended {other:?}").into()),
        }
    }
    ran.sort_unstable();
    Ok(ran)
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
