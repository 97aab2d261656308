// A migration converts one value: a function of two arguments is not one.
fn broken(cents: i64, rate: f64) -> f64 {
    cents as f64 * rate
}

taipy::migration!("price", broken);

fn main() {}
