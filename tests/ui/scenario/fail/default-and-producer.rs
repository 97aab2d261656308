use taipy::prelude::*;

#[task]
fn double(x: i64) -> i64 {
    x * 2
}

scenario! {
    Analysis {
        x: i64 = 1,
        y: i64 = 0,
        y = double(x),
    }
}

fn main() {}
