use taipy::prelude::*;

#[task]
unsafe fn read_raw(address: u64) -> u64 {
    address
}

fn main() {}
