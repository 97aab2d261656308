//! polars' error messages as this crate shows them.

use polars::prelude::PolarsError;

/// polars' message in one line, without the advice it gives Python users (`ignore_errors` to
/// `True`, `infer_schema_length=10000` ...), which names no option of this crate.
pub(super) fn polars_message(e: &PolarsError) -> String {
    without_python_advice(&e.to_string())
}

pub(super) fn without_python_advice(text: &str) -> String {
    let mut kept = Vec::new();
    let mut advice = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("You might want to try") {
            advice = true;
            continue;
        }
        if advice && (line.starts_with('-') || line.is_empty()) {
            continue;
        }
        advice = false;
        if !line.is_empty() {
            kept.push(line.trim_end_matches('.').replace("```", "`"));
        }
    }
    kept.join("; ")
}
