use taipy::prelude::*;

#[task]
fn evens(limit: u64) -> impl Iterator<Item = u64> {
    (0..limit).filter(|n| n % 2 == 0)
}

fn main() {}
