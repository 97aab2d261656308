use taipy::prelude::*;

#[task]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[task]
fn sub(a: i64, b: i64) -> i64 {
    a - b
}

scenario! {
    Analysis {
        x: i64 = 1,
        b = add(x, c),
        c = sub(x, b),
    }
}

fn main() {}
