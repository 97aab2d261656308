use taipy::prelude::*;

#[derive(DataValue)]
struct Nothing;

fn main() {}
