use taipy::prelude::*;

#[task(lazy = "yes")]
fn widen(x: u64) -> u64 {
    x
}

fn main() {}
