//! The macros inside taipy-core's own tests: their expansion names `::taipy_core` here.

use taipy_core::prelude::*;
use taipy_macros::{DataValue, scenario, task};

#[derive(Clone, Debug, PartialEq, DataValue)]
struct Doubled(i64);

#[task]
fn double(x: i64) -> Doubled {
    Doubled(x * 2)
}

scenario! {
    Doubling {
        x: i64 = 21,
        y = double(x),
    }
}

#[test]
fn the_macros_work_inside_taipy_core() {
    let store = Store::temporary().unwrap();
    let s = Doubling::create(&store, "core").unwrap();
    s.submit().unwrap().wait().unwrap();
    assert_eq!(s.y().read().unwrap(), Doubled(42));
    assert_eq!(taipy_core::registry::task("double").unwrap().name, "double");
}
