//! `#[derive(DataValue)]`:
//! - a one-field struct (newtype) delegates storage, loading, fingerprints and layout to its
//!   field's type, so `struct Scores(pub LazyFrame);` is stored as a frame;
//! - any other struct, and any enum, is stored as serde's postcard bytes (what
//!   `taipy::serde_value!` writes for foreign types), with the layout traced from its serde
//!   implementation, or when that cannot be traced, the layout its declaration writes
//!   (`declared.rs`); it must derive serde's `Serialize` and `Deserialize`, which a hidden
//!   bound checks with a message that says so.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
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

/// How a type is stored.
enum Shape<'a> {
    /// One field: delegate to it.
    Newtype(&'a syn::Field, &'a Fields),
    /// Several fields, or an enum: serde.
    Serde,
}

fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let name = &input.ident;
    let shape = match &input.data {
        Data::Struct(data) => match data.fields.iter().collect::<Vec<_>>().as_slice() {
            [] => {
                return Err(syn::Error::new_spanned(
                    name,
                    "#[derive(DataValue)] needs a struct with fields (a newtype such as \
                     `struct Scores(pub Vec<f64>);`, or a serde struct) or an enum: a struct \
                     without fields holds no value",
                ));
            }
            [field] => Shape::Newtype(field, &data.fields),
            _ => Shape::Serde,
        },
        Data::Enum(_) => Shape::Serde,
        Data::Union(data) => {
            let keyword = data.union_token;
            return Err(syn::Error::new_spanned(
                quote!(#keyword #name),
                "#[derive(DataValue)] applies to structs and enums, not to unions",
            ));
        }
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(DataValue)] does not support generic types: a data node holds one concrete type; \
             give the fields concrete types (`struct Scores(pub Vec<f64>);`) or implement `DataValue` by hand",
        ));
    }
    Ok(match shape {
        Shape::Newtype(field, fields) => newtype(name, field, fields),
        Shape::Serde => serde(input),
    })
}

/// Delegates every operation to the one field's type.
fn newtype(name: &syn::Ident, field: &syn::Field, fields: &Fields) -> TokenStream {
    let root = crate::support::runtime();
    let inner = &field.ty;
    let (access, build) = match fields {
        Fields::Named(_) => {
            let ident = field.ident.as_ref().expect("named field");
            (quote!(self.#ident), quote!(Self { #ident: value }))
        }
        _ => (quote!(self.0), quote!(Self(value))),
    };
    quote! {
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

            fn plan(&self) -> #root::__private::Option<#root::__private::FramePlan> {
                <#inner as #root::__private::DataValue>::plan(&#access)
            }

            fn from_plan(plan: #root::__private::FramePlan) -> #root::__private::Option<Self> {
                let value = <#inner as #root::__private::DataValue>::from_plan(plan)?;
                #root::__private::Option::Some(#build)
            }

            fn layout() -> #root::__private::Option<#root::__private::Layout> {
                <#inner as #root::__private::DataValue>::layout()
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

            fn table_page(
                &self,
                rows: ::core::ops::Range<usize>,
            ) -> #root::__private::Option<#root::__private::Result<#root::__private::TablePage, #root::__private::String>> {
                <#inner as #root::__private::DataValue>::table_page(&#access, rows)
            }

            fn file_formats() -> #root::__private::FileFormats {
                <#inner as #root::__private::DataValue>::file_formats()
            }

            fn write_file(
                &self,
                spec: &#root::__private::FileSpec<'_>,
            ) -> #root::__private::Result<(), #root::__private::String> {
                <#inner as #root::__private::DataValue>::write_file(&#access, spec)
            }

            fn read_file(
                spec: &#root::__private::FileSpec<'_>,
            ) -> #root::__private::Result<Self, #root::__private::String> {
                let value = <#inner as #root::__private::DataValue>::read_file(spec)?;
                #root::__private::Result::Ok(#build)
            }
        }

        impl<K: #root::__private::Kind> #root::__private::Holds<K> for #name where #inner: #root::__private::Holds<K> {}
    }
}

/// postcard bytes, as `serde_value!` writes them. The `SerdeValue` bound (spanned on the type's
/// name) is the one error a type without serde's derives gets. The layout is the traced one, or
/// the declared one when the type cannot be traced.
fn serde(input: &DeriveInput) -> TokenStream {
    let name = &input.ident;
    let root = crate::support::runtime();
    let (head, types) = crate::declared::head(input);
    let written = types.iter().map(|ty| crate::declared::compact(quote!(#ty)));
    let bound = quote_spanned!(name.span()=> #name: #root::__private::SerdeValue);
    let api = quote!(<Self as #root::__private::SerdeValue>);
    quote! {
        impl #root::__private::DataValue for #name where #bound {
            fn store(
                &self,
                _cx: &#root::__private::StoreCx<'_>,
            ) -> #root::__private::Result<#root::__private::Stored, #root::__private::StoreError> {
                #api::encode(self)
            }

            fn load(
                stored: &#root::__private::Stored,
                _cx: &#root::__private::StoreCx<'_>,
            ) -> #root::__private::Result<Self, #root::__private::StoreError> {
                #api::decode(stored)
            }

            fn layout() -> #root::__private::Option<#root::__private::Layout> {
                #api::layout().or_else(|| {
                    #[allow(unused_imports)]
                    use #root::__private::{ProbeDataValue as _, ProbeNone as _, ProbeSerde as _};
                    let fields: &[#root::__private::DeclaredField] = &[#((
                        #written,
                        || (&&&#root::__private::Probe::<#types>::NEW).layout_of(),
                    )),*];
                    #root::__private::Option::Some(#root::__private::declared_layout::<Self>(#head, fields))
                })
            }

            fn from_toml(
                value: &#root::toml::Value,
            ) -> #root::__private::Result<Self, #root::__private::String> {
                #api::from_toml(value)
            }

            fn to_toml(&self) -> #root::__private::Option<#root::toml::Value> {
                #api::to_toml(self)
            }

            fn file_formats() -> #root::__private::FileFormats {
                #root::__private::serde_formats()
            }

            fn write_file(
                &self,
                spec: &#root::__private::FileSpec<'_>,
            ) -> #root::__private::Result<(), #root::__private::String> {
                #api::write_file(self, spec)
            }

            fn read_file(
                spec: &#root::__private::FileSpec<'_>,
            ) -> #root::__private::Result<Self, #root::__private::String> {
                #api::read_file(spec)
            }
        }

        impl #root::__private::Holds<#root::__private::kind::Json> for #name where #bound {}
        impl #root::__private::Holds<#root::__private::kind::Binary> for #name where #bound {}
        impl #root::__private::Holds<#root::__private::kind::S3Object> for #name where #bound {}
    }
}
