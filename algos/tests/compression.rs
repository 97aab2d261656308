//! Frame artifacts and their codec (`StoreOptions::frame_compression`): a store reads the
//! artifacts of every codec, and a codec change re-runs nothing by itself; what it costs is one
//! lost early cutoff, since equal frames written with two codecs have different content hashes.

mod common;

use std::path::{Path, PathBuf};

use algos::{HighValueSummary, SegmentResult};
use common::{TASKS, customer_analysis};
use taipy::polars::prelude::DataFrame;
use taipy::{FrameCompression, JobStatus, Scenario, Store, StoreOptions, SubmissionReport};

use JobStatus::{Completed, Skipped};

const CODECS: [FrameCompression; 3] =
    [FrameCompression::Uncompressed, FrameCompression::Lz4, FrameCompression::Zstd(3)];

fn open(dir: &Path, codec: FrameCompression) -> Store {
    let options = StoreOptions::development().with_frame_compression(codec);
    Store::open_with(dir.join("store"), options).unwrap()
}

/// The sample customers file, copied into `dir` so that a test can rewrite it.
fn sample_data(dir: &Path) -> PathBuf {
    let data = dir.join("customers.csv");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/customers.csv"), &data).unwrap();
    data
}

/// Rewrites the file with the same values: `zeros` more trailing zeros on the first row's
/// `TotalPurchaseAmount`. Its bytes change, so task 1 re-runs; its output does not.
fn rewrite_equivalently(data: &Path, zeros: usize) {
    let text = std::fs::read_to_string(data).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut fields: Vec<String> = lines[1].split(',').map(str::to_owned).collect();
    assert!(fields[1].contains('.'), "a decimal amount: {}", lines[1]);
    fields[1].push_str(&"0".repeat(zeros));
    lines[1] = fields.join(",");
    std::fs::write(data, lines.join("\n") + "\n").unwrap();
}

fn submit(scenario: &Scenario) -> Vec<JobStatus> {
    let report: SubmissionReport = scenario.submit().unwrap().wait().unwrap();
    TASKS.iter().map(|task| report.job(task).unwrap().status).collect()
}

/// Both outputs of the walkthrough, collected.
fn outputs(scenario: &Scenario) -> (DataFrame, DataFrame) {
    let segments = scenario.data_node::<SegmentResult>("segment_result").unwrap().read().unwrap();
    let summary = scenario.data_node::<HighValueSummary>("high_value_summary_df").unwrap().read().unwrap();
    (segments.0.collect().unwrap(), summary.0.collect().unwrap())
}

#[test]
fn a_store_reopened_with_another_codec_skips_everything_and_reads_the_old_artifacts() {
    for (i, first) in CODECS.into_iter().enumerate() {
        let then = CODECS[(i + 1) % CODECS.len()];
        let dir = tempfile::tempdir().unwrap();
        let config = customer_analysis(&sample_data(dir.path()));
        let (id, expected) = {
            let store = open(dir.path(), first);
            let scenario = Scenario::create(&store, &config, "codecs").unwrap();
            assert_eq!(submit(&scenario), [Completed; 4], "{first}");
            (scenario.id().to_owned(), outputs(&scenario))
        };
        let store = open(dir.path(), then);
        let scenario = Scenario::open(&store, &config, &id).unwrap();
        // Memo keys are made of input hashes, which a codec does not change.
        assert_eq!(submit(&scenario), [Skipped; 4], "written {first}, reopened {then}");
        let (segments, summary) = outputs(&scenario);
        assert!(segments.equals_missing(&expected.0), "{first} → {then}");
        assert!(summary.equals_missing(&expected.1), "{first} → {then}");
    }
}

#[test]
fn a_codec_change_costs_one_early_cutoff() {
    let dir = tempfile::tempdir().unwrap();
    let data = sample_data(dir.path());
    let config = customer_analysis(&data);
    let id = {
        let store = open(dir.path(), FrameCompression::Uncompressed);
        let scenario = Scenario::create(&store, &config, "cutoff").unwrap();
        assert_eq!(submit(&scenario), [Completed; 4]);
        // Same codec: task 1 re-runs on the rewritten file, writes the same bytes, and the
        // tasks after it skip (early cutoff).
        rewrite_equivalently(&data, 1);
        assert_eq!(submit(&scenario), [Completed, Skipped, Skipped, Skipped]);
        scenario.id().to_owned()
    };

    let store = open(dir.path(), FrameCompression::Zstd(3));
    let scenario = Scenario::open(&store, &config, &id).unwrap();
    let expected = outputs(&scenario);
    // Another codec: task 1's output has the same rows but other bytes, hence a new version
    // with a new hash, so every task after it re-runs once, writing the new codec...
    rewrite_equivalently(&data, 2);
    assert_eq!(submit(&scenario), [Completed; 4]);
    // Re-computed, the results are the same to the last bit (means are exactly rounded sums
    // divided by counts, see `algos::exact`).
    let (segments, summary) = outputs(&scenario);
    assert!(segments.equals_missing(&expected.0), "{segments}\n!=\n{}", expected.0);
    assert!(summary.equals_missing(&expected.1), "{summary}\n!=\n{}", expected.1);
    // ... after which early cutoff works again.
    rewrite_equivalently(&data, 3);
    assert_eq!(submit(&scenario), [Completed, Skipped, Skipped, Skipped]);
}
