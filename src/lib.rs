//! taipy-rs: scenario management and pipeline orchestration for Rust.
//!
//! This facade re-exports the runtime ([`taipy_core`]); see the README for a tour.

pub use taipy_core::*;
