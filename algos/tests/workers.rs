//! The real thing on this machine: the customer walkthrough with its catalog on PostgreSQL, its
//! artifacts on an S3-compatible server, one submitting process (this test) and three worker
//! processes fed by the job queue on PostgreSQL, one worker SIGKILLed at a random moment while
//! it holds a job. The same statuses, tables and node versions as the embedded run; every job
//! recorded once, every output version written by one job, the killed job run again elsewhere
//! and committed once.
//!
//! - Workers are this test binary re-run as the customer analysis's command line in worker
//!   mode, as a user starts `customer_cli` on another machine: `customer_cli --store
//!   postgres://…?schema=catalog worker --queue postgres://… --artifacts s3://…?endpoint=…`
//!   (credentials in `AWS_*`), each with a temporary directory of its own for its verified
//!   local copies.
//! - The S3 server is s3s-fs (tests/support/s3_server.rs) on a free port of 127.0.0.1, run by
//!   a thread of this process; the workers reach it over TCP.
//! - The customers file is generated (`TAIPY_WORKERS_TEST_ROWS` rows, default 200,000) so that
//!   the first two tasks each take a good fraction of a second in a debug build, long enough to
//!   kill a worker inside one: the victim is whichever worker the queue table shows running a
//!   job after a random delay, killed after another random delay if it still holds that job.
//! - The queue's tables and the catalog's schema live in a database of this test's own,
//!   dropped at the end. Outside CI the test is skipped with a printed reason when
//!   `TAIPY_TEST_POSTGRES` is unset (`eval "$(bash .ci/services.sh)"`); in CI it fails.

#[path = "../../tests/support/s3_server.rs"]
#[allow(unreachable_pub, dead_code)]
mod s3_server;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use algos::CustomerAnalysis;
use algos::generate::{GeneratorOptions, write_customers_csv};
use algos::walkthrough::{self, Output, Step};
use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use taipy::{ArtifactsUrl, Executor, JobStatus, Scenario, Store, StoreOptions, Writer};

const QUEUE: &str = "TAIPY_WORKERS_TEST_QUEUE";
const CATALOG: &str = "TAIPY_WORKERS_TEST_CATALOG";
const ARTIFACTS: &str = "TAIPY_WORKERS_TEST_ARTIFACTS";
const NAME: &str = "TAIPY_WORKERS_TEST_NAME";
const BUCKET: &str = "walkthrough";

/// The worker's entry point: returns at once in a normal test run.
#[test]
fn worker_process() {
    let Ok(queue) = std::env::var(QUEUE) else { return };
    let (catalog, artifacts, name) =
        (std::env::var(CATALOG).unwrap(), std::env::var(ARTIFACTS).unwrap(), std::env::var(NAME).unwrap());
    let cli = taipy::cli::Cli::new().name("customer_cli").scenario(CustomerAnalysis::config());
    let args = [
        "customer_cli",
        "--store",
        &catalog,
        "worker",
        "--queue",
        &queue,
        "--artifacts",
        &artifacts,
        "--name",
        &name,
        "--heartbeat-ms",
        "300",
    ];
    let code = cli.run_from(args, &mut std::io::stdout(), &mut std::io::stderr());
    panic!("the worker stopped with code {code}");
}

/// The admin URL and a database of this test's own; `None` (after saying why) outside CI
/// without PostgreSQL.
fn database() -> Option<(String, String)> {
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

/// The workers (by name) and the database, removed when the test ends however it ends.
struct Cleanup {
    admin: String,
    url: String,
    workers: Arc<Mutex<Vec<(String, Child)>>>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for (_, worker) in self.workers.lock().unwrap_or_else(|p| p.into_inner()).iter_mut() {
            let _ = worker.kill();
            let _ = worker.wait();
        }
        let name = self.url.rsplit_once('/').unwrap().1;
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// What the three places are: the queue's database, the catalog in it, the artifacts.
struct Places {
    queue: String,
    catalog: String,
    artifacts: String,
}

fn spawn_worker(places: &Places, name: &str, dir: &Path) -> Child {
    let tmp = dir.join(name);
    std::fs::create_dir_all(&tmp).unwrap();
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["worker_process", "--exact", "--nocapture", "--test-threads=1"])
        .env(QUEUE, &places.queue)
        .env(CATALOG, &places.catalog)
        .env(ARTIFACTS, &places.artifacts)
        .env(NAME, name)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        // Its verified local copies go to a folder of its own, removed with the test's.
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join(format!("{name}.out"))).unwrap())
        .stderr(std::fs::File::create(dir.join(format!("{name}.err"))).unwrap());
    command.spawn().unwrap()
}

/// One submit of the walkthrough: its statuses (`task=Status`) and its two tables.
type StepSummary = (Vec<String>, String, String);

/// A walkthrough run: each submit's statuses and tables, each node's versions (their writers),
/// the scenario's job records (`task=Status` per submission, in order), the longest job.
struct Walk {
    steps: Vec<StepSummary>,
    versions: BTreeMap<String, Vec<Writer>>,
    jobs: Vec<Vec<String>>,
    job_ids: Vec<(String, JobStatus)>,
    /// Job id → `submit N: task`, to compare writers across runs.
    labels: BTreeMap<String, String>,
    /// Each task's shortest run.
    shortest: BTreeMap<String, Duration>,
}

impl Walk {
    /// Each node's versions by who wrote them, named alike in both runs (`submit 2: task`,
    /// `user`, `default` ...).
    fn writers(&self) -> BTreeMap<String, Vec<String>> {
        let label =
            |job: &String| self.labels.get(job).cloned().unwrap_or_else(|| format!("unknown job {job}"));
        self.versions
            .iter()
            .map(|(node, writers)| {
                let named = writers
                    .iter()
                    .map(|w| match w {
                        Writer::Job { job, .. } => label(job),
                        Writer::Reused { job, from_job } => {
                            format!("{} reusing {}", label(job), label(from_job))
                        }
                        other => format!("{other:?}"),
                    })
                    .collect();
                (node.clone(), named)
            })
            .collect()
    }
}

fn walk(store: &Store, data: &Path) -> Walk {
    let scenario = CustomerAnalysis::create(store, "walk").unwrap();
    let steps: Vec<Step> = walkthrough::run(&scenario, Some(data), Output::Json).unwrap();
    let mut shortest = BTreeMap::<String, Duration>::new();
    for job in steps.iter().flat_map(|s| &s.report.jobs).filter(|j| j.status == JobStatus::Completed) {
        let duration = job.duration().unwrap();
        let entry = shortest.entry(job.task.clone()).or_insert(duration);
        *entry = (*entry).min(duration);
    }
    let summaries = steps
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
        .map(|node| {
            let history = scenario.node_history(node.id()).unwrap();
            (node.id().to_owned(), history.into_iter().map(|v| v.writer).collect())
        })
        .collect();
    let (jobs, job_ids, labels) = job_records(&scenario);
    Walk { steps: summaries, versions, jobs, job_ids, labels, shortest }
}

/// The scenario's job records as stored: `task=Status` per submission (submissions in order),
/// every job's id and status, and its label (`submit N: task`).
type JobRecords = (Vec<Vec<String>>, Vec<(String, JobStatus)>, BTreeMap<String, String>);

fn job_records(scenario: &Scenario) -> JobRecords {
    let records = scenario.jobs().unwrap();
    let submissions = scenario.submissions().unwrap();
    let labels = records
        .iter()
        .map(|j| {
            let n = submissions.iter().position(|s| s.id == j.submission).map_or(0, |n| n + 1);
            (j.id.clone(), format!("submit {n}: {}", j.task))
        })
        .collect();
    let per_submission = submissions
        .iter()
        .map(|s| {
            let mut jobs: Vec<String> = records
                .iter()
                .filter(|j| j.submission == s.id)
                .map(|j| format!("{}={:?}", j.task, j.status))
                .collect();
            jobs.sort();
            jobs
        })
        .collect();
    (per_submission, records.iter().map(|j| (j.id.clone(), j.status)).collect(), labels)
}

/// A small random number generator seeded from the clock (the seed is printed, to replay).
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// The job a worker was killed in: its queue task id, our job id, the worker's name.
#[derive(Debug)]
struct Killed {
    task: String,
    job: String,
    worker: String,
}

/// After a random delay (below `before`), waits for a job running on a worker, waits a random
/// part (below 4/5) of the shortest embedded run of its task (`runs`), and kills that worker
/// if it still holds the same job; else tries the next running job. Stops without a kill once
/// `done` is set.
fn kill_mid_job(
    queue: &str,
    workers: &Mutex<Vec<(String, Child)>>,
    done: &AtomicBool,
    before: Duration,
    runs: &BTreeMap<String, Duration>,
    random: &mut Random,
) -> Option<Killed> {
    let mut db = postgres::Client::connect(queue, postgres::NoTls).unwrap();
    let first = Duration::from_millis(random.below(before.as_millis() as u64));
    eprintln!("the killer starts looking {first:?} into the walkthrough");
    std::thread::sleep(first);
    // (queue task id, worker, job id, task name) of the running jobs, oldest first. The queue's
    // `job` column has been seen as bytea (JSON text) and as jsonb, and the queue's migrations
    // change it as they run, so its type is read at each look: before the migrations made the
    // table there is nothing to find, and a look that races a migration finds nothing and
    // looks again (an error that lasts shows as no kill, with the errors printed).
    let running = |db: &mut postgres::Client| -> Vec<(String, String, String, String)> {
        let column: Option<String> = db
            .query_opt(
                "SELECT data_type FROM information_schema.columns \
                 WHERE table_schema = 'apalis' AND table_name = 'jobs' AND column_name = 'job'",
                &[],
            )
            .unwrap()
            .map(|row| row.get(0));
        let Some(column) = column else { return Vec::new() };
        let message = if column == "bytea" { "convert_from(job, 'UTF8')::json" } else { "job::json" };
        let query = format!(
            "SELECT id, lock_by, {message}->>'job', {message}->>'task' FROM apalis.jobs \
             WHERE status = 'Running' AND lock_by IS NOT NULL ORDER BY lock_at"
        );
        match db.query(&query, &[]) {
            Ok(rows) => rows.iter().map(|row| (row.get(0), row.get(1), row.get(2), row.get(3))).collect(),
            Err(e) => {
                eprintln!("the killer's look at the queue failed, looking again: {e}");
                Vec::new()
            }
        }
    };
    while !done.load(Ordering::Relaxed) {
        let Some((task, worker, job, name)) = running(&mut db).into_iter().next() else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let within = runs.get(&name).copied().unwrap_or_default() * 4 / 5;
        let pause = Duration::from_millis(random.below(within.as_millis() as u64));
        std::thread::sleep(pause);
        let mut workers = workers.lock().unwrap();
        if !running(&mut db).iter().any(|(t, w, ..)| *t == task && *w == worker) {
            continue; // it finished meanwhile: try the next job
        }
        let at =
            workers.iter().position(|(name, _)| worker.contains(name.as_str())).expect("a worker of ours");
        let (name, mut child) = workers.remove(at);
        child.kill().unwrap();
        let status = child.wait().unwrap();
        eprintln!("killed worker {name} ({status}) {pause:?} after seeing it run job {job}");
        return Some(Killed { task, job, worker: name });
    }
    None
}

#[test]
fn three_workers_on_postgres_and_s3_one_killed_mid_job_give_the_embedded_walkthrough() {
    let Some((admin, url)) = database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let rows = std::env::var("TAIPY_WORKERS_TEST_ROWS").map_or(200_000, |n| n.parse().unwrap());
    let data = dir.path().join("customers.csv");
    write_customers_csv(
        std::fs::File::create(&data).unwrap(),
        &GeneratorOptions { rows, seed: 16, zero_purchase_fraction: 0.05 },
    )
    .unwrap();

    let started = Instant::now();
    let embedded = walk(&Store::temporary().unwrap(), &data);
    let embedded_time = started.elapsed();
    eprintln!(
        "embedded walkthrough on {rows} rows in {embedded_time:?}, shortest runs {:?}",
        embedded.shortest
    );

    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let places = Places {
        queue: url.clone(),
        catalog: format!("{url}?schema=catalog"),
        artifacts: format!("s3://{BUCKET}/runs?endpoint={}", server.endpoint),
    };
    let artifacts = ArtifactsUrl::parse(&places.artifacts).unwrap().credentials(ACCESS_KEY, SECRET_KEY);
    let options = StoreOptions::standalone(4)
        .with_executor(Executor::queue(&places.queue))
        .with_artifacts(artifacts)
        .with_local_folder(dir.path().join("submitter"));
    // Dropped after the store (declared before it): the database goes last.
    let workers = Arc::new(Mutex::new(Vec::new()));
    let _cleanup = Cleanup { admin, url: url.clone(), workers: Arc::clone(&workers) };
    let store = Store::open_with(&places.catalog, options).unwrap();
    for n in 0..3 {
        let name = format!("walk-worker-{n}");
        let child = spawn_worker(&places, &name, dir.path());
        workers.lock().unwrap().push((name, child));
    }

    let seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("kill seed {seed}");
    let done = Arc::new(AtomicBool::new(false));
    let killer = {
        let (queue, workers, done) = (places.queue.clone(), Arc::clone(&workers), Arc::clone(&done));
        let (before, runs) = (embedded_time / 2, embedded.shortest.clone());
        std::thread::spawn(move || kill_mid_job(&queue, &workers, &done, before, &runs, &mut Random(seed)))
    };
    let started = Instant::now();
    let queued = walk(&store, &data);
    eprintln!("walkthrough on workers in {:?}", started.elapsed());
    done.store(true, Ordering::Relaxed);
    let killed = killer.join().unwrap().expect("a worker was killed while it held a job");

    // The killed worker's job was taken by another worker, which finished it.
    let mut db = postgres::Client::connect(&places.queue, postgres::NoTls).unwrap();
    let row = db.query_one("SELECT status, lock_by FROM apalis.jobs WHERE id = $1", &[&killed.task]).unwrap();
    let (status, by): (String, String) = (row.get(0), row.get(1));
    assert_eq!(status, "Done", "{killed:?}");
    assert!(!by.contains(&killed.worker), "job {} finished by the killed worker {by}", killed.job);

    // The same statuses and tables as the embedded run, submit by submit.
    assert_eq!(queued.steps.len(), 4);
    for (n, (queued, embedded)) in queued.steps.iter().zip(&embedded.steps).enumerate() {
        assert_eq!(queued.0, embedded.0, "statuses of submit {}", n + 1);
        assert_eq!(queued.1, embedded.1, "segment_result after submit {}", n + 1);
        assert_eq!(queued.2, embedded.2, "high_value_summary after submit {}", n + 1);
    }
    // No job lost or recorded twice: the stored job records are the embedded run's.
    assert_eq!(queued.jobs, embedded.jobs);
    assert!(queued.job_ids.iter().all(|(_, s)| matches!(s, JobStatus::Completed | JobStatus::Skipped)));
    let killed_job =
        queued.job_ids.iter().find(|(id, _)| *id == killed.job).expect("the killed job's record");
    assert_eq!(killed_job.1, JobStatus::Completed);
    // None committed twice: each node has the embedded run's versions, written by the same
    // jobs (the killed one's commit counted once).
    assert_eq!(queued.writers(), embedded.writers());
    for (node, writers) in &queued.versions {
        let mut jobs: Vec<&String> = writers
            .iter()
            .filter_map(|w| if let Writer::Job { job, .. } = w { Some(job) } else { None })
            .collect();
        let all = jobs.len();
        jobs.sort();
        jobs.dedup();
        assert_eq!(jobs.len(), all, "node {node}: a job wrote two versions");
    }
    eprintln!("the killed job {}: {}", killed.job, queued.labels[&killed.job]);
}
