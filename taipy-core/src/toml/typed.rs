//! Stage 2: Taipy's typed strings and `ENV[VAR]` templates.
//!
//! Taipy writes every non-string value as a string with a type suffix: `"1000:int"`,
//! `"1.5:float"`, `"True:bool"`, `"1 day, 2:00:00:timedelta"`, `"SCENARIO:SCOPE"`,
//! `"DAILY:FREQUENCY"`, `"scored_df:SECTION"`, `"algos.algo.f:function"`. A string whose text
//! after the last `:` is not one of these suffixes is a plain string (so `"http://x:80"` and
//! `"C:/data"` stay strings); `":str"` forces a plain string. A whole value `"ENV[NAME]"` (or
//! `"ENV[NAME]:int"`) is replaced by the environment variable first. Native TOML values
//! (`1000`, `1.5`, `true`, arrays, inline tables) are accepted as they are.

use std::time::Duration;

use super::parse::{Node, Raw};
use crate::config::Scope;

pub use crate::config::Frequency;

/// Taipy's name of a scope: `SCENARIO`, `CYCLE`, `GLOBAL`.
pub(crate) fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Scenario => "SCENARIO",
        Scope::Cycle => "CYCLE",
        Scope::Global => "GLOBAL",
    }
}

fn parse_scope(text: &str) -> Option<Scope> {
    [Scope::Scenario, Scope::Cycle, Scope::Global]
        .into_iter()
        .find(|s| scope_name(*s).eq_ignore_ascii_case(text))
}

/// A config value after typed strings and templates are interpreted.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Typed {
    /// An untyped string, or one with `:str`.
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Timedelta(Duration),
    Datetime(::toml::value::Datetime),
    Scope(Scope),
    Frequency(Frequency),
    /// `"id:SECTION"`: a reference to another section.
    Section(String),
    /// `"path:function"` or `"path:class"`.
    Function(String),
    List(Vec<Typed>),
    Map(Vec<(String, Typed)>),
}

impl Typed {
    /// What kind of value this is, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Typed::Text(_) => "a string",
            Typed::Int(_) => "an integer",
            Typed::Float(_) => "a float",
            Typed::Bool(_) => "a boolean",
            Typed::Timedelta(_) => "a timedelta",
            Typed::Datetime(_) => "a datetime",
            Typed::Scope(_) => "a scope",
            Typed::Frequency(_) => "a frequency",
            Typed::Section(_) => "a section reference",
            Typed::Function(_) => "a function",
            Typed::List(_) => "a list",
            Typed::Map(_) => "a table",
        }
    }

    /// The plain TOML value data types read with [`DataValue::from_toml`](crate::DataValue::from_toml).
    /// A timedelta becomes `{ secs, nanos }`, the form serde gives `std::time::Duration`.
    pub(crate) fn to_toml(&self) -> ::toml::Value {
        use ::toml::Value;
        match self {
            Typed::Text(s) | Typed::Section(s) | Typed::Function(s) => Value::String(s.clone()),
            Typed::Int(i) => Value::Integer(*i),
            Typed::Float(f) => Value::Float(*f),
            Typed::Bool(b) => Value::Boolean(*b),
            Typed::Timedelta(d) => {
                let mut table = ::toml::Table::new();
                table.insert("secs".into(), Value::Integer(d.as_secs() as i64));
                table.insert("nanos".into(), Value::Integer(i64::from(d.subsec_nanos())));
                Value::Table(table)
            }
            Typed::Datetime(d) => Value::Datetime(*d),
            Typed::Scope(s) => Value::String(scope_name(*s).into()),
            Typed::Frequency(f) => Value::String(f.name().into()),
            Typed::List(items) => Value::Array(items.iter().map(Typed::to_toml).collect()),
            Typed::Map(entries) => {
                Value::Table(entries.iter().map(|(k, v)| (k.clone(), v.to_toml())).collect())
            }
        }
    }
}

/// Looks environment variables up (`std::env::var` unless a loader is given another).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Interprets a raw value: templates, then type suffixes, recursively for arrays and tables.
pub(crate) fn interpret(node: &Node, env: Env<'_>) -> Result<Typed, String> {
    Ok(match &node.raw {
        Raw::Str(s) => interpret_str(s, env)?,
        Raw::Int(i) => Typed::Int(*i),
        Raw::Float(f) => Typed::Float(*f),
        Raw::Bool(b) => Typed::Bool(*b),
        Raw::Datetime(d) => Typed::Datetime(*d),
        Raw::Array(items) => Typed::List(items.iter().map(|i| interpret(i, env)).collect::<Result<_, _>>()?),
        Raw::Table(table) => Typed::Map(
            table
                .entries
                .iter()
                .map(|e| Ok((e.key.clone(), interpret(&e.value, env)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

const SUFFIXES: &[&str] = &[
    "int",
    "float",
    "bool",
    "str",
    "timedelta",
    "datetime",
    "SCOPE",
    "FREQUENCY",
    "SECTION",
    "function",
    "class",
];

/// Interprets one string: `ENV[VAR]` first, then a known type suffix.
pub(crate) fn interpret_str(text: &str, env: Env<'_>) -> Result<Typed, String> {
    if let Some(rest) = text.strip_prefix("ENV[")
        && let Some((name, after)) = rest.split_once(']')
    {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`{text}` is not a valid template: expected `ENV[NAME]` with a variable name"
            ));
        }
        let value = env(name)
            .ok_or_else(|| format!("environment variable `{name}` is not set (used as `{text}`)"))?;
        return match after {
            "" => Ok(Typed::Text(value)),
            _ => match after.strip_prefix(':').filter(|s| SUFFIXES.contains(s)) {
                Some(suffix) => typed(&value, suffix).map_err(|e| format!("{e} (from `{text}`)")),
                None => Err(format!("`{text}`: unknown type suffix `{after}` after a template")),
            },
        };
    }
    match text.rsplit_once(':') {
        Some((value, suffix)) if SUFFIXES.contains(&suffix) => typed(value, suffix),
        _ => Ok(Typed::Text(text.to_owned())),
    }
}

fn typed(value: &str, suffix: &str) -> Result<Typed, String> {
    let bad = |what: &str| format!("`{value}:{suffix}` is not a valid {what}");
    Ok(match suffix {
        "str" => Typed::Text(value.to_owned()),
        "int" => Typed::Int(value.trim().parse().map_err(|_| bad("integer"))?),
        "float" => Typed::Float(value.trim().parse().map_err(|_| bad("float"))?),
        "bool" => match value.trim() {
            v if v.eq_ignore_ascii_case("true") => Typed::Bool(true),
            v if v.eq_ignore_ascii_case("false") => Typed::Bool(false),
            _ => return Err(format!("{}: expected True or False", bad("boolean"))),
        },
        "timedelta" => Typed::Timedelta(
            parse_timedelta(value)
                .ok_or_else(|| format!("{}: expected `[D day[s], ]H:MM:SS[.ffffff]`", bad("timedelta")))?,
        ),
        "datetime" => Typed::Datetime(value.trim().parse().map_err(|_| bad("datetime"))?),
        "SCOPE" => Typed::Scope(
            parse_scope(value.trim())
                .ok_or_else(|| format!("{}: expected SCENARIO, CYCLE or GLOBAL", bad("scope")))?,
        ),
        "FREQUENCY" => Typed::Frequency(Frequency::parse(value.trim()).ok_or_else(|| {
            format!("{}: expected DAILY, WEEKLY, MONTHLY, QUARTERLY or YEARLY", bad("frequency"))
        })?),
        "SECTION" => {
            if value.trim().is_empty() {
                return Err(bad("section reference"));
            }
            Typed::Section(value.trim().to_owned())
        }
        _ => {
            if value.trim().is_empty() {
                return Err(bad("function path"));
            }
            Typed::Function(value.trim().to_owned())
        }
    })
}

pub(crate) use crate::duration_text::parse_duration;

/// Python's `str(timedelta)`: `[D day[s], ]H:MM:SS[.ffffff]` (non-negative only).
pub(crate) fn parse_timedelta(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (days, clock) = match text.split_once(", ") {
        Some((days, clock)) => {
            let count = days.strip_suffix(" days").or_else(|| days.strip_suffix(" day"))?;
            (count.trim().parse::<u64>().ok()?, clock)
        }
        None => (0, text),
    };
    let mut parts = clock.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (h, m) = (h.parse::<u64>().ok()?, m.parse::<u64>().ok()?);
    let (secs, micros) = match s.split_once('.') {
        Some((secs, frac))
            if !frac.is_empty() && frac.len() <= 6 && frac.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (secs.parse::<u64>().ok()?, frac.parse::<u32>().ok()? * 10u32.pow(6 - frac.len() as u32))
        }
        Some(_) => return None,
        None => (s.parse::<u64>().ok()?, 0),
    };
    if m >= 60 || secs >= 60 {
        return None;
    }
    let total = days.checked_mul(86_400)?.checked_add(h.checked_mul(3600)?)?.checked_add(m * 60 + secs)?;
    Some(Duration::new(total, micros * 1000))
}

/// Python's `str(timedelta)` of a duration (microsecond precision).
pub(crate) fn format_timedelta(d: Duration) -> String {
    let total = d.as_secs();
    let (days, rest) = (total / 86_400, total % 86_400);
    let clock = format!("{}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    let micros = d.subsec_micros();
    let clock = if micros == 0 { clock } else { format!("{clock}.{micros:06}") };
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        n => format!("{n} days, {clock}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_timeout_reason_shows_reads_back() {
        for d in [Duration::from_secs(30), Duration::from_millis(1500), Duration::from_micros(20)] {
            assert_eq!(parse_duration(&crate::job::DisplayDuration(d).to_string()), Ok(d));
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn t(text: &str) -> Result<Typed, String> {
        interpret_str(text, &no_env)
    }

    #[test]
    fn suffixes() {
        assert_eq!(t("1000:int"), Ok(Typed::Int(1000)));
        assert_eq!(t("1.5:float"), Ok(Typed::Float(1.5)));
        assert_eq!(t("True:bool"), Ok(Typed::Bool(true)));
        assert_eq!(t("mean"), Ok(Typed::Text("mean".into())));
        assert_eq!(t("a:int:str"), Ok(Typed::Text("a:int".into())));
        assert_eq!(t("http://x:80"), Ok(Typed::Text("http://x:80".into())));
        assert_eq!(t("GLOBAL:SCOPE"), Ok(Typed::Scope(Scope::Global)));
        assert_eq!(t("x:SECTION"), Ok(Typed::Section("x".into())));
        assert_eq!(t("a.b.c:function"), Ok(Typed::Function("a.b.c".into())));
        assert_eq!(t("a::b:function"), Ok(Typed::Function("a::b".into())));
        assert_eq!(t("1 day, 2:00:00.5:timedelta"), Ok(Typed::Timedelta(Duration::new(93_600, 500_000_000))));
        assert_eq!(t("abc:int").unwrap_err(), "`abc:int` is not a valid integer");
        assert!(t("Maybe:bool").is_err());
        assert!(t("SOMETIMES:SCOPE").unwrap_err().contains("expected SCENARIO, CYCLE or GLOBAL"));
    }

    #[test]
    fn templates() {
        let env = |name: &str| (name == "THRESHOLD").then(|| "1600".to_string());
        assert_eq!(interpret_str("ENV[THRESHOLD]:int", &env), Ok(Typed::Int(1600)));
        assert_eq!(interpret_str("ENV[THRESHOLD]", &env), Ok(Typed::Text("1600".into())));
        let err = interpret_str("ENV[MISSING]", &env).unwrap_err();
        assert!(err.contains("environment variable `MISSING` is not set"), "{err}");
    }

    #[test]
    fn timedeltas_round_trip() {
        for d in [
            Duration::ZERO,
            Duration::new(59, 0),
            Duration::new(90_061, 250_000_000),
            Duration::new(2 * 86_400, 0),
        ] {
            assert_eq!(parse_timedelta(&format_timedelta(d)), Some(d), "{}", format_timedelta(d));
        }
        assert_eq!(format_timedelta(Duration::new(86_400 + 3600, 0)), "1 day, 1:00:00");
        assert_eq!(parse_timedelta("1:60:00"), None);
    }
}
