//! What the benches share: their command-line flags, the trivial chain of tasks, one first
//! submit and its fully skipped re-submit (checked), and medians.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use taipy::prelude::*;

/// The bench's command line: `--quick` and numeric `--name N` flags.
pub(crate) struct Args(Vec<String>);

impl Args {
    pub(crate) fn read() -> Self {
        Self(std::env::args().collect())
    }

    /// Whether `--quick` was given (CI's run: the checks hold, the times mean little).
    pub(crate) fn quick(&self) -> bool {
        self.has("--quick")
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|a| a == name)
    }

    /// The text after flag `name`.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.0.iter().position(|a| a == name).and_then(|i| self.0.get(i + 1)).cloned()
    }

    /// The number after flag `name`, else `default`.
    pub(crate) fn number(&self, name: &str, default: usize) -> usize {
        self.text(name)
            .map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number, not `{v}`")))
    }
}

/// `n` trivial tasks in a chain: n0 → t1 → n1 → … → tn → nn.
pub(crate) fn chain(n: usize) -> Arc<ScenarioConfig> {
    let mut builder = ScenarioConfig::builder("chain").node(DataNodeConfig::with_default("n0", 0u64));
    for i in 1..=n {
        builder = builder.task(
            TaskConfig::new(format!("t{i}"), |x: &u64| x + 1)
                .inputs([format!("n{}", i - 1)])
                .outputs([format!("n{i}")]),
        );
    }
    builder.build().unwrap()
}

/// How long `scenario`'s first submit took (every job must complete) and its re-submit (every
/// job must be skipped).
pub(crate) fn first_and_skipped(scenario: &Scenario) -> (Duration, Duration) {
    let (first, skipped) = first_and_reruns(scenario, 1);
    (first, skipped[0])
}

/// How long `scenario`'s first submit took (every job must complete) and each of `reruns`
/// re-submits (every job must be skipped): the re-submits alone make a profile of skipping.
pub(crate) fn first_and_reruns(scenario: &Scenario, reruns: usize) -> (Duration, Vec<Duration>) {
    let started = Instant::now();
    let report = scenario.submit().unwrap().wait().unwrap();
    let first = started.elapsed();
    assert!(report.jobs.iter().all(|j| j.status == JobStatus::Completed), "{report:?}");
    let skipped = (0..reruns.max(1))
        .map(|_| {
            let started = Instant::now();
            let report = scenario.submit().unwrap().wait().unwrap();
            let skipped = started.elapsed();
            assert!(report.jobs.iter().all(|j| j.status == JobStatus::Skipped), "{report:?}");
            skipped
        })
        .collect();
    (first, skipped)
}

/// The median (the upper one of an even count).
pub(crate) fn median<T: PartialOrd + Copy>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    values[values.len() / 2]
}
