//! The expansion of `scenario!`: a struct wrapping a `Scenario`, its config built once, typed
//! node accessors, submit methods, registration, and hidden type checks whose errors land on
//! the user's tokens (an argument of the wrong type, a default of the wrong type, a pattern
//! naming more outputs than the task returns).

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Ident};

use super::attrs::NodeOptions;
use super::check::{Model, Node};
use super::parse::Def;

pub(crate) fn scenario(model: &Model<'_>) -> TokenStream {
    let root = crate::support::runtime();
    let def = model.def;
    let (vis, name) = (&def.vis, &def.name);
    let name_str = name.to_string();

    // One alias per task, the only place the callee's path is resolved as a type: a callee
    // that is not a `#[task]` is reported once, at the callee.
    let aliases: Vec<Ident> = def
        .tasks
        .iter()
        .map(|call| format_ident!("__taipy_{}_{}", name, call.id(), span = call.id().span()))
        .collect();
    let alias_items = def.tasks.iter().zip(&aliases).map(|(call, alias)| {
        let callee = &call.callee;
        let doc = format!("The task `{}` of scenario `{name}`.", call.id());
        quote! {
            #[doc = #doc]
            #[doc(hidden)]
            #[allow(non_camel_case_types, unreachable_pub)]
            #vis type #alias = #callee;
        }
    });

    let node_type = |node: &Node<'_>| -> TokenStream {
        match (node.declared, node.producer) {
            (Some(ty), _) => quote!(#ty),
            (None, Some((t, o))) => {
                let alias = &aliases[t];
                respan(quote!(#root::__private::OutputOf<#alias, #o>), alias.span())
            }
            (None, None) => unreachable!("checked: every node has a type"),
        }
    };

    // The config: declared nodes, and produced nodes with options (the others are inferred).
    let declared_nodes = model.nodes.iter().filter_map(|node| {
        let id = node.name.to_string();
        let Some(ty) = node.declared else {
            let ty = node_type(node);
            let config = quote!(#root::__private::DataNodeConfig::new::<#ty>(#id));
            return (!node.options.is_empty()).then(|| with_options(&root, config, &node.options, &ty));
        };
        let config = match node.default {
            Some(default) => {
                // The function at the node's type, the value at the default: a default of the
                // wrong type reads "expected `f64`, found `&str`" under the value.
                let function =
                    respan(quote!(#root::__private::DataNodeConfig::with_default::<#ty>), ty.span());
                quote!(#function(#id, #default))
            }
            None => quote!(#root::__private::DataNodeConfig::new::<#ty>(#id)),
        };
        Some(with_options(&root, config, &node.options, &quote!(#ty)))
    });
    let frequency = model.frequency.iter().map(|f| quote!(.frequency(#root::__private::Frequency::#f)));
    let tasks = def.tasks.iter().zip(&aliases).map(|(call, callee)| {
        let id = call.id().to_string();
        let (input_count, output_count) = (call.args.len(), call.outputs.len());
        let inputs = call.args.iter().map(|a| a.to_string());
        let outputs = call.outputs.iter().map(|o| o.to_string());
        let entry = respan(quote!(<#callee as #root::__private::TaskDescriptor>::ENTRY), callee.span());
        quote! {
            .task(
                #entry
                    .task_config(#id)
                    .inputs::<[&str; #input_count], &str>([#(#inputs),*])
                    .outputs::<[&str; #output_count], &str>([#(#outputs),*])
            )
        }
    });
    let sequences = def.sequences.iter().map(|s| {
        let seq = s.name.to_string();
        let tasks = s.tasks.iter().map(|t| t.to_string());
        quote!(.sequence(#seq, [#(#tasks),*]))
    });
    let task_entries = aliases
        .iter()
        .map(|callee| respan(quote!(&<#callee as #root::__private::TaskDescriptor>::ENTRY), callee.span()));

    // Typed accessors.
    let accessors = model.nodes.iter().map(|node| {
        let method = node.name;
        let id = node.name.to_string();
        let ty = node_type(node);
        let docs = docs(node.attrs);
        let summary = if docs.is_empty() {
            let summary = format!("The data node `{id}`.");
            quote!(#[doc = #summary])
        } else {
            quote!(#(#docs)*)
        };
        // rustdoc shows a produced node's type as `OutputOf<...>`: say what it is.
        let origin = origin_doc(def, node);
        let doc = quote!(#summary #[doc = ""] #[doc = #origin]);
        let mut body = quote! {
            match self.scenario.data_node::<#ty>(#id) {
                #root::__private::Result::Ok(node) => node,
                #root::__private::Result::Err(error) => ::core::panic!("{}", error),
            }
        };
        let mut returns = quote!(#root::__private::DataNode<#ty>);
        // Errors about the node's type are reported where it comes from: the declared type,
        // or the producing task.
        let origin = match (node.declared, node.producer) {
            (Some(ty), _) => ty.span(),
            (None, Some((t, _))) => aliases[t].span(),
            (None, None) => Span::call_site(),
        };
        body = respan(body, origin);
        returns = respan(returns, origin);
        quote! {
            #doc
            #vis fn #method(&self) -> #returns {
                #body
            }
        }
    });

    // Type checks, each spanned at the user's tokens.
    let checks = def.tasks.iter().zip(&aliases).enumerate().map(|(t, (call, alias))| {
        let callee_span = call.callee.span();
        let count = call.outputs.len();
        // One local per argument, named at the argument: the call below passes single tokens,
        // so a type mismatch is reported exactly at the argument.
        let locals: Vec<Ident> = call
            .args
            .iter()
            .enumerate()
            .map(|(i, arg)| format_ident!("__taipy_arg_{}_{}", t, i, span = arg.span()))
            .collect();
        let lets = call.args.iter().zip(&locals).map(|(arg, local)| {
            let ty = node_type(model.node(arg));
            quote!(let #local: #ty = #root::__private::placeholder();)
        });
        let outputs_check = respan(quote!(#root::__private::check_outputs::<#alias, #count>();), callee_span);
        // The path at the callee, the parentheses at the user's: rustc's "provide the
        // argument" suggestion then reads right.
        let mut parens = Group::new(Delimiter::Parenthesis, quote!(#(#locals),*));
        parens.set_span(call.paren.span.join());
        let call = quote_spanned!(callee_span=> #alias::__taipy_typed #parens);
        quote! {
            #outputs_check
            #(#lets)*
            let _ = #call;
        }
    });
    let annotated = model.nodes.iter().filter(|n| n.declared.is_some() && n.producer.is_some()).map(|node| {
        let ty = node.declared.expect("filtered");
        let (t, o) = node.producer.expect("filtered");
        let alias = &aliases[t];
        // The produced value, named at the output in the producing line: a mismatch reads
        // "expected `f64` (due to the annotation), found `usize`" there.
        let output = &def.tasks[t].outputs[o];
        let produced = format_ident!("__taipy_output_{}", output, span = output.span());
        quote! {
            let #produced: #root::__private::OutputOf<#alias, #o> = #root::__private::placeholder();
            let _: #ty = #produced;
        }
    });

    let config_body = quote! {
                static CONFIG: #root::__private::OnceLock<#root::__private::Arc<#root::__private::ScenarioConfig>> =
                    #root::__private::OnceLock::new();
                static ENTRY: #root::__private::ScenarioEntry = #root::__private::ScenarioEntry {
                    id: #name_str,
                    path: ::core::concat!(::core::module_path!(), "::", #name_str),
                    config: #name::config,
                };
                #root::__private::scenario_config(&CONFIG, &ENTRY, &[#(#task_entries),*], || {
                    #root::__private::ScenarioConfig::builder(#name_str)
                        #(#frequency)*
                        #(#declared_nodes)*
                        #(#tasks)*
                        #(#sequences)*
                        .build()
                })
    };
    let shell = shell(&root, def, &config_body, accessors);

    quote! {
        #(#alias_items)*

        #shell

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

/// The line of a node accessor's doc naming the node's type (as written, or the task whose
/// output it is) and where its value comes from: the task producing it, or its default.
fn origin_doc(def: &Def, node: &Node<'_>) -> String {
    let text = |tokens: TokenStream| crate::support::pretty(&tokens).trim().to_owned();
    let declared = node.declared.map(|ty| format!("`{}`", text(quote!(#ty))));
    let Some((t, o)) = node.producer else {
        let ty = declared.expect("checked: a node has a type or a producer");
        return format!("Holds {ty}. A source node: no task writes it; it starts with its default value.");
    };
    let call = &def.tasks[t];
    let task = call.id();
    let ty = match (declared, call.outputs.len()) {
        (Some(ty), _) => format!("{ty}, written by task `{task}`"),
        (None, 1) => format!("the output of task `{task}`"),
        (None, n) => format!("output {} of {n} of task `{task}`", o + 1),
    };
    let outputs = call.outputs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    let pattern = if call.outputs.len() == 1 { outputs } else { format!("({outputs})") };
    let callee = &call.callee;
    let args = &call.args;
    let line = text(quote!(#callee(#(#args),*)));
    let rename = call.rename.as_ref().map(|r| format!(" as {r}")).unwrap_or_default();
    format!("Holds {ty}: `{pattern} = {line}{rename}`.")
}

/// `.node(config)` with the builder calls setting the node's scope, validity period and
/// comparators. Each comparator is added in a statement spanned at it, so a function of the
/// wrong type is reported there (and not at the whole macro call).
fn with_options(
    root: &TokenStream,
    config: TokenStream,
    options: &NodeOptions,
    ty: &TokenStream,
) -> TokenStream {
    let scope = options.scope.iter().map(|scope| quote!(.scope(#root::__private::Scope::#scope)));
    let validity = options
        .validity
        .iter()
        .map(|secs| quote!(.validity_period(#root::__private::Duration::from_secs(#secs))));
    let storage = options.storage.as_ref().map(|storage| {
        let kind = &storage.kind;
        let Some(marker) = storage.marker() else {
            return match kind.to_string().as_str() {
                "in_memory" => quote!(.in_memory()),
                _ => quote!(),
            };
        };
        let path = &storage.path;
        let header = storage.has_header.iter().map(|h| quote!(.has_header(#h)));
        let sheet = storage.sheet_name.iter().map(|s| quote!(.sheet_name(#s)));
        // The kind must hold the node's type: checked by rustc at the kind's word, with the
        // `Holds` trait's message.
        let holds = quote_spanned! {kind.span()=>
            fn __taipy_holds<__T: #root::__private::Holds<#root::__private::kind::#marker>>() {}
            __taipy_holds::<#ty>();
        };
        let storage = match storage.service_variant() {
            Some(variant) => {
                let keys = storage.keys.iter().map(|(key, value)| {
                    let key = key.to_string();
                    quote!(.service_key(#key, #value))
                });
                quote! {
                    #root::__private::Storage::of_kind(#root::__private::StorageKind::#variant, None) #(#keys)*
                }
            }
            None => {
                let constructor = Ident::new(&kind.to_string(), kind.span());
                quote!(#root::__private::Storage::#constructor(#path) #(#header)* #(#sheet)*)
            }
        };
        quote!(.with_storage({
            #holds
            #storage
        }).unwrap_or_else(|e| ::core::panic!(
            "scenario! storage of a node, checked when the config is built (a value computed at run time, such as an object key, cannot be checked by the compiler): {}",
            e
        )))
    });
    let storage = storage.into_iter();
    if options.comparators.is_empty() {
        return quote!(.node(#config #(#scope)* #(#validity)* #(#storage)*));
    }
    let comparators = options.comparators.iter().map(|path| {
        let name = path.segments.last().expect("a path has a segment").ident.to_string();
        let add = respan(quote!(let __taipy_node = __taipy_node.comparator::<#ty, _>), path.span());
        quote_spanned!(path.span()=> #add(#name, #path);)
    });
    quote! {
        .node({
            let __taipy_node = #config #(#scope)* #(#validity)* #(#storage)*;
            #(#comparators)*
            __taipy_node
        })
    }
}

/// The doc attributes among `attrs`.
fn docs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("doc")).collect()
}

/// `tokens` with every span set to `span`, so rustc reports an error in them at `span`
/// (interpolated tokens otherwise keep their own spans, and a type spanning tokens from two
/// places is reported at the whole macro call).
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// The type and its methods: the scenario's struct, `config` (with `config_body`), `create`,
/// `open`, `find`, the submit methods, the node accessors, and `Deref` to `Scenario`.
fn shell(
    root: &TokenStream,
    def: &Def,
    config_body: &TokenStream,
    accessors: impl Iterator<Item = TokenStream>,
) -> TokenStream {
    let (vis, name) = (&def.vis, &def.name);
    let attrs = super::attrs::passed_on(&def.attrs);
    let name_str = name.to_string();
    let default_doc = if docs(&def.attrs).is_empty() {
        let doc = format!("The scenario `{name}`, declared with `scenario!`.");
        quote!(#[doc = #doc])
    } else {
        TokenStream::new()
    };
    quote! {
        #(#attrs)*
        #default_doc
        #[derive(Clone, Debug)]
        #vis struct #name {
            scenario: #root::__private::Scenario,
        }

        #[allow(dead_code, unreachable_pub)]
        impl #name {
            /// The scenario config's id.
            #vis const CONFIG_ID: &'static str = #name_str;

            /// The scenario's static config, built once.
            #vis fn config() -> #root::__private::Arc<#root::__private::ScenarioConfig> {
                #config_body
            }

            /// Creates and persists a new scenario named `name`; source nodes get their defaults.
            /// Creating the same name twice gives two scenarios; see `find_or_create`.
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

            /// The most recently created scenario of this type named `name`, or else a new one:
            /// what a program run again and again wants (`create` adds one per run).
            #vis fn find_or_create(
                store: &#root::__private::Store,
                name: &str,
            ) -> #root::__private::Result<Self, #root::__private::StoreError> {
                #root::__private::Scenario::find_or_create(store, &Self::config(), name)
                    .map(|scenario| Self { scenario })
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

            /// Submits one task, by its name in the scenario (its function's name, or its `as` name).
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
    }
}

/// What a `scenario!` with errors expands to beside them: the type with its methods (which
/// panic) and the accessors of the source nodes, so the rest of the program does not add
/// errors of its own to the real ones.
pub(crate) fn stub(def: &Def) -> TokenStream {
    let root = crate::support::runtime();
    let vis = &def.vis;
    // One accessor per name, none for a reserved name: those are reported already.
    let mut seen = std::collections::HashSet::new();
    let sources = def.sources.iter().filter(|source| {
        let name = source.name.to_string();
        !super::check::RESERVED.contains(&name.as_str()) && seen.insert(name)
    });
    let accessors = sources.map(|source| {
        let (method, ty) = (&source.name, &source.ty);
        quote! {
            #[allow(missing_docs)]
            #vis fn #method(&self) -> #root::__private::DataNode<#ty> {
                ::core::unreachable!("scenario! reported errors")
            }
        }
    });
    let config_body = quote!(::core::unreachable!("scenario! reported errors"));
    shell(&root, def, &config_body, accessors)
}

#[cfg(test)]
mod tests {
    use super::super::check;
    use super::*;

    fn origins(source: &str) -> Vec<String> {
        let def: Def = syn::parse_str(source).unwrap();
        let model = check::scenario(&def).unwrap_or_else(|e| panic!("{e}"));
        model.nodes.iter().map(|node| origin_doc(&def, node)).collect()
    }

    #[test]
    fn accessor_docs_name_the_type_and_the_producer() {
        let found = origins(
            "S { raw: Vec<f64> = vec![], clean: Vec<f64>, clean = tidy(raw), (a, b) = m::split(clean), \
             c = tidy(a) as tidy_again }",
        );
        assert_eq!(
            found,
            [
                "Holds `Vec<f64>`. A source node: no task writes it; it starts with its default value.",
                "Holds `Vec<f64>`, written by task `tidy`: `clean = tidy(raw)`.",
                "Holds output 1 of 2 of task `split`: `(a, b) = m::split(clean)`.",
                "Holds output 2 of 2 of task `split`: `(a, b) = m::split(clean)`.",
                "Holds the output of task `tidy_again`: `c = tidy(a) as tidy_again`.",
            ]
        );
    }
}
