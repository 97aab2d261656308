//! The customer-analysis tasks of the taipy-rs tutorial (written on polars in a later step).
