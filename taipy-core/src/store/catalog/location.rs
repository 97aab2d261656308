//! Telling a store location that names a server from a folder, and naming it in messages.
//!
//! `Store::open` takes a folder path, as it always did; a path that reads as a `postgres://`
//! or `postgresql://` URL names a catalog on a PostgreSQL server instead. This file is built
//! with or without the `postgres` feature, so that a build without it says so.

/// Whether `text` names a PostgreSQL catalog (rather than a folder).
pub(crate) fn is_postgres_url(text: &str) -> bool {
    let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// `url` without its password: `postgres://user:secret@host/db` → `postgres://user@host/db`,
/// and a `password=` query parameter left out.
pub(crate) fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (rest, query) = rest.split_once('?').map_or((rest, None), |(r, q)| (r, Some(q)));
    let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => format!("{}@{host}", user_info.split(':').next().unwrap_or("")),
        None => authority.to_owned(),
    };
    let mut out = if scheme.is_empty() { authority } else { format!("{scheme}://{authority}") };
    if let Some(path) = path {
        out.push('/');
        out.push_str(path);
    }
    if let Some(query) = query {
        let kept: Vec<&str> =
            query.split('&').filter(|p| !p.to_ascii_lowercase().starts_with("password=")).collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_folders() {
        assert!(is_postgres_url("postgres://h/db") && is_postgres_url("PostgreSQL://h/db"));
        assert!(!is_postgres_url("target/store") && !is_postgres_url("postgres") && !is_postgres_url(""));
        assert!(!is_postgres_url("postgres:/x") && !is_postgres_url("./postgres://x"));
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://taipy:secret@127.0.0.1:5432/db"), "postgres://taipy@127.0.0.1:5432/db");
        assert_eq!(
            redact("postgresql://u:p@h/db?schema=s&password=secret&sslmode=disable"),
            "postgresql://u@h/db?schema=s&sslmode=disable"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }
}
