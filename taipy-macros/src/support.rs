//! What both macros share: the runtime's path, the one error path, and the expansion dump.

use proc_macro_crate::{FoundCrate, crate_name};
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
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

/// A readable rendering for humans: items and statements on their own lines, braces indented,
/// attributes on lines of their own.
pub(crate) fn pretty(tokens: &TokenStream) -> String {
    let mut printer = Printer { out: String::new(), depth: 0, joint: false };
    printer.stream(tokens.clone());
    printer.out
}

struct Printer {
    out: String,
    depth: usize,
    /// Whether the last token was a punctuation joint to the next one.
    joint: bool,
}

impl Printer {
    fn stream(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, tree) in trees.iter().enumerate() {
            self.joint = false;
            match tree {
                TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                    self.space();
                    self.out.push('{');
                    self.depth += 1;
                    self.newline();
                    self.stream(group.stream());
                    self.depth -= 1;
                    self.newline();
                    self.out.push('}');
                    self.newline();
                }
                TokenTree::Group(group) => {
                    let (open, close) = match group.delimiter() {
                        Delimiter::Parenthesis => ('(', ')'),
                        Delimiter::Bracket => ('[', ']'),
                        _ => (' ', ' '),
                    };
                    // Calls, indexing and macro calls glue to what precedes them.
                    let glue = self.out.ends_with(|c: char| c.is_alphanumeric() || "_!>)]&#(".contains(c));
                    if !glue {
                        self.space();
                    }
                    self.out.push(open);
                    self.stream(group.stream());
                    self.trim();
                    self.out.push(close);
                    let after_pound =
                        i > 0 && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '#');
                    if group.delimiter() == Delimiter::Bracket && after_pound {
                        self.newline();
                    }
                }
                TokenTree::Punct(punct) => {
                    let c = punct.as_char();
                    let second_colon = c == ':' && self.out.ends_with(':');
                    if self.joint {
                        // The second character of `->`, `::`, `=>`, `+=`...
                    } else if matches!(c, ',' | ';' | '.' | '?')
                        || (c == ':' && punct.spacing() == Spacing::Alone)
                    {
                        self.trim_all();
                    } else if c == ':' {
                        if ends_with_keyword(&self.out) {
                            self.space();
                        }
                    } else if !matches!(c, '<' | '>' | '!') {
                        self.space();
                    }
                    self.out.push(c);
                    self.joint = punct.spacing() == Spacing::Joint;
                    if c == ';' {
                        self.newline();
                    } else if !self.joint && !matches!(c, '&' | '#' | '!' | '.' | '<' | '\'') && !second_colon
                    {
                        self.out.push(' ');
                    }
                    continue;
                }
                other => self.word(&other.to_string()),
            }
        }
    }

    fn word(&mut self, word: &str) {
        let glued = self.out.ends_with(|c: char| "([.&#!<'".contains(c)) || self.out.ends_with("::");
        if !glued {
            self.space();
        }
        self.out.push_str(word);
    }

    fn space(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with([' ', '\n']) {
            self.out.push(' ');
        }
    }

    fn trim_all(&mut self) {
        while self.out.ends_with(char::is_whitespace) {
            self.out.pop();
        }
    }

    fn trim(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
    }

    fn newline(&mut self) {
        self.trim();
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out.push_str(&"    ".repeat(self.depth));
    }
}

fn ends_with_keyword(out: &str) -> bool {
    let word = out.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
    matches!(
        word,
        "impl"
            | "as"
            | "for"
            | "in"
            | "dyn"
            | "where"
            | "return"
            | "let"
            | "mut"
            | "const"
            | "static"
            | "type"
    )
}
