use taipy::prelude::*;

#[task]
fn double(x: f64) -> f64 {
    x * 2.0
}

/// Compares counts, but the node holds `f64`.
fn difference(values: &[&i64]) -> i64 {
    values[1] - values[0]
}

scenario! {
    Analysis {
        x: f64 = 1.0,
        #[comparator(difference)]
        y = double(x),
    }
}

fn main() {}
