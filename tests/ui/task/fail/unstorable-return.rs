use taipy::prelude::*;

struct Opaque;

#[task]
fn make(_limit: i64) -> Opaque {
    Opaque
}

fn main() {}
