use taipy::prelude::*;

#[task]
async fn fetch(url: String) -> String {
    url
}

fn main() {}
