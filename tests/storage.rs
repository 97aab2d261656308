//! Regression tests of the storage layer (issue 10, "Fixes for the five failures"): each one
//! failed on the store before its redesign.
//!
//! 1. a corrupted artifact is quarantined and its task re-runs, never served;
//! 2. garbage collection never takes a value that a write reported saved;
//! 3. two submits of one scenario and concurrent writes do not deadlock;
//! 4. (unreadable records: unit tests in `taipy-core/src/store/mod.rs`);
//! 5. stale temporaries go at open, and `gc` frees what no current version needs.
//!
//! Later: 6. results remembered while the memo filter is built are found (issue 14).
//!
//! And the tests of what writing these found: `GcPolicy::keep` counts, a duplicate's copies
//! under GC, event callbacks that use the store.
//!
//! The concurrent tests run their work under a watchdog: a hang fails the test.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use common::{Blob, reason, statuses};
use taipy::prelude::*;
use taipy::{
    EntityType, EventFilter, Fingerprint, GcPolicy, Lineage, Operation, Reason, StoreError, Submission,
    Version,
};

// ---------------------------------------------------------------------------------------------
// Helpers

/// The artifact file of a version of a `Blob` node (artifacts are named by their content hash).
fn artifact_path(store: &Store, version: &Version) -> PathBuf {
    store.path().join("artifacts").join(format!("{}.blob", version.hash.to_hex()))
}

/// The files of `artifacts/quarantine/`.
fn quarantined(store: &Store) -> Vec<PathBuf> {
    match std::fs::read_dir(store.path().join("artifacts").join("quarantine")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The content hashes named by the artifact files (not temporary, not quarantined).
fn artifact_hashes(store: &Store) -> BTreeSet<String> {
    std::fs::read_dir(store.path().join("artifacts"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with(".tmp-"))
        .map(|name| name.split_once('.').map_or(name.clone(), |(hex, _)| hex.to_owned()))
        .collect()
}

/// Moves the file's modification time an hour away from what it was, so that no cache keyed on
/// (size, time, inode) can take the new bytes for the old ones. No sleep needed.
fn touch_elsewhere(path: &Path, was: SystemTime) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(was + Duration::from_secs(3600)).unwrap();
}

/// Overwrites the file in place (same inode, same length) with its bytes reversed; returns them.
fn overwrite_same_length(path: &Path) -> Vec<u8> {
    use std::io::{Seek, Write};
    let was = std::fs::metadata(path).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    bytes.reverse();
    let mut file = std::fs::File::options().write(true).open(path).unwrap();
    file.seek(std::io::SeekFrom::Start(0)).unwrap();
    file.write_all(&bytes).unwrap();
    drop(file);
    touch_elsewhere(path, was);
    bytes
}

/// Truncates the file in place to its first `len` bytes; returns them.
fn truncate(path: &Path, len: u64) -> Vec<u8> {
    let was = std::fs::metadata(path).unwrap().modified().unwrap();
    std::fs::File::options().write(true).open(path).unwrap().set_len(len).unwrap();
    touch_elsewhere(path, was);
    std::fs::read(path).unwrap()
}

/// Runs `work` on a thread and waits at most `limit` for it: a hang fails the test instead of
/// hanging it (the stuck threads are left behind), a panic is the test's panic.
fn watchdog<T: Send + 'static>(limit: Duration, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)));
    });
    match receiver.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("the threads did not finish within {limit:?}: a deadlock (or a hang)"),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Corrupted artifacts

/// `n` bytes, each depending on its position.
fn make(n: &u64) -> Blob {
    Blob((0..*n).map(|i| (i * 7 % 251) as u8).collect())
}

/// A checksum that sees the order of the bytes (reversed bytes give another one).
fn checksum(blob: &Blob) -> u64 {
    blob.0.iter().enumerate().map(|(i, &b)| (i as u64 + 1) * u64::from(b)).sum()
}

/// n → make → blob → {size, checksum}: the blob is an artifact, the rest inline.
fn blob_config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("blobs")
        .node(DataNodeConfig::with_default("n", 64u64))
        .task(TaskConfig::new("make", make).inputs(["n"]).outputs(["blob"]))
        .task(TaskConfig::new("size", |b: &Blob| b.0.len() as u64).inputs(["blob"]).outputs(["size"]))
        .task(TaskConfig::new("checksum", checksum).inputs(["blob"]).outputs(["sum"]))
        .build()
        .unwrap()
}

/// The scenario's values are those of an uncorrupted run with the default `n`.
fn assert_right_values(s: &Scenario) {
    let right = make(&64);
    assert_eq!(s.data_node::<Blob>("blob").unwrap().read().unwrap(), right);
    assert_eq!(s.data_node::<u64>("size").unwrap().read().unwrap(), 64);
    assert_eq!(s.data_node::<u64>("sum").unwrap().read().unwrap(), checksum(&right));
}

/// Old main: the resubmit skipped `make` (a skip only checked that the file existed) and every
/// value downstream was computed from the corrupted bytes.
#[test]
fn a_corrupted_artifact_is_quarantined_and_its_task_re_runs() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &blob_config(), "first").unwrap();
    s.submit().unwrap().wait().unwrap();
    let blob = s.data_node::<Blob>("blob").unwrap();
    let version = blob.last_edit().unwrap().unwrap();
    let path = artifact_path(&store, &version);
    let right = std::fs::read(&path).unwrap();
    assert_eq!(right, make(&64).0);
    assert_eq!(store.disk_usage().unwrap().quarantined_bytes, 0);

    let wrong = overwrite_same_length(&path);
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["make=Completed", "size=Skipped", "checksum=Skipped"]);
    assert_eq!(reason(&r, "make"), Reason::OutputCorrupt);
    // The re-run gave the same content: no new version, so the tasks downstream skip.
    assert_eq!(reason(&r, "size"), Reason::Unchanged);
    assert_eq!(blob.last_edit().unwrap().unwrap().number, version.number);
    assert_eq!(std::fs::read(&path).unwrap(), right, "the re-run wrote a correct file");
    let moved = quarantined(&store);
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(std::fs::read(&moved[0]).unwrap(), wrong, "the damaged file is kept for inspection");
    assert!(store.disk_usage().unwrap().quarantined_bytes > 0);
    assert_right_values(&s);

    // Nothing left to find: the next submit skips everything.
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Skipped), ["make", "size", "checksum"]);
}

/// Old main: a truncated Parquet artifact failed every submit, forced ones too, because the
/// writer kept the existing file of the same name; a `Blob` was served truncated.
#[test]
fn a_truncated_artifact_re_runs_and_a_forced_submit_replaces_it() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &blob_config(), "first").unwrap();
    s.submit().unwrap().wait().unwrap();
    let version = s.data_node::<Blob>("blob").unwrap().last_edit().unwrap().unwrap();
    let path = artifact_path(&store, &version);
    let right = std::fs::read(&path).unwrap();

    truncate(&path, 10);
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["make=Completed", "size=Skipped", "checksum=Skipped"]);
    assert_eq!(reason(&r, "make"), Reason::OutputCorrupt);
    assert_eq!(std::fs::read(&path).unwrap(), right);
    assert_right_values(&s);

    // Truncated again, then a forced submit: every task runs and the file is whole again.
    truncate(&path, 10);
    let r = s.submit_with(SubmitOptions::new().force(true)).unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), ["make", "size", "checksum"]);
    assert_eq!(reason(&r, "make"), Reason::Forced);
    assert_eq!(std::fs::read(&path).unwrap(), right, "a forced run must not keep the damaged file");
    assert_eq!(quarantined(&store).len(), 2);
    assert_right_values(&s);
}

/// Asserts that `err` is an unreadable value of node `blob`, version `number`, whose artifact
/// `file` is corrupt, and that its message says all three.
fn assert_corrupt_value(err: StoreError, number: u64, file: &Path) {
    let text = err.to_string();
    match err {
        StoreError::UnreadableValue { node, number: n, source } => {
            assert_eq!((node.as_str(), n), ("blob", number));
            match *source {
                StoreError::ArtifactCorrupt { file: f, quarantined, .. } => {
                    assert_eq!(f, file);
                    assert!(quarantined.exists(), "{}", quarantined.display());
                }
                other => panic!("not ArtifactCorrupt: {other:?}"),
            }
        }
        other => panic!("not UnreadableValue: {other:?}"),
    }
    assert!(text.contains("`blob`") && text.contains(&format!("version {number}")), "{text}");
    assert!(text.contains(&file.display().to_string()), "{text}");
}

/// Old main: reading a value never checked its artifact's hash and returned the corrupted bytes.
#[test]
fn reading_a_corrupt_value_is_an_error_naming_node_version_and_file() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &blob_config(), "first").unwrap();
    s.submit().unwrap().wait().unwrap();
    let blob = s.data_node::<Blob>("blob").unwrap();
    let version = blob.last_edit().unwrap().unwrap();
    let path = artifact_path(&store, &version);

    let wrong = overwrite_same_length(&path);
    assert_corrupt_value(blob.read().unwrap_err(), version.number, &path);
    assert!(!path.exists(), "a corrupt artifact is moved aside, never served");

    // The same bytes put back (another inode, another time): `read_version` refuses them too.
    std::fs::write(&path, &wrong).unwrap();
    touch_elsewhere(&path, SystemTime::now());
    assert_corrupt_value(blob.read_version(version.number).unwrap_err(), version.number, &path);
    assert_eq!(quarantined(&store).len(), 2);
}

/// Old main: a fresh scenario of the same config reused the remembered (corrupted) result.
#[test]
fn a_fresh_scenario_does_not_reuse_a_corrupt_result() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = blob_config();
    let first = Scenario::create(&store, &config, "first").unwrap();
    first.submit().unwrap().wait().unwrap();
    let version = first.data_node::<Blob>("blob").unwrap().last_edit().unwrap().unwrap();
    let path = artifact_path(&store, &version);
    let right = std::fs::read(&path).unwrap();
    overwrite_same_length(&path);

    let second = Scenario::create(&store, &config, "second").unwrap();
    let r = second.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&r), ["make=Completed", "size=Skipped", "checksum=Skipped"]);
    assert_eq!(reason(&r, "make"), Reason::OutputCorrupt);
    assert_eq!(reason(&r, "size"), Reason::ReusedElsewhere);
    assert_eq!(std::fs::read(&path).unwrap(), right);
    assert_right_values(&second);
    // The first scenario's value is the same content, so it is readable again too.
    assert_right_values(&first);
}

// ---------------------------------------------------------------------------------------------
// 2. Garbage collection while values are written

/// a, b, c: blobs users write; join(a, b) → ab; len(ab) → len.
fn stress_config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("stress")
        .node(DataNodeConfig::with_default("a", Blob(b"a".to_vec())))
        .node(DataNodeConfig::with_default("b", Blob(b"b".to_vec())))
        .node(DataNodeConfig::with_default("c", Blob(b"c".to_vec())))
        .task(
            TaskConfig::new("join", |a: &Blob, b: &Blob| Blob([a.0.as_slice(), &b.0].concat()))
                .inputs(["a", "b"])
                .outputs(["ab"]),
        )
        .task(TaskConfig::new("len", |ab: &Blob| ab.0.len() as u64).inputs(["ab"]).outputs(["len"]))
        .build()
        .unwrap()
}

/// The `i`-th value a writer of node `name` writes: unique, a few KiB.
fn nth_value(name: &str, i: usize) -> Vec<u8> {
    format!("{name} #{i}; ").repeat(256 + i).into_bytes()
}

/// Writes per user-written node.
const WRITES: usize = 150;

/// What [`write_while_collecting`] did.
struct Stress {
    /// By node, the version each write reported saved, with its bytes.
    saved: BTreeMap<&'static str, Vec<(u64, Vec<u8>)>>,
    collections: usize,
    submits: usize,
}

/// Three threads write `WRITES` values each into a, b and c (one node each, so the version a
/// write reports is its own), while one thread collects garbage in a loop (`retention`: with
/// [`GcPolicy::keep`] every other time, else keeping everything) and one submits the scenario
/// in a loop.
fn write_while_collecting(s: &Scenario, retention: bool) -> Stress {
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writers = ["a", "b", "c"].map(|name| {
            scope.spawn(move || {
                let node = s.data_node::<Blob>(name).unwrap();
                let mut saved = Vec::with_capacity(WRITES);
                for i in 0..WRITES {
                    let bytes = nth_value(name, i);
                    node.write(Blob(bytes.clone())).unwrap();
                    saved.push((node.last_edit().unwrap().unwrap().number, bytes));
                }
                (name, saved)
            })
        });
        let collector = scope.spawn(|| {
            let mut collections = 0;
            while !done.load(Ordering::SeqCst) {
                if collections % 2 == 0 {
                    s.store().collect_garbage().unwrap();
                } else if retention {
                    s.store().gc(GcPolicy::keep(2, 1)).unwrap();
                } else {
                    s.store().gc(GcPolicy::keep_all()).unwrap();
                }
                collections += 1;
                // A breath between collections: a collection holds the gate exclusively, and
                // back to back they would starve the writers.
                std::thread::sleep(Duration::from_millis(1));
            }
            collections
        });
        let submitter = scope.spawn(|| {
            let mut submits = 0;
            while !done.load(Ordering::SeqCst) {
                s.submit().unwrap().wait().unwrap();
                submits += 1;
            }
            submits
        });
        let written: Vec<_> = writers.into_iter().map(|w| w.join()).collect();
        done.store(true, Ordering::SeqCst);
        let (collections, submits) = (collector.join().unwrap(), submitter.join().unwrap());
        Stress { saved: written.into_iter().map(|w| w.unwrap()).collect(), collections, submits }
    })
}

/// Every version in the history of `name` can be read.
fn assert_history_readable<T: DataValue>(s: &Scenario, name: &str) {
    let node = s.data_node::<T>(name).unwrap();
    for version in node.history().unwrap() {
        if let Err(e) = node.read_version(version.number) {
            panic!("{name} #{} is in the history but cannot be read: {e}", version.number);
        }
    }
}

/// Old main: a write renamed its artifact into place before recording the version and was not
/// counted as running work, so a concurrent `collect_garbage` deleted most of the values writes
/// had reported saved (74–92% of 300).
#[test]
fn gc_never_takes_a_value_a_write_reported_saved() {
    for retention in [false, true] {
        let started = Instant::now();
        let store = Store::temporary_with(StoreOptions::standalone(2)).unwrap();
        let s = Scenario::create(&store, &stress_config(), "stress").unwrap();
        let work = s.clone();
        let Stress { saved, collections, submits } =
            watchdog(Duration::from_secs(60), move || write_while_collecting(&work, retention));
        eprintln!(
            "retention {retention}: {} writes, {collections} collections, {submits} submits in {:?}",
            3 * WRITES,
            started.elapsed()
        );
        assert!(collections > 1 && submits > 0, "the threads hardly overlapped");
        for (name, saved) in saved {
            let node = s.data_node::<Blob>(name).unwrap();
            let kept: BTreeSet<u64> = node.history().unwrap().iter().map(|v| v.number).collect();
            let last = saved.last().unwrap().0;
            assert_eq!(node.last_edit().unwrap().unwrap().number, last, "{name}");
            for (number, bytes) in &saved {
                if !kept.contains(number) {
                    assert!(retention, "{name} #{number} was reported saved and is gone from the history");
                    continue;
                }
                match node.read_version(*number) {
                    Ok(value) => assert!(value.0 == *bytes, "{name} #{number} holds other bytes"),
                    Err(e) => panic!("{name} #{number} was reported saved and cannot be read: {e}"),
                }
            }
        }
        for name in ["a", "b", "c", "ab"] {
            assert_history_readable::<Blob>(&s, name);
        }
        assert_history_readable::<u64>(&s, "len");
    }
}

/// One user-written blob `v` (and a task reading it).
fn one_blob_config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("one")
        .node(DataNodeConfig::with_default("v", Blob(b"v".to_vec())))
        .task(TaskConfig::new("len", |v: &Blob| v.0.len() as u64).inputs(["v"]).outputs(["len"]))
        .build()
        .unwrap()
}

/// A duplicate's values are copies of the source's current versions: collection must not take
/// one between the copy's read and its commit, even when the source moves on meanwhile.
/// (`Scenario::duplicate` held no gate: `gc(keep_only_current)` deleted the artifact of a
/// version it had just read, and the copy's value was unreadable.)
#[test]
fn gc_never_takes_a_value_a_duplicate_copied() {
    const DUPLICATES: usize = 200;
    let started = Instant::now();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &one_blob_config(), "source").unwrap();
    let work = s.clone();
    let (copies, writes, collections) = watchdog(Duration::from_secs(60), move || {
        let s = &work;
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                let v = s.data_node::<Blob>("v").unwrap();
                let mut writes = 0;
                while !done.load(Ordering::SeqCst) {
                    writes += 1;
                    v.write(Blob(nth_value("v", writes))).unwrap();
                }
                writes
            });
            let collector = scope.spawn(|| {
                let mut collections = 0;
                while !done.load(Ordering::SeqCst) {
                    s.store().gc(GcPolicy::keep_only_current()).unwrap();
                    collections += 1;
                    std::thread::sleep(Duration::from_millis(1)); // a breath, as above
                }
                collections
            });
            let copies = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                (0..DUPLICATES).map(|i| s.duplicate(&format!("copy {i}")).unwrap()).collect::<Vec<_>>()
            }));
            done.store(true, Ordering::SeqCst);
            let (writes, collections) = (writer.join().unwrap(), collector.join().unwrap());
            match copies {
                Ok(copies) => (copies, writes, collections),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    });
    eprintln!(
        "{DUPLICATES} duplicates, {writes} writes, {collections} collections in {:?}",
        started.elapsed()
    );
    for copy in copies {
        let value = copy.data_node::<Blob>("v").unwrap().read();
        assert!(value.is_ok(), "{}: {:?}", copy.name(), value.map(|_| ()));
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Two submits of one scenario while values are written

/// Long enough that the two submissions' jobs overlap: the second one's `start_job` then finds
/// its outputs held by the first one's (the path of the old deadlock).
fn briefly<T>(value: T) -> T {
    std::thread::sleep(Duration::from_micros(300));
    value
}

/// x → double → y → triple → t, (y, t) → add → z: inline values, short jobs, one at a time per
/// submission, so that with two workers the two submissions' jobs run side by side.
fn twice_config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("twice")
        .node(DataNodeConfig::with_default("x", 1u64))
        .task(TaskConfig::new("double", |x: &u64| briefly(x * 2)).inputs(["x"]).outputs(["y"]))
        .task(TaskConfig::new("triple", |y: &u64| briefly(y * 3)).inputs(["y"]).outputs(["t"]))
        .task(TaskConfig::new("add", |y: &u64, t: &u64| briefly(y + t)).inputs(["y", "t"]).outputs(["z"]))
        .build()
        .unwrap()
}

/// Fails unless every failed job of `submission` failed because the other submission held its
/// output (`NodeBusy`): the one failure two submits of one scenario may legitimately cause.
fn assert_only_busy_failures(submission: &Submission) -> usize {
    let _ = submission.wait();
    let mut failed = 0;
    for job in submission.report().jobs {
        if job.status == JobStatus::Failed {
            let error = job.error.map(|e| e.to_string()).unwrap_or_default();
            assert!(error.contains("is being written by job"), "job {} failed: {error}", job.task);
            failed += 1;
        }
    }
    failed
}

/// Writes `node` in a tight loop until `done`; a write refused because a job holds the node is
/// expected. Returns how many writes were tried.
fn write_until(s: &Scenario, node: &str, done: &AtomicBool) -> u64 {
    let node = s.data_node::<u64>(node).unwrap();
    let mut writes = 0;
    while !done.load(Ordering::SeqCst) {
        writes += 1;
        match node.write(writes) {
            Ok(()) | Err(StoreError::NodeBusy { .. }) => {}
            Err(e) => panic!("writing {}: {e}", node.name()),
        }
    }
    writes
}

/// Old main: a `DataNode::write` held the node-state lock and waited for the busy-marks lock
/// while a worker in `start_job` → `check_not_held` → `node_state` held them the other way
/// round; the process hung holding the store lock.
#[test]
fn two_submits_of_one_scenario_and_writes_do_not_deadlock() {
    /// Rounds of two submits, as many as fit in this time (at least `MIN_ROUNDS`).
    const TIME: Duration = Duration::from_secs(3);
    const MIN_ROUNDS: u64 = 50;
    let started = Instant::now();
    let store = Store::temporary_with(StoreOptions::standalone(2)).unwrap();
    let s = Scenario::create(&store, &twice_config(), "twice").unwrap();
    let work = s.clone();
    let (rounds, busy, writes) = watchdog(Duration::from_secs(60), move || {
        let s = &work;
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            // The input (new values: jobs run rather than skip) and the outputs (mostly refused:
            // busy), in tight loops.
            let writers = ["x", "y", "t", "z"].map(|node| scope.spawn(|| write_until(s, node, &done)));
            let submits = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let (mut rounds, mut busy) = (0, 0);
                while rounds < MIN_ROUNDS || started.elapsed() < TIME {
                    let first = s.submit_with(SubmitOptions::new().force(rounds % 2 == 0)).unwrap();
                    let second = s.submit_with(SubmitOptions::new().force(rounds % 3 == 0)).unwrap();
                    busy += assert_only_busy_failures(&first) + assert_only_busy_failures(&second);
                    rounds += 1;
                }
                (rounds, busy)
            }));
            done.store(true, Ordering::SeqCst);
            let writes = writers.map(|w| w.join().unwrap());
            match submits {
                Ok((rounds, busy)) => (rounds, busy, writes),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    });
    eprintln!(
        "{rounds} rounds of two submits, {busy} jobs refused as busy, writes of x, y, t, z tried: \
         {writes:?}, in {:?}",
        started.elapsed()
    );
    // Alone, a submit runs and the values agree.
    s.submit().unwrap().wait().unwrap();
    let x = s.data_node::<u64>("x").unwrap().read().unwrap();
    assert_eq!(s.data_node::<u64>("z").unwrap().read().unwrap(), 8 * x);
}

// ---------------------------------------------------------------------------------------------
// 5. Disk use

/// n → make → blob; (blob, salt) → grow → big; big → size. blob, salt and big are artifacts.
fn chain_config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("chain")
        .node(DataNodeConfig::with_default("n", 64u64))
        .node(DataNodeConfig::with_default("salt", Blob(b"salt".to_vec())))
        .task(TaskConfig::new("make", make).inputs(["n"]).outputs(["blob"]))
        .task(
            TaskConfig::new("grow", |blob: &Blob, salt: &Blob| {
                Blob([blob.0.as_slice(), &salt.0, &blob.0].concat())
            })
            .inputs(["blob", "salt"])
            .outputs(["big"]),
        )
        .task(TaskConfig::new("size", |big: &Blob| big.0.len() as u64).inputs(["big"]).outputs(["size"]))
        .build()
        .unwrap()
}

/// Every version in `lineage`, as (node name, number, content hash).
fn lineage_versions(lineage: &Lineage, out: &mut BTreeSet<(String, u64, Fingerprint)>) {
    out.insert((lineage.node.clone(), lineage.number, lineage.hash));
    for input in &lineage.inputs {
        lineage_versions(input, out);
    }
}

/// Old main: temporary files left by killed writers stayed in `artifacts/` for good.
#[test]
fn stale_temporaries_are_removed_when_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open_with(dir.path(), StoreOptions::development()).unwrap());
    // A pid no process can have (above the largest pid_max), so no live writer's.
    let stale = dir.path().join("artifacts").join(".tmp-4194305-3.parquet");
    std::fs::write(&stale, vec![0u8; 4096]).unwrap();
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    assert!(!stale.exists(), "a dead writer's temporary file survived the open");
    assert_eq!(store.disk_usage().unwrap().temporary_bytes, 0);
}

/// Old main: memo entries were never pruned, so `collect_garbage` kept the artifact of every
/// result ever computed.
#[test]
fn gc_keeping_only_current_values_keeps_exactly_their_artifacts_and_lineage() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &chain_config(), "chain").unwrap();
    s.submit().unwrap().wait().unwrap();
    let (n, salt) = (s.data_node::<u64>("n").unwrap(), s.data_node::<Blob>("salt").unwrap());
    for (i, value) in [16u64, 32, 48, 80].into_iter().enumerate() {
        n.write(value).unwrap();
        if i % 2 == 1 {
            salt.write(Blob(format!("salt {i}").into_bytes())).unwrap();
        }
        s.submit().unwrap().wait().unwrap();
    }
    let before = store.disk_usage().unwrap();
    assert_eq!(before.artifacts, artifact_hashes(&store).len());

    let report = store.gc(GcPolicy::keep_only_current()).unwrap();
    let after = store.disk_usage().unwrap();
    eprintln!("{report:?}\nbefore: {before:?}\nafter: {after:?}");
    assert!(after.artifacts_bytes < before.artifacts_bytes, "{before:?} -> {after:?}");
    assert_eq!(after.artifacts, before.artifacts - report.artifacts_removed);

    // What is needed: every node's current version and the versions its lineage leads to.
    let mut needed = BTreeSet::new();
    for node in ["n", "size"] {
        lineage_versions(&s.data_node::<u64>(node).unwrap().lineage().unwrap(), &mut needed);
    }
    for node in ["salt", "blob", "big"] {
        lineage_versions(&s.data_node::<Blob>(node).unwrap().lineage().unwrap(), &mut needed);
    }
    let needed_hashes: BTreeSet<String> = needed.iter().map(|(_, _, hash)| hash.to_hex()).collect();
    let left = artifact_hashes(&store);
    assert!(
        left.is_subset(&needed_hashes),
        "artifacts no current version needs: {:?}",
        left.difference(&needed_hashes).collect::<Vec<_>>()
    );
    // ... and each of those is there, readable.
    for (node, number, _) in &needed {
        if ["salt", "blob", "big"].contains(&node.as_str()) {
            let value = s.data_node::<Blob>(node).unwrap().read_version(*number);
            assert!(value.is_ok(), "{node} #{number}: {value:?}");
        }
    }
    assert_eq!(left.len(), 3, "one blob, one salt, one big: {left:?}");
    assert_eq!(s.data_node::<Blob>("blob").unwrap().read().unwrap(), make(&80));
    assert_eq!(s.data_node::<u64>("size").unwrap().read().unwrap(), 2 * 80 + b"salt 3".len() as u64);

    // The results of the current values are remembered still: nothing re-runs.
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Skipped), ["make", "grow", "size"]);
}

/// `GcPolicy::keep(k, _)` keeps the `k` newest versions older than the current one, with their
/// values.
#[test]
fn gc_keeps_as_many_older_versions_as_the_policy_says() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &chain_config(), "chain").unwrap();
    let salt = s.data_node::<Blob>("salt").unwrap();
    for i in 2..=6 {
        salt.write(Blob(format!("salt #{i}").into_bytes())).unwrap();
    }
    let numbers = || salt.history().unwrap().iter().map(|v| v.number).collect::<Vec<_>>();
    assert_eq!(numbers(), [1, 2, 3, 4, 5, 6]);
    for (keep, left) in [(2, &[4, 5, 6][..]), (1, &[5, 6]), (0, &[6])] {
        store.gc(GcPolicy::keep(keep, 0)).unwrap();
        assert_eq!(numbers(), left, "after gc(GcPolicy::keep({keep}, 0))");
        for number in left {
            assert_eq!(salt.read_version(*number).unwrap().0, format!("salt #{number}").into_bytes());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Event callbacks run with no store lock held

/// An event callback may use the store, garbage collection included: it runs with no lock held
/// (`store/commit.rs`). Scenario creation emitted its data nodes' Creation events while holding
/// the gate, so a callback that collected garbage waited for itself.
#[test]
fn a_callback_on_node_creation_may_collect_garbage() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let in_callback = store.clone();
    let filter = EventFilter::all().entity(EntityType::DataNode).operation(Operation::Creation);
    store.on_event(filter, move |_| {
        in_callback.collect_garbage().unwrap();
    });
    let s = watchdog(Duration::from_secs(20), move || Scenario::create(&store, &blob_config(), "s").unwrap());
    assert_eq!(s.data_node::<u64>("n").unwrap().read().unwrap(), 64);
}

/// The same for the update event of an external file found changed when a submission decides on
/// it (it was emitted under the gate, while the job assessed its inputs).
#[test]
fn a_callback_on_a_changed_file_may_collect_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("data.csv");
    common::write_csv(&csv, &common::VALUES);
    let store = Store::temporary_with(StoreOptions::standalone(2)).unwrap();
    let s = Scenario::create(&store, &common::config(&csv), "s").unwrap();
    s.submit().unwrap().wait().unwrap();
    let in_callback = store.clone();
    let filter = EventFilter::all().entity(EntityType::DataNode).operation(Operation::Update);
    store.on_event(filter, move |_| {
        in_callback.collect_garbage().unwrap();
    });
    common::write_csv(&csv, &[1.0, 2.0, 3.0]);
    let work = s.clone();
    let r = watchdog(Duration::from_secs(20), move || work.submit().unwrap().wait().unwrap());
    assert_eq!(reason(&r, "score"), Reason::Changed { code: false, inputs: vec!["path_to_data".into()] });
}

/// Recovery at open walks the jobs of the submissions marked unfinished: finished submissions,
/// in either mode, leave nothing for it to read.
#[test]
fn finished_submissions_leave_nothing_to_recover_at_open() {
    for options in [StoreOptions::default(), StoreOptions::development()] {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open_with(dir.path(), options.clone()).unwrap();
            let s = Scenario::create(&store, &blob_config(), "recovered").unwrap();
            for _ in 0..3 {
                s.submit().unwrap().wait().unwrap();
            }
            assert_eq!(store.jobs_of_scenario(s.id()).unwrap().len(), 9);
        }
        let store = Store::open_with(dir.path(), options).unwrap();
        let stats = store.stats();
        assert_eq!((stats.records_read, stats.index_entries_read), (0, 0), "{stats:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. The memo filter (`taipy-core/src/store/memo_keys.rs`)

/// `n` independent tasks, each reading `x`: what runs in parallel.
fn fan_config(n: u64) -> Arc<ScenarioConfig> {
    let mut builder = ScenarioConfig::builder("fan").node(DataNodeConfig::with_default("x", 1u64));
    for i in 0..n {
        builder = builder.task(
            TaskConfig::new(format!("t{i}"), move |x: &u64| x * 100 + i)
                .version(1)
                .inputs(["x"])
                .outputs([format!("y{i}")]),
        );
    }
    builder.build().unwrap()
}

/// A store lists the memo keys its catalog holds at the first lookup (its submission's
/// dispatcher waits for the list), while another submission, from another thread, decides with
/// the catalog and stages its entries. Whatever the interleaving, every result remembered by
/// either is found afterwards: new scenarios of the same config on the same inputs reuse all.
#[test]
fn results_staged_while_the_memo_filter_is_built_are_all_found() {
    watchdog(Duration::from_secs(300), || {
        let config = fan_config(12);
        for round in 0..40 {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open_with(dir.path(), StoreOptions::standalone(2)).unwrap();
            let scenario = |name: &str, x: u64| {
                let s = Scenario::create(&store, &config, name).unwrap();
                s.data_node::<u64>("x").unwrap().write(x).unwrap();
                s
            };
            let (one, two) = (scenario("one", 1), scenario("two", 2));
            let start = std::sync::Barrier::new(2);
            std::thread::scope(|threads| {
                for s in [&one, &two] {
                    let start = &start;
                    threads.spawn(move || {
                        start.wait();
                        let report = s.submit().unwrap().wait().unwrap();
                        assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report}");
                    });
                }
            });
            for (name, x) in [("again-one", 1), ("again-two", 2)] {
                let report = scenario(name, x).submit().unwrap().wait().unwrap();
                let reused = report.jobs.iter().filter(|j| j.reason == Some(Reason::ReusedElsewhere));
                assert_eq!(reused.count(), 12, "round {round}, x = {x}: {report}");
            }
        }
    });
}
