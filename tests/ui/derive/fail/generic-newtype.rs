use taipy::prelude::*;

#[derive(DataValue)]
struct Scores<T>(Vec<T>);

fn main() {}
