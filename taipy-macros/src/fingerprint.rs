//! The code fingerprint of a task: blake3 over a canonical encoding of token trees.
//!
//! The encoding sees what the compiler sees and nothing else: identifiers by their text,
//! punctuation by character and spacing, literals by their text, groups by their delimiters.
//! Spans (so formatting and comments) and doc attributes (`///`, `//!`, `#[doc = ...]`) are
//! left out, and so is a trailing comma where it cannot change the meaning (rustfmt adds and
//! removes those when it re-flows a list): before the closing delimiter of a list that has
//! another comma or is a parameter list. A trailing comma that makes a one-element tuple,
//! `(x,)`, is kept. Every token is tagged and variable-length text is length-prefixed, so
//! different token sequences never encode to the same bytes.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// The domain of every code fingerprint (the runtime hashes it again with the version salt).
const DOMAIN: &str = "taipy.task.tokens.v1";

/// Hashes token streams (the signature, then the body) into 32 bytes.
pub(crate) fn fingerprint(parts: &[&TokenStream]) -> [u8; 32] {
    let mut encoder = Encoder { hasher: blake3::Hasher::new_derive_key(DOMAIN) };
    for part in parts {
        encoder.stream(part, None);
        encoder.hasher.update(b"|");
    }
    *encoder.hasher.finalize().as_bytes()
}

struct Encoder {
    hasher: blake3::Hasher,
}

impl Encoder {
    fn stream(&mut self, tokens: &TokenStream, delimiter: Option<Delimiter>) {
        let mut trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        if let Some(delimiter) = delimiter
            && ignorable_trailing_comma(&trees, delimiter)
        {
            trees.pop();
        }
        let mut i = 0;
        while i < trees.len() {
            if let Some(skip) = doc_attribute_len(&trees[i..]) {
                i += skip;
                continue;
            }
            self.tree(&trees[i]);
            i += 1;
        }
    }

    fn tree(&mut self, tree: &TokenTree) {
        match tree {
            TokenTree::Ident(ident) => self.text(b'i', &ident.to_string()),
            TokenTree::Literal(literal) => self.text(b'l', &literal.to_string()),
            TokenTree::Punct(punct) => {
                let spacing = match punct.spacing() {
                    Spacing::Alone => b'a',
                    Spacing::Joint => b'j',
                };
                let mut buf = [0u8; 4];
                self.hasher.update(b"p");
                self.hasher.update(punct.as_char().encode_utf8(&mut buf).as_bytes());
                self.hasher.update(&[spacing]);
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => (b'(', b')'),
                    Delimiter::Brace => (b'{', b'}'),
                    Delimiter::Bracket => (b'[', b']'),
                    Delimiter::None => (b'<', b'>'),
                };
                self.hasher.update(&[b'g', open]);
                self.stream(&group.stream(), Some(group.delimiter()));
                self.hasher.update(&[b'g', close]);
            }
        }
    }

    fn text(&mut self, tag: u8, text: &str) {
        self.hasher.update(&[tag]);
        self.hasher.update(&(text.len() as u64).to_le_bytes());
        self.hasher.update(text.as_bytes());
    }
}

/// Whether the last of a group's `trees` is a comma that can go without changing the meaning.
fn ignorable_trailing_comma(trees: &[TokenTree], delimiter: Delimiter) -> bool {
    let is_punct = |tree: &TokenTree, c: char| matches!(tree, TokenTree::Punct(p) if p.as_char() == c);
    match trees.last() {
        Some(last) if is_punct(last, ',') => {}
        _ => return false,
    }
    if delimiter != Delimiter::Parenthesis {
        return true;
    }
    let body = &trees[..trees.len() - 1];
    // `(a, b,)`: still a list of two without the trailing comma.
    if body.iter().any(|t| is_punct(t, ',')) {
        return true;
    }
    // `(x: T,)`: a parameter list (a lone `:` at the top level; `::` is a path), never a tuple.
    body.iter().enumerate().any(|(i, t)| {
        let TokenTree::Punct(p) = t else { return false };
        let joint_with_next = p.spacing() == Spacing::Joint && body.get(i + 1).is_some_and(|n| is_punct(n, ':'));
        let after_colon = i > 0
            && matches!(&body[i - 1], TokenTree::Punct(q) if q.as_char() == ':' && q.spacing() == Spacing::Joint);
        p.as_char() == ':' && !joint_with_next && !after_colon
    })
}

/// If `trees` starts with a doc attribute (`#[doc ...]` or `#![doc ...]`), its length in trees.
fn doc_attribute_len(trees: &[TokenTree]) -> Option<usize> {
    let TokenTree::Punct(pound) = trees.first()? else { return None };
    if pound.as_char() != '#' {
        return None;
    }
    let (bang, group) = match trees.get(1)? {
        TokenTree::Punct(bang) if bang.as_char() == '!' => (1, trees.get(2)?),
        other => (0, other),
    };
    let TokenTree::Group(group) = group else { return None };
    if group.delimiter() != Delimiter::Bracket {
        return None;
    }
    match group.stream().into_iter().next() {
        Some(TokenTree::Ident(ident)) if ident == "doc" => Some(2 + bang),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(source: &str) -> [u8; 32] {
        let item: syn::ItemFn = syn::parse_str(source).unwrap();
        let sig = quote::ToTokens::to_token_stream(&item.sig);
        let body = quote::ToTokens::to_token_stream(&item.block);
        fingerprint(&[&sig, &body])
    }

    const BASE: &str =
        "fn score(x: f64, limit: f64) -> f64 { let y = x * 1.5; if y > limit { y } else { 0.0 } }";

    #[test]
    fn formatting_and_comments_do_not_change_it() {
        let reformatted = "fn score(
            x: f64,
            limit: f64,
        ) -> f64 {
            // a comment
            let y = x * 1.5; /* another */
            if y > limit {
                y
            } else {
                0.0
            }
        }";
        assert_eq!(fp(BASE), fp(reformatted));
    }

    #[test]
    fn doc_comments_do_not_change_it() {
        let documented = "fn score(x: f64, limit: f64) -> f64 {
            //! inner docs
            /// docs on a statement
            let y = x * 1.5;
            #[doc = \"explicit doc attribute\"]
            if y > limit { y } else { 0.0 }
        }";
        assert_eq!(fp(BASE), fp(documented));
    }

    #[test]
    fn trailing_commas_rustfmt_moves_do_not_change_it() {
        let vertical = "fn score(
            x: f64,
            limit: f64,
        ) -> f64 {
            let y = x * 1.5;
            if y > limit { y } else { 0.0 }
        }";
        assert_eq!(fp(BASE), fp(vertical));
        assert_eq!(fp("fn f(x: i64) -> i64 { x }"), fp("fn f(x: i64,) -> i64 { x }"));
        assert_eq!(fp("fn f() -> Vec<i64> { vec![1, 2] }"), fp("fn f() -> Vec<i64> { vec![1, 2,] }"));
        assert_eq!(
            fp("fn f(x: i64) -> i64 { match x { 0 => 1, _ => 2 } }"),
            fp("fn f(x: i64) -> i64 { match x { 0 => 1, _ => 2, } }")
        );
    }

    #[test]
    fn a_one_element_tuple_keeps_its_comma() {
        assert_ne!(fp("fn f(x: i64) -> (i64,) { (x,) }"), fp("fn f(x: i64) -> (i64,) { (x) }"));
        assert_ne!(fp("fn f() { let _t: (i64,) = (1,); }"), fp("fn f() { let _t: (i64) = (1); }"));
        // A path is not a parameter list.
        assert_ne!(fp("fn f() { let _t = (a::B,); }"), fp("fn f() { let _t = (a::B); }"));
    }

    #[test]
    fn one_literal_changes_it() {
        let changed = BASE.replace("1.5", "1.6");
        assert_ne!(fp(BASE), fp(&changed));
    }

    #[test]
    fn identifiers_operators_and_delimiters_change_it() {
        assert_ne!(fp(BASE), fp(&BASE.replace("limit", "bound")));
        assert_ne!(fp(BASE), fp(&BASE.replace("y > limit", "y >= limit")));
        assert_ne!(fp("fn f() -> i64 { (1) }"), fp("fn f() -> i64 { {1} }"));
        // Attributes other than docs count.
        assert_ne!(fp("fn f() { let _x = 1; }"), fp("fn f() { #[allow(unused)] let _x = 1; }"));
    }

    #[test]
    fn text_boundaries_are_unambiguous() {
        // Length prefixes: `ab` + `c` differs from `a` + `bc`.
        let a: TokenStream = "ab c".parse().unwrap();
        let b: TokenStream = "a bc".parse().unwrap();
        assert_ne!(fingerprint(&[&a]), fingerprint(&[&b]));
        // Spacing: `- -` is not `--`... as tokens `a - -b` and `a --b` differ in spacing.
        let c: TokenStream = "a - -b".parse().unwrap();
        let d: TokenStream = "a --b".parse().unwrap();
        assert_ne!(fingerprint(&[&c]), fingerprint(&[&d]));
    }
}
