use taipy::prelude::*;

#[task]
fn double(x: &f64) -> f64 {
    x * 2.0
}

scenario! {
    Analysis {
        x: f64 = 1.0,
        #[storage(csv, path = "out/y.csv")]
        y = double(x),
    }
}

fn main() {}
