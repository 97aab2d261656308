//! Procedural macros of taipy-rs: `#[task]`, `scenario!` and `#[derive(DataValue)]`.
//!
//! Use them through the facade crate `taipy`, which re-exports them with the runtime they
//! expand to. Each macro lives in its own folder, split by stage (`parse`, `check`, `expand`);
//! this file holds only the documented entry points.
//!
//! Each `compile_fail` example below is a UI test of the facade crate (the file its error
//! names, under `tests/ui/`), and the error shown after it is the start of that test's snapshot
//! (`...` skips lines): `tests/ui.rs` checks both. Rustdoc alone would not: on a stable
//! toolchain it ignores the error code of a `compile_fail` example and accepts any error.

mod data_value;
mod declared;
// The runtime's duration rule, compiled here too (a proc-macro crate cannot depend on it).
#[path = "../../taipy-core/src/duration_text.rs"]
mod duration_text;
mod fingerprint;
mod scenario;
mod support;
mod task;

use proc_macro::TokenStream;

/// Turns an ordinary function into a task that `scenario!` can wire and the orchestrator can
/// run, skip and fingerprint.
///
/// The function is left exactly as written: callable and unit-testable as a plain function.
/// Beside it, `#[task]` adds a hidden descriptor (a type with the function's name, so that
/// importing the function imports it too) carrying:
///
/// - the task's id, `module::path::function_name`;
/// - its input types (a `&T` parameter reads a `T` node and is passed through, `&str` reads a
///   `String` and `&[T]` a `Vec<T>`; a `T` parameter is cloned from the stored value) and
///   output types (`T`, a tuple for several outputs, `()`, or a `Result` of one of these whose
///   error converts into a boxed error);
/// - an erased runner the orchestrator calls with stored values;
/// - a code fingerprint computed at compile time: blake3 over the canonical token trees of
///   the signature and body. Formatting, comments and doc comments do not change it; any
///   other token does, and then the task re-runs instead of being skipped.
///
/// The descriptor is registered with `inventory`, so tasks can be found by name at run time
/// (`taipy::registry::task("featurize")`). In the builder API, `TaskConfig::of::<featurize>()`
/// makes a task config from it that keeps its id, code fingerprint and options (a closure
/// given to `TaskConfig::new` has no code fingerprint).
///
/// # Options
///
/// - `skippable = false`: always run, never reuse a remembered result (side effects,
///   randomness). Default `true`.
/// - `version = N`: a salt for changes the fingerprint cannot see (a helper function the task
///   calls, a dependency upgrade); bump it to re-run the task. Default `0`.
/// - `retries = N`: a run that fails (an error, a panic or a timeout) is tried up to `N` more
///   times; the job shows its attempt ("attempt 2 of 3") and, if every attempt fails, the last
///   failure. A success on a retry is remembered like any success. Default `0`.
/// - `timeout = "30s"` (`ms`, `s`, `m` or `h`, decimals allowed: `"1.5s"`): how long each
///   attempt may run. Past it the job ends Failed ("timed out after 30s"), its downstream jobs
///   are abandoned and `wait` returns. A thread cannot be killed: the function runs on a thread
///   of its own and **keeps running in the background until it returns**; its late result is
///   discarded. Default: no limit. See `TaskConfig::timeout`.
/// - `lazy = true`: the function only builds lazy frames over its frame inputs and never
///   executes them. Within a submission that runs the producer of its frames too, it is then
///   fused with it: it receives the producer's plan instead of a scan of its artifact, and both
///   outputs are written by one polars query. Results, artifacts and skip decisions do not
///   change. Default `false`. See `TaskConfig::lazy`.
///
/// A TOML config's task section can set `retries` and `timeout` too, overriding these.
/// Neither changes the task's fingerprint. Unknown or repeated options are errors on the
/// option, malformed values errors on the value.
///
/// Set `TAIPY_EXPAND=1` (or `TAIPY_EXPAND=function_name`) while building to print the
/// expansion to stderr.
///
/// # Example
///
/// ```
/// use taipy::prelude::*;
///
/// /// Customers whose score passes the threshold.
/// #[task(version = 2, retries = 1, timeout = "30s")]
/// pub fn select(scores: &[f64], threshold: f64) -> Vec<f64> {
///     scores.iter().copied().filter(|&s| s >= threshold).collect()
/// }
///
/// // Still an ordinary function:
/// assert_eq!(select(&[1.0, 2.0, 3.0], 2.0), vec![2.0, 3.0]);
/// ```
///
/// # Errors
///
/// A task takes concrete, storable inputs; it cannot be `async`:
///
/// ```compile_fail
/// use taipy::prelude::*;
///
/// #[task]
/// async fn fetch(url: String) -> String {
///     url
/// }
/// #
/// # fn main() {}
/// ```
///
/// ```text
/// error: a task cannot be an `async fn`: the orchestrator runs tasks on worker threads; make it a plain `fn`
///  --> tests/ui/task/fail/async-fn.rs:4:1
///   |
/// 4 | async fn fetch(url: String) -> String {
///   | ^^^^^
/// ```
///
/// A parameter whose type cannot be stored is reported at the type:
///
/// ```compile_fail,E0277
/// use taipy::prelude::*;
///
/// struct Opaque;
///
/// #[task]
/// fn count(_items: &Opaque, limit: i64) -> i64 {
///     limit
/// }
/// #
/// # fn main() {}
/// ```
///
/// ```text
/// error[E0277]: `Opaque` cannot be stored in a data node
///  --> tests/ui/task/fail/unstorable-param.rs:6:19
///   |
/// 6 | fn count(_items: &Opaque, limit: i64) -> i64 {
///   |                   ^^^^^^ not a `DataValue`
///   |
/// ...
///   = note: for a type of yours, add `#[derive(DataValue)]` (with serde's `Serialize` and `Deserialize` if it has several fields or is an enum); for a serde type of another crate, put it in a one-field struct of yours with serde's derives and `taipy::serde_value!(ThatStruct);`
/// ```
///
/// Options are checked:
///
/// ```compile_fail
/// use taipy::prelude::*;
///
/// #[task(skipable = false)]
/// fn noisy(seed: u64) -> u64 {
///     seed
/// }
/// #
/// # fn main() {}
/// ```
///
/// ```text
/// error: unknown option `skipable` of #[task]; the options are `skippable = false`, `version = N`, `retries = N`, `timeout = "30s"` or `lazy = true`
///  --> tests/ui/task/fail/unknown-option.rs:3:8
///   |
/// 3 | #[task(skipable = false)]
///   |        ^^^^^^^^
/// ```
#[proc_macro_attribute]
pub fn task(args: TokenStream, item: TokenStream) -> TokenStream {
    task::expand(args.into(), item.into()).into()
}

/// Declares a scenario: typed source nodes, tasks wired by node name, optional sequences; the
/// compiler checks the wiring.
///
/// ```text
/// scenario! {
///     /// docs (carried over to the generated type)
///     #[frequency(weekly)]                 // optional: scenarios fall into weekly cycles
///     pub Name {
///         source: Type = default,          // a source node and its default value
///         #[scope(global)]                 // node attributes go before the node's line
///         shared: Type = default,
///         out = task(source, ...),         // a task: reads nodes, writes `out`
///         (a, b) = split(out),             // several outputs
///         again = task(a, ...) as task_2,  // the same function a second time, named `task_2`
///         sequences {                      // optional named subsets of the tasks
///             prepare: [task, split],
///         }
///     }
/// }
/// ```
///
/// Intermediate nodes are not annotated: their type is the producing task's return type.
/// The macro generates a struct `Name` wrapping a [`Scenario`](../taipy_core/struct.Scenario.html)
/// with:
///
/// - `Name::config()`: the static `ScenarioConfig`, built once (also registered with
///   `inventory`, so `taipy::registry::scenario_config("Name")` finds it);
/// - `Name::find_or_create(&store, name)` (the scenario of that name, created on first use:
///   what a program run again and again wants), `Name::create(&store, name)` (always a new
///   one, even for a name already taken), `Name::open(&store, id)`, `Name::find(&store, name)`;
/// - one typed accessor per node returning `DataNode<T>`: `s.threshold().write(2.0)`, and
///   writing a value of another type does not compile; its doc names the node's type (or the
///   task whose output it is) and the task producing it;
/// - `submit()`, `submit_with(options)`, `submit_sequence(name, options)`,
///   `submit_task(name, options)`; and `Deref` to the untyped `Scenario`, which adds `plan()`
///   (what a submit would do now, and why), `submit_for(&[&s.node()])` (only what some outputs
///   need), tags, comparisons and the rest.
///
/// Tasks are named in the scenario (for `submit_task`, sequences and job reports) by their
/// function's name, or by the name after `as`: a function used on two lines needs `as` on
/// one of them, since each task of a scenario has its own name (and its own remembered
/// results):
///
/// ```
/// use taipy::prelude::*;
///
/// #[task]
/// fn double(x: i64) -> i64 { x * 2 }
///
/// scenario! {
///     Quadrupling {
///         x: i64 = 3,
///         twice = double(x),
///         four_times = double(twice) as double_again,
///     }
/// }
///
/// let store = Store::temporary()?;
/// let s = Quadrupling::create(&store, "first")?;
/// let report = s.submit()?.wait()?;
/// assert_eq!(report.tasks_with(JobStatus::Completed), ["double", "double_again"]);
/// assert_eq!(s.four_times().read()?, 12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Options
///
/// - a visibility before the name (`pub Name`) applies to the type and its methods;
/// - doc comments on the scenario, its nodes and tasks are carried over to the generated type
///   and accessors;
/// - `sequences { name: [task, ...], ... }` declares sequences, submittable on their own.
///
/// On the scenario, beside its doc comments (other attributes go onto the generated type):
///
/// - `#[frequency(daily | weekly | monthly | quarterly | yearly)]`: scenarios belong to the
///   cycle (day, week, ...) of their creation date, as `ScenarioConfigBuilder::frequency`.
///
/// On a node, before its line (a source `name: Type = ...` or a producing line `name = task(...)`;
/// on a line with several outputs they apply to each), as the builder's `DataNodeConfig`
/// methods of the same names set them:
///
/// - `#[comparator(f, ...)]`: functions `fn(&[&T]) -> R` that `compare_scenarios` applies to
///   the node's values in several scenarios, named by their function's name; `T` is the
///   node's type, and a function of another type is an error at the function;
/// - `#[scope(scenario | cycle | global)]`: who shares the node (default `scenario`: each
///   scenario has its own; `cycle`: the scenarios of one cycle, so the scenario needs a
///   `#[frequency]`, and without one it is an error at the scope);
/// - `#[validity(days = N, hours = N, minutes = N, seconds = N)]` (any of the units, summed):
///   a value at least this old is stale and the tasks reading it run again;
/// - `#[storage(kind, path = "...", has_header = bool, sheet_name = "...")]`: where the node's
///   values live (`taipy::Storage`): `store` (the default), `in_memory`, or a file written by
///   its producer and read back by its readers, `csv`, `parquet`, `json`, `excel` or `binary`
///   (these need the `path`); or a service with Taipy's keys: `sql_table` (`db_url` or
///   `db_engine` + `db_name` ..., `table_name`), `sql` (the database keys, `read_query`,
///   `write_query_builder`, `append_query_builder`) or `s3_object` (`aws_s3_bucket_name`,
///   `aws_s3_object_key`, `aws_*` credentials and endpoint); values are expressions giving
///   strings. The kind must hold the node's type (`taipy::Holds`): frames and serde rows in
///   tables (files, `sql_table`, `sql`), serde values in json and binary, and in an
///   `s3_object` what the file kind its key's extension names holds (checked when the key is a
///   literal); another type is a compile error.
///
/// An attribute is given at most once per node (list several comparators in one); unknown
/// attributes are errors.
///
/// ```
/// use taipy::prelude::*;
/// use taipy::{Frequency, compare_scenarios};
///
/// #[task]
/// fn total(amounts: &[f64], rate: f64) -> f64 { amounts.iter().sum::<f64>() * rate }
///
/// /// The change from each scenario to the next.
/// fn difference(totals: &[&f64]) -> Vec<f64> {
///     totals.windows(2).map(|w| w[1] - w[0]).collect()
/// }
///
/// scenario! {
///     #[frequency(monthly)]
///     pub Sales {
///         #[scope(global)]
///         amounts: Vec<f64> = vec![1.0, 2.0],
///         #[validity(hours = 12)]
///         rate: f64 = 1.0,
///         #[comparator(difference)]
///         sum = total(amounts, rate),
///     }
/// }
///
/// let store = Store::temporary()?;
/// let (low, high) = (Sales::create(&store, "low")?, Sales::create(&store, "high")?);
/// assert_eq!(low.amounts().id(), high.amounts().id());   // one global node
/// assert!(low.cycle()?.is_some());                       // in this month's cycle
/// high.rate().write(2.0)?;
/// low.submit()?.wait()?;
/// high.submit()?.wait()?;
/// let comparison = compare_scenarios(&[&low, &high], "sum")?;
/// assert_eq!(comparison.get::<Vec<f64>>("difference").unwrap(), &[3.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Set `TAIPY_EXPAND=1` (or `TAIPY_EXPAND=Name`) while building to print the expansion.
///
/// # Example
///
/// ```
/// use taipy::prelude::*;
///
/// #[task]
/// fn double(x: i64) -> i64 { x * 2 }
///
/// #[task]
/// fn describe(doubled: &i64, label: &str) -> String { format!("{label}: {doubled}") }
///
/// scenario! {
///     /// Doubles a number and labels it.
///     pub Doubling {
///         x: i64 = 21,
///         label: String = "answer".to_string(),
///         doubled = double(x),
///         text = describe(doubled, label),
///     }
/// }
///
/// let store = Store::temporary()?;
/// let s = Doubling::create(&store, "first")?;
/// s.submit()?.wait()?;
/// assert_eq!(s.text().read()?, "answer: 42");
/// s.x().write(1)?;                 // `s.x().write("one")` does not compile
/// s.submit()?.wait()?;
/// assert_eq!(s.doubled().read()?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// Wiring mistakes are compile errors at the offending tokens. An unknown input lists the
/// declared nodes:
///
/// ```compile_fail
/// use taipy::prelude::*;
///
/// #[task]
/// fn score(raw: &Vec<f64>, threshold: f64) -> Vec<f64> {
///     raw.iter().copied().filter(|&x| x > threshold).collect()
/// }
///
/// scenario! {
///     Analysis {
///         raw: Vec<f64> = vec![1.0, 2.0],
///         threshold: f64 = 1.5,
///         scored = score(raw, treshold),
///     }
/// }
/// #
/// # fn main() {}
/// ```
///
/// ```text
/// error: no data node `treshold` in `Analysis`; declared nodes: raw, threshold, scored
///   --> tests/ui/scenario/fail/unknown-input.rs:12:29
///    |
/// 12 |         scored = score(raw, treshold),
///    |                             ^^^^^^^^
/// ```
///
/// An argument whose node holds another type than the parameter is reported at the argument:
///
/// ```compile_fail,E0308
/// use taipy::prelude::*;
///
/// #[task]
/// fn scale(values: &Vec<f64>, factor: f64) -> Vec<f64> {
///     values.iter().map(|v| v * factor).collect()
/// }
///
/// scenario! {
///     Analysis {
///         values: Vec<f64> = vec![1.0],
///         factor: i64 = 2,
///         scaled = scale(values, factor),
///     }
/// }
/// #
/// # fn main() {}
/// ```
///
/// ```text
/// error[E0308]: mismatched types
///   --> tests/ui/scenario/fail/argument-type-mismatch.rs:12:32
///    |
/// 12 |         scaled = scale(values, factor),
///    |                  -----         ^^^^^^ expected `f64`, found `i64`
///    |                  |
///    |                  arguments to this function are incorrect
/// ```
///
/// A callee must be a `#[task]` function (the macro names the hidden descriptor `#[task]`
/// puts beside the function, in the type namespace); a plain function is reported at the
/// callee:
///
/// ```compile_fail,E0573
/// use taipy::prelude::*;
///
/// fn double(x: i64) -> i64 {
///     x * 2
/// }
///
/// scenario! {
///     Analysis {
///         x: i64 = 1,
///         y = double(x),
///     }
/// }
/// #
/// # fn main() {}
/// ```
///
/// ```text
/// error[E0573]: expected type, found function `double`
///   --> tests/ui/scenario/fail/not-a-task.rs:10:13
///    |
/// 10 |         y = double(x),
///    |             ^^^^^^ not a type
/// ```
///
/// A type in that place (a struct named like the task, say) gets `TaskDescriptor`'s
/// message: "`Doubled` is not a `#[task]` function".
///
/// A comparator must compare the node's type; another is reported at the comparator:
///
/// ```compile_fail,E0631
/// use taipy::prelude::*;
///
/// #[task]
/// fn double(x: f64) -> f64 {
///     x * 2.0
/// }
///
/// /// Compares counts, but the node holds `f64`.
/// fn difference(values: &[&i64]) -> i64 {
///     values[1] - values[0]
/// }
///
/// scenario! {
///     Analysis {
///         x: f64 = 1.0,
///         #[comparator(difference)]
///         y = double(x),
///     }
/// }
/// #
/// # fn main() {}
/// ```
///
/// ```text
/// error[E0631]: type mismatch in function arguments
///   --> tests/ui/scenario/fail/comparator-wrong-type.rs:16:22
///    |
///  9 | fn difference(values: &[&i64]) -> i64 {
///    | ------------------------------------- found signature defined here
/// ...
/// 16 |         #[comparator(difference)]
///    |                      ^^^^^^^^^^ expected due to this
///    |
///    = note: expected function signature `for<'a, 'b> fn(&'a [&'b f64]) -> _`
///               found function signature `fn(&[&i64]) -> _`
/// ```
///
/// And every attribute is checked: unknown, repeated, or with a wrong argument, it is an error
/// at the attribute ("unknown scope `everywhere`; expected one of `scenario`, `cycle`,
/// `global`").
#[proc_macro]
pub fn scenario(input: TokenStream) -> TokenStream {
    scenario::expand(input.into()).into()
}

/// Implements `DataValue` for a type of yours, so it can be stored in data nodes.
///
/// - A one-field struct (a newtype) is stored, read back, fingerprinted and laid out exactly as
///   its field, so each table or value can have a type of its own at the cost of one line:
///   `struct Scores(pub Vec<f64>);`, `struct Segmented(pub LazyFrame);`.
/// - Any other struct, and any enum, is stored as serde's postcard bytes: it must derive serde's
///   `Serialize` and `Deserialize`. Its layout (field names, order and types, variant names and
///   order) is traced from its serde implementation and stored beside each value: after you
///   change the type, the tasks producing it re-run, and a source node holding a value of the
///   old layout is a clear error asking for a new value, never a misread. A type serde-reflection
///   cannot trace (two types serde names alike, such as `Range<u32>` and `Range<f64>`; a field
///   parsed from a string) gets the layout its declaration writes instead: field names in
///   order, field types as written, variant names, serde attributes, and each field type's own
///   layout, read as `Spans { days: Range<u32>, temps: Range<f64> } (as declared); Range<u32> =
///   Range { start: u32, end: u32 }; ...`.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use taipy::prelude::*;
///
/// #[derive(DataValue)]
/// pub struct Threshold(pub f64);
///
/// #[derive(Serialize, Deserialize, DataValue)]
/// pub struct Reading {
///     pub city: String,
///     pub temp: f64,
/// }
///
/// #[derive(Serialize, Deserialize, DataValue)]
/// pub enum Metric {
///     Mean,
///     Median,
/// }
/// ```
///
/// A serde type of another crate cannot be given taipy's trait in your crate (Rust's orphan
/// rule): put it in a one-field struct of yours deriving serde's traits, and store that struct
/// with serde by `taipy::serde_value!(ThatStruct);` (this derive would delegate to the field).
/// Generic types are refused: a data node holds one concrete type.
///
/// Without serde's derives:
///
/// ```compile_fail
/// use taipy::prelude::*;
///
/// #[derive(DataValue)]
/// struct Reading {
///     city: String,
///     temp: f64,
/// }
/// #
/// # fn main() {}
/// ```
///
/// ```text
/// error[E0277]: `#[derive(DataValue)]` stores `Reading` with serde, but `Reading` does not derive serde's `Serialize` and `Deserialize`
///  --> tests/ui/derive/fail/missing-serde.rs:3:10
///   |
/// 3 | #[derive(DataValue)]
///   |          ^^^^^^^^^ add `#[derive(serde::Serialize, serde::Deserialize)]` to `Reading`
/// ```
#[proc_macro_derive(DataValue)]
pub fn derive_data_value(input: TokenStream) -> TokenStream {
    data_value::expand(input.into()).into()
}
