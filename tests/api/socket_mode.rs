//! Socket Mode end to end: the real bot opens a websocket to a fake Slack on
//! 127.0.0.1 (apps.connections.open, then the URL it returns) and handles
//! Slack's envelopes through the same paths as HTTP.

use crate::helpers::*;
use crate::socket_support::*;
use clarity_bot::startup::Application;
use secrecy::SecretString;
use serde_json::json;

crate::sqlite_and_postgres! {
    socket_mode_events_commands_and_interactions_reach_the_http_handlers_and_survive_a_reconnect => socket_mode_events_commands_and_interactions_reach_the_http_handlers_and_survive_a_reconnect;
    socket_mode_runs_alone_without_a_signing_secret => socket_mode_runs_alone_without_a_signing_secret;
    an_event_that_could_not_be_persisted_is_not_acknowledged_and_its_redelivery_gets_one_reply => an_event_that_could_not_be_persisted_is_not_acknowledged_and_its_redelivery_gets_one_reply;
    an_app_token_slack_refuses_stops_start_up_without_showing_it => an_app_token_slack_refuses_stops_start_up_without_showing_it;
    the_binary_in_socket_mode_alone_replies_and_stops_cleanly_on_sigterm => the_binary_in_socket_mode_alone_replies_and_stops_cleanly_on_sigterm;
    the_binary_names_a_refused_app_token_and_exits_2 => the_binary_names_a_refused_app_token_and_exits_2;
    dropped_and_closed_connections_are_reopened => dropped_and_closed_connections_are_reopened;
    a_rate_limited_apps_connections_open_is_retried_until_the_bot_connects => a_rate_limited_apps_connections_open_is_retried_until_the_bot_connects;
    a_slow_command_over_the_socket_is_answered_through_response_url => a_slow_command_over_the_socket_is_answered_through_response_url;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";
const OTHER_ASK: &str = "can we all get on the same page about the pricing page redesign";

async fn stored_payload(app: &TestApp, event_id: &str) -> Option<serde_json::Value> {
    let payload: Option<String> = sqlx::query_scalar(&format!(
        "SELECT payload FROM events WHERE event_id = '{event_id}'"
    ))
    .fetch_optional(app.app.store.pool())
    .await
    .expect("query");
    payload.map(|text| serde_json::from_str(&text).expect("the payload is JSON"))
}

/// Whether an event was persisted: in the inbox, or worked already (a
/// worked event leaves the inbox; its id stays in seen_events).
async fn persisted(app: &TestApp, event_id: &str) -> bool {
    let seen: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM seen_events WHERE event_id = '{event_id}'"
    ))
    .fetch_one(app.app.store.pool())
    .await
    .expect("query");
    seen > 0 || stored_payload(app, event_id).await.is_some()
}

async fn socket_mode_events_commands_and_interactions_reach_the_http_handlers_and_survive_a_reconnect(
    backend: Backend,
) {
    let (app, mut socket) = spawn_socket_app(backend, true).await;
    let mut slack_side = socket.next_greeted_connection().await;

    // An ask: acknowledged by its envelope id once persisted, then one reply
    // in its thread.
    let ts = "1700000200.000100";
    slack_side
        .send(&events_envelope("env-1", "EvS1", "C111", ts, ASK))
        .await;
    assert_eq!(
        slack_side.ack("env-1").await,
        json!({"envelope_id": "env-1"})
    );
    // Persisted before the ack; while still in the inbox, as ingress
    // decoded it (the worker may have worked and deleted it already).
    if let Some(stored) = stored_payload(&app, "EvS1").await {
        assert_eq!(stored["type"], "message");
        assert_eq!(stored["text"], ASK);
        assert_eq!(stored["channel"], "C111");
    }
    assert!(persisted(&app, "EvS1").await, "persisted before the ack");
    wait_for("the threaded reply", || async {
        !app.slack.posts().is_empty()
    })
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["channel"], "C111");
    assert_eq!(posts[0]["thread_ts"], ts);
    let text = posts[0]["text"].as_str().expect("text");
    assert!(text.contains("Q3 roadmap"), "{text}");

    // /clarity over the socket: the ack carries the same answer as over HTTP.
    let command = "check let's get aligned on the launch date";
    slack_side
        .send(&command_envelope(&app, "env-2", command))
        .await;
    let ack = slack_side.ack("env-2").await;
    let over_http: serde_json::Value = app
        .post_command(&[
            ("text", command),
            ("channel_id", "C111"),
            ("user_id", "U111"),
        ])
        .await
        .json()
        .await
        .expect("a JSON answer");
    assert_eq!(ack["payload"], over_http, "{ack}");
    assert_eq!(ack["payload"]["response_type"], "ephemeral");
    assert!(
        ack["payload"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("launch date")),
        "{ack}"
    );

    // An interaction (a global shortcut) is acknowledged.
    slack_side
        .send(&fixture("socket_mode_interactive_shortcut.json"))
        .await;
    assert_eq!(
        slack_side.ack("57d6a792-4d35-4d0b-b6aa-3361493e1caf").await,
        json!({"envelope_id": "57d6a792-4d35-4d0b-b6aa-3361493e1caf"})
    );

    // Garbage: a frame that is not JSON cannot be acknowledged and gets
    // nothing; envelopes the listener cannot read are acknowledged (Slack
    // would only send them again); the loop keeps reading.
    slack_side.send("this is not JSON {").await;
    slack_side
        .send(r#"{"type":"events_api","envelope_id":"env-bad","accepts_response_payload":false,"payload":{"event":"nonsense"}}"#)
        .await;
    assert_eq!(
        slack_side.ack("env-bad").await,
        json!({"envelope_id": "env-bad"})
    );
    slack_side
        .send(r#"{"type":"a_kind_slack_adds_later","envelope_id":"env-new","payload":{"x":1}}"#)
        .await;
    slack_side.ack("env-new").await;

    // Slack asks the bot to reconnect: it opens a new connection through
    // apps.connections.open and keeps working on it.
    let opened = app.slack.calls("apps.connections.open").len();
    slack_side
        .send(&fixture("socket_mode_disconnect.json"))
        .await;
    let mut slack_side = socket.next_connection().await;
    assert!(app.slack.calls("apps.connections.open").len() > opened);
    slack_side.send(&fixture("socket_mode_hello.json")).await;
    let later = "1700000300.000100";
    slack_side
        .send(&events_envelope("env-3", "EvS3", "C222", later, OTHER_ASK))
        .await;
    slack_side.ack("env-3").await;
    wait_for("the reply after reconnecting", || async {
        app.slack.posts().len() == 2
    })
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[1]["channel"], "C222");
    assert_eq!(posts[1]["thread_ts"], later);
}

async fn socket_mode_runs_alone_without_a_signing_secret(backend: Backend) {
    let (app, mut socket) = spawn_socket_app(backend, false).await;
    // HTTP still answers health and readiness; its Slack routes refuse.
    assert_eq!(app.get("/readyz").await.status(), 200);
    let refused = app
        .post_event(&message_event(
            "EvH1",
            "C111",
            "1700000400.000100",
            None,
            ASK,
        ))
        .await;
    assert_eq!(refused.status(), 503);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("SLACK_SIGNING_SECRET")
    );

    let mut slack_side = socket.next_greeted_connection().await;
    let ts = "1700000400.000200";
    slack_side
        .send(&events_envelope("env-1", "EvS1", "C111", ts, ASK))
        .await;
    slack_side.ack("env-1").await;
    wait_for("the threaded reply", || async {
        !app.slack.posts().is_empty()
    })
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], ts);
}

async fn an_event_that_could_not_be_persisted_is_not_acknowledged_and_its_redelivery_gets_one_reply(
    backend: Backend,
) {
    let (app, mut socket) = spawn_socket_app(backend, false).await;
    let mut slack_side = socket.next_greeted_connection().await;

    // The inbox table is out of reach: the event cannot be persisted.
    let pool = app.app.store.pool();
    sqlx::query("ALTER TABLE events RENAME TO events_away")
        .execute(pool)
        .await
        .expect("rename");
    let ts = "1700000500.000100";
    let envelope = events_envelope("env-1", "EvS1", "C111", ts, ASK);
    slack_side.send(&envelope).await;
    // Frames are handled in order on a connection: the next frame answers
    // the probe, so the event got no ack (and its attempt has ended).
    slack_side
        .send(r#"{"type":"a_kind_slack_adds_later","envelope_id":"probe"}"#)
        .await;
    slack_side.ack("probe").await;

    // Slack delivers the unacknowledged envelope again, once the store is back.
    sqlx::query("ALTER TABLE events_away RENAME TO events")
        .execute(pool)
        .await
        .expect("rename back");
    let mut redelivery: serde_json::Value = serde_json::from_str(&envelope).expect("json");
    redelivery["retry_attempt"] = json!(1);
    redelivery["retry_reason"] = json!("timeout");
    slack_side.send(&redelivery.to_string()).await;
    slack_side.ack("env-1").await;
    assert!(persisted(&app, "EvS1").await);
    wait_for("the threaded reply", || async {
        !app.slack.posts().is_empty()
    })
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], ts);
}

async fn an_app_token_slack_refuses_stops_start_up_without_showing_it(backend: Backend) {
    let db = TestDb::create(backend).await;
    // This fake Slack serves no Socket Mode: apps.connections.open answers
    // invalid_auth, as Slack does for a revoked or mistyped app token.
    let slack = FakeSlack::start().await;
    let mut settings = settings(&db, &slack, "");
    settings.app_token = Some(SecretString::from(APP_TOKEN));
    let err = match Application::build(settings).await {
        Ok(_) => panic!("start-up accepted a refused app token"),
        Err(err) => format!("{err:#}"),
    };
    assert!(err.contains("SLACK_APP_TOKEN"), "{err}");
    assert!(err.contains("invalid_auth"), "{err}");
    assert!(err.contains("connections:write"), "{err}");
    assert!(!err.contains(APP_TOKEN), "{err}");
    assert_eq!(slack.calls("apps.connections.open").len(), 1);
}

/// `clarity-bot serve` in Socket Mode alone, as a child process.
fn serve_socket_mode(
    db: &TestDb,
    slack: &FakeSlack,
    stderr: std::process::Stdio,
) -> std::process::Child {
    let config = db.dir.path().join("clarity.toml");
    std::fs::write(&config, "[socket_mode]\nconnections = 1\n").expect("config");
    std::process::Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
        .arg("serve")
        .env("CLARITY_CONFIG", &config)
        .env("CLARITY_BIND", "127.0.0.1:0")
        .env("DATABASE_URL", &db.url)
        .env("SLACK_API_URL", &slack.base_url)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_APP_TOKEN", APP_TOKEN)
        .env_remove("SLACK_SIGNING_SECRET")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("the binary starts")
}

/// Waits (deadline 15 s) for the child to exit; kills it if it does not.
async fn exit_status(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited on") {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the bot did not exit within 15 s");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

async fn the_binary_in_socket_mode_alone_replies_and_stops_cleanly_on_sigterm(backend: Backend) {
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    let mut socket = FakeSocket::start().await;
    slack.serve_socket_mode(&socket.url);
    let mut bot = serve_socket_mode(&db, &slack, std::process::Stdio::null());

    let mut slack_side = socket.next_greeted_connection().await;
    let ts = "1700000600.000100";
    slack_side
        .send(&events_envelope("env-1", "EvBin1", "C111", ts, ASK))
        .await;
    slack_side.ack("env-1").await;
    wait_for("the threaded reply", || async { !slack.posts().is_empty() }).await;
    assert_eq!(slack.posts()[0]["thread_ts"], ts);

    // SIGTERM: the socket closes, the writer and workers finish, exit 0.
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &bot.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = exit_status(&mut bot).await;
    assert!(status.success(), "{status:?}");
}

async fn the_binary_names_a_refused_app_token_and_exits_2(backend: Backend) {
    let db = TestDb::create(backend).await;
    // No Socket Mode on this fake Slack: apps.connections.open says invalid_auth.
    let slack = FakeSlack::start().await;
    let mut bot = serve_socket_mode(&db, &slack, std::process::Stdio::piped());
    let status = exit_status(&mut bot).await;
    assert_eq!(status.code(), Some(2));
    let mut stderr = String::new();
    std::io::Read::read_to_string(
        &mut bot.stderr.take().expect("stderr is piped"),
        &mut stderr,
    )
    .expect("stderr");
    assert!(stderr.contains("SLACK_APP_TOKEN"), "{stderr}");
    assert!(stderr.contains("invalid_auth"), "{stderr}");
    assert!(!stderr.contains(APP_TOKEN), "{stderr}");
}

/// Sends an ask on `slack_side` and waits for its reply (the `n`th post).
async fn ask_and_expect_reply(app: &TestApp, slack_side: &mut SocketPeer, n: usize) {
    let ts = format!("1700000700.{n:06}");
    let envelope_id = format!("env-{n}");
    slack_side.send(&fixture("socket_mode_hello.json")).await;
    slack_side
        .send(&events_envelope(
            &envelope_id,
            &format!("EvDrop{n}"),
            &format!("C{n}00"),
            &ts,
            ASK,
        ))
        .await;
    slack_side.ack(&envelope_id).await;
    wait_for("the reply", || async { app.slack.posts().len() == n }).await;
    assert_eq!(app.slack.posts()[n - 1]["thread_ts"], ts);
}

async fn dropped_and_closed_connections_are_reopened(backend: Backend) {
    let (app, mut socket) = spawn_socket_app(backend, false).await;
    let mut slack_side = socket.next_connection().await;
    ask_and_expect_reply(&app, &mut slack_side, 1).await;

    // The TCP connection drops without a websocket goodbye.
    drop(slack_side);
    let mut slack_side = socket.next_connection().await;
    ask_and_expect_reply(&app, &mut slack_side, 2).await;

    // Slack closes the websocket properly.
    slack_side.close().await;
    let mut slack_side = socket.next_connection().await;
    ask_and_expect_reply(&app, &mut slack_side, 3).await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 3);
}

async fn a_rate_limited_apps_connections_open_is_retried_until_the_bot_connects(backend: Backend) {
    // The start-up check and the listener's first attempt are refused as
    // rate limited: start-up goes on, and the listener tries again after
    // `reconnect_secs` (1 s here).
    let slack = FakeSlack::start().await;
    slack.rate_limit_socket_opens(2);
    let (app, mut socket) = spawn_socket_app_on(backend, false, slack, "").await;
    let mut slack_side = socket.next_connection().await;
    assert_eq!(app.slack.calls("apps.connections.open").len(), 3);
    ask_and_expect_reply(&app, &mut slack_side, 1).await;
}

async fn a_slow_command_over_the_socket_is_answered_through_response_url(backend: Backend) {
    // command_answer_ms = 0: every answer counts as late.
    let slack = FakeSlack::start().await;
    let (app, mut socket) =
        spawn_socket_app_on(backend, false, slack, "[server]\ncommand_answer_ms = 0\n").await;
    let mut slack_side = socket.next_greeted_connection().await;
    slack_side
        .send(&command_envelope(
            &app,
            "env-1",
            "decide pricing :: three tiers",
        ))
        .await;
    let ack = slack_side.ack("env-1").await;
    let first = ack["payload"]["text"].as_str().unwrap_or_default();
    assert!(first.contains("Working on it"), "{ack}");
    wait_for("the answer at response_url", || async {
        !app.slack.calls("response").is_empty()
    })
    .await;
    let late = &app.slack.calls("response")[0].body;
    assert_eq!(late["response_type"], "in_channel", "{late}");
    assert!(
        late["text"].as_str().is_some_and(|t| t.contains("pricing")),
        "{late}"
    );
    let recorded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM decisions")
        .fetch_one(app.app.store.pool())
        .await
        .expect("query");
    assert_eq!(recorded, 1);
}
