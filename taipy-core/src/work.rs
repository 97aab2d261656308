//! Counters of work done on the current thread, for the tests that check an operation's work
//! grows with what it is asked for, not with everything else (the scale tests): they count
//! steps, never time.
//!
//! Reached through `taipy::__private` (not public API). A count costs one thread-local
//! increment.

use std::cell::Cell;

/// What is counted.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Task configs made from a registered `#[task]` (`TaskEntry::task_config`).
    TaskConfigsMade,
    /// Scenario configs written as TOML (`toml::export`).
    ConfigExports,
    /// Config fingerprints computed (`toml::config_fingerprint`).
    ConfigFingerprints,
}

thread_local! {
    static COUNTS: [Cell<u64>; 3] = const { [Cell::new(0), Cell::new(0), Cell::new(0)] };
}

/// Counts one step of `work` on this thread.
pub(crate) fn count(work: Work) {
    COUNTS.with(|c| c[work as usize].set(c[work as usize].get() + 1));
}

/// The steps of `work` counted on this thread so far.
#[doc(hidden)]
pub fn done(work: Work) -> u64 {
    COUNTS.with(|c| c[work as usize].get())
}
