//! `#[derive(DataValue)]` for one-field newtypes: storage, loading and fingerprints delegate to
//! the field's type.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let parsed: DeriveInput = match syn::parse2(input) {
        Ok(parsed) => parsed,
        Err(error) => return error.into_compile_error(),
    };
    match derive(&parsed) {
        Ok(tokens) => {
            crate::support::dump("#[derive(DataValue)]", &parsed.ident.to_string(), &tokens);
            tokens
        }
        Err(error) => error.into_compile_error(),
    }
}

fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let root = crate::support::runtime();
    let name = &input.ident;
    let expected = "#[derive(DataValue)] applies to structs with exactly one field, such as \
                    `struct Scores(pub Vec<f64>);`; for a serde type use `taipy::serde_value!`";
    let data = match &input.data {
        Data::Struct(data) => data,
        Data::Enum(data) => {
            let keyword = data.enum_token;
            return Err(syn::Error::new_spanned(
                quote!(#keyword #name),
                format!(
                    "#[derive(DataValue)] applies to one-field structs, not to enums; for an enum, derive \
                     serde's `Serialize` and `Deserialize` and write `taipy::serde_value!({name});`"
                ),
            ));
        }
        Data::Union(data) => {
            let keyword = data.union_token;
            return Err(syn::Error::new_spanned(quote!(#keyword #name), expected));
        }
    };
    let fields: Vec<_> = data.fields.iter().collect();
    let [field] = fields.as_slice() else {
        return Err(syn::Error::new_spanned(name, expected));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(DataValue)] does not support generic newtypes: a data node holds one concrete type; \
             give the field a concrete type (`struct Scores(pub Vec<f64>);`) or implement `DataValue` by hand",
        ));
    }
    let inner = &field.ty;
    let (access, build) = match &data.fields {
        Fields::Named(_) => {
            let ident = field.ident.as_ref().expect("named field");
            (quote!(self.#ident), quote!(Self { #ident: value }))
        }
        _ => (quote!(self.0), quote!(Self(value))),
    };
    Ok(quote! {
        impl #root::__private::DataValue for #name {
            const EXTERNAL: bool = <#inner as #root::__private::DataValue>::EXTERNAL;
            const RELOAD_AFTER_STORE: bool = <#inner as #root::__private::DataValue>::RELOAD_AFTER_STORE;

            fn store(
                &self,
                cx: &#root::__private::StoreCx<'_>,
            ) -> #root::__private::Result<#root::__private::Stored, #root::__private::StoreError> {
                <#inner as #root::__private::DataValue>::store(&#access, cx)
            }

            fn load(
                stored: &#root::__private::Stored,
                cx: &#root::__private::StoreCx<'_>,
            ) -> #root::__private::Result<Self, #root::__private::StoreError> {
                let value = <#inner as #root::__private::DataValue>::load(stored, cx)?;
                #root::__private::Result::Ok(#build)
            }

            fn refresh(
                stored: &#root::__private::Stored,
                cx: &#root::__private::StoreCx<'_>,
            ) -> #root::__private::Result<#root::__private::Fingerprint, #root::__private::StoreError> {
                <#inner as #root::__private::DataValue>::refresh(stored, cx)
            }

            fn from_toml(
                value: &#root::toml::Value,
            ) -> #root::__private::Result<Self, #root::__private::String> {
                let value = <#inner as #root::__private::DataValue>::from_toml(value)?;
                #root::__private::Result::Ok(#build)
            }

            fn to_toml(&self) -> #root::__private::Option<#root::toml::Value> {
                <#inner as #root::__private::DataValue>::to_toml(&#access)
            }
        }
    })
}
