use taipy::prelude::*;

#[task(retries = "twice")]
fn flaky(seed: u64) -> u64 {
    seed
}

fn main() {}
