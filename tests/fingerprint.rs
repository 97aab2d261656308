//! The code fingerprint at the store level: three builds of the same pipeline share a store.
//! `v1` is the original; `v2` differs from it by one literal in `score`; `v3` is `v1`
//! reformatted and commented. Reopening the scenario with `v3` skips everything; with `v2`,
//! `score` re-runs because its code changed, and so does `report`, which reads its output,
//! while `stable`, independent of it, is skipped.

#![deny(warnings)]

use taipy::prelude::*;
use taipy::{Reason, registry};

mod v1 {
    use taipy::prelude::*;

    #[task]
    pub(crate) fn score(x: i64) -> i64 {
        x * 10 + 1
    }

    #[task]
    pub(crate) fn report(scored: &i64) -> String {
        format!("score {scored}")
    }

    #[task]
    pub(crate) fn stable(x: i64) -> i64 {
        x - 1
    }

    scenario! {
        pub(crate) Pipeline {
            x: i64 = 4,
            scored = score(x),
            text = report(scored),
            other = stable(x),
        }
    }
}

mod v2 {
    use taipy::prelude::*;

    #[task]
    pub(crate) fn score(x: i64) -> i64 {
        x * 10 + 2
    }

    #[task]
    pub(crate) fn report(scored: &i64) -> String {
        format!("score {scored}")
    }

    #[task]
    pub(crate) fn stable(x: i64) -> i64 {
        x - 1
    }

    scenario! {
        pub(crate) Pipeline {
            x: i64 = 4,
            scored = score(x),
            text = report(scored),
            other = stable(x),
        }
    }
}

mod v3 {
    use taipy::prelude::*;

    /// Now documented.
    #[task]
    pub(crate) fn score(x: i64, // the input
    ) -> i64 {
        // Same tokens, other layout.
        x * 10 + 1
    }

    #[task]
    pub(crate) fn report(scored: &i64) -> String {
        /* unchanged */
        format!("score {scored}")
    }

    #[task]
    pub(crate) fn stable(x: i64) -> i64 {
        x - 1
    }

    scenario! {
        pub(crate) Pipeline {
            x: i64 = 4,
            scored = score(x),
            text = report(scored),
            other = stable(x),
        }
    }
}

fn code(id: &str) -> taipy::Fingerprint {
    registry::task(id).unwrap().code
}

#[test]
fn formatting_and_comments_keep_the_fingerprint_a_literal_changes_it() {
    assert_eq!(code("fingerprint::v1::score"), code("fingerprint::v3::score"));
    assert_ne!(code("fingerprint::v1::score"), code("fingerprint::v2::score"));
    assert_eq!(code("fingerprint::v1::report"), code("fingerprint::v2::report"));
}

#[test]
fn a_changed_fingerprint_reruns_the_task_and_its_dependants() {
    let store = Store::temporary().unwrap();
    let first = v1::Pipeline::create(&store, "versions").unwrap();
    let report = first.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed), ["score", "report", "stable"]);
    assert_eq!(first.text().read().unwrap(), "score 41");

    // The reformatted build: nothing to do.
    let reformatted = v3::Pipeline::open(&store, first.id()).unwrap();
    let report = reformatted.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Skipped), ["score", "report", "stable"]);

    // One literal changed: `score` re-runs for its code, `report` for its input.
    let changed = v2::Pipeline::open(&store, first.id()).unwrap();
    let report = changed.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Completed), ["score", "report"]);
    assert_eq!(report.tasks_with(JobStatus::Skipped), ["stable"]);
    assert_eq!(report.job("score").unwrap().reason, Some(Reason::Changed { code: true, inputs: vec![] }));
    assert_eq!(
        report.job("report").unwrap().reason,
        Some(Reason::Changed { code: false, inputs: vec!["scored".into()] })
    );
    assert_eq!(changed.text().read().unwrap(), "score 42");

    // Back to the first build: its results are remembered and reused.
    let back = v1::Pipeline::open(&store, first.id()).unwrap();
    let report = back.submit().unwrap().wait().unwrap();
    assert_eq!(report.tasks_with(JobStatus::Skipped), ["score", "report", "stable"]);
    assert_eq!(back.text().read().unwrap(), "score 41");
}
