//! The skip decision: whether a job runs its task or reuses a remembered result, and why.
//!
//! A task's result is remembered under a *memo key*:
//!
//! ```text
//! key = H("taipy.memo.v1"; task id, code fingerprint, hash(input 1), ..., hash(input n))
//! ```
//!
//! with every field length-prefixed (see [`FingerprintBuilder`]). Content hashes, not times,
//! identify inputs, so:
//! - unchanged inputs skip, within a run and across process restarts (the memo table is in the
//!   store);
//! - a parameter returned to an earlier value finds the earlier key and reuses its results;
//! - a changed code fingerprint (`#[task]` hashes the function's tokens; `version = N` salts it)
//!   gives a new key, so the task re-runs;
//! - a re-run whose output has the same content as before records no new version (the commit
//!   compares hashes), so the tasks downstream find their keys unchanged and skip: early cutoff.
//!
//! A job skips when its task is skippable, the submission is not forced, no input is older than
//! its validity period (stale), its key is remembered, and every remembered output is still
//! stored. The recorded [`Reason`] compares the inputs with
//! the task's previous run in the same scenario, so users can see which input made it run.

use crate::config::TaskConfig;
use crate::fingerprint::{Fingerprint, FingerprintBuilder};
use crate::orchestrator::job::Reason;
use crate::store::records::TaskRun;

/// The memo key of a task run with these input hashes (in declared order).
pub(crate) fn memo_key(task: &TaskConfig, inputs: &[Fingerprint]) -> Fingerprint {
    let mut builder = FingerprintBuilder::new("taipy.memo.v1");
    builder.str(task.id()).fingerprint(&task.fingerprint()).u64(inputs.len() as u64);
    for input in inputs {
        builder.fingerprint(input);
    }
    builder.finish()
}

/// What the memo table holds for a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Memo {
    /// No result is remembered.
    Absent,
    /// A result is remembered but some of its outputs are gone.
    OutputsMissing,
    /// A result is remembered and can be restored.
    Usable,
}

/// Whether to run or skip, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Run(Reason),
    Skip(Reason),
}

/// Decides one job. `current` is what the task would run with now; `last` what it ran (or
/// skipped) with the previous time in this scenario; `stale` the inputs older than their
/// validity period.
pub(crate) fn decide(
    skippable: bool,
    force: bool,
    current: &TaskRun,
    last: Option<&TaskRun>,
    memo: Memo,
    stale: &[String],
) -> Decision {
    if force {
        return Decision::Run(Reason::Forced);
    }
    if !skippable {
        return Decision::Run(Reason::NotSkippable);
    }
    if !stale.is_empty() {
        return Decision::Run(Reason::Stale { inputs: stale.to_vec() });
    }
    let changed = last.map(|last| {
        let code = last.fingerprint != current.fingerprint;
        let inputs: Vec<String> = current
            .inputs
            .iter()
            .filter(|(name, now)| {
                last.inputs.iter().find(|(n, _)| n == name).is_none_or(|(_, before)| before != now)
            })
            .map(|(name, _)| name.clone())
            .collect();
        (code, inputs)
    });
    match (memo, changed) {
        (Memo::Usable, Some((false, inputs))) if inputs.is_empty() => Decision::Skip(Reason::Unchanged),
        (Memo::Usable, Some((_, inputs))) => Decision::Skip(Reason::Reused { inputs }),
        (Memo::Usable, None) => Decision::Skip(Reason::ReusedElsewhere),
        (Memo::OutputsMissing, _) => Decision::Run(Reason::OutputsMissing),
        (Memo::Absent, None) => Decision::Run(Reason::FirstRun),
        (Memo::Absent, Some((code, inputs))) if code || !inputs.is_empty() => {
            Decision::Run(Reason::Changed { code, inputs })
        }
        (Memo::Absent, Some(_)) => Decision::Run(Reason::NoMemoEntry),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TaskConfig;

    fn fp(n: u8) -> Fingerprint {
        Fingerprint([n; 32])
    }

    fn run(code: u8, a: u8, b: u8) -> TaskRun {
        TaskRun { fingerprint: fp(code), inputs: vec![("a".into(), fp(a)), ("b".into(), fp(b))] }
    }

    #[test]
    fn unchanged_inputs_with_a_memo_skip() {
        let d = decide(true, false, &run(1, 1, 1), Some(&run(1, 1, 1)), Memo::Usable, &[]);
        assert_eq!(d, Decision::Skip(Reason::Unchanged));
    }

    #[test]
    fn a_changed_input_is_named() {
        let d = decide(true, false, &run(1, 1, 2), Some(&run(1, 1, 1)), Memo::Absent, &[]);
        assert_eq!(d, Decision::Run(Reason::Changed { code: false, inputs: vec!["b".into()] }));
    }

    #[test]
    fn returning_to_an_earlier_value_reuses() {
        let d = decide(true, false, &run(1, 1, 1), Some(&run(1, 1, 2)), Memo::Usable, &[]);
        assert_eq!(d, Decision::Skip(Reason::Reused { inputs: vec!["b".into()] }));
    }

    #[test]
    fn code_changes_force_force_and_non_skippable_run() {
        let d = decide(true, false, &run(2, 1, 1), Some(&run(1, 1, 1)), Memo::Absent, &[]);
        assert_eq!(d, Decision::Run(Reason::Changed { code: true, inputs: vec![] }));
        let d = decide(true, true, &run(1, 1, 1), Some(&run(1, 1, 1)), Memo::Usable, &[]);
        assert_eq!(d, Decision::Run(Reason::Forced));
        let d = decide(false, false, &run(1, 1, 1), Some(&run(1, 1, 1)), Memo::Usable, &[]);
        assert_eq!(d, Decision::Run(Reason::NotSkippable));
        let d = decide(true, false, &run(1, 1, 1), Some(&run(1, 1, 1)), Memo::OutputsMissing, &[]);
        assert_eq!(d, Decision::Run(Reason::OutputsMissing));
        let d = decide(true, false, &run(1, 1, 1), None, Memo::Absent, &[]);
        assert_eq!(d, Decision::Run(Reason::FirstRun));
        let d = decide(true, false, &run(1, 1, 1), Some(&run(1, 1, 1)), Memo::Absent, &[]);
        assert_eq!(d, Decision::Run(Reason::NoMemoEntry));
    }

    #[test]
    fn a_stale_input_runs_even_with_a_usable_memo() {
        let stale = ["b".to_owned()];
        let d = decide(true, false, &run(1, 1, 1), Some(&run(1, 1, 1)), Memo::Usable, &stale);
        assert_eq!(d, Decision::Run(Reason::Stale { inputs: vec!["b".into()] }));
        let d = decide(true, true, &run(1, 1, 1), Some(&run(1, 1, 1)), Memo::Usable, &stale);
        assert_eq!(d, Decision::Run(Reason::Forced));
    }

    #[test]
    fn memo_keys_depend_on_order_code_and_id() {
        let f = |a: &i64, b: &i64| a + b;
        let t = TaskConfig::new("t", f);
        let base = memo_key(&t, &[fp(1), fp(2)]);
        assert_ne!(base, memo_key(&t, &[fp(2), fp(1)]));
        assert_ne!(base, memo_key(&TaskConfig::new("u", f), &[fp(1), fp(2)]));
        assert_ne!(base, memo_key(&TaskConfig::new("t", f).version(1), &[fp(1), fp(2)]));
        assert_eq!(base, memo_key(&TaskConfig::new("t", f), &[fp(1), fp(2)]));
    }
}
