use taipy::prelude::*;

#[task(version = 2, skippable = false, version = 3)]
fn noisy(seed: u64) -> u64 {
    seed
}

fn main() {}
