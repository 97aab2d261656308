//! The graph as a Mermaid flowchart. Vertices get generated ids (`n0`, `t0`) and quoted labels,
//! so no name can break the syntax; what Mermaid would read as markup is written as its entity
//! codes (`#quot;`, `#lt;`, ...).

use std::fmt::Write;

use super::style::{self, Colours, NODE, TASK};
use super::{Dag, Vertex};

/// The flowchart text, one statement a line.
pub(super) fn render(dag: &Dag) -> String {
    let mut out = String::from("flowchart LR\n");
    for (n, node) in dag.nodes.iter().enumerate() {
        let _ = writeln!(out, "    n{n}([\"{}<br/>{}\"])", escape(&node.id), escape(&node.type_name));
    }
    for (t, task) in dag.tasks.iter().enumerate() {
        let _ = writeln!(out, "    t{t}[\"{}\"]", escape(task));
    }
    for edge in &dag.edges {
        let _ = writeln!(out, "    {} --> {}", id(edge.from), id(edge.to));
    }
    class(&mut out, "datanode", NODE, (0..dag.nodes.len()).map(|n| format!("n{n}")));
    let unrun = dag.tasks.iter().enumerate().filter(|(_, t)| dag.status(t).is_none());
    class(&mut out, "task", TASK, unrun.map(|(t, _)| format!("t{t}")));
    for status in dag.statuses_shown() {
        let tasks = dag.tasks.iter().enumerate().filter(|(_, t)| dag.status(t) == Some(status));
        let ids = tasks.map(|(t, _)| format!("t{t}"));
        class(&mut out, &style::status_class(status), style::status_colours(status), ids);
    }
    out
}

fn id(vertex: Vertex) -> String {
    match vertex {
        Vertex::Node(n) => format!("n{n}"),
        Vertex::Task(t) => format!("t{t}"),
    }
}

/// A `classDef` and the vertices it applies to (nothing when there are none).
fn class(out: &mut String, name: &str, colours: Colours, ids: impl Iterator<Item = String>) {
    let ids: Vec<String> = ids.collect();
    if ids.is_empty() {
        return;
    }
    let _ =
        writeln!(out, "    classDef {name} fill:{},stroke:{},color:#000000", colours.fill, colours.stroke);
    let _ = writeln!(out, "    class {} {name}", ids.join(","));
}

/// A label for inside `"..."`: quotes, `#`, `&` and angle brackets as Mermaid entity codes,
/// control characters as spaces.
fn escape(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
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
    fn labels_cannot_break_out_of_their_quotes() {
        assert_eq!(escape(r#"a "b" #c <d> & e"#), "a #quot;b#quot; #35;c #lt;d#gt; #amp; e");
        assert_eq!(escape("two\nlines"), "two lines");
    }

    #[test]
    fn nodes_are_stadiums_tasks_rectangles_and_statuses_classes() {
        let config = ScenarioConfig::builder("s")
            .node(DataNodeConfig::with_default("say \"hi\"", 1i64))
            .task(TaskConfig::new("len<th>", neg).inputs(["say \"hi\""]).outputs(["n"]))
            .build()
            .unwrap();
        let text = render(&Dag::of(&config).with_statuses([("len<th>", JobStatus::Failed)]));
        assert!(text.contains("    n0([\"say #quot;hi#quot;<br/>i64\"])\n"), "{text}");
        assert!(text.contains("    t0[\"len#lt;th#gt;\"]\n"), "{text}");
        assert!(text.contains("    n0 --> t0\n    t0 --> n1\n"), "{text}");
        assert!(text.contains(
            "    classDef failed fill:#ffcdd2,stroke:#c62828,color:#000000\n    class t0 failed\n"
        ));
        assert!(!text.contains("classDef task"), "a task with a status has only the status's class:\n{text}");
    }
}
