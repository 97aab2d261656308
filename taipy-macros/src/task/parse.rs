//! The options of `#[task(...)]`: `skippable = false`, `version = N`, `retries = N`,
//! `timeout = "30s"`, `lazy = true`.

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
    /// Whether the function only builds plans over its frame inputs (default `false`).
    pub(crate) lazy: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self { skippable: true, version: 0, retries: 0, timeout: None, lazy: false }
    }
}

const NAMES: [&str; 5] = ["skippable", "version", "retries", "timeout", "lazy"];
const KNOWN: &str = "`skippable = false`, `version = N`, `retries = N`, `timeout = \"30s\"` or `lazy = true`";

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
                ("lazy", Lit::Bool(b)) => options.lazy = b.value,
                ("lazy", other) => errors.push(expected(other, "`true` or `false`")),
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
                ("timeout", Lit::Str(s)) => match crate::duration_text::parse_duration(&s.value()) {
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
