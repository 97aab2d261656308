use taipy::prelude::*;

#[derive(DataValue)]
enum Metric {
    Mean,
    Median,
}

fn main() {}
