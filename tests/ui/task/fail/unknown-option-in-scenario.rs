use taipy::prelude::*;

// A wrong option is the only error: the scenario using the task adds none.
#[task(skip = true)]
fn double(x: i64) -> i64 {
    x * 2
}

scenario! {
    Analysis {
        x: i64 = 1,
        y = double(x),
    }
}

fn main() {}
