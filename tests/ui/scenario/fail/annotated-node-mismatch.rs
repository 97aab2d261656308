use taipy::prelude::*;

#[task]
fn count(values: &[f64]) -> usize {
    values.len()
}

scenario! {
    Analysis {
        values: Vec<f64> = vec![1.0],
        n: f64,
        n = count(values),
    }
}

fn main() {}
