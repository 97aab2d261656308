//! What the three formats share: the colours of data nodes, of tasks and of each job status,
//! and type names shortened for labels.

use taipy_core::JobStatus;

/// A fill and a stroke colour, as `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Colours {
    pub(super) fill: &'static str,
    pub(super) stroke: &'static str,
}

/// Data nodes: white, slate outline.
pub(super) const NODE: Colours = Colours { fill: "#ffffff", stroke: "#546e7a" };

/// Tasks without a status: light grey, dark outline.
pub(super) const TASK: Colours = Colours { fill: "#eceff1", stroke: "#37474f" };

/// Edges and arrowheads.
pub(super) const EDGE: &str = "#607d8b";

/// The colours of a task whose latest job has `status`.
pub(super) fn status_colours(status: JobStatus) -> Colours {
    let (fill, stroke) = match status {
        JobStatus::Submitted => ("#f5f5f5", "#9e9e9e"),
        JobStatus::Blocked => ("#cfd8dc", "#546e7a"),
        JobStatus::Pending => ("#ffe0b2", "#ef6c00"),
        JobStatus::Running => ("#fff59d", "#f9a825"),
        JobStatus::Completed => ("#c8e6c9", "#2e7d32"),
        JobStatus::Failed => ("#ffcdd2", "#c62828"),
        JobStatus::Canceled => ("#d7ccc8", "#5d4037"),
        JobStatus::Skipped => ("#bbdefb", "#1565c0"),
        JobStatus::Abandoned => ("#e1bee7", "#6a1b9a"),
    };
    Colours { fill, stroke }
}

/// The status as a class name: `completed`, `failed`, ...
pub(super) fn status_class(status: JobStatus) -> String {
    status.to_string().to_ascii_lowercase()
}

/// A type name without its module paths: `alloc::vec::Vec<f64>` → `Vec<f64>`,
/// `std::collections::HashMap<alloc::string::String, i64>` → `HashMap<String, i64>`.
pub(crate) fn short_type(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    // Where the path being read started in `out`: a `::` drops what came since.
    let mut path_start = 0;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            out.truncate(path_start);
        } else {
            out.push(c);
            if !(c.is_alphanumeric() || c == '_') {
                path_start = out.len();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_lose_their_paths() {
        assert_eq!(short_type("i64"), "i64");
        assert_eq!(short_type("alloc::string::String"), "String");
        assert_eq!(short_type("alloc::vec::Vec<f64>"), "Vec<f64>");
        assert_eq!(
            short_type("std::collections::hash::map::HashMap<alloc::string::String, (i64, algos::Metric)>"),
            "HashMap<String, (i64, Metric)>"
        );
        assert_eq!(short_type("[core::option::Option<u8>; 4]"), "[Option<u8>; 4]");
        assert_eq!(short_type("&'static str"), "&'static str");
        assert_eq!(short_type("algos::frames::ScoredCustomers"), "ScoredCustomers");
        assert_eq!(short_type("alloc::vec::Vec<(f64, bool)>"), "Vec<(f64, bool)>");
    }

    #[test]
    fn every_status_has_its_own_colours() {
        use JobStatus::*;
        let all = [Submitted, Blocked, Pending, Running, Completed, Failed, Canceled, Skipped, Abandoned];
        let mut fills: Vec<_> = all.iter().map(|&s| status_colours(s).fill).collect();
        fills.push(TASK.fill);
        fills.push(NODE.fill);
        let count = fills.len();
        fills.sort();
        fills.dedup();
        assert_eq!(fills.len(), count, "two statuses share a fill colour");
        assert_eq!(status_class(Completed), "completed");
    }
}
