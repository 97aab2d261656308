use taipy::prelude::*;

#[task]
fn sum(first: f64, rest: ...) -> f64 {
    first
}

fn main() {}
