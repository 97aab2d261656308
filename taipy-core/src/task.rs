//! Ordinary functions as tasks: the traits that erase a typed function into a runner the
//! orchestrator can call with stored values.
//!
//! [`TaskFn`] is implemented for every `Fn(&A0, &A1, ...) -> R` (up to 12 inputs) whose inputs
//! are [`TaskInput`]s (any [`DataValue`], and `[T]` / `str` borrowed from a stored `Vec<T>` /
//! `String`) and whose result is a [`TaskOutput`]: one value, a tuple of values for several
//! outputs, `()` for none, or a `Result` of any of these.

use std::sync::Arc;

use crate::error::{BoxError, TaskError};
use crate::value::{AnyValue, DataValue, ValueType};

/// What a task function returns: its output values, in declared order.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of a task",
    note = "a task returns a `DataValue`, a tuple of them for several outputs, `()`, or a `Result` of one of these"
)]
pub trait TaskOutput {
    /// The types of the outputs.
    fn output_types() -> Vec<ValueType>;
    /// Splits the result into erased output values, or the task's failure.
    fn into_outputs(self) -> Result<Vec<AnyValue>, TaskError>;
}

impl<T: DataValue> TaskOutput for T {
    fn output_types() -> Vec<ValueType> {
        vec![ValueType::of::<T>()]
    }
    fn into_outputs(self) -> Result<Vec<AnyValue>, TaskError> {
        Ok(vec![Arc::new(self)])
    }
}

impl TaskOutput for () {
    fn output_types() -> Vec<ValueType> {
        Vec::new()
    }
    fn into_outputs(self) -> Result<Vec<AnyValue>, TaskError> {
        Ok(Vec::new())
    }
}

impl<T: TaskOutput, E: Into<BoxError>> TaskOutput for Result<T, E> {
    fn output_types() -> Vec<ValueType> {
        T::output_types()
    }
    fn into_outputs(self) -> Result<Vec<AnyValue>, TaskError> {
        self.map_err(|e| TaskError::from_error(e.into()))?.into_outputs()
    }
}

macro_rules! tuple_output {
    ($($T:ident),+) => {
        impl<$($T: DataValue),+> TaskOutput for ($($T,)+) {
            fn output_types() -> Vec<ValueType> {
                vec![$(ValueType::of::<$T>()),+]
            }
            #[allow(non_snake_case)]
            fn into_outputs(self) -> Result<Vec<AnyValue>, TaskError> {
                let ($($T,)+) = self;
                Ok(vec![$(Arc::new($T) as AnyValue),+])
            }
        }
    };
}

tuple_output!(A, B);
tuple_output!(A, B, C);
tuple_output!(A, B, C, D);
tuple_output!(A, B, C, D, E);
tuple_output!(A, B, C, D, E, F);

/// What a task function may take by reference: a stored [`DataValue`], or a borrowed view of
/// one (`&[T]` of a `Vec<T>`, `&str` of a `String`).
#[diagnostic::on_unimplemented(
    message = "a task cannot take `&{Self}` as an input",
    note = "task inputs are `&T` with `T: DataValue`, or `&[T]` / `&str` borrowed from a stored `Vec<T>` / `String`"
)]
pub trait TaskInput: 'static {
    /// The type stored in the data node.
    type Value: DataValue;
    /// Borrows the input from the stored value.
    fn borrow(value: &Self::Value) -> &Self;
}

impl<T: DataValue> TaskInput for T {
    type Value = T;
    fn borrow(value: &T) -> &T {
        value
    }
}

impl<T> TaskInput for [T]
where
    Vec<T>: DataValue,
    T: 'static,
{
    type Value = Vec<T>;
    fn borrow(value: &Vec<T>) -> &[T] {
        value
    }
}

impl TaskInput for str {
    type Value = String;
    fn borrow(value: &String) -> &str {
        value
    }
}

/// A function the orchestrator can run as a task. `Marker` only distinguishes the impls for
/// different arities; callers never name it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a task function",
    note = "a task function takes its inputs by reference (`&T` with `T: DataValue`) and returns a `TaskOutput`",
    note = "for a `#[task]` function `f`, write `TaskConfig::of::<f>()`: it takes any `#[task]` and keeps its code fingerprint"
)]
pub trait TaskFn<Marker>: Send + Sync + 'static {
    /// The types of the inputs, in order.
    fn input_types() -> Vec<ValueType>;
    /// The types of the outputs, in order.
    fn output_types() -> Vec<ValueType>;
    /// Calls the function with erased inputs (already checked to have the right types).
    fn call(&self, inputs: &[AnyValue]) -> Result<Vec<AnyValue>, TaskError>;
}

/// A task function with its types erased, as configs hold it.
pub(crate) type Runner = Arc<dyn Fn(&[AnyValue]) -> Result<Vec<AnyValue>, TaskError> + Send + Sync>;

fn input<T: 'static>(inputs: &[AnyValue], i: usize) -> Result<&T, TaskError> {
    inputs
        .get(i)
        .and_then(|v| v.downcast_ref::<T>())
        .ok_or_else(|| TaskError::msg(format!("input {i} is not a `{}`", std::any::type_name::<T>())))
}

macro_rules! task_fn {
    ($($A:ident $i:tt),*) => {
        impl<Func, R, $($A: ?Sized + TaskInput),*> TaskFn<fn($(&$A),*) -> R> for Func
        where
            Func: Fn($(&$A),*) -> R + Send + Sync + 'static,
            R: TaskOutput,
        {
            fn input_types() -> Vec<ValueType> {
                vec![$(ValueType::of::<$A::Value>()),*]
            }
            fn output_types() -> Vec<ValueType> {
                R::output_types()
            }
            fn call(&self, inputs: &[AnyValue]) -> Result<Vec<AnyValue>, TaskError> {
                let _ = inputs;
                (self)($($A::borrow(input::<$A::Value>(inputs, $i)?)),*).into_outputs()
            }
        }
    };
}

task_fn!();
task_fn!(A0 0);
task_fn!(A0 0, A1 1);
task_fn!(A0 0, A1 1, A2 2);
task_fn!(A0 0, A1 1, A2 2, A3 3);
task_fn!(A0 0, A1 1, A2 2, A3 3, A4 4);
task_fn!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5);
task_fn!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6);
task_fn!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7);
task_fn!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7, A8 8);
task_fn!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7, A8 8, A9 9);
task_fn!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7, A8 8, A9 9, A10 10);
task_fn!(A0 0, A1 1, A2 2, A3 3, A4 4, A5 5, A6 6, A7 7, A8 8, A9 9, A10 10, A11 11);

#[cfg(test)]
mod tests {
    use super::*;

    fn erase<M, F: TaskFn<M>>(f: F) -> (Vec<ValueType>, Vec<ValueType>, Runner) {
        (F::input_types(), F::output_types(), Arc::new(move |inputs| f.call(inputs)))
    }

    #[test]
    fn typed_functions_become_runners() {
        let (ins, outs, run) = erase(|a: &i64, b: &f64| (*a as f64) * b);
        assert_eq!(ins, vec![ValueType::of::<i64>(), ValueType::of::<f64>()]);
        assert_eq!(outs, vec![ValueType::of::<f64>()]);
        let result = run(&[Arc::new(3i64), Arc::new(0.5f64)]).unwrap();
        assert_eq!(*result[0].downcast_ref::<f64>().unwrap(), 1.5);
    }

    #[test]
    fn tuples_give_several_outputs_and_results_fail() {
        let (_, outs, run) = erase(|a: &i64| -> Result<(i64, String), std::io::Error> {
            if *a < 0 {
                return Err(std::io::Error::other("negative"));
            }
            Ok((a * 2, a.to_string()))
        });
        assert_eq!(outs.len(), 2);
        let ok = run(&[Arc::new(4i64)]).unwrap();
        assert_eq!(ok[1].downcast_ref::<String>().unwrap(), "4");
        let err = run(&[Arc::new(-1i64)]).unwrap_err();
        assert_eq!(err.message, "negative");
    }

    #[test]
    fn slices_and_strs_borrow_from_stored_vecs_and_strings() {
        let (ins, _, run) = erase(|xs: &[f64], label: &str| format!("{label}{}", xs.len()));
        assert_eq!(ins, vec![ValueType::of::<Vec<f64>>(), ValueType::of::<String>()]);
        let out = run(&[Arc::new(vec![1.0f64, 2.0]), Arc::new("n=".to_string())]).unwrap();
        assert_eq!(out[0].downcast_ref::<String>().unwrap(), "n=2");
    }

    #[test]
    fn wrong_input_types_are_errors_not_panics() {
        let (_, _, run) = erase(|a: &i64| *a);
        let err = run(&[Arc::new("text".to_string())]).unwrap_err();
        assert!(err.message.contains("i64"), "{err}");
    }
}
