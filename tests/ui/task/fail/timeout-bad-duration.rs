use taipy::prelude::*;

#[task(timeout = "30 seconds")]
fn slow(seed: u64) -> u64 {
    seed
}

fn main() {}
