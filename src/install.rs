//! "Add to Slack" (multi-workspace mode, `SLACK_CLIENT_ID` set).
//! `GET /slack/install` issues a `state` nonce, kept in the database for
//! ten minutes and in a cookie in the installer's browser, and sends the
//! browser to Slack's consent page; `GET /slack/oauth_redirect` takes the
//! nonce back once (the cookie and the query must agree, and the stored
//! nonce must be there and fresh), trades the code with `oauth.v2.access`
//! and stores the installation, its tokens sealed. Each ending is a page a
//! person reads: installed, or what went wrong and what to do.

use crate::slack::api::CallError;
use crate::slack::token_key::random_nonce;
use crate::state::AppState;
use crate::workspaces::Workspaces;

/// The cookie that binds a `state` to the browser that asked for it.
pub const STATE_COOKIE: &str = "clarity_install_state";

/// How long an install link's `state` is good for (ms).
pub const STATE_TTL_MS: i64 = 10 * 60 * 1000;

/// Slack's consent page.
const AUTHORIZE_URL: &str = "https://slack.com/oauth/v2/authorize";

/// What the browser gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// To Slack's consent page, with the cookie holding `state`.
    ToSlack { location: String, state: String },
    /// Installed: which workspace (or organization).
    Installed { name: String },
    /// Nothing installed: why, for a person, and whether it was their
    /// request (400) or something on the way (502, 503).
    Failed { status: u16, why: String },
}

/// Slack's redirect back: `code` and `state`, or `error` and `state`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Redirect {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// `GET /slack/install`: a fresh `state`, stored, and the way to Slack.
pub async fn start(state: &AppState, now: i64) -> Page {
    let Workspaces::Multi(installations) = &state.workspaces else {
        return not_multi();
    };
    let nonce = match random_nonce() {
        Ok(nonce) => nonce,
        Err(err) => {
            tracing::error!(error = %err, "could not make an install link");
            return unavailable();
        }
    };
    if let Err(err) = state
        .store
        .save_oauth_state(&nonce, now + STATE_TTL_MS, now)
        .await
    {
        tracing::error!(error = %err, "could not store an install link's state");
        return unavailable();
    }
    let query = serde_urlencoded::to_string([
        ("client_id", installations.oauth.client_id()),
        ("scope", &crate::slack::BOT_SCOPES.join(",")),
        ("state", &nonce),
    ])
    .unwrap_or_default();
    Page::ToSlack {
        location: format!("{AUTHORIZE_URL}?{query}"),
        state: nonce,
    }
}

/// `GET /slack/oauth_redirect`: the installation stored, or why not.
/// `cookie` is the [`STATE_COOKIE`] the browser sent, if any.
pub async fn finish(state: &AppState, redirect: Redirect, cookie: Option<&str>, now: i64) -> Page {
    let Workspaces::Multi(installations) = &state.workspaces else {
        return not_multi();
    };
    let Some(nonce) = redirect.state.as_deref().filter(|s| !s.is_empty()) else {
        return expired("the link back from Slack has no state");
    };
    if cookie != Some(nonce) {
        // Taken anyway: a state seen with the wrong browser is spent.
        let _ = state.store.take_oauth_state(nonce, now).await;
        return expired("the state does not match this browser's cookie");
    }
    match state.store.take_oauth_state(nonce, now).await {
        Ok(true) => {}
        Ok(false) => return expired("the state is unknown, expired or already used"),
        Err(err) => {
            tracing::error!(error = %err, "could not read an install link's state");
            return unavailable();
        }
    }
    if let Some(error) = redirect.error {
        tracing::info!(%error, "an install was not approved in Slack");
        return Page::Failed {
            status: 400,
            why: "The app was not installed: the request was declined in Slack. To install it, start again from the install link.".into(),
        };
    }
    let Some(code) = redirect.code.filter(|c| !c.is_empty()) else {
        return Page::Failed {
            status: 400,
            why: "Slack sent no code back, so nothing was installed. Start again from the install link.".into(),
        };
    };
    let granted = match installations.oauth.exchange(&code).await {
        Ok(granted) => granted,
        Err(err) => {
            tracing::warn!(error = %err, "oauth.v2.access refused an install");
            let why = match err {
                CallError::Permanent(code) => format!(
                    "Slack did not accept the install ({code}). Start again from the install link; if it keeps failing, check SLACK_CLIENT_ID and SLACK_CLIENT_SECRET."
                ),
                _ => "Slack could not be reached to finish the install. Start again from the install link in a minute.".into(),
            };
            return Page::Failed { status: 502, why };
        }
    };
    let stored = match installations.installation(&granted, now) {
        Ok(new) => state.store.save_installation(&new, now).await.map(|()| new),
        Err(err) => {
            tracing::error!(error = %err, "could not seal an installation's tokens");
            return unavailable();
        }
    };
    match stored {
        Ok(new) => {
            let id = if new.org_wide {
                &new.key.enterprise_id
            } else {
                &new.key.team_id
            };
            let named = match granted.name.as_str() {
                "" => id.clone(),
                name => format!("{name} ({id})"),
            };
            tracing::info!(
                enterprise = %new.key.enterprise_id,
                team = %new.key.team_id,
                org_wide = new.org_wide,
                bot_user = %new.bot_user_id,
                "installed"
            );
            metrics::counter!("clarity_installs_total").increment(1);
            Page::Installed {
                name: if new.org_wide {
                    format!("the organization {named}, for its workspaces")
                } else {
                    format!("the workspace {named}")
                },
            }
        }
        Err(err) => {
            tracing::error!(error = %err, "could not store an installation");
            unavailable()
        }
    }
}

fn expired(reason: &str) -> Page {
    tracing::warn!(reason, "refused an install redirect");
    Page::Failed {
        status: 400,
        why: "This install link has expired or was already used, or was opened in another browser. Nothing was installed: start again from the install link, in this browser, within ten minutes.".into(),
    }
}

fn unavailable() -> Page {
    Page::Failed {
        status: 503,
        why: "The bot could not record the install just now. Nothing was installed: try again in a minute.".into(),
    }
}

fn not_multi() -> Page {
    Page::Failed {
        status: 404,
        why: "This bot serves one workspace (SLACK_BOT_TOKEN): there is nothing to install here."
            .into(),
    }
}

/// The page's HTML: a title and one paragraph, escaped.
pub fn html(title: &str, text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body><h1>{title}</h1><p>{text}</p><p><a href=\"/slack/install\">Install link</a></p></body></html>\n",
        title = escape(title),
        text = escape(text),
    )
}
