//! Socket Mode ingress: the bot opens websockets to Slack (no public URL, no
//! signing secret), with slack-morphism's Socket Mode listener, and feeds what
//! arrives into the same paths as HTTP:
//!
//! - `events_api` → [`decode`] → [`writer::accept`], the inbox the pipeline
//!   reads; the envelope is acknowledged only once the event is persisted (a
//!   failure returns an error, the error handler answers 503, the listener
//!   sends no ack and Slack delivers the envelope again).
//! - `slash_commands` → [`commands::answer_in_time`]; the answer goes back in
//!   the ack's payload (or through `response_url` when slow, as over HTTP).
//! - `interactive` → [`decode`] → [`crate::interactions::handle`].
//! - Malformed or unknown envelopes go to the error handler, which logs their
//!   kind only (they hold message text); the listener acknowledges any that
//!   carry an `envelope_id`, and the connection keeps reading.
//!
//! The listener reconnects on `disconnect` envelopes (Slack's refresh
//! requests), closed or failed sockets and missed pongs; a failed
//! `apps.connections.open` or handshake is retried every
//! `[socket_mode] reconnect_secs`. An app token Slack refuses stops start-up.

use crate::commands::{self, Answer, Invocation, Visibility};
use crate::ingress::decode;
use crate::ingress::writer::{self, NotPersisted};
use crate::slack::api::CallError;
use crate::state::{AppState, IngestRequest};
use anyhow::Context as _;
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A running Socket Mode listener. [`SocketMode::stop`] closes its
/// connections and lets go of the writer, so the writer can finish.
pub struct SocketMode {
    listener: SlackClientSocketModeListener<SlackClientHyperHttpsConnector>,
    /// The listener's callbacks only hold a weak handle on the writer: the
    /// writer ends once this one is dropped, whatever the connections do.
    _ingest: mpsc::Sender<IngestRequest>,
    connections: u32,
}

/// What the callbacks share (slack-morphism passes state by type).
struct SocketState {
    app: AppState,
    ingest: mpsc::WeakSender<IngestRequest>,
}

impl SocketMode {
    /// Checks the app token with `apps.connections.open` (a refused token is a
    /// start-up error that names SLACK_APP_TOKEN, never its value; Slack being
    /// unavailable is logged and left to the listener's retries), then
    /// registers the connections; [`SocketMode::start`] opens them.
    pub async fn connect(
        app: &AppState,
        app_token: &SecretString,
        ingest: mpsc::Sender<IngestRequest>,
    ) -> anyhow::Result<Self> {
        match app.connection.open_socket_connection(app_token).await {
            Ok(()) => {}
            Err(CallError::Permanent(code)) => anyhow::bail!(
                "apps.connections.open at {} refused SLACK_APP_TOKEN ({code}): use the app-level token (xapp-…) with the connections:write scope, from the app's Basic Information page",
                app.settings.slack_api_url
            ),
            // Slack busy or rate limited (a restarting bot): the listener
            // keeps trying every `reconnect_secs`.
            Err(err) => tracing::warn!(
                error = %err,
                "apps.connections.open failed at start-up; Socket Mode will keep trying"
            ),
        }
        let settings = &app.settings.file.socket_mode;
        let config = SlackClientSocketModeConfig::new()
            .with_max_connections_count(settings.connections.get())
            .with_reconnect_timeout_in_seconds(settings.reconnect_secs.get());
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(app.connection.client().clone())
                .with_error_handler(on_error)
                .with_user_state(SocketState {
                    app: app.clone(),
                    ingest: ingest.downgrade(),
                }),
        );
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_hello_events(on_hello)
            .with_push_events(on_push_event)
            .with_command_events(on_command)
            .with_interaction_events(on_interaction);
        let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
        let token = SlackApiToken::new(SlackApiTokenValue::new(
            app_token.expose_secret().to_string(),
        ));
        listener
            .listen_for(&token)
            .await
            .context("while registering the Socket Mode connections")?;
        Ok(Self {
            listener,
            _ingest: ingest,
            connections: settings.connections.get(),
        })
    }

    /// Opens the connections (in the background; each retries on its own).
    pub async fn start(&self) {
        self.listener.start().await;
        tracing::info!(connections = self.connections, "Socket Mode starting");
    }

    /// Closes the connections. Envelopes in flight still finish persisting;
    /// any whose ack cannot be sent any more are redelivered by Slack.
    pub async fn stop(self) {
        self.listener.shutdown().await;
        tracing::info!("Socket Mode stopped");
    }
}

async fn socket_state(
    states: &SlackClientEventsUserState,
) -> Result<(AppState, mpsc::WeakSender<IngestRequest>), BoxError> {
    let storage = states.read().await;
    let state = storage
        .get_user_state::<SocketState>()
        .ok_or("Socket Mode state missing")?;
    Ok((state.app.clone(), state.ingest.clone()))
}

/// A new connection said hello: it is ready for envelopes. (The hello type
/// is not nameable outside slack-morphism, hence the generic.)
async fn on_hello<E: std::fmt::Debug + Send>(
    _hello: E,
    _client: Arc<SlackHyperClient>,
    _states: SlackClientEventsUserState,
) {
    metrics::counter!("clarity_socket_connections_total").increment(1);
    tracing::info!("Socket Mode connection ready");
}

/// `events_api`: the inner event, decoded as slack-morphism parsed it (no
/// second trip through JSON), into the inbox. Ok means persisted (or
/// ignored): only then does the listener acknowledge it.
async fn on_push_event(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let started = Instant::now();
    metrics::counter!("clarity_events_received_total").increment(1);
    let (app, ingest) = socket_state(&states).await?;
    let authorized: Vec<crate::ingress::Authorization> = event
        .authorizations
        .iter()
        .flatten()
        .map(|a| crate::ingress::Authorization {
            team_id: Some(a.team_id.0.clone()),
            ..Default::default()
        })
        .collect();
    let recipient = crate::ingress::recipient(
        &app,
        Some(event.team_id.0.as_str()),
        None,
        &authorized,
        None,
    )
    .await
    .map_err(|_| NotPersisted)?;
    let Some(recipient) = recipient else {
        return Ok(());
    };
    // Stopping: leave the envelope unacknowledged for another connection.
    let ingest = ingest.upgrade().ok_or(NotPersisted)?;
    let incoming = decode::from_event(&event.event, &event.team_id.0, &recipient.bot_user_id);
    writer::accept(
        &ingest,
        event.team_id.to_string(),
        event.event_id.to_string(),
        incoming,
    )
    .await?;
    metrics::histogram!("clarity_ack_seconds").record(started.elapsed().as_secs_f64());
    Ok(())
}

/// `slash_commands`: the same handler as `POST /slack/commands`; the answer
/// rides on the ack.
async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let (app, _) = socket_state(&states).await?;
    let answer = commands::answer_in_time(&app, invocation(event)).await;
    Ok(command_response(&answer))
}

fn invocation(event: SlackCommandEvent) -> Invocation {
    Invocation {
        team_id: event.team_id.to_string(),
        // Socket Mode serves one workspace: its organization changes nothing.
        enterprise_id: String::new(),
        team_domain: event.team_domain.unwrap_or_default(),
        channel_id: event.channel_id.to_string(),
        channel_name: event.channel_name.unwrap_or_default(),
        user_id: event.user_id.to_string(),
        text: event.text.unwrap_or_default(),
        response_url: event.response_url.0.to_string(),
        trigger_id: event.trigger_id.to_string(),
    }
}

/// The ack payload for a command: the same message and `response_type`
/// as the HTTP answer's JSON body.
fn command_response(answer: &Answer) -> SlackCommandEventResponse {
    let response_type = match answer.visibility {
        Visibility::Ephemeral => SlackMessageResponseType::Ephemeral,
        Visibility::InChannel => SlackMessageResponseType::InChannel,
    };
    SlackCommandEventResponse::new(answer.reply.render()).with_response_type(response_type)
}

/// `interactive`: decoded as slack-morphism parsed it (no second trip
/// through JSON) and handled as `POST /slack/interactions` handles it. A
/// submission's field errors ride on the ack.
async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let (app, _) = socket_state(&states).await?;
    let interaction = decode::interaction(&event);
    let ack = crate::interactions::handle(&app, interaction, crate::state::now_ms()).await;
    Ok(crate::ingress::interaction_response(&ack))
}

/// Errors from callbacks and connections. The status decides whether an
/// envelope is acknowledged: 503 (not persisted) withholds the ack so Slack
/// redelivers; anything else is acknowledged, since retrying cannot help.
/// Nothing here logs an error's text: parse errors carry the whole frame.
fn on_error(
    err: BoxError,
    _client: Arc<SlackHyperClient>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    if err.downcast_ref::<NotPersisted>().is_some() {
        tracing::warn!(
            "a Socket Mode event could not be persisted; not acknowledged, Slack will deliver it again"
        );
        return HttpStatusCode::SERVICE_UNAVAILABLE;
    }
    let kind = match err.downcast_ref::<SlackClientError>() {
        Some(SlackClientError::ProtocolError(_)) => "unreadable envelope (acknowledged, dropped)",
        Some(SlackClientError::SocketModeProtocolError(_)) => "websocket error (reconnecting)",
        Some(_) => "Slack client error",
        None => "Socket Mode handler error",
    };
    metrics::counter!("clarity_socket_errors_total").increment(1);
    tracing::warn!(kind, "Socket Mode");
    HttpStatusCode::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
    }

    /// The socket path stores what the HTTP path stores: the same inner
    /// event, decoded from the body slack-morphism parsed instead of from
    /// the raw JSON, is the same [`Incoming`](crate::domain::Incoming).
    #[test]
    fn a_socket_event_is_stored_in_the_shape_http_stores() {
        for (http, socket) in [
            ("events_message.json", "socket_mode_events_api_message.json"),
            (
                "events_app_mention.json",
                "socket_mode_events_api_app_mention.json",
            ),
            (
                "events_message_changed.json",
                "socket_mode_events_api_message.json",
            ),
            (
                "events_message_deleted.json",
                "socket_mode_events_api_message.json",
            ),
            (
                "events_message_thread_broadcast.json",
                "socket_mode_events_api_message.json",
            ),
            (
                "events_message_file_share.json",
                "socket_mode_events_api_message.json",
            ),
            (
                "events_message_bot_message.json",
                "socket_mode_events_api_message.json",
            ),
            (
                "events_message_from_bot_user.json",
                "socket_mode_events_api_message.json",
            ),
            (
                "events_message_thread_reply_im.json",
                "socket_mode_events_api_message.json",
            ),
        ] {
            let http: serde_json::Value = serde_json::from_str(&fixture(http)).expect("json");
            let mut envelope: serde_json::Value =
                serde_json::from_str(&fixture(socket)).expect("json");
            // The same inner event, delivered over the socket instead.
            envelope["payload"]["event"] = http["event"].clone();
            let pushed: SlackPushEventCallback =
                serde_json::from_value(envelope["payload"].clone())
                    .expect("slack-morphism parses it");
            let from_socket = decode::from_event(&pushed.event, "T111", "UBOT");
            let from_http = decode::from_json(&http["event"].to_string(), "T111", "UBOT");
            assert_eq!(from_socket, from_http);
            if let Some(crate::domain::Incoming::Said { message, .. }) = &from_http {
                assert_eq!(
                    message.text,
                    http["event"]["text"].as_str().unwrap_or_default()
                );
            }
            let stored = |incoming| serde_json::to_string(&incoming).expect("serializes");
            assert_eq!(stored(from_socket), stored(from_http));
        }
    }

    #[test]
    fn a_command_answer_rides_on_the_ack_as_over_http() {
        let answer = Answer {
            visibility: Visibility::InChannel,
            reply: crate::respond::blocks::Reply::Problem {
                what: "Decision recorded".into(),
                next: "Align around it".into(),
            },
        };
        let over_socket = serde_json::to_value(command_response(&answer)).expect("json");
        assert_eq!(over_socket, answer.to_json());
    }
}
