//! The small pipeline the storage-kind tests run (n → rows → total), with its row type and the
//! helpers that submit it and name each job's status. Included with `#[path]` by
//! tests/storage_kinds.rs, storage_services.rs, storage_append.rs and storage_generic.rs.
#![allow(dead_code)]

use std::sync::Arc;

use taipy::prelude::*;
use taipy::{Storage, SubmissionReport};

/// A serde row: what the file and SQL kinds hold as a table.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Row {
    pub(crate) name: String,
    pub(crate) score: f64,
    pub(crate) count: i64,
}

/// `n` rows: `r0, r1 ...`, scores 0, 0.5 ..., counts 0, 10 ...
pub(crate) fn rows(n: &i64) -> Vec<Row> {
    (0..*n).map(|i| Row { name: format!("r{i}"), score: i as f64 * 0.5, count: i * 10 }).collect()
}

/// The sum of the rows' counts.
#[allow(clippy::ptr_arg)] // a task reads its input as `&T` of the node's type
pub(crate) fn total(rows: &Vec<Row>) -> i64 {
    rows.iter().map(|r| r.count).sum()
}

/// Config `id`: n → rows (stored by `storage`) → total.
pub(crate) fn config(id: &str, storage: Storage) -> Arc<ScenarioConfig> {
    ScenarioConfig::builder(id)
        .node(DataNodeConfig::with_default("n", 3i64))
        .node(DataNodeConfig::new::<Vec<Row>>("rows").with_storage(storage).unwrap())
        .task(TaskConfig::new("make_rows", rows).inputs(["n"]).outputs(["rows"]).skippable(true))
        .task(TaskConfig::new("sum", total).inputs(["rows"]).outputs(["total"]).skippable(true))
        .build()
        .unwrap()
}

/// Each job as `task=Status`.
pub(crate) fn statuses(report: &SubmissionReport) -> Vec<String> {
    report.jobs.iter().map(|j| format!("{}={:?}", j.task, j.status)).collect()
}

/// Submits `scenario`, waits, and names each job's status.
pub(crate) fn submit(scenario: &Scenario) -> Vec<String> {
    statuses(&scenario.submit().unwrap().wait().unwrap())
}

/// What [`config`]'s two tasks do on a first run, and on a re-run with nothing changed.
pub(crate) const RAN: [&str; 2] = ["make_rows=Completed", "sum=Completed"];
pub(crate) const SKIPPED: [&str; 2] = ["make_rows=Skipped", "sum=Skipped"];
