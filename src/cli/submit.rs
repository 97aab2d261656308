//! `submit SCENARIO [--set NODE=VALUE ...] [--force] [--sequence NAME] [--task NAME]`.
//!
//! Every `--set` is checked against its node's type before anything is written, so one wrong
//! value changes nothing. Progress comes from the submission's status callback (the same
//! changes the store's job events are made from): a bar on a terminal, one line per finished
//! job otherwise, both on stderr. The jobs' table goes to stdout; a failed job makes the exit
//! code non-zero and its failure is printed with its causes.

use std::sync::mpsc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use super::args::SubmitArgs;
use super::context::Context;
use super::nodes::parse_value;
use super::report::task_failure;
use super::table::{self, Table};
use crate::{BoxError, Job, JobStatus, Scenario, StoreError, SubmissionReport, SubmitOptions};

pub(crate) fn run(cx: &mut Context<'_>, args: SubmitArgs) -> Result<(), BoxError> {
    let scenario = cx.scenario(&args.scenario)?;

    let mut assignments = Vec::new();
    for assignment in &args.set {
        let Some((node, text)) = assignment.split_once('=') else {
            return Err(format!("--set `{assignment}`: expected NODE=VALUE").into());
        };
        assignments.push((node.trim(), text));
    }
    write_values(&scenario, &assignments, "--set on the command line")?;

    let (sender, receiver) = mpsc::channel::<Job>();
    let options = SubmitOptions::new().force(args.force).on_status(move |job| {
        let _ = sender.send(job.clone());
    });
    let submission = match (&args.sequence, &args.task) {
        (Some(sequence), _) => scenario.submit_sequence(sequence, options)?,
        (None, Some(task)) => scenario.submit_task(task, options)?,
        (None, None) => scenario.submit_with(options)?,
    };
    let total = submission.jobs().len();
    let bar = (cx.terminal() && !cx.json()).then(|| {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{pos}/{len}] {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let mut finished = 0;
    loop {
        let done = submission.is_finished();
        for job in receiver.try_iter() {
            progress(cx, bar.as_ref(), &job, &mut finished, total)?;
        }
        if done {
            break;
        }
        if let Ok(job) = receiver.recv_timeout(Duration::from_millis(100)) {
            progress(cx, bar.as_ref(), &job, &mut finished, total)?;
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // `wait` reports what went wrong beyond a job (a store that could not commit).
    let outcome = submission.wait();
    let report = submission.report();
    print_report(cx, &report)?;
    let failed: Vec<&Job> = report.jobs.iter().filter(|j| j.status == JobStatus::Failed).collect();
    for job in &failed {
        let error = job.error.as_ref().map(task_failure).unwrap_or_else(|| "no error recorded\n".into());
        write!(cx.err(), "task `{}` failed (job {}): {error}", job.task, job.id)?;
    }
    match outcome {
        Ok(_) => Ok(()),
        Err(_) if !failed.is_empty() => Err(format!(
            "submission `{}` of scenario `{}` failed: {} of {} job(s) failed",
            report.id,
            scenario.name(),
            failed.len(),
            report.jobs.len()
        )
        .into()),
        Err(e) => Err(e.into()),
    }
}

/// Writes each `(node, text)` (the text read as [`parse_value`] reads it), all checked against
/// their nodes' types before any is written: one value that does not fit changes nothing.
/// Returns the nodes that got a new version.
pub(crate) fn write_values(
    scenario: &Scenario,
    assignments: &[(&str, &str)],
    comment: &str,
) -> Result<Vec<String>, StoreError> {
    let mut writes = Vec::new();
    for (node, text) in assignments {
        let node_type = scenario.node_config(node)?.value_type();
        let value = parse_value(text);
        node_type.from_toml(&value).map_err(|reason| StoreError::InvalidValue {
            node: (*node).to_owned(),
            type_name: node_type.name(),
            value: (*text).to_owned(),
            reason,
        })?;
        writes.push((*node, value));
    }
    let mut written = Vec::new();
    for (node, value) in &writes {
        if scenario.write_toml(node, value, Some(comment))?.is_some() {
            written.push((*node).to_owned());
        }
    }
    Ok(written)
}

/// One finished job: a line (or a bar step).
fn progress(
    cx: &mut Context<'_>,
    bar: Option<&ProgressBar>,
    job: &Job,
    finished: &mut usize,
    total: usize,
) -> Result<(), BoxError> {
    if !job.status.is_finished() {
        if let (Some(bar), JobStatus::Running) = (bar, job.status) {
            bar.set_message(format!("running {}", job.task));
        }
        return Ok(());
    }
    *finished += 1;
    let reason = job.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default();
    let line = format!("[{finished}/{total}] {} {}{reason}", job.task, job.status);
    match bar {
        Some(bar) => {
            bar.println(line);
            bar.inc(1);
        }
        None if !cx.json() => writeln!(cx.err(), "{line}")?,
        None => {}
    }
    Ok(())
}

fn print_report(cx: &mut Context<'_>, report: &SubmissionReport) -> Result<(), BoxError> {
    if cx.json() {
        return cx.print_json(&json!({
            "submission": report.id,
            "status": format!("{:?}", report.status),
            "jobs": report.jobs.iter().map(super::jobs::job_json).collect::<Vec<Value>>(),
        }));
    }
    let mut rows = Table::new(["TASK", "STATUS", "DURATION", "REASON"]);
    for job in &report.jobs {
        rows.row([
            job.task.clone(),
            job.status.to_string(),
            table::duration(job.duration()),
            job.reason.as_ref().map(ToString::to_string).unwrap_or_default(),
        ]);
    }
    writeln!(cx.out(), "submission {}: {:?}", report.id, report.status)?;
    rows.print(cx.out(), "no jobs")?;
    Ok(())
}
