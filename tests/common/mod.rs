//! A small pipeline shaped like the tutorial's customer analysis, on plain serde values, shared by
//! the integration tests.
// Task inputs are references to the stored types (`&[f64]`, `&String`), not slices.
#![allow(dead_code, unreachable_pub, clippy::ptr_arg)]

pub mod child;

use std::path::Path;
use std::sync::Arc;

use taipy::prelude::*;
use taipy::{JobStatus, Reason, StoreCx, StoreError, Stored, SubmissionReport};

/// Reads one number per line (after a header) from the CSV and scores it.
pub fn score(path: &CsvFile) -> Result<Vec<f64>, std::io::Error> {
    let text = std::fs::read_to_string(path.path())?;
    let mut scores = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let value: f64 =
            line.trim().parse().map_err(|e| std::io::Error::other(format!("line {}: {e}", n + 1)))?;
        scores.push(value / 10.0);
    }
    if let Ok(ms) = std::env::var("TAIPY_TEST_SLOW_SCORE_MS") {
        std::thread::sleep(std::time::Duration::from_millis(ms.parse().unwrap()));
    }
    Ok(scores)
}

/// Segments: (score, high spender, high value).
pub fn segment(scored: &[f64], payment_threshold: &f64, score_threshold: &f64) -> Vec<(f64, bool, bool)> {
    if let Ok(marker) = std::env::var("TAIPY_TEST_HANG_IN_SEGMENT") {
        std::fs::write(&marker, b"started").unwrap();
        std::thread::sleep(std::time::Duration::from_secs(120));
    }
    scored.iter().map(|&s| (s, s * 1000.0 > *payment_threshold, s > *score_threshold)).collect()
}

/// Aggregates high-value scores with the metric ("mean" or "max").
pub fn analyse(segmented: &[(f64, bool, bool)], metric: &str) -> f64 {
    let high: Vec<f64> = segmented.iter().filter(|r| r.2).map(|r| r.0).collect();
    match metric {
        "max" => high.iter().cloned().fold(f64::MIN, f64::max),
        _ => high.iter().sum::<f64>() / high.len().max(1) as f64,
    }
}

/// Summarises, reading both the segmented rows and the analysis.
pub fn summarise(segmented: &[(f64, bool, bool)], result: &f64, statistic: &str) -> String {
    let spenders = segmented.iter().filter(|r| r.1).count();
    format!("{statistic}: {result:.4} over {} rows, {spenders} high spenders", segmented.len())
}

/// A changed segment task: high value from the threshold included.
pub fn segment_inclusive(
    scored: &[f64],
    payment_threshold: &f64,
    score_threshold: &f64,
) -> Vec<(f64, bool, bool)> {
    scored.iter().map(|&s| (s, s * 1000.0 > *payment_threshold, s >= *score_threshold - 0.5)).collect()
}

/// The signature of the segment task.
pub type SegmentFn = fn(&[f64], &f64, &f64) -> Vec<(f64, bool, bool)>;

/// The tutorial-shaped config: score → segment → analyse, and summarise reads segment and
/// analyse.
pub fn config(csv: &Path) -> Arc<ScenarioConfig> {
    config_with(csv, segment, 0)
}

/// The same with another segment function; `segment_version` salts its code fingerprint.
pub fn config_with(csv: &Path, segment: SegmentFn, segment_version: u64) -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("tutorial")
        .node(DataNodeConfig::with_default("path_to_data", CsvFile::new(csv)))
        .node(DataNodeConfig::with_default("payment_threshold", 1000.0f64))
        .node(DataNodeConfig::with_default("score_threshold", 1.5f64))
        .node(DataNodeConfig::with_default("metric", "mean".to_string()))
        .node(DataNodeConfig::with_default("summary_statistic_type", "median".to_string()))
        .task(TaskConfig::new("score", score).inputs(["path_to_data"]).outputs(["scored"]))
        .task(
            TaskConfig::new("segment", segment)
                .inputs(["scored", "payment_threshold", "score_threshold"])
                .outputs(["segmented"])
                .version(segment_version),
        )
        .task(TaskConfig::new("analyse", analyse).inputs(["segmented", "metric"]).outputs(["segment_result"]))
        .task(
            TaskConfig::new("summarise", summarise)
                .inputs(["segmented", "segment_result", "summary_statistic_type"])
                .outputs(["summary"]),
        )
        .sequence("analysis", ["analyse", "summarise"])
        .build()
        .expect("valid config")
}

/// Writes a CSV of `values` under a header.
pub fn write_csv(path: &Path, values: &[f64]) {
    let mut text = String::from("amount\n");
    for v in values {
        text.push_str(&format!("{v}\n"));
    }
    std::fs::write(path, text).unwrap();
}

pub const VALUES: [f64; 6] = [5.0, 12.0, 18.0, 25.0, 40.0, 9.0];

/// "task=Status" for each job, in task order, e.g. `["score=Skipped", "segment=Completed"]`.
pub fn statuses(report: &SubmissionReport) -> Vec<String> {
    report.jobs.iter().map(|j| format!("{}={:?}", j.task, j.status)).collect()
}

/// The reason recorded for a task's job.
pub fn reason(report: &SubmissionReport, task: &str) -> Reason {
    report.job(task).and_then(|j| j.reason.clone()).expect("a reason")
}

pub fn status(report: &SubmissionReport, task: &str) -> JobStatus {
    report.job(task).expect("a job").status
}

/// A value kept in an artifact file rather than in the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Blob(pub Vec<u8>);

impl DataValue for Blob {
    fn store(&self, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        let writer = cx.new_artifact("blob")?;
        std::fs::write(writer.path(), &self.0)
            .map_err(|e| StoreError::Encode { type_name: "Blob", reason: e.to_string() })?;
        writer.finish()
    }

    fn load(stored: &Stored, cx: &StoreCx<'_>) -> Result<Self, StoreError> {
        let path = cx.open_artifact(&stored.payload)?.expect("an artifact");
        std::fs::read(&path)
            .map(Blob)
            .map_err(|e| StoreError::Decode { type_name: "Blob", reason: format!("{}: {e}", path.display()) })
    }
}
