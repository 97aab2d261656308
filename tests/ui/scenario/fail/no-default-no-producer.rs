use taipy::prelude::*;

#[task]
fn double(x: i64) -> i64 {
    x * 2
}

scenario! {
    Analysis {
        x: i64,
        y = double(x),
    }
}

fn main() {}
