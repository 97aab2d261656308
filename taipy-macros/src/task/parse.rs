//! The options of `#[task(...)]`: `skippable = false`, `version = N`, `retries = N`,
//! `timeout = "30s"`.

use std::time::Duration;

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Lit, Token};

/// The options, with their defaults.
pub(crate) struct Options {
    /// Whether results may be reused (default `true`).
    pub(crate) skippable: bool,
    /// A salt for changes the fingerprint cannot see (default 0).
    pub(crate) version: u64,
    /// How many more times a failing run is tried (default 0).
    pub(crate) retries: u32,
    /// How long one attempt may run (default: no limit).
    pub(crate) timeout: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Self { skippable: true, version: 0, retries: 0, timeout: None }
    }
}

const NAMES: [&str; 4] = ["skippable", "version", "retries", "timeout"];
const KNOWN: &str = "`skippable = false`, `version = N`, `retries = N` or `timeout = \"30s\"`";

/// Parses the options; unknown and repeated options are errors on the option's name, malformed
/// values errors on the value, and all of them are reported together.
pub(crate) fn options(args: TokenStream) -> syn::Result<Options> {
    (|input: ParseStream<'_>| {
        let mut options = Options::default();
        let mut seen: Vec<String> = Vec::new();
        let mut errors = Vec::new();
        while !input.is_empty() {
            let name: Ident = input.call(syn::ext::IdentExt::parse_any)?;
            input.parse::<Token![=]>()?;
            let value: Lit = input.parse()?;
            let key = name.to_string();
            if seen.contains(&key) {
                errors.push(syn::Error::new(name.span(), format!("option `{key}` is given twice")));
            } else if NAMES.contains(&key.as_str()) {
                seen.push(key.clone());
            }
            match (key.as_str(), &value) {
                ("skippable", Lit::Bool(b)) => options.skippable = b.value,
                ("skippable", other) => errors.push(expected(other, "`true` or `false`")),
                ("version", Lit::Int(n)) => match n.base10_parse::<u64>() {
                    Ok(v) => options.version = v,
                    Err(_) => errors.push(expected(&value, "a non-negative integer such as `version = 2`")),
                },
                ("version", other) => errors.push(expected(other, "an integer such as `version = 2`")),
                ("retries", Lit::Int(n)) => match n.base10_parse::<u32>() {
                    Ok(v) => options.retries = v,
                    Err(_) => errors.push(expected(&value, "a non-negative integer such as `retries = 2`")),
                },
                ("retries", other) => errors.push(expected(other, "an integer such as `retries = 2`")),
                ("timeout", Lit::Str(s)) => match duration(&s.value()) {
                    Ok(d) => options.timeout = Some(d),
                    Err(why) => errors.push(syn::Error::new_spanned(s, format!("bad timeout: {why}"))),
                },
                ("timeout", other) => {
                    errors.push(expected(other, "a duration string such as `timeout = \"30s\"`"))
                }
                _ => errors.push(syn::Error::new(
                    name.span(),
                    format!("unknown option `{key}` of #[task]; the options are {KNOWN}"),
                )),
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        crate::support::combine(errors)?;
        Ok(options)
    })
    .parse2(args)
}

fn expected(value: &Lit, what: &str) -> syn::Error {
    syn::Error::new_spanned(value, format!("expected {what}"))
}

/// A duration written as a number and a unit: `500ms`, `30s`, `1.5s`, `2m`, `1h` (also `us`).
/// The same rule as the TOML key `timeout` (taipy-core's `toml::typed::parse_duration`), which
/// a proc-macro crate cannot share.
fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds_per_unit = match unit.trim() {
        "us" | "µs" => 0.000_001,
        "ms" => 0.001,
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "" => {
            return Err(format!("`{text}` has no unit; write it like \"30s\", \"500ms\", \"2m\" or \"1h\""));
        }
        other => return Err(format!("unknown unit `{other}`; use ms, s, m or h, as in \"30s\"")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a number and a unit such as \"30s\" or \"1.5s\""))?;
    match Duration::try_from_secs_f64(value * seconds_per_unit) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("a timeout must be longer than zero".to_owned()),
        Err(_) => Err(format!("`{text}` is too long a duration")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration(" 2m "), Ok(Duration::from_secs(120)));
        assert_eq!(duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(duration("30").unwrap_err().contains("no unit"));
        assert!(duration("30 sec").unwrap_err().contains("unknown unit `sec`"));
        assert!(duration("s").unwrap_err().contains("not a number"));
        assert!(duration("0s").unwrap_err().contains("longer than zero"));
    }
}
