//! Procedural macros of taipy-rs. The `#[task]` attribute and the `scenario!` macro land here;
//! until then this crate is intentionally empty.
