//! The options of `#[task(...)]`: `skippable = false`, `version = N`.

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, Lit, Token};

/// The options, with their defaults.
pub(crate) struct Options {
    /// Whether results may be reused (default `true`).
    pub(crate) skippable: bool,
    /// A salt for changes the fingerprint cannot see (default 0).
    pub(crate) version: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self { skippable: true, version: 0 }
    }
}

const KNOWN: &str = "`skippable = false` or `version = N`";

/// Parses the options; unknown and repeated options are errors on the option's name, and all
/// of them are reported together.
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
            } else if key == "skippable" || key == "version" {
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
