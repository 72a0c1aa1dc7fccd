//! `oauth.v2.access`, both grants: a code from "Add to Slack" for an
//! installation's tokens, and a refresh token for fresh ones (token
//! rotation). slack-morphism's types cannot read either answer (they
//! require a `team`, which an org-wide install leaves null, and know no
//! `refresh_token` or `expires_in`), so the answer is read here. Every
//! token is a [`SecretString`]; nothing here logs a body.

use crate::slack::api::CallError;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// The app's OAuth credentials, and where to reach Slack.
#[derive(Clone)]
pub struct OAuthClient {
    http: reqwest::Client,
    /// `{SLACK_API_URL}/oauth.v2.access`.
    url: String,
    client_id: String,
    client_secret: SecretString,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// What Slack granted: the installation's identity and its bot token.
pub struct Granted {
    /// Empty for an org-wide install (Enterprise Grid).
    pub team_id: String,
    /// Empty outside Enterprise Grid.
    pub enterprise_id: String,
    pub org_wide: bool,
    /// The workspace's name (the organization's, for an org-wide install).
    pub name: String,
    pub bot_user_id: String,
    pub scopes: String,
    /// Who installed the app (empty on a refresh, which names nobody).
    pub installer_user_id: String,
    pub bot_token: SecretString,
    /// With token rotation on: the token that gets the next bot token.
    pub refresh_token: Option<SecretString>,
    /// With token rotation on: seconds until the bot token expires.
    pub expires_in: Option<i64>,
}

impl std::fmt::Debug for Granted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Granted")
            .field("team_id", &self.team_id)
            .field("enterprise_id", &self.enterprise_id)
            .field("org_wide", &self.org_wide)
            .field("bot_user_id", &self.bot_user_id)
            .field("tokens", &"[redacted]")
            .finish()
    }
}

/// Slack's answer, as far as it is read.
#[derive(Deserialize)]
struct Answer {
    ok: bool,
    error: Option<String>,
    access_token: Option<SecretString>,
    token_type: Option<String>,
    scope: Option<String>,
    bot_user_id: Option<String>,
    refresh_token: Option<SecretString>,
    expires_in: Option<i64>,
    team: Option<Named>,
    enterprise: Option<Named>,
    #[serde(default)]
    is_enterprise_install: bool,
    authed_user: Option<Named>,
}

#[derive(Deserialize)]
struct Named {
    id: Option<String>,
    name: Option<String>,
}

/// The longest `oauth.v2.access` may take.
const TIMEOUT: Duration = Duration::from_secs(10);

impl OAuthClient {
    pub fn new(slack_api_url: &str, client_id: &str, client_secret: &SecretString) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: format!("{}/oauth.v2.access", slack_api_url.trim_end_matches('/')),
            client_id: client_id.to_string(),
            client_secret: client_secret.clone(),
        }
    }

    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Trades the `code` "Add to Slack" returned for the installation.
    pub async fn exchange(&self, code: &str) -> Result<Granted, CallError> {
        self.call(&[("code", code)]).await
    }

    /// Trades a refresh token for a new bot token and refresh token. Slack
    /// accepts each refresh token once.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<Granted, CallError> {
        self.call(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ])
        .await
    }

    async fn call(&self, grant: &[(&str, &str)]) -> Result<Granted, CallError> {
        let body = serde_urlencoded::to_string(grant)
            .map_err(|_| CallError::Permanent("unencodable request".into()))?;
        // The app authenticates with HTTP Basic, as Slack prefers.
        let sent = self
            .http
            .post(&self.url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .timeout(TIMEOUT)
            .send()
            .await;
        let result = read(sent).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(CallError::Permanent(_)) => "error",
            Err(CallError::RateLimited(_)) => "rate_limited",
            Err(_) => "transient_error",
        };
        metrics::counter!("clarity_slack_calls_total", "method" => "oauth.v2.access", "outcome" => outcome)
            .increment(1);
        result
    }
}

/// Sorts the answer like every other call's (see [`CallError`]).
async fn read(sent: reqwest::Result<reqwest::Response>) -> Result<Granted, CallError> {
    // reqwest's errors can carry the URL, never the body: the kind only.
    let response = sent.map_err(|err| {
        if err.is_timeout() {
            CallError::Unanswered("timed out".into())
        } else {
            CallError::Transient("network failure".into())
        }
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        let wait = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        return Err(CallError::RateLimited(Duration::from_secs(wait)));
    }
    if status.is_server_error() {
        return Err(CallError::Transient(format!("HTTP {status}")));
    }
    let answer: Answer = response
        .json()
        .await
        .map_err(|_| CallError::Unanswered("unreadable response".into()))?;
    granted(answer)
}

fn granted(answer: Answer) -> Result<Granted, CallError> {
    if !answer.ok {
        let code = answer.error.unwrap_or_else(|| "unknown_error".into());
        return Err(if code == "internal_error" || code == "ratelimited" {
            CallError::Transient(code)
        } else {
            CallError::Permanent(code)
        });
    }
    let (Some(bot_token), Some(bot_user_id)) = (answer.access_token, answer.bot_user_id) else {
        return Err(CallError::Permanent(
            "no bot token granted (the app asks for no bot scopes?)".into(),
        ));
    };
    if answer
        .token_type
        .as_deref()
        .is_some_and(|kind| kind != "bot")
    {
        return Err(CallError::Permanent("not a bot token".into()));
    }
    let name = |named: &Option<Named>| named.as_ref().and_then(|n| n.name.clone());
    let name = if answer.is_enterprise_install {
        name(&answer.enterprise)
    } else {
        name(&answer.team)
    };
    let id = |named: Option<Named>| named.and_then(|n| n.id).unwrap_or_default();
    let granted = Granted {
        team_id: id(answer.team),
        enterprise_id: id(answer.enterprise),
        org_wide: answer.is_enterprise_install,
        name: name.unwrap_or_default(),
        bot_user_id,
        scopes: answer.scope.unwrap_or_default(),
        installer_user_id: id(answer.authed_user),
        bot_token,
        refresh_token: answer.refresh_token,
        expires_in: answer.expires_in,
    };
    let org_wide = granted.org_wide && !granted.enterprise_id.is_empty();
    if !org_wide && granted.team_id.is_empty() {
        return Err(CallError::Permanent("no workspace named".into()));
    }
    Ok(granted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: serde_json::Value) -> Result<Granted, CallError> {
        granted(serde_json::from_value(json).expect("an answer"))
    }

    #[test]
    fn an_org_wide_install_names_its_enterprise_and_no_team() {
        let granted = parse(serde_json::json!({
            "ok": true, "access_token": "xoxb-e", "token_type": "bot", "scope": "chat:write",
            "bot_user_id": "UB", "app_id": "A1", "team": null,
            "enterprise": {"id": "E1", "name": "Org"}, "is_enterprise_install": true,
            "authed_user": {"id": "U1"}
        }))
        .expect("granted");
        assert_eq!(
            (granted.team_id.as_str(), granted.enterprise_id.as_str()),
            ("", "E1")
        );
        assert!(granted.org_wide);
        assert_eq!(granted.name, "Org");
        assert!(!format!("{granted:?}").contains("xoxb-e"));
    }

    #[test]
    fn a_refusal_and_an_answer_without_a_bot_token_are_permanent() {
        assert!(matches!(
            parse(serde_json::json!({"ok": false, "error": "invalid_refresh_token"})),
            Err(CallError::Permanent(code)) if code == "invalid_refresh_token"
        ));
        assert!(matches!(
            parse(serde_json::json!({"ok": true, "team": {"id": "T1"}})),
            Err(CallError::Permanent(_))
        ));
    }
}
