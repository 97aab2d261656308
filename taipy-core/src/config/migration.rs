//! Typed migrations: a function `fn(Old) -> New` (or `-> Result<New, E>`) converting a node's
//! value when a new config version changes the node's type. Registered with
//! [`migration!`](crate::migration), found at run time by node name and both types, applied
//! when a scenario is opened with the new version (see [`VersionMode`](super::VersionMode)).

use crate::error::{BoxError, TaskError};
use crate::value::{DataValue, StoreCx, Stored, ValueType, layout_mismatch, store_value};

/// Registers a typed migration of a data node's values: `taipy::migration!("node", function)`
/// at module level, where `function` is a `fn(Old) -> New` or `fn(Old) -> Result<New, E>` and
/// both types are [`DataValue`](crate::DataValue)s (checked at compile time).
///
/// When a scenario whose node `node` holds an `Old` value is opened with a config version in
/// which the node holds `New`, the function converts the current value: the result is written
/// as the node's new version, recorded as written by the migration
/// ([`Writer::Migrated`](crate::Writer::Migrated)). A migration that fails (or panics) leaves
/// everything as it was and the open fails naming the node and the error.
///
/// ```
/// fn cents_to_euros(cents: i64) -> f64 {
///     cents as f64 / 100.0
/// }
/// taipy_core::migration!("price", cents_to_euros);
/// # fn main() {}
/// ```
///
/// A function of a type that cannot be stored does not compile:
///
/// ```compile_fail
/// struct Opaque;
/// fn broken(o: Opaque) -> i64 { 0 }
/// taipy_core::migration!("price", broken);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! migration {
    ($node:literal, $function:path $(,)?) => {
        const _: () = {
            // The function is named once, so a mistake in its types is reported once.
            fn call(call: $crate::__private::MigrationCall<'_>) -> $crate::__private::MigrationAnswer {
                $crate::__private::run_migration($function, call)
            }
            $crate::__private::inventory::submit! {
                $crate::__private::MigrationEntry {
                    node: $node,
                    function: ::core::concat!(::core::module_path!(), "::", ::core::stringify!($function)),
                    call,
                }
            }
        };
    };
}

/// A registered migration. Made by [`migration!`](crate::migration); not constructed by hand.
#[doc(hidden)]
pub struct MigrationEntry {
    /// The node it converts, by name.
    pub node: &'static str,
    /// The function's path.
    pub function: &'static str,
    /// The erased function: its types, or a run.
    pub call: fn(MigrationCall<'_>) -> MigrationAnswer,
}

impl MigrationEntry {
    /// The old and new value types.
    pub(crate) fn types(&self) -> (ValueType, ValueType) {
        match (self.call)(MigrationCall::Types) {
            MigrationAnswer::Types(old, new) => (old, new),
            MigrationAnswer::Ran(_) => unreachable!("asked for types"),
        }
    }

    /// Loads an old value, converts it and stores the new one.
    pub(crate) fn run(&self, stored: &Stored, cx: &StoreCx<'_>) -> Result<Stored, TaskError> {
        match (self.call)(MigrationCall::Run(stored, cx)) {
            MigrationAnswer::Ran(result) => result,
            MigrationAnswer::Types(..) => unreachable!("asked for a run"),
        }
    }
}

/// What an erased migration is asked.
#[doc(hidden)]
pub enum MigrationCall<'a> {
    /// Its old and new types.
    Types,
    /// A run on a stored value.
    Run(&'a Stored, &'a StoreCx<'a>),
}

/// What an erased migration answers.
#[doc(hidden)]
pub enum MigrationAnswer {
    /// Its old and new types.
    Types(ValueType, ValueType),
    /// The new value stored, or the failure.
    Ran(Result<Stored, TaskError>),
}

inventory::collect!(MigrationEntry);

/// What a migration returns: the new value, or a `Result` of it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of a migration",
    note = "a migration returns the node's new value (a `DataValue`) or a `Result` of it"
)]
pub trait MigrationOutput {
    /// The new value's type.
    type Value: DataValue;
    /// The new value, or the migration's failure.
    fn into_value(self) -> Result<Self::Value, BoxError>;
}

impl<T: DataValue> MigrationOutput for T {
    type Value = T;
    fn into_value(self) -> Result<T, BoxError> {
        Ok(self)
    }
}

impl<T: DataValue, E: Into<BoxError>> MigrationOutput for Result<T, E> {
    type Value = T;
    fn into_value(self) -> Result<T, BoxError> {
        self.map_err(Into::into)
    }
}

/// Answers a call to the erased migration `function`: its types, or a run that loads the old
/// value as `O` (refusing a value written with another layout of `O`), converts it, catching a
/// panic, and stores the result.
#[doc(hidden)]
pub fn run_migration<O: DataValue, R: MigrationOutput>(
    function: fn(O) -> R,
    call: MigrationCall<'_>,
) -> MigrationAnswer {
    match call {
        MigrationCall::Types => MigrationAnswer::Types(ValueType::of::<O>(), ValueType::of::<R::Value>()),
        MigrationCall::Run(stored, cx) => MigrationAnswer::Ran(run(function, stored, cx)),
    }
}

fn run<O: DataValue, R: MigrationOutput>(
    function: fn(O) -> R,
    stored: &Stored,
    cx: &StoreCx<'_>,
) -> Result<Stored, TaskError> {
    let failed = |e: crate::error::StoreError| TaskError::from_error(Box::new(e));
    if layout_mismatch(stored, O::layout()).is_some() {
        return Err(TaskError::msg(format!(
            "the value was written with another layout of `{}`",
            std::any::type_name::<O>()
        )));
    }
    let old = O::load(stored, cx).map_err(failed)?;
    let new = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| function(old)))
        .map_err(|panic| {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_owned());
            TaskError::msg(format!("panicked: {text}"))
        })?
        .into_value()
        .map_err(TaskError::from_error)?;
    store_value(&new, cx).map_err(failed)
}

/// The registered migration of node `node` from values of type `from` (its name and layout, as
/// the old config version recorded them) to values of type `to`, if any.
pub(crate) fn find_migration(
    node: &str,
    from: (&str, Option<crate::fingerprint::Fingerprint>),
    to: ValueType,
) -> Option<&'static MigrationEntry> {
    inventory::iter::<MigrationEntry>.into_iter().find(|entry| {
        let (old, new) = entry.types();
        entry.node == node
            && old.name() == from.0
            && old.layout().map(|l| l.fingerprint()) == from.1
            && new == to
    })
}
