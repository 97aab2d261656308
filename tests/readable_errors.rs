//! Errors print their message under `Debug` too (config errors their readable list): what
//! `main` shows when it returns `Err` (`Error: {err:?}`).

use std::error::Error;

use taipy::prelude::*;
use taipy::toml::TomlConfig;

/// What `fn main() -> Result<(), Box<dyn Error>>` prints for `err`, after `Error: `.
fn as_main_prints(err: impl Error + 'static) -> String {
    let boxed: Box<dyn Error> = Box::new(err);
    format!("{boxed:?}")
}

#[test]
fn a_toml_config_error_debugs_as_its_problem_list() {
    let err = TomlConfig::from_str("[DATA_NODE.x]\ndefault_data = \"abc:int\"\n").unwrap_err();
    let text = err.to_string();
    assert_eq!(
        text,
        "config <string> has 1 problem:\n  - line 2 [DATA_NODE.x]: `default_data`: `abc:int` is not a valid integer"
    );
    assert_eq!(as_main_prints(err), text);
}

#[test]
fn a_builder_config_error_debugs_as_its_problem_list() {
    let err = ScenarioConfig::builder("broken")
        .task(TaskConfig::new("t", |x: &i64| *x).inputs(["missing"]).outputs(["y"]))
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("scenario config `broken` is invalid:\n  - "), "{text}");
    assert!(!text.contains("Invalid {"), "{text}");
    assert_eq!(as_main_prints(err), text);
}

/// `s.submit()?.wait()?` in `main`: the failure's message (as the README shows it), never the
/// report's derived `Debug` with every job record and backtrace.
#[test]
fn a_failed_submission_debugs_as_its_message() {
    let config = ScenarioConfig::builder("weather")
        .node(DataNodeConfig::with_default("city", "Atlantis".to_string()))
        .task(
            TaskConfig::new("readings", |city: &String| -> Vec<f64> { panic!("{city} has no readings") })
                .inputs(["city"])
                .outputs(["values"]),
        )
        .build()
        .unwrap();
    let store = Store::temporary().unwrap();
    let s = Scenario::create(&store, &config, "w").unwrap();
    let err = s.submit().unwrap().wait().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("task `readings`: panicked at") && text.ends_with("Atlantis has no readings"),
        "{text}"
    );
    assert_eq!(as_main_prints(err), text);
}

/// `node.read()?` in `main`: the message with its advice (for a value of an older type layout,
/// "write a new value ..."), not the variant's fields.
#[test]
fn a_store_error_debugs_as_its_message() {
    let config = ScenarioConfig::builder("c")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(TaskConfig::new("double", |x: &i64| x * 2).inputs(["x"]).outputs(["y"]))
        .build()
        .unwrap();
    let store = Store::temporary().unwrap();
    let s = Scenario::create(&store, &config, "s").unwrap();
    let err = s.data_node::<i64>("y").unwrap().read().unwrap_err();
    assert_eq!(err.to_string(), "data node `y` of scenario `s` has never been written");
    assert_eq!(as_main_prints(err), "data node `y` of scenario `s` has never been written");
}

/// `taipy::registry::task(name)?` in `main`: the message with its `taipy::link!` advice.
#[test]
fn a_registry_error_debugs_as_its_message() {
    let err = taipy::registry::task("no_such_task").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("add `taipy::link!(that_crate);` to the binary"), "{text}");
    assert_eq!(as_main_prints(err), text);
}
