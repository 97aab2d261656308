//! The expansion of `#[task]`: the function unchanged, then a hidden type with the function's
//! name (types and functions live in different namespaces, so `use path::to::f` imports
//! both) implementing `TaskDescriptor`, and its registration with inventory.
//!
//! Every use of a parameter or return type is spanned at that type, so a type that cannot be
//! stored is reported there, once.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::check::Task;
use super::parse::Options;

pub(crate) fn task(task: &Task, options: &Options) -> TokenStream {
    let root = crate::support::runtime();
    let item = &task.item;
    let vis = &item.vis;
    let name = &item.sig.ident;
    let name_str = name.to_string();
    let output = &task.output;
    let output_span = output.span();

    let code = crate::fingerprint::fingerprint(&[&item.sig.to_token_stream(), &item.block.to_token_stream()]);
    let version = options.version;
    let skippable = options.skippable;
    let retries = options.retries;
    let lazy = options.lazy;
    let timeout = options.timeout.map(|t| {
        let nanos = u64::try_from(t.as_nanos()).unwrap_or(u64::MAX);
        quote!(.timeout(::core::time::Duration::from_nanos(#nanos)))
    });

    let stored: Vec<_> = task.params.iter().map(|p| &p.stored).collect();
    let typed_params = task.params.iter().enumerate().map(|(i, p)| {
        let ident = p.name.clone().unwrap_or_else(|| format_ident!("input{i}"));
        let ty = &p.stored;
        quote_spanned!(ident.span()=> #ident: #ty)
    });
    let reads = task.params.iter().enumerate().map(|(i, p)| {
        let var = format_ident!("__input{i}");
        let ty = &p.stored;
        quote_spanned!(ty.span()=> let #var = #root::__private::input::<#ty>(__taipy_inputs, #i)?;)
    });
    let passes = task.params.iter().enumerate().map(|(i, p)| {
        let var = format_ident!("__input{i}");
        let ty = &p.stored;
        if p.by_ref {
            quote!(#var)
        } else {
            quote_spanned!(ty.span()=> <#ty as ::core::clone::Clone>::clone(#var))
        }
    });
    let param_names = task.params.iter().map(|p| {
        p.name.as_ref().map(|ident| ident.to_string().trim_start_matches("r#").to_owned()).unwrap_or_default()
    });
    let input_types =
        stored.iter().map(|ty| quote_spanned!(ty.span()=> #root::__private::ValueType::of::<#ty>()));

    let output_types =
        quote_spanned!(output_span=> <#output as #root::__private::TaskOutput>::output_types());
    let into_outputs =
        quote_spanned!(output_span=> <#output as #root::__private::TaskOutput>::into_outputs(__taipy_result));

    quote! {
        #item

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, unreachable_pub)]
        #vis struct #name {}

        #[doc(hidden)]
        #[allow(dead_code, unused_variables, unreachable_pub, clippy::all)]
        impl #name {
            /// The task's signature with its inputs taken by value: what `scenario!` type-checks
            /// its arguments against. Never called.
            #[doc(hidden)]
            #vis fn __taipy_typed(#(#typed_params),*) -> #output {
                #root::__private::placeholder()
            }

            /// The erased runner: reads the inputs, calls the function, erases its outputs.
            #[doc(hidden)]
            fn __taipy_run(
                __taipy_inputs: &[#root::__private::AnyValue],
            ) -> #root::__private::Result<#root::__private::Vec<#root::__private::AnyValue>, #root::__private::TaskError> {
                #(#reads)*
                let __taipy_result: #output = #name(#(#passes),*);
                #into_outputs
            }

            /// A task config named `id` running this function.
            #[doc(hidden)]
            fn __taipy_make(id: &str) -> #root::__private::TaskConfig {
                #root::__private::TaskConfig::from_erased(
                    id,
                    Self::__taipy_run,
                    #root::__private::Vec::from([#(#input_types),*]),
                    #output_types,
                )
                .code_fingerprint(<Self as #root::__private::TaskDescriptor>::ENTRY.code)
                .version(#version)
                .skippable(#skippable)
                .retries(#retries)
                .lazy(#lazy)
                #timeout
            }
        }

        impl #root::__private::TaskDescriptor for #name {
            type Inputs = (#(#stored,)*);
            type Output = #output;
            const ENTRY: #root::__private::TaskEntry = #root::__private::TaskEntry {
                id: ::core::concat!(::core::module_path!(), "::", #name_str),
                name: #name_str,
                params: &[#(#param_names),*],
                code: #root::__private::Fingerprint([#(#code),*]),
                version: #version,
                skippable: #skippable,
                make: #name::__taipy_make,
            };
        }

        #root::__private::inventory::submit! {
            <#name as #root::__private::TaskDescriptor>::ENTRY
        }
    }
}
