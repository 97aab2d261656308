//! Export → load → the same config fingerprint; and the fingerprint sees what matters.

use taipy::prelude::*;
use taipy::registry;
use taipy::toml::{TomlConfigError, config_fingerprint, export};

use crate::tasks::{CustomerAnalysis, Metric};
use crate::{STUDIO, load};

fn reload(text: &str, id: &str) -> std::sync::Arc<ScenarioConfig> {
    match load(text) {
        Ok(config) => config.scenario(id).unwrap().clone(),
        Err(e) => panic!("{e}\n{text}"),
    }
}

#[test]
fn a_macro_scenario_round_trips() {
    let config = CustomerAnalysis::config();
    let text = export(&config).unwrap();
    let loaded = reload(&text, "CustomerAnalysis");
    assert_eq!(config_fingerprint(&loaded), config_fingerprint(&config));
    // The second export is the same text.
    assert_eq!(export(&loaded).unwrap(), text);
    assert!(text.contains("function = \"toml_config::tasks::segment_analysis:function\""), "{text}");
    assert!(
        text.contains(
            "scoring = [ \"preprocess_and_score:SECTION\", \"featurization_and_segmentation:SECTION\",]"
        ),
        "{text}"
    );
}

#[test]
fn a_loaded_file_round_trips() {
    let config = reload(STUDIO, "scenario_1");
    let text = export(&config).unwrap();
    assert_eq!(config_fingerprint(&reload(&text, "scenario_1")), config_fingerprint(&config));
}

#[test]
fn the_fingerprint_sees_defaults_wiring_types_and_code() {
    let base = config_fingerprint(&reload(STUDIO, "scenario_1"));
    let variants = [
        STUDIO.replace("\"mean\"", "\"median\""),
        STUDIO.replace("\"1000:int\"", "\"1001:int\""),
        STUDIO.replace("skippable = \"True:bool\"", "skippable = \"False:bool\""),
        STUDIO.replace("[DATA_NODE.metric]\n", "[DATA_NODE.metric]\nscope = \"GLOBAL:SCOPE\"\n"),
        STUDIO.replace("[SCENARIO.scenario_1.sequences]\n", "[SCENARIO.scenario_1.sequences]\nx = []\n"),
        STUDIO.replace("score_threshold", "score_limit"),
    ];
    for text in &variants {
        assert_ne!(config_fingerprint(&reload(text, "scenario_1")), base, "{text}");
    }
    // Declaration order and `1000:int` vs `1000.0:float` for an f64 node do not matter.
    let reordered = STUDIO.replace("\"1000:int\"", "\"1000.0:float\"");
    assert_eq!(config_fingerprint(&reload(&reordered, "scenario_1")), base);
}

#[test]
fn values_of_many_types_round_trip() {
    let entry = registry::task("segment_analysis").unwrap();
    let config = ScenarioConfig::builder("values")
        .node(DataNodeConfig::with_default("metric", Metric::Median))
        .node(DataNodeConfig::with_default("text", "looks:int".to_string()))
        .node(DataNodeConfig::with_default("plain", "a \"quoted\" path\\x".to_string()))
        .node(DataNodeConfig::with_default("count", -3i64))
        .node(DataNodeConfig::with_default("ratio", 0.1f64))
        .node(DataNodeConfig::with_default("flag", false))
        .node(DataNodeConfig::with_default("segmented", crate::tasks::SegmentedCustomers(Vec::new())))
        .task(entry.task_config("segment_analysis").inputs(["segmented", "metric"]).outputs(["result"]))
        .build()
        .unwrap();
    let text = export(&config).unwrap();
    assert!(text.contains("default_data = \"looks:int:str\""), "{text}");
    assert!(text.contains("additional_data_nodes = [ \"text:SECTION\","), "{text}");
    let loaded = reload(&text, "values");
    assert_eq!(config_fingerprint(&loaded), config_fingerprint(&config));

    let store = Store::temporary().unwrap();
    let s = Scenario::create(&store, &loaded, "values").unwrap();
    assert_eq!(s.data_node::<String>("text").unwrap().read().unwrap(), "looks:int");
    assert_eq!(s.data_node::<String>("plain").unwrap().read().unwrap(), "a \"quoted\" path\\x");
    assert_eq!(s.data_node::<f64>("ratio").unwrap().read().unwrap(), 0.1);
}

#[test]
fn what_cannot_be_exported_is_named() {
    let config = ScenarioConfig::builder("closures")
        .node(DataNodeConfig::with_default("x", 1i64))
        .node(DataNodeConfig::with_default("list", vec![Some(1u8), None]))
        .task(TaskConfig::new("double", |x: &i64| x * 2).inputs(["x"]).outputs(["y"]))
        .build()
        .unwrap();
    let Err(TomlConfigError::Export { problems, .. }) = export(&config) else { panic!("exported") };
    assert_eq!(
        problems,
        [
            "data node `list` is read or written by no task, and its type \
             `alloc::vec::Vec<core::option::Option<u8>>` cannot be told from a TOML default",
            "the default of data node `list` (`alloc::vec::Vec<core::option::Option<u8>>`) has no TOML form \
             (implement `DataValue::to_toml`)",
            "task `double` is not a registered `#[task]` function (a closure given to `TaskConfig::new` cannot be \
             named in a file)",
        ]
    );
}

/// A serde type holding a `Duration`: Taipy writes it as a timedelta.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Validity {
    period: std::time::Duration,
}
taipy::serde_value!(Validity);

#[taipy::task]
fn renew(validity: &Validity) -> i64 {
    validity.period.as_secs() as i64
}

#[test]
fn durations_are_timedeltas() {
    let period = std::time::Duration::new(90_061, 5_000);
    let config = ScenarioConfig::builder("durations")
        .node(DataNodeConfig::with_default("validity", Validity { period }))
        .task(registry::task("renew").unwrap().task_config("renew").inputs(["validity"]).outputs(["secs"]))
        .build()
        .unwrap();
    let text = export(&config).unwrap();
    assert!(text.contains("default_data = { period = \"1 day, 1:01:01.000005:timedelta\" }"), "{text}");
    let loaded = reload(&text, "durations");
    assert_eq!(config_fingerprint(&loaded), config_fingerprint(&config));
}
