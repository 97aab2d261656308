//! taipy-rs: scenario management and pipeline orchestration for Rust.
//!
//! Ordinary functions become tasks with [`macro@task`]; [`scenario!`] wires them through
//! typed data nodes and the compiler checks the wiring; the store remembers every data-node
//! version and task result, so work whose inputs and code did not change is skipped.
//!
//! This facade re-exports the runtime ([`taipy_core`]) and the macros; see the README for a
//! tour.

extern crate self as taipy;

pub mod dag;
#[cfg(feature = "logging")]
pub mod logging;

pub use taipy_core::*;

#[cfg(feature = "cli")]
pub mod cli;
pub use taipy_macros::{DataValue, scenario, task};

/// The handful of items most programs need: the runtime's prelude and the macros.
pub mod prelude {
    pub use taipy_core::prelude::*;
    pub use taipy_macros::{DataValue, scenario, task};
}

/// The README's example, compiled and run by `cargo test` so it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
