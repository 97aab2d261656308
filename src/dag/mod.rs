//! Pictures of a scenario's graph: its data nodes, its tasks and the edges between them, as
//! [Mermaid](https://mermaid.js.org) text, Graphviz DOT text, or an SVG laid out in-process (no
//! Graphviz needed), with the latest job status of each task coloured when asked.
//!
//! ```
//! use taipy::dag::{Dag, Format};
//! use taipy::prelude::*;
//!
//! fn double(x: &i64) -> i64 { x * 2 }
//!
//! let config = ScenarioConfig::builder("doubling")
//!     .node(DataNodeConfig::with_default("x", 21i64))
//!     .task(TaskConfig::new("double", double).inputs(["x"]).outputs(["y"]))
//!     .build()?;
//! let store = Store::temporary()?;
//! let scenario = Scenario::create(&store, &config, "first")?;
//! scenario.submit()?.wait()?;
//!
//! // The graph alone, from the config...
//! let mermaid = Dag::of(&config).render(Format::Mermaid);
//! assert!(mermaid.starts_with("flowchart LR"));
//! // ...or with the statuses of a stored scenario's latest jobs.
//! let dag = Dag::of_scenario(&scenario)?;
//! assert_eq!(dag.status("double"), Some(JobStatus::Completed));
//! let svg = dag.render("svg".parse()?);
//! assert!(svg.contains("Completed"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - `mod.rs`: [`Dag`], the graph as the pictures see it, and [`Format`];
//! - `style.rs`: what the three formats share: status colours, shortened type names;
//! - `mermaid.rs`, `dot.rs`: the two text formats, each with its own quoting;
//! - `layout.rs`: a layered left-to-right layout (columns, order, heights, edge points);
//! - `svg.rs`: the SVG drawn from that layout, XML-escaped.

mod dot;
mod layout;
mod mermaid;
mod style;

#[cfg(feature = "cli")]
pub(crate) use style::short_type;
mod svg;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use taipy_core::{JobStatus, Scenario, ScenarioConfig, StoreError};

/// A scenario's graph as the pictures draw it: data nodes (with their value types), tasks (with
/// their latest job status, if given) and the edges node → task (an input) and task → node (an
/// output).
#[derive(Clone, Debug)]
pub struct Dag {
    name: String,
    nodes: Vec<DagNode>,
    tasks: Vec<String>,
    edges: Vec<Edge>,
    statuses: BTreeMap<String, JobStatus>,
}

/// A data node: its id and its value type, shortened (`Vec<f64>`, not `alloc::vec::Vec<f64>`).
#[derive(Clone, Debug)]
struct DagNode {
    id: String,
    type_name: String,
}

/// One end of an edge: a data node or a task, by position in [`Dag`]'s lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Vertex {
    Node(usize),
    Task(usize),
}

/// An edge: a task's input (node → task) or output (task → node).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Edge {
    from: Vertex,
    to: Vertex,
}

impl Dag {
    /// The graph of `config`, without statuses: every data node (declared ones first, in the
    /// config's order), every task (producers first), and for each task its inputs then its
    /// outputs (a node read twice by one task gives one edge).
    pub fn of(config: &ScenarioConfig) -> Self {
        let nodes: Vec<DagNode> = config
            .nodes()
            .iter()
            .map(|n| DagNode { id: n.id().to_owned(), type_name: style::short_type(n.value_type().name()) })
            .collect();
        let node_index = |id: &str| nodes.iter().position(|n| n.id == id);
        let mut edges = Vec::new();
        for (t, task) in config.tasks().iter().enumerate() {
            let inputs = task.input_nodes().iter().filter_map(|i| node_index(i));
            let inputs = inputs.map(|n| Edge { from: Vertex::Node(n), to: Vertex::Task(t) });
            let outputs = task.output_nodes().iter().filter_map(|o| node_index(o));
            let outputs = outputs.map(|n| Edge { from: Vertex::Task(t), to: Vertex::Node(n) });
            for edge in inputs.chain(outputs) {
                if !edges.contains(&edge) {
                    edges.push(edge);
                }
            }
        }
        Self {
            name: config.id().to_owned(),
            tasks: config.tasks().iter().map(|t| t.id().to_owned()).collect(),
            nodes,
            edges,
            statuses: BTreeMap::new(),
        }
    }

    /// The graph of a stored scenario's config, with the status of each task's latest job
    /// (tasks that never ran have none); see [`latest_statuses`].
    pub fn of_scenario(scenario: &Scenario) -> Result<Self, StoreError> {
        Ok(Self::of(scenario.config()).with_statuses(latest_statuses(scenario)?))
    }

    /// Colours tasks by these statuses, by task id; ids that are no task of the graph are
    /// ignored, and the pictures gain a legend of the statuses shown.
    pub fn with_statuses<S: Into<String>>(
        mut self,
        statuses: impl IntoIterator<Item = (S, JobStatus)>,
    ) -> Self {
        for (task, status) in statuses {
            let task = task.into();
            if self.tasks.contains(&task) {
                self.statuses.insert(task, status);
            }
        }
        self
    }

    /// The config's id, the pictures' title.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The status shown for `task`, if any.
    pub fn status(&self, task: &str) -> Option<JobStatus> {
        self.statuses.get(task).copied()
    }

    /// The graph in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Mermaid => self.mermaid(),
            Format::Dot => self.dot(),
            Format::Svg => self.svg(),
        }
    }

    /// The graph as a Mermaid flowchart, left to right: data nodes as stadiums (`([...])`),
    /// tasks as rectangles, statuses as `classDef` colours.
    pub fn mermaid(&self) -> String {
        mermaid::render(self)
    }

    /// The graph as Graphviz DOT text, left to right: data nodes as rounded boxes, tasks as
    /// boxes filled by status, and a legend cluster when statuses are shown.
    pub fn dot(&self) -> String {
        dot::render(self)
    }

    /// The graph as a standalone SVG document, laid out in-process: every node and task with its
    /// name (nodes with their type), edges with arrowheads, tasks coloured by status with a
    /// legend. Each node and task is a `<g>` with `class="node"` or `class="task"` and its id
    /// in `data-id` (and `data-status`), each edge a `<path class="edge">`, for tools and tests.
    pub fn svg(&self) -> String {
        svg::render(self)
    }

    /// The statuses shown, in the order of [`JobStatus`]'s variants, each once.
    fn statuses_shown(&self) -> Vec<JobStatus> {
        let mut shown: Vec<JobStatus> = self.statuses.values().copied().collect();
        shown.sort_by_key(|s| *s as u8);
        shown.dedup();
        shown
    }
}

/// The status of each task's latest job in `scenario` (by task id; tasks that never ran are
/// absent), from the jobs the store keeps.
pub fn latest_statuses(scenario: &Scenario) -> Result<BTreeMap<String, JobStatus>, StoreError> {
    // Oldest first, so the latest job of a task is the last one inserted.
    Ok(scenario.jobs()?.into_iter().map(|job| (job.task, job.status)).collect())
}

/// A picture format: `mermaid`, `dot` or `svg` (what `FromStr` and `Display` read and write).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Mermaid flowchart text, for Markdown pages that render Mermaid.
    Mermaid,
    /// Graphviz DOT text.
    Dot,
    /// An SVG document, laid out in-process.
    Svg,
}

impl Format {
    /// Every format, in the order of their names in messages.
    pub const ALL: [Format; 3] = [Format::Mermaid, Format::Dot, Format::Svg];

    /// The format's name: `mermaid`, `dot` or `svg`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
            Format::Svg => "svg",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Reads a format's name, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// A picture format name that is none of `mermaid`, `dot`, `svg`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown picture format `{}`; known formats: mermaid, dot, svg", self.0)
    }
}

impl std::error::Error for UnknownFormat {}

#[cfg(test)]
mod tests {
    use super::*;
    use taipy_core::{DataNodeConfig, TaskConfig};

    fn add(a: &i64, b: &i64) -> i64 {
        a + b
    }

    fn config() -> std::sync::Arc<ScenarioConfig> {
        ScenarioConfig::builder("sums")
            .node(DataNodeConfig::with_default("x", 1i64))
            .node(DataNodeConfig::with_default("unused", String::new()))
            .task(TaskConfig::new("twice", add).inputs(["x", "x"]).outputs(["y"]))
            .task(TaskConfig::new("more", add).inputs(["y", "x"]).outputs(["z"]))
            .build()
            .unwrap()
    }

    #[test]
    fn the_graph_has_every_node_task_and_edge_once() {
        let dag = Dag::of(&config());
        let nodes: Vec<_> = dag.nodes.iter().map(|n| (n.id.as_str(), n.type_name.as_str())).collect();
        assert_eq!(nodes, [("x", "i64"), ("unused", "String"), ("y", "i64"), ("z", "i64")]);
        assert_eq!(dag.tasks, ["twice", "more"]);
        use Vertex::{Node, Task};
        let edges: Vec<_> = dag.edges.iter().map(|e| (e.from, e.to)).collect();
        assert_eq!(
            edges,
            [
                (Node(0), Task(0)),
                (Task(0), Node(2)),
                (Node(2), Task(1)),
                (Node(0), Task(1)),
                (Task(1), Node(3))
            ]
        );
    }

    #[test]
    fn statuses_of_unknown_tasks_are_ignored_and_shown_in_enum_order() {
        let dag = Dag::of(&config()).with_statuses([
            ("more", JobStatus::Failed),
            ("twice", JobStatus::Completed),
            ("ghost", JobStatus::Running),
        ]);
        assert_eq!(dag.status("twice"), Some(JobStatus::Completed));
        assert_eq!(dag.status("ghost"), None);
        assert_eq!(dag.statuses_shown(), [JobStatus::Completed, JobStatus::Failed]);
    }

    #[test]
    fn formats_are_read_by_name() {
        assert_eq!("SVG".parse::<Format>(), Ok(Format::Svg));
        assert_eq!("dot".parse::<Format>().map(|f| f.to_string()), Ok("dot".to_owned()));
        let err = "png".parse::<Format>().unwrap_err();
        assert_eq!(err.to_string(), "unknown picture format `png`; known formats: mermaid, dot, svg");
    }
}
