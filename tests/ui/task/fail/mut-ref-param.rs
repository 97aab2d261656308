use taipy::prelude::*;

#[task]
fn grow(items: &mut Vec<i64>) -> i64 {
    items.push(1);
    items.len() as i64
}

fn main() {}
