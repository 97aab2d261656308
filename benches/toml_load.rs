//! TOML load time: a generated chain of 10k and 20k tasks, listed producers first and consumers
//! first, parsed, checked and built (`TomlConfig::from_str`). Prints the median of several loads.
//!
//! `cargo bench -p taipy --bench toml_load [-- --repeat R]`

use std::time::{Duration, Instant};

use taipy::prelude::*;
use taipy::toml::TomlConfig;

#[path = "../tests/toml_config/chain.rs"]
mod chain;

/// The task the generated chains name.
#[task]
pub fn chain_step(x: &i64) -> i64 {
    x + 1
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repeat = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .map_or(3, |r| r.parse().expect("--repeat N"));
    println!("TOML load: chained tasks, parse + check + build, median of {repeat}");
    for reversed in [false, true] {
        for n in [10_000, 20_000] {
            let text = chain::chain(n, reversed);
            let mut times: Vec<Duration> = (0..repeat)
                .map(|_| {
                    let start = Instant::now();
                    let config = TomlConfig::from_str(&text).unwrap();
                    let elapsed = start.elapsed();
                    assert_eq!(config.scenario("chain").unwrap().tasks().len(), n);
                    elapsed
                })
                .collect();
            times.sort();
            let order = if reversed { "consumers first" } else { "producers first" };
            println!("{n:>6} tasks, {order:<15} {:>8.3} s", times[times.len() / 2].as_secs_f64());
        }
    }
}
