//! Ordinary functions as tasks: the traits that erase a typed function into a runner the
//! orchestrator can call with stored values.
//!
//! [`TaskFn`] is implemented for every `Fn(&A0, &A1, ...) -> R` (up to 12 inputs) whose inputs
//! are [`DataValue`]s and whose result is a [`TaskOutput`]: one value, a tuple of values for
//! several outputs, `()` for none, or a `Result` of any of these.

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

/// A function the orchestrator can run as a task. `Marker` only distinguishes the impls for
/// different arities; callers never name it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a task function",
    note = "a task function takes its inputs by reference (`&T` with `T: DataValue`) and returns a `TaskOutput`; `#[task]` adapts ordinary functions"
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
        impl<Func, R, $($A: DataValue),*> TaskFn<fn($(&$A),*) -> R> for Func
        where
            Func: Fn($(&$A),*) -> R + Send + Sync + 'static,
            R: TaskOutput,
        {
            fn input_types() -> Vec<ValueType> {
                vec![$(ValueType::of::<$A>()),*]
            }
            fn output_types() -> Vec<ValueType> {
                R::output_types()
            }
            fn call(&self, inputs: &[AnyValue]) -> Result<Vec<AnyValue>, TaskError> {
                let _ = inputs;
                (self)($(input::<$A>(inputs, $i)?),*).into_outputs()
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
    fn wrong_input_types_are_errors_not_panics() {
        let (_, _, run) = erase(|a: &i64| *a);
        let err = run(&[Arc::new("text".to_string())]).unwrap_err();
        assert!(err.message.contains("i64"), "{err}");
    }
}
