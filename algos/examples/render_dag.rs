//! Draws the customer analysis's DAG with `taipy::dag`: its data nodes, tasks and edges, as SVG
//! (laid out in-process, no Graphviz needed), Mermaid or DOT text.
//!
//! ```text
//! cargo run --example render_dag -- --out docs/customer_analysis.svg
//! cargo run --example render_dag -- --format mermaid
//! ```
//!
//! Without `--out`, the picture goes to standard output.

use std::process::ExitCode;

use algos::CustomerAnalysis;
use taipy::dag::{Dag, Format};

const USAGE: &str = "usage: render_dag [--format svg|mermaid|dot] [--out PATH]
  --format F  the picture's format (default svg)
  --out PATH  the file to write (default: standard output)";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut format = Format::Svg;
    let mut out: Option<String> = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--format" => {
                let name = args.next().ok_or("`--format` needs a value: svg, mermaid or dot")?;
                format = name.parse().map_err(|e| format!("{e}"))?;
            }
            "--out" => out = Some(args.next().ok_or("`--out` needs a path")?),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    let picture = Dag::of(&CustomerAnalysis::config()).render(format);
    match out {
        Some(path) => std::fs::write(&path, picture).map_err(|e| format!("cannot write `{path}`: {e}")),
        None => {
            print!("{picture}");
            Ok(())
        }
    }
}
