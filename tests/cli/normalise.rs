//! Normalises what changes from run to run: dates, durations, generated ids, sizes, hashes; and
//! the column padding that depends on them.

/// The text with `<date>`, `<duration>`, `<size>`, `<hash>` and ids ending in `_<n>`.
pub(crate) fn normalise(text: &str) -> String {
    text.lines()
        .map(|line| collapse(&line.split(' ').map(word).collect::<Vec<_>>().join(" ")) + "\n")
        .collect()
}

fn word(word: &str) -> String {
    let bytes = word.as_bytes();
    // 2026-05-01 17:20:03
    if bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-' && digits(&word[..4]) {
        return "<date>".into();
    }
    if bytes.len() == 8 && bytes[2] == b':' && bytes[5] == b':' && digits(&word[..2]) {
        return "<time>".into();
    }
    for prefix in ["SCENARIO_", "JOB_", "SUBMISSION_", "DATANODE_"] {
        if let Some(start) = word.find(prefix) {
            let end = word[start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .map_or(word.len(), |e| start + e);
            let id = &word[start..end];
            if let Some((name, _)) = id.rsplit_once('_') {
                return format!("{}{name}_<n>{}", &word[..start], &word[end..]);
            }
        }
    }
    word.to_owned()
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Durations (`12 ms`), sizes (`4.0 KiB`) and short hashes (`[a1b2c3d4]`, `code 1a2b`) become
/// placeholders; runs of spaces become two, so padding does not matter.
fn collapse(line: &str) -> String {
    let mut words: Vec<String> = line.split(' ').map(str::to_owned).collect();
    for i in 1..words.len() {
        let unit = words[i].trim_end_matches([',', ')']).to_owned();
        let unit = unit.as_str();
        let is_number = words[i - 1].parse::<f64>().is_ok();
        if is_number && ["µs", "ms", "s"].contains(&unit) {
            words[i - 1] = "<duration>".into();
            words[i] = words[i].replacen(unit, "", 1);
        }
        if is_number && ["B", "KiB", "MiB", "GiB"].contains(&unit) {
            words[i - 1] = "<size>".into();
            words[i] = words[i].replacen(unit, "", 1);
        }
    }
    let joined = words.join(" ").replace("<duration> ", "<duration>").replace("<size> ", "<size>");
    let mut out = String::new();
    let mut spaces = 0;
    for c in joined.chars() {
        if c == ' ' {
            spaces += 1;
            continue;
        }
        if spaces > 0 {
            out.push_str(if spaces > 1 { "  " } else { " " });
            spaces = 0;
        }
        out.push(c);
    }
    hashes(&out)
}

/// `[1a2b3c4d5e6f]` and words after `code`/`hash` that are hex become `<hash>`.
fn hashes(line: &str) -> String {
    let mut out = Vec::new();
    let mut after_code = false;
    for word in line.split(' ') {
        let bare = word.trim_matches(['[', ']', ',', ')', '(']);
        let hex = bare.len() >= 8 && bare.bytes().all(|b| b.is_ascii_hexdigit());
        if hex && (after_code || word.starts_with('[') || bare.len() >= 16) {
            out.push(word.replace(bare, "<hash>"));
        } else {
            out.push(word.to_owned());
        }
        if !word.is_empty() {
            after_code = matches!(bare, "code" | "hash");
        }
    }
    out.join(" ")
}
