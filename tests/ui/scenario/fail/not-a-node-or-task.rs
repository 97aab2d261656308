use taipy::prelude::*;

#[task]
fn score(raw: &Vec<f64>) -> f64 {
    raw.iter().sum()
}

scenario! {
    Analysis {
        raw: Vec<f64> = vec![1.0, 2.0],
        fn helper() {}
        scored = score(raw),
    }
}

fn main() {}
