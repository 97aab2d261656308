//! Names in messages: the declared names closest to a misspelled one, and short type names.

use crate::value::ValueType;

/// Levenshtein distance over chars.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// `; did you mean `x`?` for the closest names, or the declared names when none is close.
pub(crate) fn suggest(name: &str, known: &[&str], what: &str) -> String {
    let limit = (name.chars().count() / 3).max(2);
    let mut close: Vec<(usize, &str)> =
        known.iter().map(|k| (edit_distance(name, k), *k)).filter(|(d, _)| *d <= limit).collect();
    close.sort();
    match close.first() {
        Some((_, k)) => format!("; did you mean `{k}`?"),
        None if known.is_empty() => format!("; no {what} are declared"),
        None => format!("; declared {what}: {}", known.join(", ")),
    }
}

/// `alloc::vec::Vec<my_crate::Scored>` → `Vec<Scored>`.
pub(crate) fn short_name(full: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in full.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(""));
            word.clear();
            out.push(c);
        }
    }
    out.pop();
    out
}

/// Short names for two types, or full ones when the short names would look equal.
pub(crate) fn pair_names(a: ValueType, b: ValueType) -> (String, String) {
    let (short_a, short_b) = (short_name(a.name()), short_name(b.name()));
    if short_a == short_b { (a.name().to_owned(), b.name().to_owned()) } else { (short_a, short_b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(short_name("alloc::vec::Vec<my_crate::Scored>"), "Vec<Scored>");
        assert_eq!(short_name("(i64, alloc::string::String)"), "(i64, String)");
        assert_eq!(short_name("f64"), "f64");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("scored", &["scored_df", "metric"], "data nodes"),
            "; declared data nodes: scored_df, metric"
        );
        assert_eq!(
            suggest("scored_dff", &["scored_df", "metric"], "data nodes"),
            "; did you mean `scored_df`?"
        );
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("score", "score"), 0);
    }
}
