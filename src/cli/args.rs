//! The command line's arguments, as clap derives them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The built-in command line; the builder adds users' commands beside `command`.
#[derive(Debug, Parser)]
#[command(
    about = "Scenarios, submissions, jobs and data nodes of a taipy store.",
    disable_help_subcommand = true,
    subcommand_required = true
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct Global {
    /// The store's folder.
    #[arg(long, global = true, value_name = "DIR", env = "TAIPY_STORE", hide_env_values = true)]
    pub(crate) store: Option<PathBuf>,
    /// A Taipy Studio TOML config whose scenario configs are known beside the registered ones.
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Log what the runtime does on stderr: -v each submission and job, -vv each decision and
    /// commit, -vvv everything (`RUST_LOG` overrides it).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// The built-in commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// List, show, create, delete, duplicate, tag scenarios.
    #[command(subcommand)]
    Scenarios(ScenariosCommand),
    /// The cycles of scenario configs with a frequency.
    #[command(subcommand)]
    Cycles(CyclesCommand),
    /// Submit a scenario (or one of its sequences or tasks) and wait for its jobs.
    Submit(SubmitArgs),
    /// Jobs: one run (or skip) of one task.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Submissions: the jobs of one submit.
    #[command(subcommand)]
    Submissions(SubmissionsCommand),
    /// A scenario's data nodes: show, read, write, history.
    #[command(subcommand)]
    Nodes(NodesCommand),
    /// Where a data node's value came from, down to source values and files.
    Lineage(LineageArgs),
    /// Compare the data nodes of two scenarios of one config.
    Compare(CompareArgs),
    /// Draw a scenario's graph (or a config's) as Mermaid, DOT or SVG.
    Dag(DagArgs),
    /// Check or export scenario configs.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The stored versions of scenario configs: list, compare, name, delete.
    #[command(subcommand)]
    Versions(VersionsCommand),
    /// Remove versions, remembered results and artifacts nothing refers to any more.
    Gc(GcArgs),
    /// Check the store: format, disk usage, unreadable records.
    Doctor,
    /// Serve a local web page: scenarios, live DAGs, data nodes, edits and submits.
    Ui(UiArgs),
    /// Run jobs of this program's scenarios from a job queue on PostgreSQL, until stopped.
    Worker(WorkerArgs),
}

/// `worker ...` (listed whatever the features, like `ui`; it needs the `queue` feature to run).
#[derive(Debug, Args)]
pub(crate) struct WorkerArgs {
    /// The job queue's PostgreSQL URL (the submitting store's `Executor::Queue` URL; default:
    /// the `job_queue` of --config FILE's `[CORE]` section).
    #[arg(long, value_name = "URL", env = "TAIPY_QUEUE", hide_env_values = true)]
    pub(crate) queue: Option<String>,
    /// Where the store keeps its artifacts when on object storage, `s3://bucket/prefix
    /// [?endpoint=URL]` (default: the `artifacts_url` of --config FILE's `[CORE]` section;
    /// without either, the artifacts of --store DIR). Verified local copies go to --store's
    /// local folder, else to a folder under the system's temporary directory.
    #[arg(long, value_name = "URL")]
    pub(crate) artifacts: Option<String>,
    /// The worker's name in the queue and in job traces (default: `worker-<process id>`).
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Milliseconds between the worker's heartbeats; a worker silent for three of them has its
    /// job handed to another worker.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub(crate) heartbeat_ms: u64,
}

/// `ui ...` (listed whatever the features, so help texts do not depend on them; it needs the
/// `ui` feature to run).
#[derive(Debug, Args)]
pub(crate) struct UiArgs {
    /// The address to serve on (port 0: any free port). Another address than a loopback one
    /// makes every request need the token printed at start.
    #[arg(long, default_value = "127.0.0.1:8000", value_name = "ADDR:PORT")]
    pub(crate) bind: std::net::SocketAddr,
}

/// `scenarios ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ScenariosCommand {
    /// List the stored scenarios, oldest first.
    List {
        /// Only the scenarios of this config.
        #[arg(long, value_name = "CONFIG_ID")]
        config_id: Option<String>,
        /// Only the scenarios with this tag.
        #[arg(long)]
        tag: Option<String>,
    },
    /// Show a scenario: its nodes with their current versions, tasks, tags, cycle.
    Show {
        /// The scenario's id or name.
        scenario: String,
    },
    /// Create a scenario.
    Create {
        /// The new scenario's name.
        name: String,
        /// The scenario config to create it from (needed when several are known).
        #[arg(long, value_name = "CONFIG_ID")]
        config_id: Option<String>,
    },
    /// Delete a scenario, its own data nodes, jobs and submissions.
    Delete {
        /// The scenario's id or name.
        scenario: String,
    },
    /// Duplicate a scenario: the copy starts at its current values and reuses its results.
    Duplicate {
        /// The scenario's id or name.
        scenario: String,
        /// The copy's name.
        name: String,
    },
    /// Tag a scenario (or remove a tag with --remove).
    Tag {
        /// The scenario's id or name.
        scenario: String,
        /// The tag.
        tag: String,
        /// Remove the tag instead.
        #[arg(long)]
        remove: bool,
    },
    /// Make a scenario the primary one of its cycle.
    Primary {
        /// The scenario's id or name.
        scenario: String,
    },
}

/// `cycles ...`
#[derive(Debug, Subcommand)]
pub(crate) enum CyclesCommand {
    /// List the cycles, oldest period first.
    List,
}

/// `submit ...`
#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// The scenario's id or name.
    pub(crate) scenario: String,
    /// Write a data node before submitting: NODE=VALUE, the value read by the node's type
    /// (a TOML value such as 1600, 1.5, true, "text", else taken as text). Repeatable.
    #[arg(long = "set", value_name = "NODE=VALUE")]
    pub(crate) set: Vec<String>,
    /// Run every task even where an earlier result could be reused.
    #[arg(long)]
    pub(crate) force: bool,
    /// Submit only this sequence.
    #[arg(long, value_name = "NAME", conflicts_with = "task")]
    pub(crate) sequence: Option<String>,
    /// Submit only this task.
    #[arg(long, value_name = "NAME")]
    pub(crate) task: Option<String>,
}

/// `jobs ...`
#[derive(Debug, Subcommand)]
pub(crate) enum JobsCommand {
    /// List jobs, oldest first.
    List {
        /// Only the jobs of this scenario (id or name).
        #[arg(long)]
        scenario: Option<String>,
        /// Only the jobs of this submission.
        #[arg(long)]
        submission: Option<String>,
    },
    /// Show a job: status, reason, inputs read, the failure with its causes.
    Show {
        /// The job's id.
        job: String,
    },
    /// Cancel a job that has not started.
    Cancel {
        /// The job's id.
        job: String,
    },
}

/// `submissions ...`
#[derive(Debug, Subcommand)]
pub(crate) enum SubmissionsCommand {
    /// List submissions, oldest first.
    List {
        /// Only the submissions of this scenario (id or name).
        #[arg(long)]
        scenario: Option<String>,
    },
    /// Show a submission and its jobs.
    Show {
        /// The submission's id.
        submission: String,
    },
}

/// `nodes ...`
#[derive(Debug, Subcommand)]
pub(crate) enum NodesCommand {
    /// A scenario's data nodes: type, scope, current version, value.
    Show {
        /// The scenario's id or name.
        scenario: String,
    },
    /// Print a data node's value (current, or --version N).
    Read {
        /// The scenario's id or name.
        scenario: String,
        /// The data node's name.
        node: String,
        /// The version to read.
        #[arg(long, value_name = "N")]
        version: Option<u64>,
    },
    /// Write a data node's value, read by the node's type.
    Write {
        /// The scenario's id or name.
        scenario: String,
        /// The data node's name.
        node: String,
        /// The value (a TOML value such as 1600, 1.5, true, "text", else taken as text).
        value: String,
        /// A comment kept in the node's history.
        #[arg(long)]
        comment: Option<String>,
    },
    /// A data node's versions, oldest first.
    History {
        /// The scenario's id or name.
        scenario: String,
        /// The data node's name.
        node: String,
    },
}

/// `lineage ...`
#[derive(Debug, Args)]
pub(crate) struct LineageArgs {
    /// The scenario's id or name.
    pub(crate) scenario: String,
    /// The data node's name.
    pub(crate) node: String,
    /// The version (the current one if not given).
    #[arg(long, value_name = "N")]
    pub(crate) version: Option<u64>,
}

/// `dag ...`
#[derive(Debug, Args)]
pub(crate) struct DagArgs {
    /// The scenario's id or name; without it, the graph of a config (`--config-id`, or the only
    /// one known).
    pub(crate) scenario: Option<String>,
    /// The config to draw when no scenario is given.
    #[arg(long, value_name = "CONFIG_ID", conflicts_with = "scenario")]
    pub(crate) config_id: Option<String>,
    /// The picture's format: mermaid, dot or svg (laid out here, no Graphviz needed).
    #[arg(long, short, default_value = "mermaid", value_name = "FORMAT")]
    pub(crate) format: crate::dag::Format,
    /// Colour each task by the status of its latest job (needs a scenario).
    #[arg(long, requires = "scenario")]
    pub(crate) statuses: bool,
    /// Write the picture to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// `compare ...`
#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The first scenario's id or name.
    pub(crate) a: String,
    /// The second scenario's id or name.
    pub(crate) b: String,
}

/// `config ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Check a TOML config against the registered tasks; every problem with its line.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
    /// Print a scenario config in Taipy Studio's TOML format.
    Export {
        /// The scenario config's id (needed when several are known).
        #[arg(long, value_name = "CONFIG_ID")]
        config_id: Option<String>,
    },
    /// What changed between the store's current version of a config and this binary's config.
    Diff {
        /// The scenario config's id (needed when several are known).
        #[arg(long, value_name = "CONFIG_ID")]
        config_id: Option<String>,
    },
}

/// `versions ...`
#[derive(Debug, Subcommand)]
pub(crate) enum VersionsCommand {
    /// List the stored config versions, oldest first, with how many scenarios each has.
    List,
    /// Every difference from version OLD to NEW (or to this binary's config of OLD's id).
    Compare {
        /// A version's name, or a prefix (4 hex digits or more) of its fingerprint.
        old: String,
        /// The same; without it, the config this binary knows under OLD's config id.
        new: Option<String>,
    },
    /// Give a version a name (experiment mode names the versions it creates).
    Name {
        /// The version's name or fingerprint prefix.
        version: String,
        /// The new name.
        name: String,
    },
    /// Delete a version and every scenario bound to it.
    Delete {
        /// The version's name or fingerprint prefix.
        version: String,
        /// Delete it even if it is its config's current version.
        #[arg(long)]
        force: bool,
    },
}

/// `gc ...`
#[derive(Debug, Args)]
pub(crate) struct GcArgs {
    /// Keep this many old versions per data node (all if not given).
    #[arg(long, value_name = "N")]
    pub(crate) keep_versions: Option<usize>,
    /// Keep this many remembered results per task (all if not given).
    #[arg(long, value_name = "N")]
    pub(crate) keep_results: Option<usize>,
    /// Say what would be removed, removing nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}
