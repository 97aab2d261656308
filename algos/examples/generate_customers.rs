//! Writes a synthetic customers CSV for the customer-analysis example, streaming rows to disk so
//! that any row count fits in memory.
//!
//! ```text
//! cargo run --release --example generate_customers -- \
//!     --rows 10m --out data/customers_10m.csv [--seed 42] [--zero-purchase-fraction 0.01]
//! ```
//!
//! The same options always give the same file. Row counts accept `k` and `m` suffixes.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use algos::generate::{CustomerGenerator, GeneratorOptions, write_customers_csv};

const USAGE: &str =
    "usage: generate_customers [--rows N] [--out PATH] [--seed S] [--zero-purchase-fraction F]
  --rows N                    customers to write, e.g. 2000, 100k, 10m (default 2000)
  --out PATH                  the CSV file to write (default data/customers.csv)
  --seed S                    random seed; equal options give equal files (default 42)
  --zero-purchase-fraction F  fraction of customers with no purchase, 0 to 1 (default 0)";

fn main() -> ExitCode {
    let (options, out) = match parse(std::env::args().skip(1)) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = CustomerGenerator::new(&options) {
        eprintln!("error: {e}\n{USAGE}");
        return ExitCode::from(2);
    }
    let start = Instant::now();
    let written = out
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::File::create(&out))
        .and_then(|file| write_customers_csv(file, &options));
    match written {
        Ok(rows) => {
            eprintln!("wrote {rows} customers to {} in {:.2?}", out.display(), start.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write `{}`: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

/// The options, or `None` for `--help`.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<(GeneratorOptions, PathBuf)>, String> {
    let mut options = GeneratorOptions::default();
    let mut out = PathBuf::from("data/customers.csv");
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        let mut value = || args.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--rows" => options.rows = parse_count(&value()?)?,
            "--out" => out = PathBuf::from(value()?),
            "--seed" => {
                let text = value()?;
                options.seed =
                    text.parse().map_err(|_| format!("`--seed {text}`: not an unsigned integer"))?;
            }
            "--zero-purchase-fraction" => {
                let text = value()?;
                options.zero_purchase_fraction =
                    text.parse().map_err(|_| format!("`--zero-purchase-fraction {text}`: not a number"))?;
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(Some((options, out)))
}

/// `2000`, `2_000`, `100k`, `10m`.
fn parse_count(text: &str) -> Result<u64, String> {
    let lower = text.to_ascii_lowercase().replace('_', "");
    let (digits, scale) = match lower.strip_suffix('m') {
        Some(digits) => (digits, 1_000_000),
        None => match lower.strip_suffix('k') {
            Some(digits) => (digits, 1_000),
            None => (lower.as_str(), 1),
        },
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`--rows {text}`: expected a count such as 2000, 100k or 10m"))
}
