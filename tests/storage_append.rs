//! `DataNode::append` on file kinds (csv, json, excel; parquet with polars in
//! `algos/tests/storage_kinds.rs`): the rows are added, the node gets a new version written by
//! the user, its readers re-run; rows of another shape and kinds without an append are errors
//! that change nothing. The service kinds' appends are in tests/storage_services.rs.

#[path = "support/rows_pipeline.rs"]
mod rows_pipeline;

use std::path::Path;

use rows_pipeline::{Row, rows, statuses, total};
use taipy::prelude::*;
use taipy::{Reason, Storage, StorageKind, Writer};

/// rows (a source at `storage`) → total.
fn config(storage: Storage) -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("append")
        .node(DataNodeConfig::new::<Vec<Row>>("rows").with_storage(storage).unwrap())
        .task(TaskConfig::new("sum", total).inputs(["rows"]).outputs(["total"]).skippable(true))
        .build()
        .unwrap()
}

fn files(dir: &Path) -> Vec<Storage> {
    vec![
        Storage::csv(dir.join("rows.csv")),
        Storage::json(dir.join("rows.json")),
        Storage::excel(dir.join("rows.xlsx")).sheet_name("rows"),
    ]
}

#[test]
fn each_file_kind_appends_as_a_new_user_version_and_readers_rerun() {
    let dir = tempfile::tempdir().unwrap();
    for storage in files(dir.path()) {
        let kind = storage.kind();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config(storage), "s").unwrap();
        let node = scenario.data_node::<Vec<Row>>("rows").unwrap();
        node.write(rows(&2)).unwrap();
        let report = scenario.submit().unwrap().wait().unwrap();
        assert_eq!(statuses(&report), ["sum=Completed"], "{kind:?}");
        assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 10, "{kind:?}");
        let before = node.history().unwrap().len();

        let added = Row { name: "late".into(), score: 2.5, count: 100 };
        node.append_with_comment(vec![added.clone()], "late sales").unwrap();
        let mut expected = rows(&2);
        expected.push(added);
        assert_eq!(node.read().unwrap(), expected, "{kind:?}: the old rows and the new one");
        let history = node.history().unwrap();
        assert_eq!(history.len(), before + 1, "{kind:?}: one new version");
        let last = history.last().unwrap();
        assert_eq!((last.writer.clone(), last.comment.as_deref()), (Writer::User, Some("late sales")));

        let report = scenario.submit().unwrap().wait().unwrap();
        assert_eq!(statuses(&report), ["sum=Completed"], "{kind:?}: the reader re-runs");
        assert_eq!(report.jobs[0].reason, Some(Reason::Changed { code: false, inputs: vec!["rows".into()] }));
        assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 110, "{kind:?}");
        let report = scenario.submit().unwrap().wait().unwrap();
        assert_eq!(statuses(&report), ["sum=Skipped"], "{kind:?}");
    }
}

#[test]
fn a_csv_append_is_a_plain_file_with_every_row_and_no_temporary_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.csv");
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config(Storage::csv(&path)), "s").unwrap();
    let node = scenario.data_node::<Vec<Row>>("rows").unwrap();
    // No file yet: the append creates it.
    node.append(rows(&1)).unwrap();
    node.append(vec![Row { name: "x".into(), score: 1.5, count: 7 }]).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "name,score,count\nr0,0.0,0\nx,1.5,7\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn rows_of_another_shape_are_an_error_naming_node_file_and_columns_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (storage, other) in [
        // A column more than the node's rows: rewriting would drop it.
        (Storage::csv(dir.path().join("wide.csv")), "name,score,count,region\nr0,0.0,0,north\n"),
        // A column fewer.
        (Storage::json(dir.path().join("narrow.json")), "[{\"name\": \"r0\", \"score\": 0.0}]\n"),
    ] {
        let path = storage.path().unwrap().to_owned();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config(storage), "s").unwrap();
        let node = scenario.data_node::<Vec<Row>>("rows").unwrap();
        std::fs::write(&path, other).unwrap();
        let versions = node.history().unwrap().len();
        let error = node.append(rows(&1)).unwrap_err().to_string();
        for part in ["`rows`", &path.display().to_string(), "name, score, count", "nothing was appended"] {
            assert!(error.contains(part), "`{error}` should name {part}");
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), other, "the file is unchanged");
        assert_eq!(node.history().unwrap().len(), versions, "no new version");
    }
}

#[derive(Clone, Debug, PartialEq, DataValue, serde::Serialize, serde::Deserialize)]
struct Settings {
    level: i64,
    name: String,
}

#[test]
fn kinds_without_an_append_and_values_that_are_not_rows_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // binary (Taipy's pickle has no append) and the store.
    let in_store = ScenarioConfig::builder("in_store")
        .node(DataNodeConfig::with_default("rows", rows(&1)))
        .build()
        .unwrap();
    for (kind, config) in [
        (StorageKind::Binary, config(Storage::binary(dir.path().join("rows.bin")))),
        (StorageKind::Store, in_store),
    ] {
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        let node = scenario.data_node::<Vec<Row>>("rows").unwrap();
        node.write(rows(&1)).unwrap();
        let error = node.append(rows(&1)).unwrap_err().to_string();
        assert!(error.contains("`rows`") && error.contains("has no append"), "{kind:?}: {error}");
        assert_eq!(node.read().unwrap(), rows(&1), "{kind:?}: unchanged");
    }
    // A json file holding one serde value, not rows.
    let path = dir.path().join("settings.json");
    let config = ScenarioConfig::builder("settings")
        .node(DataNodeConfig::new::<Settings>("settings").with_storage(Storage::json(&path)).unwrap())
        .build()
        .unwrap();
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config, "s").unwrap();
    let node = scenario.data_node::<Settings>("settings").unwrap();
    node.write(Settings { level: 1, name: "a".into() }).unwrap();
    let error = node.append(Settings { level: 2, name: "b".into() }).unwrap_err().to_string();
    assert!(error.contains("`settings`") && error.contains("only tables"), "{error}");
    assert_eq!(node.read().unwrap().level, 1);
}
