//! A store whose artifacts are on S3-compatible object storage (`StoreOptions::artifacts`),
//! against the S3 server started in the test process (tests/support/s3_server.rs): the same
//! results as with the local folder, skips, a damaged object re-computed, garbage collection,
//! a clear error for a missing bucket, and the TOML `[CORE]` key.

mod common;
#[path = "support/s3_server.rs"]
#[allow(unreachable_pub)]
mod s3_server;

use std::sync::Arc;

use common::Blob;
use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use taipy::prelude::*;
use taipy::storage::s3::{S3Bucket, S3Settings};
use taipy::{ArtifactsUrl, GcPolicy, JobStatus, Reason, StoreError};

const BUCKET: &str = "team-artifacts";
const PREFIX: &str = "q3/runs";

/// `n` → `make` → `blob` (an artifact) → `size` → `size`; `blob` → `tail` → `tail` (another
/// artifact).
fn config() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("blobs")
        .node(DataNodeConfig::with_default("n", 3u64))
        .task(TaskConfig::new("make", |n: &u64| Blob(vec![7; *n as usize])).inputs(["n"]).outputs(["blob"]))
        .task(TaskConfig::new("size", |b: &Blob| b.0.len() as u64).inputs(["blob"]).outputs(["size"]))
        .task(
            TaskConfig::new("tail", |b: &Blob| Blob(b.0.iter().skip(1).map(|x| x + 1).collect()))
                .inputs(["blob"])
                .outputs(["tail"]),
        )
        .build()
        .unwrap()
}

fn url(server: &S3Server, bucket: &str) -> ArtifactsUrl {
    ArtifactsUrl::parse(&format!("s3://{bucket}/{PREFIX}"))
        .unwrap()
        .endpoint(&server.endpoint)
        .credentials(ACCESS_KEY, SECRET_KEY)
}

fn s3_store(server: &S3Server) -> Store {
    Store::temporary_with(StoreOptions::development().with_artifacts(url(server, BUCKET))).unwrap()
}

/// The bucket through a client of its own, as another program sees it.
fn bucket(server: &S3Server) -> S3Bucket {
    S3Bucket::connect(&S3Settings::new(BUCKET).endpoint(&server.endpoint).credentials(ACCESS_KEY, SECRET_KEY))
        .unwrap()
}

/// The artifact objects' names (`<hash>.blob`), sorted.
fn objects(server: &S3Server) -> Vec<String> {
    bucket(server)
        .list(&format!("{PREFIX}/"))
        .unwrap()
        .into_iter()
        .map(|(key, _)| key.rsplit('/').next().unwrap().to_owned())
        .collect()
}

fn outputs(s: &Scenario) -> (Blob, u64, Blob) {
    (
        s.data_node::<Blob>("blob").unwrap().read().unwrap(),
        s.data_node::<u64>("size").unwrap().read().unwrap(),
        s.data_node::<Blob>("tail").unwrap().read().unwrap(),
    )
}

#[test]
fn a_pipeline_on_s3_gives_the_local_results_and_skips_on_resubmit() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let local = Store::temporary_with(StoreOptions::development()).unwrap();
    // Parallel jobs (`size` and `tail`) share the S3 client.
    let on_s3 =
        Store::temporary_with(StoreOptions::standalone(2).with_artifacts(url(&server, BUCKET))).unwrap();
    let (a, b) = (
        Scenario::create(&local, &config(), "q3").unwrap(),
        Scenario::create(&on_s3, &config(), "q3").unwrap(),
    );
    for s in [&a, &b] {
        let report = s.submit().unwrap().wait().unwrap();
        assert_eq!(report.tasks_with(JobStatus::Completed), ["make", "size", "tail"]);
    }
    assert_eq!(outputs(&a), outputs(&b));
    assert_eq!(outputs(&b), (Blob(vec![7; 3]), 3, Blob(vec![8; 2])));

    // The two artifacts are objects named by their content hash, as the local files are.
    let mut local_files: Vec<String> = std::fs::read_dir(local.path().join("artifacts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    local_files.sort();
    assert_eq!(objects(&server), local_files);
    assert!(
        std::fs::read_dir(on_s3.path().join("artifacts")).is_err(),
        "nothing is written to the local artifacts folder"
    );

    let report = b.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Skipped), ["make", "size", "tail"]);
    assert_eq!(outputs(&b), outputs(&a));

    let usage = on_s3.disk_usage().unwrap();
    assert_eq!((usage.artifacts, usage.artifacts_bytes), (2, 5));
}

#[test]
fn a_damaged_object_makes_its_producer_run_again() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let store = s3_store(&server);
    let s = Scenario::create(&store, &config(), "q3").unwrap();
    s.submit().unwrap().wait().unwrap();
    // `blob` holds [7, 7, 7]: overwrite its object's bytes through the S3 API.
    let blob_key = {
        let stored = objects(&server);
        let tail = outputs(&s).2;
        let tail_name = stored
            .iter()
            .find(|name| bucket(&server).get(&format!("{PREFIX}/{name}")).unwrap() == tail.0)
            .unwrap()
            .clone();
        let blob = stored.into_iter().find(|name| *name != tail_name).unwrap();
        format!("{PREFIX}/{blob}")
    };
    bucket(&server).put(&blob_key, vec![7, 7, 8]).unwrap();

    let report = s.submit().unwrap().wait().unwrap();
    let make = report.job("make").unwrap();
    assert_eq!((make.status, make.reason.clone()), (JobStatus::Completed, Some(Reason::OutputCorrupt)));
    assert_eq!(outputs(&s), (Blob(vec![7; 3]), 3, Blob(vec![8; 2])), "the damaged bytes are never read");
    assert_eq!(bucket(&server).get(&blob_key).unwrap(), [7, 7, 7], "written again");
    let quarantined = bucket(&server).list(&format!("{PREFIX}/quarantine/")).unwrap();
    assert_eq!(quarantined.len(), 1, "the damaged object is kept aside: {quarantined:?}");
    assert_eq!(store.disk_usage().unwrap().quarantined_bytes, 3);
}

#[test]
fn garbage_collection_deletes_unreferenced_objects_and_never_a_referenced_one() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let store = s3_store(&server);
    let s = Scenario::create(&store, &config(), "q3").unwrap();
    s.submit().unwrap().wait().unwrap();
    let first = objects(&server);
    s.data_node::<u64>("n").unwrap().write(5).unwrap();
    s.submit().unwrap().wait().unwrap();
    assert_eq!(objects(&server).len(), 4);

    // Every object is a version of `blob` or `tail`: nothing to collect.
    assert_eq!(store.collect_garbage().unwrap(), 0);
    assert_eq!(objects(&server).len(), 4);

    // Keeping only current versions and no memo: the first run's two objects go.
    let report = store.gc(GcPolicy::keep_only_current()).unwrap();
    assert_eq!(report.artifacts_removed, 2, "{report:?}");
    let left = objects(&server);
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|name| !first.contains(name)), "{left:?} / {first:?}");
    assert_eq!(outputs(&s), (Blob(vec![7; 5]), 5, Blob(vec![8; 4])));

    // A stray object under the prefix is collected too.
    bucket(&server).put(&format!("{PREFIX}/stray.blob"), b"x".to_vec()).unwrap();
    assert_eq!(store.collect_garbage().unwrap(), 1);
    assert_eq!(objects(&server).len(), 2);
}

#[test]
fn a_missing_bucket_is_a_clear_error_at_open() {
    let server = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions::development().with_artifacts(url(&server, "no-such-bucket"));
    let err = Store::open_with(dir.path(), options).unwrap_err();
    assert!(matches!(err, StoreError::ArtifactStorage { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("s3://no-such-bucket/q3/runs")
            && message.contains("bucket `no-such-bucket` does not exist"),
        "{message}"
    );
    // The store opens once the location is right.
    server.create_bucket("no-such-bucket");
    let options = StoreOptions::development().with_artifacts(url(&server, "no-such-bucket"));
    Store::open_with(dir.path(), options).unwrap();
}

#[test]
fn the_toml_core_section_names_the_artifacts_url() {
    use taipy::toml::TomlConfig;
    let load = |core: &str| TomlConfig::from_str(&format!("[CORE]\n{core}\n"));
    assert_eq!(load("").unwrap().store_options().artifacts, None);
    let options = load("artifacts_url = \"s3://team-artifacts/q3?endpoint=http://127.0.0.1:9000\"")
        .unwrap()
        .store_options();
    let url = options.artifacts.expect("an artifacts URL");
    assert_eq!(
        (url.bucket(), url.prefix(), url.endpoint_url()),
        ("team-artifacts", "q3", Some("http://127.0.0.1:9000"))
    );
    let err = load("artifacts_url = \"/var/artifacts\"").unwrap_err().to_string();
    assert!(
        err.contains("line 2") && err.contains("artifacts URL `/var/artifacts`: only `s3://bucket/prefix`"),
        "{err}"
    );
}
