//! The tutorial's customer analysis: create (or reopen) a scenario, then four submits, each
//! after one parameter change, showing which tasks run and which are skipped, and why.
//!
//! ```text
//! cargo run --example customer_analysis [-- --data PATH] [--store DIR] [--fresh] [--json]
//! ```
//!
//! - `--data PATH`: the customers CSV (default: the committed sample `data/customers.csv`);
//! - `--store DIR`: where scenarios and results are kept (default: `target/taipy-customer-analysis`);
//! - `--fresh`: a new scenario instead of reopening the last one;
//! - `--json`: one JSON object per submit on stdout, nothing else.
//!
//! Run it twice: the second run reopens the scenario, and every submit reuses earlier results.
//! Errors are printed with their causes by `taipy::cli::report`.

use std::error::Error;
use std::process::ExitCode;

use algos::walkthrough::{self, Flags};
use algos::{CustomerAnalysis, HighValueSummary};
use taipy::Store;

const NAME: &str = "customer analysis";

const ABOUT: &str = "The tutorial's customer analysis: four submits, each after one parameter change, \
                     showing which tasks run and which are skipped, and why.";

fn main() -> ExitCode {
    let args = Flags::parse_for(
        "customer_analysis",
        ABOUT,
        std::env::args().skip(1),
        "target/taipy-customer-analysis",
        None,
    )
    .unwrap_or_else(|e| e.exit());
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            taipy::cli::eprint_report(&*e);
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Flags) -> Result<(), Box<dyn Error>> {
    let output = args.output();
    let store = Store::open(&args.store)?;
    let scenario = match CustomerAnalysis::find(&store, NAME)? {
        Some(existing) if !args.fresh => {
            eprintln!("reopened scenario {} in {}", existing.id(), store.path().display());
            existing
        }
        _ => CustomerAnalysis::create(&store, NAME)?,
    };
    walkthrough::run(&scenario, args.data.as_deref(), output)?;
    if args.json {
        return Ok(());
    }

    // A second scenario with a stricter score threshold, compared with the first.
    let strict = match CustomerAnalysis::find(&store, "strict threshold")? {
        Some(existing) if !args.fresh => existing,
        _ => CustomerAnalysis::create(&store, "strict threshold")?,
    };
    if let Some(data) = &args.data {
        strict.path_to_data().write(taipy::CsvFile::new(data))?;
    }
    strict.score_threshold().write(2.0)?;
    let report = strict.submit()?.wait()?;
    print!("== scenario `strict threshold` (score_threshold = 2.0): {report}");
    let summary = |s: &CustomerAnalysis| -> Result<_, Box<dyn Error>> {
        let HighValueSummary(frame) = s.high_value_summary_df().read()?;
        Ok(frame.collect()?)
    };
    println!("high_value_summary_df, `{}`:\n{}", scenario.name(), summary(&scenario)?);
    println!("high_value_summary_df, `{}`:\n{}", strict.name(), summary(&strict)?);

    println!("\nlineage of `{}`'s high_value_summary_df:", scenario.name());
    println!("{}", scenario.high_value_summary_df().lineage()?);
    Ok(())
}
