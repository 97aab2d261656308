//! Storage kinds through the builder API: each file kind's round trip, edits and deletions
//! outside, bad input, reopening; in_memory within and across processes.
//!
//! Frames (and Parquet, which needs polars) are covered in `algos/tests/storage_kinds.rs`.

#[path = "support/rows_pipeline.rs"]
mod rows_pipeline;

use std::path::{Path, PathBuf};

use rows_pipeline::{RAN, Row, SKIPPED, config, rows, statuses, submit};
use taipy::prelude::*;
use taipy::{Location, Reason, Storage, StorageKind};

fn kinds(dir: &Path) -> Vec<(Storage, PathBuf)> {
    let at = |name: &str| dir.join(name);
    vec![
        (Storage::csv(at("rows.csv")), at("rows.csv")),
        (Storage::json(at("rows.json")), at("rows.json")),
        (Storage::excel(at("rows.xlsx")).sheet_name("rows"), at("rows.xlsx")),
        (Storage::binary(at("rows.bin")), at("rows.bin")),
    ]
}

#[test]
fn each_file_kind_round_trips_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    for (storage, path) in kinds(dir.path()) {
        let kind = storage.kind();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config("kinds", storage), "s").unwrap();
        assert_eq!(submit(&scenario), RAN, "{kind:?}");
        assert!(path.is_file(), "{kind:?}: the file is written");
        assert_eq!(scenario.data_node::<Vec<Row>>("rows").unwrap().read().unwrap(), rows(&3), "{kind:?}");
        assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 30);
        assert_eq!(submit(&scenario), SKIPPED, "{kind:?}");
    }
}

#[test]
fn csv_is_a_plain_file_other_tools_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv");
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config("kinds", Storage::csv(&path)), "s").unwrap();
    submit(&scenario);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "name,score,count\nr0,0.0,0\nr1,0.5,10\nr2,1.0,20\n");
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn json_holds_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.json");
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config("kinds", Storage::json(&path)), "s").unwrap();
    submit(&scenario);
    let records: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(records[1], serde_json::json!({"name": "r1", "score": 0.5, "count": 10}));
}

#[test]
fn edited_outside_readers_rerun_and_the_edit_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv");
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config("kinds", Storage::csv(&path)), "s").unwrap();
    submit(&scenario);
    std::fs::write(&path, "name,score,count\nx,1.0,1000\n").unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&report), ["make_rows=Skipped", "sum=Completed"]);
    assert_eq!(report.jobs[1].reason, Some(Reason::Changed { code: false, inputs: vec!["rows".into()] }));
    assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 1000);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "name,score,count\nx,1.0,1000\n", "kept");
    // Nothing changed since: both skip, the edit stays.
    assert_eq!(submit(&scenario), SKIPPED);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "name,score,count\nx,1.0,1000\n");
    // A new parameter re-runs the producer, whose result replaces the edit.
    scenario.data_node::<i64>("n").unwrap().write(2).unwrap();
    assert_eq!(submit(&scenario), RAN);
    assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 10);
}

#[test]
fn deleted_outside_the_producer_reruns() {
    let dir = tempfile::tempdir().unwrap();
    for (storage, path) in kinds(dir.path()) {
        let kind = storage.kind();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config("kinds", storage), "s").unwrap();
        submit(&scenario);
        std::fs::remove_file(&path).unwrap();
        let report = scenario.submit().unwrap().wait().unwrap();
        // The producer re-runs and writes the same rows: `sum` is cut off.
        assert_eq!(statuses(&report), ["make_rows=Completed", "sum=Skipped"], "{kind:?}");
        assert_eq!(report.jobs[0].reason, Some(Reason::OutputsMissing), "{kind:?}");
        assert!(path.is_file(), "{kind:?}");
    }
}

#[test]
fn a_parameter_returning_to_an_earlier_value_skips_and_puts_the_file_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.json");
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config("kinds", Storage::json(&path)), "s").unwrap();
    submit(&scenario);
    let first = std::fs::read(&path).unwrap();
    let n = scenario.data_node::<i64>("n").unwrap();
    n.write(5).unwrap();
    assert_eq!(submit(&scenario), RAN);
    assert_ne!(std::fs::read(&path).unwrap(), first);
    n.write(3).unwrap();
    // The result remembered for n = 3 is put back from the store's copy: nothing runs.
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&report), SKIPPED);
    assert_eq!(std::fs::read(&path).unwrap(), first);
    assert_eq!(scenario.data_node::<Vec<Row>>("rows").unwrap().read().unwrap(), rows(&3));
    assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 30);
}

#[test]
fn skipped_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv");
    let config = config("kinds", Storage::csv(&path));
    {
        let store = Store::open(dir.path().join("store")).unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        assert_eq!(submit(&scenario), RAN);
    }
    let store = Store::open(dir.path().join("store")).unwrap();
    let scenario = Scenario::find(&store, &config, "s").unwrap().unwrap();
    assert_eq!(submit(&scenario), SKIPPED);
}

#[test]
fn in_memory_skips_within_a_process_not_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let config = config("kinds", Storage::in_memory());
    let store = Store::open(dir.path().join("store")).unwrap();
    let scenario = Scenario::create(&store, &config, "s").unwrap();
    assert_eq!(submit(&scenario), RAN);
    assert_eq!(submit(&scenario), SKIPPED);
    assert_eq!(scenario.data_node::<Vec<Row>>("rows").unwrap().read().unwrap(), rows(&3));
    drop((scenario, store));
    // A reopen stands for another process: the producer's result is not restorable. (The
    // value table is per process, so this process still holds it; forget it first.)
    taipy::__private::forget_in_memory_values();
    let store = Store::open(dir.path().join("store")).unwrap();
    let scenario = Scenario::find(&store, &config, "s").unwrap().unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&report), ["make_rows=Completed", "sum=Skipped"]);
    assert_eq!(report.jobs[0].reason, Some(Reason::OutputsMissing));
}

#[test]
fn a_missing_folder_is_an_error_naming_node_and_file_and_keeps_the_old_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out").join("rows.csv");
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config("kinds", Storage::csv(&path)), "s").unwrap();
    let report = scenario.submit().unwrap().wait();
    let error = format!("{:?}", report.unwrap_err());
    assert!(error.contains("cannot store output `rows` of task `make_rows`"), "{error}");
    assert!(error.contains(&format!("cannot write csv file `{}`: folder", path.display())), "{error}");
    assert!(error.contains("does not exist"), "{error}");

    // A user's write into a missing folder names the node too.
    let node = scenario.data_node::<Vec<Row>>("rows").unwrap();
    let err = node.write(rows(&1)).unwrap_err().to_string();
    assert!(err.starts_with("cannot write data node `rows`: cannot write csv file"), "{err}");
}

#[test]
fn a_failed_write_leaves_the_old_file_and_version() {
    #[derive(Clone, serde::Serialize, serde::Deserialize)]
    struct Nested {
        items: Vec<Vec<i64>>,
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested.csv");
    let config = ScenarioConfig::builder("nested")
        .node(
            DataNodeConfig::with_default("nested", Vec::<Nested>::new())
                .with_storage(Storage::csv(&path))
                .unwrap(),
        )
        .build()
        .unwrap();
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config, "s").unwrap();
    let node = scenario.data_node::<Vec<Nested>>("nested").unwrap();
    let before = std::fs::read(&path).unwrap();
    // A row holding a list of lists cannot be a CSV record: the write fails half-way.
    let err = node.write(vec![Nested { items: vec![vec![1]] }]).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "cannot write data node `nested`: cannot write csv file `{}`",
            path.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "the old file is untouched");
    assert_eq!(node.history().unwrap().len(), 1, "no new version");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
}

#[test]
fn a_csv_with_wrong_columns_is_an_error_naming_node_file_and_cause() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv");
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config("kinds", Storage::csv(&path)), "s").unwrap();
    submit(&scenario);
    std::fs::write(&path, "name,score\nx,abc\n").unwrap();
    let err = scenario.data_node::<Vec<Row>>("rows").unwrap().read().unwrap_err().to_string();
    assert!(err.starts_with("cannot read version 1 of data node `rows`: cannot read csv file"), "{err}");
    assert!(err.contains("rows.csv"), "{err}");
}

#[test]
fn an_xlsx_without_the_sheet_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.xlsx");
    let store = Store::temporary().unwrap();
    let scenario =
        Scenario::create(&store, &config("kinds", Storage::excel(&path).sheet_name("rows")), "s").unwrap();
    submit(&scenario);
    // Replaced outside by a workbook whose sheet has another name.
    let other = dir.path().join("other.xlsx");
    let store2 = Store::temporary().unwrap();
    let elsewhere =
        Scenario::create(&store2, &config("kinds", Storage::excel(&other).sheet_name("results")), "t")
            .unwrap();
    submit(&elsewhere);
    std::fs::rename(&other, &path).unwrap();
    let err = scenario.data_node::<Vec<Row>>("rows").unwrap().read().unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "cannot read version 1 of data node `rows`: cannot read excel file `{}`: the workbook has no sheet \
             `rows`; sheets: results",
            path.display()
        )
    );
}

#[test]
fn builder_locations_are_typed() {
    let node = DataNodeConfig::stored_at::<Vec<Row>, _>("rows", Location::csv("rows.csv"));
    assert_eq!(node.storage().kind(), StorageKind::Csv);
    let err = DataNodeConfig::new::<i64>("n").with_storage(Storage::csv("n.csv")).unwrap_err();
    assert_eq!(
        err,
        "`i64` cannot be stored in a csv file (it holds frames and serde rows `Vec<R>`); it can go to: json, \
         binary, the store, in_memory or generic"
    );
}

/// What the compile-time markers say: `Probe<T, K>` has `holds() == true` exactly when
/// `T: Holds<K>` (method resolution prefers the by-value impl when it applies).
struct Probe<T, K>(std::marker::PhantomData<(T, K)>);
trait HoldsYes {
    fn holds(&self) -> bool {
        true
    }
}
impl<T: taipy::Holds<K>, K: taipy::kind::Kind> HoldsYes for Probe<T, K> {}
trait HoldsNo {
    fn holds(&self) -> bool {
        false
    }
}
impl<T, K> HoldsNo for &Probe<T, K> {}

/// A newtype of rows and a serde struct, as users derive them.
#[derive(DataValue)]
struct Scores(Vec<Row>);
#[derive(DataValue, serde::Serialize, serde::Deserialize)]
struct Settings {
    name: String,
    level: i64,
}

#[test]
fn the_compile_time_markers_and_the_runtime_answer_agree() {
    use taipy::{FileFormat, ValueType, kind};
    macro_rules! agree {
        ($($ty:ty),+) => {$(
            let runtime = ValueType::of::<$ty>().file_formats();
            let markers = [
                (FileFormat::Csv, (&Probe::<$ty, kind::Csv>(std::marker::PhantomData)).holds()),
                (FileFormat::Parquet, (&Probe::<$ty, kind::Parquet>(std::marker::PhantomData)).holds()),
                (FileFormat::Json, (&Probe::<$ty, kind::Json>(std::marker::PhantomData)).holds()),
                (FileFormat::Excel, (&Probe::<$ty, kind::Excel>(std::marker::PhantomData)).holds()),
                (FileFormat::Binary, (&Probe::<$ty, kind::Binary>(std::marker::PhantomData)).holds()),
            ];
            for (format, compile_time) in markers {
                assert_eq!(compile_time, runtime.contains(format), "{} in {format:?}", stringify!($ty));
            }
            // The service kinds, against the runtime's check of a storage of that kind (an
            // object: some key extension takes the type).
            let ty = ValueType::of::<$ty>();
            let services = [
                ("sql_table", (&Probe::<$ty, kind::SqlTable>(std::marker::PhantomData)).holds(),
                    Storage::sql_table("sqlite://x.db", "t").check_type(ty).is_ok()),
                ("sql", (&Probe::<$ty, kind::Sql>(std::marker::PhantomData)).holds(),
                    Storage::sql("sqlite://x.db", "SELECT 1").check_type(ty).is_ok()),
                ("s3_object", (&Probe::<$ty, kind::S3Object>(std::marker::PhantomData)).holds(),
                    ["k.csv", "k.parquet", "k.json", "k.xlsx", "k.bin"]
                        .iter()
                        .any(|key| Storage::s3_object("b", *key).check_type(ty).is_ok())),
            ];
            for (name, compile_time, runtime) in services {
                assert_eq!(compile_time, runtime, "{} in {name}", stringify!($ty));
            }
        )+};
    }
    agree!(
        i64,
        f64,
        String,
        bool,
        Option<i64>,
        Vec<Row>,
        Vec<i64>,
        Scores,
        Settings,
        std::sync::Arc<Vec<Row>>
    );
    agree!(taipy::CsvFile, std::collections::BTreeMap<String, i64>, std::path::PathBuf);
    // And what they say.
    assert!(ValueType::of::<Scores>().file_formats().contains(FileFormat::Csv));
    assert!(!ValueType::of::<Settings>().file_formats().contains(FileFormat::Csv));
    assert!(ValueType::of::<Settings>().file_formats().contains(FileFormat::Json));
    assert!(ValueType::of::<taipy::CsvFile>().file_formats().names().is_empty());
}

#[test]
fn a_derived_serde_value_goes_to_json_and_binary() {
    let dir = tempfile::tempdir().unwrap();
    for storage in [Storage::json(dir.path().join("s.json")), Storage::binary(dir.path().join("s.bin"))] {
        let config = ScenarioConfig::builder("settings")
            .node(
                DataNodeConfig::with_default("settings", Settings { name: "a".into(), level: 2 })
                    .with_storage(storage)
                    .unwrap(),
            )
            .build()
            .unwrap();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        let read = scenario.data_node::<Settings>("settings").unwrap().read().unwrap();
        assert_eq!((read.name.as_str(), read.level), ("a", 2));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("s.json")).unwrap()).unwrap();
    assert_eq!(json, serde_json::json!({"name": "a", "level": 2}));
}

#[taipy::task]
fn make_scores(n: &i64) -> Vec<Row> {
    rows(n)
}

#[taipy::task]
#[allow(clippy::ptr_arg)] // a task reads its input as `&T` of the node's type
fn count_scores(rows: &Vec<Row>) -> i64 {
    rows.len() as i64
}

/// The folder `RowsInFiles` writes to (a literal in the macro).
const MACRO_DIR: &str = "/tmp/taipy-storage-kinds-macro";

taipy::scenario! {
    RowsInFiles {
        n: i64 = 2,
        #[storage(csv, path = "/tmp/taipy-storage-kinds-macro/scores.csv", has_header = true)]
        scores = make_scores(n),
        #[storage(in_memory)]
        counted = count_scores(scores),
    }
}

#[test]
fn scenario_macro_nodes_take_a_storage() {
    let _ = std::fs::remove_dir_all(MACRO_DIR);
    std::fs::create_dir_all(MACRO_DIR).unwrap();
    let config = RowsInFiles::config();
    assert_eq!(config.node("scores").unwrap().storage().kind(), StorageKind::Csv);
    assert_eq!(config.node("counted").unwrap().storage().kind(), StorageKind::InMemory);
    let store = Store::temporary().unwrap();
    let scenario = RowsInFiles::create(&store, "m").unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed));
    let text = std::fs::read_to_string(format!("{MACRO_DIR}/scores.csv")).unwrap();
    assert_eq!(text, "name,score,count\nr0,0.0,0\nr1,0.5,10\n");
    assert_eq!(scenario.counted().read().unwrap(), 2);
    std::fs::remove_dir_all(MACRO_DIR).unwrap();
}
