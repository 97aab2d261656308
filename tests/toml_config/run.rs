//! A loaded config runs through the ordinary runtime, exactly like the `scenario!` version.

use std::sync::Arc;

use taipy::prelude::*;
use taipy::toml::{Frequency, Loader, StorageType, config_fingerprint, export};
use taipy::{ExecutionMode, Reason, SubmissionReport, ValueType};

use crate::tasks::{CustomerAnalysis, HighValueSummary, Metric, Statistic};
use crate::{REFERENCE, STUDIO, edit, load};

const T1: &str = "preprocess_and_score";
const T2: &str = "featurization_and_segmentation";
const T3: &str = "segment_analysis";
const T4: &str = "high_value_cust_summary_statistics";

fn run(s: &Scenario) -> SubmissionReport {
    s.submit().unwrap().wait().unwrap()
}

fn studio_config() -> Arc<ScenarioConfig> {
    load(STUDIO).unwrap().scenario("scenario_1").unwrap().clone()
}

#[test]
fn the_studio_file_runs_with_the_tutorial_skip_pattern() {
    let store = Store::temporary().unwrap();
    let s = Scenario::create(&store, &studio_config(), "from toml").unwrap();
    let macro_s = CustomerAnalysis::create(&store, "from the macro").unwrap();

    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T1, T2, T3, T4]);
    run(&macro_s);
    let summary =
        |s: &Scenario| s.data_node::<HighValueSummary>("high_value_summary_df").unwrap().read().unwrap();
    let first = summary(&s);
    assert_eq!(first, macro_s.high_value_summary_df().read().unwrap());
    assert!(first.0["count"] > 0.0, "{first:?}");

    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2, T3, T4]);

    // The walkthrough: each parameter changed in turn.
    s.data_node::<f64>("payment_threshold").unwrap().write(1600.0).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1]);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T2, T3, T4]);
    assert_eq!(
        r.job(T2).unwrap().reason.clone().unwrap(),
        Reason::Changed { code: false, inputs: vec!["payment_threshold".into()] }
    );
    assert_ne!(summary(&s), first);

    s.data_node::<Metric>("metric").unwrap().write(Metric::Median).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2]);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T3, T4]);

    s.data_node::<Statistic>("summary_statistic_type").unwrap().write(Statistic::Max).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2, T3]);
    assert_eq!(r.tasks_with(JobStatus::Completed), [T4]);

    // Back to the first parameters: every result is reused.
    s.data_node::<f64>("payment_threshold").unwrap().write(1000.0).unwrap();
    s.data_node::<Metric>("metric").unwrap().write(Metric::Mean).unwrap();
    s.data_node::<Statistic>("summary_statistic_type").unwrap().write(Statistic::Median).unwrap();
    let r = run(&s);
    assert_eq!(r.tasks_with(JobStatus::Skipped), [T1, T2, T3, T4]);
    assert_eq!(summary(&s), first);
}

#[test]
fn the_studio_file_is_the_macro_scenario() {
    // Same id and sequence as the macro version: the configs are the same config.
    let text = edit(
        &STUDIO.replace("scenario_1", "CustomerAnalysis"),
        "[SCENARIO.CustomerAnalysis.sequences]\n",
        "[SCENARIO.CustomerAnalysis.sequences]\n\
         scoring = [ \"preprocess_and_score:SECTION\", \"featurization_and_segmentation:SECTION\",]\n",
    );
    let loaded = load(&text).unwrap();
    let from_toml = loaded.scenario("CustomerAnalysis").unwrap();
    assert_eq!(config_fingerprint(from_toml), config_fingerprint(&CustomerAnalysis::config()));

    // A sequence of a loaded scenario submits like the macro's.
    let store = Store::temporary().unwrap();
    let s = Scenario::create(&store, from_toml, "seq").unwrap();
    let r = s.submit_sequence("scoring", SubmitOptions::default()).unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), [T1, T2]);
}

#[test]
fn the_reference_file_resolves_python_paths_and_untyped_defaults() {
    let config = load(REFERENCE).unwrap();
    let s = config.scenario("scenario_1").unwrap();
    let macro_config = CustomerAnalysis::config();
    for task in s.tasks() {
        let same = macro_config.task(task.id()).unwrap();
        assert_eq!(task.fingerprint(), same.fingerprint(), "{}", task.id());
        assert!(task.is_skippable());
    }
    assert_eq!(s.node("metric").unwrap().value_type(), ValueType::of::<Metric>());
    assert_eq!(s.node("payment_threshold").unwrap().value_type(), ValueType::of::<f64>());
    assert_eq!(s.node("path_to_data").unwrap().value_type(), ValueType::of::<CsvFile>());
    let exported = export(s).unwrap();
    for line in [
        "default_data = \"data/customers_data.csv\"",
        "default_data = \"1000.0:float\"",
        "default_data = \"Mean\"",
        "default_data = \"Median\"",
    ] {
        assert!(exported.contains(line), "missing `{line}` in\n{exported}");
    }
    assert_eq!(config.storage_type("path_to_data"), StorageType::Pickle);
}

#[test]
fn settings_templates_and_storage_types() {
    let text = format!(
        "[JOB]\nmode = \"development\"\nmax_nb_of_workers = \"ENV[WORKERS]:int\"\n\n\
         [CORE]\nstorage_folder = \".data/\"\n\n{}",
        STUDIO
            .replace("\"1000:int\"", "\"ENV[PAYMENT]:float\"")
            .replace(
                "[DATA_NODE.path_to_data]\n",
                "[DATA_NODE.path_to_data]\nstorage_type = \"csv\"\nscope = \"GLOBAL:SCOPE\"\n"
            )
            .replace(
                "additional_data_nodes = []",
                "additional_data_nodes = []\nfrequency = \"MONTHLY:FREQUENCY\""
            )
            .replace("[DATA_NODE.metric]\n", "[DATA_NODE.metric]\nstorage_type = \"json\"\n")
            .replace("[DATA_NODE.scored_df]\n", "[DATA_NODE.scored_df]\nstorage_type = \"in_memory\"\n")
    );
    let env = |name: &str| match name {
        "WORKERS" => Some("3".to_owned()),
        "PAYMENT" => Some("1600".to_owned()),
        _ => None,
    };
    let config = Loader::new().env(env).load_str(&text).unwrap();
    assert_eq!(config.job().mode, Some(ExecutionMode::Development));
    assert_eq!(config.job().max_workers, Some(3));
    assert_eq!(config.job().store_options().max_workers, 3);
    assert_eq!(config.core()["storage_folder"], ".data/");
    assert_eq!(config.storage_type("path_to_data"), StorageType::Csv);
    assert_eq!(config.storage_type("metric"), StorageType::Json);
    assert_eq!(config.storage_type("scored_df"), StorageType::InMemory);
    assert_eq!(config.storage_type("segment_result"), StorageType::Pickle);
    assert_eq!(config.frequency("scenario_1"), Some(Frequency::Monthly));
    let s = config.scenario("scenario_1").unwrap();
    assert_eq!(s.node("path_to_data").unwrap().node_scope(), taipy::Scope::Global);
    // The frequency reaches the scenario config (cycles) and survives an export.
    assert_eq!(s.frequency(), Some(Frequency::Monthly));
    assert!(taipy::toml::export(s).unwrap().contains("frequency = \"MONTHLY:FREQUENCY\""));

    let store = Store::temporary_with(config.job().store_options()).unwrap();
    let scenario = Scenario::create(&store, s, "env").unwrap();
    assert_eq!(scenario.data_node::<f64>("payment_threshold").unwrap().read().unwrap(), 1600.0);
    let r = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(r.tasks_with(JobStatus::Completed), [T1, T2, T3, T4]);
}

#[test]
fn default_sections_fill_in_properties() {
    let text = STUDIO.replace("skippable = \"True:bool\"\n", "").replace(
        "[TAIPY]\n",
        "[TAIPY]\n\n[DATA_NODE.default]\nscope = \"CYCLE:SCOPE\"\n\n[TASK.default]\nskippable = \"True:bool\"\n",
    );
    let config = load(&text).unwrap();
    let s = config.scenario("scenario_1").unwrap();
    assert!(s.tasks().iter().all(|t| t.is_skippable()));
    assert!(s.nodes().iter().all(|n| n.node_scope() == taipy::Scope::Cycle));
    // Without them, Taipy's default: not skippable.
    let plain = load(&STUDIO.replace("skippable = \"True:bool\"\n", "")).unwrap();
    assert!(plain.only_scenario().unwrap().tasks().iter().all(|t| !t.is_skippable()));
}

#[test]
fn a_loader_overrides_defaults() {
    let config = Loader::new()
        .set_default("payment_threshold", "1600:float")
        .set_default("metric", "median")
        .load_str(STUDIO)
        .unwrap();
    let store = Store::temporary().unwrap();
    let s = Scenario::create(&store, config.only_scenario().unwrap(), "overridden").unwrap();
    assert_eq!(s.data_node::<f64>("payment_threshold").unwrap().read().unwrap(), 1600.0);
    assert_eq!(s.data_node::<Metric>("metric").unwrap().read().unwrap(), Metric::Median);

    let err = Loader::new()
        .set_default("metrics", "median")
        .set_default("metric", "x:int")
        .load_str(STUDIO)
        .unwrap_err();
    let found: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "a default is given for data node `metrics`, which is not declared; did you mean `metric`?",
            "[DATA_NODE.metric]: the default given for `metric`: `x:int` is not a valid integer",
        ]
    );
}

#[test]
fn file_storage_types_write_files_and_round_trip_through_export() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    let text = STUDIO
        .replace(
            "[DATA_NODE.scored_df]\n",
            &format!(
                "[DATA_NODE.scored_df]\nstorage_type = \"csv\"\ndefault_path = \"{}\"\n",
                at("scored.csv")
            ),
        )
        .replace(
            "[DATA_NODE.segment_result]\n",
            &format!(
                "[DATA_NODE.segment_result]\nstorage_type = \"json\"\npath = \"{}\"\n",
                at("segments.json")
            ),
        )
        .replace(
            "[DATA_NODE.high_value_summary_df]\n",
            &format!(
                "[DATA_NODE.high_value_summary_df]\nstorage_type = \"pickle\"\ndefault_path = \"{}\"\n",
                at("summary.bin")
            ),
        );
    let config = load(&text).unwrap();
    let s = config.scenario("scenario_1").unwrap();
    assert_eq!(config.storage_type("scored_df"), StorageType::Csv);
    assert_eq!(s.node("scored_df").unwrap().storage().kind(), taipy::StorageKind::Csv);
    assert_eq!(s.node("high_value_summary_df").unwrap().storage().kind(), taipy::StorageKind::Binary);
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, s, "files").unwrap();
    let report = run(&scenario);
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{:?}", report.jobs);
    let csv = std::fs::read_to_string(at("scored.csv")).unwrap();
    assert!(csv.starts_with("id,amount,score\n"), "{csv}");
    assert!(std::fs::metadata(at("segments.json")).unwrap().len() > 0);
    assert!(run(&scenario).jobs.iter().all(|j| j.status == JobStatus::Skipped));

    // The export writes the keys back, and loading it gives the same storages.
    let exported = export(s).unwrap();
    assert!(
        exported.contains(&format!("storage_type = \"csv\"\ndefault_path = \"{}\"", at("scored.csv"))),
        "{exported}"
    );
    assert!(exported.contains("storage_type = \"pickle\""), "{exported}");
    let again = load(&exported).unwrap();
    let s2 = again.only_scenario().unwrap();
    for node in ["scored_df", "segment_result", "high_value_summary_df", "metric"] {
        assert_eq!(s2.node(node).unwrap().storage(), s.node(node).unwrap().storage(), "{node}");
    }
}

/// `[CORE] job_queue = "postgres://..."` makes the store hand its jobs to workers; without it
/// they run here.
#[test]
fn a_job_queue_in_core_makes_stores_use_workers() {
    let text = format!("[CORE]\njob_queue = \"ENV[QUEUE_URL]\"\n\n{STUDIO}");
    let env = |name: &str| (name == "QUEUE_URL").then(|| "postgres://u:p@h/q".to_owned());
    let config = Loader::new().env(env).load_str(&text).unwrap();
    assert_eq!(config.store_options().executor, taipy::Executor::queue("postgres://u:p@h/q"));
    let plain = Loader::new().load_str(STUDIO).unwrap();
    assert_eq!(plain.store_options().executor, taipy::Executor::Local);
}
