//! Tests: what one job of a submit costs the catalog, the records written and read per job,
//! as the in-memory catalog counts them (the time they take is measured by
//! `benches/orchestration.rs`).

use crate::prelude::*;
use crate::store::CatalogCounts as Counts;

/// A chain of `n` trivial tasks: n0 → t1 → n1 → … → tn → nn.
fn chain(n: usize) -> std::sync::Arc<ScenarioConfig> {
    let mut builder = ScenarioConfig::builder("chain").node(DataNodeConfig::with_default("n0", 0u64));
    for i in 1..=n {
        builder = builder.task(
            TaskConfig::new(format!("t{i}"), |x: &u64| x + 1)
                .version(1)
                .inputs([format!("n{}", i - 1)])
                .outputs([format!("n{i}")]),
        );
    }
    builder.build().unwrap()
}

/// The catalog work of a first submit of a chain of `n` tasks and of its fully skipped
/// re-submit.
fn first_and_skipped(n: usize) -> (Counts, Counts) {
    let store = Store::in_memory(StoreOptions::development()).unwrap();
    let scenario = Scenario::create(&store, &chain(n), "s").unwrap();
    let before = store.catalog_counts();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report}");
    let after_first = store.catalog_counts();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{report}");
    let after_skipped = store.catalog_counts();
    (after_first.since(&before), after_skipped.since(&after_first))
}

/// Records written per job beyond the submission's own (its record, index entries and
/// unfinished mark: at most 4).
fn per_job(counts: &Counts, n: usize) -> f64 {
    counts.total_writes().saturating_sub(4) as f64 / n as f64
}

/// Old main (format 6): every job that ran rewrote its output node's record beside the new
/// version, 6 records per job. Now the version alone: the job's two records (Running, then
/// its end), the version, the memo entry and the task's last run.
#[test]
fn a_job_that_runs_writes_its_output_version_without_the_nodes_record() {
    let n = 50;
    let (first, _) = first_and_skipped(n);
    assert_eq!(first.written("data node"), 0, "{first:?}");
    assert_eq!(first.written("version"), n as u64, "{first:?}");
    assert!(per_job(&first, n) <= 5.0, "{} records per job: {first:?}", per_job(&first, n));
}

/// A fully skipped re-run reads two records per job (the memo entry and the task's last run):
/// its inputs' states are in memory.
#[test]
fn a_skipped_job_reads_two_records() {
    let n = 50;
    let (_, skipped) = first_and_skipped(n);
    assert!(skipped.total_reads() as usize <= 2 * n, "{skipped:?}");
}

/// Old main (format 7): a fully skipped re-run wrote one record per job, its Skipped status.
/// Now a job skipped without restoring anything writes nothing of its own: the submission's
/// end writes them all in one record (`store/skipped.rs`), so what a fully skipped re-run
/// writes does not grow with its jobs.
#[test]
fn a_fully_skipped_rerun_writes_a_constant_number_of_records() {
    let (_, few) = first_and_skipped(10);
    let (_, many) = first_and_skipped(60);
    assert_eq!(few.written("job"), 0, "{few:?}");
    assert_eq!(many.written("job"), 0, "{many:?}");
    assert_eq!(few.total_writes(), many.total_writes(), "10 jobs: {few:?}\n60 jobs: {many:?}");
    assert!(many.total_writes() <= 6, "{many:?}");
}
