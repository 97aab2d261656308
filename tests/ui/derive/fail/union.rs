use taipy::prelude::*;

#[derive(DataValue)]
union Bits {
    int: u64,
    float: f64,
}

fn main() {}
