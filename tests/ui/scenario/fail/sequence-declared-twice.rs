use taipy::prelude::*;

#[task]
fn double(x: i64) -> i64 {
    x * 2
}

#[task]
fn triple(x: i64) -> i64 {
    x * 3
}

scenario! {
    Analysis {
        x: i64 = 1,
        y = double(x),
        z = triple(x),
        sequences {
            prepare: [double],
            prepare: [triple],
        }
    }
}

fn main() {}
