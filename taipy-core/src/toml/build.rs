//! Stage 5: the scenario sections checked, then built into [`ScenarioConfig`]s.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::Problem;
use super::check::Checked;
use super::names::suggest;
use super::sections::{Document, TaskSection};
use crate::config::{DataNodeConfig, ScenarioConfig};

/// Checks every scenario's references; when the whole config is sound, builds each scenario.
pub(crate) fn scenarios(
    doc: &Document,
    checked: &Checked,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Arc<ScenarioConfig>> {
    let task_ids: Vec<&str> = doc.tasks.iter().map(|t| t.id.as_str()).collect();
    let node_ids: Vec<&str> = doc.nodes.iter().map(|n| n.id.as_str()).collect();
    let tasks_by_id: HashMap<&str, &TaskSection> = doc.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    let declared_nodes: HashSet<&str> = node_ids.iter().copied().collect();
    for scenario in &doc.scenarios {
        let section = format!("SCENARIO.{}", scenario.id);
        let mut seen = HashSet::new();
        for r in &scenario.tasks.value {
            if !tasks_by_id.contains_key(r.id.as_str()) {
                let message = format!(
                    "scenario `{}` names task `{}`, which is not declared{}",
                    scenario.id,
                    r.id,
                    suggest(&r.id, &task_ids, "tasks")
                );
                problems.push(Problem::new(&section, r.line, message));
            } else if !seen.insert(r.id.as_str()) {
                problems.push(Problem::new(
                    &section,
                    r.line,
                    format!("scenario `{}` lists task `{}` twice", scenario.id, r.id),
                ));
            }
        }
        for r in &scenario.additional_nodes.value {
            if !declared_nodes.contains(r.id.as_str()) {
                let message = format!(
                    "scenario `{}` names data node `{}`, which is not declared{}",
                    scenario.id,
                    r.id,
                    suggest(&r.id, &node_ids, "data nodes")
                );
                problems.push(Problem::new(&section, r.line, message));
            } else if !checked.types.contains_key(&r.id) {
                let message = format!(
                    "data node `{}` has no type: no task reads or writes it and it has no typed default \
                     (write one like \"0:int\", \"0.0:float\", \"False:bool\" or a string)",
                    r.id
                );
                problems.push(Problem::new(&section, r.line, message));
            }
        }
        for (name, tasks) in &scenario.sequences {
            for r in tasks {
                if !seen.contains(r.id.as_str()) {
                    let message = format!(
                        "sequence `{}` of scenario `{}` names task `{}`, which is not one of the scenario's tasks",
                        name.value, scenario.id, r.id
                    );
                    problems.push(Problem::new(&section, r.line, message));
                }
            }
        }
    }
    if !problems.is_empty() {
        return BTreeMap::new();
    }

    let mut built = BTreeMap::new();
    for scenario in &doc.scenarios {
        let mut builder = ScenarioConfig::builder(&scenario.id);
        let tasks: Vec<&TaskSection> =
            scenario.tasks.value.iter().filter_map(|r| tasks_by_id.get(r.id.as_str()).copied()).collect();
        let mut used: HashSet<&str> = scenario.additional_nodes.value.iter().map(|r| r.id.as_str()).collect();
        for task in &tasks {
            used.extend(task.inputs.value.iter().chain(&task.outputs.value).map(|r| r.id.as_str()));
        }
        for node in doc.nodes.iter().filter(|n| used.contains(n.id.as_str())) {
            let Some(&ty) = checked.types.get(&node.id) else { continue };
            let default = checked.defaults.get(&node.id).cloned();
            let mut config = DataNodeConfig::erased(node.id.clone(), ty, default).scope(node.scope);
            if let Some(storage) = checked.storages.get(&node.id) {
                config = config.with_storage(storage.clone()).expect("checked");
            }
            builder = builder.node(config);
        }
        for task in &tasks {
            let Some(resolved) = checked.tasks.get(&task.id) else { continue };
            let mut config = checked
                .task_config(resolved.entry, &task.id)
                .inputs(task.inputs.value.iter().map(|r| r.id.clone()))
                .outputs(task.outputs.value.iter().map(|r| r.id.clone()))
                .skippable(task.skippable && resolved.entry.skippable);
            // The file's retries and timeout override the `#[task]` options.
            if let Some(retries) = task.retries {
                config = config.retries(retries);
            }
            if let Some(timeout) = task.timeout {
                config = config.timeout(timeout);
            }
            builder = builder.task(config);
        }
        for (name, tasks) in &scenario.sequences {
            builder = builder.sequence(name.value.clone(), tasks.iter().map(|r| r.id.clone()));
        }
        if let Some(frequency) = scenario.frequency {
            builder = builder.frequency(frequency);
        }
        match builder.build() {
            Ok(config) => {
                built.insert(scenario.id.clone(), config);
            }
            // The checks above should have caught everything; report what they missed.
            Err(error) => {
                for message in error.problems() {
                    let message = format!("scenario `{}`: {message}", scenario.id);
                    problems.push(Problem::new(&section_of(&scenario.id), scenario.line, message));
                }
            }
        }
    }
    built
}

fn section_of(id: &str) -> String {
    format!("SCENARIO.{id}")
}
