//! The taipy command line with the customer analysis linked in: its scenario config and its
//! four `#[task]`s, so scenarios of it can be created, submitted and inspected from a shell.
//!
//! ```text
//! cargo run --example customer_cli -- --help
//! cargo run --example customer_cli -- scenarios create q3 --store target/shop
//! cargo run --example customer_cli -- submit q3 --set payment_threshold=1600 --store target/shop
//! cargo run --example customer_cli -- lineage q3 high_value_summary_df --store target/shop
//! cargo run --example customer_cli -- ui --store target/shop      # the web page, on 127.0.0.1:8000
//! ```
//!
//! The store defaults to the one `cargo run --example customer_analysis` fills.

use std::process::ExitCode;

fn main() -> ExitCode {
    taipy::cli::Cli::new()
        .name("customer_cli")
        // Names the scenario type, so the linker keeps it and its tasks registered.
        .scenario(algos::CustomerAnalysis::config())
        .default_store("target/taipy-customer-analysis")
        .run()
}
