//! Lineage: where a data-node version came from.
//!
//! Every version records its writer. A version written by a job (or restored by a skipped job)
//! leads to that job's record, which keeps the task, its code fingerprint and the input versions
//! it read (staged in the same commit group as the outputs, so they cannot disagree). Following
//! the inputs recursively ends at source values: defaults, users' edits and external files. A
//! value copied by [`Scenario::duplicate`](crate::Scenario::duplicate) leads to the version it
//! was copied from.

use std::fmt;
use std::path::PathBuf;

use super::Store;
use super::keys;
use super::records::{NodeRecord, Version, Writer};
use crate::error::StoreError;
use crate::fingerprint::Fingerprint;
use crate::job::{Job, JobStatus};
use crate::value::decode_serde;

/// How deep lineage follows inputs: a guard against pathological histories.
const MAX_DEPTH: usize = 64;

/// The origin of one data-node version, as a tree down to source values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lineage {
    /// The node's name in its scenario config.
    pub node: String,
    /// The data node instance's id.
    pub node_id: String,
    /// The version number.
    pub number: u64,
    /// The version's content hash.
    pub hash: Fingerprint,
    /// When it was written (µs since the Unix epoch).
    pub written_us: u64,
    /// Who wrote it.
    pub writer: Writer,
    /// The writer's comment, if any.
    pub comment: Option<String>,
    /// For an external file, its path.
    pub file: Option<PathBuf>,
    /// The job that wrote it (ran its task or restored a remembered result), if still stored.
    pub job: Option<JobOrigin>,
    /// The lineage of the versions it was computed (or copied) from.
    pub inputs: Vec<Lineage>,
    /// What could not be followed (a deleted job or version), if anything.
    pub missing: Option<String>,
}

/// The job behind a version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobOrigin {
    /// The job's id.
    pub id: String,
    /// The task's id.
    pub task: String,
    /// The task's code fingerprint the job ran (or skipped) with.
    pub code: Option<Fingerprint>,
    /// The job's status (Completed, or Skipped for a reused result).
    pub status: JobStatus,
}

impl Store {
    /// The lineage of version `number` of data node `node_id`.
    pub fn lineage(&self, node_id: &str, number: u64) -> Result<Lineage, StoreError> {
        self.apply_all()?;
        self.lineage_at(node_id, number, 0)
    }

    fn lineage_at(&self, node_id: &str, number: u64, depth: usize) -> Result<Lineage, StoreError> {
        // A node written since format 7 may have no record (see `nodes.rs`).
        let node: Option<NodeRecord> = match self.read(&keys::node(node_id))? {
            Some(record) => Some(record),
            None => self.unwritten_node(node_id)?,
        };
        let name = node.as_ref().map_or_else(|| node_id.to_owned(), |n| n.config_id.clone());
        let version: Version = self
            .read(&keys::version(node_id, number))?
            .ok_or_else(|| StoreError::NotFound { kind: "version", id: format!("{name} #{number}") })?;
        let is_file = node.as_ref().is_some_and(|n| n.type_name.ends_with("File"));
        let mut lineage = Lineage {
            node: name,
            node_id: node_id.to_owned(),
            number,
            hash: version.hash,
            written_us: version.written_us,
            writer: version.writer.clone(),
            comment: version.comment.clone(),
            file: if is_file { decode_serde::<PathBuf>(&version.stored).ok() } else { None },
            job: None,
            inputs: Vec::new(),
            missing: None,
        };
        if depth >= MAX_DEPTH {
            lineage.missing = Some("lineage too deep; not followed further".into());
            return Ok(lineage);
        }
        let sources: Vec<(String, u64)> = match &version.writer {
            Writer::Job { job, .. } | Writer::Reused { job, .. } => {
                let exists = self.exists(&keys::job(job))?;
                match self.read_or_report::<Job>(&keys::job(job))? {
                    Some(job) => {
                        lineage.job = Some(JobOrigin {
                            id: job.id.clone(),
                            task: job.task.clone(),
                            code: job.code,
                            status: job.status,
                        });
                        job.inputs.iter().map(|i| (i.node_id.clone(), i.number)).collect()
                    }
                    None => {
                        let why = if exists { "cannot be read" } else { "was deleted" };
                        lineage.missing = Some(format!("job `{job}` {why}"));
                        Vec::new()
                    }
                }
            }
            Writer::Copied { node, number } => vec![(node.clone(), *number)],
            _ => Vec::new(),
        };
        for (node_id, number) in sources {
            match self.lineage_at(&node_id, number, depth + 1) {
                Ok(input) => lineage.inputs.push(input),
                Err(StoreError::NotFound { kind, id }) => {
                    lineage.missing = Some(format!("{kind} `{id}` was deleted"));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(lineage)
    }
}

impl Lineage {
    /// The tree without ids, hashes and times: one line per version, `node #n <- origin`,
    /// inputs indented below. Stable across runs, so handy in tests and logs.
    pub fn outline(&self) -> String {
        let mut out = String::new();
        self.write_tree(&mut out, 0, false).expect("writing to a String");
        out
    }

    fn origin(&self, detailed: bool) -> String {
        let code = |job: &JobOrigin| {
            if detailed {
                job.code.map(|c| format!(", code {}", c.short())).unwrap_or_default()
            } else {
                String::new()
            }
        };
        match (&self.writer, &self.job) {
            (Writer::Job { job: id, task }, job) => {
                let code = job.as_ref().map(code).unwrap_or_default();
                if detailed { format!("task {task} (job {id}{code})") } else { format!("task {task}") }
            }
            (Writer::Reused { job: id, from_job }, job) => {
                let task = job.as_ref().map_or("?", |j| j.task.as_str());
                let code = job.as_ref().map(code).unwrap_or_default();
                if detailed {
                    format!("task {task}, reused (job {id} reusing {from_job}{code})")
                } else {
                    format!("task {task}, reused")
                }
            }
            (Writer::Copied { .. }, _) => "copied".to_owned(),
            (writer, _) => writer.to_string(),
        }
    }

    fn write_tree(&self, out: &mut impl fmt::Write, depth: usize, detailed: bool) -> fmt::Result {
        let indent = "  ".repeat(depth);
        write!(out, "{indent}{} #{} <- {}", self.node, self.number, self.origin(detailed))?;
        if let Some(file) = &self.file {
            write!(out, " [file {}]", file.display())?;
        }
        if detailed {
            write!(out, " [{}]", self.hash.short())?;
            if let Some(comment) = &self.comment {
                write!(out, " \"{comment}\"")?;
            }
        }
        if let Some(missing) = &self.missing {
            write!(out, " ({missing})")?;
        }
        writeln!(out)?;
        for input in &self.inputs {
            input.write_tree(out, depth + 1, detailed)?;
        }
        Ok(())
    }
}

impl fmt::Display for Lineage {
    /// The indented tree with job ids, code fingerprints and content hashes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_tree(f, 0, true)
    }
}
