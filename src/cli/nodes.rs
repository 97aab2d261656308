//! `nodes show|read|write|history`, `lineage` and `compare`: data nodes by name, their values
//! in TOML form.

use std::io::Write;

use serde_json::{Value, json};

use super::args::{CompareArgs, LineageArgs, NodesCommand};
use super::context::Context;
use super::table::{self, Table};
use crate::dag::short_type;
use crate::{BoxError, Lineage, Scenario, Version, Writer};

/// A value as typed on a command line: a TOML value (`1600`, `1.5`, `true`, `"text"`,
/// `[1, 2]`), else the text itself as a string (`mean`, `data/customers.csv`).
pub(crate) fn parse_value(text: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("value = {text}")) {
        Ok(mut table) if table.len() == 1 => table.remove("value").expect("one key"),
        _ => toml::Value::String(text.to_owned()),
    }
}

/// A TOML value in one line, strings without quotes.
pub(crate) fn show_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Who wrote a version, in full: `user`, `default value`, `job J (task t)`.
fn writer(version: &Version) -> String {
    version.writer.to_string()
}

/// Who wrote a version, for a table column: `task t` rather than the job's id.
pub(crate) fn writer_short(version: &Version) -> String {
    match &version.writer {
        Writer::Job { task, .. } => format!("task {task}"),
        Writer::Reused { job, .. } => format!("reused by {job}"),
        Writer::Copied { .. } => "copied".into(),
        other => other.to_string(),
    }
}

/// A node's current value in one line, at most 60 characters; `<Type>` for a type without a
/// TOML form; `-` if never written.
pub(crate) fn current_value(scenario: &Scenario, node: &str) -> Result<(Option<Version>, String), BoxError> {
    let type_name = short_type(scenario.node_config(node)?.value_type().name());
    match scenario.node_current(node)? {
        None => Ok((None, "-".into())),
        Some(_) => {
            let (version, value) = scenario.read_toml(node, None)?;
            let mut text = value.as_ref().map_or_else(|| format!("<{type_name}>"), show_value);
            if text.chars().count() > 60 {
                text = text.chars().take(57).collect::<String>() + "...";
            }
            Ok((Some(version), text))
        }
    }
}

pub(crate) fn print_nodes(scenario: &Scenario, out: &mut dyn Write) -> Result<(), BoxError> {
    let mut rows = Table::new(["NODE", "TYPE", "VERSION", "WRITTEN BY", "VALUE"]);
    for node in scenario.config().nodes() {
        let (version, value) = current_value(scenario, node.id())?;
        rows.row([
            node.id().to_owned(),
            short_type(node.value_type().name()),
            version.as_ref().map_or("-".into(), |v| format!("#{}", v.number)),
            version.as_ref().map_or("-".into(), writer_short),
            value,
        ]);
    }
    rows.print(out, "no data nodes")?;
    Ok(())
}

pub(crate) fn nodes_json(scenario: &Scenario) -> Result<Value, BoxError> {
    let mut nodes = Vec::new();
    for node in scenario.config().nodes() {
        let current = scenario.node_current(node.id())?;
        let value = match &current {
            Some(_) => scenario.read_toml(node.id(), None)?.1.map(|v| json!(v)),
            None => None,
        };
        nodes.push(json!({
            "name": node.id(), "id": scenario.node_instance_id(node.id())?,
            "type": node.value_type().name(), "scope": format!("{:?}", node.node_scope()),
            "version": current.as_ref().map(|v| v.number), "hash": current.as_ref().map(|v| v.hash.to_string()),
            "written_us": current.as_ref().map(|v| v.written_us),
            "writer": current.as_ref().map(writer), "value": value,
        }));
    }
    Ok(Value::Array(nodes))
}

pub(crate) fn run(cx: &mut Context<'_>, command: NodesCommand) -> Result<(), BoxError> {
    match command {
        NodesCommand::Show { scenario } => {
            let scenario = cx.scenario(&scenario)?;
            if cx.json() {
                return cx.print_json(&nodes_json(&scenario)?);
            }
            print_nodes(&scenario, cx.out())
        }
        NodesCommand::Read { scenario, node, version } => {
            let scenario = cx.scenario(&scenario)?;
            let type_name = scenario.node_config(&node)?.value_type().name();
            let (version, value) = scenario.read_toml(&node, version)?;
            if cx.json() {
                return cx.print_json(&json!({ "node": node, "version": version.number, "value": value }));
            }
            match value {
                Some(value) => writeln!(cx.out(), "{}", show_value(&value))?,
                None => Err(format!(
                    "data node `{node}` holds a `{type_name}`, which has no text form; version #{} has hash {}",
                    version.number, version.hash
                ))?,
            }
            Ok(())
        }
        NodesCommand::Write { scenario, node, value, comment } => {
            let scenario = cx.scenario(&scenario)?;
            let written = scenario.write_toml(&node, &parse_value(&value), comment.as_deref())?;
            if cx.json() {
                return cx.print_json(&json!({ "node": node, "version": written }));
            }
            match written {
                Some(number) => writeln!(cx.out(), "wrote {node} #{number}")?,
                None => writeln!(cx.out(), "{node} already holds this value; nothing written")?,
            }
            Ok(())
        }
        NodesCommand::History { scenario, node } => {
            let scenario = cx.scenario(&scenario)?;
            let history = scenario.node_history(&node)?;
            if cx.json() {
                let rows: Vec<Value> = history
                    .iter()
                    .map(|v| {
                        json!({ "version": v.number, "hash": v.hash.to_string(), "written_us": v.written_us,
                                "writer": writer(v), "comment": v.comment })
                    })
                    .collect();
                return cx.print_json(&Value::Array(rows));
            }
            let mut rows = Table::new(["VERSION", "WRITTEN", "WRITTEN BY", "HASH", "COMMENT"]);
            for v in &history {
                rows.row([
                    format!("#{}", v.number),
                    table::time(v.written_us),
                    writer_short(v),
                    v.hash.short(),
                    v.comment.clone().unwrap_or_default(),
                ]);
            }
            rows.print(cx.out(), "never written")?;
            Ok(())
        }
    }
}

fn lineage_json(lineage: &Lineage) -> Value {
    json!({
        "node": lineage.node, "node_id": lineage.node_id, "version": lineage.number,
        "hash": lineage.hash.to_string(), "written_us": lineage.written_us, "writer": lineage.writer.to_string(),
        "comment": lineage.comment, "file": lineage.file,
        "job": lineage.job.as_ref().map(|j| json!({
            "id": j.id, "task": j.task, "code": j.code.map(|c| c.to_string()), "status": j.status.to_string(),
        })),
        "missing": lineage.missing,
        "inputs": lineage.inputs.iter().map(lineage_json).collect::<Vec<_>>(),
    })
}

pub(crate) fn lineage(cx: &mut Context<'_>, args: LineageArgs) -> Result<(), BoxError> {
    let scenario = cx.scenario(&args.scenario)?;
    let lineage = scenario.node_lineage(&args.node, args.version)?;
    if cx.json() {
        return cx.print_json(&lineage_json(&lineage));
    }
    write!(cx.out(), "{lineage}")?;
    Ok(())
}

pub(crate) fn compare(cx: &mut Context<'_>, args: CompareArgs) -> Result<(), BoxError> {
    let a = cx.scenario(&args.a)?;
    let b = cx.scenario(&args.b)?;
    let rows = compare_rows(&a, &b)?;
    let compared = comparator_rows(&a, &b);
    if cx.json() {
        let rows: Vec<Value> = rows
            .iter()
            .map(|(node, ta, tb, same)| json!({ "node": node, "a": ta, "b": tb, "same": same }))
            .collect();
        let compared: Vec<Value> = compared
            .iter()
            .map(|row| match &row.outcome {
                Ok(result) => json!({ "node": row.node, "comparator": row.comparator, "result": result }),
                Err(error) => json!({ "node": row.node, "error": error }),
            })
            .collect();
        return cx
            .print_json(&json!({ "a": a.name(), "b": b.name(), "nodes": rows, "comparators": compared }));
    }
    let mut out = Table::new(["NODE", a.name(), b.name(), ""]);
    for (node, ta, tb, same) in rows {
        out.row([node, ta, tb, if same { "same" } else { "differs" }.to_owned()]);
    }
    out.print(cx.out(), "no data nodes")?;
    if !compared.is_empty() {
        writeln!(cx.out())?;
        let mut out = Table::new(["NODE", "COMPARATOR", "RESULT"]);
        for row in compared {
            let result = row.outcome.unwrap_or_else(|error| format!("error: {error}"));
            out.row([row.node, row.comparator, result]);
        }
        out.print(cx.out(), "")?;
    }
    Ok(())
}

/// One comparator's result on two scenarios (`a` then `b`), for `compare` and the web page.
pub(crate) struct ComparatorRow {
    /// The data node that declares it.
    pub(crate) node: String,
    /// Its name (empty when the node's values could not be compared at all).
    pub(crate) comparator: String,
    /// Its result in `Debug` form, or why the node could not be compared.
    pub(crate) outcome: Result<String, String>,
}

/// The results of the nodes' comparators on `a` then `b`, one row each; none for nodes that
/// declare no comparator.
pub(crate) fn comparator_rows(a: &Scenario, b: &Scenario) -> Vec<ComparatorRow> {
    let mut rows = Vec::new();
    for node in a.config().nodes() {
        match crate::compare_scenarios(&[a, b], node.id()) {
            Ok(comparison) => rows.extend(comparison.comparators().map(|name| ComparatorRow {
                node: node.id().to_owned(),
                comparator: name.to_owned(),
                outcome: Ok(comparison.text(name).unwrap_or_default()),
            })),
            Err(crate::CompareError::NoComparator { .. }) => {}
            Err(e) => rows.push(ComparatorRow {
                node: node.id().to_owned(),
                comparator: String::new(),
                outcome: Err(e.to_string()),
            }),
        }
    }
    rows
}

/// Each data node of two scenarios of one config: its name, its value in each (as
/// [`current_value`] shows it) and whether the two versions have the same content.
pub(crate) fn compare_rows(
    a: &Scenario,
    b: &Scenario,
) -> Result<Vec<(String, String, String, bool)>, BoxError> {
    if a.config().id() != b.config().id() {
        return Err(format!(
            "scenarios of different configs cannot be compared: `{}` ({}), `{}` ({})",
            a.name(),
            a.config().id(),
            b.name(),
            b.config().id()
        )
        .into());
    }
    let mut rows = Vec::new();
    for node in a.config().nodes() {
        let (va, ta) = current_value(a, node.id())?;
        let (vb, tb) = current_value(b, node.id())?;
        let same = va.as_ref().map(|v| v.hash) == vb.as_ref().map(|v| v.hash);
        rows.push((node.id().to_owned(), ta, tb, same));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_as_toml_else_as_text() {
        assert_eq!(parse_value("1600"), toml::Value::Integer(1600));
        assert_eq!(parse_value("1.5"), toml::Value::Float(1.5));
        assert_eq!(parse_value("true"), toml::Value::Boolean(true));
        assert_eq!(parse_value("\"x y\""), toml::Value::String("x y".into()));
        assert_eq!(parse_value("mean"), toml::Value::String("mean".into()));
        assert_eq!(parse_value("data/customers.csv"), toml::Value::String("data/customers.csv".into()));
        // One value only: what follows a newline is not a second key.
        assert_eq!(parse_value("1\nother = 2"), toml::Value::String("1\nother = 2".into()));
    }
}
