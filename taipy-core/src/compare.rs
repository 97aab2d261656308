//! Comparing scenarios: the comparators declared on a data node
//! ([`DataNodeConfig::comparator`](crate::DataNodeConfig::comparator)) applied to that node's
//! current values in several scenarios of one config.

use std::any::Any;
use std::collections::BTreeMap;

use crate::error::StoreError;
use crate::node::read_erased;
use crate::scenario::Scenario;
use crate::value::AnyValue;

/// Errors of [`compare_scenarios`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompareError {
    /// Fewer than two scenarios were given.
    #[error("comparing needs at least two scenarios, got {count}")]
    TooFewScenarios {
        /// How many were given.
        count: usize,
    },
    /// The scenarios come from different configs.
    #[error("scenarios of different configs cannot be compared: {}", configs.join(", "))]
    DifferentConfigs {
        /// Each scenario's `name (config)`.
        configs: Vec<String>,
    },
    /// The config has no such data node.
    #[error("scenario config `{config}` has no data node `{node}`; declared nodes: {declared}")]
    UnknownNode {
        /// The config.
        config: String,
        /// The unknown node.
        node: String,
        /// The declared nodes.
        declared: String,
    },
    /// The node has no comparator.
    #[error("data node `{node}` of config `{config}` declares no comparator")]
    NoComparator {
        /// The config.
        config: String,
        /// The node.
        node: String,
    },
    /// Reading a value failed (or a scenario never wrote the node).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The results of comparing one data node across scenarios: one per comparator.
#[derive(Clone)]
pub struct Comparison {
    /// The compared node.
    pub node: String,
    /// The names of the compared scenarios, in order.
    pub scenarios: Vec<String>,
    results: BTreeMap<String, (AnyValue, crate::config::ShowFn)>,
}

impl Comparison {
    /// The result of the comparator `name`, if it exists and returned an `R`.
    pub fn get<R: Any>(&self, name: &str) -> Option<&R> {
        self.results.get(name)?.0.downcast_ref::<R>()
    }

    /// The result of the comparator `name` in its `Debug` form, if the comparator exists.
    pub fn text(&self, name: &str) -> Option<String> {
        let (result, show) = self.results.get(name)?;
        Some(show(result))
    }

    /// The comparators' names.
    pub fn comparators(&self) -> impl Iterator<Item = &str> {
        self.results.keys().map(String::as_str)
    }
}

impl std::fmt::Debug for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Comparison")
            .field("node", &self.node)
            .field("scenarios", &self.scenarios)
            .field("comparators", &self.results.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Applies the comparators of data node `node` to its current values in `scenarios` (at least
/// two, all of one config), in the order given.
pub fn compare_scenarios(scenarios: &[&Scenario], node: &str) -> Result<Comparison, CompareError> {
    let [first, ..] = scenarios else { return Err(CompareError::TooFewScenarios { count: 0 }) };
    if scenarios.len() < 2 {
        return Err(CompareError::TooFewScenarios { count: scenarios.len() });
    }
    let config = first.config();
    if scenarios.iter().any(|s| s.config().id() != config.id()) {
        let configs = scenarios.iter().map(|s| format!("{} ({})", s.name(), s.config().id())).collect();
        return Err(CompareError::DifferentConfigs { configs });
    }
    let node_config = config.node(node).ok_or_else(|| CompareError::UnknownNode {
        config: config.id().to_owned(),
        node: node.to_owned(),
        declared: config.node_names(),
    })?;
    if node_config.comparators().is_empty() {
        return Err(CompareError::NoComparator { config: config.id().to_owned(), node: node.to_owned() });
    }
    let mut values = Vec::with_capacity(scenarios.len());
    for scenario in scenarios {
        let read = read_erased(scenario.store(), scenario.node_id(node), node_config)?;
        let (_, value) = read.ok_or_else(|| StoreError::NeverWritten {
            node: node.to_owned(),
            scenario: scenario.name().to_owned(),
        })?;
        values.push(value);
    }
    let results =
        node_config.comparators().iter().map(|c| (c.name.clone(), ((c.compare)(&values), c.show))).collect();
    Ok(Comparison {
        node: node.to_owned(),
        scenarios: scenarios.iter().map(|s| s.name().to_owned()).collect(),
        results,
    })
}
