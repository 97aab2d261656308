//! Configs in Taipy Studio's TOML format: the tutorial's file loads, resolves its functions to
//! `#[task]`s, runs like the `scenario!` version, round-trips through export, and every mistake
//! is reported at load time with its section and line.

#![deny(warnings)]
// Test helpers are public in their modules so the modules can share them.
#![allow(unreachable_pub)]

mod chain;
mod checker;
mod corpus;
mod retries;
mod round_trip;
mod run;
mod scale;
mod tasks;

use taipy::toml::{TomlConfig, TomlConfigError};

/// The tutorial's file as Taipy exports it, with the data path and functions pointed at this
/// test's tasks.
pub const STUDIO: &str = include_str!("../fixtures/customer_analysis.toml");

/// The reference file exactly as Taipy 4.1 exports it (`algos.algo.*` function paths), shipped
/// for the `customer_analysis_toml` example.
pub const REFERENCE: &str = include_str!("../../examples/config.toml");

/// Loads TOML text.
pub fn load(text: &str) -> Result<TomlConfig, TomlConfigError> {
    TomlConfig::from_str(text)
}

/// The problems of a config that must not load, one display string each.
pub fn problems(text: &str) -> Vec<String> {
    match load(text) {
        Ok(_) => panic!("the config loaded, but should not have:\n{text}"),
        Err(e) => {
            assert!(!e.problems().is_empty(), "{e}");
            e.problems().iter().map(ToString::to_string).collect()
        }
    }
}

/// `text` with `from` replaced by `to` (which must occur).
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` is not in the text");
    text.replacen(from, to, 1)
}
