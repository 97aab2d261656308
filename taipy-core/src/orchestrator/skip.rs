//! The skip decision: whether a job runs its task or reuses a remembered result, and why.
//!
//! A task's result is remembered under a *memo key*:
//!
//! ```text
//! key = H("taipy.memo.v2"; task id, code fingerprint, hash(input 1), ..., hash(input n),
//!         layout(input 1), ..., layout(input n), layout(output 1), ..., layout(output m))
//! ```
//!
//! with every field length-prefixed (see [`FingerprintBuilder`]). The layouts are those of the
//! node types now (see `value/layout.rs`): a task whose input or output types changed layout
//! (a field swapped, added, retyped ...) re-runs, since its remembered results were computed
//! with, or encoded as, the old types. Content hashes, not times,
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
//! stored with the bytes it was remembered with (an artifact is verified against its content
//! hash; a damaged one is quarantined and the task re-runs). The recorded [`Reason`] compares
//! the inputs with the task's previous run in the same scenario, so users can see which input
//! made it run.
//!
//! [`assess`] gathers everything the decision needs (the input versions, refreshing external
//! files; staleness; the memo entry and whether its outputs can be restored) and [`decide`]
//! makes it; the scheduler (`run.rs`) only acts on the result. [`preview`] makes the same
//! decision without changing anything, for plans (`plan.rs`).

use foldhash::HashMap;

use crate::config::DataNodeConfig;
use crate::config::{ScenarioConfig, TaskConfig};
use crate::error::StoreError;
use crate::events::{EntityType, Event};
use crate::fingerprint::{Fingerprint, FingerprintBuilder};
use crate::job::{InputVersion, Reason};
use crate::store::{
    ArtifactState, LastRunView, LastRuns, MemoEntry, NodeLayouts, Store, TaskRun, Version, Writer, now_us,
};
use crate::value::Stored;

/// What a decision is made in: one scenario of a submission.
pub(crate) struct Scope<'a> {
    pub(crate) store: &'a Store,
    pub(crate) config: &'a ScenarioConfig,
    pub(crate) scenario_id: &'a str,
    pub(crate) scenario_name: &'a str,
    /// Node name → data node id.
    pub(crate) node_ids: &'a HashMap<String, String>,
    pub(crate) force: bool,
    /// The scenario's last task runs as the submission found them when it started (see
    /// [`Store::last_runs`]).
    pub(crate) last_runs: &'a LastRuns,
}

impl Scope<'_> {
    /// Task `task_id`'s last run in the scenario, read in place from the runs read when the
    /// submission started. One that cannot be read is reported and counts as none: it only
    /// explains a decision (the memo table makes it), so the job decides without it and its
    /// run is recorded anew.
    fn last_run(&self, task_id: &str) -> Option<LastRunView<'_>> {
        // None: not run in this scenario when the submission started.
        let bytes = self.last_runs.get(task_id)?;
        crate::store::decode_view::<LastRunView<'_>>("task run", task_id.as_bytes(), bytes)
            .map_err(|e| self.store.report_unreadable_run(self.scenario_id, task_id, e))
            .ok()
    }
}

/// Everything known about one job before it runs or skips.
pub(crate) struct Assessment {
    /// The exact input versions the task would run with now, in declared order: hashed for the
    /// decision, and read, if it runs, from these versions (not whatever is current by then).
    pub(crate) versions: Vec<Version>,
    /// The same, as the job records them (lineage).
    pub(crate) inputs: Vec<InputVersion>,
    /// The task's code fingerprint and input hashes now.
    pub(crate) current: TaskRun,
    /// Whether the task's last run in this scenario is recorded as `current` with the result
    /// `entry` holds: a skip then has no last run to rewrite.
    pub(crate) recorded: bool,
    /// The memo key of `current`, if it was needed: to look the result up in the memo table, or
    /// to remember the result of a run (`None` only for a skip decided as the task's last run,
    /// which reads and writes no memo entry).
    pub(crate) key: Option<Fingerprint>,
    /// The remembered result of `current` (found as the task's last run left it, or in the
    /// memo table under `key`), if it can be restored.
    pub(crate) entry: Option<MemoEntry>,
    pub(crate) decision: Decision,
}

/// Gathers what the decision for `task` needs, then decides. The events of what it changed (an
/// external file found changed is a new version of its node) go to `events`, for the caller to
/// emit once it holds no lock.
pub(crate) fn assess(
    scope: &Scope<'_>,
    task: &TaskConfig,
    events: &mut Vec<Event>,
) -> Result<Assessment, StoreError> {
    let now = now_us();
    let mut versions = Vec::with_capacity(task.input_nodes().len());
    let mut inputs = Vec::with_capacity(task.input_nodes().len());
    let mut stale = Vec::new();
    for name in task.input_nodes() {
        let version = input_version(scope, name, events)?;
        if scope.config.node(name).is_some_and(|n| n.is_stale(version.written_us, now)) {
            stale.push(name.clone());
        }
        inputs.push(InputVersion {
            node: name.clone(),
            node_id: scope.node_ids[name].clone(),
            number: version.number,
            hash: version.hash,
        });
        versions.push(version);
    }
    let hashes: Vec<(String, Fingerprint)> =
        task.input_nodes().iter().zip(&versions).map(|(n, v)| (n.clone(), v.hash)).collect();
    let judged = judge(scope, task, hashes, &stale, |node, node_id, stored, current| {
        restorable(scope.store, node, node_id, stored, current, true)
    })?;
    let Judged { current, recorded, key, entry, decision } = judged;
    Ok(Assessment { versions, inputs, current, recorded, key, entry, decision })
}

/// The decision [`assess`] would make for `task` now, changing nothing: no external file's
/// new version is recorded (its fresh hash is used), no damaged artifact is quarantined (it
/// counts as damaged). `foreseen` gives the hashes some inputs will have by the time the task
/// is decided (restored or produced by earlier jobs of the same submission); a foreseen hash
/// that differs from the current one is a version yet to be written, so not stale. Returns the
/// decision and, for a skip, the hashes of the outputs it would restore.
pub(crate) fn preview(
    scope: &Scope<'_>,
    task: &TaskConfig,
    foreseen: &HashMap<String, Fingerprint>,
) -> Result<(Decision, Vec<Fingerprint>), StoreError> {
    let now = now_us();
    let mut hashes = Vec::with_capacity(task.input_nodes().len());
    let mut stale = Vec::new();
    for name in task.input_nodes() {
        let current = scope.store.current_version(&scope.node_ids[name])?;
        let node = scope.config.node(name).expect("validated");
        let hash = match (foreseen.get(name), &current) {
            (Some(hash), _) => *hash,
            (None, Some(version)) if node.is_watched() => node.refresh(&version.stored, &scope.store.cx())?,
            (None, Some(version)) => version.hash,
            (None, None) => {
                return Err(StoreError::NeverWritten {
                    node: name.clone(),
                    scenario: scope.scenario_name.to_owned(),
                });
            }
        };
        if current.as_ref().is_some_and(|v| v.hash == hash && node.is_stale(v.written_us, now)) {
            stale.push(name.clone());
        }
        hashes.push((name.clone(), hash));
    }
    let judged = judge(scope, task, hashes, &stale, |node, node_id, stored, current| {
        if node.is_watched() {
            restorable(scope.store, node, node_id, stored, current, false)
        } else {
            scope.store.check_artifact(stored)
        }
    })?;
    let restores = judged.entry.map(|e| e.outputs.iter().map(|s| s.hash).collect()).unwrap_or_default();
    Ok((judged.decision, restores))
}

/// What [`judge`] found.
struct Judged {
    current: TaskRun,
    recorded: bool,
    key: Option<Fingerprint>,
    entry: Option<MemoEntry>,
    decision: Decision,
}

/// Looks up the memo entry and the task's last run for these input hashes, checks (with
/// `check`) that the remembered outputs can be restored, and [`decide`]s. A task whose inputs,
/// code and layouts are those of its last run in the scenario, and whose outputs still hold the
/// result that run left, finds that result in its outputs (see [`left_by_last_run`]) instead of
/// reading the memo table.
fn judge(
    scope: &Scope<'_>,
    task: &TaskConfig,
    hashes: Vec<(String, Fingerprint)>,
    stale: &[String],
    check: impl Fn(&DataNodeConfig, &str, &Stored, Option<Fingerprint>) -> Result<ArtifactState, StoreError>,
) -> Result<Judged, StoreError> {
    let layout_of = |name: &String| {
        (
            name.clone(),
            scope.config.node(name).expect("validated").value_type().layout().map(|l| l.fingerprint()),
        )
    };
    let layouts = NodeLayouts {
        inputs: task.input_nodes().iter().map(layout_of).collect(),
        outputs: task.output_nodes().iter().map(layout_of).collect(),
    };
    let current = TaskRun { fingerprint: task.fingerprint(), inputs: hashes, layouts };
    let key_of = |run: &TaskRun| memo_key(task, run.inputs.iter().map(|(_, h)| *h), &run.layouts);
    let mut key = None;
    let last = scope.last_run(task.id());
    let rerun = last.as_ref().is_some_and(|last| last.run.is(&current));
    let last_result = || last.as_ref()?.result.as_ref().map(|r| (r.job_id, &r.outputs[..]));
    let output_types: Vec<&DataNodeConfig> =
        task.output_nodes().iter().map(|n| scope.config.node(n).expect("validated")).collect();
    let left = match last_result().filter(|_| rerun) {
        Some((job_id, outputs)) => left_by_last_run(scope, task, &output_types, job_id, outputs)?,
        None => None,
    };
    let entry = match left {
        Some(entry) => Some(entry),
        None => scope.store.memo_entry(key.get_or_insert_with(|| key_of(&current)))?,
    };
    let entry = entry.filter(|e| e.outputs.len() == output_types.len());
    let memo = match &entry {
        None => Memo::Absent,
        Some(entry) => {
            let mut memo = Memo::Usable;
            for ((output, ty), name) in entry.outputs.iter().zip(&output_types).zip(task.output_nodes()) {
                let recorded = match ty.is_watched() {
                    true => scope.store.with_current_version(&scope.node_ids[name], |v| v.map(|v| v.hash))?,
                    false => None,
                };
                match check(ty, &scope.node_ids[name], output, recorded)? {
                    ArtifactState::Intact => {}
                    ArtifactState::Missing => memo = Memo::OutputsMissing,
                    ArtifactState::Corrupt => {
                        memo = Memo::OutputCorrupt;
                        break;
                    }
                }
            }
            memo
        }
    };
    let entry = entry.filter(|_| memo == Memo::Usable);
    let recorded = match (&entry, last_result()) {
        (Some(e), Some((job_id, outputs))) if rerun => {
            job_id == e.job_id && outputs.iter().copied().eq(e.outputs.iter().map(|s| s.hash))
        }
        _ => false,
    };
    // The last run is copied out of its record only when it differs from this one (to say
    // what changed); the same run is `current` itself.
    let decision = match rerun {
        true => decide(task.is_skippable(), scope.force, &current, Some(&current), memo, stale),
        false => {
            let last = last.map(|last| last.run.to_owned_run());
            decide(task.is_skippable(), scope.force, &current, last.as_ref(), memo, stale)
        }
    };
    if matches!(decision, Decision::Run(_)) {
        key.get_or_insert_with(|| key_of(&current));
    }
    Ok(Judged { current, recorded, key, entry, decision })
}

/// The result the task's last run left in its outputs, as the memo entry that holds it, if
/// every output's current version still has the content that run recorded: then it is the
/// remembered result of these inputs (the memo entry of the same key names the same values),
/// and the usual checks (`judge`'s `check`: an artifact is verified) apply to it.
///
/// `None` (the memo table decides) for an output a user or another run has written since, for
/// watched outputs (files edited outside: their check needs the store's own copy) and in a
/// shared catalog (there a node's current version costs more reads than the memo entry).
fn left_by_last_run(
    scope: &Scope<'_>,
    task: &TaskConfig,
    output_types: &[&DataNodeConfig],
    job_id: &str,
    hashes: &[Fingerprint],
) -> Result<Option<MemoEntry>, StoreError> {
    if scope.store.is_shared()
        || hashes.len() != output_types.len()
        || output_types.iter().any(|node| node.is_watched())
    {
        return Ok(None);
    }
    let mut outputs = Vec::with_capacity(hashes.len());
    for (name, hash) in task.output_nodes().iter().zip(hashes) {
        let holds = |current: Option<&Version>| current.filter(|v| v.hash == *hash).map(|v| v.stored.clone());
        match scope.store.with_current_version(&scope.node_ids[name], holds)? {
            Some(stored) => outputs.push(stored),
            None => return Ok(None),
        }
    }
    let entry =
        MemoEntry { task_id: task.id().to_owned(), job_id: job_id.to_owned(), outputs, created_us: 0 };
    Ok(Some(entry))
}

/// Whether a remembered output can be restored: an artifact whose bytes match its hash (a
/// damaged one is quarantined), an inline value, or an external file that still has the
/// remembered content.
///
/// A watched output (a file the node is stored in) edited outside counts as intact when the
/// node's current version (`current`) is the remembered output, or is already the edited file
/// and was made by edits (outside or a user's) of the remembered output
/// ([`Store::hash_before_edits`]): the producer is skipped and the edit is kept (the skip does
/// not restore the old content), and the edited content becomes a new version of the node when
/// its readers refresh it, so they re-run (Taipy's rule: an edit stands while the inputs are
/// those of the run it edited). Told by the node's versions, not by the task's last run, which
/// may be older than its newest run (lost in a crash before its submission's end, or hidden by
/// another submission's: `store/runs.rs`). A file overwritten by a run for other inputs is put
/// back from the store's copy (with `restore`; `preview` only checks the copy), so returning to
/// earlier inputs skips as it does for values kept in the store. A deleted file, or an
/// `in_memory` value of another process, is missing: the producer re-runs.
fn restorable(
    store: &Store,
    node: &DataNodeConfig,
    node_id: &str,
    stored: &Stored,
    current: Option<Fingerprint>,
    restore: bool,
) -> Result<ArtifactState, StoreError> {
    if node.is_watched() {
        let edit_kept = |fresh| -> Result<bool, StoreError> {
            Ok(!node.value_type().is_external()
                && (current == Some(stored.hash)
                    || (current == Some(fresh) && store.hash_before_edits(node_id)? == Some(stored.hash))))
        };
        let fresh = match node.refresh(stored, &store.cx()) {
            Ok(fresh) if fresh == stored.hash || edit_kept(fresh)? => return Ok(ArtifactState::Intact),
            Ok(fresh) => fresh,
            // Deleted (or an in_memory value of another process): the producer re-runs.
            Err(_) => return Ok(ArtifactState::Missing),
        };
        let _ = fresh;
        // Overwritten since (by a run for other inputs): put back from the store's copy.
        if !matches!(stored.payload, crate::value::Payload::Artifact { .. }) {
            return Ok(ArtifactState::Missing);
        }
        let state = if restore { store.verify_artifact(stored)? } else { store.check_artifact(stored)? };
        if restore && state == ArtifactState::Intact {
            node.storage().restore(node.value_type(), stored, &store.cx())?;
        }
        return Ok(state);
    }
    store.verify_artifact(stored)
}

/// An input's current version; an external file is re-fingerprinted first, and a changed file
/// becomes a new version of its node (its event goes to `events`).
fn input_version(scope: &Scope<'_>, name: &str, events: &mut Vec<Event>) -> Result<Version, StoreError> {
    let store = scope.store;
    let node_id = &scope.node_ids[name];
    let never_written =
        || StoreError::NeverWritten { node: name.to_owned(), scenario: scope.scenario_name.to_owned() };
    let version = store.current_version(node_id)?.ok_or_else(never_written)?;
    let node = scope.config.node(name).expect("validated");
    if !node.is_watched() {
        return Ok(version);
    }
    let fresh = node.refresh(&version.stored, &store.cx())?;
    if fresh == version.hash {
        return Ok(version);
    }
    let stored = Stored { hash: fresh, ..version.stored };
    if let Some(new) = store.write_node(node_id, &stored, Writer::FileChanged, None)? {
        events.push(Event::update(EntityType::DataNode, node_id, "version", new.to_string()));
    }
    store.current_version(node_id)?.ok_or_else(never_written)
}

/// The memo key of a task run with these input hashes (in declared order) and node layouts.
pub(crate) fn memo_key(
    task: &TaskConfig,
    inputs: impl IntoIterator<Item = Fingerprint, IntoIter: ExactSizeIterator>,
    layouts: &NodeLayouts,
) -> Fingerprint {
    let inputs = inputs.into_iter();
    let mut builder = FingerprintBuilder::new("taipy.memo.v2");
    builder.str(task.id()).fingerprint(&task.fingerprint()).u64(inputs.len() as u64);
    for input in inputs {
        builder.fingerprint(&input);
    }
    for list in [&layouts.inputs, &layouts.outputs] {
        builder.u64(list.len() as u64);
        for (_, layout) in list {
            match layout {
                Some(layout) => builder.u64(1).fingerprint(layout),
                None => builder.u64(0),
            };
        }
    }
    builder.finish()
}

/// The nodes of `now` whose layout differs from `before` (a node missing from `before` counts
/// as changed).
fn changed_layouts(
    now: &[(String, Option<Fingerprint>)],
    before: &[(String, Option<Fingerprint>)],
) -> Vec<String> {
    now.iter()
        .filter(|(name, layout)| before.iter().find(|(n, _)| n == name).is_none_or(|(_, l)| l != layout))
        .map(|(name, _)| name.clone())
        .collect()
}

/// What the memo table holds for a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Memo {
    /// No result is remembered.
    Absent,
    /// A result is remembered but some of its outputs are gone.
    OutputsMissing,
    /// A result is remembered but some of its outputs were damaged (and are now quarantined).
    OutputCorrupt,
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
    // Layouts are compared only with a run that recorded them (not one from an older store).
    let layouts = last.filter(|last| !last.layouts.is_empty()).map(|last| {
        let inputs = changed_layouts(&current.layouts.inputs, &last.layouts.inputs);
        let outputs = changed_layouts(&current.layouts.outputs, &last.layouts.outputs);
        (inputs, outputs)
    });
    if let (Memo::Absent, Some((inputs, outputs))) = (memo, &layouts)
        && (!inputs.is_empty() || !outputs.is_empty())
    {
        return Decision::Run(Reason::LayoutChanged { inputs: inputs.clone(), outputs: outputs.clone() });
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
        (Memo::OutputCorrupt, _) => Decision::Run(Reason::OutputCorrupt),
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
        TaskRun {
            fingerprint: fp(code),
            inputs: vec![("a".into(), fp(a)), ("b".into(), fp(b))],
            layouts: NodeLayouts::default(),
        }
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
        let none = NodeLayouts::default();
        let base = memo_key(&t, [fp(1), fp(2)], &none);
        assert_ne!(base, memo_key(&t, [fp(2), fp(1)], &none));
        assert_ne!(base, memo_key(&TaskConfig::new("u", f), [fp(1), fp(2)], &none));
        assert_ne!(base, memo_key(&TaskConfig::new("t", f).version(1), [fp(1), fp(2)], &none));
        assert_eq!(base, memo_key(&TaskConfig::new("t", f), [fp(1), fp(2)], &none));
    }

    fn layouts(a: Option<u8>, out: Option<u8>) -> NodeLayouts {
        NodeLayouts {
            inputs: vec![("a".into(), a.map(fp)), ("b".into(), None)],
            outputs: vec![("y".into(), out.map(fp))],
        }
    }

    #[test]
    fn memo_keys_depend_on_every_node_layout() {
        let t = TaskConfig::new("t", |a: &i64, b: &i64| a + b);
        let base = memo_key(&t, [fp(1), fp(2)], &layouts(Some(7), Some(8)));
        assert_ne!(base, memo_key(&t, [fp(1), fp(2)], &layouts(Some(9), Some(8))));
        assert_ne!(base, memo_key(&t, [fp(1), fp(2)], &layouts(Some(7), Some(9))));
        assert_ne!(base, memo_key(&t, [fp(1), fp(2)], &layouts(None, Some(8))));
        assert_eq!(base, memo_key(&t, [fp(1), fp(2)], &layouts(Some(7), Some(8))));
    }

    #[test]
    fn a_changed_layout_is_named_and_an_unrecorded_one_is_not() {
        let with = |layouts| TaskRun { layouts, ..run(1, 1, 1) };
        let (now, before) = (with(layouts(Some(1), Some(2))), with(layouts(Some(1), Some(3))));
        let d = decide(true, false, &now, Some(&before), Memo::Absent, &[]);
        assert_eq!(d, Decision::Run(Reason::LayoutChanged { inputs: vec![], outputs: vec!["y".into()] }));
        assert_eq!(d_reason(&d), "type layout changed: output `y`");
        // A run recorded before layouts (an older store): no memo entry under the new key.
        let d = decide(true, false, &now, Some(&run(1, 1, 1)), Memo::Absent, &[]);
        assert_eq!(d, Decision::Run(Reason::NoMemoEntry));
    }

    fn d_reason(d: &Decision) -> String {
        match d {
            Decision::Run(r) | Decision::Skip(r) => r.to_string(),
        }
    }
}
