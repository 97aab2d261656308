use taipy::prelude::*;
use taipy::Location;

fn main() {
    // A table holds frames and serde rows; one number is neither.
    let _node = DataNodeConfig::stored_at::<f64, _>("total", Location::sql("sqlite://out/s.db", "SELECT 1"));
}
