//! A store whose catalog is on PostgreSQL, shared by several processes at once: opening it by
//! URL, scenarios created and submitted by two processes together, the memo shared, two writers
//! of one node (one conflict, nothing half-written), a process killed mid-submit (its jobs are
//! recovered only once it is dead), and clear errors for a server that cannot be used.
//!
//! Needs `TAIPY_TEST_POSTGRES` (`eval "$(bash .ci/services.sh)"`); outside CI without it each
//! test says why and passes, in CI it fails. Each test works in a schema of its own, dropped at
//! the end. The processes are this test binary re-run (`child_process`, as tests/processes.rs).

mod common;
#[path = "support/postgres_server.rs"]
#[allow(unreachable_pub)]
mod postgres_server;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use common::child::{Child, this_test};
use common::{VALUES, config, write_csv};
use taipy::prelude::*;
use taipy::{JobStatus, Reason};

const MODE: &str = "TAIPY_TEST_CHILD_MODE";
const URL: &str = "TAIPY_TEST_STORE_URL";
const LOCAL: &str = "TAIPY_TEST_LOCAL";
const CSV: &str = "TAIPY_TEST_CSV";
const NAME: &str = "TAIPY_TEST_SCENARIO";
const OTHER: &str = "TAIPY_TEST_OTHER_SCENARIO";
/// A folder where the racing task of each child leaves a file and waits for the other's.
const BARRIER: &str = "TAIPY_TEST_BARRIER";
const HANG: &str = "TAIPY_TEST_HANG_IN_SEGMENT";

/// A store location in a schema of its own (dropped at the end), with a local folder and a
/// CSV beside it.
struct Shared {
    url: String,
    base: String,
    schema: String,
    dir: tempfile::TempDir,
}

impl Shared {
    fn new() -> Option<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let base = postgres_server::url()?;
        let schema = format!("taipy_it_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let separator = if base.contains('?') { '&' } else { '?' };
        let dir = tempfile::tempdir().unwrap();
        write_csv(&dir.path().join("customers.csv"), &VALUES);
        Some(Self { url: format!("{base}{separator}schema={schema}"), base, schema, dir })
    }

    fn local(&self) -> PathBuf {
        self.dir.path().join("local")
    }

    fn csv(&self) -> PathBuf {
        self.dir.path().join("customers.csv")
    }

    fn open(&self) -> Store {
        Store::open_with(&self.url, StoreOptions::development().with_local_folder(self.local())).unwrap()
    }

    /// A child in `mode`, with the store's settings and `env`.
    fn child(&self, mode: &str, env: &[(&str, &str)]) -> Child {
        let mut command = this_test("child_process");
        command.env(MODE, mode).env(URL, &self.url).env(LOCAL, self.local()).env(CSV, self.csv());
        for (k, v) in env {
            command.env(k, v);
        }
        Child::spawn(command, self.dir.path())
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Ok(mut client) = self.base.parse::<postgres::Config>().unwrap().connect(postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema));
        }
    }
}

/// x → `race` → y, where `race` waits (in each child) until two children have started it, and
/// each child computes a value of its own (equal values would be no conflict: the second
/// commit finds its content already current, and early cutoff writes nothing).
fn race_config() -> Arc<ScenarioConfig> {
    static CONFIG: OnceLock<Arc<ScenarioConfig>> = OnceLock::new();
    Arc::clone(CONFIG.get_or_init(|| {
        ScenarioConfig::builder("race")
            .node(DataNodeConfig::with_default("x", 1i64))
            .task(TaskConfig::new("race", racing_double).inputs(["x"]).outputs(["y"]))
            .build()
            .unwrap()
    }))
}

fn racing_double(x: &i64) -> i64 {
    if let Ok(dir) = std::env::var(BARRIER) {
        std::fs::write(Path::new(&dir).join(std::process::id().to_string()), b"").unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::read_dir(&dir).unwrap().count() < 2 {
            assert!(Instant::now() < deadline, "the other racer never started");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    x * 1_000_000 + i64::from(std::process::id())
}

/// The child's entry point: what it does depends on the environment the parent set.
#[test]
fn child_process() {
    let Ok(mode) = std::env::var(MODE) else { return };
    let url = std::env::var(URL).unwrap();
    let options = StoreOptions::standalone(2).with_local_folder(std::env::var(LOCAL).unwrap());
    let store = Store::open_with(&url, options).unwrap();
    let (config, name) = match mode.as_str() {
        "submit" => (config(Path::new(&std::env::var(CSV).unwrap())), std::env::var(NAME).unwrap()),
        "race" => (race_config(), "r".to_owned()),
        other => panic!("unknown child mode {other}"),
    };
    let scenario = match Scenario::find(&store, &config, &name).unwrap() {
        Some(s) => s,
        None => Scenario::create(&store, &config, &name).unwrap(),
    };
    let submission = scenario.submit().unwrap();
    let _ = submission.wait(); // a failed job is reported below with the others
    let report = submission.report();
    for job in report.jobs {
        let error = job.error.map(|e| e.to_string()).unwrap_or_default();
        println!("JOB {} {:?} {}", job.task, job.status, error.replace('\n', " "));
    }
    if let Ok(other) = std::env::var(OTHER) {
        // Every result readable here, the other process's too (once it has committed them).
        let deadline = Instant::now() + Duration::from_secs(50);
        let summary = loop {
            let found = Scenario::find(&store, &config, &other).unwrap();
            if let Some(value) = found.and_then(|s| s.data_node::<String>("summary").ok()?.read().ok()) {
                break value;
            }
            assert!(Instant::now() < deadline, "scenario {other} never finished");
            std::thread::sleep(Duration::from_millis(20));
        };
        println!("OTHER {summary}");
        println!("OWN {}", scenario.data_node::<String>("summary").unwrap().read().unwrap());
    }
}

/// "task=Status" for each JOB line of a child's output.
fn jobs(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split_once("JOB ").map(|(_, rest)| rest))
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            format!("{}={}", parts.next().unwrap(), parts.next().unwrap())
        })
        .collect()
}

fn line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.split_once(prefix).map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no {prefix} in:\n{stdout}"))
}

fn all(status: &str) -> Vec<String> {
    ["score", "segment", "analyse", "summarise"].iter().map(|t| format!("{t}={status}")).collect()
}

#[test]
fn a_postgres_url_opens_a_shared_store_that_two_handles_use_at_once() {
    let Some(shared) = Shared::new() else { return };
    let first = shared.open();
    assert_eq!(first.location(), Some(shared.url.replace(":taipy@", "@").as_str()));
    assert_eq!(first.path(), shared.local());
    let second = shared.open(); // no lock file: a second handle is fine
    let config = config(&shared.csv());
    let created = Scenario::create(&first, &config, "walk").unwrap();
    let report = created.submit().unwrap().wait().unwrap();
    assert_eq!(common::statuses(&report), all("Completed"));
    let seen = Scenario::find(&second, &config, "walk").unwrap().expect("seen by the other handle");
    let summary = seen.data_node::<String>("summary").unwrap().read().unwrap();
    assert_eq!(summary, created.data_node::<String>("summary").unwrap().read().unwrap());
    // The memo is read from the catalog: the other handle skips everything.
    assert_eq!(common::statuses(&seen.submit().unwrap().wait().unwrap()), all("Skipped"));
    assert!(!shared.local().join("LOCK").exists());
    // Not yet on a shared store: collection (other processes' pins are unknown here).
    let err = first.gc(taipy::GcPolicy::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "garbage collection is not supported on a shared store (catalog on a server) yet"
    );
}

#[test]
fn two_processes_create_and_submit_at_once_and_read_each_others_results() {
    let Some(shared) = Shared::new() else { return };
    drop(shared.open()); // the schema, created once (concurrent first opens are the unit tests')
    let a = shared.child("submit", &[(NAME, "a"), (OTHER, "b")]);
    let b = shared.child("submit", &[(NAME, "b"), (OTHER, "a")]);
    let (a, b) = (a.wait(), b.wait());
    for ended in [&a, &b] {
        assert!(ended.status.success(), "{ended}");
        let statuses = jobs(&ended.stdout);
        assert!(statuses.iter().all(|s| s.ends_with("=Completed") || s.ends_with("=Skipped")), "{ended}");
        assert_eq!(line(&ended.stdout, "OTHER "), line(&ended.stdout, "OWN "), "{ended}");
    }
    let store = shared.open();
    let config = config(&shared.csv());
    for name in ["a", "b"] {
        let s = Scenario::find(&store, &config, name).unwrap().unwrap();
        assert_eq!(s.data_node::<String>("summary").unwrap().read().unwrap(), line(&a.stdout, "OWN "));
    }
    assert_eq!(store.scenarios().unwrap().len(), 2);
}

#[test]
fn a_result_computed_by_one_process_is_skipped_by_another() {
    let Some(shared) = Shared::new() else { return };
    let first = shared.child("submit", &[(NAME, "first")]).wait();
    assert!(first.status.success(), "{first}");
    assert_eq!(jobs(&first.stdout), all("Completed"));
    let second = shared.child("submit", &[(NAME, "second")]).wait();
    assert!(second.status.success(), "{second}");
    assert_eq!(jobs(&second.stdout), all("Skipped"), "{second}");
}

#[test]
fn two_processes_writing_one_node_get_exactly_one_conflict_and_nothing_half_written() {
    let Some(shared) = Shared::new() else { return };
    let store = shared.open();
    let scenario = Scenario::create(&store, &race_config(), "r").unwrap();
    let barrier = shared.dir.path().join("barrier");
    std::fs::create_dir(&barrier).unwrap();
    let barrier = barrier.to_str().unwrap();
    let a = shared.child("race", &[(BARRIER, barrier)]);
    let b = shared.child("race", &[(BARRIER, barrier)]);
    let (a, b) = (a.wait(), b.wait());
    let lines: Vec<&str> = [&a, &b]
        .iter()
        .map(|ended| {
            assert!(ended.status.success(), "{ended}");
            line(&ended.stdout, "JOB race ")
        })
        .collect();
    let completed = lines.iter().filter(|l| l.starts_with("Completed")).count();
    let failed: Vec<&&str> = lines.iter().filter(|l| l.starts_with("Failed")).collect();
    assert_eq!((completed, failed.len()), (1, 1), "{lines:?}");
    let error = failed[0];
    assert!(
        error.contains("data node `y` was written by another process")
            && error.contains("based on version 0")
            && error.contains("now holds version 1"),
        "{error}"
    );
    // The winner's commit is whole; the loser wrote nothing: one version of y, by the winner.
    let y = scenario.data_node::<i64>("y").unwrap();
    assert!(y.read().unwrap() > 1_000_000, "{:?}", y.read());
    let history = y.history().unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    let jobs = store.jobs().unwrap();
    let winner = jobs.iter().find(|j| j.status == JobStatus::Completed).expect("a completed job");
    let loser = jobs.iter().find(|j| j.status == JobStatus::Failed).expect("a failed job");
    assert_eq!(history[0].writer, taipy::Writer::Job { job: winner.id.clone(), task: "race".into() });
    assert!(loser.error.as_ref().unwrap().to_string().contains("written by another process"));
    // The next submission, anywhere, skips on the winner's result.
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(common::statuses(&report), ["race=Skipped"]);
}

#[test]
fn a_killed_process_s_jobs_are_recovered_only_once_it_is_dead() {
    let Some(shared) = Shared::new() else { return };
    drop(shared.open());
    let marker = shared.dir.path().join("segment-started");
    let mut running = shared.child("submit", &[(NAME, "k"), (HANG, marker.to_str().unwrap())]);
    running.wait_until("the segment task", || marker.exists());
    let status = |store: &Store, task: &str| {
        let jobs = store.jobs().unwrap();
        jobs.iter().find(|j| j.task == task).map(|j| (j.status, j.reason.clone())).unwrap()
    };
    // Another process opens the store while the submitter lives: its jobs are left alone.
    let store = shared.open();
    assert_eq!(status(&store, "segment").0, JobStatus::Running);
    let waiting = status(&store, "analyse").0;
    assert!(matches!(waiting, JobStatus::Submitted | JobStatus::Blocked | JobStatus::Pending), "{waiting:?}");
    drop(store);

    let ended = running.kill(); // SIGKILL, in the middle of the segment task
    assert!(ended.killed(), "{ended}");
    // The server notices the dead connection (and frees its session) within moments.
    let deadline = Instant::now() + Duration::from_secs(20);
    let store = loop {
        let store = shared.open();
        if status(&store, "segment").0 != JobStatus::Running {
            break store;
        }
        assert!(Instant::now() < deadline, "the dead process's job was never recovered");
        drop(store);
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status(&store, "score"), (JobStatus::Completed, Some(Reason::FirstRun)));
    assert_eq!(status(&store, "segment"), (JobStatus::Failed, Some(Reason::Interrupted)));
    assert_eq!(status(&store, "analyse"), (JobStatus::Abandoned, Some(Reason::Interrupted)));
    // And the scenario submits again to the end.
    let scenario = Scenario::find(&store, &config(&shared.csv()), "k").unwrap().unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(report.status, taipy::SubmissionStatus::Completed);
}

#[test]
fn unusable_servers_are_clear_errors_naming_the_url_without_its_password() {
    let Some(base) = postgres_server::url() else { return };
    let config: postgres::Config = base.parse().unwrap();
    let port = config.get_ports()[0];
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let password = String::from_utf8(config.get_password().unwrap().to_vec()).unwrap();
    let cases = [
        (format!("postgres://taipy:hunter2@127.0.0.1:{free}/taipy_test"), "cannot connect"),
        (format!("postgres://taipy:hunter2@127.0.0.1:{port}/taipy_test"), "password authentication failed"),
        (
            format!("postgresql://taipy:{password}@127.0.0.1:{port}/no_such_db"),
            "\"no_such_db\" does not exist",
        ),
        (
            format!("postgres://taipy:hunter2@127.0.0.1:{port}/taipy_test?schema=bad-name"),
            "not a plain identifier",
        ),
    ];
    for (url, says) in cases {
        let dir = tempfile::tempdir().unwrap();
        let err =
            Store::open_with(&url, StoreOptions::development().with_local_folder(dir.path())).unwrap_err();
        let text = err.to_string();
        let shown = url.replace(":hunter2@", "@").replace(&format!(":{password}@"), "@");
        assert!(text.contains(&shown) && text.contains(says), "{says}: {text}");
        assert!(!text.contains("hunter2") && !text.contains(&format!(":{password}@")), "{text}");
    }
}

#[test]
fn the_toml_core_section_points_a_store_at_postgresql() {
    use taipy::toml::{Loader, TomlConfig};
    let err = "[CORE]\nrepository_type = \"mongo\"\n".parse::<TomlConfig>().unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("repository_type `mongo` is not supported"), "{err}");
    assert!("[CORE]\nrepository_type = \"filesystem\"\n".parse::<TomlConfig>().is_ok());

    let Some(shared) = Shared::new() else { return };
    let root = shared.dir.path().display().to_string();
    let text = format!(
        "[CORE]\nstorage_url = \"ENV[TEAM_STORE]\"\nroot_folder = \"{root}\"\nstorage_folder = \"local\"\n"
    );
    let config =
        Loader::new().env(|name| (name == "TEAM_STORE").then(|| shared.url.clone())).load_str(&text).unwrap();
    assert_eq!(config.storage_url(), Some(shared.url.as_str()));
    let store = Store::open_with(config.storage_url().unwrap(), config.store_options()).unwrap();
    assert_eq!(store.path(), shared.local());
    assert!(store.location().is_some_and(|l| l.contains(&shared.schema)), "{:?}", store.location());
}
