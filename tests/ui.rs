//! Compile-time checks of the macros: each file under `tests/ui/<macro>/fail/` is one mistake,
//! with the compiler's output committed beside it (`TRYBUILD=overwrite` regenerates them).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/task/fail/*.rs");
    t.compile_fail("tests/ui/scenario/fail/*.rs");
    t.compile_fail("tests/ui/derive/fail/*.rs");
}
