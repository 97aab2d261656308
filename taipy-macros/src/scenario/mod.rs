//! `scenario!`: parse the declaration, check its wiring, expand to a typed scenario type.

mod attrs;
mod check;
mod expand;
mod parse;

use proc_macro2::TokenStream;

/// The macro's whole pipeline, with the one error path.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let def = match syn::parse2::<parse::Def>(input) {
        Ok(def) => def,
        Err(error) => return error.into_compile_error(),
    };
    match check::scenario(&def) {
        Ok(model) => {
            let tokens = expand::scenario(&model);
            crate::support::dump("scenario!", &def.name.to_string(), &tokens);
            tokens
        }
        // The type is still declared, with its methods and the accessors of its source
        // nodes, so uses of it elsewhere do not add errors to the real one.
        Err(error) => {
            let stub = expand::stub(&def);
            crate::support::with_error(stub, error)
        }
    }
}
