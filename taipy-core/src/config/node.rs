//! Data node declarations: a node's id, value type, default, scope, validity and comparators.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::value::{AnyValue, DataValue, ValueType};

/// Who shares a data node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Each scenario has its own node (the default).
    #[default]
    Scenario,
    /// Shared by the scenarios of one cycle.
    Cycle,
    /// Shared by every scenario of the config.
    Global,
}

/// A data node's static description: id, value type, default value and scope.
#[derive(Clone)]
pub struct DataNodeConfig {
    id: String,
    value_type: ValueType,
    default: Option<AnyValue>,
    scope: Scope,
    validity: Option<Duration>,
    comparators: Vec<Comparator>,
}

/// A type-erased comparison: values of several scenarios in, a result out.
pub(crate) type CompareFn = Arc<dyn Fn(&[AnyValue]) -> AnyValue + Send + Sync>;

/// A type-erased comparator: its name, the value type it reads, and the function.
#[derive(Clone)]
pub(crate) struct Comparator {
    pub(crate) name: String,
    pub(crate) value_type: ValueType,
    pub(crate) compare: CompareFn,
}

impl DataNodeConfig {
    /// A node holding values of type `T`, with no default.
    pub fn new<T: DataValue>(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            value_type: ValueType::of::<T>(),
            default: None,
            scope: Scope::Scenario,
            validity: None,
            comparators: Vec::new(),
        }
    }

    /// A node holding values of type `T`, written with `default` when a scenario is created.
    pub fn with_default<T: DataValue>(id: impl Into<String>, default: T) -> Self {
        Self { default: Some(Arc::new(default)), ..Self::new::<T>(id) }
    }

    /// A node of an already erased type, with an erased default (what TOML configs build).
    pub(crate) fn erased(id: impl Into<String>, value_type: ValueType, default: Option<AnyValue>) -> Self {
        Self {
            id: id.into(),
            value_type,
            default,
            scope: Scope::Scenario,
            validity: None,
            comparators: Vec::new(),
        }
    }

    /// Sets the node's scope.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Sets the node's validity period: a value at least this old is stale (with a zero period,
    /// always), and the tasks reading it run again (reason [`Reason::Stale`](crate::Reason::Stale))
    /// instead of reusing results, until the node is written again.
    pub fn validity_period(mut self, period: Duration) -> Self {
        self.validity = Some(period);
        self
    }

    /// Adds a comparator named `name`: [`compare_scenarios`](crate::compare_scenarios) calls
    /// it with the node's values in several scenarios (in the order given) and keeps its result,
    /// e.g. the differences of two tables. `T` must be the node's value type (checked when the
    /// config is built).
    pub fn comparator<T: DataValue, R: Send + Sync + 'static>(
        mut self,
        name: impl Into<String>,
        compare: impl Fn(&[&T]) -> R + Send + Sync + 'static,
    ) -> Self {
        let erased = move |values: &[AnyValue]| -> AnyValue {
            let typed: Vec<&T> = values
                .iter()
                .map(|v| v.downcast_ref::<T>().expect("checked when the config was built"))
                .collect();
            Arc::new(compare(&typed))
        };
        self.comparators.push(Comparator {
            name: name.into(),
            value_type: ValueType::of::<T>(),
            compare: Arc::new(erased),
        });
        self
    }

    pub(crate) fn comparators(&self) -> &[Comparator] {
        &self.comparators
    }

    /// The node's validity period, if it has one.
    pub fn validity(&self) -> Option<Duration> {
        self.validity
    }

    /// Whether a value of this node written at `written_us` is stale at `now_us`: at least as
    /// old as the validity period (no period: never). The one staleness formula.
    pub(crate) fn is_stale(&self, written_us: u64, now_us: u64) -> bool {
        self.validity.is_some_and(|v| u128::from(now_us.saturating_sub(written_us)) >= v.as_micros())
    }

    /// The node's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The type of its values.
    pub fn value_type(&self) -> ValueType {
        self.value_type
    }

    /// The node's scope.
    pub fn node_scope(&self) -> Scope {
        self.scope
    }

    /// Whether the node has a default value.
    pub fn has_default(&self) -> bool {
        self.default.is_some()
    }

    pub(crate) fn default_value(&self) -> Option<&AnyValue> {
        self.default.as_ref()
    }
}

impl std::fmt::Debug for DataNodeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataNodeConfig")
            .field("id", &self.id)
            .field("type", &self.value_type)
            .field("default", &self.default.is_some())
            .field("scope", &self.scope)
            .field("validity", &self.validity)
            .field("comparators", &self.comparators.iter().map(|c| c.name.as_str()).collect::<Vec<_>>())
            .finish()
    }
}
