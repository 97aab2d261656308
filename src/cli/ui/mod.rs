//! `ui`: a local web page over the store (feature `ui`).
//!
//! Server-rendered HTML (axum on a small tokio runtime) with one short script for the live parts;
//! the assets are compiled in, so nothing is built or fetched to run it.
//!
//! - `mod.rs`: the command: binding, tokens, the routes, serving;
//! - `guard.rs`: what every request must show (the access token when bound elsewhere than a
//!   loopback address, a local `Host`), the CSRF check of forms, security headers;
//! - `html.rs`: escaping, the page frame, error pages;
//! - `pages.rs`: the views: scenarios by cycle, one scenario, one data node, a comparison;
//! - `live.rs`: submitting from the page (on a thread of its own) and the server-sent events
//!   that redraw the DAG and the jobs while a submission runs.
//!
//! Store reads and submissions are synchronous: handlers run them with `spawn_blocking`, so the
//! async runtime never waits on the store, and reading a page never waits for a running
//! submission (the store serves reads while jobs commit).

mod guard;
mod html;
mod live;
mod pages;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::broadcast;

use super::args::UiArgs;
use super::context::Context;
use crate::{BoxError, EventFilter, Scenario, ScenarioConfig, Store};

pub(crate) use html::PageError;

/// What every handler shares: the store, the known configs, the tokens, the store's events.
pub(crate) struct Shared {
    store: Store,
    store_path: PathBuf,
    configs: Vec<Arc<ScenarioConfig>>,
    /// The token every request needs, when bound elsewhere than a loopback address.
    access: Option<String>,
    /// The token every form carries back (checked on every POST).
    csrf: String,
    /// The port the server listens on, for the `Host` check.
    port: u16,
    /// The store's events, fanned out to the pages following them.
    events: broadcast::Sender<crate::Event>,
}

type State = Arc<Shared>;

impl Shared {
    /// The stored scenario with this id (ids only: a page names nothing else), opened with its
    /// config.
    fn scenario(&self, id: &str) -> Result<Scenario, PageError> {
        let info = self.store.scenarios()?.into_iter().find(|s| s.id == id).ok_or_else(|| {
            PageError::not_found(format!(
                "no scenario with id `{id}` in store `{}`",
                self.store_path.display()
            ))
        })?;
        let config = self.configs.iter().find(|c| c.id() == info.config_id).ok_or_else(|| {
            PageError::internal(format!(
                "scenario `{}` was created from config `{}`, which this program does not know",
                info.name, info.config_id
            ))
        })?;
        Ok(Scenario::open(&self.store, config, &info.id)?)
    }
}

/// Runs a synchronous piece of a handler (store reads, writes, submits) off the async runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PageError> + Send + 'static,
) -> Result<T, PageError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(PageError::internal(format!("the page's work stopped: {e}"))))
}

/// The routes. Only ids travel in URLs; nothing in them names a file.
fn router(state: State) -> Router {
    Router::new()
        .route("/", get(pages::index))
        .route("/compare", get(pages::compare))
        .route("/scenarios/{id}", get(pages::scenario))
        .route("/scenarios/{id}/nodes/{node}", get(pages::node))
        .route("/scenarios/{id}/submit", post(live::submit))
        .route("/scenarios/{id}/live", get(live::events))
        .route("/assets/style.css", get(html::style))
        .route("/assets/app.js", get(html::script))
        .fallback(html::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::check))
        .with_state(state)
}

pub(crate) fn run(cx: &mut Context<'_>, args: UiArgs) -> Result<(), BoxError> {
    let store = cx.store()?.clone();
    let configs = cx.configs()?;
    let store_path = cx.store_path()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("taipy-ui")
        .build()
        .map_err(|e| format!("cannot start the web server: {e}"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(args.bind))
        .map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    let address: SocketAddr = listener.local_addr()?;
    let access = (!address.ip().is_loopback()).then(guard::new_token).transpose()?;
    let (events, _) = broadcast::channel(256);
    let shared = Arc::new(Shared {
        store: store.clone(),
        store_path,
        configs,
        access: access.clone(),
        csrf: guard::new_token()?,
        port: address.port(),
        events: events.clone(),
    });
    // One subscription for the server's life: job events are produced for every submission,
    // whichever page is open when it starts.
    live::forward_events(&store, EventFilter::all(), events);

    match &access {
        Some(token) => writeln!(
            cx.out(),
            "serving the taipy page on http://{address}/?token={token}\n\
             every request needs this token (bound to {}, not a loopback address)",
            address.ip()
        )?,
        None => writeln!(cx.out(), "serving the taipy page on http://{address}/")?,
    }
    cx.out().flush()?;
    runtime
        .block_on(async move { axum::serve(listener, router(shared)).await })
        .map_err(|e| format!("the web server stopped: {e}"))?;
    Ok(())
}
