use taipy::prelude::*;

#[task]
fn double(x: i64) -> i64 {
    x * 2
}

scenario! {
    Analysis {
        x: i64 = 1,
        y = double(x),
        z = double(y),
    }
}

fn main() {
    // Uses of the type stay free of follow-on errors.
    let store = Store::temporary().unwrap();
    let s = Analysis::create(&store, "s").unwrap();
    s.x().write(2).unwrap();
}
