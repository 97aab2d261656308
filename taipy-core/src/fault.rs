//! Fault injection for the crash tests: a process dies, as abruptly as `kill -9`, at a named
//! point of the commit protocol.
//!
//! Armed by the environment variable `TAIPY_FAULT=<point>[@<hit>]` (read once): the process dies
//! at the `<hit>`-th time (default: the first) it reaches `<point>`. Unarmed, a point costs one
//! load of an initialized `OnceLock`.
//!
//! Before dying, the point flushes the stores' catalogs, so that every batch a catalog
//! accepted before the point is durable: the most the protocol must cope with (a real crash may
//! lose more, never less). Then it writes `taipy fault: <point> hit <n>` to stderr and sends
//! itself SIGKILL: no destructor runs, no buffer is flushed, no batch is applied.
//!
//! The points, in the order a job's commit reaches them (what is durable when it dies there):
//!
//! - `job.running` (`store/commit.rs`, `Store::start_job`): the job's Running record, applied
//!   first (the point waits for it);
//! - `artifact.synced` (`store/artifacts/local.rs`, `put`): an output's temporary
//!   file, written and fsynced, not yet renamed;
//! - `artifact.renamed` (same function): the artifact in `artifacts/` under its
//!   content hash, the folder fsynced; the job's records not yet staged;
//! - `job.staged` (`store/commit.rs`, `Store::commit_job`): the job's commit group queued for the
//!   writer thread, perhaps applied;
//! - `batch.before` (`store/commit.rs`, `write_batches`): every batch before this one;
//! - `batch.after` (same place): this batch too;
//! - `store.flushed` (`store/mod.rs`, `Store::flush`): everything staged before the flush (a
//!   submission flushes before it reports completion; a user's write before it returns).
//!
//! `batch.*` are reached by every batch of records (scenario creation, a user's write, a
//! submission's job records ...), `artifact.*` by every artifact written, jobs' or users'.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// The points of upgrading a store's format at open (`store/format.rs`): `upgrade.built`, the
/// new indexes built, nothing written; `upgrade.committed`, the indexes and the new format
/// committed, not yet flushed. Not in [`POINTS`]: a submission never reaches them.
pub(crate) const UPGRADE_POINTS: [&str; 2] = ["upgrade.built", "upgrade.committed"];

/// The points, for tests that go through them all.
#[doc(hidden)]
pub const POINTS: [&str; 7] = [
    "job.running",
    "artifact.synced",
    "artifact.renamed",
    "job.staged",
    "batch.before",
    "batch.after",
    "store.flushed",
];

struct Armed {
    point: String,
    hit: u64,
    hits: AtomicU64,
    /// Flushes the open stores' catalogs before dying.
    flushes: Mutex<Vec<Flush>>,
}

fn armed() -> Option<&'static Armed> {
    static ARMED: OnceLock<Option<Armed>> = OnceLock::new();
    ARMED
        .get_or_init(|| {
            let spec = std::env::var("TAIPY_FAULT").ok()?;
            let (point, hit) = match spec.split_once('@') {
                Some((point, hit)) => (point, hit.parse().expect("TAIPY_FAULT: <point>@<hit number>")),
                None => (spec.as_str(), 1),
            };
            assert!(
                POINTS.contains(&point) || UPGRADE_POINTS.contains(&point),
                "TAIPY_FAULT: unknown point `{point}`; points: {POINTS:?}"
            );
            Some(Armed { point: point.to_owned(), hit, hits: AtomicU64::new(0), flushes: Mutex::default() })
        })
        .as_ref()
}

/// A function that flushes one store's catalog.
type Flush = Box<dyn Fn() + Send + Sync>;

/// Remembers how to flush a store's catalog, so an armed point can before dying (nothing
/// unarmed).
pub(crate) fn watch(flush: impl Fn() + Send + Sync + 'static) {
    if let Some(armed) = armed() {
        armed.flushes.lock().unwrap_or_else(|p| p.into_inner()).push(Box::new(flush));
    }
}

/// A fault point: dies here if `TAIPY_FAULT` names it and this is the hit it names.
pub(crate) fn point(name: &'static str) {
    point_after(name, || {});
}

/// A fault point that, when it fires, first runs `prepare` (say, waits until queued records are
/// applied), then dies as [`point`] does.
pub(crate) fn point_after(name: &'static str, prepare: impl FnOnce()) {
    let Some(armed) = armed() else { return };
    if armed.point != name || armed.hits.fetch_add(1, Ordering::SeqCst) + 1 != armed.hit {
        return;
    }
    prepare();
    for flush in armed.flushes.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        flush();
    }
    eprintln!("taipy fault: {name} hit {}", armed.hit);
    die()
}

#[cfg(unix)]
fn die() -> ! {
    unsafe extern "C" {
        fn kill(pid: i32, signal: i32) -> i32;
    }
    const SIGKILL: i32 = 9;
    // SAFETY: kill(2) with this process's id and a valid signal number; it does not return.
    unsafe {
        kill(std::process::id() as i32, SIGKILL);
    }
    std::process::abort()
}

#[cfg(not(unix))]
fn die() -> ! {
    std::process::abort()
}
