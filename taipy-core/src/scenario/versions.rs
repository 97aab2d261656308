//! Opening a scenario with another version of its config: what each
//! [`VersionMode`](crate::VersionMode) does.
//!
//! - **development**: the scenario is re-bound to the new version. The value of a node whose
//!   type changed (type name or layout) is converted by a registered migration, if any; else
//!   it is never read as the new type:
//!   - when both types have a layout (serde values), the value stays where it is and the layout
//!     check refuses it on read: a produced node is computed again by the next submit, a
//!     source node must be written (the read error says so);
//!   - otherwise (the same layout under another name, or a type without a layout: frames,
//!     files) the node loses its value: a produced one is computed again, a source one gets its
//!     new default, if it has one, or must be written.
//!
//!   A node whose scope changed is re-created (the scenario's own old instance is deleted once
//!   the record names the new one). Nodes the new version lacks stay in the store
//!   with the scenario, unused.
//! - **experiment**: a scenario stays bound to its version; opening it with another is an
//!   error naming its version.
//! - **production**: as development, but only if nothing would be lost: every retyped source
//!   node holding a value needs a migration, and no node may change scope. Otherwise nothing
//!   changes and the error names every difference and what is missing.
//!
//! Migrations run before anything is written; if one fails, nothing is. The new values, the
//! cleared ones and the re-bound record are then one commit group each (values, then record):
//! a crash between them leaves the scenario bound to its old version with nodes of the new
//! type, which the layout check refuses to read as the old one, and the next open re-binds it.

use crate::config::{ConfigDiff, ConfigShape, NodeShape, ScenarioConfig, VersionMode, find_migration};
use crate::error::{Incompatible, StoreError};
use crate::events::{EntityType, Event, Operation};
use crate::fingerprint::Fingerprint;
use crate::store::{Group, Retype, ScenarioRecord, Store, Writer};

/// The version of `config` scenarios are found by in experiment mode (`None` in other modes).
pub(super) fn experiment_version(store: &Store, config: &ScenarioConfig) -> Option<Fingerprint> {
    match store.options().versions {
        VersionMode::Experiment { .. } => Some(crate::config::version_of(config).0),
        _ => None,
    }
}

/// The name the store gives the config versions it records (experiment mode).
pub(super) fn version_name(store: &Store) -> Option<&str> {
    match &store.options().versions {
        VersionMode::Experiment { name } => name.as_deref(),
        _ => None,
    }
}

/// What binding a scenario to its config's version did.
#[derive(Default)]
pub(super) struct Rebound {
    /// Whether the record changed (and must be saved).
    pub(super) changed: bool,
    /// The scenario's own node instances replaced by new ones (their scope changed): deleted
    /// once the saved record no longer names them.
    pub(super) replaced: Vec<String>,
}

/// Binds `record` to `config`'s version as the store's mode says.
pub(super) fn reconcile(
    store: &Store,
    config: &ScenarioConfig,
    record: &mut ScenarioRecord,
) -> Result<Rebound, StoreError> {
    let (new, shape) = crate::config::version_of(config);
    let Some(old) = record.config_version else {
        // Created before config versions: bound to the config it is opened with.
        return Ok(Rebound { changed: true, replaced: Vec::new() });
    };
    if old == new {
        return Ok(Rebound::default());
    }
    let stored = store.config_shape(&record.config_id, &old)?;
    let label = |fingerprint: Fingerprint, name: Option<&str>| {
        name.map_or_else(|| fingerprint.short(), str::to_owned)
    };
    let created_with = label(old, stored.as_ref().and_then(|s| s.name.as_deref()));
    let given = match store.config_shape(&record.config_id, &new)? {
        Some(known) => label(new, known.name.as_deref()),
        None => label(new, version_name(store)),
    };
    if let VersionMode::Experiment { .. } = store.options().versions {
        return Err(StoreError::ConfigVersionMismatch {
            scenario: record.id.clone(),
            config: record.config_id.clone(),
            created_with,
            given,
        });
    }
    // A version whose record is gone: nothing known to compare, values are still guarded by
    // the layout check when read.
    let old_shape = match stored {
        Some(stored) => stored.shape()?,
        None => shape.clone(),
    };
    let production = store.options().versions == VersionMode::Production;
    // From reading values to staging their migrated versions, garbage collection waits.
    let gate = store.write_gate();
    let plan = plan(store, config, record, &old_shape, shape, production)?;
    if !plan.missing.is_empty() {
        let details = Incompatible {
            config: record.config_id.clone(),
            created_with,
            given,
            missing: plan.missing,
            differences: ConfigDiff::between(&old_shape, shape).to_string(),
        };
        return Err(StoreError::IncompatibleConfig {
            scenario: record.id.clone(),
            details: Box::new(details),
        });
    }
    let mut replaced = Vec::new();
    for node in &plan.recreate {
        if let Some(node_id) = record.nodes.remove(node)
            && store.node_state(&node_id)?.record.owner.as_deref() == Some(record.id.as_str())
        {
            replaced.push(node_id);
        }
    }
    store.stage_retypes(Group::default(), &plan.retypes)?;
    drop(gate);
    store.flush()?;
    Ok(Rebound { changed: true, replaced })
}

/// Deletes the node instances a re-bound scenario replaced, with their versions.
pub(super) fn delete_replaced(store: &Store, replaced: Vec<String>) -> Result<(), StoreError> {
    if replaced.is_empty() {
        return Ok(());
    }
    store.stage_with_node_removal(Group::default(), &replaced)?;
    store.flush()?;
    for node_id in replaced {
        store.emit(Event::new(EntityType::DataNode, node_id, Operation::Deletion));
    }
    Ok(())
}

/// What re-binding a scenario changes, or what it cannot carry over.
struct Plan {
    retypes: Vec<Retype>,
    /// Nodes to re-create (their scope changed).
    recreate: Vec<String>,
    /// What production mode cannot carry over, one line each.
    missing: Vec<String>,
}

/// Decides the fate of every node both versions have whose type or scope changed, and runs
/// the migrations (writing nothing but their artifacts).
fn plan(
    store: &Store,
    config: &ScenarioConfig,
    record: &ScenarioRecord,
    old: &ConfigShape,
    new: &ConfigShape,
    production: bool,
) -> Result<Plan, StoreError> {
    let mut plan = Plan { retypes: Vec::new(), recreate: Vec::new(), missing: Vec::new() };
    for (name, before) in &old.nodes {
        let (Some(after), Some(node_id), Some(node)) =
            (new.nodes.get(name), record.nodes.get(name), config.node(name))
        else {
            continue;
        };
        if before.scope != after.scope {
            if production {
                plan.missing.push(format!(
                    "node `{name}` changed scope from {:?} to {:?}, which no migration can carry over",
                    before.scope, after.scope
                ));
            } else {
                plan.recreate.push(name.clone());
            }
            continue;
        }
        if !before.is_retyped(after) {
            continue;
        }
        let ty = node.value_type();
        let current = store.node_state(node_id)?.current;
        let produced = config.tasks().iter().any(|t| t.output_nodes().iter().any(|o| o == name));
        // Both types have a layout and they differ: reads refuse the old value by themselves.
        let guarded = matches!((before.layout, after.layout), (Some(a), Some(b)) if a != b);
        let value = match (current, find_migration(name, shape_type(before), ty)) {
            (Some(version), Some(migration)) => {
                let stored =
                    migration.run(&version.stored, &store.cx()).map_err(|e| StoreError::MigrationFailed {
                        node: name.clone(),
                        scenario: record.id.clone(),
                        function: migration.function.to_owned(),
                        reason: e.to_string(),
                    })?;
                let writer = Writer::Migrated {
                    function: migration.function.to_owned(),
                    from_version: version.number,
                };
                Some((stored, writer))
            }
            (Some(_), None) if production && !produced => {
                plan.missing.push(format!(
                    "no migration registered for node `{name}` from {} to {}: register one with `taipy::migration!(\"{name}\", function)`",
                    before.type_name,
                    ty.name()
                ));
                continue;
            }
            // Left in place: the producer re-runs, a source must be written (reads say so).
            (Some(_), None) if guarded => continue,
            _ if produced => None,
            _ => node
                .default_value()
                .map(|v| node.store_value(v, &store.cx()))
                .transpose()?
                .map(|s| (s, Writer::Default)),
        };
        plan.retypes.push(Retype { node_id: node_id.clone(), type_name: ty.name().to_owned(), value });
    }
    Ok(plan)
}

fn shape_type(shape: &NodeShape) -> (&str, Option<Fingerprint>) {
    (&shape.type_name, shape.layout)
}
