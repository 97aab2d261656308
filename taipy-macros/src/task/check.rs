//! What makes a function a task: a plain `fn` (no `async`, generics, `self`, `impl Trait`,
//! `&mut`), whose parameters and result can be stored. Storability itself is checked by
//! rustc at each type's span (see `expand.rs`); this stage rejects shapes no task can have.

use syn::spanned::Spanned;
use syn::{FnArg, GenericParam, Item, ItemFn, Pat, ReturnType, Safety, Type};

/// A function accepted as a task.
pub(crate) struct Task {
    /// The function, exactly as written.
    pub(crate) item: ItemFn,
    /// Its parameters.
    pub(crate) params: Vec<Param>,
    /// Its return type (`()` when omitted).
    pub(crate) output: Type,
}

/// One parameter: the type of the node it reads, and how the function takes it.
pub(crate) struct Param {
    /// The parameter's name, when its pattern is a plain identifier.
    pub(crate) name: Option<syn::Ident>,
    /// The type stored in the node: `T` for both `T` and `&T` (`String` for `&str`, `Vec<T>`
    /// for `&[T]`).
    pub(crate) stored: Type,
    /// Whether the function takes `&T` (passed through) rather than `T` (cloned).
    pub(crate) by_ref: bool,
}

/// Checks the item; every problem is reported, each at its own tokens.
pub(crate) fn task(item: Item) -> syn::Result<Task> {
    let item = match item {
        Item::Fn(item) => item,
        other => {
            let what = describe(&other);
            return Err(syn::Error::new_spanned(
                head(&other),
                format!(
                    "#[task] applies to functions, not to {what}; write a `fn` taking its inputs as parameters"
                ),
            ));
        }
    };
    let mut errors = Vec::new();
    let sig = &item.sig;
    if let Some(asyncness) = &sig.asyncness {
        errors.push(syn::Error::new_spanned(
            asyncness,
            "a task cannot be an `async fn`: the orchestrator runs tasks on worker threads; make it a plain `fn`",
        ));
    }
    if let Safety::Unsafe(token) = &sig.safety {
        errors.push(syn::Error::new_spanned(
            token,
            "a task cannot be an `unsafe fn`: the orchestrator calls it as a safe function; \
             make it a plain `fn` and put the unsafe code in an `unsafe` block inside",
        ));
    }
    let generics = &sig.generics;
    if !generics.params.is_empty() || generics.where_clause.is_some() {
        let lifetimes: Option<Vec<String>> = generics
            .params
            .iter()
            .map(|p| match p {
                GenericParam::Lifetime(l) => Some(l.lifetime.to_string()),
                _ => None,
            })
            .collect();
        let message = match lifetimes {
            Some(lifetimes) if generics.where_clause.is_none() => format!(
                "a task cannot declare lifetimes: its inputs are borrowed from the store for one call; \
                 remove `<{}>` and write reference parameters as `&T`",
                lifetimes.join(", ")
            ),
            _ => "a task cannot be generic: a data node holds one concrete type; write the function for \
                  concrete types"
                .to_owned(),
        };
        errors.push(syn::Error::new_spanned(generics, message));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            "a task cannot be variadic: each input is one data node; declare one parameter per input",
        ));
    }
    let mut params = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => errors.push(syn::Error::new_spanned(
                receiver,
                "a task cannot take `self`: tasks are free functions; move it out of the `impl` block",
            )),
            FnArg::Typed(typed) => {
                let name = match &*typed.pat {
                    Pat::Ident(p) => Some(p.ident.clone()),
                    _ => None,
                };
                let (stored, by_ref) = match &*typed.ty {
                    Type::Reference(r) if r.mutability.is_some() => {
                        errors.push(syn::Error::new_spanned(
                            &typed.ty,
                            "a task cannot take `&mut`: inputs are shared and read-only; take `&T` or `T`",
                        ));
                        continue;
                    }
                    Type::Reference(r) if r.lifetime.is_some() => {
                        let elem = quote::ToTokens::to_token_stream(&r.elem).to_string().replace(' ', "");
                        errors.push(syn::Error::new_spanned(
                            &typed.ty,
                            format!(
                                "a task's reference parameters cannot name a lifetime: its inputs are \
                                 borrowed from the store for one call; write `&{elem}`"
                            ),
                        ));
                        continue;
                    }
                    Type::Reference(r) => (borrowed_to_stored(&r.elem), true),
                    other => (other.clone(), false),
                };
                if let Some(bad) = impl_trait(&stored) {
                    errors.push(syn::Error::new_spanned(
                        bad,
                        "a task cannot take `impl Trait`: a data node holds one concrete type",
                    ));
                    continue;
                }
                params.push(Param { name, stored, by_ref });
            }
        }
    }
    let output = match &sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => {
            if let Some(bad) = impl_trait(ty) {
                errors.push(syn::Error::new_spanned(
                    bad,
                    "a task cannot return `impl Trait`: a data node holds one concrete type",
                ));
            }
            (**ty).clone()
        }
    };
    crate::support::combine(errors)?;
    Ok(Task { item, params, output })
}

/// The node type a `&T` parameter reads: `T`, except that `&str` reads a `String` and `&[T]`
/// a `Vec<T>` (deref coercion passes them), as clippy would have the function written.
fn borrowed_to_stored(elem: &Type) -> Type {
    match elem {
        Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
            syn::parse_quote_spanned!(syn::spanned::Spanned::span(elem)=> ::std::string::String)
        }
        Type::Slice(slice) => {
            let inner = &slice.elem;
            syn::parse_quote_spanned!(syn::spanned::Spanned::span(elem)=> ::std::vec::Vec<#inner>)
        }
        other => other.clone(),
    }
}

fn impl_trait(ty: &Type) -> Option<&Type> {
    match ty {
        Type::ImplTrait(_) => Some(ty),
        Type::Paren(p) => impl_trait(&p.elem),
        Type::Tuple(t) => t.elems.iter().find_map(impl_trait),
        _ => None,
    }
}

/// The tokens naming an item: its keyword and name (`struct Foo`), so errors stay short.
fn head(item: &Item) -> proc_macro2::TokenStream {
    use quote::quote;
    match item {
        Item::Struct(s) => {
            let (kw, ident) = (&s.struct_token, &s.ident);
            quote!(#kw #ident)
        }
        Item::Enum(e) => {
            let (kw, ident) = (&e.enum_token, &e.ident);
            quote!(#kw #ident)
        }
        Item::Const(c) => {
            let (kw, ident) = (&c.const_token, &c.ident);
            quote!(#kw #ident)
        }
        Item::Static(s) => {
            let (kw, ident) = (&s.static_token, &s.ident);
            quote!(#kw #ident)
        }
        Item::Mod(m) => {
            let (kw, ident) = (&m.mod_token, &m.ident);
            quote!(#kw #ident)
        }
        Item::Trait(t) => {
            let (kw, ident) = (&t.trait_token, &t.ident);
            quote!(#kw #ident)
        }
        Item::Type(t) => {
            let (kw, ident) = (&t.type_token, &t.ident);
            quote!(#kw #ident)
        }
        Item::Impl(i) => {
            let kw = &i.impl_token;
            let ty = &i.self_ty;
            quote!(#kw #ty)
        }
        other => {
            let span = other.span();
            quote::quote_spanned!(span=> item)
        }
    }
}

fn describe(item: &Item) -> &'static str {
    match item {
        Item::Struct(_) => "structs",
        Item::Enum(_) => "enums",
        Item::Const(_) => "constants",
        Item::Static(_) => "statics",
        Item::Mod(_) => "modules",
        Item::Trait(_) => "traits",
        Item::Type(_) => "type aliases",
        Item::Impl(_) => "impl blocks (put #[task] on free functions)",
        Item::Use(_) => "imports",
        _ => "this kind of item",
    }
}
