//! The syntax of `scenario!`:
//!
//! ```text
//! /// docs
//! pub Name {
//!     source: Type = default,
//!     out = task(input, ...),
//!     (a, b) = task(input, ...),
//!     c = task(other, ...) as second_use,
//!     sequences { name: [task, ...], ... }
//! }
//! ```

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Path, Token, Type, Visibility, braced, bracketed, parenthesized};

/// A parsed `scenario!` call.
pub(crate) struct Def {
    /// Attributes on the scenario (its doc comments).
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) sources: Vec<Source>,
    pub(crate) tasks: Vec<Call>,
    pub(crate) sequences: Vec<Sequence>,
}

/// `name: Type = default` (the default may be missing: an error the check stage reports
/// unless a task produces the node).
pub(crate) struct Source {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) name: Ident,
    pub(crate) ty: Type,
    pub(crate) default: Option<Expr>,
}

/// `out = task(a, b)` or `(x, y) = task(a)`.
pub(crate) struct Call {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) outputs: Vec<Ident>,
    pub(crate) callee: Path,
    /// The parentheses around the arguments.
    pub(crate) paren: syn::token::Paren,
    pub(crate) args: Vec<Ident>,
    /// `... as name`: the task's name in the scenario, for a function used more than once.
    pub(crate) rename: Option<Ident>,
}

impl Call {
    /// The task's name in the scenario: its `as` name, or the function's name.
    pub(crate) fn id(&self) -> &Ident {
        self.rename.as_ref().unwrap_or(&self.callee.segments.last().expect("a path has a segment").ident)
    }
}

/// `name: [task, ...]` inside `sequences { ... }` (doc comments allowed, not kept).
pub(crate) struct Sequence {
    pub(crate) name: Ident,
    pub(crate) tasks: Vec<Ident>,
}

impl Parse for Def {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let name: Ident = input.parse()?;
        let body;
        braced!(body in input);
        let mut def = Def { attrs, vis, name, sources: Vec::new(), tasks: Vec::new(), sequences: Vec::new() };
        while !body.is_empty() {
            let attrs = body.call(Attribute::parse_outer)?;
            if body.peek(Ident) && body.peek2(syn::token::Brace) {
                let keyword: Ident = body.parse()?;
                if keyword != "sequences" {
                    return Err(syn::Error::new(
                        keyword.span(),
                        format!("expected `sequences {{ ... }}`, found `{keyword} {{`"),
                    ));
                }
                let inner;
                braced!(inner in body);
                while !inner.is_empty() {
                    def.sequences.push(sequence(&inner)?);
                    if inner.is_empty() {
                        break;
                    }
                    inner.parse::<Token![,]>()?;
                }
            } else if body.peek(syn::token::Paren) {
                let pattern;
                parenthesized!(pattern in body);
                let outputs = Punctuated::<Ident, Token![,]>::parse_terminated(&pattern)?;
                def.tasks.push(call(&body, attrs, outputs.into_iter().collect())?);
            } else if body.peek(Ident) && body.peek2(Token![=]) {
                let output: Ident = body.parse()?;
                def.tasks.push(call(&body, attrs, vec![output])?);
            } else if body.peek(Ident) && body.peek2(Token![:]) {
                let name: Ident = body.parse()?;
                body.parse::<Token![:]>()?;
                let ty: Type = body.parse()?;
                let default = if body.peek(Token![=]) {
                    body.parse::<Token![=]>()?;
                    Some(body.parse::<Expr>()?)
                } else {
                    None
                };
                def.sources.push(Source { attrs, name, ty, default });
            } else {
                return Err(body.error(
                    "expected a source node `name: Type = default`, a task `node = task(inputs, ...)`, \
                     or `sequences { name: [task, ...] }`",
                ));
            }
            if body.is_empty() {
                break;
            }
            body.parse::<Token![,]>()?;
        }
        Ok(def)
    }
}

fn call(input: ParseStream<'_>, attrs: Vec<Attribute>, outputs: Vec<Ident>) -> syn::Result<Call> {
    input.parse::<Token![=]>()?;
    let callee = Path::parse_mod_style(input)?;
    let args;
    let paren = parenthesized!(args in input);
    let args = Punctuated::<Ident, Token![,]>::parse_terminated(&args)?;
    let rename = if input.peek(Token![as]) {
        input.parse::<Token![as]>()?;
        Some(input.parse::<Ident>()?)
    } else {
        None
    };
    Ok(Call { attrs, outputs, callee, paren, args: args.into_iter().collect(), rename })
}

fn sequence(input: ParseStream<'_>) -> syn::Result<Sequence> {
    input.call(Attribute::parse_outer)?;
    if !input.peek(Ident) {
        return Err(input.error("expected a sequence `name: [task, ...]` in `sequences { ... }`"));
    }
    let name: Ident = input.parse()?;
    if !input.peek(Token![:]) {
        return Err(input.error(format!("expected `:` after sequence `{name}`; write `{name}: [task, ...]`")));
    }
    input.parse::<Token![:]>()?;
    if !input.peek(syn::token::Bracket) {
        return Err(input.error(format!(
            "expected the tasks of sequence `{name}` in square brackets: `{name}: [task, ...]`"
        )));
    }
    let list;
    bracketed!(list in input);
    let tasks = Punctuated::<Ident, Token![,]>::parse_terminated(&list)?;
    Ok(Sequence { name, tasks: tasks.into_iter().collect() })
}
