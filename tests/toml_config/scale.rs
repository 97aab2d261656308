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
