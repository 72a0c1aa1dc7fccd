//! HTTP ingress: `POST /slack/events` (signature and 5-minute window checked
//! before anything parses the body), `GET /healthz`, `GET /readyz`,
//! `GET /metrics`, `POST /slack/commands` (`/clarity`, verified the same way)
//! and `POST /slack/interactions` (buttons and modals, verified the same way,
//! handled by [`crate::interactions::handle`] once decoded); `GET
//! /slack/install` and `GET /slack/oauth_redirect`, "Add to Slack" in
//! multi-workspace mode ([`crate::install`]; 404 otherwise).
//!
//! Status codes: bad or missing signature and stale timestamps 401, malformed
//! JSON 400, bodies over the limit 413 (axum's body limit), an event that
//! could not be persisted 503 (so Slack retries it), a body not received
//! within [`server::READ_TIMEOUT`] 408, everything else 200 (an event for a
//! workspace the bot is not installed in too: it is dropped).

use crate::commands::{self, Invocation};
use crate::ingress::decode;
use crate::ingress::writer::{self, NotPersisted};
use crate::ingress::{self, server};
use crate::install;
use crate::state::{AppState, IngestRequest, now_ms};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::value::RawValue;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use std::time::Instant;
use tokio::sync::mpsc;

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
        .route("/slack/interactions", post(interactions))
        .route("/slack/install", get(install_start))
        .route("/slack/oauth_redirect", get(install_finish))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(move |request, next| {
            server::read_body_in_time(limit, request, next)
        }))
        .with_state(state)
}

/// The parts of a push body the ingress needs. The inner `event` is kept as
/// its raw JSON text, for [`decode`] to read.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: String,
    challenge: Option<String>,
    event_id: Option<String>,
    team_id: Option<String>,
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    enterprise_id: Option<String>,
    #[serde(default)]
    authorizations: Vec<ingress::Authorization>,
    /// Set in a channel shared between workspaces: then `authorizations`
    /// may list only one of the installations that see the event, and
    /// `event_context` asks Slack for all of them.
    #[serde(default)]
    is_ext_shared_channel: bool,
    event_context: Option<String>,
}

async fn events(State(state): State<HttpState>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let response = handle_event(&state, &headers, body).await;
    metrics::histogram!("clarity_ack_seconds").record(started.elapsed().as_secs_f64());
    response
}

async fn handle_event(state: &HttpState, headers: &HeaderMap, body: Bytes) -> Response {
    let text = match verified(state, headers, &body, "HTTP events") {
        Ok(text) => text,
        Err(refused) => return refused.into_response(),
    };
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
            let recipient = ingress::recipient(
                &state.app,
                envelope.team_id.as_deref(),
                envelope.enterprise_id.as_deref(),
                &envelope.authorizations,
                envelope
                    .event_context
                    .as_deref()
                    .filter(|_| envelope.is_ext_shared_channel),
            )
            .await;
            let ingress::Recipient {
                team_id,
                bot_user_id,
            } = match recipient {
                Ok(Some(recipient)) => recipient,
                Ok(None) => return StatusCode::OK.into_response(),
                Err(err) => {
                    tracing::error!(error = %err, "could not read which installation an event is for");
                    return (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "could not read the installation; retry",
                    )
                        .into_response();
                }
            };
            let incoming = decode::from_json(event.get(), &team_id, &bot_user_id);
            match writer::accept(&state.ingest, team_id, event_id, incoming).await {
                Ok(_) => StatusCode::OK.into_response(),
                Err(NotPersisted) => (
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
    let text = match verified(&state, &headers, &body, "slash commands") {
        Ok(text) => text,
        Err(refused) => return refused.into_response(),
    };
    let invocation: Invocation = match serde_urlencoded::from_str(text) {
        Ok(invocation) => invocation,
        Err(_) => {
            // Never log the body: it holds the command's text.
            tracing::warn!("malformed slash command body");
            return (StatusCode::BAD_REQUEST, "malformed form body").into_response();
        }
    };
    ingress::note_organization(
        &state.app,
        &invocation.team_id,
        Some(&invocation.enterprise_id),
    )
    .await;
    Json(
        commands::answer_in_time(&state.app, invocation)
            .await
            .to_json(),
    )
    .into_response()
}

/// The form body of an interaction: `payload=<json>`.
#[derive(Deserialize)]
struct InteractionForm {
    payload: String,
}

async fn interactions(State(state): State<HttpState>, headers: HeaderMap, body: Bytes) -> Response {
    let text = match verified(&state, &headers, &body, "interactions") {
        Ok(text) => text,
        Err(refused) => return refused.into_response(),
    };
    let payload = serde_urlencoded::from_str::<InteractionForm>(text)
        .ok()
        .and_then(|form| serde_json::from_str::<serde_json::Value>(&form.payload).ok());
    let Some(payload) = payload else {
        // Never log the body: it holds message text.
        tracing::warn!("malformed interaction body");
        return (StatusCode::BAD_REQUEST, "malformed interaction payload").into_response();
    };
    let team = &payload["team"];
    let enterprise = team["enterprise_id"]
        .as_str()
        .or_else(|| payload["enterprise"]["id"].as_str());
    ingress::note_organization(
        &state.app,
        team["id"].as_str().unwrap_or_default(),
        enterprise,
    )
    .await;
    let started = Instant::now();
    let ack = ingress::interaction(&state.app, payload, now_ms()).await;
    metrics::histogram!("clarity_interaction_ack_seconds").record(started.elapsed().as_secs_f64());
    match ack {
        crate::interactions::Ack::Unreadable => {
            (StatusCode::BAD_REQUEST, "unreadable interaction payload").into_response()
        }
        ack => ingress::interaction_response(&ack).into_response(),
    }
}

/// `GET /slack/install`: to Slack's consent page, with the state cookie.
async fn install_start(State(state): State<HttpState>) -> Response {
    install_page(install::start(&state.app, now_ms()).await)
}

/// `GET /slack/oauth_redirect`: Slack sends the installer back here.
async fn install_finish(
    State(state): State<HttpState>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let redirect: install::Redirect =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == install::STATE_COOKIE)
        .map(|(_, value)| value.to_string());
    let page = install::finish(&state.app, redirect, cookie.as_deref(), now_ms()).await;
    let mut response = install_page(page);
    // The state is spent either way: the browser forgets it too.
    if let Ok(clear) = axum::http::HeaderValue::from_str(&format!(
        "{}=; Path=/slack; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
        install::STATE_COOKIE
    )) {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, clear);
    }
    response
}

fn install_page(page: install::Page) -> Response {
    use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE};
    use axum::response::Html;
    match page {
        install::Page::ToSlack { location, state } => {
            let cookie = format!(
                "{}={state}; Path=/slack; Max-Age={}; HttpOnly; Secure; SameSite=Lax",
                install::STATE_COOKIE,
                install::STATE_TTL_MS / 1000
            );
            (
                StatusCode::FOUND,
                [
                    (LOCATION, location),
                    (SET_COOKIE, cookie),
                    (CACHE_CONTROL, "no-store".to_string()),
                ],
            )
                .into_response()
        }
        install::Page::Installed { name } => Html(install::html(
            "clarity is installed",
            &format!("clarity is installed in {name}. In Slack, /invite @clarity to a channel: it greets the channel once and asks, in the thread, which decision has been made when someone asks to align on something nobody decided."),
        ))
        .into_response(),
        install::Page::Failed { status, why } => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            Html(install::html("clarity was not installed", &why)),
        )
            .into_response(),
    }
}

/// Why a request to a Slack route is refused before its body is read.
enum Refused {
    /// No signing secret is set: 503, naming the routes that need one.
    NoSecret(&'static str),
    /// The body is not UTF-8 (Slack signs text), or its signature or
    /// timestamp does not verify: 401.
    Unsigned,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NoSecret(what) => (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("{what} need SLACK_SIGNING_SECRET"),
            )
                .into_response(),
            Refused::Unsigned => StatusCode::UNAUTHORIZED.into_response(),
        }
    }
}

/// The body of a request signed by Slack, as text. Every Slack route asks
/// this before anything reads the body; `what` names the route for the
/// answer when no signing secret is set.
fn verified<'a>(
    state: &HttpState,
    headers: &HeaderMap,
    body: &'a Bytes,
    what: &'static str,
) -> Result<&'a str, Refused> {
    let Some(verifier) = &state.app.verifier else {
        return Err(Refused::NoSecret(what));
    };
    let text = std::str::from_utf8(body).map_err(|_| Refused::Unsigned)?;
    verify(verifier, headers, text)?;
    Ok(text)
}

/// Checks the v0 signature and the 5-minute window with slack-morphism's verifier.
fn verify(
    verifier: &SlackEventSignatureVerifier,
    headers: &HeaderMap,
    body: &str,
) -> Result<(), Refused> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (
        header(SlackEventSignatureVerifier::SLACK_SIGNED_HASH_HEADER),
        header(SlackEventSignatureVerifier::SLACK_SIGNED_TIMESTAMP),
    ) else {
        tracing::warn!("request without Slack signature headers");
        return Err(Refused::Unsigned);
    };
    verifier.verify(signature, body, timestamp).map_err(|err| {
        let kind = match err {
            slack_morphism::signature_verifier::SlackEventSignatureVerifierError::IncorrectOrExpiredTimestampError(_) => "stale or invalid timestamp",
            slack_morphism::signature_verifier::SlackEventSignatureVerifierError::WrongSignatureError(_) => "wrong signature",
            _ => "signature check failed",
        };
        tracing::warn!(reason = kind, "refused an unsigned or stale request");
        Refused::Unsigned
    })
}

/// Ready: the database answers, has every table, and takes writes. After a
/// failed write (a full disk) this tries one itself, so readiness comes back
/// when writes do, whether or not traffic reaches the bot meanwhile.
async fn readyz(State(HttpState { app: state, .. }): State<HttpState>) -> Response {
    use std::sync::atomic::Ordering::Relaxed;
    if let Err(err) = state.store.check_tables().await {
        tracing::warn!(error = %err, "not ready: the database is unreachable or incomplete");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unreachable or incomplete",
        )
            .into_response();
    }
    if state.last_write_failed.load(Relaxed) {
        let probed = state.store.probe_write(now_ms()).await;
        state.last_write_failed.store(probed.is_err(), Relaxed);
        if let Err(err) = probed {
            tracing::warn!(error = %err, "not ready: database writes fail");
            return (StatusCode::SERVICE_UNAVAILABLE, "database writes fail").into_response();
        }
    }
    "ready".into_response()
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
