//! Scenario management on the quickstart pipeline: two tagged scenarios of a monthly config, a
//! comparison of their summaries, the lineage of one summary, and the events of a submission.
//!
//! `cargo run --example manage`

use std::error::Error;

use taipy::prelude::*;
use taipy::{EntityType, EventFilter, Frequency, compare_scenarios};

fn load(path: &CsvFile) -> Result<Vec<f64>, Box<dyn Error + Send + Sync>> {
    let text = std::fs::read_to_string(path.path())?;
    let mut amounts = Vec::new();
    for line in text.lines().skip(1) {
        amounts.push(line.trim().parse()?);
    }
    Ok(amounts)
}

fn filter(amounts: &[f64], threshold: &f64) -> Vec<f64> {
    amounts.iter().copied().filter(|a| a > threshold).collect()
}

fn summarise(kept: &[f64]) -> f64 {
    kept.iter().sum::<f64>() / kept.len().max(1) as f64
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile_dir()?;
    let csv = dir.join("amounts.csv");
    std::fs::write(&csv, "amount\n120\n950\n1800\n40\n2600\n700\n")?;

    let config = ScenarioConfig::builder("amounts")
        .frequency(Frequency::Monthly)
        .node(DataNodeConfig::with_default("amounts_file", CsvFile::new(&csv)))
        .node(DataNodeConfig::with_default("threshold", 500.0f64))
        .node(DataNodeConfig::new::<f64>("summary").comparator("mean difference", |means: &[&f64]| {
            means.windows(2).map(|w| w[1] - w[0]).collect::<Vec<f64>>()
        }))
        .task(TaskConfig::new("load", load).inputs(["amounts_file"]).outputs(["amounts"]))
        .task(TaskConfig::new("filter", filter).inputs(["amounts", "threshold"]).outputs(["kept"]))
        .task(TaskConfig::new("summarise", summarise).inputs(["kept"]).outputs(["summary"]))
        .build()?;

    let store = Store::open_with(dir.join("store"), StoreOptions::development())?;
    let base = Scenario::create(&store, &config, "base")?;
    base.add_tag("walkthrough")?;
    let strict = base.duplicate("strict")?;
    strict.data_node::<f64>("threshold")?.write_with_comment(1000.0, "only large amounts")?;

    let events = store.subscribe(EventFilter::all().entity(EntityType::Job));
    for scenario in [&base, &strict] {
        let report = scenario.submit()?.wait()?;
        println!(
            "{}: {:?}",
            scenario.name(),
            report.jobs.iter().map(|j| (&j.task, j.status)).collect::<Vec<_>>()
        );
    }
    println!("{} job events", events.try_iter().count());

    let cycle = base.cycle()?.expect("a monthly config");
    println!("cycle {} — primary: {}", cycle.name, if base.is_primary()? { "base" } else { "strict" });
    println!(
        "tagged walkthrough: {:?}",
        store.scenarios_with_tag("walkthrough")?.iter().map(|s| &s.name).collect::<Vec<_>>()
    );

    let comparison = compare_scenarios(&[&base, &strict], "summary")?;
    println!("mean difference (strict - base): {:?}", comparison.get::<Vec<f64>>("mean difference"));

    println!("lineage of strict's summary:\n{}", strict.data_node::<f64>("summary")?.lineage()?);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// A fresh folder under the system's temporary folder.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("taipy-manage-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
