//! A task's output that cannot be stored (as a lazy frame whose plan meets a bad CSV value when
//! it is written): the job's failure names the output node and the file the task read, with the
//! store's error as its cause.

use std::path::Path;

use taipy::prelude::*;
use taipy::{StoreCx, StoreError, Stored};

/// A value whose storing always fails, as a lazy frame's plan fails on a bad CSV value.
pub struct Unstorable;

impl DataValue for Unstorable {
    fn store(&self, _cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        Err(StoreError::Encode {
            type_name: "Unstorable",
            reason: "could not parse `abc` as dtype `f64`".into(),
        })
    }

    fn load(_stored: &Stored, _cx: &StoreCx<'_>) -> Result<Self, StoreError> {
        unreachable!("never stored")
    }
}

/// Reads nothing yet: the failure comes when the output is stored.
#[task]
pub fn scan(path: &CsvFile) -> Unstorable {
    let _ = path;
    Unstorable
}

#[test]
fn an_output_that_cannot_be_stored_names_the_node_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    std::fs::write(&csv, "x\nabc\n").unwrap();
    let config = ScenarioConfig::builder("scanning")
        .node(DataNodeConfig::with_default("path_to_data", CsvFile::new(&csv)))
        .task(TaskConfig::of::<scan>().inputs(["path_to_data"]).outputs(["scanned"]))
        .build()
        .unwrap();
    let store = Store::in_memory(StoreOptions::development()).unwrap();
    let scenario = Scenario::create(&store, &config, "s").unwrap();
    let submission = scenario.submit().unwrap();
    assert!(submission.wait().is_err());
    let job = &submission.report().jobs[0];
    assert_eq!(job.status, JobStatus::Failed);
    let error = job.error.as_ref().unwrap();
    let task = scenario.config().tasks()[0].id().to_owned();
    assert_eq!(
        error.message,
        format!(
            "cannot store output `scanned` of task `{task}`, computed from file `{}`",
            Path::new(&csv).display()
        )
    );
    assert_eq!(
        error.sources,
        ["cannot store a value of type `Unstorable`: could not parse `abc` as dtype `f64`"]
    );
}
