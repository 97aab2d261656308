//! Malformed configs never panic: every truncation of the file, values of the wrong TOML type
//! in every property, unknown sections, and garbage bytes all give problems with lines.

use taipy::toml::Loader;

use crate::{STUDIO, load};

/// Loads `bytes`; it may load or not, but must not panic, and each problem has a plausible line.
fn survives(bytes: &[u8]) {
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    if let Err(e) = Loader::new().load_bytes(bytes, "<corpus>") {
        let text = e.to_string();
        assert!(!e.problems().is_empty(), "{text}");
        for p in e.problems() {
            assert!(p.line <= lines + 1, "line {} of {lines}: {p}", p.line);
            assert!(!p.message.is_empty());
        }
    }
}

#[test]
fn every_truncation() {
    for end in (0..=STUDIO.len()).filter(|&i| STUDIO.is_char_boundary(i)) {
        survives(&STUDIO.as_bytes()[..end]);
    }
    // Cut at a line boundary inside a task: the remaining file is valid TOML but incomplete.
    let cut = STUDIO.find("outputs = [ \"segment_result").unwrap();
    let err = load(&STUDIO[..cut]).unwrap_err();
    assert!(
        err.problems().iter().any(|p| p.message.contains("data node `segment_result` has neither a default")
            || p.message.contains("takes 1 output")),
        "{err}"
    );
}

#[test]
fn values_of_every_wrong_type() {
    let replacements = [
        "1",
        "1.5",
        "true",
        "[]",
        "[1, 2]",
        "{}",
        "{ a = 1 }",
        "1979-05-27T07:32:00Z",
        "\"\"",
        "\":SECTION\"",
        "\":int\"",
        "\"ENV[]\"",
        "\"ENV[X\"",
        "\"x:function\"",
        "[[1], [\"a:SECTION\"]]",
        "\"9999999999999999999999:int\"",
    ];
    let keys = [
        "default_data = ",
        "function = ",
        "inputs = ",
        "outputs = ",
        "skippable = ",
        "tasks = ",
        "additional_data_nodes = ",
    ];
    for key in keys {
        for replacement in replacements {
            let mut text = String::new();
            for line in STUDIO.lines() {
                match line.strip_prefix(key) {
                    Some(_) => text.push_str(&format!("{key}{replacement}")),
                    None => text.push_str(line),
                }
                text.push('\n');
            }
            survives(text.as_bytes());
        }
    }
}

#[test]
fn odd_structures() {
    let cases = [
        "",
        "[TAIPY]",
        "DATA_NODE = 1",
        "[DATA_NODE]\nx = 1",
        "[DATA_NODE.x]\n[DATA_NODE.x.y]\nz = 1",
        "[TASK.t]\nfunction = 5",
        "[TASK.t]\nfunction = \"t\"\ninputs = \"a:SECTION\"",
        "[SCENARIO.s]\ntasks = [\"missing:SECTION\"]\nsequences = 3",
        "[SCENARIO.s]\n[SCENARIO.s.sequences]\nx = 1\n[SCENARIO.s.comparators]\ny = 2",
        "[JOB]\nmode = \"cluster\"\nmax_nb_of_workers = \"-1:int\"",
        "[CORE]\nx = [1]\n[GUI]\n[UNKNOWN.x]",
        "[[DATA_NODE]]\nid = 1",
        "[DATA_NODE.default]\nstorage_type = \"csv\"\n[DATA_NODE.a]\ndefault_data = \"x.csv\"",
        "[DATA_NODE.\"weird id\"]\ndefault_data = \"1:int\"\n[SCENARIO.s]\nadditional_data_nodes = [\"weird id:SECTION\"]",
        "a = \"\\u0000\"",
        "[TASK.t]\nfunction = \"::\"\ninputs = [\"ENV[X]:SECTION\"]",
        "[DATA_NODE.a]\ndefault_data = \"100000000 days, 0:00:00:timedelta\"",
        "[DATA_NODE.a]\ndefault_data = \"99999999999999999999 days, 0:00:00:timedelta\"",
    ];
    for case in cases {
        survives(case.as_bytes());
    }
    // Deep nesting: the parser's depth limit keeps the stack safe.
    for depth in [10, 100, 10_000, 200_000] {
        let arrays = format!("[DATA_NODE.a]\ndefault_data = {}{}", "[".repeat(depth), "]".repeat(depth));
        survives(arrays.as_bytes());
        let tables = format!("x = {}{}", "{ a = ".repeat(depth), "}".repeat(depth));
        survives(tables.as_bytes());
    }
    for case in ["[", "[[", "]", "=", "a = ", "a = [", "a = {", "\"", "[A.]", "[.A]", "a.b = 1\na = 2"] {
        let err = load(case).unwrap_err();
        assert!(err.problems()[0].message.starts_with("invalid TOML"), "{case}: {err}");
    }
}

#[test]
fn garbage_bytes() {
    // A small deterministic generator: no dependency, the same bytes on every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for len in [1, 2, 7, 64, 500, 4096] {
        for _ in 0..20 {
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            survives(&bytes);
        }
    }
    // Garbage spliced into the middle of the real file.
    for at in (0..STUDIO.len()).step_by(97) {
        let mut bytes = STUDIO.as_bytes().to_vec();
        bytes.splice(at..at, [0xff, 0x00, b'[', b'"', 0xc3]);
        survives(&bytes);
    }
    let err = Loader::new().load_bytes(b"[TAIPY]\n\xff\xfe", "<bytes>").unwrap_err();
    assert_eq!(
        err.problems()[0].to_string(),
        "line 2: the file is not UTF-8 text (invalid byte at offset 8)"
    );
}
