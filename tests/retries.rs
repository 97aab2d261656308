//! Retries and timeouts per task: attempts, the final failure, memoization of a success on a
//! retry, and a timed-out job that fails at its deadline while its function runs on.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taipy::prelude::*;
use taipy::{Attempt, Job, JobStatus, Reason, StoreError, SubmitOptions};

fn modes() -> [StoreOptions; 2] {
    [StoreOptions::standalone(2), StoreOptions::development()]
}

/// A task failing its first `failures` calls (an error, then panics), counted in `calls`.
fn flaky(failures: u32, calls: Arc<AtomicU32>) -> TaskConfig {
    TaskConfig::new("flaky", move |x: &i64| -> Result<i64, std::io::Error> {
        let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call <= failures {
            if call.is_multiple_of(2) {
                panic!("flaky call {call} panicked");
            }
            return Err(std::io::Error::other(format!("flaky call {call} failed")));
        }
        Ok(x * 2)
    })
    .inputs(["x"])
    .outputs(["y"])
}

fn pipeline(task: TaskConfig) -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("retrying")
        .node(DataNodeConfig::with_default("x", 21i64))
        .task(task)
        .task(TaskConfig::new("after", |y: &i64| y + 1).inputs(["y"]).outputs(["z"]))
        .build()
        .unwrap()
}

/// The status changes of task `flaky` told to the callback, with the job's attempt.
type Seen = Arc<Mutex<Vec<(JobStatus, Option<Attempt>)>>>;

/// Options recording the status changes of task `flaky`.
fn recorder() -> (Seen, SubmitOptions) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let options = SubmitOptions::new().on_status(move |job: &Job| {
        if job.task == "flaky" {
            sink.lock().unwrap().push((job.status, job.attempt.clone()));
        }
    });
    (seen, options)
}

fn attempt(number: u32, of: u32, failures: usize) -> impl Fn(&Option<Attempt>) -> bool {
    move |a| a.as_ref().is_some_and(|a| (a.number, a.of, a.failures.len()) == (number, of, failures))
}

#[test]
fn a_failing_task_is_retried_and_a_success_on_retry_is_remembered() {
    for options in modes() {
        let store = Store::temporary_with(options).unwrap();
        let calls = Arc::new(AtomicU32::new(0));
        let config = pipeline(flaky(2, Arc::clone(&calls)).retries(2));
        let s = Scenario::create(&store, &config, "r").unwrap();
        let (seen, options) = recorder();
        let report = s.submit_with(options).unwrap().wait().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let job = report.job("flaky").unwrap();
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(job.reason, Some(Reason::FirstRun));
        let a = job.attempt.clone().unwrap();
        assert_eq!(a.to_string(), "attempt 3 of 3");
        let failures: Vec<String> = a.failures.iter().map(ToString::to_string).collect();
        assert_eq!(failures[0], "flaky call 1 failed");
        // A panic names the task's file and line.
        assert!(failures[1].starts_with("panicked at tests/retries.rs:"), "{}", failures[1]);
        assert!(failures[1].ends_with(": flaky call 2 panicked"), "{}", failures[1]);
        assert_eq!(failures.len(), 2);
        // Every attempt was visible while it ran.
        let seen = seen.lock().unwrap().clone();
        let running: Vec<&Option<Attempt>> =
            seen.iter().filter(|(s, _)| *s == JobStatus::Running).map(|(_, a)| a).collect();
        assert_eq!(running.len(), 3, "{seen:?}");
        assert!(attempt(1, 3, 0)(running[0]) && attempt(2, 3, 1)(running[1]) && attempt(3, 3, 2)(running[2]));
        // The record in the store says so too, and the result is remembered like any other.
        assert_eq!(store.job(&job.id).unwrap().attempt, job.attempt);
        assert_eq!(s.data_node::<i64>("z").unwrap().read().unwrap(), 43);
        let again = s.submit().unwrap().wait().unwrap();
        assert_eq!(again.job("flaky").unwrap().status, JobStatus::Skipped);
        assert_eq!(calls.load(Ordering::SeqCst), 3, "a skipped job calls nothing");
    }
}

#[test]
fn the_last_failure_is_reported_after_every_attempt() {
    for options in modes() {
        let store = Store::temporary_with(options).unwrap();
        let calls = Arc::new(AtomicU32::new(0));
        let config = pipeline(flaky(10, Arc::clone(&calls)).retries(2));
        let s = Scenario::create(&store, &config, "r").unwrap();
        let submission = s.submit().unwrap();
        let message = submission.wait().unwrap_err().to_string();
        assert!(message.contains("task `flaky`: flaky call 3 failed"), "{message}");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let report = submission.report();
        let job = report.job("flaky").unwrap();
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(job.attempt.as_ref().unwrap().to_string(), "attempt 3 of 3");
        assert_eq!(job.attempt.as_ref().unwrap().failures.len(), 2);
        assert_eq!(report.job("after").unwrap().status, JobStatus::Abandoned);
    }
}

#[test]
fn a_task_without_retries_runs_once_and_records_no_attempt() {
    let store = Store::temporary().unwrap();
    let calls = Arc::new(AtomicU32::new(0));
    let s = Scenario::create(&store, &pipeline(flaky(1, Arc::clone(&calls))), "r").unwrap();
    let submission = s.submit().unwrap();
    assert!(submission.wait().is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(submission.report().job("flaky").unwrap().attempt, None);
}

/// A value whose drop is told to the test: the end of the late result of a timed-out task.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Late(i64);
taipy::serde_value!(Late);

static LATE_DROPPED: Mutex<Option<mpsc::Sender<()>>> = Mutex::new(None);

/// The value the stuck task returns: only its drop is signalled (the store also builds and drops
/// `Late` values of its own, e.g. when it traces the type's layout).
const LATE_MARK: i64 = 424_242;

impl Drop for Late {
    fn drop(&mut self) {
        if self.0 != LATE_MARK {
            return;
        }
        if let Some(sender) = LATE_DROPPED.lock().unwrap().as_ref() {
            let _ = sender.send(());
        }
    }
}

#[test]
fn a_timed_out_job_fails_at_its_deadline_and_its_late_result_is_discarded() {
    for options in modes() {
        let (release, released) = mpsc::channel::<()>();
        let released = Mutex::new(released);
        let returned = Arc::new(AtomicBool::new(false));
        let returned_in_task = Arc::clone(&returned);
        let calls = Arc::new(AtomicU32::new(0));
        let counted = Arc::clone(&calls);
        let stuck = TaskConfig::new("stuck", move |x: &i64| {
            counted.fetch_add(1, Ordering::SeqCst);
            // Waits for the test (a bound only so a broken build fails instead of hanging).
            let _ = released.lock().unwrap().recv_timeout(Duration::from_secs(60));
            returned_in_task.store(true, Ordering::SeqCst);
            Late(*x)
        })
        .inputs(["x"])
        .outputs(["late"])
        .timeout(Duration::from_millis(50));
        let config = ScenarioConfig::builder("timing")
            .node(DataNodeConfig::with_default("x", LATE_MARK))
            .task(stuck)
            .task(TaskConfig::new("after", |l: &Late| l.0).inputs(["late"]).outputs(["y"]))
            .task(TaskConfig::new("independent", |x: &i64| x + 1).inputs(["x"]).outputs(["z"]))
            .build()
            .unwrap();
        let store = Store::temporary_with(options).unwrap();
        let s = Scenario::create(&store, &config, "t").unwrap();
        let (dropped, late_dropped) = mpsc::channel();
        *LATE_DROPPED.lock().unwrap() = Some(dropped);

        let submission = s.submit().unwrap();
        let message = submission.wait().unwrap_err().to_string();
        // wait() returned while the function is still blocked.
        assert!(!returned.load(Ordering::SeqCst), "wait returned only when the function did");
        assert!(message.contains("task `stuck`: timed out after 50ms"), "{message}");
        let report = submission.report();
        let job = report.job("stuck").unwrap().clone();
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(job.reason, Some(Reason::TimedOut { after: Duration::from_millis(50) }));
        assert_eq!(job.reason.as_ref().unwrap().to_string(), "timed out after 50ms");
        assert_eq!(report.job("after").unwrap().status, JobStatus::Abandoned);
        assert_eq!(report.job("independent").unwrap().status, JobStatus::Completed);

        // Let the function return; once its value is dropped nothing can store it any more.
        release.send(()).unwrap();
        late_dropped.recv_timeout(Duration::from_secs(60)).expect("the late value is dropped");
        assert!(returned.load(Ordering::SeqCst));
        let err = s.data_node::<Late>("late").unwrap().read().unwrap_err();
        assert!(matches!(err, StoreError::NeverWritten { .. }), "{err}");
        let stored = store.job(&job.id).unwrap();
        assert_eq!((stored.status, stored.reason), (JobStatus::Failed, job.reason.clone()));
        assert_eq!(calls.load(Ordering::SeqCst), 1, "no attempt without retries");
        *LATE_DROPPED.lock().unwrap() = None;
    }
}

#[test]
fn each_attempt_has_the_whole_timeout_and_a_timed_out_attempt_is_retried() {
    let calls = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&calls);
    let (_keep_blocked, blocked) = mpsc::channel::<()>();
    let blocked = Mutex::new(blocked);
    let task = TaskConfig::new("flaky", move |x: &i64| {
        if counted.fetch_add(1, Ordering::SeqCst) == 0 {
            // The first attempt hangs until the test ends.
            let _ = blocked.lock().unwrap().recv_timeout(Duration::from_secs(60));
        }
        x * 2
    })
    .inputs(["x"])
    .outputs(["y"])
    .retries(1)
    .timeout(Duration::from_millis(50));
    let store = Store::temporary().unwrap();
    let s = Scenario::create(&store, &pipeline(task), "t").unwrap();
    let report = s.submit().unwrap().wait().unwrap();
    let job = report.job("flaky").unwrap();
    assert_eq!(job.status, JobStatus::Completed);
    let a = job.attempt.as_ref().unwrap();
    assert_eq!(a.to_string(), "attempt 2 of 2");
    assert!(a.failures[0].message.starts_with("timed out after 50ms"), "{:?}", a.failures);
    assert_eq!(s.data_node::<i64>("z").unwrap().read().unwrap(), 43);
}

static MACRO_CALLS: AtomicU32 = AtomicU32::new(0);

/// Fails its first call.
#[task(retries = 2, timeout = "30s")]
fn flaky_macro_task(x: &i64) -> Result<i64, std::io::Error> {
    if MACRO_CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
        return Err(std::io::Error::other("first call fails"));
    }
    Ok(x + 1)
}

scenario! {
    Patient {
        x: i64 = 1,
        y = flaky_macro_task(x),
    }
}

#[test]
fn task_options_set_retries_and_timeout() {
    let config = taipy::registry::task("flaky_macro_task").unwrap().task_config("t");
    assert_eq!((config.retry_count(), config.timeout_limit()), (2, Some(Duration::from_secs(30))));

    let store = Store::temporary().unwrap();
    let s = Patient::create(&store, "p").unwrap();
    let report = s.submit().unwrap().wait().unwrap();
    let job = &report.jobs[0];
    assert_eq!(job.attempt.as_ref().unwrap().to_string(), "attempt 2 of 3");
    assert_eq!(s.y().read().unwrap(), 2);
}
