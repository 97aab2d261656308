//! Lineage of data-node versions: the job, task and code that wrote a version and the input
//! versions it read, recursively down to source values and files.

mod common;

use common::{VALUES, config, write_csv};
use taipy::prelude::*;
use taipy::{JobStatus, Writer};

#[test]
fn a_computed_version_leads_to_its_job_code_and_inputs_down_to_the_sources() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    write_csv(&csv, &VALUES);
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = config(&csv);
    let s = Scenario::create(&store, &config, "s").unwrap();
    let first = s.submit().unwrap().wait().unwrap();

    let summary = s.data_node::<String>("summary").unwrap();
    let lineage = summary.lineage().unwrap();
    let tree = lineage.outline().replace(&csv.display().to_string(), "CSV");
    assert_eq!(
        tree,
        "\
summary #1 <- task summarise
  segmented #1 <- task segment
    scored #1 <- task score
      path_to_data #1 <- default value [file CSV]
    payment_threshold #1 <- default value
    score_threshold #1 <- default value
  segment_result #1 <- task analyse
    segmented #1 <- task segment
      scored #1 <- task score
        path_to_data #1 <- default value [file CSV]
      payment_threshold #1 <- default value
      score_threshold #1 <- default value
    metric #1 <- default value
  summary_statistic_type #1 <- default value
"
    );
    let job = lineage.job.as_ref().unwrap();
    assert_eq!(job.id, first.job("summarise").unwrap().id);
    assert_eq!(job.status, JobStatus::Completed);
    assert_eq!(job.code, Some(config.task("summarise").unwrap().fingerprint()));
    assert_eq!(
        lineage.inputs[0].hash,
        s.data_node::<Vec<(f64, bool, bool)>>("segmented").unwrap().last_edit().unwrap().unwrap().hash
    );
    // The printable tree carries job ids, code fingerprints and hashes.
    let printed = lineage.to_string();
    assert!(printed.contains(&format!("job {}", job.id)), "{printed}");
    assert!(printed.contains(&config.task("summarise").unwrap().fingerprint().short()), "{printed}");

    // A user edit, a re-run, and the way back to the first value (restored, not recomputed).
    let threshold = s.data_node::<f64>("payment_threshold").unwrap();
    threshold.write_with_comment(1600.0, "raised").unwrap();
    s.submit().unwrap().wait().unwrap();
    let segmented = s.data_node::<Vec<(f64, bool, bool)>>("segmented").unwrap();
    assert_eq!(
        segmented.lineage().unwrap().outline().replace(&csv.display().to_string(), "CSV"),
        "\
segmented #2 <- task segment
  scored #1 <- task score
    path_to_data #1 <- default value [file CSV]
  payment_threshold #2 <- user
  score_threshold #1 <- default value
"
    );
    threshold.write(1000.0).unwrap();
    let third = s.submit().unwrap().wait().unwrap();
    assert_eq!(third.job("segment").unwrap().status, JobStatus::Skipped);
    let lineage = segmented.lineage().unwrap();
    assert_eq!(
        lineage.outline().replace(&csv.display().to_string(), "CSV"),
        "\
segmented #3 <- task segment, reused
  scored #1 <- task score
    path_to_data #1 <- default value [file CSV]
  payment_threshold #3 <- user
  score_threshold #1 <- default value
"
    );
    assert!(
        matches!(&lineage.writer, Writer::Reused { from_job, .. } if *from_job == first.job("segment").unwrap().id)
    );
    assert_eq!(lineage.job.as_ref().unwrap().status, JobStatus::Skipped);
    // Earlier versions keep their own lineage.
    assert_eq!(segmented.lineage_of(2).unwrap().inputs[1].number, 2);
}

#[test]
fn a_changed_file_and_a_duplicated_value_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    write_csv(&csv, &VALUES);
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let config = config(&csv);
    let s = Scenario::create(&store, &config, "s").unwrap();
    s.submit().unwrap().wait().unwrap();
    write_csv(&csv, &[1.0, 2.0]);
    s.submit_task("score", SubmitOptions::new()).unwrap().wait().unwrap();
    let scored = s.data_node::<Vec<f64>>("scored").unwrap();
    assert_eq!(
        scored.lineage().unwrap().outline().replace(&csv.display().to_string(), "CSV"),
        "scored #2 <- task score\n  path_to_data #2 <- file changed on disk [file CSV]\n"
    );

    let copy = s.duplicate("copy").unwrap();
    let copied = copy.data_node::<Vec<f64>>("scored").unwrap();
    assert_eq!(
        copied.lineage().unwrap().outline().replace(&csv.display().to_string(), "CSV"),
        "\
scored #1 <- copied
  scored #2 <- task score
    path_to_data #2 <- file changed on disk [file CSV]
"
    );

    // Once the source scenario is deleted, what can no longer be followed is said so.
    s.delete().unwrap();
    let lineage = copied.lineage().unwrap();
    assert!(lineage.inputs.is_empty());
    assert!(lineage.missing.as_deref().is_some_and(|m| m.contains("was deleted")), "{lineage:?}");
}
