use taipy::prelude::*;

#[task]
fn double(x: f64) -> f64 {
    x * 2.0
}

scenario! {
    Analysis {
        x: f64 = 1.0,
        y: f64,
        #[scope(global)]
        y = double(x),
    }
}

fn main() {}
