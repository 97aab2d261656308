//! The values of a data node's storage keys, checked against what each key accepts.
//!
//! Taipy writes some of these keys in several forms (`db_port = 5432`, `"5432:int"` or
//! `"5432"`; `db_extra_args` as a table or as a string); each is read here into the text form
//! [`Storage::service_key`](crate::Storage::service_key) keeps, and an enumerated key whose
//! value is not one of its accepted values is a problem naming the key and those values.

use super::typed::Typed;

/// The engines this crate connects to (`postgres` is accepted as PostgreSQL's other name).
const ENGINES: &[&str] = &["sqlite", "postgresql"];
/// Taipy's other engines: named as such in the error.
const TAIPY_ONLY_ENGINES: &[&str] = &["mssql", "mysql"];
/// Taipy's `exposed_type` names (a class is written `"module.Class:class"`).
const EXPOSED_TYPES: &[&str] = &["pandas", "modin", "numpy"];
/// `db_extra_args`: the PostgreSQL connection options [`Database::from_keys`] understands.
///
/// [`Database::from_keys`]: crate::storage
const DB_EXTRA_ARGS: &[&str] = &["connect_timeout", "application_name", "options"];
/// `aws_s3_client_parameters`: the client parameters the S3 backend understands.
const S3_CLIENT_PARAMETERS: &[&str] = &["endpoint_url", "region_name"];

/// The text a service key keeps for `typed`, or why the value is not accepted (the caller
/// prefixes the key).
pub(crate) fn service_value(key: &str, typed: &Typed) -> Result<String, String> {
    match key {
        "db_engine" => engine(&text(typed)?).map(str::to_owned),
        "db_port" => port(typed),
        "db_extra_args" => table(typed, DB_EXTRA_ARGS),
        "aws_s3_client_parameters" => table(typed, S3_CLIENT_PARAMETERS),
        "read_fct_args" | "write_fct_args" => arguments(typed),
        _ => text(typed),
    }
}

/// `exposed_type`: one of Taipy's names, or a class.
pub(crate) fn exposed_type(typed: &Typed) -> Result<String, String> {
    match typed {
        // Kept with its suffix, so an export writes it back as a class.
        Typed::Function(class) => Ok(format!("{class}:class")),
        Typed::Text(name) if EXPOSED_TYPES.contains(&name.as_str()) => Ok(name.clone()),
        Typed::Text(name) => Err(format!(
            "unknown value `{name}`; accepted: {}, or a class as \"module.Class:class\"",
            EXPOSED_TYPES.join(", ")
        )),
        other => Err(format!("must be a string, not {}", other.kind())),
    }
}

/// `read_fct` / `write_fct`: a function registered for `generic` nodes.
pub(crate) fn generic_function(key: &str, name: &str) -> Result<(), String> {
    use crate::storage::generic;
    let found = match key {
        "read_fct" => generic::reader(name).is_some(),
        _ => generic::writer(name).is_some(),
    };
    if found { Ok(()) } else { Err(generic::unknown(key, name)) }
}

/// `read_fct_args` / `write_fct_args`: a list of values, given to the function as strings
/// (kept as a JSON list).
fn arguments(typed: &Typed) -> Result<String, String> {
    let items = match typed {
        Typed::List(items) => items,
        other => return Err(format!("must be a list like [\"a\", \"b\"], not {}", other.kind())),
    };
    let texts = items
        .iter()
        .map(|item| match item.to_toml() {
            ::toml::Value::String(s) => Ok(s),
            value @ (::toml::Value::Integer(_) | ::toml::Value::Float(_) | ::toml::Value::Boolean(_)) => {
                Ok(value.to_string())
            }
            _ => Err(format!("holds {}; the arguments are strings, numbers or booleans", item.kind())),
        })
        .collect::<Result<Vec<String>, String>>()?;
    Ok(serde_json::to_string(&texts).expect("strings serialize"))
}

/// The engine named `name`, as written.
fn engine(name: &str) -> Result<&str, String> {
    let accepted = ENGINES.join(", ");
    match name {
        _ if ENGINES.contains(&name) || name == "postgres" => Ok(name),
        _ if TAIPY_ONLY_ENGINES.contains(&name) => {
            Err(format!("`{name}` is one of Taipy's engines but is not supported here; accepted: {accepted}"))
        }
        _ => Err(format!("unknown engine `{name}`; accepted: {accepted}")),
    }
}

fn text(typed: &Typed) -> Result<String, String> {
    match typed {
        Typed::Text(s) | Typed::Function(s) => Ok(s.clone()),
        other => Err(format!("must be a string, not {}", other.kind())),
    }
}

/// A port: an integer or a string of digits, from 1 to 65535.
fn port(typed: &Typed) -> Result<String, String> {
    let written = match typed {
        Typed::Int(n) => n.to_string(),
        Typed::Text(s) => s.trim().to_owned(),
        other => return Err(format!("must be a port number, not {}", other.kind())),
    };
    match written.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port.to_string()),
        _ => Err(format!("`{written}` is not a port number; accepted: 1 to 65535")),
    }
}

/// A table of options (a TOML table, or its inline text), each named in `accepted`; kept as
/// inline-table text, the form the backends parse.
fn table(typed: &Typed, accepted: &[&str]) -> Result<String, String> {
    let entries = match typed {
        Typed::Map(entries) => entries.iter().map(|(k, v)| (k.clone(), v.to_toml())).collect(),
        Typed::Text(s) => ::toml::from_str::<::toml::Table>(&format!("t = {s}"))
            .ok()
            .and_then(|mut t| t.remove("t"))
            .and_then(|v| v.as_table().cloned())
            .ok_or_else(|| format!("`{s}` is not a table like {{ {} = ... }}", accepted[0]))?
            .into_iter()
            .collect::<Vec<_>>(),
        other => return Err(format!("must be a table, not {}", other.kind())),
    };
    if let Some((unknown, _)) = entries.iter().find(|(k, _)| !accepted.contains(&k.as_str())) {
        return Err(format!("unknown option `{unknown}`; accepted: {}", accepted.join(", ")));
    }
    if entries.is_empty() {
        return Ok("{}".to_owned());
    }
    let items: Vec<String> = entries.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    Ok(format!("{{ {} }}", items.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_ports_and_tables() {
        assert_eq!(service_value("db_engine", &Typed::Text("sqlite".into())), Ok("sqlite".into()));
        assert!(service_value("db_engine", &Typed::Text("mssql".into())).unwrap_err().contains("Taipy's"));
        assert_eq!(service_value("db_port", &Typed::Int(5432)), Ok("5432".into()));
        assert!(service_value("db_port", &Typed::Text("0".into())).is_err());
        let args = Typed::Map(vec![("connect_timeout".into(), Typed::Int(5))]);
        assert_eq!(service_value("db_extra_args", &args), Ok("{ connect_timeout = 5 }".into()));
        assert_eq!(service_value("db_extra_args", &Typed::Text("{}".into())), Ok("{}".into()));
        assert!(exposed_type(&Typed::Text("polars".into())).is_err());
    }
}
