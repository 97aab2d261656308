use taipy::prelude::*;

#[task]
fn describe(x: i64, config: &str) -> String {
    format!("{config}: {x}")
}

scenario! {
    Analysis {
        x: i64 = 1,
        config: String = "fast".to_string(),
        text = describe(x, config),
    }
}

fn main() {}
