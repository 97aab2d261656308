//! The command line's `-v` and `RUST_LOG` (alone in its test binary: it sets `RUST_LOG`, which
//! every test of a process would see).

use taipy::cli::Cli;

#[test]
fn an_invalid_rust_log_is_a_usage_error_naming_it_and_verbosity_installs_a_subscriber() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().display().to_string();
    let run = |args: &[&str]| {
        let mut argv = vec!["taipy", "--store", &store];
        argv.extend(args);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = Cli::new().run_from(argv, &mut out, &mut err);
        (code, String::from_utf8(err).unwrap())
    };
    // SAFETY: the only test of this binary, and nothing else runs yet.
    unsafe { std::env::set_var("RUST_LOG", "taipy_core=loud") };
    let (code, err) = run(&["scenarios", "list"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("RUST_LOG `taipy_core=loud` is not a valid log filter"), "{err}");

    unsafe { std::env::remove_var("RUST_LOG") };
    assert!(!tracing::dispatcher::has_been_set());
    assert_eq!(run(&["scenarios", "list"]).0, 0);
    assert!(!tracing::dispatcher::has_been_set(), "no -v, no RUST_LOG: no subscriber");
    assert_eq!(run(&["-vv", "scenarios", "list"]).0, 0);
    assert!(tracing::dispatcher::has_been_set(), "-vv installs the subscriber");
    // A second run finds it installed and leaves it.
    assert_eq!(run(&["-v", "scenarios", "list"]).0, 0);
}
