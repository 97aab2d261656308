use taipy::prelude::*;

#[task]
fn double(x: f64) -> f64 {
    x * 2.0
}

scenario! {
    Analysis {
        x: f64 = 1.0,
        #[comparator(|a: &[&f64]| a.len())]
        y = double(x),
    }
}

fn main() {}
