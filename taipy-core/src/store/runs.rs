//! A scenario's task last runs (format 10): one record per submission that changed them.
//!
//! What a task last ran (or skipped) with in a scenario, and the result it left, explains its
//! next decision and lets a job deciding as its last run did skip without reading the memo
//! table (`orchestrator/skip.rs`). It never decides alone: the memo table does.
//!
//! Until format 9 each job's commit group wrote its task's last run: a record per job of every
//! first run, a quarter of what the writer thread (the busiest thread of a first run) applied.
//! Now:
//!
//! - a job's last run is kept by its submission (`orchestrator/run.rs`) and written at the
//!   submission's end, all of them in one [`RunSet`](super::records::RunSet) keyed by the
//!   scenario and the submission's number, in the commit group that clears the submission's
//!   unfinished mark;
//! - a submission reads its scenario's sets with one scan when it starts
//!   ([`Store::last_runs`]): a task's last run is the one of the newest set (highest number)
//!   that holds it;
//! - a scenario with [`MAX_SETS`] sets gets, with its next set, every task's last run as that
//!   submission found them when it started, and the sets it read then are removed: a scenario
//!   keeps at most `MAX_SETS` sets, so a submission reads each task id a few times at most.
//!
//! So a task's last run as read may be older than its newest run: after a crash, the runs of
//! the interrupted submission's jobs are lost (their next decision reads the memo table, which
//! holds their results, written with their outputs, and skips them; their runs are recorded
//! then), and two submissions of a scenario ending out of number order, or a compacting one
//! that read older sets, can leave an older run in the newest set. Nothing may trust a last
//! run to be the newest:
//!
//! - explaining a decision ([`Reason`](crate::Reason)) by an older run only explains it less
//!   well;
//! - a result found in the outputs by the last run (`skip.rs`, `left_by_last_run`) is checked
//!   against the outputs' current versions: an older run's result is still the result of its
//!   inputs;
//! - whether a file output holds an edit of the remembered result, kept, or another run's
//!   output, restored (`skip.rs`, `restorable`), is told by the node's versions, not by the
//!   last run (before review it was: a file holding a newer run's output was kept as an edit
//!   when the inputs returned to an older run's, and an edit of a result whose run was lost
//!   was restored over; tests in `scenario/last_runs.rs`).
//!
//! A set that cannot be read is reported, left out, and removed by the scenario's next set.

use std::ops::Range;

use super::Store;
use super::catalog::{Catalog, Group, Write};
use super::keys::{self, Space};
use super::records::{EncodedRef, LastRun, RunSetOut, RunSetView, decode_view, encode_into};
use crate::error::StoreError;

/// The most run sets a scenario has: the next one written then holds all its last runs (and
/// the others are removed).
pub(crate) const MAX_SETS: usize = 8;

/// A scenario's last task runs as [`Store::last_runs`] read them: its run sets' bytes in one
/// buffer, and where each task's newest run is in it.
#[derive(Default)]
pub(crate) struct LastRuns {
    bytes: Vec<u8>,
    /// Per task, by task id: where its id and its run are in `bytes`.
    runs: Vec<(Range<usize>, Range<usize>)>,
    /// The numbers of the sets read (a compacting write removes them).
    sets: Vec<u64>,
    /// The keys of the sets that could not be read (the next set written removes them).
    unreadable: Vec<Vec<u8>>,
}

impl LastRuns {
    /// The bytes of task `task_id`'s last run, if it has one.
    pub(crate) fn get(&self, task_id: &str) -> Option<&[u8]> {
        let found = self.runs.binary_search_by(|(task, _)| self.bytes[task.clone()].cmp(task_id.as_bytes()));
        Some(&self.bytes[self.runs[found.ok()?].1.clone()])
    }

    /// Every task id with the bytes of its last run, by task id.
    fn entries(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.runs.iter().map(|(task, run)| {
            let task = std::str::from_utf8(&self.bytes[task.clone()]).expect("read as text");
            (task, &self.bytes[run.clone()])
        })
    }
}

/// The number a submission's id ends with (hex, as `Store::new_id` makes it).
fn submission_number(submission_id: &str) -> Option<u64> {
    u64::from_str_radix(super::skipped::number(submission_id), 16).ok()
}

/// The write of run set `n` of scenario `scenario_id` holding `runs` (by task id, one run a
/// task), each run's record bytes as they are.
fn set_write(scenario_id: &str, n: u64, runs: &[(&str, EncodedRef<'_>)]) -> Result<Write, StoreError> {
    let mut value =
        Vec::with_capacity(runs.iter().map(|(task, run)| task.len() + run.0.len() + 4).sum::<usize>() + 16);
    encode_into(Space::TaskRuns.what(), &RunSetOut { runs }, &mut value)?;
    Ok(Write {
        space: Space::TaskRuns,
        key: keys::run_set(scenario_id, n).bytes().to_vec(),
        value: Some(value),
    })
}

impl Store {
    /// The last runs of a scenario's tasks, read with one scan of its run sets: what its
    /// submissions decide with. A set that cannot be read is reported
    /// ([`unreadable_records`](Self::unreadable_records)) and left out: its tasks decide
    /// through the memo table, and record their runs anew.
    pub(crate) fn last_runs(&self, scenario_id: &str) -> Result<LastRuns, StoreError> {
        let prefix = keys::run_sets_of(scenario_id);
        let skip = prefix.bytes().len();
        let mut runs = LastRuns::default();
        // Each task's id and run, and the set's place in key (number) order.
        let mut found: Vec<(Range<usize>, Range<usize>, usize)> = Vec::new();
        let mut unreadable = Vec::new();
        self.inner.catalog.scan_each(Space::TaskRuns, prefix.bytes(), &mut |key, bytes| {
            let start = runs.bytes.len();
            runs.bytes.extend_from_slice(bytes);
            let base = runs.bytes.as_ptr() as usize;
            // Where a slice of the set's view is in the buffer.
            let at = |part: &[u8]| {
                let offset = part.as_ptr() as usize - base;
                offset..offset + part.len()
            };
            let number = key.get(skip..).and_then(keys::run_set_number);
            let read = decode_view::<RunSetView<'_>>(Space::TaskRuns.what(), key, &runs.bytes[start..]);
            let error = match (number, read) {
                (Some(n), Ok(view)) => {
                    let set = runs.sets.len();
                    found.extend(view.runs.iter().map(|(task, run)| (at(task.as_bytes()), at(run), set)));
                    runs.sets.push(n);
                    None
                }
                (None, _) => Some(StoreError::Corrupt {
                    what: Space::TaskRuns.what(),
                    key: keys::display(key),
                    reason: "not a run set's key (a scenario id and a submission number)".into(),
                }),
                (Some(_), Err(e)) => Some(e),
            };
            if let Some(error) = error {
                runs.bytes.truncate(start);
                unreadable.push((key.to_vec(), error));
            }
        })?;
        self.count_records(runs.sets.len() + unreadable.len());
        for (key, error) in unreadable {
            self.report_unreadable(Space::TaskRuns.what(), &key, error);
            runs.unreadable.push(key);
        }
        // Per task, the newest set's run (the sets came in number order). One set is written
        // by task id, one run a task: checked, not trusted (a damaged set may still decode).
        let bytes = &runs.bytes;
        let task = |entry: &(Range<usize>, Range<usize>, usize)| &bytes[entry.0.clone()];
        if runs.sets.len() > 1 || !found.windows(2).all(|pair| task(&pair[0]) < task(&pair[1])) {
            found.sort_by(|a, b| task(a).cmp(task(b)).then(b.2.cmp(&a.2)));
            found.dedup_by(|later, kept| task(later) == task(kept));
        }
        runs.runs = found.into_iter().map(|(task, run, _)| (task, run)).collect();
        Ok(runs)
    }

    /// Stages into `group` the removal of scenario `scenario_id`'s run sets, readable or not.
    pub(crate) fn stage_run_sets_removal(
        &self,
        group: &mut Group,
        scenario_id: &str,
    ) -> Result<(), StoreError> {
        let prefix = keys::run_sets_of(scenario_id);
        self.inner.catalog.scan_each(Space::TaskRuns, prefix.bytes(), &mut |key, _| {
            group.writes.push(Write { space: Space::TaskRuns, key: key.to_vec(), value: None });
        })
    }

    /// Stages into `group` scenario `from`'s last runs as scenario `to`'s, in one set.
    pub(crate) fn stage_copy_of_last_runs(
        &self,
        group: &mut Group,
        from: &str,
        to: &str,
    ) -> Result<(), StoreError> {
        let read = self.last_runs(from)?;
        if read.runs.is_empty() {
            return Ok(());
        }
        let runs: Vec<(&str, EncodedRef<'_>)> =
            read.entries().map(|(task, run)| (task, EncodedRef(run))).collect();
        group.writes.push(set_write(to, 0, &runs)?);
        Ok(())
    }

    /// Reports task `task_id`'s last run in scenario `scenario_id`, found in a run set, as
    /// unreadable: its job decides without it.
    pub(crate) fn report_unreadable_run(&self, scenario_id: &str, task_id: &str, error: StoreError) {
        self.report_unreadable("task run", &keys::joined(scenario_id, task_id.as_bytes()), error);
    }
}

impl Group {
    /// Stages the last runs `runs` (task id and run, one per task) that submission
    /// `submission_id` leaves in scenario `scenario_id`, as one run set. If `read`, the runs the
    /// submission read when it started, came from [`MAX_SETS`] sets or more, the set holds
    /// them too (its own runs first) and those sets are removed.
    pub(crate) fn put_run_set(
        &mut self,
        scenario_id: &str,
        submission_id: &str,
        mut runs: Vec<(String, LastRun)>,
        read: &LastRuns,
    ) -> Result<(), StoreError> {
        let Some(n) = submission_number(submission_id) else {
            // Not an id this taipy makes: the runs are lost, which the memo table makes up for.
            tracing::warn!(
                submission = submission_id,
                "no number in the submission's id: its last runs are not kept"
            );
            return Ok(());
        };
        if runs.is_empty() {
            return Ok(());
        }
        // By task id, one run a task (the last kept: sorting is stable).
        runs.sort_by(|a, b| a.0.cmp(&b.0));
        runs.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        let mut encoded = Vec::with_capacity(runs.len() * 200);
        let mut ends = Vec::with_capacity(runs.len());
        for (_, run) in &runs {
            encode_into("task run", run, &mut encoded)?;
            ends.push(encoded.len());
        }
        let mut start = 0;
        let own = runs.iter().zip(ends).map(|((task, _), end)| {
            (task.as_str(), EncodedRef(&encoded[std::mem::replace(&mut start, end)..end]))
        });
        let compacting = read.sets.len() >= MAX_SETS;
        let entries: Vec<(&str, EncodedRef<'_>)> =
            if compacting { merged(own, read.entries()) } else { own.collect() };
        self.writes.push(set_write(scenario_id, n, &entries)?);
        if compacting {
            for &m in read.sets.iter().filter(|&&m| m != n) {
                self.remove(&keys::run_set(scenario_id, m));
            }
        }
        for key in &read.unreadable {
            self.writes.push(Write { space: Space::TaskRuns, key: key.clone(), value: None });
        }
        Ok(())
    }
}

/// `own` and `read`, both by task id, merged by task id; a task in both keeps `own`'s.
fn merged<'a>(
    own: impl Iterator<Item = (&'a str, EncodedRef<'a>)>,
    read: impl Iterator<Item = (&'a str, &'a [u8])>,
) -> Vec<(&'a str, EncodedRef<'a>)> {
    let mut own = own.peekable();
    let mut read = read.peekable();
    let mut out = Vec::new();
    loop {
        let next = match (own.peek(), read.peek()) {
            (None, None) => return out,
            (Some(_), None) => own.next(),
            (None, Some(_)) => read.next().map(|(task, run)| (task, EncodedRef(run))),
            (Some((a, _)), Some((b, _))) => match a.cmp(b) {
                std::cmp::Ordering::Less => own.next(),
                std::cmp::Ordering::Greater => read.next().map(|(task, run)| (task, EncodedRef(run))),
                std::cmp::Ordering::Equal => {
                    read.next();
                    own.next()
                }
            },
        };
        out.extend(next);
    }
}

/// The writes that turn format 9's last runs (a record per task, `scenario id, 0, task id`)
/// into run sets: for each scenario, one set numbered 0 holding its records' bytes as they are,
/// and the removal of those records. A record whose key is not of that form is left as it is.
pub(crate) fn sets_from_task_runs(catalog: &dyn Catalog) -> Result<Vec<Write>, StoreError> {
    let scanned = catalog.scan(Space::TaskRuns, b"")?;
    let mut writes = Vec::new();
    let mut sets: Vec<(&str, Vec<(&str, EncodedRef<'_>)>)> = Vec::new();
    for (key, bytes) in &scanned {
        let Some((scenario, task)) = keys::split_task_run(key) else { continue };
        let (Ok(scenario), Ok(task)) = (std::str::from_utf8(scenario), std::str::from_utf8(task)) else {
            continue;
        };
        // In key order: a scenario's records are together, by task id.
        match sets.last_mut() {
            Some((last, runs)) if *last == scenario => runs.push((task, EncodedRef(bytes))),
            _ => sets.push((scenario, vec![(task, EncodedRef(bytes))])),
        }
        writes.push(Write { space: Space::TaskRuns, key: key.clone(), value: None });
    }
    for (scenario, runs) in sets {
        writes.push(set_write(scenario, 0, &runs)?);
    }
    Ok(writes)
}

#[cfg(test)]
impl Store {
    /// Stages `group` and applies it (the test doors below).
    fn applied(&self, group: Group) -> Result<(), StoreError> {
        self.stage(group);
        self.apply_all()
    }

    /// The numbers of scenario `scenario_id`'s run sets (tests).
    pub(crate) fn run_sets(&self, scenario_id: &str) -> Vec<u64> {
        self.apply_all().unwrap();
        let prefix = keys::run_sets_of(scenario_id);
        let scanned = self.inner.catalog.scan(Space::TaskRuns, prefix.bytes()).unwrap();
        scanned.iter().filter_map(|(key, _)| keys::run_set_number(&key[prefix.bytes().len()..])).collect()
    }

    /// Rewrites scenario `scenario_id`'s last runs with `rewrite` applied to each run's record
    /// bytes, in one set (tests: a damaged run, a run as an older taipy wrote it); returns how
    /// many it rewrote.
    pub(crate) fn rewrite_last_runs(
        &self,
        scenario_id: &str,
        rewrite: impl Fn(&str, &[u8]) -> Vec<u8>,
    ) -> Result<usize, StoreError> {
        self.apply_all()?;
        let read = self.last_runs(scenario_id)?;
        let bytes: Vec<(&str, Vec<u8>)> =
            read.entries().map(|(task, run)| (task, rewrite(task, run))).collect();
        let runs: Vec<(&str, EncodedRef<'_>)> =
            bytes.iter().map(|(task, run)| (*task, EncodedRef(run))).collect();
        let mut group = Group::default();
        for &n in &read.sets {
            group.remove(&keys::run_set(scenario_id, n));
        }
        group.writes.push(set_write(scenario_id, read.sets.last().copied().unwrap_or(0), &runs)?);
        self.applied(group)?;
        Ok(runs.len())
    }

    /// Removes scenario `scenario_id`'s run set `n`, as a crash before its submission's end
    /// leaves it unwritten (tests).
    pub(crate) fn remove_run_set(&self, scenario_id: &str, n: u64) -> Result<(), StoreError> {
        let mut group = Group::default();
        group.remove(&keys::run_set(scenario_id, n));
        self.applied(group)
    }

    /// Copies scenario `scenario_id`'s run set `from` to number `to`, as a submission that read
    /// it, and compacted, could write it after a newer one (tests).
    pub(crate) fn copy_run_set(&self, scenario_id: &str, from: u64, to: u64) -> Result<(), StoreError> {
        self.apply_all()?;
        let key = keys::run_set(scenario_id, from);
        let value = self.inner.catalog.get(Space::TaskRuns, key.bytes())?;
        let mut group = Group::default();
        group.writes.push(Write {
            space: Space::TaskRuns,
            key: keys::run_set(scenario_id, to).bytes().to_vec(),
            value,
        });
        self.applied(group)
    }

    /// Rewrites scenario `scenario_id`'s last runs as format 7 and older wrote them, without the
    /// result they left (tests of reading such runs); returns how many it rewrote.
    pub(crate) fn forget_run_results(&self, scenario_id: &str) -> Result<usize, StoreError> {
        self.rewrite_last_runs(scenario_id, |task, bytes| {
            let last: LastRun = super::records::decode("task run", task.as_bytes(), bytes).expect("a run");
            super::records::encode("task run", &last.run).expect("encodable")
        })
    }

    /// Overwrites every run set of scenario `scenario_id` with bytes no taipy reads, as a
    /// damaged disk could leave them (tests).
    pub(crate) fn damage_run_sets(&self, scenario_id: &str) -> Result<(), StoreError> {
        let mut group = Group::default();
        for n in self.run_sets(scenario_id) {
            let key = keys::run_set(scenario_id, n).bytes().to_vec();
            group.writes.push(Write { space: Space::TaskRuns, key, value: Some(vec![1, 0xff, 0xff]) });
        }
        self.applied(group)
    }

    /// Rewrites scenario `scenario_id`'s run sets as format 9 kept last runs, a record per task
    /// (tests of the upgrade); returns how many.
    pub(crate) fn as_format_9_task_runs(&self, scenario_id: &str) -> Result<usize, StoreError> {
        self.apply_all()?;
        let read = self.last_runs(scenario_id)?;
        let mut group = Group::default();
        for &n in &read.sets {
            group.remove(&keys::run_set(scenario_id, n));
        }
        for (task, run) in read.entries() {
            let key = keys::task_run(scenario_id, task);
            group.writes.push(Write { space: Space::TaskRuns, key, value: Some(run.to_vec()) });
        }
        self.applied(group)?;
        Ok(read.runs.len())
    }

    /// Applies the upgrade's rewrite of format 9 last runs ([`sets_from_task_runs`]) (tests).
    pub(crate) fn upgrade_task_runs(&self) -> Result<(), StoreError> {
        self.apply_all()?;
        let writes = sets_from_task_runs(&*self.inner.catalog)?;
        self.applied(Group { writes, ..Group::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stages run set `n` of scenario `s` holding `runs`, in their order, as they are.
    fn put_raw(store: &Store, n: u64, runs: &[(&str, &[u8])]) {
        let runs: Vec<(&str, EncodedRef<'_>)> =
            runs.iter().map(|&(task, run)| (task, EncodedRef(run))).collect();
        store.applied(Group { writes: vec![set_write("s", n, &runs).unwrap()], ..Group::default() }).unwrap();
    }

    /// A set is read by task id with one run a task even when it was not written so (a damaged
    /// set may still decode), and a newer set's run wins over an older one's.
    #[test]
    fn runs_are_found_by_task_whatever_a_sets_order_and_the_newest_wins() {
        let store = Store::temporary().unwrap();
        put_raw(&store, 3, &[("b", b"b-first"), ("a", b"a-old"), ("b", b"b-second")]);
        let read = store.last_runs("s").unwrap();
        assert_eq!(read.get("a"), Some(&b"a-old"[..]));
        assert_eq!(read.get("b"), Some(&b"b-first"[..]), "one of a set's duplicates, the first");
        assert_eq!(read.entries().map(|(task, _)| task).collect::<Vec<_>>(), ["a", "b"]);

        put_raw(&store, 0x100, &[("a", b"a-new")]);
        let read = store.last_runs("s").unwrap();
        assert_eq!((read.get("a"), read.get("b")), (Some(&b"a-new"[..]), Some(&b"b-first"[..])));
        assert_eq!(read.get("c"), None);
    }

    /// A compacting set holds every task once, its own runs over those read.
    #[test]
    fn a_merge_keeps_every_task_once_with_its_own_run_first() {
        let own = [("b", EncodedRef(b"b-own")), ("d", EncodedRef(b"d-own"))];
        let read: [(&str, &[u8]); 3] = [("a", b"a-read"), ("b", b"b-read"), ("c", b"c-read")];
        let merged: Vec<(&str, &[u8])> =
            merged(own.into_iter(), read.into_iter()).into_iter().map(|(task, run)| (task, run.0)).collect();
        let expected: [(&str, &[u8]); 4] =
            [("a", b"a-read"), ("b", b"b-own"), ("c", b"c-read"), ("d", b"d-own")];
        assert_eq!(merged, expected);
    }
}
