use taipy::prelude::*;

#[task(timeout = "30s", retries = 1, timeout = "1m")]
fn slow(seed: u64) -> u64 {
    seed
}

fn main() {}
