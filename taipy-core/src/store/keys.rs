//! Every key layout of the catalog, in one file.
//!
//! The catalog holds records in *spaces*, one per kind of record. A key is typed by the record
//! it names ([`Key<R>`]), so a scenario key cannot fetch a job. The byte layouts below are the
//! on-disk format (see `format.rs`): change one only with a format version and a migration.
//!
//! | space        | key bytes                                   | record |
//! |--------------|---------------------------------------------|--------|
//! | `scenario/`  | scenario id                                 | [`ScenarioRecord`] |
//! | `config/`    | scenario config id                          | [`StoredConfig`] (the current version) |
//! | `configversion/` | scenario config id, `0`, fingerprint (32 bytes) | [`ConfigVersionRecord`] |
//! | `node/`      | data node id                                | [`NodeRecord`] |
//! | `version/`   | node id, `0`, version number (u64 big-endian) | [`Version`] |
//! | `job/`       | job id                                      | [`Job`] |
//! | `submission/`| submission id                               | [`SubmissionRecord`] |
//! | `memo/`      | memo key (32 bytes)                         | [`MemoEntry`] |
//! | `taskrun/`   | scenario id, `0`, submission id's number (u64 big-endian) | [`RunSet`] (format 10: `runs.rs`; scenario id, `0`, task id → [`LastRun`] before) |
//! | `cycle/`     | cycle id                                    | [`CycleRecord`] |
//! | `sequence/`  | scenario id, `0`, sequence name             | [`SequenceRecord`] |
//! | `meta/`      | `format`                                    | [`FormatRecord`] |
//! | `layout/`    | layout fingerprint (32 bytes)               | [`LayoutRecord`] |
//! | `ix-tag/`    | tag, `0`, scenario id                       | empty (index, format 4) |
//! | `ix-name/`   | config id, `0`, name, `0`, scenario id      | empty (index, format 4) |
//! | `ix-job/`    | scenario id, `0`, job id                    | empty (format 4 only: removed at upgrade) |
//! | `ix-submission/` | scenario id, `0`, submission id         | empty (index, format 4) |
//! | `ix-unfinished/` | submission id (one with a job not yet finished) | empty (index, format 5; job ids in format 4) |
//! | `ix-owner/`  | scenario id's number (hex), `0`, config id, `0`, config version (hex), `0`, scenario id | empty (index, format 6: `nodes.rs`) |
//! | `skipped/`   | submission id's number (hex)                | [`SkippedRecord`] (format 8: `skipped.rs`) |
//! | files tree   | absolute path of an external file or artifact | a file stamp (value/file.rs) |
//!
//! Ids never contain a zero byte, so `id, 0` prefixes cannot collide ("a" + "b\0" vs "a\0" + "b").

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::records::{
    ConfigVersionRecord, CycleRecord, FormatRecord, LayoutRecord, MemoEntry, NodeRecord, RunSet,
    ScenarioRecord, SequenceRecord, SkippedRecord, StoredConfig, SubmissionRecord, Version,
};
use crate::fingerprint::Fingerprint;
use crate::job::Job;

/// A space of the catalog: one kind of record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Space {
    Scenarios,
    Configs,
    ConfigVersions,
    Nodes,
    Versions,
    Jobs,
    Submissions,
    Memo,
    TaskRuns,
    Cycles,
    Sequences,
    Meta,
    /// The cache of file fingerprints: never part of a commit group with other spaces.
    Files,
    /// The readable form of the type layouts of stored values.
    Layouts,
    /// Index: scenarios by tag (`indexes.rs`).
    TagIndex,
    /// Index: scenarios by config and name.
    NameIndex,
    /// Index of format 4 only, jobs by scenario: the upgrade to format 5 removes its entries.
    JobIndex,
    /// Index: submissions by scenario.
    SubmissionIndex,
    /// Index: the submissions with a job not yet finished (what recovery at open looks at).
    UnfinishedIndex,
    /// Index: scenarios by the number their id ends with, for the data nodes whose record is
    /// written at their first write (`nodes.rs`).
    OwnerIndex,
    /// The jobs of a submission skipped without a record of their own, written at its end
    /// (`skipped.rs`).
    Skipped,
}

impl Space {
    /// Every space, in a fixed order.
    #[cfg(test)]
    pub(crate) const ALL: [Space; 21] = [
        Space::Scenarios,
        Space::Configs,
        Space::ConfigVersions,
        Space::Nodes,
        Space::Versions,
        Space::Jobs,
        Space::Submissions,
        Space::Memo,
        Space::TaskRuns,
        Space::Cycles,
        Space::Sequences,
        Space::Meta,
        Space::Files,
        Space::Layouts,
        Space::TagIndex,
        Space::NameIndex,
        Space::JobIndex,
        Space::SubmissionIndex,
        Space::UnfinishedIndex,
        Space::OwnerIndex,
        Space::Skipped,
    ];

    /// The key prefix of the space within the entities tree (sled keeps every space but
    /// [`Space::Files`] in one tree, so one batch can cover several spaces).
    pub(crate) fn prefix(self) -> &'static [u8] {
        match self {
            Space::Scenarios => b"scenario/",
            Space::Configs => b"config/",
            Space::ConfigVersions => b"configversion/",
            Space::Nodes => b"node/",
            Space::Versions => b"version/",
            Space::Jobs => b"job/",
            Space::Submissions => b"submission/",
            Space::Memo => b"memo/",
            Space::TaskRuns => b"taskrun/",
            Space::Cycles => b"cycle/",
            Space::Sequences => b"sequence/",
            Space::Meta => b"meta/",
            Space::Files => b"",
            Space::Layouts => b"layout/",
            Space::TagIndex => b"ix-tag/",
            Space::NameIndex => b"ix-name/",
            Space::JobIndex => b"ix-job/",
            Space::SubmissionIndex => b"ix-submission/",
            Space::UnfinishedIndex => b"ix-unfinished/",
            Space::OwnerIndex => b"ix-owner/",
            Space::Skipped => b"skipped/",
        }
    }

    /// What its records are called in messages.
    pub(crate) fn what(self) -> &'static str {
        match self {
            Space::Scenarios => "scenario",
            Space::Configs => "config",
            Space::ConfigVersions => "config version",
            Space::Nodes => "data node",
            Space::Versions => "version",
            Space::Jobs => "job",
            Space::Submissions => "submission",
            Space::Memo => "memo entry",
            Space::TaskRuns => "task runs",
            Space::Cycles => "cycle",
            Space::Sequences => "sequence",
            Space::Meta => "store metadata",
            Space::Files => "file fingerprint",
            Space::Layouts => "type layout",
            Space::TagIndex => "tag index entry",
            Space::NameIndex => "name index entry",
            Space::JobIndex => "job index entry",
            Space::SubmissionIndex => "submission index entry",
            Space::UnfinishedIndex => "unfinished-submission index entry",
            Space::OwnerIndex => "owner index entry",
            Space::Skipped => "skipped jobs",
        }
    }
}

/// A record type and the space it lives in.
pub(crate) trait Record: Serialize + DeserializeOwned {
    const SPACE: Space;
    /// Whether records of this type have index entries (`indexes.rs`): then a commit group
    /// removes one with [`Group::delete`](super::catalog::Group::delete), which removes them too.
    const INDEXED: bool = false;

    /// The index entries this record has (present) and must not have (absent).
    fn index_entries(&self) -> Vec<IndexEntry> {
        Vec::new()
    }

    /// The index writes staged with the record, in its commit group: by default
    /// [`index_entries`](Self::index_entries); a record can leave out what an earlier write of
    /// it already made true (a job's entries, see `indexes.rs`).
    fn index_writes(&self) -> Vec<IndexEntry> {
        self.index_entries()
    }

    /// Decodes a record of this type (`what` and `key` name it in errors): by default as
    /// [`records::decode`](super::records::decode) does; a type whose record has more than one
    /// layout chooses (`SkippedRecord`).
    fn decode_record(what: &'static str, key: &[u8], bytes: &[u8]) -> Result<Self, crate::error::StoreError> {
        super::records::decode(what, key, bytes)
    }
}

/// One entry of an index: an empty value under `key` in `space`, present or absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    pub(crate) space: Space,
    pub(crate) key: Vec<u8>,
    pub(crate) present: bool,
}

macro_rules! records {
    ($($record:ty => $space:ident,)*) => {
        $(impl Record for $record {
            const SPACE: Space = Space::$space;
        })*
    };
}

records! {
    StoredConfig => Configs,
    ConfigVersionRecord => ConfigVersions,
    NodeRecord => Nodes,
    Version => Versions,
    MemoEntry => Memo,
    RunSet => TaskRuns,
    CycleRecord => Cycles,
    SequenceRecord => Sequences,
    FormatRecord => Meta,
    LayoutRecord => Layouts,
}

impl Record for SkippedRecord {
    const SPACE: Space = Space::Skipped;

    fn decode_record(what: &'static str, key: &[u8], bytes: &[u8]) -> Result<Self, crate::error::StoreError> {
        super::records::decode_skipped(what, key, bytes)
    }
}

/// A record that carries its own id, and so its key.
pub(crate) trait Keyed: Record {
    fn key(&self) -> Key<Self>;
}

macro_rules! keyed {
    ($($record:ty => $key:ident,)*) => {
        $(impl Keyed for $record {
            fn key(&self) -> Key<Self> {
                $key(&self.id)
            }
        })*
    };
}

keyed! {
    ScenarioRecord => scenario,
    StoredConfig => config,
    NodeRecord => node,
    Job => job,
    SubmissionRecord => submission,
    CycleRecord => cycle,
}

/// The key of one record of type `R`.
pub(crate) struct Key<R> {
    bytes: Vec<u8>,
    _record: PhantomData<fn() -> R>,
}

/// The common prefix of several records of type `R` (all of a space: empty).
pub(crate) struct Prefix<R> {
    bytes: Vec<u8>,
    _record: PhantomData<fn() -> R>,
}

impl<R: Record> Key<R> {
    fn new(bytes: Vec<u8>) -> Self {
        Self { bytes, _record: PhantomData }
    }

    /// The key's bytes within its space.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl<R: Record> Prefix<R> {
    fn new(bytes: Vec<u8>) -> Self {
        Self { bytes, _record: PhantomData }
    }

    /// Every record of the space.
    pub(crate) fn all() -> Self {
        Self::new(Vec::new())
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The key of a record found under this prefix.
    pub(crate) fn key(&self, bytes: Vec<u8>) -> Key<R> {
        Key::new(bytes)
    }
}

/// A key as text: ids are UTF-8 (after an id, a task's or sequence's name too); the version
/// number or memo key bytes show as hex.
pub(crate) fn display(bytes: &[u8]) -> String {
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => text.to_owned(),
        _ => match bytes.iter().position(|&b| b == 0) {
            Some(zero) => {
                let rest = &bytes[zero + 1..];
                let rest = match std::str::from_utf8(rest) {
                    Ok(name) if !name.is_empty() && !name.contains(char::is_control) => name.to_owned(),
                    _ => hex(rest),
                };
                format!("{}/{rest}", String::from_utf8_lossy(&bytes[..zero]))
            }
            None => hex(bytes),
        },
    }
}

pub(crate) fn joined(first: &str, second: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(first.len() + 1 + second.len());
    key.extend_from_slice(first.as_bytes());
    key.push(0);
    key.extend_from_slice(second);
    key
}

pub(crate) fn scenario(id: &str) -> Key<ScenarioRecord> {
    Key::new(id.as_bytes().to_vec())
}

pub(crate) fn config(id: &str) -> Key<StoredConfig> {
    Key::new(id.as_bytes().to_vec())
}

pub(crate) fn config_version(config_id: &str, fingerprint: &Fingerprint) -> Key<ConfigVersionRecord> {
    Key::new(joined(config_id, &fingerprint.0))
}

pub(crate) fn node(id: &str) -> Key<NodeRecord> {
    Key::new(id.as_bytes().to_vec())
}

/// A node's versions are contiguous and in order: the number is big-endian.
pub(crate) fn version(node_id: &str, number: u64) -> Key<Version> {
    Key::new(joined(node_id, &number.to_be_bytes()))
}

pub(crate) fn versions_of(node_id: &str) -> Prefix<Version> {
    Prefix::new(joined(node_id, b""))
}

/// The node id and number of a version key.
pub(crate) fn parse_version(key: &Key<Version>) -> Option<(String, u64)> {
    let bytes = key.bytes();
    let zero = bytes.iter().position(|&b| b == 0)?;
    let number = u64::from_be_bytes(bytes[zero + 1..].try_into().ok()?);
    Some((String::from_utf8(bytes[..zero].to_vec()).ok()?, number))
}

pub(crate) fn job(id: &str) -> Key<Job> {
    Key::new(id.as_bytes().to_vec())
}

pub(crate) fn submission(id: &str) -> Key<SubmissionRecord> {
    Key::new(id.as_bytes().to_vec())
}

/// The record of the skipped jobs of the submission whose id ends with `number`.
pub(crate) fn skipped(number: &str) -> Key<SkippedRecord> {
    Key::new(number.as_bytes().to_vec())
}

pub(crate) fn memo(key: &Fingerprint) -> Key<MemoEntry> {
    Key::new(key.0.to_vec())
}

/// The last runs submission number `n` left in scenario `scenario_id` (format 10).
pub(crate) fn run_set(scenario_id: &str, n: u64) -> Key<RunSet> {
    Key::new(joined(scenario_id, &n.to_be_bytes()))
}

pub(crate) fn run_sets_of(scenario_id: &str) -> Prefix<RunSet> {
    Prefix::new(joined(scenario_id, b""))
}

/// The submission number of a run-set key (its last 8 bytes), from a key of
/// [`run_sets_of`]`(scenario_id)`'s scan, without the prefix: `None` if it is not 8 bytes.
pub(crate) fn run_set_number(rest: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(rest.try_into().ok()?))
}

/// A task's last run as format 9 and older kept it, one record per task (tests of the upgrade
/// to format 10, which reads such keys with [`split_task_run`]).
#[cfg(test)]
pub(crate) fn task_run(scenario_id: &str, task_id: &str) -> Vec<u8> {
    joined(scenario_id, task_id.as_bytes())
}

/// The scenario id and task id of a format 9 task-run key.
pub(crate) fn split_task_run(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let zero = key.iter().position(|&b| b == 0)?;
    Some((&key[..zero], &key[zero + 1..]))
}

pub(crate) fn cycle(id: &str) -> Key<CycleRecord> {
    Key::new(id.as_bytes().to_vec())
}

pub(crate) fn sequence(scenario_id: &str, name: &str) -> Key<SequenceRecord> {
    Key::new(joined(scenario_id, name.as_bytes()))
}

pub(crate) fn sequences_of(scenario_id: &str) -> Prefix<SequenceRecord> {
    Prefix::new(joined(scenario_id, b""))
}

/// The sequence name of a sequence key.
pub(crate) fn sequence_name(key: &Key<SequenceRecord>) -> String {
    let bytes = key.bytes();
    let zero = bytes.iter().position(|&b| b == 0).map_or(0, |z| z + 1);
    String::from_utf8_lossy(&bytes[zero..]).into_owned()
}

pub(crate) fn format() -> Key<FormatRecord> {
    Key::new(b"format".to_vec())
}

pub(crate) fn layout(fingerprint: &Fingerprint) -> Key<LayoutRecord> {
    Key::new(fingerprint.0.to_vec())
}

/// A file's key in the fingerprint cache ([`Space::Files`], whose records the value layer
/// encodes itself): its absolute path.
pub(crate) fn file(path: &std::path::Path) -> Vec<u8> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    absolute.to_string_lossy().into_owned().into_bytes()
}

/// An object's key in the fingerprint cache ([`Space::Files`]): its `s3://bucket/key` URL,
/// which no absolute file path can equal (`store/artifacts/object.rs` keeps there what it
/// verified of the object).
#[cfg(feature = "s3")]
pub(crate) fn object(bucket: &str, key: &str) -> Vec<u8> {
    format!("s3://{bucket}/{key}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_keys_sort_by_number_and_parse_back() {
        let a = version("n", 2);
        let b = version("n", 10);
        assert!(a.bytes() < b.bytes());
        assert!(a.bytes().starts_with(versions_of("n").bytes()));
        assert!(!version("n2", 1).bytes().starts_with(versions_of("n").bytes()));
        assert_eq!(parse_version(&b), Some(("n".into(), 10)));
    }

    #[test]
    fn scenario_scoped_keys_do_not_collide() {
        assert_ne!(task_run("a", "bc"), task_run("ab", "c"));
        assert_eq!(split_task_run(&task_run("s", "clean")), Some((&b"s"[..], &b"clean"[..])));
        assert_ne!(run_set("a", 0x62).bytes(), run_set("ab", 0).bytes());
        let (set, prefix) = (run_set("s", 0x2a), run_sets_of("s"));
        assert_eq!(run_set_number(&set.bytes()[prefix.bytes().len()..]), Some(0x2a));
        assert!(run_set("s", 9).bytes() < run_set("s", 0x100).bytes(), "in number order");
        assert_eq!(sequence_name(&sequence("s", "fast")), "fast");
        assert_eq!(display(version("n", 1).bytes()), "n/0000000000000001");
        assert_eq!(display(version("n", 0x41).bytes()), "n/0000000000000041", "a number is never text");
        assert_eq!(display(&task_run("SCENARIO_s_0", "t1")), "SCENARIO_s_0/t1");
    }

    #[test]
    fn every_space_has_its_own_prefix() {
        let prefixes: std::collections::HashSet<_> =
            Space::ALL.iter().filter(|s| **s != Space::Files).map(|s| s.prefix()).collect();
        assert_eq!(prefixes.len(), Space::ALL.len() - 1);
        for a in &prefixes {
            for b in &prefixes {
                assert!(a == b || !a.starts_with(b), "{a:?} starts with {b:?}");
            }
        }
    }
}
