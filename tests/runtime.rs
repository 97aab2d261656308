//! Failures, cancellation, waiting, parallelism and status callbacks of the orchestrator.

mod common;

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use common::statuses;
use taipy::prelude::*;
use taipy::{JobStatus, Reason, SubmitError};

/// A gate tasks can wait on until the test opens it.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
    fn wait(&self) {
        let mut open = self.0.0.lock().unwrap();
        while !*open {
            open = self.0.1.wait(open).unwrap();
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot load the ledger")]
struct LedgerError(#[source] std::io::Error);

#[test]
fn a_panic_fails_its_job_abandons_dependants_and_spares_independent_branches() {
    let config = ScenarioConfig::builder("diamond")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(TaskConfig::new("root", |x: &i64| *x).inputs(["x"]).outputs(["a"]))
        .task(
            TaskConfig::new("boom", |_: &i64| -> i64 { panic!("division by zero in boom") })
                .inputs(["a"])
                .outputs(["b"]),
        )
        .task(TaskConfig::new("fine", |a: &i64| a + 1).inputs(["a"]).outputs(["c"]))
        .task(TaskConfig::new("join", |b: &i64, c: &i64| b + c).inputs(["b", "c"]).outputs(["d"]))
        .task(
            TaskConfig::new("ledger", |_: &i64| -> Result<i64, LedgerError> {
                Err(LedgerError(std::io::Error::other("disk on fire")))
            })
            .inputs(["x"])
            .outputs(["e"]),
        )
        .task(TaskConfig::new("side", |x: &i64| x * 10).inputs(["x"]).outputs(["f"]))
        .build()
        .unwrap();
    for options in [StoreOptions::standalone(3), StoreOptions::development()] {
        let store = Store::temporary_with(options).unwrap();
        let s = Scenario::create(&store, &config, "d").unwrap();
        let submission = s.submit().unwrap();
        let err = submission.wait().unwrap_err();
        let message = err.to_string();
        let place = format!("task `boom`: panicked at {}:", file!());
        assert!(message.contains(&place), "{message}");
        assert!(message.contains(": division by zero in boom"), "{message}");
        assert!(message.ends_with("; abandoned: `join`"), "{message}");
        assert!(message.contains("task `ledger`: cannot load the ledger: disk on fire"), "{message}");

        let r = submission.report();
        let by_task = |t: &str| r.job(t).unwrap().clone();
        assert_eq!(by_task("root").status, JobStatus::Completed);
        assert_eq!(by_task("fine").status, JobStatus::Completed);
        assert_eq!(by_task("side").status, JobStatus::Completed);
        assert_eq!(by_task("boom").status, JobStatus::Failed);
        assert_eq!(by_task("ledger").status, JobStatus::Failed);
        assert_eq!(by_task("join").status, JobStatus::Abandoned);
        assert_eq!(by_task("join").reason, Some(Reason::Upstream { task: "boom".into() }));
        let boom = by_task("boom").error.unwrap();
        assert!(boom.panicked);
        // A backtrace only when `RUST_BACKTRACE` asks for one (see `orchestrator/execute.rs`);
        // the place always.
        assert!(boom.location.as_deref().is_some_and(|l| l.starts_with(file!())), "{boom:?}");
        let ledger = by_task("ledger").error.unwrap();
        assert_eq!(ledger.sources, ["disk on fire"]);

        // The failure is persisted, and the outputs the failed jobs held while running are free
        // again: a held node refuses writes.
        assert_eq!(store.job(&by_task("boom").id).unwrap().status, JobStatus::Failed);
        assert_eq!(store.job(&by_task("ledger").id).unwrap().status, JobStatus::Failed);
        for output in ["b", "e"] {
            s.data_node::<i64>(output).unwrap().write(0).unwrap();
        }
        // The store stays usable: a new submit runs what the new input changes.
        assert_eq!(s.data_node::<i64>("f").unwrap().read().unwrap(), 10);
        s.data_node::<i64>("x").unwrap().write(2).unwrap();
        s.submit().unwrap().wait().unwrap_err();
        assert_eq!(s.data_node::<i64>("f").unwrap().read().unwrap(), 20);
    }
}

fn gated_config(gate: Gate) -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("gated")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(
            TaskConfig::new("slow", move |x: &i64| {
                gate.wait();
                *x
            })
            .inputs(["x"])
            .outputs(["a"]),
        )
        .task(TaskConfig::new("after_slow", |a: &i64| a + 1).inputs(["a"]).outputs(["b"]))
        .task(TaskConfig::new("other", |x: &i64| x + 2).inputs(["x"]).outputs(["c"]))
        .build()
        .unwrap()
}

#[test]
fn cancel_stops_jobs_that_have_not_started() {
    let gate = Gate::default();
    let store = Store::temporary_with(StoreOptions::standalone(1)).unwrap();
    let s = Scenario::create(&store, &gated_config(gate.clone()), "c").unwrap();
    let (running_tx, running_rx) = mpsc::channel();
    let running_tx = Mutex::new(running_tx);
    let submission = s
        .submit_with(SubmitOptions::new().on_status(move |job| {
            if job.status == JobStatus::Running {
                running_tx.lock().unwrap().send(job.task.clone()).unwrap();
            }
        }))
        .unwrap();
    // One worker: `slow` holds it, `other` waits in the queue, `after_slow` is blocked.
    assert_eq!(running_rx.recv_timeout(Duration::from_secs(10)).unwrap(), "slow");
    assert_eq!(submission.cancel(), 2);
    gate.open();
    let err = submission.wait().unwrap_err();
    assert!(matches!(err, SubmitError::Canceled { .. }), "{err}");
    assert_eq!(statuses(&submission.report()), ["slow=Completed", "after_slow=Canceled", "other=Canceled"]);
    // Nothing else ran afterwards.
    assert!(running_rx.try_recv().is_err());
}

#[test]
fn wait_timeout_returns_none_until_the_end() {
    let gate = Gate::default();
    let store = Store::temporary_with(StoreOptions::standalone(2)).unwrap();
    let s = Scenario::create(&store, &gated_config(gate.clone()), "w").unwrap();
    let submission = s.submit().unwrap();
    assert!(submission.wait_timeout(Duration::from_millis(50)).is_none());
    assert!(!submission.is_finished());
    gate.open();
    let report = submission.wait_timeout(Duration::from_secs(30)).expect("finished").unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed), ["slow", "after_slow", "other"]);
}

#[test]
fn independent_branches_overlap_in_time() {
    // Each branch waits until the other has started: they can only finish if they overlap.
    let started = Arc::new((Mutex::new(0usize), Condvar::new()));
    let branch = |started: Arc<(Mutex<usize>, Condvar)>| {
        move |x: &i64| -> Result<i64, String> {
            let (count, cv) = &*started;
            let mut n = count.lock().unwrap();
            *n += 1;
            cv.notify_all();
            let (n, timeout) = cv.wait_timeout_while(n, Duration::from_secs(10), |n| *n < 2).unwrap();
            if timeout.timed_out() {
                return Err(format!("branch ran alone ({} started)", *n));
            }
            Ok(*x)
        }
    };
    let config = ScenarioConfig::builder("wide")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(TaskConfig::new("left", branch(started.clone())).inputs(["x"]).outputs(["l"]))
        .task(TaskConfig::new("right", branch(started.clone())).inputs(["x"]).outputs(["r"]))
        .task(TaskConfig::new("join", |l: &i64, r: &i64| l + r).inputs(["l", "r"]).outputs(["j"]))
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::standalone(4)).unwrap();
    let s = Scenario::create(&store, &config, "p").unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), ["left", "right", "join"]);
}

#[test]
fn development_mode_runs_in_the_callers_thread() {
    let caller = std::thread::current().id();
    let config = ScenarioConfig::builder("dev")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(
            TaskConfig::new("where", move |_: &i64| std::thread::current().id() == caller)
                .inputs(["x"])
                .outputs(["same_thread"]),
        )
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config, "d").unwrap();
    let submission = s.submit().unwrap();
    assert!(submission.is_finished(), "development submits return when done");
    assert!(s.data_node::<bool>("same_thread").unwrap().read().unwrap());
}

#[test]
fn callbacks_see_every_status_change_in_order() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let config = ScenarioConfig::builder("chain")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(TaskConfig::new("first", |x: &i64| x + 1).inputs(["x"]).outputs(["y"]))
        .task(TaskConfig::new("second", |y: &i64| y + 1).inputs(["y"]).outputs(["z"]))
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::standalone(2)).unwrap();
    let s = Scenario::create(&store, &config, "cb").unwrap();
    let options =
        SubmitOptions::new().on_status(move |job| log.lock().unwrap().push((job.task.clone(), job.status)));
    s.submit_with(options.clone()).unwrap().wait().unwrap();
    let of = |task: &str| -> Vec<JobStatus> {
        seen.lock().unwrap().iter().filter(|(t, _)| t == task).map(|(_, s)| *s).collect()
    };
    use JobStatus::*;
    assert_eq!(of("first"), [Pending, Running, Completed]);
    assert_eq!(of("second"), [Blocked, Pending, Running, Completed]);
    seen.lock().unwrap().clear();
    s.submit_with(options).unwrap().wait().unwrap();
    assert_eq!(of("second"), [Blocked, Pending, Skipped]);
}

#[test]
fn data_nodes_keep_their_history_and_refuse_wrong_names_and_types() {
    let config = ScenarioConfig::builder("nodes")
        .node(DataNodeConfig::with_default("threshold", 1000.0f64))
        .node(DataNodeConfig::new::<String>("label"))
        .task(
            TaskConfig::new("label_it", |t: &f64, l: &String| format!("{l}{t}"))
                .inputs(["threshold", "label"])
                .outputs(["out"]),
        )
        .build();
    let err = config.unwrap_err();
    assert!(
        err.to_string().contains("data node `label` has neither a default value nor a task producing it")
    );

    let config = ScenarioConfig::builder("nodes")
        .node(DataNodeConfig::with_default("threshold", 1000.0f64))
        .task(TaskConfig::new("double", |t: &f64| t * 2.0).inputs(["threshold"]).outputs(["out"]))
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config, "q3 analysis").unwrap();
    let threshold = s.data_node::<f64>("threshold").unwrap();
    threshold.write_with_comment(1600.0, "more selective").unwrap();
    let history = threshold.history().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].writer, taipy::Writer::Default);
    assert_eq!(history[1].writer, taipy::Writer::User);
    assert_eq!(history[1].comment.as_deref(), Some("more selective"));
    assert_eq!(threshold.read_version(1).unwrap(), 1000.0);
    assert_eq!(threshold.read().unwrap(), 1600.0);

    let out = s.data_node::<f64>("out").unwrap();
    assert_eq!(
        out.read().unwrap_err().to_string(),
        "data node `out` of scenario `q3 analysis` has never been written"
    );
    s.submit().unwrap().wait().unwrap();
    assert_eq!(out.read().unwrap(), 3200.0);
    assert!(matches!(out.last_edit().unwrap().unwrap().writer, taipy::Writer::Job { .. }));

    let err = s.data_node::<String>("threshold").unwrap_err();
    assert_eq!(err.to_string(), "data node `threshold` holds `f64`, not `alloc::string::String`");
    let err = s.data_node::<f64>("treshold").unwrap_err();
    assert_eq!(
        err.to_string(),
        "scenario config `nodes` has no data node `treshold`; declared nodes: threshold, out"
    );
}

#[test]
fn scenarios_are_listed_and_found_by_name() {
    let config = ScenarioConfig::builder("cfg")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(TaskConfig::new("inc", |x: &i64| x + 1).inputs(["x"]).outputs(["y"]))
        .build()
        .unwrap();
    let store = Store::temporary().unwrap();
    let a = Scenario::create(&store, &config, "a").unwrap();
    let b = Scenario::create(&store, &config, "b").unwrap();
    let names: Vec<_> = store.scenarios().unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(Scenario::find(&store, &config, "b").unwrap().unwrap().id(), b.id());
    assert!(Scenario::find(&store, &config, "zzz").unwrap().is_none());
    // Each scenario has its own nodes.
    a.data_node::<i64>("x").unwrap().write(5).unwrap();
    assert_eq!(b.data_node::<i64>("x").unwrap().read().unwrap(), 1);
    let other = ScenarioConfig::builder("other").build().unwrap();
    let err = Scenario::open(&store, &other, a.id()).unwrap_err();
    assert!(err.to_string().contains("was created from config `cfg`, not `other`"), "{err}");
}

#[test]
fn a_store_reopens_at_once_after_a_parallel_submission_was_waited_for() {
    // Before `wait` released the pool's workers, a worker could still hold the store for a
    // moment after `wait` returned: reopening then failed with `AlreadyOpen` (1 time in 10).
    let dir = tempfile::tempdir().unwrap();
    let config = ScenarioConfig::builder("reopen")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(TaskConfig::new("a", |x: &i64| x + 1).inputs(["x"]).outputs(["y"]))
        .task(TaskConfig::new("b", |x: &i64| x * 2).inputs(["x"]).outputs(["z"]))
        .build()
        .unwrap();
    for round in 0..40i64 {
        let store = Store::open_with(dir.path(), StoreOptions::standalone(2)).unwrap();
        let scenario = match Scenario::find(&store, &config, "s").unwrap() {
            Some(s) => s,
            None => Scenario::create(&store, &config, "s").unwrap(),
        };
        scenario.data_node::<i64>("x").unwrap().write(round).unwrap();
        scenario.submit().unwrap().wait().unwrap();
        drop(scenario);
        drop(store);
    }
}
