//! The same walkthrough as `customer_analysis`, with the scenario loaded at run time from a
//! Taipy Studio TOML file (default: `examples/config.toml`, the tutorial's config exactly as
//! Taipy exports it). Its functions (`algos.algo.preprocess_and_score:function`, ...) resolve
//! to the `#[task]`s of the `algos` crate, and its untyped defaults (`"mean"`) become their
//! parameter types (`Metric::Mean`).
//!
//! ```text
//! cargo run --example customer_analysis_toml -- [--config PATH] [--data PATH] [--store DIR] [--fresh] [--json]
//! ```

use std::error::Error;
use std::path::PathBuf;

use algos::walkthrough::{self, Output};
use taipy::toml::Loader;
use taipy::{Scenario, Store};

const NAME: &str = "customer analysis (toml)";

struct Args {
    config: PathBuf,
    data: Option<PathBuf>,
    store: PathBuf,
    fresh: bool,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        config: PathBuf::from("examples/config.toml"),
        data: None,
        store: PathBuf::from("target/taipy-customer-analysis-toml"),
        fresh: false,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" => args.config = it.next().ok_or("--config needs a path")?.into(),
            "--data" => args.data = Some(it.next().ok_or("--data needs a path")?.into()),
            "--store" => args.store = it.next().ok_or("--store needs a folder")?.into(),
            "--fresh" => args.fresh = true,
            "--json" => args.json = true,
            other => {
                return Err(format!(
                    "unknown argument `{other}`; expected --config PATH, --data PATH, --store DIR, --fresh, --json"
                ));
            }
        }
    }
    Ok(args)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    // Referencing the crate's scenario registers its tasks (a binary links only what it uses).
    let _ = algos::CustomerAnalysis::config();
    let data = args.data.clone().unwrap_or_else(|| PathBuf::from(algos::SAMPLE_DATA));
    let loaded =
        Loader::new().set_default("path_to_data", data.display().to_string()).load_file(&args.config)?;
    let config = loaded.only_scenario().ok_or("the config file must declare exactly one scenario")?.clone();

    let store = Store::open_with(&args.store, loaded.job().store_options())?;
    let scenario = match Scenario::find(&store, &config, NAME)? {
        Some(existing) if !args.fresh => {
            eprintln!("reopened scenario {} in {}", existing.id(), store.path().display());
            existing
        }
        _ => Scenario::create(&store, &config, NAME)?,
    };
    let output = if args.json { Output::Json } else { Output::Text };
    walkthrough::run(&scenario, Some(&data), output)?;
    Ok(())
}
