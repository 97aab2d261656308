//! The command line a program embeds in one line (feature `cli`, on by default).
//!
//! Only your binary links your `#[task]`s, so the command line is a library your `main` calls:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     taipy::cli::main()
//! }
//! ```
//!
//! Scenario configs are found in the registry of `scenario!` types, in a Taipy Studio TOML file
//! given with `--config FILE`, and among those given to the builder with [`Cli::scenario`]
//! (which also keeps the linker from dropping a crate whose items the binary never names).
//! Every command takes `--store DIR` (or the `TAIPY_STORE` variable), `--help` and `--json`:
//!
//! ```text
//! scenarios list|show|create|delete|duplicate|tag|primary    cycles list
//! submit SCENARIO [--set NODE=VALUE ...] [--force] [--sequence NAME] [--task NAME]
//! jobs list|show|cancel    submissions list|show
//! nodes show|read|write|history    lineage SCENARIO NODE [--version N]    compare A B
//! config check FILE.toml    config export    gc [--dry-run]    doctor
//! ui [--bind ADDR:PORT]      (feature `ui`: a local web page, see below)
//! worker --queue URL         (feature `queue`: run jobs from a job queue, see below)
//! ```
//!
//! With the `ui` feature, `ui` serves a web page on `127.0.0.1:8000`: scenarios grouped by
//! cycle, each scenario's DAG coloured by its jobs' statuses and updated live, data nodes
//! (frames paged on the server), a form to change parameters and submit, two scenarios
//! compared. Bound to another address, every request needs the token it prints at start.
//!
//! With the `queue` feature, `worker --queue postgres://... --store DIR` runs, until stopped,
//! the jobs that stores opened with [`Executor::Queue`](crate::Executor::Queue) hand to the
//! queue: your binary in worker mode, so it has the same tasks; see [`run_worker`](crate::run_worker).
//!
//! A scenario is named by its id or, when no other scenario has that name, by its name.
//! Errors are printed with [`report`]: the message and its chain of causes. The exit code is 0
//! on success, 1 on an error (a failed job included) and 2 on a usage error.
//!
//! Your own commands sit beside the built-in ones:
//!
//! ```
//! use taipy::cli::{Cli, Context};
//!
//! let cli = Cli::new().name("shop").command(
//!     taipy::cli::clap::Command::new("hello").about("Greets"),
//!     |cx: &mut Context<'_>, _args: &taipy::cli::clap::ArgMatches| {
//!         writeln!(cx.out(), "hello")?;
//!         Ok(())
//!     },
//! );
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//! assert_eq!(cli.run_from(["shop", "hello"], &mut out, &mut err), 0);
//! assert_eq!(out, b"hello\n");
//! ```

mod args;
mod context;
mod dag;
mod jobs;
mod maintenance;
mod nodes;
mod report;
mod scenarios;
mod submit;
mod table;
#[cfg(feature = "ui")]
mod ui;
mod versions;
mod worker;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

/// The clap version the command line is built with, for your own commands.
pub use clap;
pub use context::Context;
pub use report::{eprint_report, report};

use crate::{BoxError, ScenarioConfig, StoreOptions};

/// Runs the command line with the process's arguments: what a `main` returns.
pub fn main() -> ExitCode {
    Cli::new().run()
}

type Handler = Box<dyn Fn(&mut Context<'_>, &ArgMatches) -> Result<(), BoxError>>;

/// The command line, with your scenario configs, defaults and commands.
pub struct Cli {
    name: String,
    configs: Vec<Arc<ScenarioConfig>>,
    default_store: Option<PathBuf>,
    options: Option<StoreOptions>,
    commands: Vec<(clap::Command, Handler)>,
}

impl Default for Cli {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cli")
            .field("name", &self.name)
            .field("configs", &self.configs.iter().map(|c| c.id().to_owned()).collect::<Vec<_>>())
            .field("default_store", &self.default_store)
            .field(
                "commands",
                &self.commands.iter().map(|(c, _)| c.get_name().to_owned()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Cli {
    /// The built-in commands, named `taipy` in help texts.
    pub fn new() -> Self {
        Self {
            name: "taipy".into(),
            configs: Vec::new(),
            default_store: None,
            options: None,
            commands: Vec::new(),
        }
    }

    /// The program's name in help texts and messages.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Makes a scenario config known (e.g. `CustomerAnalysis::config()`), beside the
    /// registered ones and those of `--config FILE`.
    pub fn scenario(mut self, config: Arc<ScenarioConfig>) -> Self {
        self.configs.push(config);
        self
    }

    /// The store used when neither `--store` nor `TAIPY_STORE` is given.
    pub fn default_store(mut self, path: impl Into<PathBuf>) -> Self {
        self.default_store = Some(path.into());
        self
    }

    /// The options stores are opened with (default: those of the `--config` file's `[JOB]`
    /// section, else [`StoreOptions::default`]).
    pub fn store_options(mut self, options: StoreOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// Adds a command of yours; `handler` runs it with the context (store, configs, output)
    /// and the command's matches. Its errors are reported like the built-in commands'.
    pub fn command(
        mut self,
        command: clap::Command,
        handler: impl Fn(&mut Context<'_>, &ArgMatches) -> Result<(), BoxError> + 'static,
    ) -> Self {
        self.commands.push((command, Box::new(handler)));
        self
    }

    /// Runs with the process's arguments, printing on stdout and stderr (progress bars when
    /// stderr is a terminal).
    pub fn run(&self) -> ExitCode {
        let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr());
        let terminal = err.is_terminal();
        ExitCode::from(self.execute(std::env::args_os(), &mut out, &mut err, terminal))
    }

    /// Runs with `args` (the program's name first), printing on `out` and `err`; returns the
    /// exit code. Progress is written as plain lines on `err`.
    pub fn run_from<I, T>(&self, args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        self.execute(args, out, err, false)
    }

    /// The clap command: built-in commands, then the user's.
    fn clap_command(&self) -> clap::Command {
        let mut command = args::Cli::command().name(self.name.clone()).bin_name(self.name.clone());
        for (user, _) in &self.commands {
            command = command.subcommand(user.clone());
        }
        command
    }

    fn execute<'w, I, T>(&self, args: I, out: &'w mut dyn Write, err: &'w mut dyn Write, terminal: bool) -> u8
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let matches = match self.clap_command().try_get_matches_from(args) {
            Ok(matches) => matches,
            Err(e) => {
                let text = e.render().to_string();
                let (code, stream) = if e.use_stderr() { (2, err) } else { (0, out) };
                let _ = write!(stream, "{text}");
                return code;
            }
        };
        let global = match args::Global::from_arg_matches(&matches) {
            Ok(global) => global,
            Err(e) => {
                let _ = write!(err, "{}", e.render());
                return 2;
            }
        };
        if let Err(e) = start_logging(global.verbose) {
            let _ = write!(err, "{}", report(&e));
            return 2;
        }
        let mut cx = Context::new(self, global, &mut *out, &mut *err, terminal);
        let result = match matches.subcommand() {
            Some((name, sub)) if self.commands.iter().any(|(c, _)| c.get_name() == name) => {
                let (_, handler) = self.commands.iter().find(|(c, _)| c.get_name() == name).expect("found");
                handler(&mut cx, sub)
            }
            _ => match args::Cli::from_arg_matches(&matches) {
                Ok(cli) => run_builtin(&mut cx, cli.command),
                Err(e) => {
                    let _ = write!(err, "{}", e.render());
                    return 2;
                }
            },
        };
        drop(cx);
        match result {
            Ok(()) => 0,
            Err(e) => {
                let _ = write!(err, "{}", report(&*e));
                1
            }
        }
    }
}

/// Prints the runtime's spans and events on stderr when `-v` or `RUST_LOG` asks for them. A
/// subscriber the embedding program installed itself is left in place.
fn start_logging(verbose: u8) -> Result<(), crate::logging::LoggingError> {
    let rust_log = std::env::var_os("RUST_LOG").is_some_and(|v| !v.is_empty());
    if verbose == 0 && !rust_log {
        return Ok(());
    }
    match crate::logging::init(verbose) {
        Err(crate::logging::LoggingError::AlreadyInstalled) => Ok(()),
        other => other,
    }
}

fn run_builtin(cx: &mut Context<'_>, command: args::Command) -> Result<(), BoxError> {
    use args::Command::*;
    match command {
        Scenarios(command) => scenarios::run(cx, command),
        Cycles(args::CyclesCommand::List) => scenarios::cycles(cx),
        Submit(args) => submit::run(cx, args),
        Jobs(command) => jobs::jobs(cx, command),
        Submissions(command) => jobs::submissions(cx, command),
        Nodes(command) => nodes::run(cx, command),
        Lineage(args) => nodes::lineage(cx, args),
        Compare(args) => nodes::compare(cx, args),
        Dag(args) => dag::run(cx, args),
        Config(command) => maintenance::config(cx, command),
        Versions(command) => versions::run(cx, command),
        Gc(args) => maintenance::gc(cx, args),
        Doctor => maintenance::doctor(cx),
        #[cfg(feature = "ui")]
        Ui(args) => ui::run(cx, args),
        #[cfg(not(feature = "ui"))]
        Ui(_) => Err("this program was built without the web page: enable taipy's `ui` feature \
                      (`taipy = { version = \"...\", features = [\"ui\"] }`)"
            .into()),
        Worker(args) => worker::run(cx, args),
    }
}
