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
use std::process::ExitCode;

use algos::walkthrough::{self, Flags};
use taipy::toml::Loader;
use taipy::{Scenario, Store};

const NAME: &str = "customer analysis (toml)";

fn main() -> ExitCode {
    let about = "The customer-analysis walkthrough, its scenario loaded from a Taipy Studio TOML file.";
    let args = Flags::parse_for(
        "customer_analysis_toml",
        about,
        std::env::args().skip(1),
        "target/taipy-customer-analysis-toml",
        Some("examples/config.toml"),
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
    // Referencing the crate's scenario registers its tasks (a binary links only what it uses).
    let _ = algos::CustomerAnalysis::config();
    let data = args.data.clone().unwrap_or_else(|| PathBuf::from(algos::SAMPLE_DATA));
    let loaded = Loader::new()
        .set_default("path_to_data", data.display().to_string())
        .load_file(args.config.as_deref().expect("a default config"))?;
    let config = loaded.only_scenario().ok_or("the config file must declare exactly one scenario")?.clone();
    // Output nodes stored in files (config_rich.toml) need their folders.
    for node in config.nodes() {
        if let Some(folder) =
            node.storage().path().and_then(|p| p.parent()).filter(|f| !f.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder)?;
        }
    }

    let store = Store::open_with(&args.store, loaded.job().store_options())?;
    let scenario = match Scenario::find(&store, &config, NAME)? {
        Some(existing) if !args.fresh => {
            eprintln!("reopened scenario {} in {}", existing.id(), store.path().display());
            existing
        }
        _ => Scenario::create(&store, &config, NAME)?,
    };
    walkthrough::run(&scenario, Some(&data), args.output())?;
    Ok(())
}
