//! A first taipy-rs pipeline through the plain API (no macros): three parameters, three tasks,
//! and four submits that show which tasks re-run when a parameter changes.
//!
//! `cargo run --example quickstart [-- --store DIR]`

use std::error::Error;
use std::path::PathBuf;

use taipy::prelude::*;

/// Reads the amounts (one per line after a header).
fn load(path: &CsvFile) -> Result<Vec<f64>, Box<dyn Error + Send + Sync>> {
    let text = std::fs::read_to_string(path.path())?;
    let mut amounts = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let amount = line.trim().parse().map_err(|e| format!("{}:{}: {e}", path.path().display(), n + 1))?;
        amounts.push(amount);
    }
    Ok(amounts)
}

/// Keeps the amounts above the threshold.
fn filter(amounts: &[f64], threshold: &f64) -> Vec<f64> {
    amounts.iter().copied().filter(|a| a > threshold).collect()
}

/// Summarises the kept amounts with the named statistic.
fn summarise(kept: &[f64], statistic: &str) -> Result<f64, String> {
    let n = kept.len().max(1) as f64;
    match statistic {
        "mean" => Ok(kept.iter().sum::<f64>() / n),
        "max" => Ok(kept.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
        other => Err(format!("unknown statistic `{other}`; expected mean or max")),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let store_dir = args
        .iter()
        .position(|a| a == "--store")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| PathBuf::from("target/taipy-quickstart"), PathBuf::from);
    std::fs::create_dir_all(&store_dir)?;
    let csv = store_dir.join("amounts.csv");
    std::fs::write(&csv, "amount\n120\n950\n1800\n40\n2600\n700\n")?;

    let config = ScenarioConfig::builder("quickstart")
        .node(DataNodeConfig::with_default("amounts_file", CsvFile::new(&csv)))
        .node(DataNodeConfig::with_default("threshold", 500.0f64))
        .node(DataNodeConfig::with_default("statistic", "mean".to_string()))
        .task(TaskConfig::new("load", load).inputs(["amounts_file"]).outputs(["amounts"]))
        .task(TaskConfig::new("filter", filter).inputs(["amounts", "threshold"]).outputs(["kept"]))
        .task(TaskConfig::new("summarise", summarise).inputs(["kept", "statistic"]).outputs(["summary"]))
        .build()?;

    let store = Store::open(store_dir.join("store"))?;
    let scenario = match Scenario::find(&store, &config, "quickstart")? {
        Some(existing) => {
            println!("reopened scenario {} from {}", existing.id(), store.path().display());
            existing
        }
        None => Scenario::create(&store, &config, "quickstart")?,
    };
    // Start each run from the defaults, so the walkthrough reads the same every time.
    scenario.data_node::<f64>("threshold")?.write(500.0)?;
    scenario.data_node::<String>("statistic")?.write("mean".into())?;

    print!("submit 1: defaults: {}", scenario.submit()?.wait()?);
    scenario.data_node::<f64>("threshold")?.write(1000.0)?;
    print!("submit 2: threshold = 1000: {}", scenario.submit()?.wait()?);
    scenario.data_node::<String>("statistic")?.write("max".into())?;
    print!("submit 3: statistic = max: {}", scenario.submit()?.wait()?);
    scenario.data_node::<f64>("threshold")?.write(500.0)?;
    scenario.data_node::<String>("statistic")?.write("mean".into())?;
    print!("submit 4: back to the defaults: {}", scenario.submit()?.wait()?);

    println!("summary = {}", scenario.data_node::<f64>("summary")?.read()?);
    Ok(())
}
