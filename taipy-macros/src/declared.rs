//! The declared layout `#[derive(DataValue)]` emits for a serde struct or enum, used when the
//! runtime cannot trace the type's serde implementation (see `taipy-core/src/value/declared.rs`):
//! the declaration's head as text, and each field type once.
//!
//! The text is printed from the tokens by [`compact`], by token kind (never
//! `TokenStream::to_string()`, whose spacing is not promised): `Range<u32>`, `[u8; 4]`,
//! `&'static str`, `#[serde(rename = "x")]`.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Attribute, Data, DeriveInput, Fields, Type};

/// The head of `input`'s declaration (`#[serde(..)] Name { a: T, b: U }`, `Name(T, U)`,
/// `enum Name { A, B(T), C { x: U } }`) and its field types, each once, in order.
pub(crate) fn head(input: &DeriveInput) -> (String, Vec<Type>) {
    let mut types: Vec<Type> = Vec::new();
    let mut text = serde_attrs(&input.attrs);
    match &input.data {
        Data::Struct(data) => {
            text.push_str(&input.ident.to_string());
            text.push_str(&fields(&data.fields, &mut types));
        }
        Data::Enum(data) => {
            text.push_str(&format!("enum {} {{ ", input.ident));
            let variants: Vec<String> = data
                .variants
                .iter()
                .map(|v| format!("{}{}{}", serde_attrs(&v.attrs), v.ident, fields(&v.fields, &mut types)))
                .collect();
            text.push_str(&variants.join(", "));
            text.push_str(" }");
        }
        Data::Union(_) => {}
    }
    (text, types)
}

/// ` { a: T, b: U }`, `(T, U)` or nothing; adds each new field type to `types`.
fn fields(fields: &Fields, types: &mut Vec<Type>) -> String {
    let mut each = Vec::new();
    for field in fields {
        let ty = compact(field.ty.to_token_stream());
        if !types.iter().any(|t| compact(t.to_token_stream()) == ty) {
            types.push(field.ty.clone());
        }
        let name = field.ident.as_ref().map(|i| format!("{i}: ")).unwrap_or_default();
        each.push(format!("{}{name}{ty}", serde_attrs(&field.attrs)));
    }
    match fields {
        Fields::Named(_) => format!(" {{ {} }}", each.join(", ")),
        Fields::Unnamed(_) => format!("({})", each.join(", ")),
        Fields::Unit => String::new(),
    }
}

/// The `#[serde(..)]` attributes, each followed by a space: they change what the bytes mean.
fn serde_attrs(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .map(|a| format!("{} ", compact(a.to_token_stream())))
        .collect()
}

/// Tokens as text with the spacing a reader expects: a space between two words (identifiers,
/// literals), after `,` and `;`, and around `=` and `=>`; none elsewhere.
pub(crate) fn compact(tokens: TokenStream) -> String {
    let mut out = String::new();
    write_compact(tokens, &mut out);
    out
}

fn write_compact(tokens: TokenStream, out: &mut String) {
    // Whether the last token written was a word (so the next word needs a space).
    let mut after_word = false;
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&ident.to_string());
                after_word = true;
            }
            TokenTree::Literal(literal) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&literal.to_string());
                after_word = true;
            }
            TokenTree::Punct(punct) => {
                let c = punct.as_char();
                match c {
                    ',' | ';' => out.push_str(&format!("{c} ")),
                    '=' if punct.spacing() == proc_macro2::Spacing::Alone => {
                        if !out.ends_with(['=', '>', '<', '!']) {
                            out.push(' ');
                        }
                        out.push_str("= ");
                    }
                    _ => out.push(c),
                }
                // A lifetime's quote is followed by its name without a space (`'static`).
                after_word = false;
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_compact(group.stream(), out);
                let trimmed = out.trim_end().len();
                out.truncate(trimmed);
                out.push_str(close);
                after_word = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    #[test]
    fn types_and_attributes_read_as_written() {
        assert_eq!(compact(quote!(std::ops::Range<u32>)), "std::ops::Range<u32>");
        assert_eq!(compact(quote!(Vec<(u32, Option<f64>)>)), "Vec<(u32, Option<f64>)>");
        assert_eq!(compact(quote!([u8; 4])), "[u8; 4]");
        assert_eq!(compact(quote!(&'static str)), "&'static str");
        assert_eq!(compact(quote!(#[serde(rename = "x")])), "#[serde(rename = \"x\")]");
        assert_eq!(compact(quote!(#[serde(default, skip)])), "#[serde(default, skip)]");
    }

    #[test]
    fn the_head_lists_fields_in_order_and_each_type_once() {
        let input: DeriveInput = syn::parse_quote! {
            #[derive(Clone)]
            #[serde(rename = "Place")]
            struct Home { a: Range<u32>, #[serde(skip)] b: Range<u32>, c: Range<f64> }
        };
        let (text, types) = head(&input);
        assert_eq!(
            text,
            "#[serde(rename = \"Place\")] Home { a: Range<u32>, #[serde(skip)] b: Range<u32>, c: Range<f64> }"
        );
        let types: Vec<String> = types.iter().map(|t| compact(t.to_token_stream())).collect();
        assert_eq!(types, ["Range<u32>", "Range<f64>"]);

        let input: DeriveInput = syn::parse_quote! {
            enum Unit { Celsius, Kelvin { offset: f64 }, Pair(u8, String) }
        };
        assert_eq!(head(&input).0, "enum Unit { Celsius, Kelvin { offset: f64 }, Pair(u8, String) }");
    }
}
