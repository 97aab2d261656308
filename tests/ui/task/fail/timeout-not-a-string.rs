use taipy::prelude::*;

#[task(timeout = 30)]
fn slow(seed: u64) -> u64 {
    seed
}

fn main() {}
