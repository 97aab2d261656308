use taipy::prelude::*;

#[task(skippable = "no", version = -1)]
fn noisy(seed: u64) -> u64 {
    seed
}

fn main() {}
