//! The `generic` kind: nodes read and written by the user's registered functions. Round trip
//! and skip, edited outside (readers re-run), deleted outside (the producer re-runs), failing
//! and panicking functions (an error naming node and function, nothing lost), and TOML's
//! `read_fct` / `write_fct` keys checked against the registered functions.

#[path = "support/rows_pipeline.rs"]
mod rows_pipeline;

use std::path::Path;

use rows_pipeline::{statuses, submit};
use taipy::prelude::*;
use taipy::toml::TomlConfig;
use taipy::{Reason, Storage};

/// Numbers as a text file, one per line: a format taipy knows nothing about.
#[allow(clippy::ptr_arg)] // a writer takes `&T` of the node's type
fn write_numbers(values: &Vec<i64>, args: &[String]) -> std::io::Result<()> {
    let text: String = values.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(&args[0], text)
}
taipy::generic_writer!(write_numbers);

fn read_numbers(args: &[String]) -> Result<Vec<i64>, Box<dyn std::error::Error + Send + Sync>> {
    let text = std::fs::read_to_string(&args[0])?;
    Ok(text.lines().map(str::parse).collect::<Result<_, _>>()?)
}
taipy::generic_reader!(read_numbers);

#[allow(clippy::ptr_arg)] // a writer takes `&T` of the node's type
fn write_refuses(_: &Vec<i64>, _: &[String]) -> Result<(), String> {
    Err("the ledger is closed".into())
}
taipy::generic_writer!(write_refuses);

fn read_panics(_: &[String]) -> Vec<i64> {
    panic!("the ledger is on fire")
}
taipy::generic_reader!(read_panics);

fn read_text(_: &[String]) -> String {
    String::new()
}
taipy::generic_reader!(read_text);

fn numbers(n: &i64) -> Vec<i64> {
    (1..=*n).collect()
}

#[allow(clippy::ptr_arg)] // a task reads its input as `&T` of the node's type
fn sum(values: &Vec<i64>) -> i64 {
    values.iter().sum()
}

fn storage(path: &Path, read: &str, write: &str) -> Storage {
    let path = path.display().to_string();
    Storage::generic(read, write).read_fct_args([path.clone()]).write_fct_args([path])
}

/// n → numbers (generic) → total.
fn config(storage: Storage) -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("generic")
        .node(DataNodeConfig::with_default("n", 3i64))
        .node(DataNodeConfig::new::<Vec<i64>>("numbers").with_storage(storage).unwrap())
        .task(TaskConfig::new("make", numbers).inputs(["n"]).outputs(["numbers"]).skippable(true))
        .task(TaskConfig::new("sum", sum).inputs(["numbers"]).outputs(["total"]).skippable(true))
        .build()
        .unwrap()
}

#[test]
fn the_users_functions_write_and_read_the_node_and_it_skips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("numbers.txt");
    let store = Store::temporary().unwrap();
    let scenario =
        Scenario::create(&store, &config(storage(&path, "read_numbers", "write_numbers")), "s").unwrap();
    assert_eq!(submit(&scenario), ["make=Completed", "sum=Completed"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "1\n2\n3\n", "the writer wrote it");
    assert_eq!(scenario.data_node::<Vec<i64>>("numbers").unwrap().read().unwrap(), [1, 2, 3]);
    assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 6);
    assert_eq!(submit(&scenario), ["make=Skipped", "sum=Skipped"]);
}

#[test]
fn edited_outside_the_readers_rerun_and_deleted_the_producer_reruns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("numbers.txt");
    let store = Store::temporary().unwrap();
    let scenario =
        Scenario::create(&store, &config(storage(&path, "read_numbers", "write_numbers")), "s").unwrap();
    submit(&scenario);
    std::fs::write(&path, "10\n20\n").unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&report), ["make=Skipped", "sum=Completed"]);
    assert_eq!(report.jobs[1].reason, Some(Reason::Changed { code: false, inputs: vec!["numbers".into()] }));
    assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 30);
    assert_eq!(submit(&scenario), ["make=Skipped", "sum=Skipped"], "nothing changed since");

    std::fs::remove_file(&path).unwrap();
    let report = scenario.submit().unwrap().wait().unwrap();
    assert_eq!(statuses(&report)[0], "make=Completed");
    assert_eq!(report.jobs[0].reason, Some(Reason::OutputsMissing));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "1\n2\n3\n");
}

#[test]
fn a_failing_writer_or_panicking_reader_is_an_error_naming_node_and_function() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("numbers.txt");
    std::fs::write(&path, "7\n").unwrap();
    let store = Store::temporary().unwrap();
    let scenario =
        Scenario::create(&store, &config(storage(&path, "read_numbers", "write_refuses")), "s").unwrap();
    let error = format!("{:?}", scenario.submit().unwrap().wait().unwrap_err());
    for part in ["numbers", "write_refuses", "the ledger is closed"] {
        assert!(error.contains(part), "`{error}` should name {part}");
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "7\n", "nothing lost");

    let scenario =
        Scenario::create(&store, &config(storage(&path, "read_panics", "write_numbers")), "t").unwrap();
    let node = scenario.data_node::<Vec<i64>>("numbers").unwrap();
    let error = node.write(vec![1]).unwrap_err().to_string();
    for part in ["`numbers`", "read_panics", "panicked: the ledger is on fire"] {
        assert!(error.contains(part), "`{error}` should name {part}");
    }
    assert!(node.history().unwrap().is_empty(), "no version recorded");
}

#[allow(clippy::ptr_arg)] // a task reads its input as `&T` of the node's type
#[taipy::task]
fn total_of(values: &Vec<i64>) -> i64 {
    values.iter().sum()
}

fn toml(read_fct: &str, path: &str) -> String {
    format!(
        "[DATA_NODE.numbers]\nstorage_type = \"generic\"\nread_fct = \"{read_fct}\"\n\
         write_fct = \"storage_generic.write_numbers:function\"\nread_fct_args = [\"{path}\"]\n\
         write_fct_args = [\"{path}\"]\n\n[DATA_NODE.total]\n\n[TASK.total_of]\n\
         function = \"storage_generic.total_of:function\"\ninputs = [\"numbers:SECTION\"]\n\
         outputs = [\"total:SECTION\"]\n\n[SCENARIO.ledger]\ntasks = [\"total_of:SECTION\"]\n"
    )
}

#[test]
fn toml_names_registered_functions_and_a_missing_one_is_a_checker_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("numbers.txt");
    std::fs::write(&path, "4\n5\n").unwrap();
    let path = path.display().to_string();
    let config = TomlConfig::from_str(&toml("storage_generic.read_numbers:function", &path)).unwrap();
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, config.scenario("ledger").unwrap(), "s").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    assert_eq!(scenario.data_node::<i64>("total").unwrap().read().unwrap(), 9);
    // Exported, the arguments are a TOML list again, and the text loads.
    let exported = taipy::toml::export(config.scenario("ledger").unwrap()).unwrap();
    assert!(exported.contains(&format!("read_fct_args = [{:?}]", path)), "{exported}");
    let again = TomlConfig::from_str(&exported).unwrap();
    assert_eq!(taipy::toml::export(again.scenario("ledger").unwrap()).unwrap(), exported);

    let problems: Vec<String> = TomlConfig::from_str(&toml("storage_generic.read_numbrs:function", &path))
        .unwrap_err()
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "line 3 [DATA_NODE.numbers]: `read_fct`: no generic reader is registered as `storage_generic.read_numbrs`"
        ),
        "{problems:?}"
    );
    assert!(problems[0].contains("read_numbers"), "the registered ones are listed: {problems:?}");

    // A reader of another type than the node's.
    let problems: Vec<String> = TomlConfig::from_str(&toml("storage_generic.read_text:function", &path))
        .unwrap_err()
        .problems()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        problems,
        [
            "line 1 [DATA_NODE.numbers]: data node `numbers`: reader `storage_generic.read_text` returns `String`, not \
          `Vec<i64>`"
        ]
    );
}
