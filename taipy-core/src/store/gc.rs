//! Retention and garbage collection: what the store may forget, and freeing the space.
//!
//! Nothing the user was told is saved can be collected:
//! - a value is written under the shared side of the store's *gate* from the moment its
//!   artifact is put until its version is staged; collection holds the gate exclusively, so it
//!   never sees an artifact whose version is still on its way;
//! - running submissions *pin* the versions they read and the artifacts they read and write
//!   until they end, so a value a task is reading is never deleted under it, nor a version its
//!   job's lineage will name;
//! - the current version of every node, and every version its lineage leads to, is kept.
//!
//! What else is kept is the [`GcPolicy`]'s choice: old versions per node, and remembered
//! results (memo entries) beyond those of the current versions, newest first. Records are
//! removed first (one commit, flushed), files after: a crash in between leaves files no record
//! names, which the next collection deletes. Only the decision holds the gate: the flush and the
//! deletions run outside it, and a value written meanwhile with the bytes of a file marked for
//! deletion keeps that file (the mark comes off as the file lands). Temporary files left by dead processes are removed
//! when the store opens and at every collection.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::catalog::Group;
use super::commit::lock;
use super::keys::{self, Prefix};
use super::records::{MemoEntry, NodeRecord, Version, Writer};
use super::{Store, StoreError};
use crate::fingerprint::Fingerprint;
use crate::job::Job;
use crate::value::{Payload, Stored};

/// What garbage collection keeps besides what is always kept (every node's current version, the
/// versions their lineage leads to, the results of the current versions, and whatever running
/// submissions use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GcPolicy {
    /// How many older versions of each data node to keep (`None`: all of them — the edit
    /// history is never shortened).
    pub old_versions: Option<usize>,
    /// How many other remembered task results to keep, newest first (`None`: all). A result
    /// that is forgotten is recomputed if its inputs come back.
    pub memo_entries: Option<usize>,
}

impl GcPolicy {
    /// Keeps every version and every remembered result: only files nothing refers to go.
    pub fn keep_all() -> Self {
        Self { old_versions: None, memo_entries: None }
    }

    /// Keeps only what the current versions need: their lineage and their results.
    pub fn keep_only_current() -> Self {
        Self { old_versions: Some(0), memo_entries: Some(0) }
    }

    /// Keeps `old_versions` older versions per node and `memo_entries` other results.
    pub fn keep(old_versions: usize, memo_entries: usize) -> Self {
        Self { old_versions: Some(old_versions), memo_entries: Some(memo_entries) }
    }
}

impl Default for GcPolicy {
    fn default() -> Self {
        Self::keep_all()
    }
}

/// What a collection removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GcReport {
    /// Data-node versions forgotten.
    pub versions_removed: usize,
    /// Remembered task results forgotten.
    pub memo_entries_removed: usize,
    /// Artifact files deleted.
    pub artifacts_removed: usize,
    /// Bytes freed on disk (artifacts and temporary files).
    pub bytes_freed: u64,
}

/// What the store takes on disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiskUsage {
    /// The catalog (records).
    pub catalog_bytes: u64,
    /// Stored artifacts.
    pub artifacts_bytes: u64,
    /// How many artifacts.
    pub artifacts: usize,
    /// Artifacts found corrupt and moved aside (delete `artifacts/quarantine/` to free them).
    pub quarantined_bytes: u64,
    /// Temporary files: values being written now, or left by a dead process.
    pub temporary_bytes: u64,
}

impl DiskUsage {
    /// Everything together.
    pub fn total_bytes(&self) -> u64 {
        self.catalog_bytes + self.artifacts_bytes + self.quarantined_bytes + self.temporary_bytes
    }
}

/// What running submissions use: an artifact, or a version (which lineage will name).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Pinned {
    Artifact(Fingerprint),
    Version(String, u64),
}

/// What is in use by running submissions, with how many pins each.
#[derive(Default)]
pub(crate) struct Pins(Mutex<foldhash::HashMap<Pinned, usize>>);

/// Keeps an artifact or a version from collection while alive.
pub(crate) struct Pin {
    pins: Arc<Pins>,
    what: Pinned,
}

impl Drop for Pin {
    fn drop(&mut self) {
        let mut pins = lock(&self.pins.0);
        if let Some(count) = pins.get_mut(&self.what) {
            *count -= 1;
            if *count == 0 {
                pins.remove(&self.what);
            }
        }
    }
}

fn artifact_hash(stored: &Stored) -> Option<Fingerprint> {
    match &stored.payload {
        Payload::Artifact { hash, .. } => Some(*hash),
        Payload::Inline(_) => None,
    }
}

impl Store {
    fn pin_what(&self, what: Pinned) -> Pin {
        *lock(&self.inner.pins.0).entry(what.clone()).or_default() += 1;
        Pin { pins: Arc::clone(&self.inner.pins), what }
    }

    /// Pins the artifact of `stored` (if it has one) until the returned pin is dropped.
    pub(crate) fn pin(&self, stored: &Stored) -> Option<Pin> {
        artifact_hash(stored).map(|hash| self.pin_what(Pinned::Artifact(hash)))
    }

    /// Pins version `number` of node `node_id`, and its artifact, until the pins (added to
    /// `pins`) are dropped: a running job's input, which its lineage will name.
    pub(crate) fn pin_version(&self, node_id: &str, number: u64, stored: &Stored, pins: &mut Vec<Pin>) {
        pins.push(self.pin_what(Pinned::Version(node_id.to_owned(), number)));
        pins.extend(self.pin(stored));
    }

    /// Deletes artifact files that no data-node version, remembered result or running
    /// submission refers to, and temporary files left by dead processes. Returns how many
    /// artifacts were deleted. Safe while submissions run and values are written.
    pub fn collect_garbage(&self) -> Result<usize, StoreError> {
        Ok(self.gc(GcPolicy::keep_all())?.artifacts_removed)
    }

    /// Forgets what `policy` does not keep, then deletes the files nothing refers to any more.
    /// Safe while submissions run and values are written (see the module documentation of
    /// `store/gc.rs`).
    pub fn gc(&self, policy: GcPolicy) -> Result<GcReport, StoreError> {
        self.collect(policy, false)
    }

    /// What [`gc`](Self::gc) with `policy` would remove now, removing nothing (temporary files
    /// of dead processes, which it also removes, are not counted).
    pub fn gc_dry_run(&self, policy: GcPolicy) -> Result<GcReport, StoreError> {
        self.collect(policy, true)
    }

    fn collect(&self, policy: GcPolicy, dry_run: bool) -> Result<GcReport, StoreError> {
        // Other processes' running jobs and pins are not known here: nothing is collected.
        if self.is_shared() {
            return Err(StoreError::NotOnSharedStore { operation: "garbage collection" });
        }
        let mut report = GcReport::default();
        // Under the gate: decide, stage the removal of records and apply it (a job deciding
        // after this no longer finds them), and mark the files nothing refers to.
        let gate = self.inner.gate.write().unwrap_or_else(|p| p.into_inner());
        self.apply_all()?;

        // Every version, by node, and the current ones.
        let nodes: Vec<NodeRecord> = self.list(&Prefix::all())?.into_iter().map(|(_, r)| r).collect();
        let mut versions: BTreeMap<(String, u64), Version> = BTreeMap::new();
        for (key, version) in self.list::<Version>(&Prefix::all())? {
            if let Some(id) = keys::parse_version(&key) {
                versions.insert(id, version);
            }
        }
        let pinned: Vec<Pinned> = lock(&self.inner.pins.0).keys().cloned().collect();
        let currents = current_versions(&nodes, &versions);
        let mut current: Vec<(String, u64)> = currents.iter().cloned().collect();
        current.extend(pinned.iter().filter_map(|p| match p {
            Pinned::Version(node, number) => Some((node.clone(), *number)),
            Pinned::Artifact(_) => None,
        }));

        // Kept: current versions, their lineage, and the newest old versions per node.
        let mut kept: HashSet<(String, u64)> = HashSet::new();
        let mut stack = current.clone();
        while let Some(id) = stack.pop() {
            if !kept.insert(id.clone()) {
                continue;
            }
            let Some(version) = versions.get(&id) else { continue };
            match &version.writer {
                Writer::Job { job, .. } | Writer::Reused { job, .. } => {
                    // An unreadable job is reported; the lineage behind it cannot be followed.
                    if let Some(job) = self.read_or_report::<Job>(&keys::job(job))? {
                        stack.extend(job.inputs.iter().map(|i| (i.node_id.clone(), i.number)));
                    }
                }
                Writer::Copied { node, number } => stack.push((node.clone(), *number)),
                // A file edited outside: its lineage is the version it edited, by which a
                // decision tells the edit from another run's output (`Store::hash_before_edits`).
                // (A user's write through taipy keeps its own value, not what it replaced.)
                Writer::FileChanged if id.1 > 1 => stack.push((id.0.clone(), id.1 - 1)),
                _ => {}
            }
        }
        if let Some(keep_old) = policy.old_versions {
            // The newest `keep_old` versions of each node besides its current one (which is
            // kept anyway and does not count).
            let mut per_node: HashMap<&str, usize> = HashMap::new();
            for (node, number) in versions.keys().rev() {
                if currents.contains(&(node.clone(), *number)) {
                    continue;
                }
                let older = per_node.entry(node.as_str()).or_default();
                if *older < keep_old {
                    kept.insert((node.clone(), *number));
                }
                *older += 1;
            }
        } else {
            kept.extend(versions.keys().cloned());
        }
        let forget: Vec<(String, u64)> = versions.keys().filter(|id| !kept.contains(*id)).cloned().collect();

        // Kept results: those whose outputs are all kept versions' values, and the newest others.
        let kept_values: HashSet<&Stored> =
            versions.iter().filter(|(id, _)| kept.contains(*id)).map(|(_, v)| &v.stored).collect();
        let mut memo: Vec<(Fingerprint, MemoEntry)> = Vec::new();
        for (key, entry) in self.list::<MemoEntry>(&Prefix::all())? {
            if let Ok(bytes) = <[u8; 32]>::try_from(key.bytes()) {
                memo.push((Fingerprint(bytes), entry));
            }
        }
        memo.sort_by_key(|(_, entry)| std::cmp::Reverse(entry.created_us));
        let mut others = 0;
        let mut memo_forget = Vec::new();
        let mut memo_kept = Vec::new();
        for (key, entry) in memo {
            let current = entry.outputs.iter().all(|o| kept_values.contains(o));
            let keep = current || policy.memo_entries.is_none_or(|n| others < n);
            if !current {
                others += 1;
            }
            if keep { memo_kept.push(entry) } else { memo_forget.push(key) }
        }

        report.versions_removed = forget.len();
        report.memo_entries_removed = memo_forget.len();
        if !dry_run {
            self.stage_version_removal(&forget)?;
            let mut group = Group::default();
            for key in &memo_forget {
                group.remove(&keys::memo(key));
            }
            self.stage(group);
            self.apply_all()?;
        }

        let mut referenced: HashSet<Fingerprint> = pinned
            .iter()
            .filter_map(|p| match p {
                Pinned::Artifact(hash) => Some(*hash),
                Pinned::Version(..) => None,
            })
            .collect();
        let kept_versions = versions.iter().filter(|(id, _)| kept.contains(*id)).map(|(_, v)| &v.stored);
        let kept_memo = memo_kept.iter().flat_map(|e| e.outputs.iter());
        referenced.extend(kept_versions.chain(kept_memo).filter_map(artifact_hash));
        let unreferenced: Vec<_> = self
            .inner
            .artifacts
            .list()?
            .into_iter()
            .filter(|file| file.hash.is_none_or(|hash| !referenced.contains(&hash)))
            .collect();
        if dry_run {
            report.artifacts_removed = unreferenced.len();
            report.bytes_freed = unreferenced.iter().map(|file| file.bytes).sum();
            return Ok(report);
        }
        let doomed: Vec<String> = unreferenced.into_iter().map(|file| file.name).collect();
        self.inner.artifacts.doom(&doomed);
        drop(gate);

        // Outside the gate: the removed records durably first, then the files (a put that
        // rewrote one of them meanwhile keeps it).
        self.flush()?;
        for name in &doomed {
            if let Some(bytes) = self.inner.artifacts.delete_doomed(name)? {
                report.bytes_freed += bytes;
                report.artifacts_removed += 1;
            }
        }
        report.bytes_freed += self.inner.artifacts.remove_stale_temporaries(false)?;
        tracing::info!(
            store = %self.inner.path.display(),
            versions_removed = report.versions_removed,
            memo_entries_removed = report.memo_entries_removed,
            artifacts_removed = report.artifacts_removed,
            bytes_freed = report.bytes_freed,
            "garbage collected"
        );
        Ok(report)
    }

    /// What the store takes on disk.
    pub fn disk_usage(&self) -> Result<DiskUsage, StoreError> {
        self.apply_all()?;
        let artifacts = self.inner.artifacts.usage()?;
        Ok(DiskUsage {
            catalog_bytes: self.inner.catalog.size_on_disk()?,
            artifacts_bytes: artifacts.bytes,
            artifacts: artifacts.files,
            quarantined_bytes: artifacts.quarantined_bytes,
            temporary_bytes: artifacts.temporary_bytes,
        })
    }
}
/// The current version of every node: its newest version when that is newer than its record
/// (format 7 writes a version without its node's record, see `commit.rs`), else the one its
/// record names. A node without a record (never recorded, see `nodes.rs`) has its newest.
fn current_versions(
    nodes: &[NodeRecord],
    versions: &BTreeMap<(String, u64), Version>,
) -> HashSet<(String, u64)> {
    let mut newest: HashMap<&str, u64> = HashMap::new();
    for (node, number) in versions.keys() {
        newest.insert(node.as_str(), *number); // in key order: the last is the newest
    }
    let mut current: HashSet<(String, u64)> = HashSet::new();
    for node in nodes {
        let newer = newest.remove(node.id.as_str()).filter(|n| *n > node.next_version);
        if let Some(number) = newer.or(node.current.map(|c| c.number)) {
            current.insert((node.id.clone(), number));
        }
    }
    current.extend(newest.into_iter().map(|(node, number)| (node.to_owned(), number)));
    current
}
