//! Generated TOML configs of chained tasks, shared by the scale tests and the TOML load bench
//! (`benches/toml_load.rs`), whose binaries each define the `chain_step` task they name.

/// `n` chained tasks `t0 .. t{n-1}`: `t{i}` reads `n{i}` and writes `n{i+1}`; `n0` has a default.
/// With `reversed`, the file lists consumers before their producers.
pub(crate) fn chain(n: usize, reversed: bool) -> String {
    let mut text = String::from("[TAIPY]\n\n[DATA_NODE.n0]\ndefault_data = \"0:int\"\n\n");
    for i in 1..=n {
        text.push_str(&format!("[DATA_NODE.n{i}]\n\n"));
    }
    let mut order: Vec<usize> = (0..n).collect();
    if reversed {
        order.reverse();
    }
    for &i in &order {
        text.push_str(&format!(
            "[TASK.t{i}]\nfunction = \"chain_step\"\ninputs = [ \"n{i}:SECTION\",]\noutputs = [ \"n{}:SECTION\",]\n\n",
            i + 1
        ));
    }
    let tasks: Vec<String> = order.iter().map(|i| format!("\"t{i}:SECTION\"")).collect();
    text.push_str(&format!(
        "[SCENARIO.chain]\ntasks = [ {},]\nadditional_data_nodes = []\n",
        tasks.join(", ")
    ));
    text
}
