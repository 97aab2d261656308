use taipy::prelude::*;

#[task]
struct Scores(Vec<f64>);

fn main() {}
