//! The linking trap: a crate holding only `#[task]`s that this test never references is left
//! out by the linker, and its tasks with it, unless `taipy::link!` names it. (Without the
//! line below the lookup fails with "no task is registered".)

taipy::link!(taipy_link_fixture);

#[test]
fn link_keeps_the_tasks_of_a_crate_the_binary_never_references() {
    let entry = taipy::registry::task("linked_only_double").unwrap();
    assert_eq!(entry.id, "taipy_link_fixture::linked_only_double");
    // The linked crate's task runs like any other.
    let config = entry.task_config("double").inputs(["x"]).outputs(["y"]);
    assert_eq!(config.input_types().len(), 1);
}
