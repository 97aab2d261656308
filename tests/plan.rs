//! What will run: `Scenario::plan` (the decisions a submit would take now, without running or
//! writing anything), `DataNode::is_up_to_date`, and `submit_for` (only what some outputs need).

mod common;

use common::{VALUES, config, statuses, write_csv};
use taipy::prelude::*;
use taipy::{EventFilter, JobStatus, Plan, Planned, Reason, SubmissionReport, SubmitError};

fn changed(inputs: &[&str]) -> Reason {
    Reason::Changed { code: false, inputs: inputs.iter().map(|s| s.to_string()).collect() }
}

/// The plan agrees with what the submit then did: certain decisions exactly, uncertain ones
/// with either their if-unchanged reason or a reason naming one of the inputs it waited for.
fn check(plan: &Plan, report: &SubmissionReport) {
    let tasks: Vec<&str> = plan.jobs().iter().map(|p| p.task.as_str()).collect();
    let jobs: Vec<&str> = report.jobs.iter().map(|j| j.task.as_str()).collect();
    assert_eq!(tasks, jobs);
    for (planned, job) in plan.jobs().iter().zip(&report.jobs) {
        let reason = job.reason.clone().expect("a reason");
        let context = format!("task `{}`: planned {planned:?}, got {:?} {reason:?}", job.task, job.status);
        match &planned.planned {
            Planned::Run(r) => assert!(job.status == JobStatus::Completed && &reason == r, "{context}"),
            Planned::Skip(r) => assert!(job.status == JobStatus::Skipped && &reason == r, "{context}"),
            Planned::Unsure { inputs, if_unchanged } => {
                let named = match &reason {
                    Reason::Changed { inputs: changed, .. } | Reason::Reused { inputs: changed } => {
                        changed.iter().any(|c| inputs.contains(c))
                    }
                    Reason::FirstRun | Reason::ReusedElsewhere => if_unchanged.is_none(),
                    _ => false,
                };
                assert!(if_unchanged.as_ref() == Some(&reason) || named, "{context}");
            }
            other => panic!("{context}: unexpected {other:?}"),
        }
    }
}

/// Plans, submits, checks the plan against the submit; returns both.
fn plan_then_submit(s: &Scenario) -> (Plan, SubmissionReport) {
    let plan = s.plan().unwrap();
    let report = s.submit().unwrap().wait().unwrap();
    check(&plan, &report);
    (plan, report)
}

#[test]
fn the_plan_matches_the_real_submit_along_the_skip_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    write_csv(&csv, &VALUES);
    let store = Store::open_with(dir.path().join("store"), StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config(&csv), "matrix").unwrap();

    // 1. Defaults: the first task runs for sure; the others wait for values not computed yet.
    let (plan, _) = plan_then_submit(&s);
    assert_eq!(plan.get("score"), Some(&Planned::Run(Reason::FirstRun)));
    assert_eq!(
        plan.get("segment"),
        Some(&Planned::Unsure { inputs: vec!["scored".into()], if_unchanged: None })
    );

    // 2. payment_threshold.
    s.data_node::<f64>("payment_threshold").unwrap().write(1600.0).unwrap();
    let (plan, _) = plan_then_submit(&s);
    assert_eq!(
        plan.to_string(),
        "\
score      skips: inputs and code unchanged
segment    runs: input `payment_threshold` changed
analyse    runs unless `segmented` comes out unchanged (then skips: inputs and code unchanged)
summarise  runs unless `segmented`, `segment_result` come out unchanged (then skips: inputs and code unchanged)
"
    );

    // 3. metric; 4. summary statistic.
    s.data_node::<String>("metric").unwrap().write("max".into()).unwrap();
    let (plan, _) = plan_then_submit(&s);
    assert_eq!(plan.get("analyse"), Some(&Planned::Run(changed(&["metric"]))));
    s.data_node::<String>("summary_statistic_type").unwrap().write("max".into()).unwrap();
    let (plan, _) = plan_then_submit(&s);
    assert_eq!(plan.get("summarise"), Some(&Planned::Run(changed(&["summary_statistic_type"]))));
    assert_eq!(plan.get("analyse"), Some(&Planned::Skip(Reason::Unchanged)));

    // 5. Every parameter back: each skip restores an earlier result, which the plan follows
    //    downstream, so every decision is certain.
    s.data_node::<f64>("payment_threshold").unwrap().write(1000.0).unwrap();
    s.data_node::<String>("metric").unwrap().write("mean".into()).unwrap();
    s.data_node::<String>("summary_statistic_type").unwrap().write("median".into()).unwrap();
    let (plan, report) = plan_then_submit(&s);
    assert!(plan.jobs().iter().all(|p| matches!(p.planned, Planned::Skip(_))), "{plan}");
    assert_eq!(report.tasks_with(JobStatus::Skipped).len(), 4);

    // 6. Nothing changed.
    let (plan, _) = plan_then_submit(&s);
    assert!(plan.jobs().iter().all(|p| p.planned == Planned::Skip(Reason::Unchanged)), "{plan}");

    // 7. Early cutoff: segment runs, and the rest skip because its output comes out unchanged.
    s.data_node::<f64>("score_threshold").unwrap().write(1.6).unwrap();
    let (plan, report) = plan_then_submit(&s);
    assert_eq!(
        statuses(&report),
        ["score=Skipped", "segment=Completed", "analyse=Skipped", "summarise=Skipped"]
    );
    assert_eq!(
        plan.get("analyse"),
        Some(&Planned::Unsure { inputs: vec!["segmented".into()], if_unchanged: Some(Reason::Unchanged) })
    );

    // 8. Forced and non-skippable runs are certain; so is an edited file's reader.
    let mut values = VALUES.to_vec();
    values.push(33.0);
    write_csv(&csv, &values);
    let (plan, _) = plan_then_submit(&s);
    assert_eq!(plan.get("score"), Some(&Planned::Run(changed(&["path_to_data"]))));
}

#[test]
fn planning_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    write_csv(&csv, &VALUES);
    let store = Store::open_with(dir.path().join("store"), StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config(&csv), "quiet").unwrap();
    s.submit().unwrap().wait().unwrap();
    s.data_node::<f64>("payment_threshold").unwrap().write(1600.0).unwrap();
    let mut values = VALUES.to_vec();
    values.push(33.0);
    write_csv(&csv, &values);

    let nodes: Vec<String> = s.config().nodes().iter().map(|n| n.id().to_owned()).collect();
    let versions = |s: &Scenario| -> Vec<usize> { nodes.iter().map(|n| history_len(s, n)).collect() };
    let before = (store.jobs().unwrap().len(), store.submissions().unwrap().len(), versions(&s));
    let events = store.subscribe(EventFilter::all());

    let plan = s.plan().unwrap();
    let _ = s.plan_for(&[&"segmented"]).unwrap();
    let file = s.data_node::<CsvFile>("path_to_data").unwrap();
    assert!(!file.is_up_to_date().unwrap(), "the file changed since its last version");

    assert_eq!(plan.get("score"), Some(&Planned::Run(changed(&["path_to_data"]))));
    assert_eq!(events.try_iter().count(), 0, "no events");
    let after = (store.jobs().unwrap().len(), store.submissions().unwrap().len(), versions(&s));
    assert_eq!(before, after, "(jobs, submissions, versions per node)");

    // The submit then records the file's new version itself, and does what the plan said.
    let report = s.submit().unwrap().wait().unwrap();
    check(&plan, &report);
    assert_eq!(history_len(&s, "path_to_data"), before.2[0] + 1);
}

fn history_len(s: &Scenario, node: &str) -> usize {
    let id = s.config().node(node).unwrap().id().to_owned();
    // Every node of this config is read through its own type; the history's length is typeless.
    match id.as_str() {
        "path_to_data" => s.data_node::<CsvFile>(&id).unwrap().history().unwrap().len(),
        "payment_threshold" | "score_threshold" | "segment_result" => {
            s.data_node::<f64>(&id).unwrap().history().unwrap().len()
        }
        "metric" | "summary_statistic_type" | "summary" => {
            s.data_node::<String>(&id).unwrap().history().unwrap().len()
        }
        "scored" => s.data_node::<Vec<f64>>(&id).unwrap().history().unwrap().len(),
        "segmented" => s.data_node::<Vec<(f64, bool, bool)>>(&id).unwrap().history().unwrap().len(),
        other => panic!("unknown node {other}"),
    }
}

/// `x` → `checked` (panics on a negative `x`) → `y` → `double` → `z`.
fn fragile() -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("fragile")
        .node(DataNodeConfig::with_default("x", 1i64))
        .task(
            TaskConfig::new("checked", |x: &i64| {
                assert!(*x >= 0, "negative input {x}");
                *x + 1
            })
            .inputs(["x"])
            .outputs(["y"]),
        )
        .task(TaskConfig::new("double", |y: &i64| *y * 2).inputs(["y"]).outputs(["z"]))
        .build()
        .unwrap()
}

#[test]
fn a_node_is_not_up_to_date_after_its_producer_failed_or_an_input_changed() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &fragile(), "f").unwrap();
    let (x, y, z) = (
        s.data_node::<i64>("x").unwrap(),
        s.data_node::<i64>("y").unwrap(),
        s.data_node::<i64>("z").unwrap(),
    );
    assert!(x.is_up_to_date().unwrap(), "a source holds what it holds");
    assert!(!z.is_up_to_date().unwrap(), "never computed");
    s.submit().unwrap().wait().unwrap();
    assert!(y.is_up_to_date().unwrap() && z.is_up_to_date().unwrap());

    x.write(-1).unwrap();
    assert!(!y.is_up_to_date().unwrap() && !z.is_up_to_date().unwrap(), "an input changed");
    let err = s.submit().unwrap().wait().unwrap_err();
    assert!(matches!(err, SubmitError::JobsFailed { .. }), "{err}");
    assert_eq!(z.read().unwrap(), 4, "the old value is still there ...");
    assert!(!z.is_up_to_date().unwrap(), "... but it is not what a submit would produce");
    assert!(!y.is_up_to_date().unwrap());
    assert!(s.is_up_to_date("x").unwrap());

    x.write(1).unwrap();
    assert!(y.is_up_to_date().unwrap() && z.is_up_to_date().unwrap(), "back to the computed input");
    let err = s.is_up_to_date("nope").unwrap_err();
    assert!(err.to_string().contains("no data node `nope`"), "{err}");
}

mod typed {
    use taipy::prelude::*;

    #[task]
    pub(crate) fn double(x: &i64) -> i64 {
        x * 2
    }

    #[task]
    pub(crate) fn describe(y: &i64) -> String {
        format!("y = {y}")
    }

    #[task]
    pub(crate) fn negate(x: &i64) -> i64 {
        -x
    }

    scenario! {
        pub Pipe {
            x: i64 = 2,
            y = double(x),
            text = describe(y),
            neg = negate(x),
        }
    }
}

#[test]
fn submit_for_runs_only_the_tasks_the_outputs_need() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = typed::Pipe::create(&store, "p").unwrap();

    let report = s.submit_for(&[&s.text()]).unwrap().wait().unwrap();
    assert_eq!(statuses(&report), ["double=Completed", "describe=Completed"]);
    assert_eq!(s.text().read().unwrap(), "y = 4");
    assert!(s.neg().last_edit().unwrap().is_none(), "negate did not run");
    assert!(s.text().is_up_to_date().unwrap() && !s.neg().is_up_to_date().unwrap());

    // By name, and the same skipping as a whole submit.
    let report = s.submit_for(&[&"neg", &s.y()]).unwrap().wait().unwrap();
    assert_eq!(statuses(&report), ["double=Skipped", "negate=Completed"]);
    let plan = s.plan_for(&[&s.text()]).unwrap();
    assert_eq!(
        plan.to_string(),
        "double    skips: inputs and code unchanged\ndescribe  skips: inputs and code unchanged\n"
    );

    // A source node needs no task; an unknown node is an error naming the declared ones.
    let report = s.submit_for(&[&s.x()]).unwrap().wait().unwrap();
    assert!(report.jobs.is_empty());
    let err = s.submit_for(&[&"nope"]).unwrap_err();
    assert_eq!(err.to_string(), "scenario `p` has no data node `nope`; declared nodes: x, y, text, neg");
}

#[test]
fn planning_over_a_damaged_artifact_quarantines_nothing_and_says_it_will_rerun() {
    use common::Blob;
    let config = ScenarioConfig::builder("blobs")
        .node(DataNodeConfig::with_default("n", 3u64))
        .task(TaskConfig::new("make", |n: &u64| Blob(vec![7; *n as usize])).inputs(["n"]).outputs(["blob"]))
        .task(TaskConfig::new("size", |b: &Blob| b.0.len() as u64).inputs(["blob"]).outputs(["size"]))
        .build()
        .unwrap();
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &config, "b").unwrap();
    s.submit().unwrap().wait().unwrap();
    let version = s.data_node::<Blob>("blob").unwrap().last_edit().unwrap().unwrap();
    let artifacts = store.path().join("artifacts");
    let path = artifacts.join(format!("{}.blob", version.hash.to_hex()));
    std::fs::write(&path, [9, 9, 9]).unwrap();

    let plan = s.plan().unwrap();
    assert_eq!(plan.get("make"), Some(&Planned::Run(Reason::OutputCorrupt)));
    assert!(!s.data_node::<u64>("size").unwrap().is_up_to_date().unwrap());
    assert!(!artifacts.join("quarantine").exists(), "the plan quarantined the damaged file");
    assert_eq!(std::fs::read(&path).unwrap(), [9, 9, 9]);

    let report = s.submit().unwrap().wait().unwrap();
    check(&plan, &report);
    assert!(artifacts.join("quarantine").exists());
}

#[test]
#[allow(deprecated)]
fn is_stale_still_compiles_as_is_expired() {
    let store = Store::temporary_with(StoreOptions::development()).unwrap();
    let s = Scenario::create(&store, &fragile(), "f").unwrap();
    assert_eq!(s.is_stale("x").unwrap(), s.is_expired("x").unwrap());
    assert!(!s.data_node::<i64>("x").unwrap().is_expired().unwrap());
}
