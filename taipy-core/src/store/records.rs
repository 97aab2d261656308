//! What the store keeps, one record type per tree, and the codec that turns records into bytes
//! (postcard behind a format-version byte).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::Frequency;
use crate::config::Scope;
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::value::Stored;

const RECORD_FORMAT_V1: u8 = 1;

pub(crate) fn encode<T: Serialize>(what: &'static str, record: &T) -> Result<Vec<u8>, StoreError> {
    // Most records are a few hundred bytes: room for them up front spares the doublings.
    let mut buffer = Vec::with_capacity(256);
    encode_into(what, record, &mut buffer)?;
    Ok(buffer)
}

/// [`encode`], appending the bytes to `buffer`.
pub(crate) fn encode_into<T: Serialize>(
    what: &'static str,
    record: &T,
    buffer: &mut Vec<u8>,
) -> Result<(), StoreError> {
    buffer.push(RECORD_FORMAT_V1);
    *buffer = postcard::to_extend(record, std::mem::take(buffer))
        .map_err(|e| StoreError::Encode { type_name: what, reason: e.to_string() })?;
    Ok(())
}

/// The error of a record under `key` that cannot be read.
fn corrupt(what: &'static str, key: &[u8], reason: String) -> StoreError {
    StoreError::Corrupt { what, key: String::from_utf8_lossy(key).into_owned(), reason }
}

pub(crate) fn decode<T: DeserializeOwned>(
    what: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<T, StoreError> {
    decode_view(what, key, bytes)
}

/// [`decode`], for a record type that may borrow from `bytes` (its names, not copied).
pub(crate) fn decode_view<'a, T: Deserialize<'a>>(
    what: &'static str,
    key: &[u8],
    bytes: &'a [u8],
) -> Result<T, StoreError> {
    let corrupt = |reason: String| corrupt(what, key, reason);
    match bytes.split_first() {
        Some((&RECORD_FORMAT_V1, rest)) => postcard::from_bytes(rest).map_err(|e| corrupt(e.to_string())),
        Some((v, _)) => Err(corrupt(format!("unknown record format {v}"))),
        None => Err(corrupt("empty record".into())),
    }
}

pub(crate) use crate::value::appended;

/// Microseconds since the Unix epoch.
pub(crate) fn now_us() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// A persisted scenario: which data node instance backs each node of its config.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ScenarioRecord {
    pub(crate) id: String,
    pub(crate) config_id: String,
    pub(crate) name: String,
    pub(crate) created_us: u64,
    /// Node config id → data node id.
    pub(crate) nodes: BTreeMap<String, String>,
    pub(crate) tags: Vec<String>,
    pub(crate) properties: BTreeMap<String, String>,
    /// The config version it is bound to (`None`: created before config versions; bound to
    /// the config it is next opened with).
    #[serde(default, deserialize_with = "appended")]
    pub(crate) config_version: Option<Fingerprint>,
}

/// A persisted data node instance.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct NodeRecord {
    pub(crate) id: String,
    pub(crate) config_id: String,
    pub(crate) scope: Scope,
    pub(crate) owner: Option<String>,
    pub(crate) type_name: String,
    /// The current version, if any.
    pub(crate) current: Option<VersionRef>,
    pub(crate) next_version: u64,
    /// Who holds the node's edit lock, if anyone (see `DataNode::lock_edit`).
    #[serde(default, deserialize_with = "appended")]
    pub(crate) edit_lock: Option<EditLock>,
}

/// A data node's edit lock: only its owner may write the node until it expires.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditLock {
    /// Who holds the lock.
    pub owner: String,
    /// When it expires (µs since the Unix epoch).
    pub expires_us: u64,
}

impl EditLock {
    /// Whether the lock refuses a write by `editor` (anonymous: `None`) at time `now_us`.
    pub(crate) fn blocks(&self, editor: Option<&str>, now_us: u64) -> bool {
        now_us < self.expires_us && editor != Some(self.owner.as_str())
    }
}

/// A pointer to one version of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct VersionRef {
    pub(crate) number: u64,
    pub(crate) hash: Fingerprint,
}

/// Who wrote a data-node version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Writer {
    /// The config's default value, written when the scenario was created.
    Default,
    /// A user, through [`DataNode::write`](crate::DataNode::write).
    User,
    /// A job that ran the producing task.
    Job {
        /// The job id.
        job: String,
        /// The task id.
        task: String,
    },
    /// A skipped job that restored an earlier result of its task.
    Reused {
        /// The skipped job's id.
        job: String,
        /// The job whose result was reused.
        from_job: String,
    },
    /// A submit that found an external file's bytes changed on disk.
    FileChanged,
    /// [`Scenario::duplicate`](crate::Scenario::duplicate) copied this value from a version of
    /// another scenario's node.
    Copied {
        /// The source node's id.
        node: String,
        /// The source version's number.
        number: u64,
    },
    /// A migration ([`migration!`](crate::migration)) converted the value of version
    /// `from_version` of this node when its type changed with a new config version.
    Migrated {
        /// The migration function's path.
        function: String,
        /// The number of the converted version.
        from_version: u64,
    },
}

impl std::fmt::Display for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Writer::Default => f.write_str("default value"),
            Writer::User => f.write_str("user"),
            Writer::Job { job, task } => write!(f, "job {job} (task {task})"),
            Writer::Reused { job, from_job } => write!(f, "job {job} reusing the result of {from_job}"),
            Writer::FileChanged => f.write_str("file changed on disk"),
            Writer::Copied { node, number } => write!(f, "copied from {node} #{number}"),
            Writer::Migrated { function, from_version } => {
                write!(f, "migration {function} of version #{from_version}")
            }
        }
    }
}

/// One version of a data node: an entry of its edit history.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "VersionWire")]
pub struct Version {
    /// 1 for the first version, then consecutive.
    pub number: u64,
    /// The value's content hash.
    pub hash: Fingerprint,
    /// Where the value is stored, and the layout of the type that wrote it.
    pub(crate) stored: Stored,
    /// When it was written, in microseconds since the Unix epoch.
    pub written_us: u64,
    /// Who wrote it.
    pub writer: Writer,
    /// The writer's comment, if any.
    pub comment: Option<String>,
}

impl Version {
    /// The fingerprint of the layout of the type that wrote the value (`None`: a type without
    /// one, or a value written before layouts were recorded).
    pub fn layout(&self) -> Option<Fingerprint> {
        self.stored.layout
    }
}

/// A [`Version`] as the store encodes it: the value's layout goes last, appended after the
/// fields stores had before layouts. (Encoded through [`VersionWireRef`]; its own `Serialize` is
/// the tests' reference for those bytes.)
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct VersionWire {
    number: u64,
    hash: Fingerprint,
    stored: Stored,
    written_us: u64,
    writer: Writer,
    comment: Option<String>,
    #[serde(default, deserialize_with = "appended")]
    layout: Option<Fingerprint>,
}

impl From<VersionWire> for Version {
    fn from(w: VersionWire) -> Self {
        let stored = Stored { layout: w.layout, ..w.stored };
        Self {
            number: w.number,
            hash: w.hash,
            stored,
            written_us: w.written_us,
            writer: w.writer,
            comment: w.comment,
        }
    }
}

/// A [`VersionWire`] borrowed from a version, encoded as it is (the same fields in the same
/// order): every job's output is a version, and going through an owned wire record cloned it.
#[derive(Serialize)]
struct VersionWireRef<'a> {
    number: u64,
    hash: Fingerprint,
    stored: &'a Stored,
    written_us: u64,
    writer: &'a Writer,
    comment: &'a Option<String>,
    layout: Option<Fingerprint>,
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        VersionWireRef {
            number: self.number,
            hash: self.hash,
            stored: &self.stored,
            written_us: self.written_us,
            writer: &self.writer,
            comment: &self.comment,
            layout: self.stored.layout,
        }
        .serialize(serializer)
    }
}

/// A remembered task result: the outputs produced for one memo key.
#[derive(Clone, Debug, Deserialize)]
#[serde(from = "MemoWire")]
pub(crate) struct MemoEntry {
    pub(crate) task_id: String,
    pub(crate) job_id: String,
    /// The outputs, with their layouts.
    pub(crate) outputs: Vec<Stored>,
    /// When the result was computed (µs since the Unix epoch; 0 for entries written before
    /// this field): retention keeps the newest entries.
    pub(crate) created_us: u64,
}

/// A [`MemoEntry`] as the store encodes it: the outputs' layouts are appended last. (Encoded
/// through [`MemoWireRef`], as [`VersionWire`] is.)
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct MemoWire {
    task_id: String,
    job_id: String,
    outputs: Vec<Stored>,
    #[serde(default, deserialize_with = "appended")]
    created_us: u64,
    #[serde(default, deserialize_with = "appended")]
    layouts: Vec<Option<Fingerprint>>,
}

impl From<MemoWire> for MemoEntry {
    fn from(w: MemoWire) -> Self {
        let mut outputs = w.outputs;
        for (output, layout) in outputs.iter_mut().zip(w.layouts) {
            output.layout = layout;
        }
        Self { task_id: w.task_id, job_id: w.job_id, outputs, created_us: w.created_us }
    }
}

/// A [`MemoWire`] borrowed from an entry, encoded as it is (see [`VersionWireRef`]).
#[derive(Serialize)]
struct MemoWireRef<'a> {
    task_id: &'a str,
    job_id: &'a str,
    outputs: &'a [Stored],
    created_us: u64,
    layouts: Layouts<'a>,
}

/// The outputs' layouts, encoded as a list without being collected into one.
struct Layouts<'a>(&'a [Stored]);

impl Serialize for Layouts<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|o| o.layout))
    }
}

impl Serialize for MemoEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MemoWireRef {
            task_id: &self.task_id,
            job_id: &self.job_id,
            outputs: &self.outputs,
            created_us: self.created_us,
            layouts: Layouts(&self.outputs),
        }
        .serialize(serializer)
    }
}

/// The readable form of a type layout, kept once per layout so that a message about a value
/// written with an earlier layout can show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LayoutRecord {
    pub(crate) text: String,
}

/// A sequence of tasks added to a scenario at run time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SequenceRecord {
    /// The task ids.
    pub(crate) tasks: Vec<String>,
}

/// A stored cycle.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CycleRecord {
    pub(crate) id: String,
    pub(crate) config_id: String,
    pub(crate) frequency: Frequency,
    pub(crate) start_us: u64,
    pub(crate) end_us: u64,
    /// The primary scenario's id.
    pub(crate) primary: Option<String>,
}

/// A record the store could not read: listings skip it and report it here.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnreadableRecord {
    /// The kind of record ("scenario", "job" ...).
    pub what: &'static str,
    /// Its key, as text.
    pub key: String,
    /// Why it could not be read.
    pub reason: String,
}

impl std::fmt::Display for UnreadableRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} `{}`: {}", self.what, self.key, self.reason)
    }
}

/// What a task of a scenario last ran (or skipped) with: used to explain the next decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TaskRun {
    pub(crate) fingerprint: Fingerprint,
    pub(crate) inputs: Vec<(String, Fingerprint)>,
    /// The layouts of its input and output types (empty: recorded before layouts).
    #[serde(default, deserialize_with = "appended")]
    pub(crate) layouts: NodeLayouts,
}

/// A task's last run in a scenario as its record keeps it: what it ran (or skipped) with, and
/// the result its outputs were given then.
///
/// `result` was appended (absent in records written before it, and in a rewrite an older taipy
/// makes, which reads the run and ignores what follows). With it, a job whose inputs, code and
/// layouts are those of the last run, and whose outputs still hold that result, is decided
/// without reading the memo table (`orchestrator/skip.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LastRun {
    pub(crate) run: TaskRun,
    #[serde(default, deserialize_with = "appended")]
    pub(crate) result: Option<RunResult>,
}

/// A [`LastRun`] read in place from its record's bytes (names and the job id borrowed, not
/// copied): what a submission compares with the run its job would make now, copied into a
/// [`LastRun`] only when they differ (`orchestrator/skip.rs`). The same fields in the same order,
/// so it reads every record a [`LastRun`] reads.
#[derive(Debug, Deserialize)]
pub(crate) struct LastRunView<'a> {
    #[serde(borrow)]
    pub(crate) run: TaskRunView<'a>,
    #[serde(default, borrow, deserialize_with = "appended")]
    pub(crate) result: Option<RunResultView<'a>>,
}

/// A [`TaskRun`] read in place (see [`LastRunView`]).
#[derive(Debug, Deserialize)]
pub(crate) struct TaskRunView<'a> {
    pub(crate) fingerprint: Fingerprint,
    #[serde(borrow)]
    pub(crate) inputs: Vec<(&'a str, Fingerprint)>,
    #[serde(default, borrow, deserialize_with = "appended")]
    pub(crate) layouts: NodeLayoutsView<'a>,
}

/// [`NodeLayouts`] read in place (see [`LastRunView`]).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NodeLayoutsView<'a> {
    #[serde(borrow)]
    pub(crate) inputs: Vec<(&'a str, Option<Fingerprint>)>,
    #[serde(borrow)]
    pub(crate) outputs: Vec<(&'a str, Option<Fingerprint>)>,
}

/// A [`RunResult`] read in place (see [`LastRunView`]).
#[derive(Debug, Deserialize)]
pub(crate) struct RunResultView<'a> {
    pub(crate) job_id: &'a str,
    pub(crate) outputs: Vec<Fingerprint>,
}

impl TaskRunView<'_> {
    /// Whether it records the same run as `run` (`==` on the copy, without copying). Both
    /// sides are taken apart field by field, so a field added to [`TaskRun`] or [`NodeLayouts`]
    /// without its view does not compile.
    pub(crate) fn is(&self, run: &TaskRun) -> bool {
        let TaskRun { fingerprint, inputs, layouts: NodeLayouts { inputs: laid_in, outputs: laid_out } } =
            run;
        let TaskRunView { fingerprint: f, inputs: i, layouts: NodeLayoutsView { inputs: vi, outputs: vo } } =
            self;
        let same = |a: &[(&str, Option<Fingerprint>)], b: &[(String, Option<Fingerprint>)]| {
            a.len() == b.len() && a.iter().zip(b).all(|((n, l), (m, k))| n == m && l == k)
        };
        f == fingerprint
            && i.len() == inputs.len()
            && i.iter().zip(inputs).all(|((n, h), (m, k))| n == m && h == k)
            && same(vi, laid_in)
            && same(vo, laid_out)
    }

    /// A copy that owns its names.
    pub(crate) fn to_owned_run(&self) -> TaskRun {
        let names =
            |list: &[(&str, Option<Fingerprint>)]| list.iter().map(|(n, l)| ((*n).to_owned(), *l)).collect();
        TaskRun {
            fingerprint: self.fingerprint,
            inputs: self.inputs.iter().map(|(n, h)| ((*n).to_owned(), *h)).collect(),
            layouts: NodeLayouts {
                inputs: names(&self.layouts.inputs),
                outputs: names(&self.layouts.outputs),
            },
        }
    }
}

/// The result a task run gave its outputs: the job that computed it (for a skip, the job whose
/// remembered result was restored) and the outputs' content hashes, in declared order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RunResult {
    pub(crate) job_id: String,
    pub(crate) outputs: Vec<Fingerprint>,
}

/// The type layouts of a task's input and output nodes, by node name, in declared order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct NodeLayouts {
    pub(crate) inputs: Vec<(String, Option<Fingerprint>)>,
    pub(crate) outputs: Vec<(String, Option<Fingerprint>)>,
}

impl NodeLayouts {
    /// Whether none were recorded (a run recorded before layouts).
    pub(crate) fn is_empty(&self) -> bool {
        self.inputs.is_empty() && self.outputs.is_empty()
    }
}

/// A persisted submission.
///
/// Its job list is the record of the jobs that have not started: since format 6 a job has no
/// record of its own until it starts, is skipped or ends (see `submissions.rs`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct SubmissionRecord {
    pub(crate) id: String,
    pub(crate) scenario_id: String,
    pub(crate) entity: String,
    pub(crate) jobs: Vec<String>,
    pub(crate) created_us: u64,
    pub(crate) force: bool,
    /// The task of each job of `jobs`, in the same order (empty in records of format 5 and
    /// older, whose jobs all have records).
    #[serde(default, deserialize_with = "appended")]
    pub(crate) tasks: Vec<String>,
}

/// The last runs one submission left in its scenario (format 10: `runs.rs`): each task id with
/// its [`LastRun`] encoded as a record of its own is, by task id.
#[derive(Serialize, Deserialize)]
pub(crate) struct RunSet {
    pub(crate) runs: Vec<(String, Encoded)>,
}

/// A [`RunSet`] as it is written: the runs' bytes borrowed.
#[derive(Serialize)]
pub(crate) struct RunSetOut<'a> {
    pub(crate) runs: &'a [(&'a str, EncodedRef<'a>)],
}

/// A [`RunSet`] read in place: task ids and runs borrowed from the record's bytes.
#[derive(Deserialize)]
pub(crate) struct RunSetView<'a> {
    #[serde(borrow)]
    pub(crate) runs: Vec<(&'a str, &'a [u8])>,
}

/// The jobs of one submission skipped without a record of their own, written at its end
/// (format 8, compact since format 9: `skipped.rs`).
#[derive(Serialize, Deserialize)]
pub(crate) struct SkippedRecord {
    /// The submission's id.
    pub(crate) submission: String,
    /// Format 8: each job's place in the submission (as its id ends) and the job, encoded as a
    /// job's own record is (so a field appended to jobs later reads here as it does there); by
    /// place. Empty since format 9, and moved into `compact` when a format 8 record is read.
    pub(crate) jobs: Vec<(u32, Encoded)>,
    /// Format 9: the submission's scenario.
    pub(crate) scenario: String,
    /// Format 9: the jobs' warnings, each text once.
    pub(crate) warnings: Vec<String>,
    /// Format 9: each job's place, its warning (0: its own; `i + 1`: `warnings[i]`) and the job
    /// encoded as its own record is with its id, submission, scenario and warning left empty
    /// (`crate::job::BareJob`): they are the record's, or follow from the place. By place. A
    /// format 8 record's jobs, whole, are read into it (warning 0, nothing left empty).
    pub(crate) compact: Vec<(u32, u32, Encoded)>,
}

/// A [`SkippedRecord`] as format 8 wrote it: its first two fields.
#[derive(Serialize, Deserialize)]
pub(crate) struct SkippedRecord8 {
    pub(crate) submission: String,
    pub(crate) jobs: Vec<(u32, Encoded)>,
}

/// Decodes a skipped record: format 9's layout read to its last byte, else format 8's read to
/// its last byte, its whole jobs moved into `compact` (so readers know one layout). Its format
/// 9 fields are not read as appended ones (which take whatever does not decode for absent): a
/// damaged record would read as one without jobs, and its jobs would be listed as never
/// started, where it must be reported unreadable.
pub(crate) fn decode_skipped(
    what: &'static str,
    key: &[u8],
    bytes: &[u8],
) -> Result<SkippedRecord, StoreError> {
    let Some((&RECORD_FORMAT_V1, rest)) = bytes.split_first() else {
        return decode(what, key, bytes); // its error names the format byte
    };
    if let Ok((record, [])) = postcard::take_from_bytes::<SkippedRecord>(rest) {
        return Ok(record);
    }
    // A record holds at least one job (the last one removed takes it): format 8's layout with
    // none is a format 9 record cut after its first two fields.
    match postcard::take_from_bytes::<SkippedRecord8>(rest) {
        Ok((SkippedRecord8 { submission, jobs }, [])) if !jobs.is_empty() => Ok(SkippedRecord {
            submission,
            jobs: Vec::new(),
            scenario: String::new(),
            warnings: Vec::new(),
            compact: jobs.into_iter().map(|(k, job)| (k, 0, job)).collect(),
        }),
        _ => Err(corrupt(what, key, "neither a skipped record of format 9 nor one of format 8".into())),
    }
}

/// A record's bytes, as one byte string.
#[derive(Serialize, Deserialize)]
pub(crate) struct Encoded(#[serde(with = "bytes")] pub(crate) Vec<u8>);

/// A [`SkippedRecord`] as it is written: its jobs' bytes borrowed (from one buffer holding
/// them all, where owned ones took a vector a job). The same fields in the same order, read as
/// a `SkippedRecord` (tests in `skipped.rs`).
#[derive(Serialize)]
pub(crate) struct SkippedRecordOut<'a> {
    pub(crate) submission: &'a str,
    pub(crate) jobs: &'a [(u32, EncodedRef<'a>)],
    pub(crate) scenario: &'a str,
    pub(crate) warnings: Vec<&'a str>,
    pub(crate) compact: Vec<(u32, u32, EncodedRef<'a>)>,
}

/// [`Encoded`], borrowed.
#[derive(Serialize)]
pub(crate) struct EncodedRef<'a>(#[serde(with = "bytes")] pub(crate) &'a [u8]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{Job, JobStatus};

    /// A node record as stores wrote it before edit locks.
    #[derive(Serialize)]
    struct NodeRecordBeforeLocks {
        id: String,
        config_id: String,
        scope: Scope,
        owner: Option<String>,
        type_name: String,
        current: Option<VersionRef>,
        next_version: u64,
    }

    /// A job as stores wrote it before lineage.
    #[derive(Serialize)]
    struct JobBeforeLineage {
        id: String,
        submission: String,
        scenario: String,
        task: String,
        status: JobStatus,
        reason: Option<crate::job::Reason>,
        error: Option<crate::error::TaskError>,
        created_us: u64,
        started_us: Option<u64>,
        finished_us: Option<u64>,
    }

    #[test]
    fn versions_and_memo_entries_encode_as_their_wire_records() {
        use crate::value::Payload;
        let layout = Fingerprint::of_bytes("test.layout", b"l");
        let stored = |byte: u8, layout| Stored {
            layout,
            ..Stored::new(Fingerprint([byte; 32]), Payload::Inline(vec![byte; 3]))
        };
        for (comment, layout) in [(None, None), (Some("why".to_owned()), Some(layout))] {
            let version = Version {
                number: 7,
                hash: Fingerprint([1; 32]),
                stored: stored(1, layout),
                written_us: 1_700_000_000_000_000,
                writer: Writer::Job { job: "JOB_t_1".into(), task: "t".into() },
                comment: comment.clone(),
            };
            let wire = VersionWire {
                number: 7,
                hash: Fingerprint([1; 32]),
                stored: stored(1, None),
                written_us: 1_700_000_000_000_000,
                writer: version.writer.clone(),
                comment,
                layout,
            };
            assert_eq!(postcard::to_allocvec(&version).unwrap(), postcard::to_allocvec(&wire).unwrap());
            let bytes = encode("version", &version).unwrap();
            assert_eq!(decode::<Version>("version", b"k", &bytes).unwrap(), version);
        }
        let entry = MemoEntry {
            task_id: "t".into(),
            job_id: "JOB_t_1".into(),
            outputs: vec![stored(2, Some(layout)), stored(3, None)],
            created_us: 42,
        };
        let wire = MemoWire {
            task_id: "t".into(),
            job_id: "JOB_t_1".into(),
            outputs: vec![stored(2, None), stored(3, None)],
            created_us: 42,
            layouts: vec![Some(layout), None],
        };
        assert_eq!(postcard::to_allocvec(&entry).unwrap(), postcard::to_allocvec(&wire).unwrap());
        let back: MemoEntry = decode("memo entry", b"k", &encode("memo entry", &entry).unwrap()).unwrap();
        assert_eq!(
            (back.task_id, back.job_id, back.outputs, back.created_us),
            ("t".into(), "JOB_t_1".into(), entry.outputs, 42)
        );
    }

    fn stored_without(stored: &Stored) -> Stored {
        Stored { layout: None, ..stored.clone() }
    }

    #[test]
    fn records_written_before_appended_fields_still_decode() {
        let old = NodeRecordBeforeLocks {
            id: "n".into(),
            config_id: "x".into(),
            scope: Scope::Scenario,
            owner: None,
            type_name: "i64".into(),
            current: Some(VersionRef { number: 2, hash: Fingerprint([7; 32]) }),
            next_version: 2,
        };
        let bytes = encode("data node", &old).unwrap();
        let node: NodeRecord = decode("data node", b"n", &bytes).unwrap();
        assert_eq!((node.next_version, &node.edit_lock), (2, &None));

        let old = JobBeforeLineage {
            id: "j".into(),
            submission: "s".into(),
            scenario: "c".into(),
            task: "t".into(),
            status: JobStatus::Completed,
            reason: None,
            error: None,
            created_us: 1,
            started_us: Some(2),
            finished_us: Some(3),
        };
        let bytes = encode("job", &old).unwrap();
        let job: Job = decode("job", b"j", &bytes).unwrap();
        assert_eq!(
            (job.status, job.finished_us, job.code, job.inputs.len(), &job.attempt),
            (JobStatus::Completed, Some(3), None, 0, &None)
        );
        let mut job = job;
        job.attempt = Some(crate::job::Attempt { number: 2, of: 3, failures: Vec::new() });
        job.reason = Some(crate::job::Reason::TimedOut { after: std::time::Duration::from_secs(30) });
        let back: Job = decode("job", b"j", &encode("job", &job).unwrap()).unwrap();
        assert_eq!(back, job);

        // Versions, memo entries and task runs from before layouts: no layout.
        let stored = crate::value::encode_serde(&7i64).unwrap();
        #[derive(Serialize)]
        struct VersionBeforeLayouts {
            number: u64,
            hash: Fingerprint,
            stored: Stored,
            written_us: u64,
            writer: Writer,
            comment: Option<String>,
        }
        let old = VersionBeforeLayouts {
            number: 1,
            hash: stored.hash,
            stored: stored.clone(),
            written_us: 5,
            writer: Writer::User,
            comment: Some("c".into()),
        };
        let version: Version = decode("version", b"v", &encode("version", &old).unwrap()).unwrap();
        assert_eq!((version.layout(), version.written_us, version.comment.as_deref()), (None, 5, Some("c")));
        #[derive(Serialize)]
        struct MemoBeforeLayouts {
            task_id: String,
            job_id: String,
            outputs: Vec<Stored>,
            created_us: u64,
        }
        let old = MemoBeforeLayouts {
            task_id: "t".into(),
            job_id: "j".into(),
            outputs: vec![stored.clone()],
            created_us: 3,
        };
        let memo: MemoEntry = decode("memo entry", b"m", &encode("memo entry", &old).unwrap()).unwrap();
        assert_eq!((memo.outputs[0].layout, memo.created_us), (None, 3));
        #[derive(Serialize)]
        struct TaskRunBeforeLayouts {
            fingerprint: Fingerprint,
            inputs: Vec<(String, Fingerprint)>,
        }
        let old = TaskRunBeforeLayouts {
            fingerprint: Fingerprint([1; 32]),
            inputs: vec![("a".into(), stored.hash)],
        };
        let run: TaskRun = decode("task run", b"r", &encode("task run", &old).unwrap()).unwrap();
        assert!(run.layouts.is_empty() && run.inputs.len() == 1);

        // With layouts, each round-trips.
        let laid = Stored { layout: Some(Fingerprint([4; 32])), ..stored };
        let version = Version { stored: laid.clone(), ..version };
        let back: Version = decode("version", b"v", &encode("version", &version).unwrap()).unwrap();
        assert_eq!(back, version);
        let memo = MemoEntry { outputs: vec![laid.clone(), stored_without(&laid)], ..memo };
        let back: MemoEntry = decode("memo entry", b"m", &encode("memo entry", &memo).unwrap()).unwrap();
        assert_eq!(back.outputs, memo.outputs);
        let run = TaskRun {
            layouts: NodeLayouts {
                inputs: vec![("a".into(), laid.layout)],
                outputs: vec![("y".into(), None)],
            },
            ..run
        };
        let back: TaskRun = decode("task run", b"r", &encode("task run", &run).unwrap()).unwrap();
        assert_eq!(back, run);

        // New records round-trip with their appended fields.
        let mut node = node;
        node.edit_lock = Some(EditLock { owner: "ana".into(), expires_us: 9 });
        let back: NodeRecord = decode("data node", b"n", &encode("data node", &node).unwrap()).unwrap();
        assert_eq!(back.edit_lock, node.edit_lock);
    }

    /// A last run read in place says what the copying read says: with and without its result,
    /// with and without layouts (records of older stores), and it tells the run it recorded
    /// from any other.
    #[test]
    fn a_last_run_read_in_place_reads_what_a_copy_reads() {
        let run = TaskRun {
            fingerprint: Fingerprint([1; 32]),
            inputs: vec![("a".into(), Fingerprint([2; 32])), ("b".into(), Fingerprint([3; 32]))],
            layouts: NodeLayouts {
                inputs: vec![("a".into(), Some(Fingerprint([4; 32]))), ("b".into(), None)],
                outputs: vec![("y".into(), Some(Fingerprint([5; 32])))],
            },
        };
        let result = RunResult { job_id: "JOB_t_1-0".into(), outputs: vec![Fingerprint([6; 32])] };
        let older = TaskRun { layouts: NodeLayouts::default(), ..run.clone() };
        for recorded in [
            LastRun { run: run.clone(), result: Some(result.clone()) },
            LastRun { run: run.clone(), result: None },
            LastRun { run: older.clone(), result: None },
        ] {
            let bytes = encode("task run", &recorded).unwrap();
            let copy: LastRun = decode("task run", b"r", &bytes).unwrap();
            let view: LastRunView<'_> = decode_view("task run", b"r", &bytes).unwrap();
            assert_eq!(view.run.to_owned_run(), copy.run);
            assert!(view.run.is(&copy.run));
            let viewed = view.result.map(|r| RunResult { job_id: r.job_id.to_owned(), outputs: r.outputs });
            assert_eq!(viewed, copy.result);
        }
        // A run recorded before layouts (no layouts field at all): read as empty layouts.
        #[derive(Serialize)]
        struct RunBeforeLayouts {
            fingerprint: Fingerprint,
            inputs: Vec<(String, Fingerprint)>,
        }
        #[derive(Serialize)]
        struct LastRunBeforeLayouts {
            run: RunBeforeLayouts,
        }
        let before = LastRunBeforeLayouts {
            run: RunBeforeLayouts { fingerprint: older.fingerprint, inputs: older.inputs.clone() },
        };
        let bytes = encode("task run", &before).unwrap();
        let view: LastRunView<'_> = decode_view("task run", b"r", &bytes).unwrap();
        assert!(view.run.is(&older) && !view.run.is(&run) && view.result.is_none());
        // A format 7 record: the run alone.
        let bytes = encode("task run", &run).unwrap();
        let view: LastRunView<'_> = decode_view("task run", b"r", &bytes).unwrap();
        assert!(view.run.is(&run) && view.result.is_none());
        // Any field that differs is another run.
        let view_of = |r: &TaskRun| encode("task run", &LastRun { run: r.clone(), result: None }).unwrap();
        let bytes = view_of(&run);
        let view: LastRunView<'_> = decode_view("task run", b"r", &bytes).unwrap();
        let mut renamed = run.clone();
        renamed.inputs[1].0 = "c".into();
        let mut rehashed = run.clone();
        rehashed.inputs[0].1 = Fingerprint([9; 32]);
        let mut relaid = run.clone();
        relaid.layouts.outputs[0].1 = None;
        let recoded = TaskRun { fingerprint: Fingerprint([8; 32]), ..run.clone() };
        for other in [&renamed, &rehashed, &relaid, &recoded, &older] {
            assert!(!view.run.is(other), "{other:?}");
        }
        // Damaged bytes are an error naming the record, not a run.
        let err = decode_view::<LastRunView<'_>>("task run", b"r", &bytes[..bytes.len() / 2]).unwrap_err();
        assert!(matches!(&err, StoreError::Corrupt { what: "task run", key, .. } if key == "r"), "{err}");
    }
}

/// A scenario config as the store remembers it: its fingerprint (ids, types, wiring, defaults,
/// task code) and its Taipy Studio TOML form where it can be exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredConfig {
    /// The config's id.
    pub id: String,
    /// [`config_fingerprint`](crate::toml::config_fingerprint) of the config.
    pub fingerprint: Fingerprint,
    /// The config in Taipy Studio's TOML format, if every default could be written as TOML.
    pub toml: Option<String>,
    /// When it was recorded (µs since the Unix epoch).
    pub recorded_us: u64,
}

/// One version of a scenario config, stored once however many scenarios use it.
///
/// Its shape and TOML text take megabytes for a config of 50k tasks, mostly repeated ids,
/// fingerprints and keys: since format 7 they are kept zstd-compressed in `packed` (the shape's
/// postcard bytes and the text, one frame each) and the plain fields are left empty. Records of
/// older stores keep the plain fields, and are read as they are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ConfigVersionRecord {
    pub(crate) config_id: String,
    pub(crate) fingerprint: Fingerprint,
    /// Its structure, from which diffs are computed (format 6 and before; empty in `packed`
    /// records).
    shape: crate::config::ConfigShape,
    /// Its Taipy Studio TOML form (format 6 and before).
    toml: Option<String>,
    /// The name given to it (experiment mode), if any.
    pub(crate) name: Option<String>,
    pub(crate) recorded_us: u64,
    /// Since format 7: the shape and the TOML text, compressed.
    #[serde(default, deserialize_with = "appended")]
    packed: Option<PackedConfig>,
}

/// A config version's shape and TOML text, each a zstd frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PackedConfig {
    #[serde(with = "bytes")]
    shape: Vec<u8>,
    #[serde(with = "bytes")]
    toml: Vec<u8>,
    has_toml: bool,
}

/// Byte strings as postcard's byte arrays (one length and the bytes), not sequences of `u8`.
mod bytes {
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        d.deserialize_bytes(Visitor)
    }
}

/// zstd's fastest level: the text and shape are repetitive enough that it shrinks them ~20×.
const PACK_LEVEL: i32 = 1;

impl ConfigVersionRecord {
    /// A new record (packed).
    pub(crate) fn new(
        config_id: &str,
        fingerprint: Fingerprint,
        shape: &crate::config::ConfigShape,
        toml: Option<&str>,
        name: Option<String>,
    ) -> Result<Self, StoreError> {
        let failed =
            |e: std::io::Error| StoreError::Encode { type_name: "config version", reason: e.to_string() };
        let shape = postcard::to_allocvec(shape)
            .map_err(|e| StoreError::Encode { type_name: "config version", reason: e.to_string() })?;
        let packed = PackedConfig {
            shape: zstd::bulk::compress(&shape, PACK_LEVEL).map_err(failed)?,
            toml: zstd::bulk::compress(toml.unwrap_or("").as_bytes(), PACK_LEVEL).map_err(failed)?,
            has_toml: toml.is_some(),
        };
        Ok(Self {
            config_id: config_id.to_owned(),
            fingerprint,
            shape: crate::config::ConfigShape::default(),
            toml: None,
            name,
            recorded_us: now_us(),
            packed: Some(packed),
        })
    }

    /// The version's structure.
    pub(crate) fn shape(&self) -> Result<crate::config::ConfigShape, StoreError> {
        match &self.packed {
            None => Ok(self.shape.clone()),
            Some(packed) => {
                postcard::from_bytes(&self.unpack(&packed.shape)?).map_err(|e| self.corrupt(e.to_string()))
            }
        }
    }

    /// The version's TOML text, if it has one.
    pub(crate) fn toml(&self) -> Result<Option<String>, StoreError> {
        match &self.packed {
            None => Ok(self.toml.clone()),
            Some(packed) if !packed.has_toml => Ok(None),
            Some(packed) => String::from_utf8(self.unpack(&packed.toml)?)
                .map(Some)
                .map_err(|e| self.corrupt(e.to_string())),
        }
    }

    fn unpack(&self, frame: &[u8]) -> Result<Vec<u8>, StoreError> {
        zstd::stream::decode_all(frame).map_err(|e| self.corrupt(e.to_string()))
    }

    fn corrupt(&self, reason: String) -> StoreError {
        StoreError::Corrupt {
            what: "config version",
            key: format!("{} of `{}`", self.fingerprint, self.config_id),
            reason,
        }
    }
}

/// The store's format, as recorded in its catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FormatRecord {
    pub(crate) version: u32,
    /// The taipy-core version that last recorded it.
    pub(crate) written_by: String,
}
