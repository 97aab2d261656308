//! What artifacts on object storage cost: one submit of a small pipeline whose two outputs are
//! artifacts (`make`: a blob of `--kib` KiB, `tail`: a blob derived from it, `size`: a
//! number), on an on-disk store with its artifacts in the local folder and on an S3-compatible
//! server running in this process (s3s-fs over TCP on 127.0.0.1, tests/support/s3_server.rs):
//! the first submit (everything runs and uploads) and a fully skipped re-submit (every artifact
//! verified: a HEAD per object on S3). Prints the median of `--repeat` fresh scenarios.
//!
//! `cargo bench -p taipy --bench s3_artifacts [-- --kib K --repeat R]`; `--quick` runs each
//! case twice on 64 KiB, for its checks only.

#[path = "../tests/support/s3_server.rs"]
#[allow(unreachable_pub, dead_code)]
mod s3_server;
mod support;

use std::time::Duration;

use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use support::{Args, first_and_skipped, median};
use taipy::prelude::*;
use taipy::{ArtifactsUrl, Payload, StoreCx, StoreError, Stored};

/// Bytes kept in an artifact.
#[derive(Debug, Clone, PartialEq)]
struct Blob(Vec<u8>);

impl DataValue for Blob {
    fn store(&self, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        let writer = cx.new_artifact("blob")?;
        std::fs::write(writer.path(), &self.0)
            .map_err(|e| StoreError::Encode { type_name: "Blob", reason: e.to_string() })?;
        writer.finish()
    }

    fn load(stored: &Stored, cx: &StoreCx<'_>) -> Result<Self, StoreError> {
        let Payload::Artifact { .. } = &stored.payload else { panic!("an artifact") };
        let path = cx.open_artifact(&stored.payload)?.expect("an artifact");
        std::fs::read(&path)
            .map(Blob)
            .map_err(|e| StoreError::Decode { type_name: "Blob", reason: e.to_string() })
    }
}

fn config(bytes: usize) -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("blobs")
        .node(DataNodeConfig::with_default("seed", 0u64))
        .task(
            TaskConfig::new("make", move |seed: &u64| {
                Blob((0..bytes).map(|i| (i as u64).wrapping_mul(*seed + 7) as u8).collect())
            })
            .inputs(["seed"])
            .outputs(["blob"]),
        )
        .task(
            TaskConfig::new("tail", |b: &Blob| Blob(b.0.iter().rev().copied().collect()))
                .inputs(["blob"])
                .outputs(["tail"]),
        )
        .task(TaskConfig::new("size", |b: &Blob| b.0.len() as u64).inputs(["tail"]).outputs(["size"]))
        .build()
        .unwrap()
}

/// Medians of the first submit and of the skipped re-submit, over `repeat` fresh scenarios of
/// one store (each with another seed, so each first submit writes new artifacts).
fn measure(options: StoreOptions, bytes: usize, repeat: usize) -> (Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), options).unwrap();
    let config = config(bytes);
    let (mut first, mut skipped) = (Vec::new(), Vec::new());
    for i in 0..repeat {
        let scenario = Scenario::create(&store, &config, &format!("run {i}")).unwrap();
        scenario.data_node::<u64>("seed").unwrap().write(i as u64 + 1).unwrap();
        let (ran, skip) = first_and_skipped(&scenario);
        first.push(ran);
        skipped.push(skip);
    }
    (median(first), median(skipped))
}

fn main() {
    let args = Args::read();
    let flag = |name: &str, default: usize| args.number(name, default);
    let quick = args.quick();
    let kib = flag("--kib", if quick { 64 } else { 1024 });
    let repeat = flag("--repeat", if quick { 2 } else { 21 });

    let server = S3Server::start();
    server.create_bucket("bench");
    let url = ArtifactsUrl::parse("s3://bench/runs")
        .unwrap()
        .endpoint(&server.endpoint)
        .credentials(ACCESS_KEY, SECRET_KEY);
    println!("one submit of make → tail → size, two artifacts of {kib} KiB, median of {repeat}:");
    for (name, options) in [
        ("local folder", StoreOptions::development()),
        ("S3 (in-process s3s-fs)", StoreOptions::development().with_artifacts(url)),
    ] {
        let (first, skipped) = measure(options, kib << 10, repeat);
        println!(
            "  {name:<24} first submit {:>9.2} ms   skipped re-submit {:>7.2} ms",
            ms(first),
            ms(skipped)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
