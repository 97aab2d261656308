//! HTML pieces: escaping, the frame of every page, the compiled-in assets, error pages.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::StoreError;

/// `text` escaped for HTML text and attribute values.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` percent-encoded for a path segment or a query value.
pub(super) fn url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A whole page: `title` in the head and the header, `body` inside `<main>` (with `live`, the
/// address of the server-sent events that update it).
pub(super) fn page(title: &str, live: Option<&str>, body: &str) -> Html<String> {
    let live = live.map(|url| format!(" data-live=\"{}\"", esc(url))).unwrap_or_default();
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · taipy</title><link rel=\"stylesheet\" href=\"/assets/style.css\"></head>\
         <body><header><a href=\"/\" class=\"brand\">taipy</a> <span>{title}</span></header>\
         <main{live}>{body}</main><script src=\"/assets/app.js\"></script></body></html>\n",
        title = esc(title),
    ))
}

pub(super) async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("assets/style.css")).into_response()
}

pub(super) async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("assets/app.js"))
        .into_response()
}

pub(super) async fn not_found() -> PageError {
    PageError::not_found("no such page")
}

/// A request that went wrong: its status and a message for people, shown as a page.
#[derive(Debug)]
pub(crate) struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    pub(super) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(super) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub(super) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub(super) fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The message, for the live updates' error events.
    pub(super) fn message(&self) -> &str {
        &self.message
    }
}

/// Store errors by what the user did: an unknown entity is 404, a value that does not fit 400,
/// anything else the server's fault (500), each with the store's message and its causes.
impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        let status = match &error {
            StoreError::NotFound { .. } | StoreError::UnknownNode { .. } => StatusCode::NOT_FOUND,
            StoreError::InvalidValue { .. } | StoreError::NeverWritten { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::new(status, super::super::report(&error).trim_end().trim_start_matches("error: "))
    }
}

impl From<crate::BoxError> for PageError {
    fn from(error: crate::BoxError) -> Self {
        Self::internal(super::super::report(&*error).trim_end().trim_start_matches("error: "))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("error");
        let body = format!(
            "<h1>{} {}</h1><p class=\"error\" id=\"error\">{}</p><p>Nothing was changed. <a href=\"/\">All \
             scenarios</a></p>",
            self.status.as_u16(),
            esc(title),
            esc(&self.message).replace('\n', "<br>")
        );
        (self.status, page(title, None, &body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_urls_are_escaped() {
        assert_eq!(esc("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(url("a b/../c?d"), "a%20b%2F..%2Fc%3Fd");
    }
}
