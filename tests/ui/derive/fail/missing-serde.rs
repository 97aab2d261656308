use taipy::prelude::*;

#[derive(DataValue)]
struct Reading {
    city: String,
    temp: f64,
}

fn main() {}
