use taipy::prelude::*;

#[task]
fn rows(n: &i64) -> Vec<i64> {
    vec![*n]
}

scenario! {
    Analysis {
        n: i64 = 1,
        #[storage(s3_object, aws_s3_object_key = "rows.json")]
        y = rows(n),
    }
}

fn main() {}
