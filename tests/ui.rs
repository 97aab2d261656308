//! Compile-time checks of the macros: each file under `tests/ui/<macro>/fail/` is one mistake,
//! with the compiler's output committed beside it (`TRYBUILD=overwrite` regenerates them).

use std::path::Path;

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/task/fail/*.rs");
    t.compile_fail("tests/ui/scenario/fail/*.rs");
    t.compile_fail("tests/ui/derive/fail/*.rs");
    t.compile_fail("tests/ui/migration/fail/*.rs");
    t.compile_fail("tests/ui/builder/fail/*.rs");
}

/// A `compile_fail` example of the macros' docs and the error text shown after it.
struct Documented {
    /// The example as compiled: hidden `# ` lines included.
    code: String,
    /// The lines of the error text.
    error: Vec<String>,
}

/// The `compile_fail` examples of a source file's doc comments, each with the `text` block that
/// follows it.
fn documented_errors(source: &str) -> Vec<Documented> {
    let docs: Vec<&str> = source
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("///"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    let block = |from: usize| -> (Vec<&str>, usize) {
        let end = from + docs[from..].iter().position(|l| *l == "```").expect("a closed code block");
        (docs[from..end].to_vec(), end + 1)
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < docs.len() {
        if !docs[i].starts_with("```compile_fail") {
            i += 1;
            continue;
        }
        let (code, next) = block(i + 1);
        let text =
            next + docs[next..].iter().position(|l| *l == "```text").expect("an error after the example");
        let (error, next) = block(text + 1);
        let code = code
            .iter()
            .map(|line| if *line == "#" { "" } else { line.strip_prefix("# ").unwrap_or(line) })
            .collect::<Vec<_>>()
            .join("\n");
        found.push(Documented { code, error: error.iter().map(|l| l.to_string()).collect() });
        i = next;
    }
    found
}

/// Whether `documented` is the start of `actual`, where a `...` line skips any number of lines.
fn shows(documented: &[String], actual: &[&str]) -> bool {
    let mut chunks = documented.split(|line| line == "...");
    let first = chunks.next().unwrap_or_default();
    if !actual.starts_with(&first.iter().map(String::as_str).collect::<Vec<_>>()) {
        return false;
    }
    let mut at = first.len();
    for chunk in chunks {
        let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
        match actual[at..].windows(chunk.len()).position(|w| w == chunk.as_slice()) {
            Some(offset) => at += offset + chunk.len(),
            None => return false,
        }
    }
    true
}

#[test]
fn documented_compile_errors_are_the_ui_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("taipy-macros/src/lib.rs")).unwrap();
    let documented = documented_errors(&source);
    assert_eq!(documented.len(), 8, "the compile_fail examples of taipy-macros/src/lib.rs");
    for example in documented {
        let location = example.error.iter().find_map(|l| l.trim_start().strip_prefix("--> "));
        let location = location.unwrap_or_else(|| panic!("no `-->` line in {:#?}", example.error));
        let file = location.split(':').next().unwrap();
        assert!(file.starts_with("tests/ui/"), "{file}: not a UI test");
        let ui = std::fs::read_to_string(root.join(file)).unwrap();
        assert_eq!(example.code.trim_end(), ui.trim_end(), "the example is not {file}");
        let snapshot = std::fs::read_to_string(root.join(file).with_extension("stderr")).unwrap();
        let snapshot: Vec<&str> = snapshot.lines().map(str::trim_end).collect();
        assert!(
            shows(&example.error, &snapshot),
            "the error shown is not {file}'s:\n{}",
            example.error.join("\n")
        );
    }
}
