//! Data node declarations: a node's id, value type, default, scope, validity and comparators.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::storage::{Location, Storage};
use crate::value::{AnyValue, DataValue, Holds, StoreCx, Stored, ValueType, kind::Kind};

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
    storage: Storage,
}

/// A type-erased comparison: values of several scenarios in, a result out.
pub(crate) type CompareFn = Arc<dyn Fn(&[AnyValue]) -> AnyValue + Send + Sync>;

/// A comparator's result in text: its `Debug` form.
pub(crate) type ShowFn = fn(&AnyValue) -> String;

/// A type-erased comparator: its name, the value type it reads, and the function.
#[derive(Clone)]
pub(crate) struct Comparator {
    pub(crate) name: String,
    pub(crate) value_type: ValueType,
    pub(crate) compare: CompareFn,
    /// The result's `Debug` form.
    pub(crate) show: ShowFn,
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
            storage: Storage::in_store(),
        }
    }

    /// A node holding values of type `T` at a user-visible location: a task writing it writes
    /// the file (atomically), and reading it reads the file back. `T` must be a type the
    /// location's kind can hold (checked at compile time, see [`Holds`]).
    ///
    /// ```
    /// use taipy_core::prelude::*;
    /// use taipy_core::Location;
    ///
    /// #[derive(serde::Serialize, serde::Deserialize)]
    /// struct Row { name: String, score: f64 }
    ///
    /// let node = DataNodeConfig::stored_at::<Vec<Row>, _>("scores", Location::csv("out/scores.csv"));
    /// assert_eq!(node.storage().kind(), taipy_core::StorageKind::Csv);
    /// ```
    ///
    /// A kind that cannot hold the type does not compile:
    ///
    /// ```compile_fail
    /// use taipy_core::prelude::*;
    /// let node = DataNodeConfig::stored_at::<i64, _>("n", taipy_core::Location::csv("n.csv"));
    /// ```
    pub fn stored_at<T: DataValue + Holds<K>, K: Kind>(id: impl Into<String>, location: Location<K>) -> Self {
        Self { storage: location.storage, ..Self::new::<T>(id) }
    }

    /// Keeps the node's values in this process only ([`Storage::in_memory`]): never persisted,
    /// so never skipped across processes.
    pub fn in_memory(mut self) -> Self {
        self.storage = Storage::in_memory();
        self
    }

    /// Sets the node's storage without a compile-time check (what TOML configs and `scenario!`
    /// build after their own checks); a kind that cannot hold the type is an error.
    pub fn with_storage(mut self, storage: Storage) -> Result<Self, String> {
        storage.check_type(self.value_type)?;
        self.storage = storage;
        Ok(self)
    }

    /// The node's storage.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Whether the node's value is watched for changes outside the store (files, in_memory).
    pub(crate) fn is_watched(&self) -> bool {
        self.storage.is_watched(self.value_type)
    }

    /// Writes a value where the node's storage keeps it, with the type's layout for the store.
    pub(crate) fn store_value(&self, value: &AnyValue, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        self.storage.store(self.value_type, value, cx)
    }

    /// Appends a value's rows where the node's storage keeps it (kinds with an append).
    pub(crate) fn append_value(&self, value: &AnyValue, cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        self.storage.append(self.value_type, value, cx)
    }

    /// Reads a value written by [`store_value`](Self::store_value).
    pub(crate) fn load_value(&self, stored: &Stored, cx: &StoreCx<'_>) -> Result<AnyValue, StoreError> {
        self.storage.load(self.value_type, stored, cx)
    }

    /// The content hash of a watched value as it is now.
    pub(crate) fn refresh(&self, stored: &Stored, cx: &StoreCx<'_>) -> Result<Fingerprint, StoreError> {
        self.storage.refresh(self.value_type, stored, cx)
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
            storage: Storage::in_store(),
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
    /// config is built). The result's `Debug` form is how the command line and the web page
    /// show it ([`Comparison::text`](crate::Comparison::text)).
    pub fn comparator<T: DataValue, R: std::fmt::Debug + Send + Sync + 'static>(
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
            show: |result| match result.downcast_ref::<R>() {
                Some(result) => format!("{result:?}"),
                None => String::from("(a result of another type)"),
            },
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
            .field("storage", &self.storage.kind())
            .field("validity", &self.validity)
            .field("comparators", &self.comparators.iter().map(|c| c.name.as_str()).collect::<Vec<_>>())
            .finish()
    }
}
