use taipy::prelude::*;

#[task]
fn total(values: impl IntoIterator<Item = f64>) -> f64 {
    values.into_iter().sum()
}

fn main() {}
