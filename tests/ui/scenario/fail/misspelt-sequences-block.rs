use taipy::prelude::*;

#[task]
fn double(x: i64) -> i64 {
    x * 2
}

scenario! {
    Analysis {
        x: i64 = 1,
        y = double(x),
        sequence {
            prepare: [double],
        }
    }
}

fn main() {}
