use taipy::prelude::*;

#[task]
fn scale(values: &Vec<f64>, factor: f64) -> Vec<f64> {
    values.iter().map(|v| v * factor).collect()
}

scenario! {
    Analysis {
        values: Vec<f64> = vec![1.0],
        factor: i64 = 2,
        scaled = scale(values, factor),
    }
}

fn main() {}
