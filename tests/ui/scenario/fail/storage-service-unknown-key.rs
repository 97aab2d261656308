use taipy::prelude::*;

#[task]
fn rows(n: &i64) -> Vec<i64> {
    vec![*n]
}

scenario! {
    Analysis {
        n: i64 = 1,
        #[storage(sql_table, db_url = "sqlite://out/y.db", read_query = "SELECT 1")]
        y = rows(n),
    }
}

fn main() {}
