//! Printing what the runtime reports through [`tracing`] on stderr (feature `logging`).
//!
//! The library itself installs no subscriber: without one, its spans and events cost a check
//! of a cached flag. A program (the command line's `-v`, or any binary) calls [`init`] once to
//! see them:
//!
//! ```text
//! … INFO store opened path=/tmp/taipy-store-RwAIJi backend="sled" mode=Standalone workers=2 stale_temporary_bytes=0
//! … INFO submission{scenario="q3 analysis" scenario_id="SCENARIO_demo_0" submission="SUBMISSION_demo_5" target=scenario forced=false jobs=3}: submission started
//! … INFO submission{…}:job{task=double job=JOB_double_6}: job finished status=Completed reason=first run: no earlier result duration_ms=0.171
//! … WARN submission{…}:job{task=check job=JOB_check_7}: job finished status=Failed reason=first run: no earlier result duration_ms=0.069 error=40 is too big
//! … INFO submission{…}:job{task=after job=JOB_after_8}: job finished status=Abandoned reason=upstream task `check` did not succeed
//! … WARN submission{…}: submission finished status=Failed duration_ms=0.54
//! ```
//!
//! (`-vv` adds each job's `decision` and `job committed` events; spans are printed in full on
//! every line, elided here.)
//!
//! The spans and their fields are described in the runtime's `orchestrator/trace.rs`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// Why [`init`] could not install its subscriber.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoggingError {
    /// `RUST_LOG` is set but is not a valid filter.
    InvalidFilter {
        /// The value of `RUST_LOG`.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The program already installed a global `tracing` subscriber (or called [`init`] twice).
    AlreadyInstalled,
}

impl std::fmt::Display for LoggingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoggingError::InvalidFilter { value, reason } => {
                write!(f, "RUST_LOG `{value}` is not a valid log filter: {reason}")
            }
            LoggingError::AlreadyInstalled => f.write_str("a global tracing subscriber is already installed"),
        }
    }
}

impl std::error::Error for LoggingError {}

/// Installs a global subscriber printing the runtime's spans and events on stderr (coloured on
/// a terminal).
///
/// `RUST_LOG`, when set and not empty, decides what is shown (`RUST_LOG=taipy_core=debug`,
/// the syntax of [`EnvFilter`]). Otherwise `verbosity` does, as a command line's repeated `-v`:
/// 0 shows warnings only (failed jobs, recovered jobs), 1 (`-v`) adds each submission and job
/// end, 2 (`-vv`) each skip decision and commit, 3 and more (`-vvv`) everything, down to the
/// store's writes. Other crates show their warnings and errors.
///
/// An error if `RUST_LOG` is invalid or a global subscriber is already installed.
///
/// ```
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     taipy::logging::init(1)?; // as `-v`
///     // ... open the store, submit: each job's end is printed on stderr.
///     assert!(taipy::logging::init(1).is_err(), "only once");
///     Ok(())
/// }
/// ```
pub fn init(verbosity: u8) -> Result<(), LoggingError> {
    let rust_log = std::env::var("RUST_LOG").ok();
    let ansi = std::io::stderr().is_terminal();
    subscriber(verbosity, rust_log.as_deref(), std::io::stderr, ansi)?
        .try_init()
        .map_err(|_| LoggingError::AlreadyInstalled)
}

/// The subscriber [`init`] installs, writing to `writer`.
fn subscriber<W>(
    verbosity: u8,
    rust_log: Option<&str>,
    writer: W,
    ansi: bool,
) -> Result<impl tracing::Subscriber + Send + Sync + 'static, LoggingError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = filter(verbosity, rust_log)?;
    Ok(tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi)
        .with_target(false)
        .finish())
}

/// `RUST_LOG` if set and not empty, else the directives of `verbosity`.
fn filter(verbosity: u8, rust_log: Option<&str>) -> Result<EnvFilter, LoggingError> {
    match rust_log.map(str::trim).filter(|v| !v.is_empty()) {
        Some(value) => EnvFilter::try_new(value)
            .map_err(|e| LoggingError::InvalidFilter { value: value.to_owned(), reason: e.to_string() }),
        None => Ok(EnvFilter::new(directives(verbosity))),
    }
}

/// Warnings from everyone; from taipy, more with each `-v`.
fn directives(verbosity: u8) -> String {
    let level = match verbosity {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    format!("warn,taipy={level},taipy_core={level}")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer keeping what is written.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the subscriber of `verbosity` and `rust_log` prints of one event per level from
    /// the runtime and one warning and one info from another crate: the messages, in order.
    fn shown(verbosity: u8, rust_log: Option<&str>) -> Vec<String> {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = subscriber(verbosity, rust_log, move || writer.clone(), false).unwrap();
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(target: "taipy_core::store", "core error");
            tracing::warn!(target: "taipy_core::orchestrator", "core warn");
            tracing::info!(target: "taipy_core::orchestrator", "core info");
            tracing::debug!(target: "taipy_core::orchestrator", "core debug");
            tracing::trace!(target: "taipy_core::store::commit", "core trace");
            tracing::warn!(target: "other_crate", "other warn");
            tracing::info!(target: "other_crate", "other info");
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        // `<time> <LEVEL> <message>`
        text.lines().map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" ")).collect()
    }

    #[test]
    fn each_v_shows_one_more_level_of_the_runtime_and_only_warnings_of_others() {
        let core = ["core error", "core warn", "core info", "core debug", "core trace"];
        for verbosity in 0..=4_u8 {
            let levels = 2 + usize::from(verbosity.min(3));
            let mut expected: Vec<&str> = core[..levels].to_vec();
            expected.push("other warn");
            assert_eq!(shown(verbosity, None), expected, "verbosity {verbosity}");
        }
    }

    #[test]
    fn rust_log_replaces_the_verbosity_unless_empty() {
        assert_eq!(shown(3, Some("other_crate=info")), ["other warn", "other info"]);
        assert_eq!(
            shown(0, Some("taipy_core::orchestrator=debug")),
            ["core warn", "core info", "core debug"]
        );
        assert_eq!(shown(0, Some("  ")), ["core error", "core warn", "other warn"]);
    }

    #[test]
    fn an_invalid_rust_log_is_an_error_naming_it() {
        let Err(error) = filter(1, Some("taipy_core=loud")) else { panic!("accepted") };
        let text = error.to_string();
        assert!(text.starts_with("RUST_LOG `taipy_core=loud` is not a valid log filter: "), "{text}");
    }
}
