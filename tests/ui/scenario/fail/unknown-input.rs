use taipy::prelude::*;

#[task]
fn score(raw: &Vec<f64>, threshold: f64) -> Vec<f64> {
    raw.iter().copied().filter(|&x| x > threshold).collect()
}

scenario! {
    Analysis {
        raw: Vec<f64> = vec![1.0, 2.0],
        threshold: f64 = 1.5,
        scored = score(raw, treshold),
    }
}

fn main() {}
