//! The config fingerprint: equal for two scenario configs that run the same way, whatever built
//! them (`scenario!`, the builder, or a TOML file).

use std::collections::BTreeMap;

use crate::config::ScenarioConfig;
use crate::fingerprint::{Fingerprint, FingerprintBuilder};
use crate::value::{AnyValue, ValueType};

/// Fingerprints a scenario config: its id; each node's id, type, scope and default's content
/// hash; each task's id, code fingerprint (and version), skippability, wiring and types; and
/// the sequences. Nodes and tasks are taken in id order, so declaration order does not matter.
///
/// A default's content hash is the blake3 hash of its TOML form ([`DataValue::to_toml`](crate::DataValue::to_toml)),
/// or, for types without one, the content hash the store would give it.
pub fn config_fingerprint(config: &ScenarioConfig) -> Fingerprint {
    crate::work::count(crate::work::Work::ConfigFingerprints);
    let mut b = FingerprintBuilder::new("taipy.config.v1");
    b.str(config.id());

    let nodes: BTreeMap<&str, _> = config.nodes().iter().map(|n| (n.id(), n)).collect();
    b.u64(nodes.len() as u64);
    for (id, node) in nodes {
        b.str(id).str(node.value_type().name()).str(super::typed::scope_name(node.node_scope()));
        match node.default_value() {
            None => b.u64(0),
            Some(value) => b.u64(1).fingerprint(&default_hash(node.value_type(), value)),
        };
    }

    let tasks: BTreeMap<&str, _> = config.tasks().iter().map(|t| (t.id(), t)).collect();
    b.u64(tasks.len() as u64);
    for (id, task) in tasks {
        b.str(id).fingerprint(&task.fingerprint()).u64(u64::from(task.is_skippable()));
        for (wired, types) in
            [(task.input_nodes(), task.input_types()), (task.output_nodes(), task.output_types())]
        {
            b.u64(wired.len() as u64);
            for node in wired {
                b.str(node);
            }
            b.u64(types.len() as u64);
            for ty in types {
                b.str(ty.name());
            }
        }
    }

    b.u64(config.sequences().len() as u64);
    for (name, tasks) in config.sequences() {
        b.str(name).u64(tasks.len() as u64);
        for task in tasks {
            b.str(task);
        }
    }
    b.finish()
}

fn default_hash(ty: ValueType, value: &AnyValue) -> Fingerprint {
    if let Some(toml) = ty.to_toml(value) {
        return Fingerprint::of_bytes("taipy.config.default.toml.v1", toml.to_string().as_bytes());
    }
    // No TOML form: the content hash the store would give it.
    crate::value::scratch::content_hash(ty, value)
        .unwrap_or_else(|_| Fingerprint::of_bytes("taipy.config.default.opaque.v1", ty.name().as_bytes()))
}
