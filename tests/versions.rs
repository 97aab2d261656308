//! Config versions: a scenario remembers the config version it was created with; opening it
//! with a changed config does what the store's [`VersionMode`] says. Two versions of the config
//! `pricing` are built with the builder API:
//!
//! - v1: `rate: i64 = 3`, `label: String = "a"`; `scale(rate) -> scaled: i64`,
//!   `describe(label) -> text`;
//! - v2: `rate` retyped to `f64` (default 2.5), `scale` now `f64 -> f64` (its code changed),
//!   `describe` unchanged.

#![deny(warnings)]
#![allow(unreachable_pub)]

use std::sync::Arc;

use taipy::prelude::*;
use taipy::{ConfigDiff, Difference, Fingerprint, Scope, StoreError, VersionMode, Writer};

fn scale_int(rate: &i64) -> i64 {
    rate * 10
}

fn scale_float(rate: &f64) -> f64 {
    rate * 10.0
}

fn describe(label: &str) -> String {
    format!("label {label}")
}

fn v1() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("pricing")
        .node(DataNodeConfig::with_default("rate", 3i64))
        .node(DataNodeConfig::with_default("label", "a".to_owned()))
        .task(TaskConfig::new("scale", scale_int).inputs(["rate"]).outputs(["scaled"]))
        .task(TaskConfig::new("describe", describe).inputs(["label"]).outputs(["text"]))
        .build()
        .unwrap()
}

fn v2() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("pricing")
        .node(DataNodeConfig::with_default("rate", 2.5f64))
        .node(DataNodeConfig::with_default("label", "a".to_owned()))
        .task(TaskConfig::new("scale", scale_float).version(2).inputs(["rate"]).outputs(["scaled"]))
        .task(TaskConfig::new("describe", describe).inputs(["label"]).outputs(["text"]))
        .build()
        .unwrap()
}

/// v2 with `rate` as text: no migration from `i64` to `String` is registered.
fn v2_text() -> Arc<ScenarioConfig> {
    fn scale_text(rate: &str) -> f64 {
        rate.len() as f64
    }
    ScenarioConfig::builder("pricing")
        .node(DataNodeConfig::with_default("rate", "three".to_owned()))
        .node(DataNodeConfig::with_default("label", "a".to_owned()))
        .task(TaskConfig::new("scale", scale_text).version(3).inputs(["rate"]).outputs(["scaled"]))
        .task(TaskConfig::new("describe", describe).inputs(["label"]).outputs(["text"]))
        .build()
        .unwrap()
}

/// `rate` of an `i64` becomes a `f64`, for every config with a node `rate`.
fn rate_to_float(rate: i64) -> f64 {
    rate as f64
}
taipy::migration!("rate", rate_to_float);

/// A migration that fails on text that is not a number.
fn parse_budget(budget: String) -> Result<u64, std::num::ParseIntError> {
    budget.parse()
}
taipy::migration!("budget", parse_budget);

fn options(versions: VersionMode) -> StoreOptions {
    StoreOptions { versions, ..StoreOptions::development() }
}

fn statuses(report: &taipy::SubmissionReport) -> (Vec<&str>, Vec<&str>) {
    (report.tasks_with(JobStatus::Completed), report.tasks_with(JobStatus::Skipped))
}

#[test]
fn a_diff_names_every_kind_of_difference() {
    fn double(x: &i64) -> i64 {
        x * 2
    }
    fn add(x: &i64, y: &i64) -> i64 {
        x + y
    }
    let old = ScenarioConfig::builder("c")
        .node(DataNodeConfig::with_default("x", 1i64))
        .node(DataNodeConfig::with_default("y", 2i64))
        .node(DataNodeConfig::with_default("gone", 0u8))
        .node(DataNodeConfig::with_default("shared", 0i64))
        .task(TaskConfig::new("double", double).inputs(["x"]).outputs(["d"]))
        .task(TaskConfig::new("sum", add).inputs(["x", "y"]).outputs(["s"]))
        .task(TaskConfig::new("old_task", double).inputs(["y"]).outputs(["o"]))
        .build()
        .unwrap();
    let new = ScenarioConfig::builder("c")
        .node(DataNodeConfig::with_default("x", 1.0f64))
        .node(DataNodeConfig::with_default("y", 5i64))
        .node(DataNodeConfig::with_default("fresh", "f".to_owned()))
        .node(
            DataNodeConfig::with_default("shared", 0i64)
                .scope(Scope::Global)
                .validity_period(std::time::Duration::from_secs(60)),
        )
        .task(TaskConfig::new("double", add).version(2).inputs(["y", "shared"]).outputs(["d"]))
        .task(TaskConfig::new("sum", add).inputs(["y", "y"]).outputs(["t"]))
        .task(TaskConfig::new("new_task", double).inputs(["y"]).outputs(["n"]))
        .build()
        .unwrap();
    let diff: ConfigDiff = new.diff_from(&old);
    let lines: Vec<String> = diff.differences().iter().map(ToString::to_string).collect();
    let expected = [
        "node `fresh` added (alloc::string::String)",
        "node `gone` removed (u8)",
        "node `n` added (i64)",
        "node `o` removed (i64)",
        "node `s` removed (i64)",
        "node `shared`: scope changed from Scenario to Global",
        "node `shared`: validity changed from none to 60s",
        "node `t` added (i64)",
        "node `x` retyped: i64 → f64",
        "node `y`: default changed",
        "task `double`: code changed",
        "task `double`: inputs changed from (x) to (y, shared)",
        "task `new_task` added",
        "task `old_task` removed",
        "task `sum`: inputs changed from (x, y) to (y, y)",
        "task `sum`: outputs changed from (s) to (t)",
    ];
    assert_eq!(lines, expected, "{diff}");
    assert!(matches!(diff.differences()[0], Difference::NodeAdded { .. }));
    // Displayed one line per difference.
    assert_eq!(diff.to_string().lines().collect::<Vec<_>>(), expected);
    assert!(v1().diff_from(&v1()).is_empty());
    assert_eq!(v1().diff_from(&v1()).to_string(), "no difference");
}

#[test]
fn development_mode_re_creates_what_changed() {
    let store = Store::temporary_with(options(VersionMode::Development)).unwrap();
    let s = Scenario::create(&store, &v1(), "q3").unwrap();
    s.submit().unwrap().wait().unwrap();
    s.data_node::<i64>("rate").unwrap().write(4).unwrap();
    let old_version = s.config_version().unwrap();

    // `rate` becomes text: no migration is registered for that.
    let s = Scenario::find(&store, &v2_text(), "q3").unwrap().expect("found under the new config");
    assert_ne!(s.config_version().unwrap(), old_version);
    // The old values of retyped nodes are never decoded as the new types: the source node must
    // be written, the produced one is computed again.
    let rate = s.data_node::<String>("rate").unwrap();
    let err = rate.read().unwrap_err();
    assert!(matches!(err, StoreError::LayoutChanged { produced: false, .. }), "{err:?}");
    assert!(err.to_string().contains("taipy::migration!"), "{err}");
    let err = s.data_node::<f64>("scaled").unwrap().read().unwrap_err();
    assert!(matches!(err, StoreError::LayoutChanged { produced: true, .. }), "{err:?}");
    // The unchanged ones kept theirs.
    assert_eq!(s.data_node::<String>("text").unwrap().read().unwrap(), "label a");
    rate.write("four".to_owned()).unwrap();
    let report = s.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&report), (vec!["scale"], vec!["describe"]));
    assert_eq!(s.data_node::<f64>("scaled").unwrap().read().unwrap(), 4.0);

    let versions = store.config_versions().unwrap();
    let counts: Vec<(Fingerprint, usize)> = versions.iter().map(|v| (v.fingerprint, v.scenarios)).collect();
    assert_eq!(counts, [(old_version, 0), (s.config_version().unwrap(), 1)]);
    assert!(versions[1].current && !versions[0].current);

    // A registered migration applies in development mode too: back to v1 there is none
    // (nothing converts text to `i64`), on to v2 from v1 there is.
    let s = Scenario::open(&store, &v1(), s.id()).unwrap();
    s.data_node::<i64>("rate").unwrap().write(6).unwrap();
    let s = Scenario::open(&store, &v2(), s.id()).unwrap();
    assert_eq!(s.data_node::<f64>("rate").unwrap().read().unwrap(), 6.0);
}

/// An `i64` under another name: the same layout, so a read could not tell the old value apart.
#[derive(Clone, Debug, PartialEq, taipy::DataValue)]
pub struct Cents(i64);

#[test]
fn development_mode_resets_a_node_whose_layout_cannot_tell_the_types_apart() {
    fn v(cents: bool) -> Arc<ScenarioConfig> {
        fn double(x: &i64) -> i64 {
            x * 2
        }
        fn double_cents(x: &Cents) -> Cents {
            Cents(x.0 * 2)
        }
        let builder = ScenarioConfig::builder("money");
        if cents {
            builder.node(DataNodeConfig::with_default("amount", Cents(100))).task(
                TaskConfig::new("double", double_cents).version(2).inputs(["amount"]).outputs(["twice"]),
            )
        } else {
            builder
                .node(DataNodeConfig::with_default("amount", 1i64))
                .task(TaskConfig::new("double", double).inputs(["amount"]).outputs(["twice"]))
        }
        .build()
        .unwrap()
    }
    let store = Store::temporary_with(options(VersionMode::Development)).unwrap();
    let s = Scenario::create(&store, &v(false), "m").unwrap();
    s.data_node::<i64>("amount").unwrap().write(7).unwrap();
    s.submit().unwrap().wait().unwrap();

    let s = Scenario::open(&store, &v(true), s.id()).unwrap();
    // The source node falls back to its new default, the produced one lost its value.
    let amount = s.data_node::<Cents>("amount").unwrap();
    assert_eq!(amount.read().unwrap(), Cents(100));
    assert_eq!(amount.last_edit().unwrap().unwrap().writer, Writer::Default);
    assert_eq!(amount.history().unwrap().len(), 3);
    let err = s.data_node::<Cents>("twice").unwrap().read().unwrap_err();
    assert!(matches!(err, StoreError::NeverWritten { .. }), "{err:?}");
    let report = s.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&report), (vec!["double"], vec![]));
    assert_eq!(s.data_node::<Cents>("twice").unwrap().read().unwrap(), Cents(200));
}

#[test]
fn experiment_mode_keeps_versions_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let first = {
        let store = Store::open_with(dir.path(), options(VersionMode::experiment("one"))).unwrap();
        let s = Scenario::create(&store, &v1(), "q3").unwrap();
        s.submit().unwrap().wait().unwrap();
        s.id().to_owned()
    };
    let store = Store::open_with(dir.path(), options(VersionMode::experiment("two"))).unwrap();
    // Opening the old scenario with the new config is an error naming its version.
    let err = Scenario::open(&store, &v2(), &first).unwrap_err();
    assert!(matches!(err, StoreError::ConfigVersionMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("config version `one`"), "{err}");
    // The new config does not find it: a new scenario gets the new version.
    assert!(Scenario::find(&store, &v2(), "q3").unwrap().is_none());
    let second = Scenario::find_or_create(&store, &v2(), "q3").unwrap();
    assert_ne!(second.id(), first);
    second.submit().unwrap().wait().unwrap();
    // The old one still opens with its own config, its values intact.
    let old = Scenario::open(&store, &v1(), &first).unwrap();
    assert_eq!(old.data_node::<i64>("scaled").unwrap().read().unwrap(), 30);

    let named: Vec<(String, usize, bool)> = store
        .config_versions()
        .unwrap()
        .into_iter()
        .map(|v| (v.name.clone().unwrap_or_default(), v.scenarios, v.current))
        .collect();
    assert_eq!(named, [("one".to_owned(), 1, false), ("two".to_owned(), 1, true)]);
    let ids = |label: &str| -> Vec<String> {
        store.scenarios_of_config_version(label).unwrap().into_iter().map(|s| s.id).collect()
    };
    assert_eq!((ids("one"), ids("two")), (vec![first.clone()], vec![second.id().to_owned()]));
    let diff = store.compare_config_versions("one", "two").unwrap();
    assert!(diff.to_string().contains("node `rate` retyped: i64 → f64"), "{diff}");

    // The current version is deleted only when forced; an old one with its scenarios.
    let err = store.delete_config_version("two", false).unwrap_err();
    assert!(err.to_string().contains("it is the current version of config `pricing`"), "{err}");
    assert_eq!(store.delete_config_version("one", false).unwrap(), [first.as_str()]);
    assert!(store.scenarios().unwrap().iter().all(|s| s.id != first));
    assert!(matches!(store.compare_config_versions("one", "two"), Err(StoreError::NotFound { .. })));
    assert_eq!(store.delete_config_version("two", true).unwrap(), [second.id().to_owned()]);
    assert!(store.config_versions().unwrap().is_empty());
}

#[test]
fn production_mode_refuses_without_migration_and_migrates_with_one() {
    let store = Store::temporary_with(options(VersionMode::Production)).unwrap();
    let s = Scenario::create(&store, &v1(), "q3").unwrap();
    s.data_node::<i64>("rate").unwrap().write(7).unwrap();
    s.submit().unwrap().wait().unwrap();

    // No migration from i64 to String: refused, naming every difference.
    let err = Scenario::open(&store, &v2_text(), s.id()).unwrap_err();
    assert!(matches!(err, StoreError::IncompatibleConfig { .. }), "{err:?}");
    let message = err.to_string();
    for line in [
        "node `rate` retyped: i64 → alloc::string::String",
        "node `scaled` retyped: i64 → f64",
        "task `scale`: code changed",
        "no migration registered for node `rate` from i64 to alloc::string::String",
    ] {
        assert!(message.contains(line), "{line:?} missing from: {message}");
    }
    // Nothing changed: the scenario still opens with its own config.
    let same = Scenario::open(&store, &v1(), s.id()).unwrap();
    assert_eq!(same.data_node::<i64>("rate").unwrap().read().unwrap(), 7);

    // `rate_to_float` is registered: the value is migrated, not reset to the new default.
    let s = Scenario::open(&store, &v2(), s.id()).unwrap();
    let rate = s.data_node::<f64>("rate").unwrap();
    assert_eq!(rate.read().unwrap(), 7.0);
    let last = rate.last_edit().unwrap().unwrap();
    assert!(
        matches!(&last.writer, Writer::Migrated { function, from_version: 2 } if function.ends_with("rate_to_float")),
        "{:?}",
        last.writer
    );
    assert_eq!(rate.history().unwrap().len(), 3);
    // `scale` changed and re-runs on the migrated value; `describe` did not and skips.
    let report = s.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&report), (vec!["scale"], vec!["describe"]));
    assert_eq!(s.data_node::<f64>("scaled").unwrap().read().unwrap(), 70.0);
    // Opening again: the scenario is bound to v2 now; nothing is migrated twice.
    let again = Scenario::open(&store, &v2(), s.id()).unwrap();
    assert_eq!(again.data_node::<f64>("rate").unwrap().history().unwrap().len(), 3);
    let report = again.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&report), (vec![], vec!["scale", "describe"]));
}

#[test]
fn a_failing_migration_names_the_node_and_loses_nothing() {
    fn v(budget_as_number: bool) -> Arc<ScenarioConfig> {
        let builder = ScenarioConfig::builder("budgets");
        let builder = if budget_as_number {
            builder.node(DataNodeConfig::with_default("budget", 0u64))
        } else {
            builder.node(DataNodeConfig::with_default("budget", "10".to_owned()))
        };
        builder.build().unwrap()
    }
    let store = Store::temporary_with(options(VersionMode::Production)).unwrap();
    let s = Scenario::create(&store, &v(false), "b").unwrap();
    s.data_node::<String>("budget").unwrap().write("lots".to_owned()).unwrap();

    let err = Scenario::open(&store, &v(true), s.id()).unwrap_err();
    assert!(matches!(err, StoreError::MigrationFailed { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("data node `budget`"), "{message}");
    assert!(message.contains("parse_budget"), "{message}");
    assert!(message.contains("invalid digit found in string"), "{message}");

    let kept = Scenario::open(&store, &v(false), s.id()).unwrap();
    let budget = kept.data_node::<String>("budget").unwrap();
    assert_eq!(budget.read().unwrap(), "lots");
    assert_eq!(budget.history().unwrap().len(), 2);
    assert_eq!(kept.config_version(), s.config_version());

    // Once the value parses, the migration succeeds.
    budget.write("12".to_owned()).unwrap();
    let migrated = Scenario::open(&store, &v(true), s.id()).unwrap();
    assert_eq!(migrated.data_node::<u64>("budget").unwrap().read().unwrap(), 12);
}

#[test]
fn the_toml_core_section_chooses_the_mode() {
    use taipy::toml::TomlConfig;
    let load = |core: &str| TomlConfig::from_str(&format!("[CORE]\n{core}\n"));
    let mode = |core: &str| load(core).unwrap().store_options().versions;
    assert_eq!(mode(""), VersionMode::Development);
    assert_eq!(mode("mode = \"development\""), VersionMode::Development);
    assert_eq!(mode("mode = \"production\""), VersionMode::Production);
    assert_eq!(mode("mode = \"experiment\""), VersionMode::Experiment { name: None });
    assert_eq!(mode("mode = \"experiment\"\nversion_number = \"1.0\""), VersionMode::experiment("1.0"));
    let err = load("mode = \"staging\"").unwrap_err().to_string();
    assert!(
        err.contains("line 2")
            && err.contains("unknown mode `staging`; expected development, experiment or production"),
        "{err}"
    );
}

#[test]
fn a_scope_change_is_re_created_in_development_and_refused_in_production() {
    fn v(scope: Scope) -> Arc<ScenarioConfig> {
        ScenarioConfig::builder("scoped")
            .node(DataNodeConfig::with_default("limit", 1i64).scope(scope))
            .build()
            .unwrap()
    }
    let store = Store::temporary_with(options(VersionMode::Production)).unwrap();
    let s = Scenario::create(&store, &v(Scope::Scenario), "p").unwrap();
    s.data_node::<i64>("limit").unwrap().write(5).unwrap();
    let err = Scenario::open(&store, &v(Scope::Global), s.id()).unwrap_err();
    assert!(err.to_string().contains("node `limit` changed scope from Scenario to Global"), "{err}");
    assert!(err.to_string().contains("node `limit`: scope changed from Scenario to Global"), "{err}");

    let store = Store::temporary_with(options(VersionMode::Development)).unwrap();
    let s = Scenario::create(&store, &v(Scope::Scenario), "d").unwrap();
    let old = s.data_node::<i64>("limit").unwrap();
    old.write(5).unwrap();
    let deleted = store.subscribe(
        taipy::EventFilter::all().entity(taipy::EntityType::DataNode).operation(taipy::Operation::Deletion),
    );
    let s = Scenario::open(&store, &v(Scope::Global), s.id()).unwrap();
    let limit = s.data_node::<i64>("limit").unwrap();
    assert_eq!((limit.scope().unwrap(), limit.read().unwrap()), (Scope::Global, 1));
    // The scenario's own instance is deleted with its versions, not left behind unused.
    assert_ne!(limit.id(), old.id());
    let events: Vec<String> = deleted.try_iter().map(|e| e.id).collect();
    assert_eq!(events, [old.id()]);
    assert!(old.read().is_err());
}

#[test]
fn versions_are_named_by_name_or_fingerprint_prefix() {
    let store = Store::temporary_with(options(VersionMode::Development)).unwrap();
    let s = Scenario::create(&store, &v1(), "q3").unwrap();
    let hex = s.config_version().unwrap().to_hex();
    assert_eq!(store.config_version(&hex[..6]).unwrap().fingerprint, s.config_version().unwrap());
    assert!(matches!(store.config_version(&hex[..3]), Err(StoreError::NotFound { .. })));
    store.name_config_version(&hex[..8], "baseline").unwrap();
    let version = store.config_version("baseline").unwrap();
    assert_eq!((version.label(), version.scenarios, version.current), ("baseline".to_owned(), 1, true));
    assert!(version.toml.is_none() || version.toml.as_deref().unwrap().contains("pricing"));
    let err = store.config_version("nothing").unwrap_err();
    assert_eq!(err.to_string(), "no config version `nothing` in the store");
}
