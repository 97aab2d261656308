use taipy::prelude::*;

struct Opaque;

#[task]
fn count(_items: &Opaque, limit: i64) -> i64 {
    limit
}

fn main() {}
