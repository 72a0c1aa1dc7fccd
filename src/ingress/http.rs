//! HTTP ingress: `POST /slack/events` (signature and 5-minute window checked
//! before anything parses the body), `GET /healthz`, `GET /readyz`,
//! `GET /metrics`, and `POST /slack/commands` (`/clarity`, verified the same way).
//!
//! Status codes: bad or missing signature and stale timestamps 401, malformed
//! JSON 400, bodies over the limit 413 (axum's body limit), an event that
//! could not be persisted 503 (so Slack retries it), everything else 200.

use crate::commands::{self, Invocation};
use crate::state::{AppState, IngestRequest, now_ms};
use crate::store::NewEvent;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::value::RawValue;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Event types the pipeline acts on; others are acknowledged and dropped.
const HANDLED_EVENT_TYPES: &[&str] = &["message"];

/// What the HTTP handlers share: the app, and the way into the writer. The
/// sender lives only here, so the writer ends once the server has stopped.
#[derive(Clone)]
pub struct HttpState {
    app: AppState,
    ingest: mpsc::Sender<IngestRequest>,
}

pub fn router(app: AppState, ingest: mpsc::Sender<IngestRequest>) -> Router {
    let limit = app.settings.file.server.max_body_bytes;
    let state = HttpState { app, ingest };
    Router::new()
        .route("/slack/events", post(events))
        .route("/slack/commands", post(commands))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// The parts of a push body the ingress needs. The inner `event` is kept as
/// its raw JSON text: that is what the inbox stores.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: String,
    challenge: Option<String>,
    event_id: Option<String>,
    team_id: Option<String>,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    #[serde(default)]
    authorizations: Vec<Authorization>,
}

#[derive(Deserialize)]
struct InnerEvent {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct Authorization {
    team_id: Option<String>,
}

async fn events(State(state): State<HttpState>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let response = handle_event(&state, &headers, body).await;
    metrics::histogram!("clarity_ack_seconds").record(started.elapsed().as_secs_f64());
    response
}

async fn handle_event(state: &HttpState, headers: &HeaderMap, body: Bytes) -> Response {
    let Some(verifier) = &state.app.verifier else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "HTTP events need SLACK_SIGNING_SECRET",
        )
            .into_response();
    };
    // Slack signs UTF-8 text; anything else cannot carry a valid signature.
    let Ok(text) = std::str::from_utf8(&body) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if let Err(status) = verify(verifier, headers, text) {
        return status.into_response();
    }
    let envelope: Envelope = match serde_json::from_str(text) {
        Ok(envelope) => envelope,
        Err(err) => {
            // Never log the body: it holds message text.
            tracing::warn!(error.category = ?err.classify(), "malformed event body");
            return (StatusCode::BAD_REQUEST, "malformed JSON").into_response();
        }
    };
    match envelope.kind.as_str() {
        "url_verification" => envelope.challenge.unwrap_or_default().into_response(),
        "event_callback" => {
            metrics::counter!("clarity_events_received_total").increment(1);
            let Some(event_id) = envelope.event_id else {
                return (StatusCode::BAD_REQUEST, "event_callback without event_id")
                    .into_response();
            };
            let Some(event) = envelope.event else {
                return (StatusCode::BAD_REQUEST, "event_callback without event").into_response();
            };
            let event_type = serde_json::from_str::<InnerEvent>(event.get())
                .ok()
                .and_then(|e| e.kind)
                .unwrap_or_default();
            if !HANDLED_EVENT_TYPES.contains(&event_type.as_str()) {
                metrics::counter!("clarity_events_ignored_total").increment(1);
                return StatusCode::OK.into_response();
            }
            let team_id = envelope
                .team_id
                .or_else(|| envelope.authorizations.into_iter().find_map(|a| a.team_id))
                .unwrap_or_default();
            let payload = event.get().to_string();
            match persist(
                state,
                NewEvent {
                    team_id,
                    event_id,
                    payload,
                },
            )
            .await
            {
                Ok(()) => StatusCode::OK.into_response(),
                Err(()) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "could not persist the event; retry",
                )
                    .into_response(),
            }
        }
        _ => {
            metrics::counter!("clarity_events_ignored_total").increment(1);
            StatusCode::OK.into_response()
        }
    }
}

async fn commands(State(state): State<HttpState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(verifier) = &state.app.verifier else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "slash commands need SLACK_SIGNING_SECRET",
        )
            .into_response();
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if let Err(status) = verify(verifier, &headers, text) {
        return status.into_response();
    }
    let invocation: Invocation = match serde_urlencoded::from_str(text) {
        Ok(invocation) => invocation,
        Err(_) => {
            // Never log the body: it holds the command's text.
            tracing::warn!("malformed slash command body");
            return (StatusCode::BAD_REQUEST, "malformed form body").into_response();
        }
    };
    metrics::counter!("clarity_commands_total").increment(1);
    let plan = commands::plan(&invocation.text);
    let app = state.app.clone();
    let who = invocation.clone();
    let mut work = tokio::spawn(async move { commands::perform(&app, &who, plan, now_ms()).await });
    // Slack gives up on the request after 3 s.
    let deadline = Duration::from_millis(state.app.settings.file.server.command_answer_ms);
    let in_time = if deadline.is_zero() {
        None
    } else {
        tokio::time::timeout(deadline, &mut work).await.ok()
    };
    match in_time {
        Some(Ok(answer)) => Json(answer.to_json()).into_response(),
        Some(Err(_)) => Json(commands::Answer::failed().to_json()).into_response(),
        None => {
            tracing::info!("slow command; answering through response_url");
            let url = invocation.response_url;
            let slack_api_url = state.app.settings.slack_api_url.clone();
            tokio::spawn(async move {
                let answer = work.await.unwrap_or_else(|_| commands::Answer::failed());
                commands::send_later(&url, &slack_api_url, &answer).await;
            });
            Json(commands::Answer::working().to_json()).into_response()
        }
    }
}

/// Checks the v0 signature and the 5-minute window with slack-morphism's verifier.
fn verify(
    verifier: &SlackEventSignatureVerifier,
    headers: &HeaderMap,
    body: &str,
) -> Result<(), StatusCode> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (
        header(SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER),
        header(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP),
    ) else {
        tracing::warn!("request without Slack signature headers");
        return Err(StatusCode::UNAUTHORIZED);
    };
    verifier.verify(signature, body, timestamp).map_err(|err| {
        let kind = match err {
            slack_morphism::signature_verifier::SlackEventSignatureVerifierError::IncorrectOrExpiredTimestampError(_) => "stale or invalid timestamp",
            slack_morphism::signature_verifier::SlackEventSignatureVerifierError::WrongSignatureError(_) => "wrong signature",
            _ => "signature check failed",
        };
        tracing::warn!(reason = kind, "refused an unsigned or stale request");
        StatusCode::UNAUTHORIZED
    })
}

/// Hands the event to the group-commit writer and waits until it is durable.
async fn persist(state: &HttpState, event: NewEvent) -> Result<(), ()> {
    let (done, persisted) = oneshot::channel();
    state
        .ingest
        .send(IngestRequest { event, done })
        .await
        .map_err(|_| ())?;
    persisted.await.map_err(|_| ())?
}

async fn readyz(State(state): State<HttpState>) -> Response {
    if state.app.store.ping().await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

async fn metrics(State(HttpState { app: state, .. }): State<HttpState>) -> Response {
    if let Ok(depth) = state.store.inbox_depth().await {
        metrics::gauge!("clarity_inbox_depth").set(depth as f64);
    }
    if let Ok(depth) = state.store.outbox_depth().await {
        metrics::gauge!("clarity_outbox_depth").set(depth as f64);
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
        .into_response()
}
