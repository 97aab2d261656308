//! polars frames in SQL tables (taipy::storage::sql with the polars feature), on SQLite: the
//! frame ↔ rows conversion is the same for every engine (tests/sql_backend.rs at the root runs
//! the engines themselves, PostgreSQL included).

use taipy::polars::prelude::*;
use taipy::storage::sql::{Database, Records, WriteMode};

fn database() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::sqlite(dir.path().join("frames.db"));
    (dir, db)
}

#[test]
fn a_frame_round_trips_through_a_table() {
    let (_dir, db) = database();
    let frame = df!(
        "CustomerID" => [1i64, 2, 3],
        "TotalPurchaseAmount" => [Some(1200.5f64), None, Some(80.0)],
        "Segment" => [Some("high"), Some("low"), None],
        "Active" => [true, false, true],
    )
    .unwrap();
    db.write_table("customers", &Records::from_frame(&frame).unwrap(), WriteMode::Replace).unwrap();
    let back = db.read_table("customers").unwrap().to_frame().unwrap();
    assert_eq!(back, frame);

    // Appending the frame again doubles it, in order.
    db.write_table("customers", &Records::from_frame(&frame).unwrap(), WriteMode::Append).unwrap();
    let twice = db.read_table("customers").unwrap().to_frame().unwrap();
    assert_eq!(twice, frame.vstack(&frame).unwrap());
}

#[test]
fn narrow_and_temporal_columns_are_widened_or_written_as_text() {
    let (_dir, db) = database();
    let frame =
        df!("small" => [1i32, -2], "ratio" => [0.5f32, 0.25], "day" => ["2026-11-28", "2026-11-29"]).unwrap();
    let frame = frame.lazy().with_column(col("day").cast(DataType::Date)).collect().unwrap();
    db.write_table("t", &Records::from_frame(&frame).unwrap(), WriteMode::Replace).unwrap();
    let back = db.read_table("t").unwrap().to_frame().unwrap();
    assert_eq!(back.column("small").unwrap().dtype(), &DataType::Int64);
    assert_eq!(back.column("ratio").unwrap().dtype(), &DataType::Float64);
    let days: Vec<Option<&str>> = back.column("day").unwrap().str().unwrap().iter().collect();
    assert_eq!(days, [Some("2026-11-28"), Some("2026-11-29")]);
}

#[test]
fn a_nested_column_is_refused_by_name() {
    let frame = df!("id" => [1i64]).unwrap();
    let frame = frame.lazy().with_column(concat_list([col("id")]).unwrap().alias("ids")).collect().unwrap();
    let err = Records::from_frame(&frame).unwrap_err().to_string();
    assert!(err.contains("`ids`"), "{err}");
}

#[test]
fn the_fingerprint_of_a_written_frame_is_the_tables() {
    let (_dir, db) = database();
    let frame = df!("a" => [1i64, 2], "b" => ["x", "y"]).unwrap();
    let records = Records::from_frame(&frame).unwrap();
    db.write_table("t", &records, WriteMode::Replace).unwrap();
    assert_eq!(db.table_fingerprint("t").unwrap(), Some(records.fingerprint()));
}
