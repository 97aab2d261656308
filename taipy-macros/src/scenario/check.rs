//! The wiring checks `scenario!` can make on names alone: every input exists, every node has
//! exactly one origin (a default or a producing task), no cycle, sequences name real tasks.
//! Everything about types (argument types, the number of arguments and outputs, defaults) is
//! left to rustc at the user's tokens (see `expand.rs`).

use std::collections::HashMap;

use syn::{Expr, Ident, Type};

use super::attrs::{self, NodeOptions};
use super::parse::{Call, Def};

/// Methods of the generated type that a node's accessor must not shadow.
pub(crate) const RESERVED: &[&str] = &[
    "config",
    "create",
    "open",
    "find",
    "scenario",
    "into_scenario",
    "submit",
    "submit_with",
    "submit_sequence",
    "submit_task",
];

/// A checked scenario: its nodes (sources first, then task outputs) with where their type
/// comes from.
pub(crate) struct Model<'a> {
    pub(crate) def: &'a Def,
    pub(crate) nodes: Vec<Node<'a>>,
    /// `#[frequency(...)]`: the `Frequency` variant.
    pub(crate) frequency: Option<Ident>,
}

/// One data node.
pub(crate) struct Node<'a> {
    pub(crate) name: &'a Ident,
    pub(crate) attrs: &'a [syn::Attribute],
    /// The declared type, for source nodes (and produced nodes that were annotated).
    pub(crate) declared: Option<&'a Type>,
    pub(crate) default: Option<&'a Expr>,
    /// The producing task (index into `def.tasks`) and output position.
    pub(crate) producer: Option<(usize, usize)>,
    /// Comparators, scope and validity, from its declaration's (or producing line's) attributes.
    pub(crate) options: NodeOptions,
}

impl Model<'_> {
    pub(crate) fn node(&self, name: &Ident) -> &Node<'_> {
        self.nodes.iter().find(|n| n.name == name).expect("checked")
    }
}

pub(crate) fn scenario(def: &Def) -> syn::Result<Model<'_>> {
    let mut errors = Vec::new();
    let mut nodes: Vec<Node<'_>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let scenario = def.name.to_string();
    let (frequency, _) = attrs::scenario(&def.attrs, &mut errors);

    for source in &def.sources {
        let key = source.name.to_string();
        if index.contains_key(&key) {
            errors.push(syn::Error::new(
                source.name.span(),
                format!("data node `{key}` is declared twice; declare each node once, or give this one another name"),
            ));
            continue;
        }
        index.insert(key.clone(), nodes.len());
        nodes.push(Node {
            name: &source.name,
            attrs: &source.attrs,
            declared: Some(&source.ty),
            default: source.default.as_ref(),
            producer: None,
            options: attrs::node(&source.attrs, &key, &mut errors),
        });
    }

    let mut task_ids: HashMap<String, usize> = HashMap::new();
    for (t, call) in def.tasks.iter().enumerate() {
        let id = call.id().to_string();
        let outputs = call.outputs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let line_options = attrs::node(&call.attrs, &outputs, &mut errors);
        if let Some(&first) = task_ids.get(&id) {
            errors.push(syn::Error::new_spanned(
                call.rename.as_ref().map_or_else(
                    || quote::ToTokens::to_token_stream(&call.callee),
                    quote::ToTokens::to_token_stream,
                ),
                format!(
                    "task name `{id}` is already used by the line producing `{}`; name this use of the \
                     function with `as`: `... = {}(...) as {id}_2`",
                    def.tasks[first].outputs.first().map_or_else(|| "()".to_owned(), |o| o.to_string()),
                    quote::ToTokens::to_token_stream(&call.callee).to_string().replace(' ', ""),
                ),
            ));
        } else {
            task_ids.insert(id.clone(), t);
        }
        for (o, output) in call.outputs.iter().enumerate() {
            let key = output.to_string();
            match index.get(&key) {
                Some(&n) => {
                    let node = &mut nodes[n];
                    if let Some((other, _)) = node.producer {
                        errors.push(syn::Error::new(
                            output.span(),
                            format!(
                                "data node `{key}` is produced twice: by task `{}` and by task `{id}`; \
                                 each node has one producer",
                                def.tasks[other].id()
                            ),
                        ));
                    } else if node.default.is_some() {
                        errors.push(syn::Error::new(
                            output.span(),
                            format!(
                                "data node `{key}` has a default value and is also produced by task `{id}`; \
                                 remove the default (`{key}: Type`) or produce another node"
                            ),
                        ));
                    } else {
                        node.producer = Some((t, o));
                        if let Some(first) = &line_options.first {
                            errors.push(syn::Error::new_spanned(
                                first,
                                format!(
                                    "data node `{key}` is declared with a type above; put its attributes \
                                     on that declaration (`{key}: Type`)"
                                ),
                            ));
                        }
                    }
                }
                None => {
                    index.insert(key, nodes.len());
                    nodes.push(Node {
                        name: output,
                        attrs: &call.attrs,
                        declared: None,
                        default: None,
                        producer: Some((t, o)),
                        options: line_options.clone(),
                    });
                }
            }
        }
    }

    let declared = nodes.iter().map(|n| n.name.to_string()).collect::<Vec<_>>().join(", ");
    for call in &def.tasks {
        for arg in &call.args {
            if !index.contains_key(&arg.to_string()) {
                errors.push(syn::Error::new(
                    arg.span(),
                    format!("no data node `{arg}` in `{scenario}`; declared nodes: {declared}"),
                ));
            }
        }
    }

    for node in &nodes {
        if node.default.is_none() && node.producer.is_none() {
            errors.push(syn::Error::new(
                node.name.span(),
                format!(
                    "data node `{0}` has neither a default value nor a task producing it; \
                     give it a default (`{0}: Type = value`) or produce it (`{0} = task(...)`)",
                    node.name
                ),
            ));
        }
        if frequency.is_none()
            && let Some(scope) = node.options.scope.as_ref().filter(|scope| *scope == "Cycle")
        {
            // Without cycles, the runtime would share the node with every scenario, as `global`.
            errors.push(syn::Error::new(
                scope.span(),
                format!(
                    "data node `{}` is shared by the scenarios of a cycle, but `{scenario}` has no \
                     `#[frequency(...)]`, so its scenarios belong to no cycle; add one before the \
                     name (`#[frequency(monthly)] {scenario} {{ ... }}`), or share the node with \
                     every scenario: `#[scope(global)]`",
                    node.name
                ),
            ));
        }
        if RESERVED.contains(&node.name.to_string().as_str()) {
            errors.push(syn::Error::new(
                node.name.span(),
                format!(
                    "data node `{0}` would shadow the generated method of the same name, `{scenario}::{0}`; \
                     rename the node",
                    node.name
                ),
            ));
        }
    }

    if let Some(cycle) = find_cycle(def, &nodes, &index) {
        let path = cycle.iter().map(|&t| format!("`{}`", def.tasks[t].id())).collect::<Vec<_>>().join(" -> ");
        errors.push(syn::Error::new_spanned(
            &def.tasks[cycle[0]].callee,
            format!("the tasks form a cycle: {path}; a task cannot depend on its own outputs"),
        ));
    }

    let mut sequence_names: Vec<String> = Vec::new();
    let tasks = def.tasks.iter().map(|c| c.id().to_string()).collect::<Vec<_>>().join(", ");
    for sequence in &def.sequences {
        let name = sequence.name.to_string();
        if sequence_names.contains(&name) {
            errors.push(syn::Error::new(
                sequence.name.span(),
                format!(
                    "sequence `{name}` is declared twice; list all its tasks in one declaration, or give this \
                     one another name"
                ),
            ));
        }
        sequence_names.push(name.clone());
        for task in &sequence.tasks {
            if !task_ids.contains_key(&task.to_string()) {
                errors.push(syn::Error::new(
                    task.span(),
                    format!("sequence `{name}` names task `{task}`, which `{scenario}` does not run; tasks: {tasks}"),
                ));
            }
        }
    }

    crate::support::combine(errors)?;
    Ok(Model { def, nodes, frequency })
}

/// A cycle among the tasks (each reading an output of the next), as task indices with the
/// first repeated at the end.
fn find_cycle(def: &Def, nodes: &[Node<'_>], index: &HashMap<String, usize>) -> Option<Vec<usize>> {
    // upstream[t]: the tasks producing t's inputs.
    let upstream: Vec<Vec<usize>> = def
        .tasks
        .iter()
        .map(|call: &Call| {
            call.args
                .iter()
                .filter_map(|a| index.get(&a.to_string()))
                .filter_map(|&n| nodes[n].producer.map(|(t, _)| t))
                .collect()
        })
        .collect();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; upstream.len()];
    let mut stack = Vec::new();
    fn visit(
        t: usize,
        upstream: &[Vec<usize>],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[t] = 1;
        stack.push(t);
        for &u in &upstream[t] {
            if state[u] == 1 {
                let at = stack.iter().position(|&s| s == u).expect("on the stack");
                // The stack runs consumer -> producer; report it producer -> consumer.
                let mut cycle: Vec<usize> = stack[at..].to_vec();
                cycle.reverse();
                cycle.push(cycle[0]);
                return Some(cycle);
            }
            if state[u] == 0
                && let Some(cycle) = visit(u, upstream, state, stack)
            {
                return Some(cycle);
            }
        }
        stack.pop();
        state[t] = 2;
        None
    }
    (0..upstream.len())
        .find_map(|t| if state[t] == 0 { visit(t, &upstream, &mut state, &mut stack) } else { None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(source: &str) -> Vec<String> {
        let def: Def = syn::parse_str(source).unwrap();
        match scenario(&def) {
            Ok(_) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn a_cycle_scope_needs_a_frequency() {
        let without = "S { #[scope(cycle)] x: i64 = 1, y = f(x) }";
        let found = problems(without);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("data node `x` is shared by the scenarios of a cycle"), "{found:?}");
        let with = "#[frequency(daily)] S { #[scope(cycle)] x: i64 = 1, y = f(x) }";
        assert_eq!(problems(with), Vec::<String>::new());
    }

    #[test]
    fn a_valid_scenario_has_no_problems() {
        let source =
            "S { x: i64 = 1, (a, b) = split(x), c = join(a, b) as joined, sequences { s: [split] } }";
        assert_eq!(problems(source), Vec::<String>::new());
    }

    #[test]
    fn independent_problems_are_all_reported() {
        let found = problems("S { x: i64 = 1, orphan: f64, y = f(x, nope), y = g(x), x = h(y) }");
        for expected in [
            "data node `y` is produced twice: by task `f` and by task `g`",
            "data node `x` has a default value and is also produced by task `h`",
            "no data node `nope` in `S`; declared nodes: x, orphan, y",
            "data node `orphan` has neither a default value nor a task producing it",
        ] {
            assert!(found.iter().any(|p| p.starts_with(expected)), "missing `{expected}` in {found:#?}");
        }
    }

    #[test]
    fn a_cycle_is_named_in_dependency_order() {
        let found = problems("S { x: i64 = 1, b = first(x, c), c = second(b), d = third(d) }");
        assert!(
            found.iter().any(|p| p.starts_with("the tasks form a cycle: `second` -> `first` -> `second`")),
            "{found:#?}"
        );
    }

    #[test]
    fn generated_method_names_are_reserved() {
        let found = problems("S { submit: i64 = 1 }");
        assert!(found[0].contains("would shadow the generated method"), "{found:#?}");
    }
}
