//! Every checker error, with its expected line, section and message.

use crate::{STUDIO, edit, problems};

/// Asserts that loading `text` reports exactly `expected` (display strings), in line order.
fn expect(text: &str, expected: &[&str]) {
    let found = problems(text);
    assert_eq!(found, expected, "\nfound:\n{}\n", found.join("\n"));
}

const T4_INPUTS: &str = "inputs = [ \"segmented_customer_df:SECTION\", \"segment_result:SECTION\", \"summary_statistic_type:SECTION\",]";

#[test]
fn swapped_tables_fail_at_load_time() {
    // The tutorial's own file: task 4 receives segment_result where it expects the customers.
    let text = edit(
        STUDIO,
        T4_INPUTS,
        "inputs = [ \"segment_result:SECTION\", \"segmented_customer_df:SECTION\", \"summary_statistic_type:SECTION\",]",
    );
    expect(
        &text,
        &[
            "line 46 [TASK.high_value_cust_summary_statistics]: task `high_value_cust_summary_statistics` takes \
             `SegmentedCustomers` as input 1 (`segmented`) but data node `segment_result` holds `SegmentResult` (written by \
             task `segment_analysis`); inputs 1 and 2 look swapped",
            "line 46 [TASK.high_value_cust_summary_statistics]: task `high_value_cust_summary_statistics` takes \
             `SegmentResult` as input 2 (`segment_result`) but data node `segmented_customer_df` holds `SegmentedCustomers` \
             (written by task `featurization_and_segmentation`); inputs 1 and 2 look swapped",
        ],
    );
}

#[test]
fn an_input_of_another_type() {
    let text = edit(
        STUDIO,
        "[ \"segmented_customer_df:SECTION\", \"metric:SECTION\",]",
        "[ \"scored_df:SECTION\", \"metric:SECTION\",]",
    );
    expect(
        &text,
        &[
            "line 40 [TASK.segment_analysis]: task `segment_analysis` takes `SegmentedCustomers` as input 1 (`segmented`) but data \
           node `scored_df` holds `ScoredCustomers` (written by task `preprocess_and_score`)",
        ],
    );
}

#[test]
fn unknown_function_suggests_the_closest() {
    let text = edit(STUDIO, "tasks.segment_analysis:function", "tasks.segment_analysys:function");
    expect(
        &text,
        &["line 39 [TASK.segment_analysis]: task `segment_analysis`: unknown function \
           `toml_config.tasks.segment_analysys`: no registered task is named `segment_analysys`; did you mean \
           `segment_analysis` (toml_config::tasks::segment_analysis)?"],
    );
}

#[test]
fn wrong_argument_counts() {
    let text = edit(
        STUDIO,
        "[ \"segmented_customer_df:SECTION\", \"metric:SECTION\",]",
        "[ \"segmented_customer_df:SECTION\",]",
    );
    let text = edit(
        &text,
        "outputs = [ \"segment_result:SECTION\",]",
        "outputs = [ \"segment_result:SECTION\", \"metric:SECTION\",]",
    );
    expect(
        &text,
        &[
            "line 17 [DATA_NODE.metric]: data node `metric` has a default value and is also written by task \
             `segment_analysis`",
            "line 40 [TASK.segment_analysis]: task `segment_analysis`: function \
             `toml_config::tasks::segment_analysis` takes 2 inputs (`SegmentedCustomers`, `Metric`) but 1 is \
             wired: [segmented_customer_df]",
            "line 41 [TASK.segment_analysis]: task `segment_analysis`: function \
             `toml_config::tasks::segment_analysis` takes 1 output (`SegmentResult`) but 2 are wired: \
             [segment_result, metric]",
        ],
    );
}

#[test]
fn unknown_and_repeated_ids() {
    let text = edit(STUDIO, "\"metric:SECTION\",]", "\"metrics:SECTION\",]");
    let text = edit(
        &text,
        "\"segment_analysis:SECTION\", \"high",
        "\"segment_analysis:SECTION\", \"segment_analysis:SECTION\", \"high",
    );
    let text = edit(&text, "additional_data_nodes = []", "additional_data_nodes = [ \"nowhere:SECTION\",]");
    let found = problems(&text);
    assert_eq!(
        found,
        [
            "line 40 [TASK.segment_analysis]: task `segment_analysis` reads data node `metrics`, which is not \
             declared; did you mean `metric`?",
            "line 51 [SCENARIO.scenario_1]: scenario `scenario_1` lists task `segment_analysis` twice",
            "line 52 [SCENARIO.scenario_1]: scenario `scenario_1` names data node `nowhere`, which is not declared; \
             declared data nodes: path_to_data, scored_df, payment_threshold, score_threshold, \
             segmented_customer_df, metric, segment_result, summary_statistic_type, high_value_summary_df",
        ]
    );
    // A section declared twice is a TOML error, at the second declaration.
    let text = format!("{STUDIO}\n[DATA_NODE.metric]\ndefault_data = \"median\"\n");
    let found = problems(&text);
    assert_eq!(found[0], "line 58: invalid TOML: duplicate key at `metric`", "{found:?}");
}

#[test]
fn a_node_written_twice_and_a_cycle() {
    let text =
        edit(STUDIO, "outputs = [ \"segment_result:SECTION\",]", "outputs = [ \"scored_df:SECTION\",]");
    let found = problems(&text);
    assert_eq!(
        found,
        [
            "line 19 [DATA_NODE.segment_result]: data node `segment_result` has neither a default value nor a task \
             writing it; read by task `high_value_cust_summary_statistics`",
            "line 41 [TASK.segment_analysis]: data node `scored_df` is written by both task `preprocess_and_score` \
             and task `segment_analysis`",
        ]
    );
    let text =
        edit(STUDIO, "inputs = [ \"path_to_data:SECTION\",]", "inputs = [ \"segment_result:SECTION\",]");
    expect(
        &text,
        &[
            "line 26 [TASK.preprocess_and_score]: the tasks form a cycle: preprocess_and_score -> \
             featurization_and_segmentation -> segment_analysis -> preprocess_and_score",
            "line 28 [TASK.preprocess_and_score]: task `preprocess_and_score` takes `CsvFile` as input 1 (`path_to_data`) but data \
             node `segment_result` holds `SegmentResult` (written by task `segment_analysis`)",
        ],
    );
}

#[test]
fn sources_and_defaults() {
    // A source without default.
    let text = edit(STUDIO, "default_data = \"1.5:float\"\n", "");
    expect(
        &text,
        &[
            "line 11 [DATA_NODE.score_threshold]: data node `score_threshold` has neither a default value nor a task \
           writing it; read by task `featurization_and_segmentation`",
        ],
    );
    // A default on a produced node.
    let text = edit(STUDIO, "[DATA_NODE.scored_df]\n", "[DATA_NODE.scored_df]\ndefault_data = \"x\"\n");
    expect(
        &text,
        &[
            "line 7 [DATA_NODE.scored_df]: data node `scored_df` has a default value and is also written by task \
           `preprocess_and_score`",
        ],
    );
    // Untyped text that is not a variant of the registered enum.
    let text = edit(STUDIO, "\"mean\"", "\"meen\"");
    expect(
        &text,
        &[
            "line 17 [DATA_NODE.metric]: data node `metric`: default \"meen\" cannot be read as `Metric` (the type \
           task `segment_analysis` reads): unknown variant `meen`, expected `Mean` or `Median`",
        ],
    );
    // A typed value of the wrong kind.
    let text = edit(STUDIO, "\"1.5:float\"", "\"True:bool\"");
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("line 12 [DATA_NODE.score_threshold]: data node `score_threshold`: default true cannot be read as `f64`"),
        "{found:?}"
    );
}

#[test]
fn malformed_values_storage_types_and_scopes() {
    let text = edit(STUDIO, "\"1000:int\"", "\"1,000:int\"");
    let text = edit(
        &text,
        "[DATA_NODE.scored_df]\n",
        "[DATA_NODE.scored_df]\nstorage_type = \"sql\"\nscope = \"PLANET:SCOPE\"\n",
    );
    let text = edit(&text, "[DATA_NODE.metric]\n", "[DATA_NODE.metric]\nscope = \"GLOBAL\"\n");
    let text = edit(&text, "skippable = \"True:bool\"", "skippable = \"yes:bool\"");
    expect(
        &text,
        &[
            "line 7 [DATA_NODE.scored_df]: storage_type `sql` needs `db_engine` (sqlite or postgresql) or `db_url`",
            "line 7 [DATA_NODE.scored_df]: storage_type `sql` needs `db_name`",
            "line 7 [DATA_NODE.scored_df]: storage_type `sql` needs `read_query`",
            "line 8 [DATA_NODE.scored_df]: `scope`: `PLANET:SCOPE` is not a valid scope: expected SCENARIO, CYCLE \
             or GLOBAL",
            "line 11 [DATA_NODE.payment_threshold]: `default_data`: `1,000:int` is not a valid integer",
            "line 19 [DATA_NODE.metric]: `scope` must be \"SCENARIO:SCOPE\", \"CYCLE:SCOPE\" or \"GLOBAL:SCOPE\", \
             not \"GLOBAL\"",
            "line 33 [TASK.preprocess_and_score]: `skippable`: `yes:bool` is not a valid boolean: expected True or \
             False",
        ],
    );
    // A file storage type on a value no file of that kind can hold, and an encoding.
    let text = edit(
        STUDIO,
        "[DATA_NODE.metric]\n",
        "[DATA_NODE.metric]\nstorage_type = \"csv\"\ndefault_path = \"m.csv\"\nencoding = \"latin-1\"\n",
    );
    expect(
        &text,
        &[
            "line 16 [DATA_NODE.metric]: data node `metric`: `Metric` cannot be stored in a csv file (it holds frames \
             and serde rows `Vec<R>`); it can go to: json, binary, the store, in_memory or generic",
            "line 19 [DATA_NODE.metric]: `encoding`: only utf-8 is supported, not `latin-1`",
        ],
    );
    // A table on a value that is not rows.
    let text = edit(
        STUDIO,
        "[DATA_NODE.metric]\n",
        "[DATA_NODE.metric]\nstorage_type = \"sql_table\"\ndb_engine = \"sqlite\"\ndb_name = \"m\"\ntable_name = \"metric\"\n",
    );
    expect(
        &text,
        &[
            "line 16 [DATA_NODE.metric]: data node `metric`: `Metric` cannot be stored in sql_table (it holds frames and \
           serde rows `Vec<R>`)",
        ],
    );
}

#[test]
fn sections_templates_and_sequences() {
    let text = format!(
        "[FOO]\nx = 1\n\n{}",
        STUDIO.replace("\"1.5:float\"", "\"ENV[TAIPY_TEST_SURELY_UNSET]:float\"")
    );
    let text = edit(
        &text,
        "[SCENARIO.scenario_1.sequences]\n",
        "[SCENARIO.scenario_1.sequences]\nfirst = [ \"nope:SECTION\",]\n",
    );
    let text = edit(&text, "function = \"toml_config.tasks.preprocess_and_score:function\"\n", "");
    expect(
        &text,
        &[
            "line 1: unknown section [FOO]; expected TAIPY, JOB, CORE, DATA_NODE, TASK or SCENARIO",
            "line 15 [DATA_NODE.score_threshold]: `default_data`: environment variable `TAIPY_TEST_SURELY_UNSET` is \
             not set (used as `ENV[TAIPY_TEST_SURELY_UNSET]:float`)",
            "line 29 [TASK.preprocess_and_score]: task `preprocess_and_score` has no `function`",
            "line 59 [SCENARIO.scenario_1]: sequence `first` of scenario `scenario_1` names task `nope`, which is \
             not one of the scenario's tasks",
        ],
    );
}

#[test]
fn every_problem_is_reported_at_once_in_line_order() {
    let text = edit(STUDIO, "\"1000:int\"", "\"lots:int\"");
    let text = edit(&text, "tasks.segment_analysis:function", "tasks.nothing_like_it:function");
    let text = edit(
        &text,
        T4_INPUTS,
        "inputs = [ \"segment_result:SECTION\", \"segmented_customer_df:SECTION\", \"summary_statistic_type:SECTION\",]",
    );
    let found = problems(&text);
    let lines: Vec<&str> = found.iter().map(|p| p.split(' ').nth(1).unwrap()).collect();
    // Task 3 is unknown, so segment_result's type is unknown: only input 2 of task 4 is reported.
    assert_eq!(lines, ["9", "39", "46"], "{found:#?}");
    assert!(
        found[1].contains("no registered task is named `nothing_like_it`; registered tasks: "),
        "{}",
        found[1]
    );
}

#[test]
fn the_error_reads_well_and_an_empty_registry_is_explained() {
    let text = crate::edit(STUDIO, "\"1.5:float\"", "\"1.5:int\"");
    let err = crate::load(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "config <string> has 1 problem:\n  - line 12 [DATA_NODE.score_threshold]: `default_data`: `1.5:int` is not a \
         valid integer"
    );
    let err = taipy::toml::Loader::new().tasks(Vec::new()).load_str(STUDIO).unwrap_err();
    assert_eq!(err.problems().len(), 4, "{err}");
    assert!(
        err.problems()[0].message.ends_with(
            "cannot be resolved: no `#[task]` is registered (a crate whose items the binary never references is \
             left out by the linker; add `taipy::link!(that_crate);` to the binary)"
        ),
        "{err}"
    );
    assert!(crate::load(STUDIO).unwrap().only_scenario().is_some());
}

#[test]
fn two_readers_disagree_on_a_source_node() {
    let text = format!(
        "{}\n[DATA_NODE.other]\n\n[TASK.extra]\nfunction = \"featurization_and_segmentation:function\"\n\
         inputs = [ \"scored_df:SECTION\", \"metric:SECTION\", \"score_threshold:SECTION\",]\n\
         outputs = [ \"other:SECTION\",]\n",
        STUDIO
    );
    expect(
        &text,
        &[
            "line 62 [TASK.extra]: task `extra` takes `f64` as input 2 (`payment_threshold`) but data node `metric` holds `Metric` (as task \
           `segment_analysis` reads it)",
        ],
    );
}

#[test]
fn an_output_listed_twice() {
    let text = edit(
        STUDIO,
        "outputs = [ \"scored_df:SECTION\",]",
        "outputs = [ \"scored_df:SECTION\", \"scored_df:SECTION\",]",
    );
    let found = problems(&text);
    assert_eq!(
        found[0],
        "line 29 [TASK.preprocess_and_score]: task `preprocess_and_score` lists output `scored_df` twice"
    );
}

#[test]
fn a_scenario_missing_the_producer_of_an_input() {
    let text = format!("{STUDIO}\n[SCENARIO.partial]\ntasks = [ \"segment_analysis:SECTION\",]\n");
    expect(
        &text,
        &[
            "line 58 [SCENARIO.partial]: scenario `partial`: data node `segmented_customer_df` has neither a default value nor a task \
           producing it",
        ],
    );
}

#[test]
fn too_many_workers() {
    let text = format!("[JOB]\nmode = \"standalone\"\nmax_nb_of_workers = \"100000:int\"\n\n{STUDIO}");
    expect(
        &text,
        &[
            "line 3 [JOB]: `max_nb_of_workers`: store options ask for 100000 worker threads; a store runs at most 1024",
        ],
    );
    let text = format!("[JOB]\nmax_nb_of_workers = \"1024:int\"\n\n{STUDIO}");
    let config = crate::load(&text).unwrap();
    assert_eq!(config.job().store_options().max_workers, taipy::StoreOptions::MAX_WORKERS);
}

#[test]
fn enumerated_storage_keys_are_checked_with_their_accepted_values() {
    // Taipy's other engines are named as such; an unknown one lists the accepted values; an
    // exposed_type Taipy does not know; a port out of range.
    let text = edit(
        STUDIO,
        "[DATA_NODE.scored_df]\n",
        "[DATA_NODE.scored_df]\nstorage_type = \"sql_table\"\ndb_engine = \"mysql\"\ndb_name = \"m\"\ntable_name = \"t\"\n\
         exposed_type = \"arrow\"\ndb_port = \"70000:int\"\n",
    );
    let text = edit(
        &text,
        "[DATA_NODE.segmented_customer_df]\n",
        "[DATA_NODE.segmented_customer_df]\nstorage_type = \"sql\"\ndb_engine = \"oracle\"\ndb_name = \"m\"\n\
         read_query = \"SELECT 1\"\ndb_extra_args = { colour = \"red\" }\n",
    );
    let text = edit(
        &text,
        "[DATA_NODE.high_value_summary_df]\n",
        "[DATA_NODE.high_value_summary_df]\nstorage_type = \"json\"\ndefault_path = \"h.json\"\nhas_header = \"yes\"\n",
    );
    expect(
        &text,
        &[
            "line 8 [DATA_NODE.scored_df]: `db_engine`: `mysql` is one of Taipy's engines but is not supported \
             here; accepted: sqlite, postgresql",
            "line 11 [DATA_NODE.scored_df]: `exposed_type`: unknown value `arrow`; accepted: pandas, modin, \
             numpy, or a class as \"module.Class:class\"",
            "line 12 [DATA_NODE.scored_df]: `db_port`: `70000` is not a port number; accepted: 1 to 65535",
            "line 22 [DATA_NODE.segmented_customer_df]: `db_engine`: unknown engine `oracle`; accepted: sqlite, \
             postgresql",
            "line 25 [DATA_NODE.segmented_customer_df]: `db_extra_args`: unknown option `colour`; accepted: \
             connect_timeout, application_name, options",
            "line 38 [DATA_NODE.high_value_summary_df]: `has_header` must be a boolean like \"True:bool\", not a \
             string",
        ],
    );
    // Taipy's own forms load: a typed port, a table of extra arguments, a table of S3 client
    // parameters, a class as exposed type, and a missing engine with a URL.
    let text = edit(
        STUDIO,
        "[DATA_NODE.scored_df]\n",
        "[DATA_NODE.scored_df]\nstorage_type = \"sql_table\"\ndb_engine = \"postgresql\"\ndb_name = \"m\"\n\
         table_name = \"t\"\ndb_port = \"5433:int\"\ndb_extra_args = { connect_timeout = 5 }\n\
         exposed_type = \"shop.Row:class\"\n",
    );
    let text = edit(
        &text,
        "[DATA_NODE.segmented_customer_df]\n",
        "[DATA_NODE.segmented_customer_df]\nstorage_type = \"s3_object\"\naws_s3_bucket_name = \"b\"\n\
         aws_s3_object_key = \"k.json\"\naws_s3_client_parameters = { endpoint_url = \"http://127.0.0.1:9\" }\n",
    );
    let config = crate::load(&text).expect("Taipy's forms of the keys load");
    let scenario = config.only_scenario().expect("one scenario");
    let storage = scenario.node("scored_df").expect("declared").storage();
    assert_eq!(storage.service_keys()["db_port"], "5433");
    assert_eq!(storage.service_keys()["db_extra_args"], "{ connect_timeout = 5 }");
    // And their export loads again, to the same text.
    let exported = taipy::toml::export(scenario).unwrap();
    let again = crate::load(&exported).expect("the export loads");
    assert_eq!(taipy::toml::export(again.only_scenario().unwrap()).unwrap(), exported);
    // No engine and no URL: the engine is required, as in Taipy.
    let text = edit(
        STUDIO,
        "[DATA_NODE.scored_df]\n",
        "[DATA_NODE.scored_df]\nstorage_type = \"sql_table\"\ndb_name = \"m\"\ntable_name = \"t\"\n",
    );
    expect(
        &text,
        &["line 7 [DATA_NODE.scored_df]: storage_type `sql_table` needs `db_engine` (sqlite or postgresql) \
           or `db_url`"],
    );
}
