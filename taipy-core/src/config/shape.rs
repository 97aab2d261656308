//! A config's structure as a config version records it ([`ConfigShape`]), and the differences
//! between two versions ([`ConfigDiff`]), one line each.
//!
//! The shape keeps what decides whether stored data still fits: each node's type name, type
//! layout, scope, validity and default (by hash); each task's wiring and code fingerprint. It is
//! stored with the version, so a diff against an old version needs no old code.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{ScenarioConfig, Scope};
use crate::fingerprint::{Fingerprint, FingerprintBuilder};
use crate::value::{AnyValue, ValueType};

/// The structure of one config version: nodes and tasks by id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigShape {
    /// The config's id.
    pub id: String,
    /// The data nodes, by id.
    pub nodes: BTreeMap<String, NodeShape>,
    /// The tasks, by id.
    pub tasks: BTreeMap<String, TaskShape>,
}

/// A data node as a config version records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeShape {
    /// The Rust type's name.
    pub type_name: String,
    /// The fingerprint of the type's layout, if it has one.
    pub layout: Option<Fingerprint>,
    /// Who shares the node.
    pub scope: Scope,
    /// Its validity period, if any.
    pub validity: Option<Duration>,
    /// A hash of its default value, if it has one.
    pub default: Option<Fingerprint>,
}

impl NodeShape {
    /// Whether values of `self` are not values of `other`: another type name or layout.
    pub fn is_retyped(&self, other: &NodeShape) -> bool {
        self.type_name != other.type_name || self.layout != other.layout
    }
}

/// A task as a config version records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskShape {
    /// Its input nodes, in order.
    pub inputs: Vec<String>,
    /// Its output nodes, in order.
    pub outputs: Vec<String>,
    /// Its code fingerprint (with its version salt).
    pub code: Fingerprint,
}

impl ScenarioConfig {
    /// The config's structure, as a config version records it.
    pub fn shape(&self) -> ConfigShape {
        let node = |n: &super::DataNodeConfig| NodeShape {
            type_name: n.value_type().name().to_owned(),
            layout: n.value_type().layout().map(|l| l.fingerprint()),
            scope: n.node_scope(),
            validity: n.validity(),
            default: n.default_value().map(|v| default_hash(n.value_type(), v)),
        };
        let task = |t: &super::TaskConfig| TaskShape {
            inputs: t.input_nodes().to_vec(),
            outputs: t.output_nodes().to_vec(),
            code: t.fingerprint(),
        };
        ConfigShape {
            id: self.id().to_owned(),
            nodes: self.nodes().iter().map(|n| (n.id().to_owned(), node(n))).collect(),
            tasks: self.tasks().iter().map(|t| (t.id().to_owned(), task(t))).collect(),
        }
    }

    /// What changed from config `old` to this one, one [`Difference`] per change.
    ///
    /// ```
    /// # use taipy_core::prelude::*;
    /// let old = ScenarioConfig::builder("c").node(DataNodeConfig::with_default("x", 1i64)).build()?;
    /// let new = ScenarioConfig::builder("c").node(DataNodeConfig::with_default("x", 1.5f64)).build()?;
    /// assert_eq!(new.diff_from(&old).to_string(), "node `x` retyped: i64 → f64");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn diff_from(&self, old: &ScenarioConfig) -> ConfigDiff {
        ConfigDiff::between(&old.shape(), &self.shape())
    }
}

/// A hash of a default value: of its TOML form, or of what the store would keep for it.
fn default_hash(ty: ValueType, value: &AnyValue) -> Fingerprint {
    let mut b = FingerprintBuilder::new("taipy.config.shape.default.v1");
    match ty.to_toml(value) {
        Some(toml) => b.str(&toml.to_string()),
        None => match crate::value::scratch::content_hash(ty, value) {
            Ok(hash) => b.fingerprint(&hash),
            Err(_) => b.str(ty.name()),
        },
    };
    b.finish()
}

/// One difference between two config versions.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Difference {
    /// A node only the new version has.
    NodeAdded {
        /// The node.
        node: String,
        /// Its type.
        type_name: String,
    },
    /// A node only the old version has.
    NodeRemoved {
        /// The node.
        node: String,
        /// Its type.
        type_name: String,
    },
    /// A node whose type name or layout changed: old values are not values of the new type.
    NodeRetyped {
        /// The node.
        node: String,
        /// The old type.
        from: String,
        /// The new type.
        to: String,
    },
    /// A node whose scope changed.
    ScopeChanged {
        /// The node.
        node: String,
        /// The old scope.
        from: Scope,
        /// The new scope.
        to: Scope,
    },
    /// A node whose validity period changed.
    ValidityChanged {
        /// The node.
        node: String,
        /// The old period.
        from: Option<Duration>,
        /// The new period.
        to: Option<Duration>,
    },
    /// A node (of the same type) whose default value changed.
    DefaultChanged {
        /// The node.
        node: String,
    },
    /// A task only the new version has.
    TaskAdded {
        /// The task.
        task: String,
    },
    /// A task only the old version has.
    TaskRemoved {
        /// The task.
        task: String,
    },
    /// A task whose code fingerprint changed.
    CodeChanged {
        /// The task.
        task: String,
    },
    /// A task whose input nodes changed.
    InputsChanged {
        /// The task.
        task: String,
        /// The old inputs.
        from: Vec<String>,
        /// The new inputs.
        to: Vec<String>,
    },
    /// A task whose output nodes changed.
    OutputsChanged {
        /// The task.
        task: String,
        /// The old outputs.
        from: Vec<String>,
        /// The new outputs.
        to: Vec<String>,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let period = |p: &Option<Duration>| p.map_or_else(|| "none".to_owned(), |d| format!("{d:?}"));
        match self {
            Self::NodeAdded { node, type_name } => write!(f, "node `{node}` added ({type_name})"),
            Self::NodeRemoved { node, type_name } => write!(f, "node `{node}` removed ({type_name})"),
            Self::NodeRetyped { node, from, to } if from == to => {
                write!(f, "node `{node}` retyped: the layout of {from} changed")
            }
            Self::NodeRetyped { node, from, to } => write!(f, "node `{node}` retyped: {from} → {to}"),
            Self::ScopeChanged { node, from, to } => {
                write!(f, "node `{node}`: scope changed from {from:?} to {to:?}")
            }
            Self::ValidityChanged { node, from, to } => {
                write!(f, "node `{node}`: validity changed from {} to {}", period(from), period(to))
            }
            Self::DefaultChanged { node } => write!(f, "node `{node}`: default changed"),
            Self::TaskAdded { task } => write!(f, "task `{task}` added"),
            Self::TaskRemoved { task } => write!(f, "task `{task}` removed"),
            Self::CodeChanged { task } => write!(f, "task `{task}`: code changed"),
            Self::InputsChanged { task, from, to } => {
                write!(f, "task `{task}`: inputs changed from ({}) to ({})", from.join(", "), to.join(", "))
            }
            Self::OutputsChanged { task, from, to } => {
                write!(f, "task `{task}`: outputs changed from ({}) to ({})", from.join(", "), to.join(", "))
            }
        }
    }
}

/// Every difference between two config versions: nodes first, then tasks, each by id.
/// Displayed one line per difference ("no difference" when there is none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigDiff {
    differences: Vec<Difference>,
}

impl ConfigDiff {
    /// The differences from `old` to `new`.
    pub fn between(old: &ConfigShape, new: &ConfigShape) -> Self {
        let mut out = Vec::new();
        for (node, shape) in union(&old.nodes, &new.nodes) {
            node_differences(node, shape, &mut out);
        }
        for (task, shape) in union(&old.tasks, &new.tasks) {
            let task = task.to_owned();
            match shape {
                (None, _) => out.push(Difference::TaskAdded { task }),
                (_, None) => out.push(Difference::TaskRemoved { task }),
                (Some(a), Some(b)) => {
                    if a.code != b.code {
                        out.push(Difference::CodeChanged { task: task.clone() });
                    }
                    if a.inputs != b.inputs {
                        let (from, to) = (a.inputs.clone(), b.inputs.clone());
                        out.push(Difference::InputsChanged { task: task.clone(), from, to });
                    }
                    if a.outputs != b.outputs {
                        let (from, to) = (a.outputs.clone(), b.outputs.clone());
                        out.push(Difference::OutputsChanged { task, from, to });
                    }
                }
            }
        }
        Self { differences: out }
    }

    /// The differences, in display order.
    pub fn differences(&self) -> &[Difference] {
        &self.differences
    }

    /// Whether the versions have the same structure.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }
}

impl fmt::Display for ConfigDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.differences.is_empty() {
            return f.write_str("no difference");
        }
        for (i, difference) in self.differences.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{difference}")?;
        }
        Ok(())
    }
}

/// The keys of both maps in order, with the value each has.
fn union<'a, V>(
    old: &'a BTreeMap<String, V>,
    new: &'a BTreeMap<String, V>,
) -> BTreeMap<&'a str, (Option<&'a V>, Option<&'a V>)> {
    let mut out: BTreeMap<&str, (Option<&V>, Option<&V>)> = BTreeMap::new();
    for (k, v) in old {
        out.entry(k).or_default().0 = Some(v);
    }
    for (k, v) in new {
        out.entry(k).or_default().1 = Some(v);
    }
    out
}

fn node_differences(node: &str, shapes: (Option<&NodeShape>, Option<&NodeShape>), out: &mut Vec<Difference>) {
    let node = node.to_owned();
    let (a, b) = match shapes {
        (None, Some(b)) => return out.push(Difference::NodeAdded { node, type_name: b.type_name.clone() }),
        (Some(a), None) => return out.push(Difference::NodeRemoved { node, type_name: a.type_name.clone() }),
        (Some(a), Some(b)) => (a, b),
        (None, None) => return,
    };
    let retyped = a.is_retyped(b);
    if retyped {
        let (from, to) = (a.type_name.clone(), b.type_name.clone());
        out.push(Difference::NodeRetyped { node: node.clone(), from, to });
    }
    if a.scope != b.scope {
        out.push(Difference::ScopeChanged { node: node.clone(), from: a.scope, to: b.scope });
    }
    if a.validity != b.validity {
        out.push(Difference::ValidityChanged { node: node.clone(), from: a.validity, to: b.validity });
    }
    // A retyped node's default is of another type: that it differs says nothing more.
    if !retyped && a.default != b.default {
        out.push(Difference::DefaultChanged { node });
    }
}
