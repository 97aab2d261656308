//! Large generated configs: a chain of 20k tasks loads and checks without overflowing the stack,
//! whatever order the file lists its tasks in, and a cycle in a long chain is named as a path.

use crate::chain::chain;
use crate::{load, problems};

#[test]
fn a_chain_of_20k_tasks_loads_in_either_order() {
    for reversed in [false, true] {
        let config = load(&chain(20_000, reversed)).unwrap();
        let s = config.scenario("chain").unwrap();
        assert_eq!(s.tasks().len(), 20_000);
        assert_eq!(s.tasks()[0].id(), "t0");
        assert_eq!(s.tasks()[19_999].id(), "t19999");
    }
}

#[test]
fn a_cycle_closing_a_long_chain_is_named_as_a_path() {
    // t0 reads what t{n-1} writes: the whole chain is one cycle.
    let n = 5_000;
    for reversed in [false, true] {
        let text = chain(n, reversed).replacen(
            "inputs = [ \"n0:SECTION\",]",
            &format!("inputs = [ \"n{n}:SECTION\",]"),
            1,
        );
        let found = problems(&text);
        let cycle =
            found.iter().find(|p| p.contains("the tasks form a cycle: ")).expect("a cycle is reported");
        let path: Vec<&str> = cycle.split("the tasks form a cycle: ").nth(1).unwrap().split(" -> ").collect();
        assert_eq!(path.len(), n + 1, "{}", &cycle[..200]);
        assert_eq!(path.first(), path.last());
        // Each task writes what the next one reads.
        let index = |t: &str| t[1..].parse::<usize>().unwrap();
        for pair in path.windows(2) {
            assert_eq!((index(pair[0]) + 1) % n, index(pair[1]), "{pair:?}");
        }
    }
}

/// Counts the steps of `work` `f` takes on this thread.
fn counted<T>(work: taipy::__private::Work, f: impl FnOnce() -> T) -> (u64, T) {
    let before = taipy::__private::work_done(work);
    let out = f();
    (taipy::__private::work_done(work) - before, out)
}

/// Old main: export made a task config from every registered `#[task]` for every task of the
/// config (and scanned every task for every node): quadratic in a 50k-task config.
#[test]
fn exporting_a_chain_makes_no_more_task_configs_for_more_tasks() {
    use taipy::__private::Work;
    let made = |n: usize| {
        let config = load(&chain(n, false)).unwrap();
        let config = config.scenario("chain").unwrap().clone();
        let (made, text) = counted(Work::TaskConfigsMade, || taipy::toml::export(&config).unwrap());
        assert_eq!(text.matches("[TASK.").count(), n);
        made
    };
    let (small, large) = (made(100), made(2_000));
    assert_eq!(small, large, "task configs made exporting 100 vs 2000 tasks");
    assert!(small <= taipy::registry::tasks().len() as u64, "{small}");
}

/// Old main: loading made three task configs per task (two to learn the function's types, one
/// to build), each hashing the task's code fingerprint again, and resolved the function path
/// of every task against the whole registry: 40% of loading a 50k-task file.
#[test]
fn loading_a_chain_makes_no_more_task_configs_for_more_tasks() {
    use taipy::__private::Work;
    let made = |n: usize| {
        let text = chain(n, false);
        let (made, config) = counted(Work::TaskConfigsMade, || load(&text).unwrap());
        assert_eq!(config.scenario("chain").unwrap().tasks().len(), n);
        made
    };
    assert_eq!(made(100), made(2_000), "task configs made loading 100 vs 2000 tasks");
    assert_eq!(made(100), 1, "one function named");
}

/// Old main: every scenario created exported and fingerprinted the whole config again, and
/// every open fingerprinted it again.
#[test]
fn scenarios_of_one_config_export_and_fingerprint_it_once() {
    use taipy::__private::Work;
    use taipy::prelude::*;
    let config = load(&chain(200, false)).unwrap();
    let config = config.scenario("chain").unwrap().clone();
    let store = Store::in_memory(StoreOptions::development()).unwrap();
    let work = || {
        let ids: Vec<String> = (0..5)
            .map(|i| Scenario::create(&store, &config, &format!("s{i}")).unwrap().id().to_owned())
            .collect();
        for id in &ids {
            Scenario::open(&store, &config, id).unwrap();
        }
    };
    let (exports, (fingerprints, ())) =
        counted(Work::ConfigExports, || counted(Work::ConfigFingerprints, work));
    assert_eq!((exports, fingerprints), (1, 1), "exports and fingerprints for 5 creates and 5 opens");
    let stored = store.configs().unwrap();
    assert!(stored[0].toml.as_deref().is_some_and(|t| t.contains("[TASK.t199]")));
}
