//! `scenarios list|show|create|delete|duplicate|tag|primary` and `cycles list`.

use serde_json::{Value, json};

use super::args::ScenariosCommand;
use super::context::Context;
use super::nodes::print_nodes;
use super::table::{self, Table};
use crate::{BoxError, Cycle, Scenario, ScenarioInfo};

pub(crate) fn run(cx: &mut Context<'_>, command: ScenariosCommand) -> Result<(), BoxError> {
    match command {
        ScenariosCommand::List { config_id, tag } => list(cx, config_id.as_deref(), tag.as_deref()),
        ScenariosCommand::Show { scenario } => show(cx, &scenario),
        ScenariosCommand::Create { name, config_id } => {
            let config = cx.config(config_id.as_deref())?;
            let store = cx.store()?.clone();
            let scenario = Scenario::create(&store, &config, &name)?;
            done(cx, &scenario, "created")
        }
        ScenariosCommand::Delete { scenario } => {
            let scenario = cx.scenario_info(&scenario)?;
            cx.store()?.delete_scenario(&scenario.id)?;
            if cx.json() {
                return cx.print_json(&json!({ "deleted": scenario.id, "name": scenario.name }));
            }
            writeln!(cx.out(), "deleted scenario `{}` ({})", scenario.name, scenario.id)?;
            Ok(())
        }
        ScenariosCommand::Duplicate { scenario, name } => {
            let copy = cx.scenario(&scenario)?.duplicate(&name)?;
            done(cx, &copy, "created")
        }
        ScenariosCommand::Tag { scenario, tag, remove } => {
            let scenario = cx.scenario(&scenario)?;
            let changed = if remove { scenario.remove_tag(&tag)? } else { !scenario.has_tag(&tag)? };
            if !remove {
                scenario.add_tag(&tag)?;
            }
            if cx.json() {
                return cx.print_json(
                    &json!({ "id": scenario.id(), "tags": scenario.tags()?, "changed": changed }),
                );
            }
            let verb = match (remove, changed) {
                (false, true) => "tagged",
                (false, false) => "already tagged",
                (true, true) => "removed tag from",
                (true, false) => "no such tag on",
            };
            writeln!(cx.out(), "{verb} scenario `{}`: {tag}", scenario.name())?;
            Ok(())
        }
        ScenariosCommand::Primary { scenario } => {
            let scenario = cx.scenario(&scenario)?;
            if scenario.config().frequency().is_none() {
                return Err(format!(
                    "scenario `{}` has no cycle: its config `{}` has no frequency",
                    scenario.name(),
                    scenario.config().id()
                )
                .into());
            }
            scenario.set_primary()?;
            let cycle = scenario.cycle()?.map(|c| c.name).unwrap_or_default();
            if cx.json() {
                return cx.print_json(&json!({ "id": scenario.id(), "primary_of": cycle }));
            }
            writeln!(
                cx.out(),
                "scenario `{}` is now the primary scenario of cycle {cycle}",
                scenario.name()
            )?;
            Ok(())
        }
    }
}

/// `created scenario `name` (id)`.
fn done(cx: &mut Context<'_>, scenario: &Scenario, verb: &str) -> Result<(), BoxError> {
    if cx.json() {
        return cx.print_json(
            &json!({ "id": scenario.id(), "name": scenario.name(), "config": scenario.config().id() }),
        );
    }
    writeln!(cx.out(), "{verb} scenario `{}` ({})", scenario.name(), scenario.id())?;
    Ok(())
}

/// The cycle of a scenario, with ` (primary)` when it is its primary one.
pub(crate) fn cycle_of(cycles: &[Cycle], info: &ScenarioInfo) -> Option<(String, bool)> {
    cycles
        .iter()
        .find(|c| c.config_id == info.config_id && (c.start_us..c.end_us).contains(&info.created_us))
        .map(|c| (c.name.clone(), c.primary.as_deref() == Some(info.id.as_str())))
}

fn list(cx: &mut Context<'_>, config_id: Option<&str>, tag: Option<&str>) -> Result<(), BoxError> {
    let store = cx.store()?.clone();
    let cycles = store.cycles()?;
    let scenarios: Vec<ScenarioInfo> = store
        .scenarios()?
        .into_iter()
        .filter(|s| config_id.is_none_or(|c| s.config_id == c))
        .filter(|s| tag.is_none_or(|t| s.tags.iter().any(|x| x == t)))
        .collect();
    if cx.json() {
        let rows: Vec<Value> = scenarios
            .iter()
            .map(|s| {
                let cycle = cycle_of(&cycles, s);
                json!({
                    "id": s.id, "name": s.name, "config": s.config_id, "created_us": s.created_us,
                    "tags": s.tags, "cycle": cycle.as_ref().map(|c| &c.0),
                    "primary": cycle.is_some_and(|c| c.1),
                })
            })
            .collect();
        return cx.print_json(&Value::Array(rows));
    }
    let mut out = Table::new(["ID", "NAME", "CONFIG", "CREATED", "CYCLE", "TAGS"]);
    for s in &scenarios {
        let cycle = match cycle_of(&cycles, s) {
            Some((name, true)) => format!("{name} (primary)"),
            Some((name, false)) => name,
            None => "-".into(),
        };
        out.row([
            s.id.clone(),
            s.name.clone(),
            s.config_id.clone(),
            table::time(s.created_us),
            cycle,
            s.tags.join(", "),
        ]);
    }
    out.print(cx.out(), "no scenarios")?;
    Ok(())
}

fn show(cx: &mut Context<'_>, key: &str) -> Result<(), BoxError> {
    let scenario = cx.scenario(key)?;
    let cycle = scenario.cycle()?.map(|c| (c.name, c.primary.as_deref() == Some(scenario.id())));
    let tags = scenario.tags()?;
    let properties = scenario.properties()?;
    let sequences = scenario.sequences()?;
    let config = scenario.config().clone();
    if cx.json() {
        let tasks: Vec<Value> = config
            .tasks()
            .iter()
            .map(|t| json!({ "id": t.id(), "inputs": t.input_nodes(), "outputs": t.output_nodes() }))
            .collect();
        let value = json!({
            "id": scenario.id(), "name": scenario.name(), "config": config.id(),
            "created_us": scenario.created_us(), "tags": tags, "properties": properties,
            "cycle": cycle.as_ref().map(|c| &c.0), "primary": cycle.as_ref().is_some_and(|c| c.1),
            "sequences": sequences, "tasks": tasks, "nodes": super::nodes::nodes_json(&scenario)?,
        });
        return cx.print_json(&value);
    }
    let out = cx.out();
    writeln!(out, "scenario   {}", scenario.name())?;
    writeln!(out, "id         {}", scenario.id())?;
    writeln!(out, "config     {}", config.id())?;
    writeln!(out, "created    {}", table::time(scenario.created_us()))?;
    if let Some((name, primary)) = &cycle {
        writeln!(out, "cycle      {name}{}", if *primary { " (primary)" } else { "" })?;
    }
    if !tags.is_empty() {
        writeln!(out, "tags       {}", tags.join(", "))?;
    }
    for (key, value) in &properties {
        writeln!(out, "property   {key} = {value}")?;
    }
    for (name, tasks) in &sequences {
        writeln!(out, "sequence   {name}: {}", tasks.join(", "))?;
    }
    writeln!(out)?;
    let mut tasks = Table::new(["TASK", "INPUTS", "OUTPUTS"]);
    for task in config.tasks() {
        tasks.row([task.id().to_owned(), task.input_nodes().join(", "), task.output_nodes().join(", ")]);
    }
    tasks.print(out, "no tasks")?;
    writeln!(out)?;
    print_nodes(&scenario, out)
}

pub(crate) fn cycles(cx: &mut Context<'_>) -> Result<(), BoxError> {
    let store = cx.store()?.clone();
    let cycles = store.cycles()?;
    let mut rows = Vec::new();
    for cycle in &cycles {
        let members = store.scenarios_of_cycle(&cycle.id)?;
        let primary = members.iter().find(|s| Some(&s.id) == cycle.primary.as_ref()).map(|s| s.name.clone());
        rows.push((cycle, members.len(), primary));
    }
    if cx.json() {
        let rows: Vec<Value> = rows
            .iter()
            .map(|(c, n, primary)| {
                json!({
                    "id": c.id, "config": c.config_id, "frequency": c.frequency.name(), "name": c.name,
                    "start_us": c.start_us, "end_us": c.end_us, "primary": c.primary,
                    "primary_name": primary, "scenarios": n,
                })
            })
            .collect();
        return cx.print_json(&Value::Array(rows));
    }
    let mut out = Table::new(["ID", "CONFIG", "FREQUENCY", "PERIOD", "SCENARIOS", "PRIMARY"]);
    for (c, n, primary) in rows {
        out.row([
            c.id.clone(),
            c.config_id.clone(),
            c.frequency.name().to_owned(),
            c.name.clone(),
            n.to_string(),
            primary.unwrap_or_else(|| "-".into()),
        ]);
    }
    out.print(cx.out(), "no cycles")?;
    Ok(())
}
