//! The attributes of `scenario!` beside doc comments: on a node (a source line or a producing
//! line) `#[comparator(f, ...)]`, `#[scope(scenario | cycle | global)]` and
//! `#[validity(days = N, hours = N, minutes = N, seconds = N)]`,
//! `#[storage(kind, path = "...", has_header = bool, sheet_name = "...")]` (the service kinds
//! take Taipy's keys instead: `#[storage(sql_table, db_url = "...", table_name = "...")]`); on
//! the scenario
//! `#[frequency(daily | weekly | monthly | quarterly | yearly)]`. Each is parsed once, and every
//! problem (unknown, repeated, malformed) is reported at its tokens.

use proc_macro2::TokenStream;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitBool, LitInt, LitStr, Path, Token};

/// A node's options, as the builder's `DataNodeConfig` methods take them.
#[derive(Clone, Default)]
pub(crate) struct NodeOptions {
    /// `#[comparator(f, ...)]`: functions `fn(&[&T]) -> R`, named by their last segment.
    pub(crate) comparators: Vec<Path>,
    /// `#[scope(...)]`: the `Scope` variant.
    pub(crate) scope: Option<Ident>,
    /// `#[validity(...)]`: the period in seconds.
    pub(crate) validity: Option<u64>,
    /// `#[storage(...)]`.
    pub(crate) storage: Option<StorageAttr>,
    /// The first of these attributes, for errors about them as a whole.
    pub(crate) first: Option<TokenStream>,
}

impl NodeOptions {
    /// Whether any option is set.
    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_none()
    }
}

/// `#[storage(kind, path = "...", has_header = bool, sheet_name = "...")]`.
#[derive(Clone)]
pub(crate) struct StorageAttr {
    /// The kind, as written (`csv`, `in_memory` ...).
    pub(crate) kind: Ident,
    pub(crate) path: Option<LitStr>,
    pub(crate) has_header: Option<LitBool>,
    pub(crate) sheet_name: Option<LitStr>,
    /// The keys of a service kind (`db_url`, `table_name`, `aws_s3_object_key` ...), as written.
    pub(crate) keys: Vec<(Ident, syn::Expr)>,
}

impl StorageAttr {
    /// The marker type the node's type must hold: a file kind's (`Csv` ...), `SqlTable` or
    /// `Sql`; for `s3_object`, the format its literal key's extension names (`S3Object` when
    /// the key is not a literal); `None` for `store` and `in_memory`.
    pub(crate) fn marker(&self) -> Option<Ident> {
        let word = self.kind.to_string();
        let marker = match FILE_KINDS.iter().chain(&SERVICE_KINDS).find(|(w, _)| *w == word)?.1 {
            "S3Object" => match self.key("aws_s3_object_key") {
                Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(key), .. })) => {
                    object_marker(&key.value())
                }
                _ => "S3Object",
            },
            marker => marker,
        };
        Some(Ident::new(marker, self.kind.span()))
    }

    /// The `StorageKind` variant of a service kind.
    pub(crate) fn service_variant(&self) -> Option<Ident> {
        let variant = SERVICE_KINDS.iter().find(|(word, _)| self.kind == word)?.1;
        Some(Ident::new(variant, self.kind.span()))
    }

    fn key(&self, name: &str) -> Option<&syn::Expr> {
        self.keys.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// The file kind an object key's extension names (as the runtime's `s3_object` reads it).
fn object_marker(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).as_deref() {
        Some("csv") => "Csv",
        Some("parquet") => "Parquet",
        Some("json") => "Json",
        Some("xlsx") => "Excel",
        _ => "Binary",
    }
}

const NODE_ATTRIBUTES: &str = "`#[comparator(f)]`, `#[scope(global)]`, `#[validity(days = 1)]`, \
     `#[storage(csv, path = \"out.csv\")]` and doc comments";
const FILE_KINDS: [(&str, &str); 5] =
    [("csv", "Csv"), ("parquet", "Parquet"), ("json", "Json"), ("excel", "Excel"), ("binary", "Binary")];
const SERVICE_KINDS: [(&str, &str); 3] =
    [("sql_table", "SqlTable"), ("sql", "Sql"), ("s3_object", "S3Object")];
const KINDS_TEXT: &str =
    "`store`, `in_memory`, `csv`, `parquet`, `json`, `excel`, `binary`, `sql_table`, `sql`, `s3_object`";
/// The database keys of `sql_table` and `sql` (Taipy's names).
const DB_KEYS: [&str; 10] = [
    "db_url",
    "db_engine",
    "db_name",
    "db_host",
    "db_port",
    "db_username",
    "db_password",
    "db_extra_args",
    "sqlite_folder_path",
    "sqlite_file_extension",
];
/// The keys of `s3_object` (Taipy's names).
const S3_KEYS: [&str; 7] = [
    "aws_s3_bucket_name",
    "aws_s3_object_key",
    "aws_access_key",
    "aws_secret_access_key",
    "aws_region",
    "aws_s3_endpoint_url",
    "aws_s3_client_parameters",
];

/// The keys service kind `word` takes, and those it needs (`a|b`: one of them).
fn service_keys(word: &str) -> (Vec<&'static str>, &'static [&'static str]) {
    match word {
        "sql_table" => ([&DB_KEYS[..], &["table_name"]].concat(), &["db_url|db_engine", "table_name"]),
        "sql" => (
            [&DB_KEYS[..], &["read_query", "write_query_builder", "append_query_builder"]].concat(),
            &["db_url|db_engine", "read_query"],
        ),
        _ => (S3_KEYS.to_vec(), &["aws_s3_bucket_name", "aws_s3_object_key"]),
    }
}
const SCOPES: [(&str, &str); 3] = [("scenario", "Scenario"), ("cycle", "Cycle"), ("global", "Global")];
const FREQUENCIES: [(&str, &str); 5] = [
    ("daily", "Daily"),
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
    ("yearly", "Yearly"),
];
const UNITS: [(&str, u64); 4] = [("days", 86_400), ("hours", 3_600), ("minutes", 60), ("seconds", 1)];

/// The options of node `node` from its attributes; problems go to `errors`.
pub(crate) fn node(attrs: &[Attribute], node: &str, errors: &mut Vec<syn::Error>) -> NodeOptions {
    let mut options = NodeOptions::default();
    let mut seen: Vec<String> = Vec::new();
    for attr in attrs.iter().filter(|a| !a.path().is_ident("doc")) {
        let name = attr_name(attr);
        let known = ["comparator", "scope", "validity", "storage"].contains(&name.as_str());
        if !known {
            errors.push(unknown(attr, &name, node));
            continue;
        }
        if seen.contains(&name) {
            let hint = if name == "comparator" { "; list several in one: `#[comparator(a, b)]`" } else { "" };
            errors.push(syn::Error::new_spanned(
                attr.path(),
                format!("`#[{name}]` is given twice on data node `{node}`{hint}"),
            ));
            continue;
        }
        seen.push(name.clone());
        let parsed = match name.as_str() {
            "comparator" => attr
                .parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
                .map_err(|e| explain(e, "`#[comparator(f)]` names functions `fn(&[&T]) -> R` (not closures), e.g. `#[comparator(difference)]`"))
                .and_then(|paths| {
                    if paths.is_empty() {
                        Err(syn::Error::new_spanned(attr, "`#[comparator]` needs at least one function: `#[comparator(difference)]`"))
                    } else {
                        options.comparators.extend(paths);
                        Ok(())
                    }
                }),
            "scope" => one_of(attr, &SCOPES, "scope").map(|scope| options.scope = Some(scope)),
            "storage" => storage(attr).map(|storage| options.storage = Some(storage)),
            _ => validity(attr).map(|seconds| options.validity = Some(seconds)),
        };
        match parsed {
            Ok(()) => {
                options.first.get_or_insert_with(|| quote::ToTokens::to_token_stream(attr));
            }
            Err(error) => errors.push(error),
        }
    }
    options
}

/// The options of a service kind: Taipy's keys for it, each `key = expression` (a string);
/// unknown, repeated and missing keys are errors at their tokens.
fn service(mut storage: StorageAttr, input: ParseStream<'_>) -> syn::Result<StorageAttr> {
    let word = storage.kind.to_string();
    let (known, needed) = service_keys(&word);
    let mut errors = Vec::new();
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let value: syn::Expr = input.parse()?;
        let name = key.to_string();
        if !known.contains(&name.as_str()) {
            let message = format!("storage kind `{word}` takes no `{name}`; its keys: {}", known.join(", "));
            errors.push(syn::Error::new(key.span(), message));
        } else if storage.key(&name).is_some() {
            errors.push(syn::Error::new(key.span(), format!("`{name}` is given twice")));
        } else {
            storage.keys.push((key, value));
        }
    }
    for need in needed {
        if !need.split('|').any(|k| storage.key(k).is_some()) && errors.is_empty() {
            let need = need.replace('|', "` or `");
            errors
                .push(syn::Error::new(storage.kind.span(), format!("storage kind `{word}` needs `{need}`")));
        }
    }
    crate::support::combine(errors)?;
    Ok(storage)
}

/// The scenario's `#[frequency(...)]` (the `Frequency` variant), and its other attributes, which
/// go onto the generated type; problems go to `errors`.
pub(crate) fn scenario<'a>(
    attrs: &'a [Attribute],
    errors: &mut Vec<syn::Error>,
) -> (Option<Ident>, Vec<&'a Attribute>) {
    let (mut frequency, mut seen) = (None, false);
    let mut others = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("frequency") {
            others.push(attr);
            continue;
        }
        if std::mem::replace(&mut seen, true) {
            errors
                .push(syn::Error::new_spanned(attr.path(), "`#[frequency]` is given twice on the scenario"));
            continue;
        }
        match one_of(attr, &FREQUENCIES, "frequency") {
            Ok(variant) => frequency = Some(variant),
            Err(error) => errors.push(error),
        }
    }
    (frequency, others)
}

/// The attributes that are not the scenario's own (`#[frequency]`): what the generated type
/// carries, also when the macro reports errors.
pub(crate) fn passed_on(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| !a.path().is_ident("frequency"))
}

fn attr_name(attr: &Attribute) -> String {
    quote::ToTokens::to_token_stream(attr.path()).to_string().replace(' ', "")
}

fn unknown(attr: &Attribute, name: &str, node: &str) -> syn::Error {
    let message =
        format!("unknown attribute `#[{name}]` on data node `{node}`; a node takes {NODE_ATTRIBUTES}");
    syn::Error::new_spanned(attr.path(), message)
}

/// Adds what would be right to a parse error.
fn explain(error: syn::Error, right: &str) -> syn::Error {
    syn::Error::new(error.span(), format!("{error}; {right}"))
}

/// `#[name(word)]` with `word` one of `choices` (any case): the matching variant, spanned at the
/// word.
fn one_of(attr: &Attribute, choices: &[(&str, &str)], name: &str) -> syn::Result<Ident> {
    let listed = choices.iter().map(|(word, _)| format!("`{word}`")).collect::<Vec<_>>().join(", ");
    let word: Ident = attr
        .parse_args_with(|input: ParseStream<'_>| {
            let word: Ident = input.parse()?;
            if !input.is_empty() {
                return Err(input.error("expected one word"));
            }
            Ok(word)
        })
        .map_err(|e| explain(e, &format!("write `#[{name}(...)]` with one of {listed}")))?;
    let found = choices.iter().find(|(w, _)| word.to_string().eq_ignore_ascii_case(w));
    match found {
        Some((_, variant)) => Ok(Ident::new(variant, word.span())),
        None => {
            Err(syn::Error::new(word.span(), format!("unknown {name} `{word}`; expected one of {listed}")))
        }
    }
}

/// `#[storage(csv, path = "out.csv", has_header = true, sheet_name = "s")]`: a file kind needs
/// its path; `store` and `in_memory` take no option.
fn storage(attr: &Attribute) -> syn::Result<StorageAttr> {
    let parse = |input: ParseStream<'_>| -> syn::Result<StorageAttr> {
        let kind: Ident = input.parse()?;
        let mut storage =
            StorageAttr { kind, path: None, has_header: None, sheet_name: None, keys: Vec::new() };
        let word = storage.kind.to_string();
        let file = FILE_KINDS.iter().any(|(w, _)| *w == word);
        if SERVICE_KINDS.iter().any(|(w, _)| *w == word) {
            return service(storage, input);
        }
        if !file && word != "store" && word != "in_memory" {
            return Err(syn::Error::new(
                storage.kind.span(),
                format!("unknown storage kind `{word}`; expected one of {KINDS_TEXT}"),
            ));
        }
        let mut errors = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let repeated = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
            match key.to_string().as_str() {
                "path" if storage.path.is_some() => errors.push(repeated()),
                "path" => storage.path = Some(input.parse()?),
                "has_header" if storage.has_header.is_some() => errors.push(repeated()),
                "has_header" => storage.has_header = Some(input.parse()?),
                "sheet_name" if storage.sheet_name.is_some() => errors.push(repeated()),
                "sheet_name" => storage.sheet_name = Some(input.parse()?),
                other => {
                    let _: syn::Expr = input.parse()?;
                    errors.push(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown storage option `{other}`; options: `path`, `has_header`, `sheet_name`"
                        ),
                    ));
                    continue;
                }
            }
            if !file {
                errors.push(syn::Error::new(key.span(), format!("storage kind `{word}` takes no `{key}`")));
            }
        }
        if file && storage.path.is_none() && errors.is_empty() {
            errors.push(syn::Error::new(
                storage.kind.span(),
                format!("storage kind `{word}` needs the file's path: `#[storage({word}, path = \"out/{word}_file\")]`"),
            ));
        }
        crate::support::combine(errors)?;
        Ok(storage)
    };
    attr.parse_args_with(parse).map_err(|e| {
        if e.to_string().starts_with("expected") || e.to_string().starts_with("unexpected") {
            explain(e, &format!("write `#[storage(csv, path = \"out/file.csv\")]` with one of {KINDS_TEXT}"))
        } else {
            e
        }
    })
}

/// `#[validity(days = 1, hours = 2)]`: the total in seconds.
fn validity(attr: &Attribute) -> syn::Result<u64> {
    let units = UNITS.iter().map(|(u, _)| format!("`{u}`")).collect::<Vec<_>>().join(", ");
    let parse = |input: ParseStream<'_>| -> syn::Result<u64> {
        let mut total: u64 = 0;
        let mut seen: Vec<String> = Vec::new();
        let mut errors = Vec::new();
        if input.is_empty() {
            return Err(input.error(format!(
                "`#[validity]` needs a period, e.g. `#[validity(days = 1)]`; units: {units}"
            )));
        }
        while !input.is_empty() {
            let unit: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let amount: LitInt = input.parse()?;
            let key = unit.to_string();
            match UNITS.iter().find(|(u, _)| *u == key) {
                None => {
                    errors.push(syn::Error::new(unit.span(), format!("unknown unit `{key}`; units: {units}")))
                }
                Some(_) if seen.contains(&key) => {
                    errors.push(syn::Error::new(unit.span(), format!("`{key}` is given twice")))
                }
                Some((_, seconds)) => {
                    seen.push(key);
                    match amount.base10_parse::<u64>().ok().and_then(|n| n.checked_mul(*seconds)) {
                        Some(s) => total = total.saturating_add(s),
                        None => errors.push(syn::Error::new(
                            amount.span(),
                            "expected a non-negative whole number small enough for a period",
                        )),
                    }
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        crate::support::combine(errors)?;
        Ok(total)
    };
    attr.parse_args_with(parse).map_err(|e| {
        if e.to_string().starts_with("expected") {
            explain(e, &format!("write `#[validity(days = 1)]`; units: {units}"))
        } else {
            e
        }
    })
}

/// Parses a lone attribute list (for tests).
#[cfg(test)]
fn attrs(source: &str) -> Vec<Attribute> {
    use syn::parse::Parser;
    Attribute::parse_outer.parse_str(source).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(source: &str) -> (NodeOptions, Vec<String>) {
        let mut errors = Vec::new();
        let options = node(&attrs(source), "n", &mut errors);
        (options, errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn node_attributes_are_read() {
        let (options, errors) =
            problems("/// doc\n#[comparator(a, m::b)] #[scope(Global)] #[validity(hours = 1, seconds = 5)]");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(options.comparators.len(), 2);
        assert_eq!(options.scope.unwrap().to_string(), "Global");
        assert_eq!(options.validity, Some(3_605));
        assert!(problems("/// only docs").0.is_empty());
    }

    #[test]
    fn every_misuse_is_reported() {
        let (_, errors) = problems(
            "#[compare(a)] #[scope(everywhere)] #[scope(global)] #[validity(weeks = 1, days = x)] #[storage(parquet)]",
        );
        let expected = [
            "unknown attribute `#[compare]` on data node `n`",
            "unknown scope `everywhere`; expected one of `scenario`, `cycle`, `global`",
            "`#[scope]` is given twice on data node `n`",
            "expected integer literal",
            "storage kind `parquet` needs the file's path",
        ];
        for e in expected {
            assert!(errors.iter().any(|found| found.starts_with(e)), "missing `{e}` in {errors:#?}");
        }
    }

    #[test]
    fn storage_attributes_are_read_and_checked() {
        let (options, errors) =
            problems(r#"#[storage(excel, path = "out/x.xlsx", sheet_name = "s", has_header = false)]"#);
        assert!(errors.is_empty(), "{errors:?}");
        let storage = options.storage.unwrap();
        assert_eq!(storage.marker().unwrap().to_string(), "Excel");
        assert_eq!(storage.path.unwrap().value(), "out/x.xlsx");
        assert!(problems("#[storage(in_memory)]").0.storage.unwrap().marker().is_none());
        let (_, errors) = problems(r#"#[storage(mongo)]"#);
        assert!(errors[0].starts_with("unknown storage kind `mongo`; expected one of `store`"), "{errors:?}");
        let (_, errors) = problems(r#"#[storage(in_memory, path = "x")]"#);
        assert_eq!(errors, ["storage kind `in_memory` takes no `path`"]);
        let (options, errors) =
            problems(r#"#[storage(s3_object, aws_s3_bucket_name = "b", aws_s3_object_key = "r/x.parquet")]"#);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(options.storage.unwrap().marker().unwrap().to_string(), "Parquet");
        let (options, _) =
            problems(r#"#[storage(s3_object, aws_s3_bucket_name = "b", aws_s3_object_key = KEY)]"#);
        assert_eq!(options.storage.unwrap().marker().unwrap().to_string(), "S3Object");
        let (_, errors) = problems(r#"#[storage(sql_table, db_url = "sqlite://x.db", read_query = "q")]"#);
        assert!(
            errors[0].starts_with("storage kind `sql_table` takes no `read_query`; its keys: db_url"),
            "{errors:?}"
        );
        let (_, errors) = problems(r#"#[storage(sql, read_query = "SELECT 1")]"#);
        assert_eq!(errors, ["storage kind `sql` needs `db_url` or `db_engine`"]);
        let (_, errors) = problems(r#"#[storage(csv, path = "a", colour = 1)]"#);
        assert_eq!(errors, ["unknown storage option `colour`; options: `path`, `has_header`, `sheet_name`"]);
    }

    #[test]
    fn an_unknown_attribute_lists_the_known_ones() {
        let (_, errors) = problems("#[compare(a)]");
        assert!(errors[0].contains("`#[storage(csv, path = \"out.csv\")]`"), "{errors:?}");
    }

    #[test]
    fn the_frequency_is_the_scenarios_own_attribute() {
        let mut errors = Vec::new();
        let attrs = attrs("/// doc\n#[frequency(monthly)] #[derive(Default)]");
        let (frequency, others) = scenario(&attrs, &mut errors);
        assert_eq!(frequency.unwrap().to_string(), "Monthly");
        assert_eq!(others.len(), 2);
        let (_, _) = scenario(&super::attrs("#[frequency(hourly)] #[frequency(daily)]"), &mut errors);
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(errors[0].starts_with("unknown frequency `hourly`; expected one of `daily`"), "{errors:?}");
        assert!(errors[1].starts_with("`#[frequency]` is given twice"), "{errors:?}");
    }
}
