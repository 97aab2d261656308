//! `jobs list|show|cancel` and `submissions list|show`.

use serde_json::{Value, json};

use super::args::{JobsCommand, SubmissionsCommand};
use super::context::Context;
use super::report::task_failure;
use super::table::{self, Table};
use crate::{BoxError, Job, SubmissionInfo};

pub(crate) fn job_json(job: &Job) -> Value {
    json!({
        "id": job.id, "submission": job.submission, "scenario": job.scenario, "task": job.task,
        "status": job.status.to_string(), "reason": job.reason.as_ref().map(ToString::to_string),
        "error": job.error.as_ref().map(|e| json!({
            "message": e.message, "causes": e.sources, "panicked": e.panicked, "backtrace": e.backtrace,
        })),
        "created_us": job.created_us, "started_us": job.started_us, "finished_us": job.finished_us,
        "code": job.code.map(|c| c.to_string()),
        "inputs": job.inputs.iter().map(|i| json!({ "node": i.node, "version": i.number, "hash": i.hash.to_string() })).collect::<Vec<_>>(),
        "warning": job.warning,
    })
}

fn job_rows(jobs: &[Job]) -> Table {
    let mut rows = Table::new(["ID", "TASK", "STATUS", "CREATED", "DURATION", "REASON"]);
    for job in jobs {
        rows.row([
            job.id.clone(),
            job.task.clone(),
            job.status.to_string(),
            table::time(job.created_us),
            table::duration(job.duration()),
            job.reason.as_ref().map(ToString::to_string).unwrap_or_default(),
        ]);
    }
    rows
}

pub(crate) fn jobs(cx: &mut Context<'_>, command: JobsCommand) -> Result<(), BoxError> {
    match command {
        JobsCommand::List { scenario, submission } => {
            let scenario = scenario.map(|s| cx.scenario_info(&s)).transpose()?;
            let store = cx.store()?;
            // By submission, oldest first, each in its tasks' order; then any job no submission
            // lists.
            let mut jobs: Vec<Job> = store.submissions()?.into_iter().flat_map(|s| s.jobs).collect();
            let listed: std::collections::HashSet<String> = jobs.iter().map(|j| j.id.clone()).collect();
            jobs.extend(store.jobs()?.into_iter().filter(|j| !listed.contains(&j.id)));
            jobs.retain(|j| scenario.as_ref().is_none_or(|s| j.scenario == s.id));
            jobs.retain(|j| submission.as_ref().is_none_or(|s| &j.submission == s));
            if cx.json() {
                return cx.print_json(&Value::Array(jobs.iter().map(job_json).collect()));
            }
            job_rows(&jobs).print(cx.out(), "no jobs")?;
            Ok(())
        }
        JobsCommand::Show { job } => {
            let job = cx.store()?.job(&job)?;
            if cx.json() {
                return cx.print_json(&job_json(&job));
            }
            let out = cx.out();
            writeln!(out, "job        {}", job.id)?;
            writeln!(out, "task       {}", job.task)?;
            writeln!(out, "status     {}", job.status)?;
            if let Some(reason) = &job.reason {
                writeln!(out, "reason     {reason}")?;
            }
            writeln!(out, "scenario   {}", job.scenario)?;
            writeln!(out, "submission {}", job.submission)?;
            writeln!(out, "created    {}", table::time(job.created_us))?;
            writeln!(out, "duration   {}", table::duration(job.duration()))?;
            if let Some(code) = job.code {
                writeln!(out, "code       {}", code.short())?;
            }
            for input in &job.inputs {
                writeln!(out, "input      {} #{} [{}]", input.node, input.number, input.hash.short())?;
            }
            if let Some(warning) = &job.warning {
                writeln!(out, "warning    {warning}")?;
            }
            if let Some(error) = &job.error {
                write!(out, "error      {}", task_failure(error))?;
                if let Some(backtrace) = &error.backtrace {
                    writeln!(out, "backtrace:\n{backtrace}")?;
                }
            }
            Ok(())
        }
        JobsCommand::Cancel { job } => {
            let job = cx.store()?.job(&job)?;
            // Opening the store recovered every job a dead process left unfinished, and a store
            // is open in one process at a time: a job seen here has finished.
            Err(format!(
                "job `{}` of task `{}` is {}: only a job that has not started can be canceled, by the \
                 process that submitted it",
                job.id, job.task, job.status
            )
            .into())
        }
    }
}

fn submission_json(s: &SubmissionInfo) -> Value {
    json!({
        "id": s.id, "scenario": s.scenario, "entity": s.entity, "created_us": s.created_us,
        "force": s.force, "status": format!("{:?}", s.status),
        "jobs": s.jobs.iter().map(job_json).collect::<Vec<_>>(),
    })
}

pub(crate) fn submissions(cx: &mut Context<'_>, command: SubmissionsCommand) -> Result<(), BoxError> {
    match command {
        SubmissionsCommand::List { scenario } => {
            let scenario = scenario.map(|s| cx.scenario_info(&s)).transpose()?;
            let mut all = cx.store()?.submissions()?;
            all.retain(|s| scenario.as_ref().is_none_or(|x| s.scenario == x.id));
            if cx.json() {
                return cx.print_json(&Value::Array(all.iter().map(submission_json).collect()));
            }
            let mut rows = Table::new(["ID", "SCENARIO", "ENTITY", "CREATED", "STATUS", "JOBS"]);
            for s in &all {
                let counts = counts(&s.jobs);
                rows.row([
                    s.id.clone(),
                    s.scenario.clone(),
                    s.entity.clone(),
                    table::time(s.created_us),
                    format!("{:?}", s.status),
                    counts,
                ]);
            }
            rows.print(cx.out(), "no submissions")?;
            Ok(())
        }
        SubmissionsCommand::Show { submission } => {
            let s = cx.store()?.submission(&submission)?;
            if cx.json() {
                return cx.print_json(&submission_json(&s));
            }
            let out = cx.out();
            writeln!(out, "submission {}", s.id)?;
            writeln!(out, "scenario   {}", s.scenario)?;
            writeln!(out, "entity     {}", s.entity)?;
            writeln!(out, "created    {}", table::time(s.created_us))?;
            writeln!(out, "status     {:?}{}", s.status, if s.force { " (forced)" } else { "" })?;
            writeln!(out)?;
            job_rows(&s.jobs).print(out, "no jobs")?;
            Ok(())
        }
    }
}

/// `3 Completed, 1 Skipped`.
fn counts(jobs: &[Job]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for job in jobs {
        let status = job.status.to_string();
        match counts.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => counts.push((status, 1)),
        }
    }
    counts.iter().map(|(s, n)| format!("{n} {s}")).collect::<Vec<_>>().join(", ")
}
