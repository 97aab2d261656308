use taipy::prelude::*;

#[task]
fn double(x: f64) -> f64 {
    x * 2.0
}

scenario! {
    Analysis {
        #[scope(cycle)]
        x: f64 = 1.0,
        y = double(x),
    }
}

fn main() {}
