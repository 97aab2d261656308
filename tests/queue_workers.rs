//! Jobs run by worker processes fed by the job queue on PostgreSQL (`Executor::Queue`).
//!
//! Workers are this test binary re-run in worker mode (`worker_process`, through the command
//! line's `worker` command, as a user's binary would run): the same tasks, configs built by the
//! same code. Each test works in a PostgreSQL database of its own (the queue library keeps its
//! tables in a schema of fixed name), dropped at the end. Outside CI the tests are skipped with
//! a printed reason when `TAIPY_TEST_POSTGRES` is unset (`eval "$(bash .ci/services.sh)"`).
//! Workers on object storage reach the S3-compatible server of tests/support/s3_server.rs,
//! which this process serves on a free port of 127.0.0.1.

mod common;
#[path = "support/postgres_server.rs"]
#[allow(unreachable_pub)]
mod postgres_server;
#[path = "support/s3_server.rs"]
#[allow(unreachable_pub)]
mod s3_server;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::Blob;
use common::child::{Child, this_test};
use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use taipy::prelude::*;
use taipy::{ArtifactsUrl, Executor, JobStatus, SubmitError, SubmitOptions, Version};

const MODE: &str = "TAIPY_QUEUE_TEST_MODE";
const QUEUE: &str = "TAIPY_QUEUE_TEST_URL";
const STORE: &str = "TAIPY_QUEUE_TEST_STORE";
/// Set: the worker's `--artifacts` URL (its credentials in the `AWS_*` variables).
const ARTIFACTS: &str = "TAIPY_QUEUE_TEST_ARTIFACTS";
/// The worker's config: `same`, `other-code` (task `measure` has another version) or
/// `missing-task` (no task `label`).
const VARIANT: &str = "TAIPY_QUEUE_TEST_VARIANT";
/// A folder: the tasks append `<task> <pid>` to `ran` in it; `hold` waits for `release` in it.
const LOG: &str = "TAIPY_QUEUE_TEST_LOG";
/// Set: task `hold` writes `started-<pid>` in the log folder and waits for `release`.
const HOLD: &str = "TAIPY_QUEUE_TEST_HOLD";

/// How long a test waits for anything before failing.
const PATIENCE: Duration = Duration::from_secs(60);

fn note(task: &str) {
    if let Ok(dir) = std::env::var(LOG) {
        use std::io::Write;
        let mut file =
            std::fs::OpenOptions::new().create(true).append(true).open(Path::new(&dir).join("ran")).unwrap();
        writeln!(file, "{task} {}", std::process::id()).unwrap();
    }
}

fn make_blob(x: &i64) -> Blob {
    note("make_blob");
    Blob(vec![*x as u8; 1000 + *x as usize])
}

fn measure(blob: &Blob, y: &i64) -> i64 {
    note("measure");
    blob.0.len() as i64 * y
}

fn label(measured: &i64) -> String {
    note("label");
    format!("measured {measured}")
}

/// Waits (in a worker, when asked to) until the test releases it.
fn hold(x: &i64) -> i64 {
    note("hold");
    if std::env::var_os(HOLD).is_some() {
        let dir = PathBuf::from(std::env::var(LOG).unwrap());
        std::fs::write(dir.join(format!("started-{}", std::process::id())), b"").unwrap();
        let start = Instant::now();
        while !dir.join("release").exists() {
            assert!(start.elapsed() < PATIENCE, "task hold was never released");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    x + 100
}

fn unlucky(x: &i64) -> Result<i64, std::io::Error> {
    note("unlucky");
    Err(std::io::Error::other(format!("no luck with {x}")))
}

/// x → make_blob → blob (an artifact) → measure (with y) → measured → label; x → hold → held.
fn pipeline(variant: &str) -> Arc<ScenarioConfig> {
    let mut builder = ScenarioConfig::builder("queued")
        .node(DataNodeConfig::with_default("x", 3i64))
        .node(DataNodeConfig::with_default("y", 5i64))
        .task(TaskConfig::new("make_blob", make_blob).inputs(["x"]).outputs(["blob"]))
        .task(
            TaskConfig::new("measure", measure)
                .inputs(["blob", "y"])
                .outputs(["measured"])
                .version(if variant == "other-code" { 7 } else { 0 }),
        )
        .task(TaskConfig::new("hold", hold).inputs(["x"]).outputs(["held"]));
    if variant != "missing-task" {
        builder = builder.task(TaskConfig::new("label", label).inputs(["measured"]).outputs(["label"]));
    }
    builder.build().unwrap()
}

/// A task that always fails, with two retries.
fn failing() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("failing")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(TaskConfig::new("unlucky", unlucky).inputs(["x"]).outputs(["never"]).retries(2))
        .build()
        .unwrap()
}

/// The worker's entry point: returns at once in a normal test run.
#[test]
fn worker_process() {
    let Ok(mode) = std::env::var(MODE) else { return };
    assert_eq!(mode, "worker");
    let variant = std::env::var(VARIANT).unwrap();
    let cli = taipy::cli::Cli::new().scenario(pipeline(&variant)).scenario(failing());
    let mut args = vec![
        "worker-test".to_owned(),
        "--store".to_owned(),
        std::env::var(STORE).unwrap(),
        "worker".to_owned(),
        "--queue".to_owned(),
        std::env::var(QUEUE).unwrap(),
        "--heartbeat-ms".to_owned(),
        "300".to_owned(),
    ];
    if let Ok(url) = std::env::var(ARTIFACTS) {
        args.extend(["--artifacts".to_owned(), url]);
    }
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    let code = cli.run_from(args, &mut out, &mut err);
    panic!("the worker stopped with code {code}");
}

/// A database of the test's own on the PostgreSQL of `TAIPY_TEST_POSTGRES`, dropped at the end.
struct QueueDb {
    admin: String,
    name: String,
    url: String,
}

impl QueueDb {
    /// `None` (after saying why) outside CI when `TAIPY_TEST_POSTGRES` is unset.
    fn create(test: &str) -> Option<Self> {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let admin = postgres_server::url()?;
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let name = format!("taipy_queue_{test}_{}_{n}", std::process::id());
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        Some(Self { admin, name, url })
    }
}

impl Drop for QueueDb {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// Worker processes, killed when the test ends.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in self.0.drain(..) {
            let _ = child.kill();
        }
    }
}

fn worker(db: &QueueDb, store: &Path, log: &Path, variant: &str, hold: bool) -> Child {
    let mut command = this_test("worker_process");
    command.env(MODE, "worker").env(QUEUE, &db.url).env(STORE, store).env(VARIANT, variant).env(LOG, log);
    if hold {
        command.env(HOLD, "1");
    }
    let mut child = Child::spawn(command, log);
    child.wait_for_output("runs jobs of");
    child
}

/// A worker whose artifacts are at `url` on `server` (its local folder `folder`).
fn s3_worker(db: &QueueDb, server: &S3Server, url: &str, folder: &Path, log: &Path) -> Child {
    let mut command = this_test("worker_process");
    command
        .env(MODE, "worker")
        .env(QUEUE, &db.url)
        .env(STORE, folder)
        .env(ARTIFACTS, format!("{url}?endpoint={}", server.endpoint))
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env(VARIANT, "same")
        .env(LOG, log);
    let mut child = Child::spawn(command, log);
    child.wait_for_output("runs jobs of");
    child
}

/// A store on `server`'s bucket `bucket` (prefix `runs`), its jobs run by workers of `db`.
fn s3_store(db: &QueueDb, server: &S3Server, bucket: &str, dir: &Path) -> Store {
    server.create_bucket(bucket);
    let url = ArtifactsUrl::parse(&format!("s3://{bucket}/runs"))
        .unwrap()
        .endpoint(&server.endpoint)
        .credentials(ACCESS_KEY, SECRET_KEY);
    let options = StoreOptions::standalone(4).with_executor(Executor::queue(&db.url)).with_artifacts(url);
    Store::open_with(dir.join("store"), options).unwrap()
}

fn queue_store(db: &QueueDb, dir: &Path) -> Store {
    Store::open_with(dir.join("store"), StoreOptions::standalone(4).with_executor(Executor::queue(&db.url)))
        .unwrap()
}

/// What the log says ran: (task, pid) lines.
fn ran(log: &Path) -> Vec<(String, u32)> {
    let text = std::fs::read_to_string(log.join("ran")).unwrap_or_default();
    text.lines()
        .map(|line| {
            let (task, pid) = line.split_once(' ').unwrap();
            (task.to_owned(), pid.parse().unwrap())
        })
        .collect()
}

/// Submits and waits, bounded.
fn run(scenario: &Scenario) -> Result<taipy::SubmissionReport, SubmitError> {
    let submission = scenario.submit().unwrap();
    submission.wait_timeout(PATIENCE).expect("the submission finished in time")
}

/// The walk both executors take: first run, y changed, nothing changed. Returns each
/// submission's statuses and the final label.
fn walk(store: &Store) -> (Vec<Vec<String>>, String) {
    let scenario = Scenario::create(store, &pipeline("same"), "walk").unwrap();
    let mut seen = Vec::new();
    seen.push(common::statuses(&run(&scenario).unwrap()));
    scenario.data_node::<i64>("y").unwrap().write(10).unwrap();
    seen.push(common::statuses(&run(&scenario).unwrap()));
    seen.push(common::statuses(&run(&scenario).unwrap()));
    (seen, scenario.data_node::<String>("label").unwrap().read().unwrap())
}

#[test]
fn two_workers_give_the_results_and_skips_of_the_local_executor() {
    let Some(db) = QueueDb::create("same") else { return };
    let dir = tempfile::tempdir().unwrap();
    let (local_statuses, local_label) = walk(&Store::temporary_with(StoreOptions::standalone(4)).unwrap());

    let store = queue_store(&db, dir.path());
    let _workers = Workers(vec![
        worker(&db, store.path(), dir.path(), "same", false),
        worker(&db, store.path(), dir.path(), "same", false),
    ]);
    let pids: Vec<u32> = _workers.0.iter().map(Child::id).collect();
    let (statuses, label) = walk(&store);
    assert_eq!(statuses, local_statuses);
    assert_eq!(label, local_label);
    assert_eq!(label, format!("measured {}", (1000 + 3) * 10));
    // Every run happened in a worker: 4 tasks, then measure and label again.
    let ran = ran(dir.path());
    assert_eq!(ran.len(), 6, "{ran:?}");
    assert!(ran.iter().all(|(_, pid)| pids.contains(pid)), "{ran:?} not all in workers {pids:?}");
}

#[test]
fn a_worker_killed_mid_job_leaves_it_to_another_and_it_commits_once() {
    let Some(db) = QueueDb::create("kill") else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = queue_store(&db, dir.path());
    let mut workers = Workers(vec![
        worker(&db, store.path(), dir.path(), "same", true),
        worker(&db, store.path(), dir.path(), "same", true),
    ]);
    let scenario = Scenario::create(&store, &pipeline("same"), "kill").unwrap();
    let submission = scenario.submit().unwrap();
    let started = |dir: &Path| -> Vec<u32> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.unwrap().file_name().to_str()?.strip_prefix("started-")?.parse().ok())
            .collect()
    };
    let deadline = Instant::now() + PATIENCE;
    let first = loop {
        if let Some(&pid) = started(dir.path()).first() {
            break pid;
        }
        assert!(Instant::now() < deadline, "no worker started task hold");
        std::thread::sleep(Duration::from_millis(5));
    };
    let running = submission.jobs().into_iter().find(|j| j.task == "hold").unwrap();
    assert_eq!(running.status, JobStatus::Running);
    let at = workers.0.iter().position(|w| w.id() == first).expect("a worker of ours");
    let ended = workers.0.remove(at).kill();
    assert!(ended.killed(), "{ended}");
    // The queue hands the job to the other worker once the killed one misses its heartbeats.
    let second = loop {
        if let Some(&pid) = started(dir.path()).iter().find(|&&pid| pid != first) {
            break pid;
        }
        assert!(Instant::now() < deadline, "the killed worker's job was not taken by another");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(second, workers.0[0].id());
    std::fs::write(dir.path().join("release"), b"").unwrap();
    let report = submission.wait_timeout(PATIENCE).expect("finished in time").unwrap();
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report}");
    // Committed once: one version of `held`, written by the job; the memo reuses it.
    let history: Vec<Version> = scenario.node_history("held").unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(scenario.data_node::<i64>("held").unwrap().read().unwrap(), 103);
    let again = run(&scenario).unwrap();
    assert!(again.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{again}");
    assert_eq!(scenario.node_history("held").unwrap().len(), 1);
    let holds = ran(dir.path()).into_iter().filter(|(task, _)| task == "hold").count();
    assert_eq!(holds, 2, "the killed attempt and the one that finished");
}

#[test]
fn a_task_that_keeps_failing_ends_failed_after_its_attempts() {
    let Some(db) = QueueDb::create("fail") else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = queue_store(&db, dir.path());
    let _workers = Workers(vec![worker(&db, store.path(), dir.path(), "same", false)]);
    let scenario = Scenario::create(&store, &failing(), "fail").unwrap();
    let err = run(&scenario).unwrap_err();
    let SubmitError::JobsFailed { report, .. } = err else { panic!("{err}") };
    let job = report.job("unlucky").unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.error.as_ref().unwrap().message, "no luck with 1", "{job:?}");
    let attempts = ran(dir.path()).into_iter().filter(|(task, _)| task == "unlucky").count();
    assert_eq!(attempts, 3, "1 + 2 retries");
    assert!(scenario.node_history("never").unwrap().is_empty());
}

#[test]
fn a_worker_without_the_task_or_its_code_refuses_the_job() {
    let Some(db) = QueueDb::create("refuse") else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = queue_store(&db, dir.path());
    let config = pipeline("same");

    let other = Workers(vec![worker(&db, store.path(), dir.path(), "other-code", false)]);
    let name = format!("worker-{}", other.0[0].id());
    let scenario = Scenario::create(&store, &config, "other code").unwrap();
    let SubmitError::JobsFailed { report, .. } = run(&scenario).unwrap_err() else { panic!() };
    assert_eq!(
        common::statuses(&report),
        ["make_blob=Completed", "measure=Failed", "label=Abandoned", "hold=Completed"]
    );
    let message = &report.job("measure").unwrap().error.as_ref().unwrap().message;
    let ours = config.task("measure").unwrap().fingerprint().to_hex();
    let theirs = pipeline("other-code").task("measure").unwrap().fingerprint().to_hex();
    assert_ne!(ours, theirs);
    assert!(
        message.contains("task `measure`")
            && message.contains(&ours)
            && message.contains(&theirs)
            && message.contains(&name),
        "{message}"
    );
    drop(other);

    let missing = Workers(vec![worker(&db, store.path(), dir.path(), "missing-task", false)]);
    let name = format!("worker-{}", missing.0[0].id());
    let scenario = Scenario::create(&store, &config, "missing task").unwrap();
    let SubmitError::JobsFailed { report, .. } = run(&scenario).unwrap_err() else { panic!() };
    assert_eq!(report.job("label").unwrap().status, JobStatus::Failed, "{report}");
    let message = &report.job("label").unwrap().error.as_ref().unwrap().message;
    assert_eq!(
        message,
        &format!(
            "worker `{name}` has no task `label` in scenario config `queued`; its tasks: make_blob, measure, hold"
        )
    );
    // Refused jobs are not retried: label ran nowhere.
    assert!(!ran(dir.path()).iter().any(|(task, _)| task == "label"));
}

#[test]
fn a_worker_on_object_storage_reads_its_inputs_there_and_stores_its_outputs_there() {
    let Some(db) = QueueDb::create("s3") else { return };
    let server = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let store = s3_store(&db, &server, "team-runs", dir.path());
    let folder = dir.path().join("worker");
    let workers = Workers(vec![s3_worker(&db, &server, "s3://team-runs/runs", &folder, dir.path())]);
    let pid = workers.0[0].id();

    // An input the submitting process wrote (so uploaded): the worker has never seen it.
    let scenario = Scenario::create(&store, &pipeline("same"), "on s3").unwrap();
    scenario.data_node::<Blob>("blob").unwrap().write(Blob(vec![9; 50])).unwrap();
    let blob = scenario.node_history("blob").unwrap().pop().unwrap();
    let submission = scenario.submit_task("measure", SubmitOptions::default()).unwrap();
    let report = submission.wait_timeout(PATIENCE).expect("finished in time").unwrap();
    assert_eq!(common::statuses(&report), ["measure=Completed"]);
    assert_eq!(scenario.data_node::<i64>("measured").unwrap().read().unwrap(), 50 * 5);
    assert_eq!(ran(dir.path()), [("measure".to_owned(), pid)]);
    // The worker read it from the bucket, through its own verified copies.
    let copy = folder.join("artifact-cache").join(format!("{}.blob", blob.hash.to_hex()));
    assert!(copy.exists(), "{} is missing", copy.display());
    assert!(!folder.join("artifacts").exists(), "the worker used a local artifacts folder");

    // The walk gives the local executor's results, every run on the worker.
    let (local_statuses, local_label) = walk(&Store::temporary_with(StoreOptions::standalone(4)).unwrap());
    let (statuses, label) = walk(&store);
    assert_eq!((statuses, label), (local_statuses, local_label));
    assert!(ran(dir.path()).iter().all(|(_, p)| *p == pid));
    // The blob it made is in the bucket: the submitting process read it from there.
    let made = scenario_blob(&store, "walk");
    let objects = taipy::storage::s3::S3Bucket::connect(
        &taipy::storage::s3::S3Settings::new("team-runs")
            .endpoint(&server.endpoint)
            .credentials(ACCESS_KEY, SECRET_KEY),
    )
    .unwrap()
    .list("runs/")
    .unwrap()
    .into_iter()
    .map(|(key, _)| key)
    .collect::<Vec<_>>();
    assert!(objects.contains(&format!("runs/{made}.blob")), "{objects:?}");
}

/// The hash of the current `blob` of the scenario named `name`.
fn scenario_blob(store: &Store, name: &str) -> String {
    let info = store.scenarios().unwrap().into_iter().find(|s| s.name == name).unwrap();
    let scenario = Scenario::open(store, &pipeline("same"), &info.id).unwrap();
    scenario.node_history("blob").unwrap().pop().unwrap().hash.to_hex()
}

#[test]
fn a_worker_on_other_artifacts_than_the_jobs_refuses_them() {
    let Some(db) = QueueDb::create("elsewhere") else { return };
    let server = S3Server::start();
    let dir = tempfile::tempdir().unwrap();

    // Artifacts on object storage, the worker on a local folder.
    let store = s3_store(&db, &server, "team-runs", dir.path());
    let folder = dir.path().join("worker");
    let local = Workers(vec![worker(&db, &folder, dir.path(), "same", false)]);
    let name = format!("worker-{}", local.0[0].id());
    let scenario = Scenario::create(&store, &pipeline("same"), "elsewhere").unwrap();
    let SubmitError::JobsFailed { report, .. } = run(&scenario).unwrap_err() else { panic!() };
    let job = report.job("make_blob").unwrap();
    assert_eq!(job.status, JobStatus::Failed, "{report}");
    let message = &job.error.as_ref().unwrap().message;
    let theirs = std::fs::canonicalize(folder.join("artifacts")).unwrap();
    assert!(
        message.contains(&name)
            && message.contains("s3://team-runs/runs")
            && message.contains(&server.endpoint)
            && message.contains(&theirs.display().to_string()),
        "{message}"
    );
    assert!(ran(dir.path()).is_empty(), "a refused job ran: {:?}", ran(dir.path()));
    drop(local);

    // The same bucket on another prefix.
    let other = Workers(vec![s3_worker(&db, &server, "s3://team-runs/other", &folder, dir.path())]);
    let scenario = Scenario::create(&store, &pipeline("same"), "other prefix").unwrap();
    let SubmitError::JobsFailed { report, .. } = run(&scenario).unwrap_err() else { panic!() };
    let message = &report.job("make_blob").unwrap().error.as_ref().unwrap().message;
    assert!(message.contains("s3://team-runs/other") && message.contains("s3://team-runs/runs"), "{message}");
    drop(other);

    // Two local stores: the worker on the other one's folder.
    let mine = queue_store(&db, &dir.path().join("mine"));
    let _elsewhere = Workers(vec![worker(&db, &dir.path().join("theirs"), dir.path(), "same", false)]);
    let scenario = Scenario::create(&mine, &pipeline("same"), "other folder").unwrap();
    let SubmitError::JobsFailed { report, .. } = run(&scenario).unwrap_err() else { panic!() };
    let message = &report.job("make_blob").unwrap().error.as_ref().unwrap().message;
    let ours = std::fs::canonicalize(mine.path().join("artifacts")).unwrap();
    assert!(message.contains(&ours.display().to_string()), "{message}");
    assert!(ran(dir.path()).is_empty(), "a refused job ran: {:?}", ran(dir.path()));
}
