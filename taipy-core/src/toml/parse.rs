//! Stage 1: TOML text to an owned tree of values that remember their line.
//!
//! The `toml` crate's spanned parser ([`toml::de::DeTable`]) gives byte ranges; they are turned
//! into 1-based line numbers here, once, so later stages never see offsets. Syntax errors are
//! collected with the parser's recovery, so one load reports every broken line.

use super::Problem;

/// A TOML value with the line it starts on.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) raw: Raw,
    pub(crate) line: usize,
}

/// An owned TOML value; tables keep their keys' lines.
#[derive(Clone, Debug)]
pub(crate) enum Raw {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime(::toml::value::Datetime),
    Array(Vec<Node>),
    Table(Table),
}

/// A table: entries in key order, each with the line of its key.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    pub(crate) entries: Vec<Entry>,
}

/// One `key = value` (or `[header.key]`) of a table.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) line: usize,
    pub(crate) value: Node,
}

impl Table {
    pub(crate) fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

impl Raw {
    /// What kind of TOML value this is, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Raw::Str(_) => "a string",
            Raw::Int(_) => "an integer",
            Raw::Float(_) => "a float",
            Raw::Bool(_) => "a boolean",
            Raw::Datetime(_) => "a datetime",
            Raw::Array(_) => "an array",
            Raw::Table(_) => "a table",
        }
    }
}

/// Byte offsets to 1-based line numbers.
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    pub(crate) fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// Parses a whole document; on syntax errors, returns one problem per error.
pub(crate) fn parse(text: &str) -> Result<Table, Vec<Problem>> {
    let lines = Lines::new(text);
    let (document, errors) = ::toml::de::DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let mut problems: Vec<Problem> = errors
            .iter()
            .map(|e| {
                let line = e.span().map_or(0, |span| lines.line(span.start));
                let at = e
                    .span()
                    .and_then(|span| text.get(span))
                    .filter(|s| !s.trim().is_empty() && s.len() <= 60 && !s.contains('\n'))
                    .map(|s| format!(" at `{}`", s.trim()))
                    .unwrap_or_default();
                Problem::new("", line, format!("invalid TOML: {}{at}", e.message().trim()))
            })
            .collect();
        problems.dedup_by(|a, b| a.line == b.line && a.message == b.message);
        return Err(problems);
    }
    let mut problems = Vec::new();
    let table = convert_table(document.get_ref(), &lines, &mut problems);
    if problems.is_empty() { Ok(table) } else { Err(problems) }
}

fn convert_table(table: &::toml::de::DeTable<'_>, lines: &Lines, problems: &mut Vec<Problem>) -> Table {
    let entries = table
        .iter()
        .map(|(key, value)| {
            let line = lines.line(key.span().start);
            Entry { key: key.get_ref().to_string(), line, value: convert(value, line, lines, problems) }
        })
        .collect();
    Table { entries }
}

fn convert(
    value: &::toml::Spanned<::toml::de::DeValue<'_>>,
    key_line: usize,
    lines: &Lines,
    problems: &mut Vec<Problem>,
) -> Node {
    use ::toml::de::DeValue;
    let span = value.span();
    // Implicit tables (`[A.b]` creates `A`) have an empty span: use the key's line.
    let line = if span.is_empty() { key_line } else { lines.line(span.start) };
    let raw = match value.get_ref() {
        DeValue::String(s) => Raw::Str(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(i) => Raw::Int(i),
            Err(e) => {
                problems.push(Problem::new("", line, format!("invalid integer `{i}`: {e}")));
                Raw::Int(0)
            }
        },
        DeValue::Float(f) => match f.as_str().parse::<f64>() {
            Ok(f) => Raw::Float(f),
            Err(e) => {
                problems.push(Problem::new("", line, format!("invalid float `{f}`: {e}")));
                Raw::Float(0.0)
            }
        },
        DeValue::Boolean(b) => Raw::Bool(*b),
        DeValue::Datetime(d) => Raw::Datetime(*d),
        DeValue::Array(items) => {
            Raw::Array(items.iter().map(|item| convert(item, line, lines, problems)).collect())
        }
        DeValue::Table(table) => Raw::Table(convert_table(table, lines, problems)),
    };
    Node { raw, line }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values_know_their_lines() {
        let table = parse("[TAIPY]\n\n[DATA_NODE.x]\ndefault_data = \"1:int\"\n\n[DATA_NODE.y]\n").unwrap();
        let nodes = table.get("DATA_NODE").unwrap();
        let Raw::Table(nodes) = &nodes.value.raw else { panic!() };
        let x = nodes.get("x").unwrap();
        assert_eq!(x.line, 3);
        let Raw::Table(props) = &x.value.raw else { panic!() };
        assert_eq!(props.get("default_data").unwrap().line, 4);
        assert_eq!(nodes.get("y").unwrap().line, 6);
    }

    #[test]
    fn syntax_errors_carry_lines() {
        let problems = parse("[A]\nx = 1\ny = \n").unwrap_err();
        assert_eq!(problems[0].line, 3, "{problems:?}");
        let problems = parse("[A]\n[A]\n").unwrap_err();
        assert!(problems[0].message.contains("invalid TOML"), "{problems:?}");
    }
}
