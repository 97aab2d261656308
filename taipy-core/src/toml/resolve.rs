//! Stage 3: a task's `function` to a registered `#[task]`.
//!
//! The rule, for `function = "algos.algo.preprocess_and_score:function"` (or
//! `"algos::preprocess_and_score"`, or just `"preprocess_and_score"`):
//!
//! 1. The path is split on `.` and `::`; its last segment is the function's name, the rest its
//!    module path.
//! 2. A registered task whose full id (`crate::module::name`) equals the path is taken.
//! 3. Otherwise the registered tasks with that name are the candidates. One candidate is taken
//!    whatever the module path says, because Python module paths (`algos.algo`) need not mirror
//!    the Rust crate's (`algos::tasks`).
//! 4. Several candidates are narrowed by the module path: those whose module ends with the given
//!    segments, else those whose module contains them in order. Still several (or none): the
//!    path is ambiguous, and the error lists the full ids to choose from.
//! 5. No candidate: the error suggests the registered names closest by edit distance.

use super::names::edit_distance;
use crate::registry::TaskEntry;

/// Finds the registered task a config's `function` names.
pub(crate) fn resolve(path: &str, entries: &[&'static TaskEntry]) -> Result<&'static TaskEntry, String> {
    let segments: Vec<&str> = path.split("::").flat_map(|s| s.split('.')).map(str::trim).collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(format!("function `{path}` is not a path like `module.function` or `crate::function`"));
    }
    if entries.is_empty() {
        return Err(format!(
            "function `{path}` cannot be resolved: no `#[task]` is registered (a crate whose items the \
             binary never references is left out by the linker; add `taipy::link!(that_crate);` to \
             the binary)"
        ));
    }
    let (name, module) = segments.split_last().expect("split yields at least one segment");
    if let Some(exact) = entries.iter().find(|e| e.id.split("::").eq(segments.iter().copied())) {
        return Ok(exact);
    }
    let candidates: Vec<&'static TaskEntry> = entries.iter().copied().filter(|e| e.name == *name).collect();
    match candidates.as_slice() {
        [one] => return Ok(one),
        [] => return Err(unknown(path, name, entries)),
        _ => {}
    }
    let module_of = |e: &TaskEntry| -> Vec<&'static str> {
        let mut parts: Vec<&'static str> = e.id.split("::").collect();
        parts.pop();
        parts
    };
    let by_suffix: Vec<_> = candidates.iter().filter(|e| module_of(e).ends_with(module)).collect();
    if let [one] = by_suffix.as_slice() {
        return Ok(one);
    }
    let by_subsequence: Vec<_> =
        candidates.iter().filter(|e| is_subsequence(module, &module_of(e))).collect();
    if let [one] = by_subsequence.as_slice() {
        return Ok(one);
    }
    let ids: Vec<&str> = candidates.iter().map(|e| e.id).collect();
    Err(format!("function `{path}` is ambiguous: registered tasks {}; write the full path", quoted(&ids)))
}

fn is_subsequence(needle: &[&str], haystack: &[&str]) -> bool {
    let mut rest = haystack.iter();
    needle.iter().all(|n| rest.any(|h| h == n))
}

fn unknown(path: &str, name: &str, entries: &[&'static TaskEntry]) -> String {
    let limit = (name.chars().count() / 3).max(2);
    let mut close: Vec<(usize, &TaskEntry)> =
        entries.iter().map(|e| (edit_distance(name, e.name), *e)).filter(|(d, _)| *d <= limit).collect();
    close.sort_by_key(|(d, e)| (*d, e.id));
    close.truncate(3);
    if close.is_empty() {
        let names: Vec<&str> = entries.iter().map(|e| e.id).take(12).collect();
        let more = if entries.len() > names.len() { ", ..." } else { "" };
        return format!(
            "unknown function `{path}`: no registered task is named `{name}`; registered tasks: {}{more}; {}",
            quoted(&names),
            crate::registry::LINK_ADVICE
        );
    }
    let suggestions: Vec<String> = close.iter().map(|(_, e)| format!("`{}` ({})", e.name, e.id)).collect();
    format!(
        "unknown function `{path}`: no registered task is named `{name}`; did you mean {}?",
        suggestions.join(" or ")
    )
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TaskConfig;
    use crate::fingerprint::Fingerprint;

    fn make(id: &str) -> TaskConfig {
        TaskConfig::new(id, |x: &i64| *x)
    }

    const fn entry(id: &'static str, name: &'static str) -> TaskEntry {
        TaskEntry { id, name, params: &[], code: Fingerprint([0; 32]), version: 0, skippable: true, make }
    }

    static A: TaskEntry = entry("algos::algo::score", "score");
    static B: TaskEntry = entry("other::score", "score");
    static C: TaskEntry = entry("algos::segment", "segment");

    fn all() -> Vec<&'static TaskEntry> {
        vec![&A, &B, &C]
    }

    #[test]
    fn the_rule() {
        assert_eq!(
            resolve("algos.segmnt", &all()).map(|e| e.id),
            Err("unknown function `algos.segmnt`: no registered task is named `segmnt`; did you mean \
                 `segment` (algos::segment)?"
                .into())
        );
        assert_eq!(resolve("whatever.segment", &all()).unwrap().id, "algos::segment");
        assert_eq!(resolve("algos.algo.score", &all()).unwrap().id, "algos::algo::score");
        assert_eq!(resolve("algos::score", &all()).unwrap().id, "algos::algo::score");
        assert_eq!(resolve("other::score", &all()).unwrap().id, "other::score");
        let err = resolve("score", &all()).unwrap_err();
        assert!(err.contains("is ambiguous: registered tasks `algos::algo::score`, `other::score`"), "{err}");
        let err = resolve("algos..score", &all()).unwrap_err();
        assert!(err.contains("is not a path"), "{err}");
        let err = resolve("x", &[]).unwrap_err();
        assert!(err.contains("no `#[task]` is registered"), "{err}");
        assert!(err.contains("add `taipy::link!(that_crate);` to the binary"), "{err}");
        let err = resolve("algos.nothing_like_it", &all()).unwrap_err();
        assert!(err.contains("registered tasks: `algos::algo::score`"), "{err}");
        assert!(err.contains("add `taipy::link!(that_crate);` to the binary"), "{err}");
    }
}
