//! The command line, run in-process through the builder API against a real store: every
//! command, help texts and tables compared with committed snapshots (`tests/cli/snapshots/`;
//! `TAIPY_BLESS=1` rewrites them), `--json`, a wrong `--set` value, a failing job.
//!
//! Dates, durations and generated ids are normalised in snapshots.

mod normalise;

use std::path::Path;
use std::sync::Arc;

use normalise::normalise;
use taipy::Frequency;
use taipy::cli::Cli;
use taipy::prelude::*;

/// Why a price is refused.
#[derive(Debug)]
pub struct Refused {
    price: f64,
    source: std::io::Error,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "price {} refused", self.price)
    }
}

impl std::error::Error for Refused {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Doubles the base price.
#[task]
pub fn double(base: &f64) -> f64 {
    base * 2.0
}

/// Checks the price against the limit.
#[task]
pub fn check(price: &f64, limit: &f64) -> Result<String, Refused> {
    if price > limit {
        let source = std::io::Error::other(format!("over the limit of {limit}"));
        return Err(Refused { price: *price, source });
    }
    Ok(format!("{price} is fine"))
}

scenario! {
    /// A two-task pipeline.
    pub Pricing {
        base: f64 = 1.5,
        limit: f64 = 100.0,
        label: String = "spring".to_string(),

        price = double(base),
        verdict = check(price, limit),

        sequences {
            pricing: [double],
        }
    }
}

fn monthly() -> Arc<ScenarioConfig> {
    ScenarioConfig::builder("monthly")
        .node(DataNodeConfig::with_default("budget", 10i64))
        .frequency(Frequency::Monthly)
        .build()
        .unwrap()
}

fn cli() -> Cli {
    Cli::new().scenario(Pricing::config()).store_options(StoreOptions::development())
}

/// What one run printed, and its exit code.
#[derive(Debug)]
struct Run {
    code: u8,
    out: String,
    err: String,
}

fn run_with(cli: &Cli, store: &Path, args: &[&str]) -> Run {
    let mut argv = vec!["taipy".to_owned(), "--store".to_owned(), store.display().to_string()];
    argv.extend(args.iter().map(|a| (*a).to_owned()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli.run_from(argv, &mut out, &mut err);
    Run { code, out: String::from_utf8(out).unwrap(), err: String::from_utf8(err).unwrap() }
}

/// Runs and expects success.
fn ok(store: &Path, args: &[&str]) -> String {
    let run = run_with(&cli(), store, args);
    assert_eq!(run.code, 0, "{args:?} failed: {run:?}");
    run.out
}

/// Runs and expects failure (exit code 1); returns stderr.
fn fails(store: &Path, args: &[&str]) -> String {
    let run = run_with(&cli(), store, args);
    assert_eq!(run.code, 1, "{args:?} did not fail: {run:?}");
    run.err
}

fn json(store: &Path, args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&ok(store, &args)).unwrap()
}

/// Compares `text` (normalised) with `tests/cli/snapshots/NAME.txt`.
fn snapshot(name: &str, text: &str) {
    compare_with_file(name, &normalise(text));
}

/// Compares `text` as it is (help texts do not change from run to run).
fn compare_with_file(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/snapshots").join(format!("{name}.txt"));
    if std::env::var_os("TAIPY_BLESS").is_some() {
        std::fs::write(&path, text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("no snapshot {}; run with TAIPY_BLESS=1", path.display()));
    assert_eq!(text, expected, "snapshot {name} differs (TAIPY_BLESS=1 rewrites it)");
}

fn help(args: &[&str]) -> String {
    let mut argv = vec!["taipy"];
    argv.extend(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = cli().run_from(argv, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    String::from_utf8(out).unwrap()
}

/// Built without the `ui` feature, the command is listed (help texts do not depend on features)
/// and says what it needs.
#[cfg(not(feature = "ui"))]
#[test]
fn ui_without_its_feature_says_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails(&dir.path().join("store"), &["ui"]);
    assert!(err.contains("built without the web page: enable taipy's `ui` feature"), "{err}");
}

#[test]
fn help_texts() {
    compare_with_file("help", &help(&["--help"]));
    compare_with_file("help-scenarios", &help(&["scenarios", "--help"]));
    compare_with_file("help-submit", &help(&["submit", "--help"]));
    compare_with_file("help-nodes-write", &help(&["nodes", "write", "--help"]));
    compare_with_file("help-dag", &help(&["dag", "--help"]));
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_with(&cli(), dir.path(), &["scenarios", "lst"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.err.contains("unrecognized subcommand 'lst'") && run.err.contains("'list'"), "{}", run.err);
}

#[test]
fn no_store_is_a_clear_error() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    // (TAIPY_STORE is not set by the test harness.)
    let code = cli().run_from(["taipy", "scenarios", "list"], &mut out, &mut err);
    assert_eq!(code, 1);
    assert_eq!(
        String::from_utf8(err).unwrap(),
        "error: no store given: pass `--store DIR` or set `TAIPY_STORE`\n"
    );
}

#[test]
fn scenarios_create_list_show_tag_duplicate_delete() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    assert_eq!(ok(store, &["scenarios", "list"]), "no scenarios\n");
    assert!(
        ok(store, &["scenarios", "create", "spring"])
            .starts_with("created scenario `spring` (SCENARIO_Pricing_")
    );
    ok(store, &["scenarios", "create", "autumn"]);
    assert_eq!(ok(store, &["scenarios", "tag", "autumn", "draft"]), "tagged scenario `autumn`: draft\n");
    assert_eq!(
        ok(store, &["scenarios", "tag", "autumn", "draft"]),
        "already tagged scenario `autumn`: draft\n"
    );
    snapshot("scenarios-list", &ok(store, &["scenarios", "list"]));
    let tagged = json(store, &["scenarios", "list", "--tag", "draft"]);
    assert_eq!(tagged.as_array().unwrap().len(), 1);
    assert_eq!(tagged[0]["name"], "autumn");
    assert_eq!(tagged[0]["tags"], serde_json::json!(["draft"]));
    snapshot("scenarios-show", &ok(store, &["scenarios", "show", "spring"]));

    let copy = ok(store, &["scenarios", "duplicate", "autumn", "winter"]);
    assert!(copy.starts_with("created scenario `winter`"), "{copy}");
    let winter = json(store, &["scenarios", "show", "winter"]);
    assert_eq!(winter["tags"], serde_json::json!(["draft"]), "a duplicate keeps the tags");
    assert_eq!(
        ok(store, &["scenarios", "tag", "winter", "draft", "--remove"]),
        "removed tag from scenario `winter`: draft\n"
    );
    assert!(ok(store, &["scenarios", "delete", "autumn"]).starts_with("deleted scenario `autumn`"));
    let names: Vec<String> = json(store, &["scenarios", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["spring", "winter"]);
    assert_eq!(
        fails(store, &["scenarios", "show", "autumn"]),
        format!("error: no scenario with id or name `autumn` in store `{}`\n", store.display())
    );
}

#[test]
fn a_name_two_scenarios_share_must_be_given_as_an_id() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["scenarios", "create", "twin"]);
    ok(dir.path(), &["scenarios", "create", "twin"]);
    let err = fails(dir.path(), &["scenarios", "show", "twin"]);
    assert!(err.starts_with("error: 2 scenarios are named `twin`: SCENARIO_Pricing_"), "{err}");
    assert!(err.ends_with("; name one by id\n"), "{err}");
}

#[test]
fn cycles_and_primary_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let with_cycles = Cli::new().scenario(monthly()).store_options(StoreOptions::development());
    let run = |args: &[&str]| {
        let run = run_with(&with_cycles, store, args);
        assert_eq!(run.code, 0, "{run:?}");
        run.out
    };
    run(&["scenarios", "create", "first", "--config-id", "monthly"]);
    run(&["scenarios", "create", "second", "--config-id", "monthly"]);
    let cycles = run(&["cycles", "list", "--json"]);
    let cycles: serde_json::Value = serde_json::from_str(&cycles).unwrap();
    assert_eq!(cycles[0]["primary_name"], "first");
    assert_eq!(cycles[0]["scenarios"], 2);
    assert_eq!(cycles[0]["frequency"], "MONTHLY");
    assert!(
        run(&["scenarios", "primary", "second"])
            .starts_with("scenario `second` is now the primary scenario of cycle ")
    );
    let listed = run(&["cycles", "list"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["ID", "CONFIG", "FREQUENCY", "PERIOD", "SCENARIOS", "PRIMARY"]
    );
    assert!(lines[1].ends_with("  2          second"), "{listed}");
    // A scenario of a config without frequency has no cycle.
    let err = {
        let run = run_with(&cli(), store, &["scenarios", "create", "plain"]);
        assert_eq!(run.code, 0, "{run:?}");
        let run = run_with(&cli(), store, &["scenarios", "primary", "plain"]);
        assert_eq!(run.code, 1);
        run.err
    };
    assert_eq!(err, "error: scenario `plain` has no cycle: its config `Pricing` has no frequency\n");
}

#[test]
fn submit_with_set_then_lineage_jobs_and_submissions() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    ok(store, &["scenarios", "create", "spring"]);
    let run = run_with(&cli(), store, &["submit", "spring", "--set", "base=3", "--set", "label=summer sale"]);
    assert_eq!(run.code, 0, "{run:?}");
    snapshot("submit-first", &format!("{}--- stderr\n{}", run.out, run.err));
    assert_eq!(ok(store, &["nodes", "read", "spring", "verdict"]), "6 is fine\n");
    assert_eq!(ok(store, &["nodes", "read", "spring", "label"]), "summer sale\n");

    // Nothing changed: both tasks skip.
    let again = json(store, &["submit", "spring"]);
    let statuses: Vec<&str> =
        again["jobs"].as_array().unwrap().iter().map(|j| j["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["Skipped", "Skipped"]);
    // Only the sequence, forced.
    let forced = json(store, &["submit", "spring", "--sequence", "pricing", "--force"]);
    assert_eq!(forced["jobs"][0]["reason"], "forced");
    assert_eq!(forced["jobs"].as_array().unwrap().len(), 1);

    snapshot("lineage", &ok(store, &["lineage", "spring", "verdict"]));
    let first = json(store, &["lineage", "spring", "price", "--version", "1"]);
    assert_eq!(first["inputs"][0]["node"], "base");
    assert_eq!(first["inputs"][0]["writer"], "user");

    let jobs = json(store, &["jobs", "list", "--scenario", "spring"]);
    assert_eq!(jobs.as_array().unwrap().len(), 5);
    let id = jobs[0]["id"].as_str().unwrap().to_owned();
    snapshot("jobs-show", &ok(store, &["jobs", "show", &id]));
    let err = fails(store, &["jobs", "cancel", &id]);
    assert!(err.contains("is Completed: only a job that has not started can be canceled"), "{err}");
    snapshot("jobs-list", &ok(store, &["jobs", "list"]));
    snapshot("submissions-list", &ok(store, &["submissions", "list"]));
    let submission = jobs[0]["submission"].as_str().unwrap().to_owned();
    snapshot("submissions-show", &ok(store, &["submissions", "show", &submission]));
}

#[test]
fn a_wrong_set_value_names_node_and_type_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    ok(store, &["scenarios", "create", "spring"]);
    let err = fails(store, &["submit", "spring", "--set", "limit=500", "--set", "base=abc"]);
    assert_eq!(
        err,
        "error: value `abc` does not fit data node `base` of type `f64`: invalid type: string \"abc\", expected f64\n"
    );
    assert_eq!(ok(store, &["nodes", "read", "spring", "limit"]), "100.0\n", "no value was written");
    assert_eq!(json(store, &["submissions", "list"]), serde_json::json!([]), "nothing was submitted");
    let err = fails(store, &["submit", "spring", "--set", "price"]);
    assert_eq!(err, "error: --set `price`: expected NODE=VALUE\n");
    let err = fails(store, &["submit", "spring", "--set", "nope=1"]);
    assert_eq!(
        err,
        "error: scenario config `Pricing` has no data node `nope`; declared nodes: base, limit, label, price, verdict\n"
    );
}

#[test]
fn a_failing_job_exits_non_zero_with_its_message_and_causes() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    ok(store, &["scenarios", "create", "spring"]);
    let run = run_with(&cli(), store, &["submit", "spring", "--set", "limit=2"]);
    assert_eq!(run.code, 1, "{run:?}");
    snapshot("submit-failed", &format!("{}--- stderr\n{}", run.out, run.err));
    assert!(run.err.contains("failed (job JOB_"), "{}", run.err);
    assert!(run.err.contains("): price 3 refused\n  caused by: over the limit of 2\n"), "{}", run.err);
    let jobs = json(store, &["jobs", "list"]);
    let failed = jobs.as_array().unwrap().iter().find(|j| j["status"] == "Failed").unwrap();
    assert_eq!(failed["error"]["causes"], serde_json::json!(["over the limit of 2"]));
    let shown = ok(store, &["jobs", "show", failed["id"].as_str().unwrap()]);
    assert!(shown.contains("error      price 3 refused\n  caused by: over the limit of 2\n"), "{shown}");
}

#[test]
fn nodes_show_read_write_history_and_compare() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    ok(store, &["scenarios", "create", "spring"]);
    ok(store, &["scenarios", "create", "autumn"]);
    assert_eq!(
        ok(store, &["nodes", "write", "autumn", "base", "2", "--comment", "by hand"]),
        "wrote base #2\n"
    );
    assert_eq!(
        ok(store, &["nodes", "write", "autumn", "base", "2.0"]),
        "base already holds this value; nothing written\n"
    );
    ok(store, &["submit", "autumn"]);
    snapshot("nodes-show", &ok(store, &["nodes", "show", "autumn"]));
    snapshot("nodes-history", &ok(store, &["nodes", "history", "autumn", "base"]));
    assert_eq!(ok(store, &["nodes", "read", "autumn", "base", "--version", "1"]), "1.5\n");
    assert_eq!(json(store, &["nodes", "read", "autumn", "price"])["value"], 4.0);
    let err = fails(store, &["nodes", "read", "spring", "price"]);
    assert_eq!(err, "error: data node `price` of scenario `spring` has never been written\n");
    snapshot("compare", &ok(store, &["compare", "spring", "autumn"]));
}

#[test]
fn config_export_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let exported = ok(dir.path(), &["config", "export"]);
    snapshot("config-export", &exported);
    let file = dir.path().join("pricing.toml");
    std::fs::write(&file, &exported).unwrap();
    let checked = ok(dir.path(), &["config", "check", file.to_str().unwrap()]);
    assert_eq!(checked, format!("{}: ok, 1 scenario config: Pricing\n", file.display()));

    std::fs::write(&file, exported.replace("\"1.5:float\"", "\"abc:float\"")).unwrap();
    let err = fails(dir.path(), &["config", "check", file.to_str().unwrap()]);
    assert!(err.starts_with(&format!("error: config {} has 1 problem:\n  - line ", file.display())), "{err}");
    assert!(err.contains("`abc:float` is not a valid float"), "{err}");
}

#[test]
fn a_toml_config_given_with_config_runs_like_a_registered_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pricing.toml");
    // The exported file, sequences included, under another scenario id.
    let exported = ok(dir.path(), &["config", "export"]);
    let exported = exported.replace("[SCENARIO.Pricing", "[SCENARIO.from_file");
    std::fs::write(&file, exported).unwrap();
    let config = file.to_str().unwrap();
    let store = dir.path().join("store");
    let store = store.as_path();
    let created = ok(store, &["--config", config, "scenarios", "create", "t", "--config-id", "from_file"]);
    assert!(created.starts_with("created scenario `t` (SCENARIO_from_file_"), "{created}");
    ok(store, &["--config", config, "submit", "t", "--set", "base=5"]);
    assert_eq!(ok(store, &["--config", config, "nodes", "read", "t", "verdict"]), "10 is fine\n");
    // Without the file, its scenarios cannot be opened.
    let err = fails(store, &["nodes", "read", "t", "verdict"]);
    assert!(err.starts_with("error: scenario `t` was created from config `from_file`, which this program does not know: no scenario config `from_file`; known configs: "), "{err}");
}

#[test]
fn gc_and_doctor() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    ok(store, &["scenarios", "create", "spring"]);
    ok(store, &["submit", "spring"]);
    ok(store, &["nodes", "write", "spring", "base", "4"]);
    ok(store, &["submit", "spring"]);
    let dry = ok(store, &["gc", "--keep-versions", "0", "--keep-results", "0", "--dry-run"]);
    assert!(
        dry.starts_with("would remove 3 old version(s), 2 remembered result(s), 0 artifact(s); would free "),
        "{dry}"
    );
    let again = ok(store, &["gc", "--keep-versions", "0", "--keep-results", "0", "--dry-run"]);
    assert_eq!(dry, again, "a dry run removes nothing");
    let report = json(store, &["gc", "--keep-versions", "0", "--keep-results", "0"]);
    assert_eq!(
        (report["versions_removed"].as_u64(), report["memo_entries_removed"].as_u64()),
        (Some(3), Some(2)),
        "{report}"
    );
    assert!(
        ok(store, &["gc", "--dry-run"]).starts_with("would remove 0 old version(s), 0 remembered result(s)")
    );
    let doctor = ok(store, &["doctor"]);
    assert_eq!(json(store, &["doctor"])["format"], 10);
    snapshot("doctor", &doctor.replace(&store.display().to_string(), "<store>"));
}

#[test]
fn dag_draws_a_scenario_or_a_config_with_statuses_and_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    // A config needs no scenario: the only one known is drawn.
    snapshot("dag-config-mermaid", &ok(store, &["dag"]));
    let dot = ok(store, &["dag", "--config-id", "Pricing", "--format", "dot"]);
    assert!(dot.starts_with("digraph"), "{dot}");

    ok(store, &["scenarios", "create", "spring"]);
    fails(store, &["submit", "spring", "--set", "limit=1"]); // `check` refuses the price: Failed
    let svg = ok(store, &["dag", "spring", "--format", "svg", "--statuses"]);
    for (task, status) in [("double", "Completed"), ("check", "Failed")] {
        let needle = format!(r#"data-id="{task}" data-status="{status}""#);
        assert!(svg.contains(&needle), "no `{needle}` in {svg}");
    }
    let picture = store.join("pricing.mmd");
    let printed = ok(store, &["dag", "spring", "--out", picture.to_str().unwrap()]);
    assert_eq!(printed, "");
    assert!(std::fs::read_to_string(&picture).unwrap().starts_with("flowchart LR"));

    let err = run_with(&cli(), store, &["dag", "spring", "--format", "png"]);
    assert_eq!(err.code, 2, "{err:?}");
    assert!(err.err.contains("unknown picture format `png`; known formats: mermaid, dot, svg"), "{err:?}");
    let err = run_with(&cli(), store, &["dag", "--statuses"]);
    assert_eq!(err.code, 2, "statuses need a scenario: {err:?}");
}

#[test]
fn versions_list_compare_name_delete_and_config_diff() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    assert_eq!(ok(store, &["versions", "list"]), "no config version is stored\n");
    ok(store, &["scenarios", "create", "spring"]);
    assert_eq!(ok(store, &["config", "diff"]), "no difference\n");
    let listed = json(store, &["versions", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!((listed[0]["config"].as_str(), listed[0]["scenarios"].as_u64()), (Some("Pricing"), Some(1)));
    let first = listed[0]["fingerprint"].as_str().unwrap()[..8].to_owned();

    // The same config id with another shape: `limit` is gone, `check` is replaced by `round`.
    let edited = ScenarioConfig::builder("Pricing")
        .node(DataNodeConfig::with_default("base", 1.5f64))
        .node(DataNodeConfig::with_default("label", "spring".to_string()))
        .task(TaskConfig::of::<double>().inputs(["base"]).outputs(["price"]))
        .build()
        .unwrap();
    let edited_cli = Cli::new().scenario(edited).store_options(StoreOptions::development());
    let diff = run_with(&edited_cli, store, &["config", "diff"]);
    assert_eq!(diff.code, 0, "{diff:?}");
    for line in ["node `limit` removed", "node `verdict` removed", "task `check` removed"] {
        assert!(diff.out.contains(line), "no `{line}` in:\n{}", diff.out);
    }
    let compared = run_with(&edited_cli, store, &["versions", "compare", &first]);
    assert_eq!(compared.out, diff.out);

    // A scenario created by the edited binary records the second version.
    assert_eq!(run_with(&edited_cli, store, &["scenarios", "create", "summer"]).code, 0);
    let listed = json(store, &["versions", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let second = listed[1]["fingerprint"].as_str().unwrap()[..8].to_owned();
    assert_eq!(ok(store, &["versions", "compare", &first, &second]), diff.out);
    ok(store, &["versions", "name", &first, "before-edit"]);
    assert_eq!(json(store, &["versions", "list"])[0]["name"], "before-edit");

    let err = fails(store, &["versions", "delete", &second]);
    assert!(err.contains("is the current version of config `Pricing`"), "{err}");
    assert_eq!(
        ok(store, &["versions", "delete", "before-edit"]),
        "deleted version before-edit and 1 scenario\n"
    );
    let left = json(store, &["scenarios", "list"]);
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    let err = fails(store, &["versions", "compare", "nope"]);
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn compare_shows_the_comparators_results() {
    fn compared() -> Arc<ScenarioConfig> {
        let base = DataNodeConfig::with_default("base", 1.5f64)
            .comparator::<f64, _>("rise", |bases: &[&f64]| *bases[1] - *bases[0]);
        ScenarioConfig::builder("compared")
            .node(base)
            .task(TaskConfig::of::<double>().inputs(["base"]).outputs(["price"]))
            .build()
            .unwrap()
    }
    let cli = || Cli::new().scenario(compared()).store_options(StoreOptions::development());
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    for name in ["spring", "autumn"] {
        let run = run_with(&cli(), store, &["scenarios", "create", name, "--config-id", "compared"]);
        assert_eq!(run.code, 0, "{run:?}");
    }
    assert_eq!(run_with(&cli(), store, &["nodes", "write", "autumn", "base", "6.0"]).code, 0);
    let run = run_with(&cli(), store, &["compare", "spring", "autumn"]);
    assert_eq!(run.code, 0, "{run:?}");
    snapshot("compare-comparators", &run.out);
    assert!(run.out.contains("\nNODE  COMPARATOR  RESULT\nbase  rise        4.5\n"), "{}", run.out);
    let run = run_with(&cli(), store, &["compare", "spring", "autumn", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&run.out).unwrap();
    assert_eq!(
        value["comparators"],
        serde_json::json!([{ "node": "base", "comparator": "rise", "result": "4.5" }])
    );
}

#[test]
fn the_config_files_core_section_chooses_where_artifacts_go() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pricing.toml");
    // Nothing listens on port 9 of this machine: a store that uses the URL fails at open.
    let core = "[CORE]\nartifacts_url = \"s3://no-such-bucket/q3?endpoint=http://127.0.0.1:9\"\n";
    std::fs::write(&file, format!("{core}{}", ok(dir.path(), &["config", "export"]))).unwrap();
    let store = dir.path().join("store");
    // A command line given no store options of its own takes the file's.
    let cli = Cli::new().scenario(Pricing::config());
    let run = run_with(&cli, &store, &["--config", file.to_str().unwrap(), "scenarios", "list"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.err.contains("no-such-bucket"), "{run:?}");
    // Without the key the same store opens.
    assert_eq!(run_with(&cli, &store, &["scenarios", "list"]).code, 0);
}

#[test]
fn the_config_files_core_section_sends_jobs_to_the_job_queue() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pricing.toml");
    // A queue on a socket folder that does not exist: the connection fails at once, naming it.
    let queue = "postgres://taipy@localhost/jobs?host=/nonexistent-taipy-queue";
    let core = format!("[CORE]\njob_queue = \"{queue}\"\n");
    std::fs::write(&file, format!("{core}{}", ok(dir.path(), &["config", "export"]))).unwrap();
    let store = dir.path().join("store");
    let cli = Cli::new().scenario(Pricing::config());
    let config = ["--config", file.to_str().unwrap()];
    assert_eq!(run_with(&cli, &store, &[&config[..], &["scenarios", "create", "spring"]].concat()).code, 0);
    // The submit hands its jobs to the queue, which cannot be reached: the jobs fail saying so.
    let run = run_with(&cli, &store, &[&config[..], &["submit", "spring"]].concat());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.err.contains("cannot reach the job queue at postgres://taipy@localhost/jobs"), "{run:?}");
    // Without the key the jobs run here.
    assert_eq!(run_with(&cli, &store, &["submit", "spring"]).code, 0);
}

#[test]
fn a_worker_takes_its_queue_and_artifacts_from_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pricing.toml");
    // Nothing listens on port 9 of this machine: the worker fails opening the artifacts, before
    // it looks at the queue.
    let core = "[CORE]\njob_queue = \"postgres://taipy@localhost/jobs?host=/nonexistent-taipy-queue\"\n\
                artifacts_url = \"s3://no-such-bucket/q3?endpoint=http://127.0.0.1:9\"\n";
    std::fs::write(&file, format!("{core}{}", ok(dir.path(), &["config", "export"]))).unwrap();
    let cli = Cli::new().scenario(Pricing::config());
    let argv = ["taipy", "--config", file.to_str().unwrap(), "worker"];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(cli.run_from(argv, &mut out, &mut err), 1);
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("no-such-bucket"), "{err}");
    // Without the file it has no queue and no store to work for.
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(cli.run_from(["taipy", "worker"], &mut out, &mut err), 1);
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("no store given"), "{err}");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let store = dir.path().join("store");
    assert_eq!(cli.run_from(["taipy", "--store", store.to_str().unwrap(), "worker"], &mut out, &mut err), 1);
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("no job queue given"), "{err}");
}
