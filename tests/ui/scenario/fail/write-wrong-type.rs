use taipy::prelude::*;

#[task]
fn double(x: i64) -> i64 {
    x * 2
}

scenario! {
    Analysis {
        x: i64 = 1,
        y = double(x),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::temporary()?;
    let s = Analysis::create(&store, "s")?;
    s.x().write("two")?;
    Ok(())
}
