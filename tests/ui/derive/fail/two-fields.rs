use taipy::prelude::*;

#[derive(DataValue)]
struct Pair(f64, f64);

fn main() {}
