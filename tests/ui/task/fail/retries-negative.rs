use taipy::prelude::*;

#[task(retries = -1)]
fn flaky(seed: u64) -> u64 {
    seed
}

fn main() {}
