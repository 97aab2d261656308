use taipy::prelude::*;

#[task]
fn first_word<'a>(text: &'a str) -> String {
    text.split(' ').next().unwrap_or_default().to_owned()
}

fn main() {}
