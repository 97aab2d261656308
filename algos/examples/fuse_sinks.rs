//! Measures what fusing tasks 1 and 2 of the walkthrough into one polars query would save:
//! the scored table (task 1's output) and the segmented table (task 2's) written to Parquet
//! either as today's submit does (task 1's plan sunk to its file, then task 2's plan over a scan
//! of that file sunk to its own) or in one streaming query with both sinks (task 1's plan
//! cached, so the CSV is read once and fed to both). Each way runs in its own process, so that
//! an outside timer can alternate them:
//!
//! ```text
//! cargo run --release -p algos --example generate_customers -- --rows 5m --out /tmp/customers_5m.csv
//! cargo run --release -p algos --example fuse_sinks -- --data /tmp/customers_5m.csv --mode separate
//! cargo run --release -p algos --example fuse_sinks -- --data /tmp/customers_5m.csv --mode fused
//! cargo run --release -p algos --example fuse_sinks -- --data /tmp/customers_5m.csv --mode check
//! ```
//!
//! The files are written as the store writes frame artifacts (uncompressed, row groups of 32Ki
//! rows) and fsynced, under a temporary folder beside the data, removed at the end. `check`
//! runs both ways and says whether the two files of each are byte-identical (the content hash
//! of an artifact must not depend on how the submission ran).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use algos::{featurization_and_segmentation, preprocess_and_score};
use taipy::CsvFile;
use taipy::polars::prelude::*;

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let mut data = None;
    let mut mode = String::from("fused");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
        match flag.as_str() {
            "--data" => data = Some(PathBuf::from(value)),
            "--mode" => mode = value,
            other => return Err(format!("unknown option `{other}` (--data, --mode)").into()),
        }
    }
    let data = data.ok_or("--data PATH is required")?;
    let dir = tempfile::tempdir_in(data.parent().unwrap_or(Path::new(".")))?;
    let run = |way: &str| -> Result<[PathBuf; 2], BoxError> {
        let files = [
            dir.path().join(format!("{way}-scored.parquet")),
            dir.path().join(format!("{way}-segmented.parquet")),
        ];
        let start = Instant::now();
        match way {
            "separate" => separate(&data, &files)?,
            "fused" => fused(&data, &files)?,
            other => return Err(format!("unknown mode `{other}`: separate, fused or check").into()),
        }
        for file in &files {
            std::fs::File::open(file)?.sync_all()?;
        }
        println!("{way}: {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
        Ok(files)
    };
    if mode == "check" {
        let [a, b] = run("separate")?;
        let [c, d] = run("fused")?;
        for (one, other) in [(a, c), (b, d)] {
            let same = std::fs::read(&one)? == std::fs::read(&other)?;
            println!(
                "{} and {}: {}",
                one.display(),
                other.display(),
                if same { "identical" } else { "DIFFERENT" }
            );
        }
    } else {
        run(&mode)?;
    }
    Ok(())
}

/// What the store's frame artifacts are written with.
fn parquet() -> FileWriteFormat {
    let options = ParquetWriteOptions {
        compression: ParquetCompression::Uncompressed,
        row_group_size: Some(32 * 1024),
        ..ParquetWriteOptions::default()
    };
    FileWriteFormat::Parquet(Arc::new(options))
}

fn sink_to(frame: LazyFrame, file: &Path) -> PolarsResult<LazyFrame> {
    let target = SinkTarget::Path(PlRefPath::try_from_path(file)?);
    frame.sink(SinkDestination::File { target }, parquet(), UnifiedSinkArgs::default())
}

/// Today: task 1's plan into its file; task 2 over a scan of that file into its own.
fn separate(data: &Path, [scored_file, segmented_file]: &[PathBuf; 2]) -> Result<(), BoxError> {
    let scored = preprocess_and_score(&CsvFile::new(data))?;
    sink_to(scored.0, scored_file)?.collect_with_engine(Engine::Streaming)?;
    let args = ScanArgsParquet { glob: false, ..ScanArgsParquet::default() };
    let scan = LazyFrame::scan_parquet(PlRefPath::try_from_path(scored_file)?, args)?;
    let segmented = featurization_and_segmentation(&algos::ScoredCustomers(scan), &1000.0, &1.5)?;
    sink_to(segmented.0, segmented_file)?.collect_with_engine(Engine::Streaming)?;
    Ok(())
}

/// Fused: task 1's plan cached and fed both to its sink and to task 2, both sinks in one query.
fn fused(data: &Path, [scored_file, segmented_file]: &[PathBuf; 2]) -> Result<(), BoxError> {
    let scored = preprocess_and_score(&CsvFile::new(data))?.0.cache();
    let flags = scored.get_current_optimizations();
    let segmented = featurization_and_segmentation(&algos::ScoredCustomers(scored.clone()), &1000.0, &1.5)?;
    let plans =
        vec![sink_to(scored, scored_file)?.logical_plan, sink_to(segmented.0, segmented_file)?.logical_plan];
    LazyFrame::collect_all_with_engine(plans, Engine::Streaming, flags)?;
    Ok(())
}
