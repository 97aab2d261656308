use taipy::prelude::*;

#[derive(DataValue)]
struct Doubled(i64);

scenario! {
    Analysis {
        x: i64 = 1,
        y = Doubled(x),
    }
}

fn main() {}
