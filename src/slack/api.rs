//! The Slack Web API client: slack-morphism's typed client, pointed at the
//! configured base URL (tests use a fake Slack on 127.0.0.1), with the bot
//! token kept secret. Every call is counted by method and outcome.

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// What went wrong with a Slack call, sorted by what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// HTTP 429: try again after this long.
    #[error("rate limited by Slack (retry after {0:?})")]
    RateLimited(Duration),
    /// Worth retrying: a network failure, a 5xx, Slack's own internal errors.
    #[error("transient Slack failure: {0}")]
    Transient(String),
    /// Sent, but no answer came back (a timeout, a connection closed
    /// mid-call): Slack may have acted on it, so check before repeating it.
    #[error("no answer from Slack: {0}")]
    Unanswered(String),
    /// Retrying cannot help: channel_not_found, not_in_channel, invalid_auth…
    #[error("Slack refused the call: {0}")]
    Permanent(String),
}

/// A cheap-to-clone handle on the Web API for one bot token.
#[derive(Clone)]
pub struct Slack {
    client: Arc<SlackHyperClient>,
    token: Arc<SlackApiToken>,
}

impl std::fmt::Debug for Slack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slack { token: [redacted] }")
    }
}

/// The Web API's connections without a token: one per process, shared by
/// every workspace's [`Slack`].
#[derive(Clone)]
pub struct SlackConnection {
    client: Arc<SlackHyperClient>,
}

impl SlackConnection {
    /// A handle calling with `token`.
    pub fn with_token(&self, token: &SecretString) -> Slack {
        let token = SlackApiToken::new(SlackApiTokenValue::new(token.expose_secret().to_string()));
        Slack {
            client: self.client.clone(),
            token: Arc::new(token),
        }
    }

    /// The underlying client (Socket Mode opens its connections through it).
    pub fn client(&self) -> &Arc<SlackHyperClient> {
        &self.client
    }

    /// `apps.connections.open` with an app-level token: a Socket Mode URL.
    /// Socket Mode itself opens its connections through [`SlackConnection::client`];
    /// this call lets start-up refuse a token Slack does not accept.
    pub async fn open_socket_connection(&self, app_token: &SecretString) -> Result<(), CallError> {
        let token = SlackApiToken::new(SlackApiTokenValue::new(
            app_token.expose_secret().to_string(),
        ));
        let session = self.client.open_session(&token);
        counted(
            "apps.connections.open",
            session.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new()),
        )
        .await
        .map(|_| ())
    }
}

impl Slack {
    /// A client for `base_url` (http or https) with `token`.
    pub fn new(base_url: &str, token: &SecretString) -> std::io::Result<Self> {
        Ok(Self::connect(base_url)?.with_token(token))
    }

    /// The connections to `base_url` (http or https), for clients with a
    /// token each ([`SlackConnection::with_token`]).
    pub fn connect(base_url: &str) -> std::io::Result<SlackConnection> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let connector = SlackClientHyperConnector::from(https).with_slack_api_url(base_url);
        Ok(SlackConnection {
            client: Arc::new(SlackClient::new(connector)),
        })
    }

    /// `auth.test`: the bot's own user id and workspace.
    pub async fn auth_test(&self) -> Result<SlackApiAuthTestResponse, CallError> {
        let session = self.client.open_session(&self.token);
        counted("auth.test", session.auth_test()).await
    }

    pub async fn post_message(
        &self,
        request: &SlackApiChatPostMessageRequest,
    ) -> Result<SlackApiChatPostMessageResponse, CallError> {
        let session = self.client.open_session(&self.token);
        counted("chat.postMessage", session.chat_post_message(request)).await
    }

    pub async fn delete_message(
        &self,
        request: &SlackApiChatDeleteRequest,
    ) -> Result<(), CallError> {
        let session = self.client.open_session(&self.token);
        counted("chat.delete", session.chat_delete(request))
            .await
            .map(|_| ())
    }

    /// `chat.update`: edits a message the bot posted, in place.
    pub async fn update_message(
        &self,
        request: &SlackApiChatUpdateRequest,
    ) -> Result<(), CallError> {
        let session = self.client.open_session(&self.token);
        counted("chat.update", session.chat_update(request))
            .await
            .map(|_| ())
    }

    /// `views.open`: shows a modal. Called at once, never queued, and given
    /// at most 2.5 seconds: the trigger_id it needs expires 3
    /// seconds after the click or the command.
    pub async fn open_view(&self, trigger_id: &str, view: SlackView) -> Result<(), CallError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiViewsOpenRequest::new(trigger_id.into(), view);
        tokio::time::timeout(
            OPEN_VIEW_TIMEOUT,
            counted("views.open", session.views_open(&request)),
        )
        .await
        .unwrap_or_else(|_| Err(CallError::Transient("timed out".into())))
        .map(|_| ())
    }

    pub async fn permalink(&self, channel: &str, ts: &str) -> Result<String, CallError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiChatGetPermalinkRequest::new(channel.into(), ts.into());
        counted("chat.getPermalink", session.chat_get_permalink(&request))
            .await
            .map(|r| r.permalink.to_string())
    }

    /// `conversations.info`: whether the conversation is private (a private
    /// channel, a DM or a group DM). Anything but a plain `is_private:
    /// false` counts as private.
    pub async fn channel_is_private(&self, channel: &str) -> Result<bool, CallError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiConversationsInfoRequest::new(channel.into());
        counted("conversations.info", session.conversations_info(&request))
            .await
            .map(|response| {
                let flags = &response.channel.flags;
                flags.is_private != Some(false)
                    || flags.is_im == Some(true)
                    || flags.is_mpim == Some(true)
            })
    }

    /// `users.info`: whether the person is a workspace admin or owner.
    pub async fn is_admin(&self, user: &str) -> Result<bool, CallError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiUsersInfoRequest::new(user.into());
        counted("users.info", session.users_info(&request))
            .await
            .map(|response| {
                let flags = &response.user.flags;
                [flags.is_admin, flags.is_owner, flags.is_primary_owner].contains(&Some(true))
            })
    }

    /// `conversations.info`: who created the channel, when Slack says.
    pub async fn channel_creator(&self, channel: &str) -> Result<Option<String>, CallError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiConversationsInfoRequest::new(channel.into());
        counted("conversations.info", session.conversations_info(&request))
            .await
            .map(|response| response.channel.creator.map(|user| user.0))
    }

    /// `users.conversations`: the private channels `user` and the bot are
    /// both in (Slack lists a private channel only to its members). Up to
    /// ten pages of 200.
    pub async fn private_channels_of(
        &self,
        user: &str,
    ) -> Result<std::collections::HashSet<String>, CallError> {
        let session = self.client.open_session(&self.token);
        let mut channels = std::collections::HashSet::new();
        let mut cursor = None;
        for _ in 0..10 {
            let mut request = SlackApiUsersConversationsRequest::new()
                .with_user(user.into())
                .with_types(vec![SlackConversationType::Private])
                .with_limit(200);
            if let Some(cursor) = cursor.take() {
                request = request.with_cursor(cursor);
            }
            let response =
                counted("users.conversations", session.users_conversations(&request)).await?;
            channels.extend(response.channels.into_iter().map(|channel| channel.id.0));
            match response
                .response_metadata
                .and_then(|meta| meta.next_cursor)
                .filter(|next| !next.0.is_empty())
            {
                Some(next) => cursor = Some(next),
                None => return Ok(channels),
            }
        }
        Ok(channels)
    }

    /// `views.publish`: the person's App Home tab.
    pub async fn publish_home(&self, user: &str, view: SlackView) -> Result<(), CallError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiViewsPublishRequest::new(user.into(), view);
        counted("views.publish", session.views_publish(&request))
            .await
            .map(|_| ())
    }

    /// The first page of a thread's messages (root first).
    pub async fn replies(
        &self,
        channel: &str,
        thread_ts: &str,
    ) -> Result<Vec<SlackHistoryMessage>, CallError> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiConversationsRepliesRequest::new(channel.into(), thread_ts.into())
            .with_limit(50);
        counted(
            "conversations.replies",
            session.conversations_replies(&request),
        )
        .await
        .map(|r| r.messages)
    }
}

/// The longest views.open may take: its trigger expires 3 s after the click
/// (or the command), which must be acknowledged within those 3 s too.
const OPEN_VIEW_TIMEOUT: Duration = Duration::from_millis(2500);

/// The longest a Slack call may take before it counts as a transient failure
/// (a hung call must not hold a worker, or a shutdown, forever).
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs a call with [`CALL_TIMEOUT`], sorts its error and counts its outcome.
async fn counted<T>(
    method: &'static str,
    call: impl std::future::Future<Output = Result<T, SlackClientError>>,
) -> Result<T, CallError> {
    let result = match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(result) => result.map_err(classify_error),
        Err(_) => Err(CallError::Unanswered("timed out".into())),
    };
    let outcome = match &result {
        Ok(_) => "ok",
        Err(CallError::RateLimited(_)) => "rate_limited",
        Err(CallError::Transient(_) | CallError::Unanswered(_)) => "transient_error",
        Err(CallError::Permanent(_)) => "error",
    };
    metrics::counter!("clarity_slack_calls_total", "method" => method, "outcome" => outcome)
        .increment(1);
    result
}

/// Slack API error codes that a later retry may get past.
const TRANSIENT_CODES: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
];

fn classify_error(err: SlackClientError) -> CallError {
    match err {
        SlackClientError::RateLimitError(e) => {
            CallError::RateLimited(e.retry_after.unwrap_or(Duration::from_secs(1)))
        }
        SlackClientError::ApiError(e) if TRANSIENT_CODES.contains(&e.code.as_str()) => {
            CallError::Transient(e.code)
        }
        SlackClientError::ApiError(e) => CallError::Permanent(e.code),
        SlackClientError::HttpError(e) if e.status_code.is_server_error() => {
            CallError::Transient(format!("HTTP {}", e.status_code))
        }
        SlackClientError::HttpError(e) => CallError::Permanent(format!("HTTP {}", e.status_code)),
        // Protocol errors carry the whole response body: name the kind only.
        SlackClientError::ProtocolError(_) => CallError::Unanswered("unreadable response".into()),
        SlackClientError::HttpProtocolError(_) => {
            CallError::Unanswered("HTTP protocol error".into())
        }
        SlackClientError::EndOfStream(_) => CallError::Unanswered("connection closed".into()),
        SlackClientError::SystemError(_) => CallError::Unanswered("network or system error".into()),
        SlackClientError::SocketModeProtocolError(_) => {
            CallError::Transient("socket mode protocol error".into())
        }
    }
}
