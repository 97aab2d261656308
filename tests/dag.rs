//! DAG pictures of real scenarios: a `scenario!` pipeline (the tutorial's graph, shrunk) and a
//! builder pipeline whose names need escaping and whose jobs fail. The SVG is parsed as XML and
//! checked for every node, task, edge and status colour; the Mermaid and DOT texts are compared
//! with committed snapshots (`TAIPY_BLESS=1 cargo test -p taipy --test dag` rewrites them).
//! Each SVG is also written to the target's test folder (`dag/*.svg`), to look at.

#![deny(warnings)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use taipy::JobStatus;
use taipy::dag::{Dag, Format, latest_statuses};
use taipy::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
enum Metric {
    Mean,
    Max,
}
taipy::serde_value!(Metric);

/// Scores per customer.
#[derive(Clone, Debug, PartialEq, DataValue)]
struct Scored(Vec<i64>);

/// Segment per customer (true = high value).
#[derive(Clone, Debug, PartialEq, DataValue)]
struct Segmented(Vec<(i64, bool)>);

#[task]
fn preprocess_and_score(path_to_data: &str) -> Scored {
    Scored(path_to_data.bytes().map(i64::from).collect())
}

#[task]
fn featurization_and_segmentation(scored: &Scored, payment_threshold: f64) -> Segmented {
    Segmented(scored.0.iter().map(|&s| (s, s as f64 > payment_threshold)).collect())
}

#[task]
fn segment_analysis(segmented: &Segmented, metric: Metric) -> f64 {
    let values = segmented.0.iter().map(|&(s, _)| s as f64);
    match metric {
        Metric::Mean => values.sum::<f64>() / segmented.0.len().max(1) as f64,
        Metric::Max => values.fold(f64::MIN, f64::max),
    }
}

#[task]
fn high_value_summary(segmented: &Segmented, segment_result: &f64) -> String {
    format!("{} high-value customers, metric {segment_result}", segmented.0.iter().filter(|c| c.1).count())
}

scenario! {
    /// The tutorial's customer analysis, shrunk.
    pub CustomerAnalysis {
        path_to_data: String = "data/customers.csv".to_string(),
        payment_threshold: f64 = 100.0,
        metric: Metric = Metric::Mean,

        scored_df = preprocess_and_score(path_to_data),
        segmented_customer_df = featurization_and_segmentation(scored_df, payment_threshold),
        segment_result = segment_analysis(segmented_customer_df, metric),
        high_value_summary_df = high_value_summary(segmented_customer_df, segment_result),
    }
}

const NODES: [(&str, &str); 7] = [
    ("path_to_data", "String"),
    ("payment_threshold", "f64"),
    ("metric", "Metric"),
    ("scored_df", "Scored"),
    ("segmented_customer_df", "Segmented"),
    ("segment_result", "f64"),
    ("high_value_summary_df", "String"),
];

/// Inputs (1 + 2 + 2 + 2) and one output per task.
const EDGES: usize = 11;

/// The fill of a task by status, as the pictures colour it.
fn fill(status: Option<JobStatus>) -> &'static str {
    match status {
        None => "#eceff1",
        Some(JobStatus::Completed) => "#c8e6c9",
        Some(JobStatus::Skipped) => "#bbdefb",
        Some(JobStatus::Failed) => "#ffcdd2",
        Some(JobStatus::Abandoned) => "#e1bee7",
        Some(other) => panic!("no fill expected for {other}"),
    }
}

/// The customer analysis submitted twice, the metric changed in between: the first two tasks
/// skipped, the last two completed.
fn analysed() -> (Store, CustomerAnalysis) {
    let store = Store::temporary().unwrap();
    let scenario = CustomerAnalysis::create(&store, "q3").unwrap();
    scenario.submit().unwrap().wait().unwrap();
    scenario.metric().write(Metric::Max).unwrap();
    scenario.submit().unwrap().wait().unwrap();
    (store, scenario)
}

/// What an SVG shows, read back from its XML.
#[derive(Debug, Default)]
struct Drawn {
    /// Data node id → the texts of its box.
    nodes: BTreeMap<String, Vec<String>>,
    /// Task id → (its texts, its `data-status`, its box's fill).
    tasks: BTreeMap<String, (Vec<String>, Option<String>, String)>,
    /// (from, to) of each edge that has an arrowhead.
    edges: Vec<(String, String)>,
    /// The statuses in the legend.
    legend: Vec<String>,
}

fn read_svg(svg: &str) -> Drawn {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts = |g: roxmltree::Node<'_, '_>| -> Vec<String> {
        g.descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .map(str::to_owned)
            .collect()
    };
    let mut drawn = Drawn::default();
    for element in doc.descendants().filter(roxmltree::Node::is_element) {
        let attr = |name| element.attribute(name).map(str::to_owned);
        match (element.tag_name().name(), element.attribute("class")) {
            ("g", Some("node")) => {
                drawn.nodes.insert(attr("data-id").unwrap(), texts(element));
            }
            ("g", Some("task")) => {
                let rect = element.children().find(|n| n.has_tag_name("rect")).expect("a task has a box");
                let fill = rect.attribute("fill").unwrap().to_owned();
                drawn.tasks.insert(attr("data-id").unwrap(), (texts(element), attr("data-status"), fill));
            }
            ("path", Some("edge")) => {
                assert_eq!(
                    element.attribute("marker-end"),
                    Some("url(#arrowhead)"),
                    "an edge without arrowhead"
                );
                assert!(element.attribute("d").unwrap().starts_with("M "), "an edge without a path");
                drawn.edges.push((attr("data-from").unwrap(), attr("data-to").unwrap()));
            }
            ("g", Some("legend-item")) => drawn.legend.push(attr("data-status").unwrap()),
            _ => {}
        }
    }
    drawn
}

/// Writes `svg` where the developer can look at it.
fn keep(name: &str, svg: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dag");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), svg).unwrap();
}

/// Compares `actual` with the committed `tests/snapshots/dag/<name>`; `TAIPY_BLESS=1` rewrites it.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/dag").join(name);
    if std::env::var_os("TAIPY_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with TAIPY_BLESS=1 to create it", path.display()));
    assert!(actual == expected, "{name} differs from its snapshot (TAIPY_BLESS=1 accepts it):\n{actual}");
}

#[test]
fn the_svg_of_a_scenario_shows_every_node_task_edge_and_status() {
    let (_store, scenario) = analysed();
    let dag = Dag::of_scenario(&scenario).unwrap();
    let svg = dag.render(Format::Svg);
    keep("customer_analysis.svg", &svg);
    let drawn = read_svg(&svg);

    let nodes: BTreeMap<String, Vec<String>> =
        NODES.iter().map(|(id, ty)| (id.to_string(), vec![id.to_string(), ty.to_string()])).collect();
    assert_eq!(drawn.nodes, nodes);
    let expected = [
        ("preprocess_and_score", JobStatus::Skipped),
        ("featurization_and_segmentation", JobStatus::Skipped),
        ("segment_analysis", JobStatus::Completed),
        ("high_value_summary", JobStatus::Completed),
    ];
    for (task, status) in expected {
        let (texts, shown, filled) = &drawn.tasks[task];
        assert_eq!(texts, &[task]);
        assert_eq!(shown.as_deref(), Some(status.to_string().as_str()), "{task}");
        assert_eq!(filled, fill(Some(status)), "{task}");
    }
    assert_eq!(drawn.tasks.len(), expected.len());
    assert_eq!(drawn.edges.len(), EDGES);
    assert!(drawn.edges.contains(&("metric".into(), "segment_analysis".into())));
    assert!(drawn.edges.contains(&("segment_analysis".into(), "segment_result".into())));
    assert_eq!(drawn.legend, ["Completed", "Skipped"]);
}

#[test]
fn without_statuses_tasks_are_plain_and_there_is_no_legend() {
    let svg = Dag::of(&CustomerAnalysis::config()).svg();
    keep("customer_analysis_plain.svg", &svg);
    let drawn = read_svg(&svg);
    assert_eq!(drawn.nodes.len(), NODES.len());
    assert!(drawn.tasks.values().all(|(_, status, filled)| status.is_none() && filled == fill(None)));
    assert_eq!(drawn.edges.len(), EDGES);
    assert!(drawn.legend.is_empty());
}

#[test]
fn the_latest_job_of_each_task_gives_its_status() {
    let (_store, scenario) = analysed();
    let statuses = latest_statuses(scenario.scenario()).unwrap();
    assert_eq!(statuses.len(), 4);
    assert_eq!(statuses["preprocess_and_score"], JobStatus::Skipped);
    assert_eq!(statuses["segment_analysis"], JobStatus::Completed);
    let fresh = CustomerAnalysis::create(scenario.scenario().store(), "never submitted").unwrap();
    assert!(latest_statuses(fresh.scenario()).unwrap().is_empty());
}

#[test]
fn mermaid_and_dot_texts_match_their_snapshots() {
    let (_store, scenario) = analysed();
    let dag = Dag::of_scenario(&scenario).unwrap();
    snapshot("customer_analysis.mmd", &dag.render(Format::Mermaid));
    snapshot("customer_analysis.dot", &dag.render(Format::Dot));
    snapshot("customer_analysis_plain.mmd", &Dag::of(&CustomerAnalysis::config()).mermaid());
}

#[derive(Debug, thiserror::Error)]
#[error("the <ledger> & \"books\" disagree")]
struct Disagree;

/// A builder pipeline whose names need quoting in every format, and whose middle task fails.
fn awkward() -> std::sync::Arc<ScenarioConfig> {
    ScenarioConfig::builder("odd <names> & \"quotes\"")
        .node(DataNodeConfig::with_default("a&b", 1i64))
        .node(DataNodeConfig::with_default("it's \"x\"", vec![1.5f64]))
        .task(
            TaskConfig::new("sum <all>", |a: &i64, b: &Vec<f64>| *a as f64 + b.iter().sum::<f64>())
                .inputs(["a&b", "it's \"x\""])
                .outputs(["total #1"]),
        )
        .task(
            TaskConfig::new("check \\ fail", |_: &f64| -> Result<f64, Disagree> { Err(Disagree) })
                .inputs(["total #1"])
                .outputs(["checked"]),
        )
        .task(
            TaskConfig::new("report", |c: &f64, a: &i64| format!("{c} {a}"))
                .inputs(["checked", "a&b"])
                .outputs(["report"]),
        )
        .build()
        .unwrap()
}

#[test]
fn a_builder_pipeline_with_awkward_names_and_a_failure_is_drawn_and_escaped() {
    let config = awkward();
    let store = Store::temporary().unwrap();
    let scenario = Scenario::create(&store, &config, "run").unwrap();
    assert!(scenario.submit().unwrap().wait().is_err(), "the check fails");
    let dag = Dag::of_scenario(&scenario).unwrap();

    let svg = dag.svg();
    keep("awkward.svg", &svg);
    let drawn = read_svg(&svg);
    let nodes: BTreeSet<&str> = drawn.nodes.keys().map(String::as_str).collect();
    assert_eq!(nodes, BTreeSet::from(["a&b", "it's \"x\"", "total #1", "checked", "report"]));
    assert_eq!(drawn.nodes["it's \"x\""], ["it's \"x\"", "Vec<f64>"]);
    let status = |task: &str| drawn.tasks[task].1.clone();
    assert_eq!(status("sum <all>").as_deref(), Some("Completed"));
    assert_eq!(status("check \\ fail").as_deref(), Some("Failed"));
    assert_eq!(status("report").as_deref(), Some("Abandoned"));
    assert_eq!(drawn.tasks["check \\ fail"].2, fill(Some(JobStatus::Failed)));
    assert_eq!(drawn.tasks["report"].2, fill(Some(JobStatus::Abandoned)));
    assert_eq!(drawn.edges.len(), 3 + 2 + 3);
    assert_eq!(drawn.legend, ["Completed", "Failed", "Abandoned"]);

    let mermaid = dag.mermaid();
    assert!(mermaid.contains("n1([\"it's #quot;x#quot;<br/>Vec#lt;f64#gt;\"])"), "{mermaid}");
    assert!(mermaid.contains("t0[\"sum #lt;all#gt;\"]"), "{mermaid}");
    assert!(mermaid.contains("n2([\"total #35;1<br/>f64\"])"), "{mermaid}");
    assert!(mermaid.contains("class t1 failed"), "{mermaid}");

    let dot = dag.dot();
    assert!(dot.starts_with("digraph \"odd <names> & \\\"quotes\\\"\" {"), "{dot}");
    assert!(dot.contains("n1 [label=\"it's \\\"x\\\"\\nVec<f64>\""), "{dot}");
    assert!(dot.contains("t1 [label=\"check \\\\ fail\""), "{dot}");
    assert!(dot.contains("legend_abandoned [label=\"Abandoned\""), "{dot}");
}

/// The tutorial's scenario as `algos` declares it (names, value types and wiring alike), on
/// plain Rust values so this test needs no polars; `docs/customer_analysis.svg` is its picture,
/// the one `cargo run --example customer_cli -- dag --format svg --out docs/customer_analysis.svg`
/// draws from the real `algos::CustomerAnalysis`.
mod tutorial {
    use serde::{Deserialize, Serialize};
    use taipy::prelude::*;

    #[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
    pub(crate) enum Metric {
        Mean,
    }
    taipy::serde_value!(Metric);

    #[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
    pub(crate) enum Statistic {
        Median,
    }
    taipy::serde_value!(Statistic);

    #[derive(Clone, Debug, PartialEq, DataValue)]
    pub(crate) struct ScoredCustomers(pub(crate) Vec<f64>);
    #[derive(Clone, Debug, PartialEq, DataValue)]
    pub(crate) struct SegmentedCustomers(pub(crate) Vec<f64>);
    #[derive(Clone, Debug, PartialEq, DataValue)]
    pub(crate) struct SegmentResult(pub(crate) Vec<f64>);
    #[derive(Clone, Debug, PartialEq, DataValue)]
    pub(crate) struct HighValueSummary(pub(crate) Vec<f64>);

    #[task]
    pub(crate) fn preprocess_and_score(_path: &CsvFile) -> ScoredCustomers {
        ScoredCustomers(Vec::new())
    }

    #[task]
    pub(crate) fn featurization_and_segmentation(
        scored: &ScoredCustomers,
        _payment_threshold: &f64,
        _score_threshold: &f64,
    ) -> SegmentedCustomers {
        SegmentedCustomers(scored.0.clone())
    }

    #[task]
    pub(crate) fn segment_analysis(segmented: &SegmentedCustomers, _metric: &Metric) -> SegmentResult {
        SegmentResult(segmented.0.clone())
    }

    #[task]
    pub(crate) fn high_value_cust_summary_statistics(
        segmented: &SegmentedCustomers,
        _segment_result: &SegmentResult,
        _statistic: &Statistic,
    ) -> HighValueSummary {
        HighValueSummary(segmented.0.clone())
    }

    scenario! {
        /// The tutorial's customer analysis, shaped as in `algos`.
        pub(crate) CustomerAnalysis {
            path_to_data: CsvFile = CsvFile::new("data/customers.csv"),
            payment_threshold: f64 = 1000.0,
            score_threshold: f64 = 1.5,
            metric: Metric = Metric::Mean,
            summary_statistic_type: Statistic = Statistic::Median,

            scored_df = preprocess_and_score(path_to_data),
            segmented_customer_df = featurization_and_segmentation(scored_df, payment_threshold, score_threshold),
            segment_result = segment_analysis(segmented_customer_df, metric),
            high_value_summary_df = high_value_cust_summary_statistics(segmented_customer_df, segment_result,
                                                                        summary_statistic_type),
        }
    }
}

#[test]
fn the_tutorial_picture_in_docs_is_the_one_drawn_today() {
    let svg = Dag::of(&tutorial::CustomerAnalysis::config()).svg();
    let drawn = read_svg(&svg);
    assert_eq!(drawn.nodes.len(), 9);
    assert_eq!(drawn.nodes["scored_df"], ["scored_df", "ScoredCustomers"]);
    assert_eq!(drawn.tasks.len(), 4);
    assert_eq!(drawn.edges.len(), 1 + 3 + 2 + 3 + 4);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/customer_analysis.svg");
    if std::env::var_os("TAIPY_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &svg).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(committed == svg, "docs/customer_analysis.svg is not today's picture (TAIPY_BLESS=1 redraws it)");
}
