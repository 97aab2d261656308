//! Frames and serde rows in every file kind that holds them (the polars side of the storage
//! kinds; the rest is in the root crate's `tests/storage_kinds.rs`).

use polars::prelude::*;
use taipy::prelude::*;
use taipy::{Location, Storage};

fn frame(n: &i64) -> DataFrame {
    df!(
        "name" => (0..*n).map(|i| format!("c{i}")).collect::<Vec<_>>(),
        "amount" => (0..*n).map(|i| i as f64 * 1.5).collect::<Vec<_>>(),
        "count" => (0..*n).collect::<Vec<i64>>(),
        "vip" => (0..*n).map(|i| i % 2 == 0).collect::<Vec<_>>(),
    )
    .unwrap()
}

fn lazy(n: &i64) -> LazyFrame {
    frame(n).lazy().filter(col("count").gt_eq(lit(1)))
}

fn height(frame: &DataFrame) -> i64 {
    frame.height() as i64
}

fn lazy_height(frame: &LazyFrame) -> i64 {
    frame.clone().collect().unwrap().height() as i64
}

#[test]
fn a_data_frame_round_trips_through_every_file_kind() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    let kinds = [
        Storage::csv(at("f.csv")),
        Storage::parquet(at("f.parquet")),
        Storage::json(at("f.json")),
        Storage::excel(at("f.xlsx")),
    ];
    for storage in kinds {
        let kind = storage.kind();
        let config = ScenarioConfig::builder("frames")
            .node(DataNodeConfig::with_default("n", 4i64))
            .node(DataNodeConfig::new::<DataFrame>("table").with_storage(storage).unwrap())
            .task(TaskConfig::new("make", frame).inputs(["n"]).outputs(["table"]).skippable(true))
            .task(TaskConfig::new("height", height).inputs(["table"]).outputs(["rows"]).skippable(true))
            .build()
            .unwrap();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        scenario.submit().unwrap().wait().unwrap();
        let read = scenario.data_node::<DataFrame>("table").unwrap().read().unwrap();
        let expected = match kind {
            // Excel keeps every number as a float.
            taipy::StorageKind::Excel => {
                frame(&4).lazy().with_column(col("count").cast(DataType::Float64)).collect().unwrap()
            }
            _ => frame(&4),
        };
        assert!(read.equals(&expected), "{kind:?}: {read}");
        assert_eq!(scenario.data_node::<i64>("rows").unwrap().read().unwrap(), 4);
        let again = scenario.submit().unwrap().wait().unwrap();
        assert!(again.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{kind:?}: {:?}", again.jobs);
    }
}

#[test]
fn a_lazy_frame_streams_into_parquet_and_is_scanned_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lazy.parquet");
    let config = ScenarioConfig::builder("lazy")
        .node(DataNodeConfig::with_default("n", 5i64))
        .node(DataNodeConfig::stored_at::<LazyFrame, _>("table", Location::parquet(&path)))
        .task(TaskConfig::new("make", lazy).inputs(["n"]).outputs(["table"]).skippable(true))
        .task(TaskConfig::new("height", lazy_height).inputs(["table"]).outputs(["rows"]).skippable(true))
        .build()
        .unwrap();
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config, "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    assert_eq!(scenario.data_node::<i64>("rows").unwrap().read().unwrap(), 4);
    let file = ParquetReader::new(std::fs::File::open(&path).unwrap()).finish().unwrap();
    assert!(file.equals(&lazy(&5).collect().unwrap()));
    // Deleted outside: the producer re-runs; its equal output lets the reader skip.
    std::fs::remove_file(&path).unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    let statuses: Vec<JobStatus> = report.jobs.iter().map(|j| j.status).collect();
    assert_eq!(statuses, [JobStatus::Completed, JobStatus::Skipped]);
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Row {
    name: String,
    amount: f64,
}

fn rows(n: &i64) -> Vec<Row> {
    (0..*n).map(|i| Row { name: format!("r{i}"), amount: i as f64 + 0.25 }).collect()
}

#[test]
fn serde_rows_go_to_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.parquet");
    let config = ScenarioConfig::builder("rows")
        .node(DataNodeConfig::with_default("n", 3i64))
        .node(DataNodeConfig::stored_at::<Vec<Row>, _>("rows", Location::parquet(&path)))
        .task(TaskConfig::new("make", rows).inputs(["n"]).outputs(["rows"]))
        .build()
        .unwrap();
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config, "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    assert_eq!(scenario.data_node::<Vec<Row>>("rows").unwrap().read().unwrap(), rows(&3));
    let file = ParquetReader::new(std::fs::File::open(&path).unwrap()).finish().unwrap();
    assert_eq!(file.get_column_names(), ["name", "amount"]);
}

#[test]
fn frame_types_and_their_runtime_formats_agree() {
    use taipy::{FileFormat, ValueType};
    for ty in [ValueType::of::<DataFrame>(), ValueType::of::<LazyFrame>()] {
        let formats = ty.file_formats();
        assert!(formats.contains(FileFormat::Csv) && formats.contains(FileFormat::Parquet));
        assert!(formats.contains(FileFormat::Json) && formats.contains(FileFormat::Excel));
        assert!(!formats.contains(FileFormat::Binary));
    }
    assert!(ValueType::of::<Vec<Row>>().file_formats().contains(FileFormat::Parquet));
}

#[test]
fn frames_append_to_csv_parquet_and_json_and_other_columns_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name);
    for storage in [Storage::csv(at("a.csv")), Storage::parquet(at("a.parquet")), Storage::json(at("a.json"))]
    {
        let kind = storage.kind();
        let path = storage.path().unwrap().to_owned();
        let config = ScenarioConfig::builder("appended")
            .node(DataNodeConfig::new::<DataFrame>("table").with_storage(storage).unwrap())
            .task(TaskConfig::new("height", height).inputs(["table"]).outputs(["rows"]).skippable(true))
            .build()
            .unwrap();
        let store = Store::temporary().unwrap();
        let scenario = Scenario::create(&store, &config, "s").unwrap();
        let table = scenario.data_node::<DataFrame>("table").unwrap();
        table.write(frame(&2)).unwrap();
        scenario.submit().unwrap().wait().unwrap();
        table.append(frame(&3)).unwrap();
        let read = table.read().unwrap();
        let mut expected = frame(&2);
        expected.vstack_mut(&frame(&3)).unwrap();
        assert!(read.equals(&expected), "{kind:?}: {read}");
        let report = scenario.submit().unwrap().wait().unwrap();
        assert_eq!(format!("{:?}", report.jobs[0].status), "Completed", "{kind:?}: the reader re-runs");
        assert_eq!(scenario.data_node::<i64>("rows").unwrap().read().unwrap(), 5, "{kind:?}");

        // A frame of other columns: refused, naming them; the file keeps its five rows.
        let before = std::fs::read(&path).unwrap();
        let other = df!("city" => ["Oslo"]).unwrap();
        let error = table.append(other).unwrap_err().to_string();
        assert!(error.contains("city") && error.contains("name, amount, count, vip"), "{kind:?}: {error}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{kind:?}: unchanged");
    }
}
