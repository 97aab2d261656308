//! Export → load → the same config fingerprint; and the fingerprint sees what matters.

use taipy::prelude::*;
use taipy::registry;
use taipy::toml::{TomlConfigError, config_fingerprint, export};

use crate::tasks::{CustomerAnalysis, Metric, SegmentResult, SegmentedCustomers};
use crate::{STUDIO, edit, load};

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

/// `segment_analysis` with other code: the same types, so only the code fingerprint differs.
#[taipy::task]
pub fn reversed_segment_metrics(segmented: &SegmentedCustomers, metric: Metric) -> SegmentResult {
    let mut result = crate::tasks::segment_analysis(segmented, metric);
    result.0.reverse();
    result
}

#[test]
fn the_fingerprint_sees_defaults_wiring_and_code_not_declaration_order() {
    let base = config_fingerprint(&reload(STUDIO, "scenario_1"));
    let variants = [
        // Defaults.
        edit(STUDIO, "\"mean\"", "\"median\""),
        edit(STUDIO, "\"1000:int\"", "\"1001:int\""),
        // Skippability, scope, sequences.
        edit(STUDIO, "skippable = \"True:bool\"", "skippable = \"False:bool\""),
        edit(STUDIO, "[DATA_NODE.metric]\n", "[DATA_NODE.metric]\nscope = \"GLOBAL:SCOPE\"\n"),
        edit(STUDIO, "[SCENARIO.scenario_1.sequences]\n", "[SCENARIO.scenario_1.sequences]\nx = []\n"),
        // Wiring: a node renamed.
        STUDIO.replace("score_threshold", "score_limit"),
        // Code: a function with the same types and other tokens.
        edit(
            STUDIO,
            "toml_config.tasks.segment_analysis:function",
            "toml_config.round_trip.reversed_segment_metrics:function",
        ),
    ];
    for text in &variants {
        assert_ne!(config_fingerprint(&reload(text, "scenario_1")), base, "{text}");
    }
    // Declaration order and `1000:int` vs `1000.0:float` for an f64 node do not matter.
    let as_float = edit(STUDIO, "\"1000:int\"", "\"1000.0:float\"");
    assert_eq!(config_fingerprint(&reload(&as_float, "scenario_1")), base);
    let metric = "[DATA_NODE.metric]\ndefault_data = \"mean\"\n\n";
    let first = "[DATA_NODE.path_to_data]";
    let reordered = edit(&edit(STUDIO, metric, ""), first, &format!("{metric}{first}"));
    let node_ids =
        |config: &ScenarioConfig| config.nodes().iter().map(|n| n.id().to_owned()).collect::<Vec<_>>();
    let loaded = reload(&reordered, "scenario_1");
    assert_ne!(node_ids(&loaded), node_ids(&reload(STUDIO, "scenario_1")), "the nodes were reordered");
    assert_eq!(config_fingerprint(&loaded), base);
}

#[test]
fn the_fingerprint_sees_a_node_s_type_alone() {
    // `7` as an i64 and as a u64 have the same TOML form, so only the type tells them apart.
    assert_eq!(DataValue::to_toml(&7i64), DataValue::to_toml(&7u64));
    let with = |node: DataNodeConfig| ScenarioConfig::builder("typed").node(node).build().unwrap();
    let signed = with(DataNodeConfig::with_default("n", 7i64));
    let unsigned = with(DataNodeConfig::with_default("n", 7u64));
    assert_ne!(config_fingerprint(&signed), config_fingerprint(&unsigned));
}

#[test]
fn the_fingerprint_ignores_the_order_tasks_are_declared_in() {
    // Two independent tasks: the config keeps them in declaration order.
    let add = TaskConfig::new("add", |x: &i64| x + 1).inputs(["x"]).outputs(["y"]);
    let double = TaskConfig::new("double", |x: &i64| x * 2).inputs(["x"]).outputs(["z"]);
    let with = |first: &TaskConfig, second: &TaskConfig| {
        let x = DataNodeConfig::with_default("x", 1i64);
        ScenarioConfig::builder("order").node(x).task(first.clone()).task(second.clone()).build().unwrap()
    };
    let (forward, backward) = (with(&add, &double), with(&double, &add));
    assert_ne!(forward.tasks()[0].id(), backward.tasks()[0].id(), "the tasks were reordered");
    assert_eq!(config_fingerprint(&forward), config_fingerprint(&backward));
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
