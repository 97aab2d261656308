//! Tests: what one job of a submit costs the catalog, the records written and read per job,
//! as the in-memory catalog counts them (the time they take is measured by
//! `benches/orchestration.rs`).

use crate::job::Reason;
use crate::orchestrator::SubmissionReport;
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

/// What `act` returned, and what it asked of `store`'s catalog.
fn counted<T>(store: &Store, act: impl FnOnce() -> T) -> (T, Counts) {
    let before = store.catalog_counts();
    let out = act();
    (out, store.catalog_counts().since(&before))
}

/// `scenario`'s submission, waited for, with what it asked of `store`'s catalog.
fn submitted(store: &Store, scenario: &Scenario) -> (SubmissionReport, Counts) {
    counted(store, || scenario.submit().unwrap().wait().unwrap())
}

/// A store in memory holding a scenario of a chain of `n` tasks, submitted once.
fn submitted_once(n: usize) -> (Store, Scenario) {
    let store = Store::in_memory(StoreOptions::development()).unwrap();
    let scenario = Scenario::create(&store, &chain(n), "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    (store, scenario)
}

/// The catalog work of a first submit of a chain of `n` tasks and of its fully skipped
/// re-submit.
fn first_and_skipped(n: usize) -> (Counts, Counts) {
    let store = Store::in_memory(StoreOptions::development()).unwrap();
    let scenario = Scenario::create(&store, &chain(n), "s").unwrap();
    let (report, first) = submitted(&store, &scenario);
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report}");
    let (report, skipped) = submitted(&store, &scenario);
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{report}");
    (first, skipped)
}

/// Records written per job beyond the submission's own (its record, index entries and
/// unfinished mark: at most 4).
fn per_job(counts: &Counts, n: usize) -> f64 {
    counts.total_writes().saturating_sub(4) as f64 / n as f64
}

/// Old main (format 6): every job that ran rewrote its output node's record beside the new
/// version, 6 records per job. Now the version alone: the job's two records (Running, then
/// its end), the version and the memo entry (its task's last run is written with its
/// submission's others, at its end: `store/runs.rs`).
#[test]
fn a_job_that_runs_writes_its_output_version_without_the_nodes_record() {
    let n = 50;
    let (first, _) = first_and_skipped(n);
    assert_eq!(first.written("data node"), 0, "{first:?}");
    assert_eq!(first.written("version"), n as u64, "{first:?}");
    assert!(per_job(&first, n) <= 5.0, "{} records per job: {first:?}", per_job(&first, n));
}

/// Old main: a fully skipped job read the memo entry of its key. Now its task's last run in the
/// scenario records the result it left in the outputs, so a job deciding as its last run did
/// reads that record and no memo entry (its output's state is in memory, as its input's is).
#[test]
fn a_job_skipped_as_its_last_run_reads_no_memo_entry() {
    let n = 50;
    let (_, skipped) = first_and_skipped(n);
    assert_eq!(skipped.got("memo entry"), 0, "{skipped:?}");
    assert!(skipped.total_reads() as usize <= n, "{skipped:?}");
}

/// Old main: every job that may run read its memo key from the catalog, finding nothing on a
/// first run (a sled read, ~9 µs, for nothing). Now the store keeps which keys the catalog
/// holds (`store/memo_keys.rs`), listed with one scan by the first lookup.
#[test]
fn a_first_run_reads_no_memo_entry() {
    let n = 50;
    let (first, _) = first_and_skipped(n);
    assert_eq!((first.got("memo entry"), first.scanned("memo entry")), (0, 1), "{first:?}");
    assert_eq!(first.written("memo entry"), n as u64, "{first:?}");
}

/// The results a first run remembers are found without a catalog read for the keys it does not
/// hold: an input back to its first value is skipped through the memo table (the entries this
/// handle staged), and a new scenario of the same config reuses them after a reopen (the
/// entries the scan finds).
#[test]
fn results_remembered_before_and_after_the_filter_is_built_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let config = chain(3);
    {
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        scenario.submit().unwrap().wait().unwrap();
        let n0 = scenario.data_node::<u64>("n0").unwrap();
        n0.write(10).unwrap();
        let report = scenario.submit().unwrap().wait().unwrap();
        assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report}");
        n0.write(0).unwrap();
        let report = scenario.submit().unwrap().wait().unwrap();
        let reused = report.jobs.iter().filter(|j| matches!(j.reason, Some(Reason::Reused { .. })));
        assert_eq!(reused.count(), 3, "{report}");
    }
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let report = Scenario::create(&store, &config, "t").unwrap().submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.reason == Some(Reason::ReusedElsewhere)), "{report}");
}

/// Old main: a first submit read each node's state when it started, a catalog read and a
/// reverse scan per node, finding nothing for a new scenario's nodes. Now creating a scenario
/// tells the node table its nodes without a first value have nothing (`nodes.rs` tests that
/// the state it is told is the one it would read).
#[test]
fn a_first_submit_of_a_new_scenario_reads_no_node_state() {
    let (first, _) = first_and_skipped(50);
    assert_eq!((first.got("data node"), first.scanned("version")), (0, 0), "{first:?}");
}

/// The result a last run left is used only while the outputs hold it: an output a user wrote
/// since is put back from the memo table (as before), the producer is skipped and its readers
/// find their input as it was.
#[test]
fn an_output_written_since_the_last_run_is_restored_from_the_memo_table() {
    let (store, scenario) = submitted_once(2);
    scenario.data_node::<u64>("n1").unwrap().write(99).unwrap();
    let (report, counts) = submitted(&store, &scenario);
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{report}");
    assert_eq!(scenario.data_node::<u64>("n1").unwrap().read().unwrap(), 1);
    assert_eq!(scenario.data_node::<u64>("n2").unwrap().read().unwrap(), 2);
    assert_eq!(scenario.data_node::<u64>("n1").unwrap().history().unwrap().len(), 3);
    assert_eq!(counts.got("memo entry"), 1, "{counts:?}");
}

/// A task's last run recorded without its result (format 7 and older) is decided through the
/// memo table, as before, and recorded anew with its result: the next re-submit reads no memo
/// entry.
#[test]
fn a_last_run_recorded_without_its_result_is_decided_through_the_memo_table_once() {
    let n = 5;
    let (store, scenario) = submitted_once(n);
    // Rewrite each last run as an older taipy wrote it: the run alone.
    assert_eq!(store.forget_run_results(scenario.id()).unwrap(), n);
    let skipped = |store: &Store| {
        let (report, counts) = submitted(store, &scenario);
        assert!(report.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{report}");
        counts
    };
    let upgraded = skipped(&store);
    assert_eq!(upgraded.got("memo entry"), n as u64, "{upgraded:?}");
    assert_eq!(upgraded.written("task runs"), 1, "{upgraded:?}");
    let again = skipped(&store);
    assert_eq!(again.got("memo entry"), 0, "{again:?}");
    assert_eq!(again.written("task runs"), 0, "{again:?}");
}

/// Old main: deciding a job read its task's last run in the scenario, a read per job (finding
/// none on a first submit). Now a submission reads them with one scan when it starts, of
/// the scenario's run sets (`store/runs.rs`): one set after a first submission.
#[test]
fn a_submission_reads_its_tasks_last_runs_with_one_scan() {
    let n = 50;
    let (first, skipped) = first_and_skipped(n);
    for counts in [&first, &skipped] {
        assert_eq!((counts.got("task runs"), counts.scanned("task runs")), (0, 1), "{counts:?}");
    }
    assert_eq!(skipped.total_reads(), 1, "a fully skipped re-run reads one scan: {skipped:?}");

    let (store, scenario) = submitted_once(n);
    let (_, one) =
        counted(&store, || scenario.submit_task("t1", SubmitOptions::default()).unwrap().wait().unwrap());
    assert_eq!((one.got("task runs"), one.scanned("task runs")), (0, 1), "{one:?}");
}

/// Old main (format 9): every job of a first run wrote its task's last run in its commit
/// group, with its status, output version and memo entry. Now a submission's jobs' last runs
/// are one record, written at its end (`store/runs.rs`).
#[test]
fn a_first_run_writes_its_last_runs_in_one_record() {
    for n in [10, 60] {
        let (first, _) = first_and_skipped(n);
        assert_eq!(first.written("task runs"), 1, "{first:?}");
        assert_eq!(
            (first.written("version"), first.written("memo entry")),
            (n as u64, n as u64),
            "{first:?}"
        );
    }
}

/// Old main: a task's last run that could not be decoded failed its job, and every later
/// submission of the task, forced or not. A last run only explains a decision (the memo table
/// makes it), so now a damaged one is reported and the job decides without it: it skips
/// through the memo table and records its run anew. The last runs a submission reads together
/// (kept as their records' bytes, read in place) behave so too.
#[test]
fn a_damaged_last_run_is_reported_and_the_job_decides_without_it() {
    let n = 6;
    let (store, scenario) = submitted_once(n);
    let damage = |task: &'static str| {
        let damaged = |t: &str, run: &[u8]| if t == task { vec![9, 9, 9] } else { run.to_vec() };
        store.rewrite_last_runs(scenario.id(), damaged).unwrap();
    };
    damage("t3");
    let report = scenario.submit().unwrap().wait().unwrap();
    let reason = |report: &SubmissionReport, task: &str| {
        let job = report.jobs.iter().find(|j| j.task == task).unwrap();
        (job.status, job.reason.clone())
    };
    assert_eq!(reason(&report, "t3"), (JobStatus::Skipped, Some(Reason::ReusedElsewhere)), "{report}");
    let others = (1..=n).filter(|&i| i != 3).map(|i| reason(&report, &format!("t{i}")));
    assert!(others.into_iter().all(|r| r == (JobStatus::Skipped, Some(Reason::Unchanged))), "{report}");
    let unreadable = store.unreadable_records();
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    let named = format!("{}/t3", scenario.id());
    assert_eq!((unreadable[0].what, unreadable[0].key.as_str()), ("task run", named.as_str()));
    assert!(unreadable[0].reason.contains("unknown record format 9"), "{unreadable:?}");

    // Its run was recorded anew: the next submit finds every task as it last ran.
    let report = scenario.submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.reason == Some(Reason::Unchanged)), "{report}");

    // A submission of the one task decides without it too, and a forced one runs it.
    damage("t5");
    let report = scenario.submit_task("t5", SubmitOptions::new()).unwrap().wait().unwrap();
    assert_eq!(reason(&report, "t5"), (JobStatus::Skipped, Some(Reason::ReusedElsewhere)), "{report}");
    damage("t5");
    let report = scenario.submit_task("t5", SubmitOptions::new().force(true)).unwrap().wait().unwrap();
    assert_eq!(reason(&report, "t5"), (JobStatus::Completed, Some(Reason::Forced)), "{report}");
    let report = scenario.submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.reason == Some(Reason::Unchanged)), "{report}");
}

/// Old main: each job's output node, never written before, was found through its scenario's
/// owner entry, a scan per job. Now a submission reads its nodes' states together when it
/// starts, and the nodes of its scenario share one owner lookup. (A new scenario's nodes are
/// in memory already, unless the node table has no room for them, as here, or another process
/// created it: `a_first_submit_of_a_new_scenario_reads_no_node_state`.)
#[test]
fn a_first_submit_looks_its_scenario_owner_up_once() {
    let store = Store::in_memory(StoreOptions::development().with_node_cache(1)).unwrap();
    let scenario = Scenario::create(&store, &chain(50), "s").unwrap();
    let (_, first) = submitted(&store, &scenario);
    assert_eq!(first.scanned("owner index entry"), 1, "{first:?}");
    assert_eq!(first.got("data node"), 50, "{first:?}");
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
    // The submission's record and index entry, its unfinished mark set and cleared (one write
    // when both land in one batch of the writer thread), and the skipped jobs' record.
    for counts in [&few, &many] {
        assert_eq!(counts.written("skipped jobs"), 1, "{counts:?}");
        assert!(counts.total_writes() <= 5, "{counts:?}");
    }
}
