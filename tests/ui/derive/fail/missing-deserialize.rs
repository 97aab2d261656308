use taipy::prelude::*;

#[derive(serde::Serialize, DataValue)]
enum Metric {
    Mean,
    Median,
}

fn main() {}
