//! The traits and helpers `#[task]` and `scenario!` expand to. Reached only through
//! `__private`; not a public API.
//!
//! Traits dispatch, macros name: `#[task]` implements [`TaskDescriptor`] for a hidden type
//! named after the function, and `scenario!` reads node types off it with [`OutputOf`].

use std::sync::{Arc, OnceLock};

use crate::config::ScenarioConfig;
use crate::error::StoreError;
use crate::error::TaskError;
use crate::registry::{self, ScenarioEntry, TaskEntry};
use crate::task::TaskOutput;
use crate::value::{AnyValue, DataValue, StoreCx, Stored};

/// What `#[task]` generates for a function: implemented on a hidden type with the function's
/// name, so `scenario!` can name it by the path of the function.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `#[task]` function",
    label = "not a task",
    note = "annotate the function with `#[task]` so that `scenario!` can wire it"
)]
pub trait TaskDescriptor: 'static {
    /// The stored types of the inputs, as a tuple (`&T` parameters read a `T` node).
    type Inputs;
    /// The function's return type.
    type Output;
    /// The registry entry: id, fingerprint, types and runner.
    const ENTRY: TaskEntry;
}

/// The output values of a task's return type, as a tuple, at the type level.
pub trait OutputValues {
    /// `(T,)` for one value, `(A, B)` for a tuple, `()` for none.
    type Values;
}

impl<T: DataValue> OutputValues for T {
    type Values = (T,);
}

impl OutputValues for () {
    type Values = ();
}

impl<T: OutputValues, E> OutputValues for Result<T, E> {
    type Values = T::Values;
}

/// Element `I` of a tuple type.
#[diagnostic::on_unimplemented(
    message = "the task has no output number {I} (counting from 0)",
    label = "the task does not return that many values"
)]
pub trait Nth<const I: usize> {
    /// The element's type.
    type Out;
}

/// Tuples of exactly `N` elements.
#[diagnostic::on_unimplemented(
    message = "the task does not return {N} values",
    label = "this line names {N} output nodes for the task",
    note = "the task returns `{Self}`; name one node per returned value"
)]
pub trait Arity<const N: usize> {}

macro_rules! tuples {
    ($n:literal: $($T:ident),*) => {
        impl<$($T: DataValue),*> OutputValues for ($($T,)*) {
            type Values = ($($T,)*);
        }
        impl<$($T),*> Arity<$n> for ($($T,)*) {}
    };
}

impl Arity<0> for () {}
impl<A> Arity<1> for (A,) {}
tuples!(2: A, B);
tuples!(3: A, B, C);
tuples!(4: A, B, C, D);
tuples!(5: A, B, C, D, E);
tuples!(6: A, B, C, D, E, F);

/// Stands for an output a task does not have, so that a pattern naming too many outputs is
/// reported once (by [`Arity`]) rather than at every use of the missing node's type.
#[doc(hidden)]
#[derive(Debug)]
pub enum NoSuchOutput {}

impl DataValue for NoSuchOutput {
    fn store(&self, _cx: &StoreCx<'_>) -> Result<Stored, StoreError> {
        match *self {}
    }
    fn load(_stored: &Stored, _cx: &StoreCx<'_>) -> Result<Self, StoreError> {
        Err(StoreError::Decode { type_name: "NoSuchOutput", reason: "a task has no such output".into() })
    }
}

/// Element `I` of the tuple types of up to 6 elements ([`NoSuchOutput`] past the end).
macro_rules! nth {
    ($gens:tt $tuple:ty: $($i:literal => $T:ty),*) => {
        $(nth!(@one $gens $tuple, $i, $T);)*
    };
    (@one [$($G:ident),*] $tuple:ty, $i:literal, $T:ty) => {
        impl<$($G),*> Nth<$i> for $tuple {
            type Out = $T;
        }
    };
}

nth!([] (): 0 => NoSuchOutput, 1 => NoSuchOutput, 2 => NoSuchOutput, 3 => NoSuchOutput, 4 => NoSuchOutput, 5 => NoSuchOutput);
nth!([A] (A,): 0 => A, 1 => NoSuchOutput, 2 => NoSuchOutput, 3 => NoSuchOutput, 4 => NoSuchOutput, 5 => NoSuchOutput);
nth!([A, B] (A, B,): 0 => A, 1 => B, 2 => NoSuchOutput, 3 => NoSuchOutput, 4 => NoSuchOutput, 5 => NoSuchOutput);
nth!([A, B, C] (A, B, C,): 0 => A, 1 => B, 2 => C, 3 => NoSuchOutput, 4 => NoSuchOutput, 5 => NoSuchOutput);
nth!([A, B, C, D] (A, B, C, D,): 0 => A, 1 => B, 2 => C, 3 => D, 4 => NoSuchOutput, 5 => NoSuchOutput);
nth!([A, B, C, D, E] (A, B, C, D, E,): 0 => A, 1 => B, 2 => C, 3 => D, 4 => E, 5 => NoSuchOutput);
nth!([A, B, C, D, E, F] (A, B, C, D, E, F,): 0 => A, 1 => B, 2 => C, 3 => D, 4 => E, 5 => F);

/// The type of output `I` of task `T`: the type of the node it writes.
pub type OutputOf<T, const I: usize> =
    <<<T as TaskDescriptor>::Output as OutputValues>::Values as Nth<I>>::Out;

/// Checks that task `T` returns `N` values (the outputs a scenario line names).
pub fn check_outputs<T: TaskDescriptor, const N: usize>()
where
    T::Output: OutputValues,
    <T::Output as OutputValues>::Values: Arity<N>,
{
}

/// Input `i` of an erased task call, downcast to the parameter's stored type.
pub fn input<T: 'static>(inputs: &[AnyValue], i: usize) -> Result<&T, TaskError> {
    inputs
        .get(i)
        .and_then(|v| v.downcast_ref::<T>())
        .ok_or_else(|| TaskError::msg(format!("input {i} is not a `{}`", std::any::type_name::<T>())))
}

/// A value of any type, for type checks that are never run.
pub fn placeholder<T>() -> T {
    unreachable!("taipy type checks are never executed")
}

/// What `#[derive(DataValue)]` needs of a struct with several fields or an enum: serde's
/// traits, to store it as postcard bytes. The derive's impl calls these methods under a
/// `Self: SerdeValue` bound, so a type without serde's derives gets this trait's one message
/// (serde's traits are bounds of the blanket impl, not supertraits, for that reason).
#[diagnostic::on_unimplemented(
    message = "`#[derive(DataValue)]` stores `{Self}` with serde, but `{Self}` does not derive serde's `Serialize` and `Deserialize`",
    label = "add `#[derive(serde::Serialize, serde::Deserialize)]` to `{Self}`",
    note = "a struct with several fields or an enum is stored as serde's bytes; a one-field struct is stored as its field"
)]
pub trait SerdeValue: Sized {
    /// [`encode_serde`](crate::value::encode_serde).
    fn encode(&self) -> Result<Stored, StoreError>;
    /// [`decode_serde`](crate::value::decode_serde).
    fn decode(stored: &Stored) -> Result<Self, StoreError>;
    /// [`Layout::of_serde`](crate::Layout::of_serde).
    fn layout() -> Option<crate::Layout>;
    /// [`from_toml`](crate::toml::from_toml).
    fn from_toml(value: &::toml::Value) -> Result<Self, String>;
    /// [`to_toml`](crate::toml::to_toml).
    fn to_toml(&self) -> Option<::toml::Value>;
    /// JSON or binary ([`write_serde`](crate::value::write_serde)).
    fn write_file(&self, spec: &crate::FileSpec<'_>) -> Result<(), String>;
    /// JSON or binary ([`read_serde`](crate::value::read_serde)).
    fn read_file(spec: &crate::FileSpec<'_>) -> Result<Self, String>;
}

impl<T: serde::Serialize + serde::de::DeserializeOwned + 'static> SerdeValue for T {
    fn encode(&self) -> Result<Stored, StoreError> {
        crate::value::encode_serde(self)
    }
    fn decode(stored: &Stored) -> Result<Self, StoreError> {
        crate::value::decode_serde(stored)
    }
    fn layout() -> Option<crate::Layout> {
        crate::Layout::of_serde::<T>()
    }
    fn from_toml(value: &::toml::Value) -> Result<Self, String> {
        crate::value::from_toml(value)
    }
    fn write_file(&self, spec: &crate::FileSpec<'_>) -> Result<(), String> {
        crate::value::write_serde(self, spec)
    }
    fn read_file(spec: &crate::FileSpec<'_>) -> Result<Self, String> {
        crate::value::read_serde(spec)
    }
    fn to_toml(&self) -> Option<::toml::Value> {
        crate::value::to_toml(self)
    }
}

/// Checks that `T` can be stored in a data node.
pub fn data_value<T: DataValue>() {}

/// Checks that `T` can be a task's result.
pub fn task_output<T: TaskOutput>() {}

/// Checks that an owned parameter's type can be cloned from the stored value.
pub fn cloneable<T: Clone>() {}

/// Builds a scenario type's config once, and records its entries against the linking trap.
pub fn scenario_config(
    cell: &'static OnceLock<Arc<ScenarioConfig>>,
    entry: &'static ScenarioEntry,
    tasks: &[&'static TaskEntry],
    build: impl FnOnce() -> Result<Arc<ScenarioConfig>, crate::error::ConfigError>,
) -> Arc<ScenarioConfig> {
    cell.get_or_init(|| {
        registry::remember_scenario(entry);
        for &task in tasks {
            registry::remember_task(task);
        }
        match build() {
            Ok(config) => config,
            Err(e) => panic!("scenario! config `{}` is invalid (a taipy bug): {e}", entry.id),
        }
    })
    .clone()
}
