use taipy::prelude::*;

#[derive(Clone)]
struct Opaque;

#[task]
fn keep(x: i64) -> i64 {
    x
}

scenario! {
    Analysis {
        settings: Opaque = Opaque,
        x: i64 = 1,
        y = keep(x),
    }
}

fn main() {}
