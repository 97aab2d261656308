//! `#[derive(DataValue)]` on the user's own types: a struct with several fields and an enum
//! (serde's bytes, with a traced layout), and newtypes (stored as their field).

#![deny(warnings)]

use serde::{Deserialize, Serialize};
use taipy::JobStatus;
use taipy::prelude::*;

/// A struct with several fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, DataValue)]
struct Reading {
    city: String,
    temp: f64,
}

/// An enum with data.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, DataValue)]
enum Unit {
    Celsius,
    Fahrenheit,
    Offset { by: f64 },
}

/// A newtype: stored as its field.
#[derive(Clone, Debug, PartialEq, DataValue)]
struct Readings(Vec<Reading>);

#[task]
fn convert(readings: &Readings, unit: Unit) -> Readings {
    let convert = |t: f64| match unit {
        Unit::Celsius => t,
        Unit::Fahrenheit => t * 9.0 / 5.0 + 32.0,
        Unit::Offset { by } => t + by,
    };
    Readings(readings.0.iter().map(|r| Reading { city: r.city.clone(), temp: convert(r.temp) }).collect())
}

#[task]
fn warmest(readings: &Readings) -> Reading {
    readings.0.iter().cloned().max_by(|a, b| a.temp.total_cmp(&b.temp)).expect("some readings")
}

scenario! {
    Weather {
        raw: Readings = Readings(vec![
            Reading { city: "Oslo".into(), temp: 4.0 },
            Reading { city: "Lima".into(), temp: 20.0 },
        ]),
        unit: Unit = Unit::Fahrenheit,
        converted = convert(raw, unit),
        top = warmest(converted),
    }
}

#[test]
fn structs_and_enums_round_trip_through_the_store() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
        let weather = Weather::create(&store, "w").unwrap();
        weather.submit().unwrap().wait().unwrap();
        weather.unit().write(Unit::Offset { by: 1.5 }).unwrap();
        weather.submit().unwrap().wait().unwrap();
    }
    let store = Store::open_with(dir.path(), StoreOptions::development()).unwrap();
    let weather = Weather::find(&store, "w").unwrap().unwrap();
    assert_eq!(weather.unit().read().unwrap(), Unit::Offset { by: 1.5 });
    assert_eq!(weather.unit().read_version(1).unwrap(), Unit::Fahrenheit);
    assert_eq!(weather.top().read().unwrap(), Reading { city: "Lima".into(), temp: 21.5 });
    assert_eq!(weather.top().read_version(1).unwrap(), Reading { city: "Lima".into(), temp: 68.0 });
    let report = weather.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Skipped).len(), 2);
}

#[test]
fn derived_types_have_their_serde_layout_and_newtypes_their_fields() {
    let reading = Reading::layout().unwrap();
    assert_eq!(reading.text(), "Reading { city: String, temp: f64 }");
    assert_eq!(Unit::layout().unwrap().text(), "enum Unit { Celsius, Fahrenheit, Offset { by: f64 } }");
    assert_eq!(Readings::layout(), <Vec<Reading>>::layout());
    assert_eq!(Readings::layout().unwrap().text(), "Vec<Reading>; Reading { city: String, temp: f64 }");
}

/// A newtype around a std type taipy stores (`Duration`), and std types as nodes of their own
/// (`PathBuf`, `HashSet`): before taipy implemented `DataValue` for them, none compiled, and the
/// orphan rule kept users from adding the impls.
#[derive(Clone, Copy, Debug, PartialEq, DataValue)]
struct Timeout(std::time::Duration);

#[task]
#[allow(clippy::ptr_arg)] // `&Path` is not yet a task input (only `&str` and `&[T]` borrow)
fn describe(
    timeout: &Timeout,
    path: &std::path::PathBuf,
    tags: &std::collections::HashSet<String>,
) -> String {
    format!("{} {}s {}", path.display(), timeout.0.as_secs(), tags.len())
}

scenario! {
    Settings {
        timeout: Timeout = Timeout(std::time::Duration::from_secs(30)),
        path: std::path::PathBuf = "data/x.csv".into(),
        tags: std::collections::HashSet<String> = ["a".to_owned(), "b".to_owned()].into(),
        summary = describe(timeout, path, tags),
    }
}

#[test]
fn std_types_are_storable_as_they_are() {
    let store = Store::temporary().unwrap();
    let settings = Settings::create(&store, "s").unwrap();
    settings.submit().unwrap().wait().unwrap();
    assert_eq!(settings.summary().read().unwrap(), "data/x.csv 30s 2");
    settings.timeout().write(Timeout(std::time::Duration::from_millis(90_500))).unwrap();
    settings.submit().unwrap().wait().unwrap();
    assert_eq!(settings.summary().read().unwrap(), "data/x.csv 90s 2");
    assert_eq!(Timeout::layout().unwrap().text(), "Duration { secs: u64, nanos: u32 }");
}
