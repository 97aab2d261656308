// The new type of a migration is not a `DataValue` (nor a `Result` of one).
fn broken(cents: i64) -> std::rc::Rc<i64> {
    std::rc::Rc::new(cents)
}

taipy::migration!("price", broken);

fn main() {}
