use taipy::prelude::*;

#[task]
fn halve(x: i64) -> i64 {
    x / 2
}

fn main() {
    let _ = TaskConfig::new("halve", halve);
}
