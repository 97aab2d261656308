use taipy::prelude::*;

#[task]
fn first_word(text: &'static str) -> String {
    text.split(' ').next().unwrap_or_default().to_owned()
}

fn main() {}
