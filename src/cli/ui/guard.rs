//! What every request must show, and what every response carries.
//!
//! - Bound to a loopback address, the page is for this machine's user: a request must name a
//!   local `Host` (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`), so that a web site whose
//!   name was re-pointed at 127.0.0.1 (DNS rebinding) cannot read or drive it.
//! - Bound elsewhere, every request needs the access token printed at start: `?token=` (which
//!   also sets a same-site, HTTP-only cookie, so links and the live updates work), the cookie,
//!   or `Authorization: Bearer`.
//! - Every state-changing request is a POST whose form carries the CSRF token the pages embed
//!   ([`check_csrf`]); a GET never changes anything.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::PageError;

/// The cookie that carries the access token after a first `?token=` request.
const COOKIE: &str = "taipy_token";

/// A new random token: 32 hex digits (128 bits) from the operating system's generator.
pub(super) fn new_token() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot draw a random token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares two tokens in a time that does not depend on where they differ.
pub(super) fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The form's CSRF token, checked against the server's.
pub(super) fn check_csrf(shared: &super::Shared, given: Option<&str>) -> Result<(), PageError> {
    match given {
        Some(given) if same_token(given, &shared.csrf) => Ok(()),
        Some(_) => Err(PageError::forbidden(
            "the form's CSRF token does not match this server's: reload the page and submit again",
        )),
        None => Err(PageError::forbidden("the form carries no CSRF token: submit it from the page")),
    }
}

/// The middleware: the host and token checks, then the security headers on every response.
pub(super) async fn check(State(shared): State<super::State>, request: Request, next: Next) -> Response {
    let mut set_cookie = None;
    let refused = match &shared.access {
        None => local_host(request.headers(), shared.port).err(),
        Some(token) => {
            let from_query = query_token(request.uri().query());
            if from_query.as_deref().is_some_and(|t| same_token(t, token)) {
                set_cookie = Some(format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"));
                None
            } else if cookie_token(request.headers()).is_some_and(|t| same_token(t, token))
                || bearer_token(request.headers()).is_some_and(|t| same_token(t, token))
            {
                None
            } else if from_query.is_some() {
                Some(PageError::unauthorized("the token given in the address is not this server's"))
            } else {
                Some(PageError::unauthorized(
                    "this page needs the access token the `ui` command printed when it started: open the \
                     address it printed (ending in `?token=...`)",
                ))
            }
        }
    };
    let mut response = match refused {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    };
    let headers = response.headers_mut();
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // A token in the address never leaves in a Referer.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// A loopback server answers only requests addressed to a local name.
fn local_host(headers: &HeaderMap, port: u16) -> Result<(), PageError> {
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = hosts.next().and_then(|h| h.to_str().ok()).unwrap_or("");
    let allowed = hosts.next().is_none()
        && ["127.0.0.1", "localhost", "[::1]"].iter().any(|name| host == format!("{name}:{port}"));
    if allowed {
        Ok(())
    } else {
        Err(PageError::forbidden(format!(
            "this page answers requests for 127.0.0.1:{port} or localhost:{port} only, not for host `{host}`"
        )))
    }
}

fn query_token(query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = query_pairs(query?);
    pairs.into_iter().find(|(k, _)| k == "token").map(|(_, v)| v)
}

/// `a=1&b=2` as pairs, percent-decoded (axum's own query parser).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    let uri: axum::http::Uri = match format!("/?{query}").parse() {
        Ok(uri) => uri,
        Err(_) => return Vec::new(),
    };
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri).map(|q| q.0).unwrap_or_default()
}

fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_compared_whole() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &b));
        assert!(!same_token(&a[..31], &a));
    }

    #[test]
    fn the_token_is_found_in_the_query_the_cookie_or_the_header() {
        assert_eq!(query_token(Some("a=1&token=ab%20c")).as_deref(), Some("ab c"));
        assert_eq!(query_token(Some("a=1")), None);
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("x=1; taipy_token=abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer xyz"));
        assert_eq!(cookie_token(&headers), Some("abc"));
        assert_eq!(bearer_token(&headers), Some("xyz"));
    }

    #[test]
    fn a_loopback_server_answers_local_host_names_only() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("localhost:8000"));
        assert!(local_host(&headers, 8000).is_ok());
        headers.insert(header::HOST, HeaderValue::from_static("evil.example:8000"));
        assert!(local_host(&headers, 8000).is_err());
    }
}
