//! The harness: the real bot on a random loopback port with a fresh database
//! (a SQLite file, or a PostgreSQL schema on `TEST_DATABASE_URL`), a fake
//! Slack Web API on 127.0.0.1 that records every call, and signed requests
//! built from Slack's own payloads in `tests/fixtures/slack/`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use clarity_bot::settings::Settings;
use clarity_bot::startup::{Application, Shutdown};
pub use clarity_bot::store::Backend;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

pub const SIGNING_SECRET: &str = "test-signing-secret";
pub const BOT_USER: &str = "UBOT";
pub const TEAM: &str = "T111";
/// Multi-workspace mode ("Add to Slack"): the app's credentials, and the
/// key its installations' tokens are sealed with (32 bytes, base64).
pub const CLIENT_ID: &str = "1111.2222";
pub const CLIENT_SECRET: &str = "test-client-secret";
pub const TOKEN_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// One call the bot made to the fake Slack.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    /// The token it carried (`Authorization: Bearer …`), if any.
    pub token: Option<String>,
}

#[derive(Default)]
struct FakeState {
    calls: Vec<Call>,
    /// chat.postMessage answers this many 429s before succeeding.
    rate_limit_posts: u32,
    rate_limited: u32,
    /// While set, chat.postMessage attempts hang without being delivered.
    hold_posts: bool,
    held_attempts: u32,
    /// After delivering a chat.postMessage, never answer (a crash mid-call).
    hold_after_delivery: bool,
    /// conversations.replies answers, by thread ts (delivered bot replies are added).
    threads: HashMap<String, Value>,
    /// (thread_ts, ts, text, metadata) of every delivered chat.postMessage.
    delivered: Vec<(String, String, String, Value)>,
    /// conversations.replies answers this many 429s (`Retry-After: 0`) first.
    rate_limit_replies: u32,
    next_ts: u64,
    /// The websocket URL apps.connections.open hands out (unset: invalid_auth).
    socket_url: Option<String>,
    /// apps.connections.open answers this many `ratelimited` before the URL.
    socket_open_failures: u32,
    /// Channels conversations.info describes as private (others are public
    /// channels, but `D…` ones, which are DMs).
    private_channels: std::collections::HashSet<String>,
    /// conversations.info answers this error instead (e.g. `missing_scope`).
    channel_info_error: Option<String>,
    /// Workspace admins (users.info says `is_admin`).
    admins: std::collections::HashSet<String>,
    /// Channel creators conversations.info names, by channel.
    creators: HashMap<String, String>,
    /// users.info answers this error instead (e.g. `missing_scope`).
    user_info_error: Option<String>,
    /// Members of private channels (users.conversations lists them).
    members: HashMap<String, std::collections::HashSet<String>>,
    /// users.conversations answers this error instead.
    conversations_error: Option<String>,
    /// oauth.v2.access answers, by the code (each works once).
    grants: HashMap<String, Value>,
    /// oauth.v2.access answers for `grant_type=refresh_token`, by the
    /// refresh token (each works once).
    refreshes: HashMap<String, Value>,
    /// auth.test answers, by token (others: the default workspace).
    identities: HashMap<String, (String, String)>,
    /// apps.event.authorizations.list answers, by event_context: the teams
    /// the event is visible to.
    event_authorizations: HashMap<String, Vec<String>>,
}

/// A fake Slack Web API server on 127.0.0.1.
#[derive(Clone)]
pub struct FakeSlack {
    state: Arc<Mutex<FakeState>>,
    released: Arc<Notify>,
    pub base_url: String,
}

impl FakeSlack {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let released = Arc::new(Notify::new());
        let fake = Self {
            state,
            released,
            base_url: String::new(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake Slack");
        let port = listener.local_addr().expect("addr").port();
        let app = Router::new()
            .route("/api/{method}", axum::routing::any(answer))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base_url: format!("http://127.0.0.1:{port}/api/"),
            ..fake
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Delivered calls of one method.
    pub fn calls(&self, method: &str) -> Vec<Call> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// Messages delivered with chat.postMessage.
    pub fn posts(&self) -> Vec<Value> {
        self.calls("chat.postMessage")
            .into_iter()
            .map(|c| c.body)
            .collect()
    }

    pub fn rate_limit_next_posts(&self, n: u32) {
        self.lock().rate_limit_posts = n;
    }

    /// The next `n` conversations.replies calls get a 429 with `Retry-After: 0`.
    pub fn rate_limit_next_replies(&self, n: u32) {
        self.lock().rate_limit_replies = n;
    }

    pub fn rate_limited(&self) -> u32 {
        self.lock().rate_limited
    }

    pub fn hold_posts(&self) {
        self.lock().hold_posts = true;
    }

    pub fn held_attempts(&self) -> u32 {
        self.lock().held_attempts
    }

    pub fn hold_after_delivery(&self, hold: bool) {
        self.lock().hold_after_delivery = hold;
    }

    pub fn release_posts(&self) {
        self.lock().hold_posts = false;
        self.released.notify_waiters();
    }

    /// Answers apps.connections.open with this websocket URL (Socket Mode);
    /// until it is called, apps.connections.open answers `invalid_auth`.
    pub fn serve_socket_mode(&self, url: &str) {
        self.lock().socket_url = Some(url.to_string());
    }

    /// The next `n` apps.connections.open calls are rate limited.
    pub fn rate_limit_socket_opens(&self, n: u32) {
        self.lock().socket_open_failures = n;
    }

    /// conversations.info describes `channel` as a private channel.
    pub fn make_private(&self, channel: &str) {
        self.lock().private_channels.insert(channel.to_string());
    }

    /// conversations.info answers `error` from now on.
    pub fn fail_channel_info(&self, error: &str) {
        self.lock().channel_info_error = Some(error.to_string());
    }

    /// users.info describes `user` as a workspace admin.
    pub fn make_admin(&self, user: &str) {
        self.lock().admins.insert(user.to_string());
    }

    /// conversations.info names `user` as `channel`'s creator.
    pub fn set_creator(&self, channel: &str, user: &str) {
        self.lock()
            .creators
            .insert(channel.to_string(), user.to_string());
    }

    /// `user` is a member of the private channel `channel`.
    pub fn add_member(&self, channel: &str, user: &str) {
        self.lock()
            .members
            .entry(channel.to_string())
            .or_default()
            .insert(user.to_string());
    }

    /// users.conversations answers `error` from now on.
    pub fn fail_user_conversations(&self, error: &str) {
        self.lock().conversations_error = Some(error.to_string());
    }

    /// The Home views published, as (user, view).
    pub fn homes(&self) -> Vec<(String, Value)> {
        self.calls("views.publish")
            .into_iter()
            .map(|call| {
                (
                    call.body["user_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    call.body["view"].clone(),
                )
            })
            .collect()
    }

    /// users.info answers `error` from now on.
    pub fn fail_user_info(&self, error: &str) {
        self.lock().user_info_error = Some(error.to_string());
    }

    /// oauth.v2.access trades `code`, once, for an installation in `team`
    /// with `token` for `bot_user`: Slack's answer
    /// (`oauth_v2_access.json`) with those replaced, and with `rotation`
    /// (a refresh token and seconds to expiry) when token rotation is on.
    /// auth.test with the token names that workspace and bot user.
    pub fn grant_install(
        &self,
        code: &str,
        team: &str,
        token: &str,
        bot_user: &str,
        rotation: Option<(&str, i64)>,
    ) {
        let mut answer = fixture_json("oauth_v2_access.json");
        answer["team"]["id"] = json!(team);
        answer["enterprise"] = Value::Null;
        answer["access_token"] = json!(token);
        answer["bot_user_id"] = json!(bot_user);
        if let Some((refresh, expires_in)) = rotation {
            answer["refresh_token"] = json!(refresh);
            answer["expires_in"] = json!(expires_in);
        }
        self.grant(code, answer);
        self.identify(token, team, bot_user);
    }

    /// oauth.v2.access trades `code`, once, for Slack's `answer`.
    pub fn grant(&self, code: &str, answer: Value) {
        self.lock().grants.insert(code.to_string(), answer);
    }

    /// auth.test with `token` names `team` and `bot_user`.
    pub fn identify(&self, token: &str, team: &str, bot_user: &str) {
        self.lock()
            .identities
            .insert(token.to_string(), (team.to_string(), bot_user.to_string()));
    }

    /// oauth.v2.access with `grant_type=refresh_token` trades `refresh`,
    /// once, for `token` and the next refresh token `next`, good for
    /// `expires_in` seconds: Slack's answer (`oauth_v2_access_bot_refresh.json`)
    /// with those replaced.
    pub fn grant_refresh(
        &self,
        refresh: &str,
        team: &str,
        token: &str,
        next: &str,
        expires_in: i64,
    ) {
        let mut answer = fixture_json("oauth_v2_access_bot_refresh.json");
        answer["team"]["id"] = json!(team);
        answer["enterprise"] = Value::Null;
        answer["access_token"] = json!(token);
        answer["refresh_token"] = json!(next);
        answer["expires_in"] = json!(expires_in);
        let bot_user = answer["bot_user_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.lock().refreshes.insert(refresh.to_string(), answer);
        self.identify(token, team, &bot_user);
    }

    /// apps.event.authorizations.list says the event of `event_context`
    /// is visible to the installations in `teams`, in that order.
    pub fn authorize_event(&self, event_context: &str, teams: &[&str]) {
        self.lock().event_authorizations.insert(
            event_context.to_string(),
            teams.iter().map(|t| t.to_string()).collect(),
        );
    }

    /// The tokens the calls of `method` carried, in order.
    pub fn tokens(&self, method: &str) -> Vec<String> {
        self.calls(method)
            .into_iter()
            .map(|call| call.token.unwrap_or_default())
            .collect()
    }

    /// What conversations.replies answers for a thread.
    pub fn set_thread(&self, thread_ts: &str, messages: Value) {
        self.lock().threads.insert(thread_ts.to_string(), messages);
    }
}

async fn answer(
    State(fake): State<FakeSlack>,
    Path(method): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .map(|value| value.trim_start_matches("Bearer ").to_string());
    let body: Value = serde_json::from_slice(&body).unwrap_or_else(|_| {
        // A form body (oauth.v2.access), else the query string.
        let form = std::str::from_utf8(&body).unwrap_or_default();
        let pairs: HashMap<String, String> = if form.is_empty() {
            url_pairs(query.as_deref().unwrap_or_default())
        } else {
            url_pairs(form)
        }
        .into_iter()
        .collect();
        json!(pairs)
    });
    if method == "conversations.replies" {
        let mut state = fake.lock();
        if state.rate_limit_replies > 0 {
            state.rate_limit_replies -= 1;
            state.rate_limited += 1;
            state.calls.push(Call {
                method: method.clone(),
                body: body.clone(),
                token: token.clone(),
            });
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")], "").into_response();
        }
    }
    if method == "chat.postMessage" {
        let hold = {
            let mut state = fake.lock();
            if state.rate_limit_posts > 0 {
                state.rate_limit_posts -= 1;
                state.rate_limited += 1;
                return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "").into_response();
            }
            if state.hold_posts {
                state.held_attempts += 1;
            }
            state.hold_posts
        };
        if hold {
            // Never answered: the bot is killed while waiting.
            std::future::pending::<()>().await;
        }
    }
    match record_and_answer(&fake, &method, &body, token) {
        Some(reply) => axum::Json(reply).into_response(),
        // Delivered, but the answer never comes: the bot dies mid-call.
        None => std::future::pending::<Response>().await,
    }
}

/// Records a delivered call and builds Slack's answer (`None`: hold it).
fn record_and_answer(
    fake: &FakeSlack,
    method: &str,
    body: &Value,
    token: Option<String>,
) -> Option<Value> {
    // Refused as Slack refuses it: not delivered, not recorded.
    if let Some(error) = slack_refusal(method, body) {
        return Some(json!({"ok": false, "error": error}));
    }
    let mut state = fake.lock();
    let identity = token
        .as_ref()
        .and_then(|token| state.identities.get(token))
        .cloned();
    state.calls.push(Call {
        method: method.to_string(),
        body: body.clone(),
        token,
    });
    state.next_ts += 1;
    let ts = format!("1700000000.{:06}", state.next_ts);
    if method == "chat.postMessage" {
        let field = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let metadata = body.get("metadata").cloned().unwrap_or(Value::Null);
        state
            .delivered
            .push((field("thread_ts"), ts.clone(), field("text"), metadata));
        if state.hold_after_delivery {
            return None;
        }
    }
    let channel = body.get("channel").cloned().unwrap_or(json!("C111"));
    let reply = match method {
        "auth.test" => {
            let (team, user, url) = match identity {
                Some((team, user)) => {
                    let url = format!("https://{}.slack.com/", team.to_lowercase());
                    (team, user, url)
                }
                None => (
                    TEAM.into(),
                    BOT_USER.into(),
                    "https://test.slack.com/".into(),
                ),
            };
            json!({"ok": true, "user_id": user, "user": "clarity", "team_id": team, "team": "Test", "url": url, "bot_id": "BBOT"})
        }
        "oauth.v2.access" => {
            let field = |name: &str| {
                body.get(name)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            if field("grant_type") == "refresh_token" {
                state
                    .refreshes
                    .remove(&field("refresh_token"))
                    .unwrap_or_else(|| json!({"ok": false, "error": "invalid_refresh_token"}))
            } else {
                state
                    .grants
                    .remove(&field("code"))
                    .unwrap_or_else(|| json!({"ok": false, "error": "invalid_code"}))
            }
        }
        "apps.event.authorizations.list" => {
            let context = body
                .get("event_context")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match state.event_authorizations.get(context) {
                Some(teams) => json!({
                    "ok": true,
                    "authorizations": teams.iter().map(|team| json!({
                        "enterprise_id": null, "team_id": team, "user_id": "UBOT",
                        "is_bot": true, "is_enterprise_install": false,
                    })).collect::<Vec<_>>(),
                    "response_metadata": {"next_cursor": ""},
                }),
                None => json!({"ok": false, "error": "invalid_event_context"}),
            }
        }
        "chat.postMessage" => {
            json!({"ok": true, "channel": channel, "ts": ts, "message": {"ts": ts, "text": body.get("text")}})
        }
        "chat.delete" => json!({"ok": true, "channel": channel, "ts": body.get("ts")}),
        "chat.getPermalink" => {
            json!({"ok": true, "channel": channel, "permalink": format!("https://test.slack.com/archives/{}/p1", channel.as_str().unwrap_or_default())})
        }
        "conversations.replies" => {
            let thread = body.get("ts").and_then(Value::as_str).unwrap_or_default();
            let mut messages = state
                .threads
                .get(thread)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (root, ts, text, metadata) in
                state.delivered.iter().filter(|(root, ..)| root == thread)
            {
                messages.push(json!({"type": "message", "user": BOT_USER, "bot_id": "BBOT", "ts": ts, "thread_ts": root, "text": text, "metadata": metadata}));
            }
            if messages.is_empty() {
                json!({"ok": false, "error": "thread_not_found"})
            } else {
                json!({"ok": true, "messages": messages})
            }
        }
        "conversations.info" => {
            let id = body
                .get("channel")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match &state.channel_info_error {
                Some(error) => json!({"ok": false, "error": error}),
                None if id.starts_with('D') => {
                    json!({"ok": true, "channel": {"id": id, "created": 1_600_000_000, "is_im": true, "user": "U1"}})
                }
                None => {
                    let private = state.private_channels.contains(id);
                    let mut channel = json!({"id": id, "created": 1_600_000_000, "name": "general",
                        "is_channel": true, "is_group": false, "is_im": false, "is_mpim": false,
                        "is_private": private, "is_member": true});
                    if let Some(creator) = state.creators.get(id) {
                        channel["creator"] = json!(creator);
                    }
                    json!({"ok": true, "channel": channel})
                }
            }
        }
        "users.conversations" => {
            let user = body.get("user").and_then(Value::as_str).unwrap_or_default();
            match &state.conversations_error {
                Some(error) => json!({"ok": false, "error": error}),
                None => {
                    let mut channels: Vec<&String> = state
                        .members
                        .iter()
                        .filter(|(channel, members)| {
                            members.contains(user) && state.private_channels.contains(*channel)
                        })
                        .map(|(channel, _)| channel)
                        .collect();
                    channels.sort();
                    let channels: Vec<Value> = channels
                        .into_iter()
                        .map(|id| json!({"id": id, "created": 1_600_000_000, "is_private": true, "is_channel": true}))
                        .collect();
                    json!({"ok": true, "channels": channels, "response_metadata": {"next_cursor": ""}})
                }
            }
        }
        "views.publish" => {
            let mut view = body.get("view").cloned().unwrap_or_else(|| json!({}));
            view["id"] = json!(format!("V{}", state.next_ts));
            view["team_id"] = json!(TEAM);
            json!({"ok": true, "view": view})
        }
        "users.info" => {
            let id = body.get("user").and_then(Value::as_str).unwrap_or_default();
            match &state.user_info_error {
                Some(error) => json!({"ok": false, "error": error}),
                None => {
                    let admin = state.admins.contains(id);
                    json!({"ok": true, "user": {"id": id, "team_id": TEAM, "name": "someone",
                        "is_admin": admin, "is_owner": false, "is_primary_owner": false,
                        "is_bot": false, "tz": "Europe/Amsterdam", "tz_offset": 3600}})
                }
            }
        }
        "apps.connections.open" if state.socket_open_failures > 0 => {
            state.socket_open_failures -= 1;
            json!({"ok": false, "error": "ratelimited"})
        }
        "apps.connections.open" => match &state.socket_url {
            Some(url) => json!({"ok": true, "url": url}),
            None => json!({"ok": false, "error": "invalid_auth"}),
        },
        "chat.update" => {
            json!({"ok": true, "channel": channel, "ts": body.get("ts"), "message": {"text": body.get("text")}})
        }
        "views.open" => {
            let mut view = body.get("view").cloned().unwrap_or_else(|| json!({}));
            view["id"] = json!(format!("V{}", state.next_ts));
            view["team_id"] = json!(TEAM);
            view["hash"] = json!(format!("{ts}.hash"));
            json!({"ok": true, "view": view})
        }
        _ => json!({"ok": false, "error": "unknown_method"}),
    };
    Some(reply)
}

/// What Slack answers a message or a view beyond Block Kit's limits
/// (`msg_too_long`, `invalid_blocks`, `invalid_arguments` for a view);
/// `None` when it is within them. Lengths in UTF-16 units.
pub fn slack_refusal(method: &str, body: &Value) -> Option<&'static str> {
    let len = |v: &Value| v.as_str().map_or(0, |s| s.encode_utf16().count());
    let items = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let (blocks, most, refusal) = match method {
        "chat.postMessage" | "chat.update" if len(&body["text"]) > 40_000 => {
            return Some("msg_too_long");
        }
        "chat.postMessage" | "chat.update" => (items(&body["blocks"]), 50, "invalid_blocks"),
        "views.open" | "views.publish" => {
            let view = &body["view"];
            if len(&view["title"]["text"]) > 24 || len(&view["private_metadata"]) > 3000 {
                return Some("invalid_arguments");
            }
            (items(&view["blocks"]), 100, "invalid_arguments")
        }
        _ => return None,
    };
    let text_ok = |v: &Value, max: usize| (1..=max).contains(&len(v));
    let fits = |block: &Value| match block["type"].as_str() {
        Some("section") => text_ok(&block["text"]["text"], 3000),
        Some("header") => text_ok(&block["text"]["text"], 150),
        Some("context") => {
            let elements = items(&block["elements"]);
            (1..=10).contains(&elements.len()) && elements.iter().all(|e| text_ok(&e["text"], 3000))
        }
        Some("actions") => {
            let elements = items(&block["elements"]);
            elements.len() <= 25
                && elements
                    .iter()
                    .all(|e| text_ok(&e["text"]["text"], 75) && len(&e["value"]) <= 2000)
        }
        Some("input") => {
            let max = block["element"]["max_length"].as_u64().unwrap_or(3000) as usize;
            text_ok(&block["label"]["text"], 2000)
                && len(&block["element"]["initial_value"]) <= max.min(3000)
        }
        _ => true,
    };
    (blocks.len() > most || !blocks.iter().all(fits)).then_some(refusal)
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%2E", ".").replace("%2e", ".")))
        .collect()
}

/// Runs each test body once on SQLite and once on PostgreSQL: `name` becomes
/// a module with a `sqlite` and a `postgres` test, each calling
/// `body(Backend)`.
#[macro_export]
macro_rules! sqlite_and_postgres {
    ($($name:ident => $body:path;)+) => {$(
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::helpers::skip_postgres(stringify!($name)) {
                    return;
                }
                $body($crate::helpers::Backend::Postgres).await;
            }
        }
    )+};
}

/// Runs each test body on PostgreSQL only (what needs several replicas).
#[macro_export]
macro_rules! postgres_only {
    ($($name:ident => $body:path;)+) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            if $crate::helpers::skip_postgres(stringify!($name)) {
                return;
            }
            $body().await;
        }
    )+};
}

/// Whether a PostgreSQL test must be skipped: `TEST_DATABASE_URL` is unset
/// and this is not CI (under `CI=true` a missing database fails the test).
pub fn skip_postgres(test: &str) -> bool {
    if std::env::var_os("TEST_DATABASE_URL").is_some() {
        return false;
    }
    assert!(
        !is_ci(),
        "CI=true but TEST_DATABASE_URL is unset: {test} needs PostgreSQL"
    );
    eprintln!("skipped {test} on PostgreSQL: TEST_DATABASE_URL is unset");
    true
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true" || value == "1")
}

/// A fresh database for one test: a SQLite file in a temporary folder, or
/// a uniquely named PostgreSQL schema dropped when the last holder lets go.
pub struct TestDb {
    /// The URL the bot connects with (it may carry a password: never print it).
    pub url: String,
    /// The folder for the config file (and the SQLite file).
    pub dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

impl TestDb {
    pub async fn create(backend: Backend) -> Arc<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Arc::new(Self {
                url: format!("sqlite://{}", dir.path().join("clarity.db").display()),
                dir,
                schema: None,
            }),
            Backend::Postgres => {
                let base = std::env::var("TEST_DATABASE_URL")
                    .expect("TEST_DATABASE_URL names the PostgreSQL server for this test");
                let schema = unique_schema_name();
                admin_execute(&base, &format!("CREATE SCHEMA {schema}")).await;
                let separator = if base.contains('?') { '&' } else { '?' };
                Arc::new(Self {
                    url: format!("{base}{separator}options=-c%20search_path%3D{schema}"),
                    dir,
                    schema: Some((base, schema)),
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((base, schema)) = self.schema.take() else {
            return;
        };
        // Drop runs inside the test's runtime: do the async work on a thread
        // of its own, and give up (leaving a named schema) rather than hang.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the schema");
            runtime.block_on(async {
                admin_execute(
                    &base,
                    &format!("SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {schema} CASCADE"),
                )
                .await
            })
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop a test schema; it is left behind");
        }
    }
}

/// `clarity_test_<pid>_<n>_<nanos>`: unique across parallel tests and runs.
fn unique_schema_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or_default();
    format!(
        "clarity_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs `sql` on the test server; panics (a failed test, never a skip) when
/// it cannot be reached.
async fn admin_execute(url: &str, sql: &str) {
    use sqlx::{Connection, Executor};
    let mut connection = sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|err| panic!("PostgreSQL on TEST_DATABASE_URL is unreachable: {err}"));
    connection
        .execute(sql)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
    let _ = connection.close().await;
}

/// The running bot, its database and its fake Slack.
pub struct TestApp {
    pub address: String,
    pub slack: FakeSlack,
    pub app: clarity_bot::state::AppState,
    pub db: Arc<TestDb>,
    shutdown: Shutdown,
    http: reqwest::Client,
}

/// Settings for a bot on `db` talking to `slack`, with extra config TOML.
pub fn settings(db: &TestDb, slack: &FakeSlack, config: &str) -> Settings {
    settings_with(db, slack, config, &[("SLACK_BOT_TOKEN", "xoxb-test-token")])
}

/// Settings for multi-workspace mode: no bot token, the app's OAuth
/// credentials and a token key.
pub fn multi_settings(db: &TestDb, slack: &FakeSlack, config: &str) -> Settings {
    settings_with(
        db,
        slack,
        config,
        &[
            ("SLACK_CLIENT_ID", CLIENT_ID),
            ("SLACK_CLIENT_SECRET", CLIENT_SECRET),
            ("CLARITY_TOKEN_KEY", TOKEN_KEY),
        ],
    )
}

fn settings_with(db: &TestDb, slack: &FakeSlack, config: &str, extra: &[(&str, &str)]) -> Settings {
    let config_path = db.dir.path().join("clarity.toml");
    std::fs::write(&config_path, config).expect("write config");
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("CLARITY_CONFIG", config_path.display().to_string()),
        ("CLARITY_BIND", "127.0.0.1:0".to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("SLACK_API_URL", slack.base_url.clone()),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET.to_string()),
    ]);
    vars.extend(extra.iter().map(|(key, value)| (*key, value.to_string())));
    Settings::load(|key| vars.get(key).cloned()).expect("valid test settings")
}

/// A bot in multi-workspace mode with an app-level token (for
/// apps.event.authorizations.list), with no installation yet.
pub async fn spawn_multi_with_app_token(backend: Backend) -> TestApp {
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    let mut settings = multi_settings(&db, &slack, "");
    settings.app_token = Some(secrecy::SecretString::from("xapp-1-test-app-token"));
    spawn_with(db, slack, settings).await
}

/// A bot in multi-workspace mode, with no installation yet.
pub async fn spawn_multi(backend: Backend) -> TestApp {
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    spawn_multi_on(db, slack).await
}

/// Another replica (or a restart) in multi-workspace mode.
pub async fn spawn_multi_on(db: Arc<TestDb>, slack: FakeSlack) -> TestApp {
    let settings = multi_settings(&db, &slack, "");
    spawn_with(db, slack, settings).await
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, "").await
}

pub async fn spawn_app_with(backend: Backend, config: &str) -> TestApp {
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    spawn_on(db, slack, config).await
}

/// Starts a bot on an existing database and fake Slack: a restart, or
/// another replica beside a running one.
pub async fn spawn_on(db: Arc<TestDb>, slack: FakeSlack, config: &str) -> TestApp {
    let settings = settings(&db, &slack, config);
    spawn_with(db, slack, settings).await
}

/// Starts a bot with `settings` as given (say, a database URL through a proxy).
pub async fn spawn_with(db: Arc<TestDb>, slack: FakeSlack, settings: Settings) -> TestApp {
    let app = Application::build(settings).await.expect("the bot builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let shutdown = app.shutdown_handle();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        slack,
        app: state,
        db,
        shutdown,
        http: http(),
    }
}

impl TestApp {
    /// POSTs a body to the events endpoint, signed now with the test secret.
    pub async fn post_event(&self, body: &str) -> reqwest::Response {
        let timestamp = now_secs().to_string();
        let signature = sign(SIGNING_SECRET, &timestamp, body);
        self.post_signed("/slack/events", body, &timestamp, &signature, &[])
            .await
    }

    pub async fn post_signed(
        &self,
        path: &str,
        body: &str,
        timestamp: &str,
        signature: &str,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/json")
            .header("x-slack-request-timestamp", timestamp)
            .header("x-slack-signature", signature)
            .body(body.to_string());
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request reaches the bot")
    }

    /// POSTs a `/clarity` command, signed now: Slack's `slash_command.txt`
    /// with `command` and `response_url` (the fake Slack) replaced, then
    /// each of `fields` (e.g. `("text", "help")`, `("channel_id", "C222")`).
    pub async fn post_command(&self, fields: &[(&str, &str)]) -> reqwest::Response {
        let body = self.command_body(fields);
        let timestamp = now_secs().to_string();
        let signature = sign(SIGNING_SECRET, &timestamp, &body);
        self.http
            .post(format!("{}/slack/commands", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", timestamp)
            .header("x-slack-signature", signature)
            .body(body)
            .send()
            .await
            .expect("request reaches the bot")
    }

    /// The form body of a `/clarity` command (see [`TestApp::post_command`]).
    pub fn command_body(&self, fields: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(fixture("slash_command.txt").trim())
                .expect("the fixture is a form body");
        let response_url = format!("{}response", self.slack.base_url);
        let defaults = [
            ("command", "/clarity"),
            ("response_url", response_url.as_str()),
        ];
        for (name, value) in defaults.iter().chain(fields) {
            match pairs.iter_mut().find(|(key, _)| key == name) {
                Some(pair) => pair.1 = value.to_string(),
                None => pairs.push((name.to_string(), value.to_string())),
            }
        }
        serde_urlencoded::to_string(&pairs).expect("encodes")
    }

    /// POSTs an interaction (`payload=<json>`), signed now.
    pub async fn post_interaction(&self, payload: &Value) -> reqwest::Response {
        let body = interaction_body(payload);
        let timestamp = now_secs().to_string();
        let signature = sign(SIGNING_SECRET, &timestamp, &body);
        self.post_form("/slack/interactions", &body, &timestamp, &signature)
            .await
    }

    /// POSTs a form body with the given signature headers.
    pub async fn post_form(
        &self,
        path: &str,
        body: &str,
        timestamp: &str,
        signature: &str,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", timestamp)
            .header("x-slack-signature", signature)
            .body(body.to_string())
            .send()
            .await
            .expect("request reaches the bot")
    }

    /// A click on one of the bot's buttons: Slack's
    /// `interactive_block_actions.json` with the action, its value, the
    /// message clicked and `response_url` (the fake Slack) replaced.
    pub fn block_actions(
        &self,
        action_id: &str,
        value: &str,
        channel: &str,
        message_ts: &str,
    ) -> Value {
        let mut payload = fixture_json("interactive_block_actions.json");
        payload["actions"][0]["action_id"] = json!(action_id);
        payload["actions"][0]["value"] = json!(value);
        payload["container"]["channel_id"] = json!(channel);
        payload["container"]["message_ts"] = json!(message_ts);
        payload["container"]["is_ephemeral"] = json!(false);
        payload["channel"]["id"] = json!(channel);
        payload["response_url"] = json!(format!("{}response", self.slack.base_url));
        payload
    }
}

impl TestApp {
    /// `GET /slack/install` as a browser opens it (the redirect not
    /// followed): the response, the `state` in its way to Slack, and the
    /// cookie it set.
    pub async fn start_install(&self) -> (reqwest::Response, String, String) {
        let response = no_redirects()
            .get(format!("{}/slack/install", self.address))
            .send()
            .await
            .expect("request reaches the bot");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let state = reqwest::Url::parse(&location)
            .ok()
            .and_then(|url| {
                url.query_pairs()
                    .find(|(key, _)| key == "state")
                    .map(|(_, value)| value.into_owned())
            })
            .unwrap_or_default();
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("clarity_install_state="))
            .and_then(|v| v.split(';').next())
            .unwrap_or_default()
            .to_string();
        (response, state, cookie)
    }

    /// Slack's redirect back: `GET /slack/oauth_redirect?{query}`, with
    /// `cookie` (`name=value`) if given.
    pub async fn oauth_redirect(&self, query: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request =
            no_redirects().get(format!("{}/slack/oauth_redirect?{query}", self.address));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.expect("request reaches the bot")
    }

    /// "Add to Slack" start to end in one browser, Slack answering `code`;
    /// the page it ends on.
    pub async fn install(&self, code: &str) -> reqwest::Response {
        let (_, state, cookie) = self.start_install().await;
        self.oauth_redirect(&format!("code={code}&state={state}"), Some(&cookie))
            .await
    }
}

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// The form body of an interaction: `payload=<urlencoded JSON>`.
pub fn interaction_body(payload: &Value) -> String {
    serde_urlencoded::to_string([("payload", payload.to_string())]).expect("encodes")
}

/// A modal's submission: Slack's `interactive_view_submission.json` with
/// the view the bot opened (its blocks, callback_id, private_metadata) and
/// `values` as `view.state.values` (block_id → action_id → value).
pub fn view_submission(opened: &Value, values: Value) -> Value {
    let mut payload = fixture_json("interactive_view_submission.json");
    let view = &mut payload["view"];
    for key in [
        "blocks",
        "callback_id",
        "private_metadata",
        "title",
        "submit",
    ] {
        view[key] = opened[key].clone();
    }
    view["state"]["values"] = values;
    payload
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request reaches the bot")
    }

    /// Waits (deadline 15 s) until every persisted event is processed and
    /// every queued Slack call has left.
    pub async fn wait_until_idle(&self) {
        let store = &self.app.store;
        wait_for("the inbox and outbox to drain", || async {
            store.inbox_depth().await.ok() == Some(0) && store.outbox_depth().await.ok() == Some(0)
        })
        .await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// Polls `condition` every 20 ms until it holds; panics after 15 s.
pub async fn wait_for<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    while !condition().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An HTTP client for talking to the bot (rustls needs its provider first).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

pub fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Slack's v0 request signature.
pub fn sign(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

pub fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("fixture is JSON")
}

/// A person's channel message: Slack's `events_message.json` with its
/// text, ts, thread and event id replaced.
pub fn message_event(
    event_id: &str,
    channel: &str,
    ts: &str,
    thread_ts: Option<&str>,
    text: &str,
) -> String {
    let mut body = fixture_json("events_message.json");
    body["event_id"] = json!(event_id);
    let event = &mut body["event"];
    event["text"] = json!(text);
    event["ts"] = json!(ts);
    event["event_ts"] = json!(ts);
    event["channel"] = json!(channel);
    if let Some(root) = thread_ts {
        event["thread_ts"] = json!(root);
    }
    if let Some(map) = event.as_object_mut() {
        map.remove("blocks");
    }
    body.to_string()
}

/// Wraps an inner event (e.g. `event_only_message_channel_join.json`) in
/// the envelope of `events_message.json`.
pub fn wrap_event(event_id: &str, event: Value) -> String {
    let mut body = fixture_json("events_message.json");
    body["event_id"] = json!(event_id);
    body["event"] = event;
    body.to_string()
}

/// Posts each message and checks it was acknowledged.
pub async fn send_all(app: &TestApp, bodies: &[String]) {
    for body in bodies {
        let response = app.post_event(body).await;
        assert_eq!(response.status(), 200, "event acknowledged");
    }
}

/// The day a decision on `topic` was recorded, as every reader's client
/// shows it in their own zone.
pub async fn recorded_on(app: &TestApp, topic: &str) -> String {
    let at: i64 = sqlx::query_scalar(&format!(
        "SELECT created_at FROM decisions WHERE topic = '{topic}'"
    ))
    .fetch_one(app.app.store.pool())
    .await
    .expect("the decision");
    clarity_bot::respond::format::recorded_on(at)
}

/// Slack's `member_joined_channel` for the bot joining `channel`.
pub fn joined(event_id: &str, channel: &str) -> String {
    let mut body = fixture_json("events_member_joined_channel.json");
    body["event_id"] = json!(event_id);
    body["event"]["user"] = json!(BOT_USER);
    body["event"]["channel"] = json!(channel);
    body.to_string()
}

/// A person's message: [`message_event`] written by `user`.
pub fn message_by(
    event_id: &str,
    channel: &str,
    ts: &str,
    thread: Option<&str>,
    user: &str,
    text: &str,
) -> String {
    let mut body: Value =
        serde_json::from_str(&message_event(event_id, channel, ts, thread, text)).expect("JSON");
    body["event"]["user"] = json!(user);
    body.to_string()
}
