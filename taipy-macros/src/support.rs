//! What both macros share: the runtime's path, the one error path, and the expansion dump.

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};

/// The path of the runtime crate as the caller names it: `::taipy` for users of the facade
/// (renamed dependencies too), `::taipy_core` inside taipy-core and for its direct users.
pub(crate) fn runtime() -> TokenStream {
    for package in ["taipy", "taipy-core"] {
        match crate_name(package) {
            // Inside the package itself (its lib, tests, examples), `extern crate self as ...`
            // or the implicit dependency of tests make the package's own name resolve.
            Ok(FoundCrate::Itself) => {
                let name = format_ident!("{}", package.replace('-', "_"));
                return quote!(::#name);
            }
            Ok(FoundCrate::Name(name)) => {
                let name = format_ident!("{name}");
                return quote!(::#name);
            }
            Err(_) => {}
        }
    }
    quote!(::taipy)
}

/// The one error path: the user's tokens unchanged, followed by the errors, so a mistake gives
/// its own message instead of a cascade of "cannot find ...".
pub(crate) fn with_error(item: impl ToTokens, error: syn::Error) -> TokenStream {
    let mut tokens = item.into_token_stream();
    tokens.extend(error.into_compile_error());
    tokens
}

/// Merges independent errors into one (rustc then reports each).
pub(crate) fn combine(errors: Vec<syn::Error>) -> syn::Result<()> {
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            for error in errors {
                first.combine(error);
            }
            Err(first)
        }
    }
}

/// With `TAIPY_EXPAND=1` (every call) or `TAIPY_EXPAND=<name>` (the task or scenario named so),
/// prints a macro call's expansion to stderr. Cargo does not track this variable: touch the
/// file (or `cargo clean -p <crate>`) to see the expansion of an unchanged crate.
pub(crate) fn dump(macro_name: &str, item_name: &str, tokens: &TokenStream) {
    let Ok(wanted) = std::env::var("TAIPY_EXPAND") else { return };
    let wanted = wanted.trim();
    if wanted == "1" || wanted == "all" || wanted == item_name {
        eprintln!(
            "// ---- {macro_name} `{item_name}` expands to:\n{}\n// ---- end of `{item_name}`",
            pretty(tokens)
        );
    }
}

/// A readable rendering for humans: one statement or item per line, indented by braces.
fn pretty(tokens: &TokenStream) -> String {
    let flat = tokens.to_string().replace('\n', " ");
    let mut out = String::with_capacity(flat.len() + flat.len() / 8);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut previous = '\0';
    for c in flat.chars() {
        if c == '"' && previous != '\\' {
            in_string = !in_string;
        }
        if in_string {
            out.push(c);
            previous = c;
            continue;
        }
        match c {
            '{' => {
                depth += 1;
                out.push_str("{\n");
                out.push_str(&"    ".repeat(depth));
            }
            '}' => {
                depth = depth.saturating_sub(1);
                while out.ends_with(' ') {
                    out.pop();
                }
                out.push('\n');
                out.push_str(&"    ".repeat(depth));
                out.push_str("}\n");
                out.push_str(&"    ".repeat(depth));
            }
            ';' => {
                out.push_str(";\n");
                out.push_str(&"    ".repeat(depth));
            }
            ' ' if out.ends_with(' ') || out.ends_with('\n') => {}
            _ => out.push(c),
        }
        previous = c;
    }
    out
}
