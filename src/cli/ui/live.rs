//! Submitting from the page, and following a scenario live.
//!
//! A submission is started by a POST (CSRF-checked; every value checked against its node's type
//! before any is written, as the command line's `--set` does) and waited for on a thread of its
//! own: the orchestrator is synchronous, so neither the request nor the async runtime waits
//! for the jobs. The store's events are fanned out to the open pages, which receive their DAG,
//! jobs and nodes redrawn as server-sent events after each change.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Form, Path, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::Stream;
use tokio::sync::broadcast;

use super::html::url;
use super::pages::live_parts;
use super::{PageError, blocking, guard};
use crate::cli::nodes::show_value;
use crate::cli::submit::write_values;
use crate::{EntityType, Event, EventFilter, Store, SubmitOptions};

/// Forwards the store's events to `sender` from a thread of its own, for as long as the store
/// delivers them.
pub(super) fn forward_events(store: &Store, filter: EventFilter, sender: broadcast::Sender<Event>) {
    let receiver = store.subscribe(filter);
    std::thread::Builder::new()
        .name("taipy-ui-events".into())
        .spawn(move || {
            for event in receiver {
                // No page open: nobody to tell.
                let _ = sender.send(event);
            }
        })
        .expect("spawning the events thread");
}

/// `POST /scenarios/{id}/submit`: `_csrf`, `set.NODE=VALUE` for each parameter, `force`.
pub(super) async fn submit(
    State(shared): State<super::State>,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let csrf = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str());
    guard::check_csrf(&shared, csrf)?;
    let force = fields.iter().any(|(k, v)| k == "force" && !v.is_empty());
    let submitted = blocking(move || {
        let scenario = shared.scenario(&id)?;
        // The form sends every parameter: only those whose text changed are written (a
        // parameter's default confirmed unchanged would otherwise become a user's edit).
        let mut assignments: Vec<(&str, &str)> = Vec::new();
        for (key, text) in &fields {
            let Some(node) = key.strip_prefix("set.") else { continue };
            let unchanged = match scenario.node_config(node).map(|_| scenario.node_current(node)) {
                Ok(Ok(Some(_))) => {
                    scenario.read_toml(node, None)?.1.is_some_and(|v| show_value(&v) == text.trim())
                }
                _ => false,
            };
            if !unchanged {
                assignments.push((node, text.trim()));
            }
        }
        write_values(&scenario, &assignments, "edited on the web page")?;
        let scenario_id = scenario.id().to_owned();
        // The submission is made and waited for on a thread of its own: in development mode
        // the orchestrator runs the jobs in the submitting thread. The answer goes back once the
        // submission exists (its first job status), so the page it leads to shows its jobs.
        let (started, first) = std::sync::mpsc::channel::<Result<(), String>>();
        let on_status = started.clone();
        let options = SubmitOptions::new().force(force).on_status(move |_| {
            let _ = on_status.send(Ok(()));
        });
        std::thread::Builder::new()
            .name("taipy-ui-submission".into())
            .spawn(move || match scenario.submit_with(options) {
                // Failed jobs are shown on the page, from the store.
                Ok(submission) => {
                    let _ = started.send(Ok(()));
                    let _ = submission.wait();
                }
                Err(e) => {
                    let _ = started
                        .send(Err(crate::cli::report(&e).trim_end().trim_start_matches("error: ").into()));
                }
            })
            .map_err(|e| PageError::internal(format!("cannot start the submission's thread: {e}")))?;
        match first.recv() {
            Ok(Ok(())) => {}
            Ok(Err(message)) => return Err(PageError::bad_request(message)),
            Err(_) => return Err(PageError::internal("the submission's thread stopped before submitting")),
        }
        Ok(scenario_id)
    })
    .await?;
    Ok(Redirect::to(&format!("/scenarios/{}#jobs", url(&submitted))).into_response())
}

/// Whether an event can change what a scenario's page shows.
fn relevant(event: &Event) -> bool {
    matches!(
        event.entity,
        EntityType::Job | EntityType::Submission | EntityType::DataNode | EntityType::Scenario
    )
}

/// `GET /scenarios/{id}/live`: an `update` event with the page's live parts now, then after
/// every change (changes that come together are drawn once).
pub(super) async fn events(
    State(shared): State<super::State>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, PageError> {
    {
        let (shared, id) = (shared.clone(), id.clone());
        blocking(move || shared.scenario(&id).map(drop)).await?;
    }
    let receiver = shared.events.subscribe();
    let stream = futures_util::stream::unfold(
        (shared, id, receiver, true),
        |(shared, id, mut receiver, first)| async move {
            if !first {
                loop {
                    match receiver.recv().await {
                        Ok(event) if relevant(&event) => break,
                        Ok(_) => continue,
                        Err(broadcast::error::RecvError::Lagged(_)) => break,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
                tokio::time::sleep(Duration::from_millis(40)).await;
                while receiver.try_recv().is_ok() {}
            }
            let parts = {
                let (shared, id) = (shared.clone(), id.clone());
                blocking(move || live_parts(&shared, &shared.scenario(&id)?).map(|p| p.to_json())).await
            };
            let event = match parts {
                Ok(json) => SseEvent::default().event("update").data(json),
                Err(error) => SseEvent::default().event("failure").data(error.message()),
            };
            Some((Ok(event), (shared, id, receiver, false)))
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
