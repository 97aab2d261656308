//! What the bench reads from Linux: this process's memory, the machine it runs on and its load.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A field of `/proc/self/status` in kB, on Linux.
pub(crate) fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.trim_start_matches(name).trim().trim_end_matches("kB").trim().parse().ok()
}

/// Samples the anonymous resident memory (heap, not the page cache of mapped files), which is
/// what must stay flat in the row count; `VmHWM` also counts mapped input pages.
pub(crate) struct AnonSampler {
    peak: Arc<AtomicU64>,
}

impl AnonSampler {
    /// Starts the sampling thread (every 5 ms, for the life of the process).
    pub(crate) fn start() -> Self {
        let peak = Arc::new(AtomicU64::new(0));
        let shared = Arc::clone(&peak);
        std::thread::spawn(move || {
            loop {
                if let Some(kb) = status_field("RssAnon:") {
                    shared.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Self { peak }
    }

    /// Starts a new measurement: the peak is the current resident memory (`VmHWM` is reset too).
    pub(crate) fn reset(&self) {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        self.peak.store(status_field("RssAnon:").unwrap_or(0), Ordering::Relaxed);
    }

    /// The highest anonymous resident memory seen since the last [`reset`](Self::reset), in kB.
    pub(crate) fn peak_kb(&self) -> u64 {
        if let Some(kb) = status_field("RssAnon:") {
            self.peak.fetch_max(kb, Ordering::Relaxed);
        }
        self.peak.load(Ordering::Relaxed)
    }
}

/// One line naming the machine: cores, memory and CPU model (from `/proc`).
pub(crate) fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let total_kb: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0);
    format!("{cores} cores, {:.1} GB RAM, {model}", total_kb as f64 / 1e6)
}

/// The load averages (1, 5 and 15 minutes), as `/proc/loadavg` gives them.
pub(crate) fn load() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
