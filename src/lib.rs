//! taipy-rs: scenario management and pipeline orchestration for Rust.
//!
//! This facade re-exports the runtime ([`taipy_core`]); see the README for a tour.

pub use taipy_core::*;

/// The README's example, compiled and run by `cargo test` so it cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
