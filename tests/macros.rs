//! Passing uses of the macros, compiled with every warning denied: tasks taking values and
//! references, returning tuples and `Result`s, options, paths into modules, visibility, doc
//! comments, annotated intermediate nodes, the registry.

#![deny(warnings, missing_docs)]

use taipy::prelude::*;
use taipy::{Reason, registry};

/// Tasks in a module of their own, used by path.
pub mod stats {
    use taipy::prelude::*;

    /// Splits values into those under and over a limit.
    #[task]
    pub fn split(values: &[f64], limit: f64) -> (Vec<f64>, Vec<f64>) {
        values.iter().partition(|&&v| v < limit)
    }

    /// The mean, or an error for no values.
    #[task(version = 3)]
    pub fn mean(values: Vec<f64>) -> Result<f64, std::io::Error> {
        if values.is_empty() {
            return Err(std::io::Error::other("no values"));
        }
        Ok(values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// A greeting: never skipped.
#[task(skippable = false)]
fn label(low: &f64, high: &f64, name: String) -> String {
    format!("{name}: {low:.1} / {high:.1}")
}

/// A newtype with a named field.
#[derive(Clone, Debug, PartialEq, DataValue)]
pub struct Count {
    /// The count.
    pub n: u64,
}

#[task]
fn count(values: &[f64]) -> Count {
    Count { n: values.len() as u64 }
}

/// A task without outputs (a side effect): never skipped.
#[task(skippable = false)]
fn audit(n: &Count) {
    assert!(n.n > 0);
}

scenario! {
    /// Splits values and summarizes both halves.
    pub(crate) Summary {
        /// The values.
        values: Vec<f64> = vec![1.0, 2.0, 3.0, 10.0, 20.0],
        limit: f64 = 5.0,
        name: String = "summary".to_string(),

        (low, high) = stats::split(values, limit),
        low_mean = stats::mean(low),
        /// The mean of the values over the limit.
        high_mean: f64,
        high_mean = stats::mean(high) as mean_high,
        text = label(low_mean, high_mean, name),
        n = count(values),
        () = audit(n),

        sequences {
            /// Only the split and the means.
            means: [split, mean],
        }
    }
}

#[test]
fn tasks_stay_ordinary_functions() {
    assert_eq!(stats::split(&[1.0, 9.0], 5.0), (vec![1.0], vec![9.0]));
    assert_eq!(stats::mean(vec![2.0, 4.0]).unwrap(), 3.0);
    assert_eq!(label(&1.0, &2.0, "x".into()), "x: 1.0 / 2.0");
}

#[test]
fn a_scenario_runs_and_types_its_nodes() {
    let store = Store::temporary().unwrap();
    let s = Summary::create(&store, "first").unwrap();
    let report = s.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed).len(), 6, "{report:?}");
    let low: Vec<f64> = s.low().read().unwrap();
    assert_eq!(low, vec![1.0, 2.0, 3.0]);
    assert_eq!(s.high_mean().read().unwrap(), 15.0);
    assert_eq!(s.text().read().unwrap(), "summary: 2.0 / 15.0");
    assert_eq!(s.n().read().unwrap(), Count { n: 5 });

    // `label` is not skippable: it runs every time.
    let report = s.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed), ["label", "audit"]);
    assert_eq!(report.job("label").unwrap().reason, Some(Reason::NotSkippable));
}

#[test]
fn find_or_create_opens_the_typed_scenario_of_that_name() {
    let store = Store::temporary().unwrap();
    let first = Summary::find_or_create(&store, "weekly").unwrap();
    first.limit().write(3.0).unwrap();
    let again = Summary::find_or_create(&store, "weekly").unwrap();
    assert_eq!(again.scenario().id(), first.scenario().id());
    assert_eq!(again.limit().read().unwrap(), 3.0);
    let created = Summary::create(&store, "weekly").unwrap();
    assert_ne!(created.scenario().id(), first.scenario().id());
}

#[test]
fn a_failing_task_reports_its_error() {
    let store = Store::temporary().unwrap();
    let s = Summary::create(&store, "failing").unwrap();
    s.limit().write(0.0).unwrap();
    let err = s.submit().unwrap().wait().unwrap_err();
    assert!(err.to_string().contains("no values"), "{err}");
}

#[test]
fn the_config_is_static_and_registered() {
    let config = Summary::config();
    assert!(std::sync::Arc::ptr_eq(&config, &Summary::config()));
    assert_eq!(config.id(), Summary::CONFIG_ID);
    assert_eq!(config.sequences()["means"], ["split", "mean"]);

    let found = registry::scenario_config("Summary").unwrap();
    assert!(std::sync::Arc::ptr_eq(&config, &found));

    let mean = registry::task("mean").unwrap();
    assert_eq!(mean.id, "macros::stats::mean");
    assert_eq!(mean.version, 3);
    assert_eq!(mean.input_types(), [taipy::ValueType::of::<Vec<f64>>()]);
    assert_eq!(mean.output_types(), [taipy::ValueType::of::<f64>()]);
    let label = registry::task("macros::label").unwrap();
    assert!(!label.skippable);
    let err = registry::task("nope").unwrap_err();
    assert!(err.to_string().contains("no task named `nope`"), "{err}");
    assert!(err.to_string().contains("macros::stats::split"), "{err}");
}

#[test]
fn registered_tasks_build_configs_at_run_time() {
    // The dynamic API over registered tasks (what TOML configs use).
    let split = registry::task("split").unwrap();
    let config = ScenarioConfig::builder("dynamic")
        .node(DataNodeConfig::with_default("xs", vec![1.0f64, 8.0]))
        .node(DataNodeConfig::with_default("limit", 4.0f64))
        .task(split.task_config("split").inputs(["xs", "limit"]).outputs(["a", "b"]))
        .build()
        .unwrap();
    let store = Store::temporary().unwrap();
    let s = Scenario::create(&store, &config, "dyn").unwrap();
    s.submit().unwrap().wait().unwrap();
    assert_eq!(s.data_node::<Vec<f64>>("b").unwrap().read().unwrap(), vec![8.0]);
}

/// Evaluated by the compiler: `#[task]` writes each fingerprint into a constant.
const SPLIT_CODE: taipy::Fingerprint = <stats::split as taipy::__private::TaskDescriptor>::ENTRY.code;
const MEAN_CODE: taipy::Fingerprint = <stats::mean as taipy::__private::TaskDescriptor>::ENTRY.code;

#[test]
fn fingerprints_are_compile_time_constants() {
    assert_ne!(SPLIT_CODE, MEAN_CODE);
    // The registry hands out the constants.
    assert_eq!(registry::task("split").unwrap().code, SPLIT_CODE);
    assert_eq!(registry::task("macros::stats::mean").unwrap().code, MEAN_CODE);
    // The scenario's tasks are identified by them (with their version salt), not by their ids.
    let identified_by = |code, version| {
        TaskConfig::new("any", |_: &i64| 0i64).code_fingerprint(code).version(version).fingerprint()
    };
    let config = Summary::config();
    assert_eq!(config.task("split").unwrap().fingerprint(), identified_by(SPLIT_CODE, 0));
    assert_eq!(config.task("mean").unwrap().fingerprint(), identified_by(MEAN_CODE, 3));
    assert_eq!(config.task("mean_high").unwrap().fingerprint(), identified_by(MEAN_CODE, 3));
}
