//! The tutorial's walkthrough, shared by the `customer_analysis` examples (the `scenario!`
//! one and the TOML one): four submits, each after one parameter change, with every job's
//! status, duration and reason, and the two result tables, as text or as JSON lines.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Duration;

use polars::prelude::{AnyValue, DataFrame};
use serde_json::{Map, Value, json};
use taipy::{CsvFile, Scenario, SubmissionReport};

use crate::{HighValueSummary, Metric, SAMPLE_DATA, SegmentResult, Statistic};

/// How the walkthrough reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Tables and job lines for people.
    Text,
    /// One JSON object per submit on stdout, nothing else.
    Json,
}

/// The flags of the customer-analysis examples (`--help` lists them).
#[derive(Debug, Clone, PartialEq, clap::Parser)]
pub struct Flags {
    /// The customers CSV (default: the committed sample `data/customers.csv`).
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// Where scenarios and results are kept.
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// A new scenario instead of reopening the last one.
    #[arg(long)]
    pub fresh: bool,
    /// One JSON object per submit on stdout, nothing else.
    #[arg(long)]
    pub json: bool,
    /// The Taipy Studio TOML config, for the examples that take one.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

impl Flags {
    /// The examples' command line: `--store` defaults to `default_store`; `--config` is
    /// accepted only when `default_config` is given, and defaults to it.
    pub fn command(
        name: &str,
        about: &str,
        default_store: &str,
        default_config: Option<&str>,
    ) -> clap::Command {
        let command = <Self as clap::CommandFactory>::command()
            .name(name.to_owned())
            .bin_name(name.to_owned())
            .about(about.to_owned())
            .mut_arg("store", |arg| arg.default_value(default_store.to_owned()).required(false));
        match default_config {
            Some(config) => command.mut_arg("config", |arg| arg.default_value(config.to_owned())),
            None => command.mut_arg("config", |arg| arg.hide(true)),
        }
    }

    /// Parses the arguments after the program name (see [`command`](Self::command)). `--help`
    /// is an error whose [`exit`](clap::Error::exit) prints the help and exits with 0.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        default_store: &str,
        default_config: Option<&str>,
    ) -> Result<Self, clap::Error> {
        Self::parse_for("customer_analysis", "", args, default_store, default_config)
    }

    /// [`parse`](Self::parse) with the program's name and description for the help text.
    pub fn parse_for(
        name: &str,
        about: &str,
        args: impl IntoIterator<Item = String>,
        default_store: &str,
        default_config: Option<&str>,
    ) -> Result<Self, clap::Error> {
        let mut command = Self::command(name, about, default_store, default_config);
        let matches = command.try_get_matches_from_mut(std::iter::once(name.to_owned()).chain(args))?;
        let flags = <Self as clap::FromArgMatches>::from_arg_matches(&matches)?;
        if default_config.is_none() && flags.config.is_some() {
            return Err(
                command.error(clap::error::ErrorKind::UnknownArgument, "this example takes no --config")
            );
        }
        Ok(flags)
    }

    /// How to report.
    pub fn output(&self) -> Output {
        if self.json { Output::Json } else { Output::Text }
    }
}

/// What one submit of the walkthrough did.
#[derive(Debug)]
pub struct Step {
    /// 1 to 4.
    pub submit: usize,
    /// The parameters set before it, with their new values.
    pub changed: Map<String, Value>,
    /// The submission's report.
    pub report: SubmissionReport,
    /// Task 3's table.
    pub segment_result: DataFrame,
    /// Task 4's table.
    pub high_value_summary: DataFrame,
}

/// The last segment of a task id (`algos::tasks::segment_analysis` → `segment_analysis`).
pub fn short_task_name(task: &str) -> &str {
    task.rsplit("::").next().unwrap_or(task)
}

/// Runs the walkthrough on `scenario` (a customer-analysis scenario, made by `scenario!` or
/// loaded from TOML): the parameters are first set to the tutorial's defaults (and the data to
/// `data`, if given), then four submits: the defaults, `payment_threshold = 1600`,
/// `metric = median`, `summary_statistic_type = max`. Writing a value a node already holds
/// records nothing, so on a reopened store every submit reuses earlier results.
pub fn run(scenario: &Scenario, data: Option<&Path>, output: Output) -> Result<Vec<Step>, Box<dyn Error>> {
    let data = CsvFile::new(data.unwrap_or(Path::new(SAMPLE_DATA)));
    scenario.data_node::<CsvFile>("path_to_data")?.write(data)?;
    scenario.data_node::<f64>("payment_threshold")?.write(1000.0)?;
    scenario.data_node::<f64>("score_threshold")?.write(1.5)?;
    scenario.data_node::<Metric>("metric")?.write(Metric::Mean)?;
    scenario.data_node::<Statistic>("summary_statistic_type")?.write(Statistic::Median)?;

    let mut steps = Vec::with_capacity(4);
    for submit in 1..=4 {
        let mut changed = Map::new();
        match submit {
            2 => {
                scenario.data_node::<f64>("payment_threshold")?.write(1600.0)?;
                changed.insert("payment_threshold".into(), json!(1600.0));
            }
            3 => {
                scenario.data_node::<Metric>("metric")?.write(Metric::Median)?;
                changed.insert("metric".into(), json!(Metric::Median.as_str()));
            }
            4 => {
                scenario.data_node::<Statistic>("summary_statistic_type")?.write(Statistic::Max)?;
                changed.insert("summary_statistic_type".into(), json!(Statistic::Max.as_str()));
            }
            _ => {}
        }
        let report = scenario.submit()?.wait()?;
        let segment_result = scenario.data_node::<SegmentResult>("segment_result")?.read()?.0.collect()?;
        let high_value_summary =
            scenario.data_node::<HighValueSummary>("high_value_summary_df")?.read()?.0.collect()?;
        let step = Step { submit, changed, report, segment_result, high_value_summary };
        match output {
            Output::Text => print_text(&step),
            Output::Json => println!("{}", to_json(&step)),
        }
        steps.push(step);
    }
    Ok(steps)
}

fn ms(duration: Option<Duration>) -> f64 {
    duration.map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn print_text(step: &Step) {
    let changed = if step.changed.is_empty() {
        "the defaults".to_owned()
    } else {
        step.changed.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
    };
    println!("== submit {}: {changed} ({:.1} ms)", step.submit, step.report.elapsed.as_secs_f64() * 1e3);
    for job in &step.report.jobs {
        let reason = job.reason.as_ref().map(ToString::to_string).unwrap_or_default();
        println!(
            "  {:<36} {:<10} {:>9.1} ms  {reason}",
            short_task_name(&job.task),
            format!("{:?}", job.status),
            ms(job.duration())
        );
    }
    println!("segment_result:\n{}", step.segment_result);
    println!("high_value_summary:\n{}\n", step.high_value_summary);
}

/// One submit as a JSON object: `submit`, `changed`, `wall_ms`, `jobs` (by short task name:
/// `status`, `ms`, `reason`), and the two tables as arrays of row objects.
pub fn to_json(step: &Step) -> Value {
    let jobs: Map<String, Value> = step
        .report
        .jobs
        .iter()
        .map(|job| {
            let reason = job.reason.as_ref().map(ToString::to_string);
            let entry =
                json!({ "status": format!("{:?}", job.status), "ms": ms(job.duration()), "reason": reason });
            (short_task_name(&job.task).to_owned(), entry)
        })
        .collect();
    json!({
        "submit": step.submit,
        "changed": step.changed,
        "wall_ms": step.report.elapsed.as_secs_f64() * 1e3,
        "jobs": jobs,
        "segment_result": rows(&step.segment_result),
        "high_value_summary": rows(&step.high_value_summary),
    })
}

/// A frame's rows as JSON objects (column name → value; NaN and infinities as strings, since
/// JSON has no numbers for them).
pub fn rows(frame: &DataFrame) -> Value {
    let columns = frame.columns();
    let rows = (0..frame.height())
        .map(|i| {
            let row: Map<String, Value> = columns
                .iter()
                .map(|c| (c.name().to_string(), c.get(i).map_or(Value::Null, |v| cell(&v))))
                .collect();
            Value::Object(row)
        })
        .collect();
    Value::Array(rows)
}

fn cell(value: &AnyValue<'_>) -> Value {
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => json!(b),
        AnyValue::String(s) => json!(s),
        AnyValue::StringOwned(s) => json!(s.as_str()),
        AnyValue::Float64(f) => float(*f),
        AnyValue::Float32(f) => float(f64::from(*f)),
        other => match other.extract::<i64>() {
            Some(n) => json!(n),
            None => json!(other.to_string()),
        },
    }
}

fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or_else(|| json!(f.to_string()), Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_parse_and_refuse_what_they_do_not_know() {
        let flags = Flags::parse(args(&["--data", "x.csv", "--json"]), "target/s", None).unwrap();
        assert_eq!(flags.data, Some(PathBuf::from("x.csv")));
        assert_eq!(flags.store, PathBuf::from("target/s"));
        assert_eq!(flags.output(), Output::Json);
        let err = Flags::parse(args(&["--config", "c.toml"]), "s", None).unwrap_err().to_string();
        assert!(err.contains("this example takes no --config"), "{err}");
        let flags = Flags::parse(args(&["--config", "c.toml"]), "s", Some("d.toml")).unwrap();
        assert_eq!(flags.config, Some(PathBuf::from("c.toml")));
        let err = Flags::parse(args(&["--store"]), "s", None).unwrap_err().to_string();
        assert!(err.contains("a value is required for '--store <DIR>'"), "{err}");
    }

    #[test]
    fn help_lists_the_flags_and_their_defaults() {
        let err =
            Flags::parse_for("customer_analysis", "The walkthrough.", args(&["--help"]), "target/s", None)
                .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        let help = err.to_string();
        for flag in ["--data <PATH>", "--store <DIR>", "[default: target/s]", "--fresh", "--json"] {
            assert!(help.contains(flag), "{flag} missing from:\n{help}");
        }
        assert!(!help.contains("--config"), "{help}");
    }
}
