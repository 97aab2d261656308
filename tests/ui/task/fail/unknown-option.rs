use taipy::prelude::*;

#[task(skipable = false)]
fn noisy(seed: u64) -> u64 {
    seed
}

fn main() {}
