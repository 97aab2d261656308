use taipy::prelude::*;

#[task]
fn double(x: &f64) -> f64 {
    x * 2.0
}

scenario! {
    Analysis {
        x: f64 = 1.0,
        #[storage(sql_table, db_url = "sqlite://out/y.db", table_name = "y")]
        y = double(x),
    }
}

fn main() {}
