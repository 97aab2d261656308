//! Fault injection for crash tests: `TAIPY_FAULT=<point>` makes the process die, as abruptly as
//! `kill -9`, when it reaches that point of the commit protocol. Unset, a point costs one
//! atomic load.
//!
//! Points: `artifact-synced` (an artifact's temporary file is fsynced, not yet renamed),
//! `artifact-renamed` (renamed into place, its version not yet staged).

use std::sync::OnceLock;

/// Dies here if `TAIPY_FAULT` names `name`.
pub(crate) fn point(name: &'static str) {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    let chosen = CHOSEN.get_or_init(|| std::env::var("TAIPY_FAULT").ok());
    if chosen.as_deref() == Some(name) {
        std::process::abort();
    }
}
