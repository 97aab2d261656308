//! The graph as Graphviz DOT text. Vertices get generated ids (`n0`, `t0`); names appear only in
//! quoted labels, with `\` and `"` escaped, so no name can break the syntax.

use std::fmt::Write;

use super::style::{self, Colours, EDGE, NODE, TASK};
use super::{Dag, Vertex};

/// The `digraph`, left to right, with a legend cluster when statuses are shown.
pub(super) fn render(dag: &Dag) -> String {
    let mut out = format!("digraph \"{}\" {{\n", escape(&dag.name));
    out.push_str("    rankdir=LR;\n");
    out.push_str("    node [fontname=\"Helvetica\", fontsize=12];\n");
    let _ = writeln!(out, "    edge [color=\"{EDGE}\"];");
    for (n, node) in dag.nodes.iter().enumerate() {
        let label = format!("{}\\n{}", escape(&node.id), escape(&node.type_name));
        vertex(&mut out, 1, &format!("n{n}"), &label, "rounded,filled", NODE);
    }
    for (t, task) in dag.tasks.iter().enumerate() {
        let colours = dag.status(task).map_or(TASK, style::status_colours);
        vertex(&mut out, 1, &format!("t{t}"), &escape(task), "filled", colours);
    }
    for edge in &dag.edges {
        let _ = writeln!(out, "    {} -> {};", id(edge.from), id(edge.to));
    }
    let shown = dag.statuses_shown();
    if !shown.is_empty() {
        out.push_str("    subgraph cluster_legend {\n        label=\"latest job status\";\n");
        for status in shown {
            let name = format!("legend_{}", style::status_class(status));
            vertex(&mut out, 2, &name, &status.to_string(), "filled", style::status_colours(status));
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}

fn id(vertex: Vertex) -> String {
    match vertex {
        Vertex::Node(n) => format!("n{n}"),
        Vertex::Task(t) => format!("t{t}"),
    }
}

/// One vertex statement, indented `depth` levels; `label` is already escaped.
fn vertex(out: &mut String, depth: usize, id: &str, label: &str, style: &str, colours: Colours) {
    let _ = writeln!(
        out,
        "{:indent$}{id} [label=\"{label}\", shape=box, style=\"{style}\", fillcolor=\"{}\", color=\"{}\"];",
        "",
        colours.fill,
        colours.stroke,
        indent = depth * 4
    );
}

/// A name for inside `"..."`: backslashes and quotes escaped, control characters as spaces.
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use taipy_core::{DataNodeConfig, JobStatus, ScenarioConfig, TaskConfig};

    fn neg(x: &i64) -> i64 {
        -x
    }

    #[test]
    fn names_cannot_break_out_of_their_quotes() {
        assert_eq!(escape(r#"a "b" \n c"#), r#"a \"b\" \\n c"#);
        assert_eq!(escape("two\nlines"), "two lines");
    }

    #[test]
    fn tasks_are_filled_by_status_with_a_legend() {
        let config = ScenarioConfig::builder("s\"q")
            .node(DataNodeConfig::with_default("x", 1i64))
            .task(TaskConfig::new("neg", neg).inputs(["x"]).outputs(["y"]))
            .build()
            .unwrap();
        let plain = render(&Dag::of(&config));
        assert!(plain.starts_with("digraph \"s\\\"q\" {\n    rankdir=LR;\n"), "{plain}");
        assert!(plain.contains("    n0 [label=\"x\\ni64\", shape=box, style=\"rounded,filled\""), "{plain}");
        assert!(plain.contains("    t0 [label=\"neg\", shape=box, style=\"filled\", fillcolor=\"#eceff1\""));
        assert!(plain.contains("    n0 -> t0;\n    t0 -> n1;\n"), "{plain}");
        assert!(!plain.contains("legend"), "no legend without statuses:\n{plain}");

        let coloured = render(&Dag::of(&config).with_statuses([("neg", JobStatus::Skipped)]));
        assert!(
            coloured.contains("    t0 [label=\"neg\", shape=box, style=\"filled\", fillcolor=\"#bbdefb\"")
        );
        assert!(coloured.contains("legend_skipped [label=\"Skipped\""), "{coloured}");
    }
}
