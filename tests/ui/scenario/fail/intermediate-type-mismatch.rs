use taipy::prelude::*;

#[task]
fn count(values: &Vec<f64>) -> usize {
    values.len()
}

#[task]
fn half(x: f64) -> f64 {
    x / 2.0
}

scenario! {
    Analysis {
        values: Vec<f64> = vec![1.0],
        n = count(values),
        h = half(n),
    }
}

fn main() {}
