//! The expansion of `scenario!`: a struct wrapping a `Scenario`, its config built once, typed
//! node accessors, submit methods, registration, and hidden type checks whose errors land on
//! the user's tokens (an argument of the wrong type, a default of the wrong type, a pattern
//! naming more outputs than the task returns).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Attribute;
use syn::spanned::Spanned;

use super::check::{Model, Node};

pub(crate) fn scenario(model: &Model<'_>) -> TokenStream {
    let root = crate::support::runtime();
    let def = model.def;
    let (attrs, vis, name) = (&def.attrs, &def.vis, &def.name);
    let name_str = name.to_string();

    let node_type = |node: &Node<'_>| -> TokenStream {
        match (node.declared, node.producer) {
            (Some(ty), _) => quote!(#ty),
            (None, Some((t, o))) => {
                let callee = &def.tasks[t].callee;
                quote!(#root::__private::OutputOf<#callee, #o>)
            }
            (None, None) => unreachable!("checked: every node has a type"),
        }
    };

    // The config.
    let declared_nodes = model.nodes.iter().filter_map(|node| {
        let ty = node.declared?;
        let id = node.name.to_string();
        Some(match node.default {
            Some(default) => quote! {
                .node(#root::__private::DataNodeConfig::with_default::<#ty>(#id, #default))
            },
            None => quote!(.node(#root::__private::DataNodeConfig::new::<#ty>(#id))),
        })
    });
    let tasks = def.tasks.iter().map(|call| {
        let callee = &call.callee;
        let id = call.id().to_string();
        let inputs = call.args.iter().map(|a| a.to_string());
        let outputs = call.outputs.iter().map(|o| o.to_string());
        quote! {
            .task(
                <#callee as #root::__private::TaskDescriptor>::ENTRY
                    .task_config(#id)
                    .inputs([#(#inputs),*])
                    .outputs([#(#outputs),*])
            )
        }
    });
    let sequences = def.sequences.iter().map(|s| {
        let seq = s.name.to_string();
        let tasks = s.tasks.iter().map(|t| t.to_string());
        quote!(.sequence(#seq, [#(#tasks),*]))
    });
    let task_entries = def.tasks.iter().map(|call| {
        let callee = &call.callee;
        quote!(&<#callee as #root::__private::TaskDescriptor>::ENTRY)
    });

    // Typed accessors.
    let accessors = model.nodes.iter().map(|node| {
        let method = node.name;
        let id = node.name.to_string();
        let ty = node_type(node);
        let docs = docs(node.attrs);
        let doc = if docs.is_empty() {
            let summary = format!("The data node `{id}`.");
            quote!(#[doc = #summary])
        } else {
            quote!(#(#docs)*)
        };
        quote! {
            #doc
            #vis fn #method(&self) -> #root::__private::DataNode<#ty> {
                match self.scenario.data_node::<#ty>(#id) {
                    #root::__private::Result::Ok(node) => node,
                    #root::__private::Result::Err(error) => ::core::panic!("{}", error),
                }
            }
        }
    });

    // Type checks, each spanned at the user's tokens.
    let checks = def.tasks.iter().map(|call| {
        let callee = &call.callee;
        let pattern_span = call.pattern.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span());
        let count = call.outputs.len();
        let args = call.args.iter().map(|arg| {
            let ty = node_type(model.node(arg));
            quote_spanned!(arg.span()=> #root::__private::placeholder::<#ty>())
        });
        let outputs_check =
            quote_spanned!(pattern_span=> #root::__private::check_outputs::<#callee, #count>(););
        quote! {
            #outputs_check
            let _ = #callee::__taipy_typed(#(#args),*);
        }
    });
    let annotated = model.nodes.iter().filter(|n| n.declared.is_some() && n.producer.is_some()).map(|node| {
        let ty = node.declared.expect("filtered");
        let (t, o) = node.producer.expect("filtered");
        let callee = &def.tasks[t].callee;
        quote_spanned!(ty.span()=> let _: #ty = #root::__private::placeholder::<#root::__private::OutputOf<#callee, #o>>();)
    });

    quote! {
        #(#attrs)*
        #[derive(Clone, Debug)]
        #vis struct #name {
            scenario: #root::__private::Scenario,
        }

        #[allow(dead_code)]
        impl #name {
            /// The scenario config's id.
            #vis const CONFIG_ID: &'static str = #name_str;

            /// The scenario's static config, built once.
            #vis fn config() -> #root::__private::Arc<#root::__private::ScenarioConfig> {
                static CONFIG: #root::__private::OnceLock<#root::__private::Arc<#root::__private::ScenarioConfig>> =
                    #root::__private::OnceLock::new();
                static ENTRY: #root::__private::ScenarioEntry = #root::__private::ScenarioEntry {
                    id: #name_str,
                    path: ::core::concat!(::core::module_path!(), "::", #name_str),
                    config: #name::config,
                };
                #root::__private::scenario_config(&CONFIG, &ENTRY, &[#(#task_entries),*], || {
                    #root::__private::ScenarioConfig::builder(#name_str)
                        #(#declared_nodes)*
                        #(#tasks)*
                        #(#sequences)*
                        .build()
                })
            }

            /// Creates and persists a new scenario named `name`; source nodes get their defaults.
            #vis fn create(
                store: &#root::__private::Store,
                name: &str,
            ) -> #root::__private::Result<Self, #root::__private::StoreError> {
                #root::__private::Scenario::create(store, &Self::config(), name).map(|scenario| Self { scenario })
            }

            /// Opens a stored scenario by id.
            #vis fn open(
                store: &#root::__private::Store,
                id: &str,
            ) -> #root::__private::Result<Self, #root::__private::StoreError> {
                #root::__private::Scenario::open(store, &Self::config(), id).map(|scenario| Self { scenario })
            }

            /// The most recently created scenario of this type named `name`, if any.
            #vis fn find(
                store: &#root::__private::Store,
                name: &str,
            ) -> #root::__private::Result<#root::__private::Option<Self>, #root::__private::StoreError> {
                #root::__private::Scenario::find(store, &Self::config(), name)
                    .map(|found| found.map(|scenario| Self { scenario }))
            }

            /// The untyped scenario.
            #vis fn scenario(&self) -> &#root::__private::Scenario {
                &self.scenario
            }

            /// Unwraps the untyped scenario.
            #vis fn into_scenario(self) -> #root::__private::Scenario {
                self.scenario
            }

            /// Submits every task; tasks whose inputs and code did not change are skipped.
            #vis fn submit(&self) -> #root::__private::Result<#root::__private::Submission, #root::__private::SubmitError> {
                self.scenario.submit()
            }

            /// Submits every task with options (`force`, a status callback).
            #vis fn submit_with(
                &self,
                options: #root::__private::SubmitOptions,
            ) -> #root::__private::Result<#root::__private::Submission, #root::__private::SubmitError> {
                self.scenario.submit_with(options)
            }

            /// Submits the tasks of a sequence declared in `sequences { ... }`.
            #vis fn submit_sequence(
                &self,
                sequence: &str,
                options: #root::__private::SubmitOptions,
            ) -> #root::__private::Result<#root::__private::Submission, #root::__private::SubmitError> {
                self.scenario.submit_sequence(sequence, options)
            }

            /// Submits one task, by its function's name.
            #vis fn submit_task(
                &self,
                task: &str,
                options: #root::__private::SubmitOptions,
            ) -> #root::__private::Result<#root::__private::Submission, #root::__private::SubmitError> {
                self.scenario.submit_task(task, options)
            }

            #(#accessors)*
        }

        impl ::core::ops::Deref for #name {
            type Target = #root::__private::Scenario;
            fn deref(&self) -> &Self::Target {
                &self.scenario
            }
        }

        #root::__private::inventory::submit! {
            #root::__private::ScenarioEntry {
                id: #name_str,
                path: ::core::concat!(::core::module_path!(), "::", #name_str),
                config: #name::config,
            }
        }

        const _: () = {
            #[allow(dead_code, unused_variables, clippy::all)]
            fn __taipy_check() {
                #(#checks)*
                #(#annotated)*
            }
        };
    }
}

/// The doc attributes among `attrs`.
fn docs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("doc")).collect()
}
