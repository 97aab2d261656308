//! `#[task]`: parse the options and the item, check that the function can be a task, expand
//! to the function unchanged plus its hidden descriptor.

mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;

/// The attribute's whole pipeline, with the one error path.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let options = parse::options(args);
    let parsed = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(parsed) => parsed,
        Err(error) => return crate::support::with_error(item, error),
    };
    let emitted_on_error = without_variadic(&parsed).unwrap_or_else(|| item.clone());
    let result = match (options, check::task(parsed)) {
        (Ok(options), Ok(task)) => Ok(expand::task(&task, &options)),
        // Only the options are wrong: the descriptor is still generated (with the default
        // options), so scenarios using the task add no errors of their own.
        (Err(error), Ok(task)) => {
            let mut tokens = expand::task(&task, &parse::Options::default());
            tokens.extend(error.into_compile_error());
            return tokens;
        }
        (Err(mut a), Err(b)) => {
            a.combine(b);
            Err(a)
        }
        (Ok(_), Err(e)) => Err(e),
    };
    match result {
        Ok(tokens) => {
            crate::support::dump("#[task]", &name_of(&item), &tokens);
            tokens
        }
        Err(error) => crate::support::with_error(emitted_on_error, error),
    }
}

/// A variadic function with its `...` removed. rustc rejects `...` outside `extern` functions
/// with errors of its own; emitted without it beside the task's error, the function adds none.
fn without_variadic(item: &syn::Item) -> Option<TokenStream> {
    let syn::Item::Fn(function) = item else { return None };
    function.sig.variadic.as_ref()?;
    let mut function = function.clone();
    function.sig.variadic = None;
    Some(quote::ToTokens::into_token_stream(function))
}

fn name_of(item: &TokenStream) -> String {
    let mut after_fn = false;
    for tree in item.clone() {
        if let proc_macro2::TokenTree::Ident(ident) = tree {
            if after_fn {
                return ident.to_string();
            }
            after_fn = ident == "fn";
        }
    }
    String::new()
}
