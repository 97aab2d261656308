//! Orchestration overhead benchmark (written in a later change).
fn main() {}
