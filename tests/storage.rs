//! Regression tests of the storage layer (issue 10, "Fixes for the five failures"): each one
//! failed on the store before its redesign.
//!
//! 1. a corrupted artifact is quarantined and its task re-runs, never served;
//! 2. garbage collection never takes a value that a write reported saved;
//! 3. two submits of one scenario and concurrent writes do not deadlock;
//! 4. (unreadable records: unit tests in `taipy-core/src/store/mod.rs`);
//! 5. stale temporaries go at open, and `gc` frees what no current version needs.
//!
//! The concurrent tests run their work under a watchdog: a hang fails the test.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::{Blob, reason, statuses};
use taipy::prelude::*;
use taipy::{Reason, StoreError, Version};

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
