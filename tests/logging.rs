//! `taipy::logging::init` installs the global subscriber once (feature `logging`:
//! `cargo test -p taipy --features logging --test logging`).
#![cfg(feature = "logging")]

use taipy::logging::{LoggingError, init};

#[test]
fn init_installs_a_global_subscriber_once() {
    assert!(!tracing::dispatcher::has_been_set());
    init(2).unwrap();
    assert!(tracing::dispatcher::has_been_set());
    assert!(
        tracing::enabled!(target: "taipy_core::orchestrator", tracing::Level::DEBUG)
            || std::env::var_os("RUST_LOG").is_some()
    );
    let again = init(2).unwrap_err();
    assert!(matches!(again, LoggingError::AlreadyInstalled), "{again}");
    assert_eq!(again.to_string(), "a global tracing subscriber is already installed");
}
