//! A crate holding only `#[task]`s: nothing else in it for a binary to reference.

use taipy::prelude::*;

/// Doubles its input; registered only if the crate is linked.
#[task]
pub fn linked_only_double(x: &i64) -> i64 {
    x * 2
}
