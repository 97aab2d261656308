//! The PostgreSQL server the integration tests use: `TAIPY_TEST_POSTGRES`, which
//! `eval "$(bash .ci/services.sh)"` sets (CI runs it). One rule for every test file: in CI
//! (`CI` set) a missing server fails the test; elsewhere the test says why and skips.

/// The server's URL; `None`, after printing why, outside CI when `TAIPY_TEST_POSTGRES` is unset.
pub fn url() -> Option<String> {
    match std::env::var("TAIPY_TEST_POSTGRES") {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("CI is set but TAIPY_TEST_POSTGRES is not: .ci/services.sh starts PostgreSQL and sets it")
        }
        Err(_) => {
            eprintln!(
                "skipping PostgreSQL: TAIPY_TEST_POSTGRES is unset (eval \"$(bash .ci/services.sh)\" sets it)"
            );
            None
        }
    }
}
