//! Values stored as content-addressed artifact files: restored on skip, re-computed when gone,
//! garbage-collected when nothing refers to them.

mod common;

use common::Blob;
use taipy::prelude::*;
use taipy::{JobStatus, Reason};

fn artifacts(store: &Store) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> =
        std::fs::read_dir(store.path().join("artifacts")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn artifacts_are_restored_recomputed_and_collected() {
    let config = ScenarioConfig::builder("blobs")
        .node(DataNodeConfig::with_default("n", 3u64))
        .task(TaskConfig::new("make", |n: &u64| Blob(vec![7; *n as usize])).inputs(["n"]).outputs(["blob"]))
        .task(TaskConfig::new("size", |b: &Blob| b.0.len() as u64).inputs(["blob"]).outputs(["size"]))
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config, "b").unwrap();
    s.submit().unwrap().wait().unwrap();
    assert_eq!(artifacts(&store).len(), 1);
    assert_eq!(s.data_node::<Blob>("blob").unwrap().read().unwrap(), Blob(vec![7; 3]));
    // The first artifact, dated an hour back: a rewrite would give it another inode or time.
    let first = artifacts(&store).remove(0);
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&first).unwrap().set_modified(an_hour_ago).unwrap();
    let identity = |path: &std::path::Path| {
        let meta = std::fs::metadata(path).unwrap();
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        (inode, meta.modified().unwrap())
    };
    let first_identity = identity(&first);

    // A second value: a second artifact; going back reuses the first without rewriting it.
    s.data_node::<u64>("n").unwrap().write(5).unwrap();
    s.submit().unwrap().wait().unwrap();
    assert_eq!(artifacts(&store).len(), 2);
    s.data_node::<u64>("n").unwrap().write(3).unwrap();
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Skipped), ["make", "size"]);
    assert_eq!(s.data_node::<Blob>("blob").unwrap().read().unwrap(), Blob(vec![7; 3]));
    assert_eq!(artifacts(&store).len(), 2);
    assert_eq!(identity(&first), first_identity, "the first artifact was rewritten");

    // Nothing unreferenced yet: every artifact is a version of `blob`.
    assert_eq!(store.collect_garbage().unwrap(), 0);

    // A remembered output that disappeared is recomputed, not restored.
    for file in artifacts(&store) {
        std::fs::remove_file(file).unwrap();
    }
    let r = s.submit().unwrap().wait().unwrap();
    assert_eq!(r.job("make").unwrap().status, JobStatus::Completed);
    assert_eq!(r.job("make").unwrap().reason, Some(Reason::OutputsMissing));
    assert_eq!(s.data_node::<Blob>("blob").unwrap().read().unwrap(), Blob(vec![7; 3]));

    // A stray file in the artifacts folder is collected.
    std::fs::write(store.path().join("artifacts").join("stray.blob"), b"x").unwrap();
    assert_eq!(store.collect_garbage().unwrap(), 1);
    assert_eq!(artifacts(&store).len(), 1);
}
