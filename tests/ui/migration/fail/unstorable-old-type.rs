// The old type of a migration is not a `DataValue`: no stored value can have it.
struct Opaque;

fn broken(_: Opaque) -> i64 {
    0
}

taipy::migration!("price", broken);

fn main() {}
