//! The customer walkthrough with one submitting process and three worker processes fed by the
//! job queue on PostgreSQL, one worker SIGKILLed at a random moment: the same statuses, tables
//! and node versions as the embedded run (no job lost, none committed twice).
//!
//! Workers are this test binary re-run as the customer analysis's command line in worker mode
//! (`worker --queue URL --store DIR`), as `customer_cli worker` runs. The queue's tables live in
//! a database of this test's own, dropped at the end. Outside CI the test is skipped with a
//! printed reason when `TAIPY_TEST_POSTGRES` is unset (`eval "$(bash .ci/services.sh)"`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use algos::CustomerAnalysis;
use algos::walkthrough::{self, Output, Step};
use taipy::{Executor, Store, StoreOptions};

const QUEUE: &str = "TAIPY_WORKERS_TEST_QUEUE";
const STORE: &str = "TAIPY_WORKERS_TEST_STORE";

/// The worker's entry point: returns at once in a normal test run.
#[test]
fn worker_process() {
    let (Ok(queue), Ok(store)) = (std::env::var(QUEUE), std::env::var(STORE)) else { return };
    let cli = taipy::cli::Cli::new().name("customer_cli").scenario(CustomerAnalysis::config());
    let args = ["customer_cli", "worker", "--queue", &queue, "--store", &store, "--heartbeat-ms", "300"];
    let code = cli.run_from(args, &mut std::io::stdout(), &mut std::io::stderr());
    panic!("the worker stopped with code {code}");
}

/// A database of this test's own; `None` (after saying why) outside CI without PostgreSQL.
fn queue_database() -> Option<(String, String)> {
    let admin = match std::env::var("TAIPY_TEST_POSTGRES") {
        Ok(url) => url,
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but TAIPY_TEST_POSTGRES is not: .ci/services.sh starts PostgreSQL and sets it")
        }
        Err(_) => {
            eprintln!("skipping: TAIPY_TEST_POSTGRES is unset (eval \"$(bash .ci/services.sh)\" sets it)");
            return None;
        }
    };
    let name = format!("taipy_algos_workers_{}", std::process::id());
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    Some((admin, url))
}

/// The workers and the database, removed when the test ends however it ends.
struct Cleanup {
    admin: String,
    url: String,
    workers: Vec<Child>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for worker in &mut self.workers {
            let _ = worker.kill();
            let _ = worker.wait();
        }
        let name = self.url.rsplit_once('/').unwrap().1;
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn spawn_worker(url: &str, store: &Path, logs: &Path, n: usize) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["worker_process", "--exact", "--nocapture", "--test-threads=1"])
        .env(QUEUE, url)
        .env(STORE, store)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(logs.join(format!("worker-{n}.out"))).unwrap())
        .stderr(std::fs::File::create(logs.join(format!("worker-{n}.err"))).unwrap());
    command.spawn().unwrap()
}

/// One submit of the walkthrough: its statuses (`task=Status`) and its two tables.
type StepSummary = (Vec<String>, String, String);

/// Each submit's statuses (by task) and tables, and each node's number of versions.
fn summary(store: &Store, data: &Path) -> (Vec<StepSummary>, Vec<(String, usize)>) {
    let scenario = CustomerAnalysis::create(store, "walk").unwrap();
    let steps: Vec<Step> = walkthrough::run(&scenario, Some(data), Output::Json).unwrap();
    let steps = steps
        .iter()
        .map(|step| {
            let statuses = step.report.jobs.iter().map(|j| format!("{}={:?}", j.task, j.status)).collect();
            (
                statuses,
                walkthrough::rows(&step.segment_result).to_string(),
                walkthrough::rows(&step.high_value_summary).to_string(),
            )
        })
        .collect();
    let versions = scenario
        .config()
        .nodes()
        .iter()
        .map(|node| (node.id().to_owned(), scenario.node_history(node.id()).unwrap().len()))
        .collect();
    (steps, versions)
}

#[test]
fn three_workers_one_killed_give_the_embedded_walkthrough() {
    let Some((admin, url)) = queue_database() else { return };
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/customers_100k.csv");
    let dir = tempfile::tempdir().unwrap();
    let embedded = summary(&Store::temporary().unwrap(), &data);

    let store_dir = dir.path().join("store");
    let store =
        Store::open_with(&store_dir, StoreOptions::standalone(4).with_executor(Executor::queue(&url)))
            .unwrap();
    let mut cleanup = Cleanup { admin, url: url.clone(), workers: Vec::new() };
    for n in 0..3 {
        cleanup.workers.push(spawn_worker(&url, &store_dir, dir.path(), n));
    }
    // One worker dies at a random moment of the walkthrough (printed, to replay a failure).
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    let (victim, delay) = ((nanos % 3) as usize, Duration::from_millis(u64::from(nanos % 6000)));
    eprintln!("worker {victim} is killed {delay:?} into the walkthrough");
    let mut victim_process = cleanup.workers.remove(victim);
    let killer = std::thread::spawn(move || {
        std::thread::sleep(delay);
        victim_process.kill().unwrap();
        victim_process.wait().unwrap()
    });
    let started = Instant::now();
    let queued = summary(&store, &data);
    eprintln!("walkthrough on workers in {:?}", started.elapsed());
    let status = killer.join().unwrap();
    assert!(!status.success(), "the victim was killed: {status}");
    assert_eq!(queued.0.len(), 4);
    for (n, (queued, embedded)) in queued.0.iter().zip(&embedded.0).enumerate() {
        assert_eq!(queued.0, embedded.0, "statuses of submit {}", n + 1);
        assert_eq!(queued.1, embedded.1, "segment_result after submit {}", n + 1);
        assert_eq!(queued.2, embedded.2, "high_value_summary after submit {}", n + 1);
    }
    // No job lost, none committed twice: every node has the embedded run's versions.
    assert_eq!(queued.1, embedded.1);
}
