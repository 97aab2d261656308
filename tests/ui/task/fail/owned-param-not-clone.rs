use taipy::prelude::*;

/// Storable, but not `Clone`: a task can read it by reference only.
#[derive(DataValue)]
struct Table(Vec<i64>);

#[task]
fn total(table: Table) -> i64 {
    table.0.iter().sum()
}

fn main() {}
