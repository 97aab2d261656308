use taipy::prelude::*;

struct Basket {
    items: Vec<i64>,
}

impl Basket {
    #[task]
    fn total(&self) -> i64 {
        self.items.iter().sum()
    }
}

fn main() {}
