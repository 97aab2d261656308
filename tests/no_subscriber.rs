//! The library reports through `tracing` but never installs a subscriber: that is the
//! program's choice (`taipy::logging::init` with the `logging` feature, or its own).

use taipy::GcPolicy;
use taipy::prelude::*;

#[test]
fn opening_submitting_and_collecting_install_no_global_subscriber() {
    let dir = tempfile::tempdir().unwrap();
    for options in [StoreOptions::development(), StoreOptions::standalone(2)] {
        let store = Store::open_with(dir.path().join(format!("{:?}", options.mode)), options).unwrap();
        let config = ScenarioConfig::builder("quiet")
            .node(DataNodeConfig::with_default("x", 1u64))
            .task(TaskConfig::new("double", |x: &u64| x * 2).inputs(["x"]).outputs(["y"]))
            .build()
            .unwrap();
        let s = Scenario::create(&store, &config, "quiet").unwrap();
        s.submit().unwrap().wait().unwrap();
        s.submit().unwrap().wait().unwrap();
        store.gc(GcPolicy::keep_only_current()).unwrap();
    }
    assert!(!tracing::dispatcher::has_been_set(), "the library installed a global subscriber");
}
