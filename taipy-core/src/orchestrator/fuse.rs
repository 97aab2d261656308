//! The fusion decision: which tasks of a submission run in one polars query with the producer
//! of their frames, so that no intermediate frame is read back from its artifact.
//!
//! Without fusion, a task producing a lazy frame has its plan executed into a Parquet artifact,
//! and each downstream task receives a scan of that artifact: the frame is written, then read
//! again. With fusion, when job P has just called its task and holds its outputs' plans:
//!
//! 1. **The group.** A downstream job D of P joins P's group when
//!    - D's task is declared [`lazy`](crate::TaskConfig::lazy) (its function only builds plans
//!      over its frame inputs, so giving it P's plan costs nothing) and has no timeout;
//!    - P is the only one of D's producers still unfinished (D is Blocked on P alone), and every
//!      input D reads from P is a lazy frame ([`DataValue::plan`](crate::DataValue::plan));
//!    - every output of P and of D is kept in the store itself (not in a file or a service)
//!      and is a lazy frame too.
//!
//!    D's function is then called now, with P's plans (marked shared: polars' cache node) and
//!    the current values of its other inputs. A call that fails leaves D out of the group.
//! 2. **One query.** The outputs of P and of every member are stored together
//!    (`value/frame_plan.rs`): one streaming pass feeds every Parquet sink, and each artifact
//!    is fsynced, hashed and renamed exactly as when stored alone, so it has the same bytes and
//!    hash as in an unfused run. If that query fails, nothing is kept (no artifact), and P
//!    stores its outputs alone as without fusion: an error in P's plan fails P, one in a
//!    member's plan fails that member when it runs, exactly as unfused.
//! 3. **A speculation, not a decision.** P commits as usual. Each member keeps its stored
//!    outputs as a *speculation*, with the input hashes it was computed from; its job then goes
//!    through the usual steps once P has committed: the skip decision (`skip.rs`) is taken on
//!    the committed inputs exactly as without fusion. If it says Run and the inputs are those
//!    the speculation was computed from, the job commits the speculated artifacts (durable
//!    since before P's commit) instead of calling its task again; if it says Skip, the
//!    speculation is dropped (its artifacts are collected like any unreferenced file).
//!
//! So skip decisions, job records, artifacts and the commit protocol are those of an unfused
//! submission; what changes is that the producer's artifact is not read back by the members,
//! and that their work is done (and timed) inside the producer's job.

use std::collections::HashMap;

use super::execute::call_task;
use super::run::{Run, Speculation};
use crate::config::TaskConfig;
use crate::fingerprint::Fingerprint;
use crate::job::JobStatus;
use crate::storage::StorageKind;
use crate::value::{AnyValue, FramePlan, Stored, store_plans};

/// A producer's group: its outputs' plans and the members' computed plans.
pub(super) struct Group {
    /// The producer's output plans, shared (one per output; `None`: not a frame).
    produced: Vec<Option<FramePlan>>,
    members: Vec<Member>,
}

/// One downstream job of the group.
struct Member {
    slot: usize,
    /// Per input: its hash if known now, or the producer's output it reads (by position).
    inputs: Vec<Result<Fingerprint, usize>>,
    outputs: Vec<FramePlan>,
}

impl Run {
    /// Step 1: the group of job `i` (its task `task` returned `produced`), or `None` when no
    /// downstream job can join (then nothing changes).
    pub(super) fn fusion_group(&self, i: usize, task: &TaskConfig, produced: &[AnyValue]) -> Option<Group> {
        let in_store =
            |name: &String| self.config.node(name).is_some_and(|n| n.storage().kind() == StorageKind::Store);
        let plans: Vec<Option<FramePlan>> = task
            .output_nodes()
            .iter()
            .zip(produced)
            .map(|(name, value)| {
                let node = self.config.node(name)?;
                if !in_store(name) {
                    return None;
                }
                node.value_type().plan(value).map(FramePlan::shared)
            })
            .collect();
        if plans.iter().all(Option::is_none) {
            return None;
        }
        let mut members = Vec::new();
        for &d in self.downstream_of(i) {
            let consumer = &self.config.tasks()[self.slot_task(d)];
            if !consumer.is_lazy() || consumer.timeout_limit().is_some() {
                continue;
            }
            let waiting_on_i_alone = self.with_state(|state| {
                state.jobs[d].status == JobStatus::Blocked && !state.claimed[d] && state.waiting_for(d) == 1
            });
            if !waiting_on_i_alone || !consumer.output_nodes().iter().all(in_store) {
                continue;
            }
            if let Some(member) = self.member(d, consumer, task, &plans) {
                members.push(member);
            }
        }
        (!members.is_empty()).then_some(Group { produced: plans, members })
    }

    /// Job `d` (task `consumer`) called on the producer's plans, if it can join.
    fn member(
        &self,
        d: usize,
        consumer: &TaskConfig,
        producer: &TaskConfig,
        plans: &[Option<FramePlan>],
    ) -> Option<Member> {
        let mut values = Vec::with_capacity(consumer.input_nodes().len());
        let mut inputs = Vec::with_capacity(values.capacity());
        for (name, ty) in consumer.input_nodes().iter().zip(consumer.input_types()) {
            match producer.output_nodes().iter().position(|o| o == name) {
                Some(k) => {
                    values.push(ty.value_of_plan(plans[k].clone()?)?);
                    inputs.push(Err(k));
                }
                None => {
                    let (hash, value) = self.current_value(name)?;
                    values.push(value);
                    inputs.push(Ok(hash));
                }
            }
        }
        let produced = call_task(consumer, &values).ok()?;
        let outputs = consumer
            .output_nodes()
            .iter()
            .zip(&produced)
            .map(|(name, value)| self.config.node(name)?.value_type().plan(value))
            .collect::<Option<Vec<_>>>()?;
        Some(Member { slot: d, inputs, outputs })
    }

    /// The current value of node `name` (not written by a job of this submission still
    /// running) and its hash: handed over in memory if this submission produced it, else read.
    fn current_value(&self, name: &str) -> Option<(Fingerprint, AnyValue)> {
        let version = self.store.current_version(&self.node_ids[name]).ok()??;
        let handed = self.with_state(|state| state.handed_value(name, version.hash));
        if let Some(value) = handed {
            return Some((version.hash, value));
        }
        let node = self.config.node(name)?;
        crate::node::check_layout(&self.store, name, &version, node.value_type()).ok()?;
        let value = node.load_value(&version.stored, &self.store.cx()).ok()?;
        Some((version.hash, value))
    }

    /// Step 2: stores the group's frames in one query, under the write gate the caller holds.
    /// Returns the producer's outputs as stored (`None` for an output that is not a frame, which
    /// the caller stores as usual), after recording each member's speculation; `None` if the
    /// query failed (nothing is kept; the caller stores every output as without fusion).
    pub(super) fn store_fused(&self, group: Group) -> Option<Vec<Option<Stored>>> {
        let Group { produced, members } = group;
        let mut plans: Vec<FramePlan> = produced.iter().flatten().cloned().collect();
        for member in &members {
            plans.extend(member.outputs.iter().cloned());
        }
        let mut stored = store_plans(plans, &self.store.cx()).ok()?.into_iter();
        let pins: Vec<_> = stored.as_slice().iter().filter_map(|s| self.store.pin(s)).collect();
        let mine: Vec<Option<Stored>> =
            produced.iter().map(|plan| plan.as_ref().and_then(|_| stored.next())).collect();
        let mut speculations = HashMap::new();
        for member in members {
            let inputs = member
                .inputs
                .iter()
                .map(|input| match input {
                    Ok(hash) => Some(*hash),
                    Err(k) => mine[*k].as_ref().map(|s| s.hash),
                })
                .collect::<Option<Vec<_>>>()?;
            let outputs = stored.by_ref().take(member.outputs.len()).collect();
            speculations.insert(member.slot, Speculation::new(inputs, outputs));
        }
        self.with_state(|state| {
            state.pins.extend(pins);
            state.speculated.extend(speculations);
        });
        Some(mine)
    }

    /// Job `i`'s speculation, taken (whatever the job then does with it).
    pub(super) fn take_speculation(&self, i: usize) -> Option<Speculation> {
        self.with_state(|state| state.speculated.remove(&i))
    }

    /// Whether every job of this submission reading node `name` from job `i` holds a
    /// speculation: then nobody needs the value handed over.
    pub(super) fn all_readers_fused(&self, i: usize, name: &str) -> bool {
        self.with_state(|state| {
            self.downstream_of(i)
                .iter()
                .filter(|&&d| self.config.tasks()[self.slot_task(d)].input_nodes().iter().any(|n| n == name))
                .all(|d| state.speculated.contains_key(d))
        })
    }
}
