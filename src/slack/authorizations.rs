//! `apps.event.authorizations.list`: every installation an event is visible
//! to. Slack lists only one in an event's `authorizations` when more than
//! one installation can see it (a channel shared between workspaces), and
//! points at this method with the event's `event_context`. It takes the
//! app-level token (`SLACK_APP_TOKEN`, `xapp-…`, scope
//! `authorizations:read`), sent only in the Authorization header.

use crate::slack::api::CallError;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// The client for `apps.event.authorizations.list`, with the app token.
#[derive(Clone)]
pub struct EventAuthorizations {
    http: reqwest::Client,
    /// `{SLACK_API_URL}/apps.event.authorizations.list`.
    url: String,
    app_token: SecretString,
}

impl std::fmt::Debug for EventAuthorizations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventAuthorizations { app_token: [redacted] }")
    }
}

/// One installation the event is visible to; an org-wide install's names
/// no team.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Listed {
    pub team_id: Option<String>,
    pub enterprise_id: Option<String>,
    #[serde(default)]
    pub is_enterprise_install: bool,
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    error: Option<String>,
    #[serde(default)]
    authorizations: Vec<Listed>,
    response_metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    next_cursor: Option<String>,
}

/// The longest one page may take: the event waits for it before it is
/// acknowledged.
const TIMEOUT: Duration = Duration::from_secs(1);
/// Pages read at most (each up to Slack's default size).
const MAX_PAGES: usize = 5;

impl EventAuthorizations {
    pub fn new(slack_api_url: &str, app_token: &SecretString) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: format!(
                "{}/apps.event.authorizations.list",
                slack_api_url.trim_end_matches('/')
            ),
            app_token: app_token.clone(),
        }
    }

    /// Every installation `event_context` is visible to, page after page.
    pub async fn list(&self, event_context: &str) -> Result<Vec<Listed>, CallError> {
        let mut listed = Vec::new();
        let mut cursor = String::new();
        for _ in 0..MAX_PAGES {
            let answer = self.page(event_context, &cursor).await;
            let outcome = match &answer {
                Ok(_) => "ok",
                Err(CallError::Permanent(_)) => "error",
                Err(CallError::RateLimited(_)) => "rate_limited",
                Err(_) => "transient_error",
            };
            metrics::counter!("clarity_slack_calls_total", "method" => "apps.event.authorizations.list", "outcome" => outcome)
                .increment(1);
            let answer = answer?;
            listed.extend(answer.authorizations);
            match answer.response_metadata.and_then(|m| m.next_cursor) {
                Some(next) if !next.is_empty() => cursor = next,
                _ => break,
            }
        }
        Ok(listed)
    }

    async fn page(&self, event_context: &str, cursor: &str) -> Result<Answer, CallError> {
        let mut form = vec![("event_context", event_context)];
        if !cursor.is_empty() {
            form.push(("cursor", cursor));
        }
        let body = serde_urlencoded::to_string(&form)
            .map_err(|_| CallError::Permanent("unencodable request".into()))?;
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(self.app_token.expose_secret())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .timeout(TIMEOUT)
            .send()
            .await
            // reqwest's errors can carry the URL, never the body: the kind only.
            .map_err(|err| {
                if err.is_timeout() {
                    CallError::Unanswered("timed out".into())
                } else {
                    CallError::Transient("network failure".into())
                }
            })?;
        let status = response.status();
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(CallError::RateLimited(Duration::from_secs(1)));
        }
        if status.is_server_error() {
            return Err(CallError::Transient(format!("HTTP {status}")));
        }
        let answer: Answer = response
            .json()
            .await
            .map_err(|_| CallError::Unanswered("unreadable response".into()))?;
        if !answer.ok {
            return Err(CallError::Permanent(
                answer.error.unwrap_or_else(|| "unknown_error".into()),
            ));
        }
        Ok(answer)
    }
}
