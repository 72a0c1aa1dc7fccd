//! One workspace: an event for a workspace the bot token does not belong to
//! is acknowledged and dropped, never stored or answered with this
//! workspace's token.

use crate::helpers::*;
use serde_json::{Value, json};
use std::process::{Command, Stdio};

crate::sqlite_and_postgres! {
    an_event_for_a_workspace_the_bot_is_not_installed_in_is_acknowledged_and_dropped => an_event_for_a_workspace_the_bot_is_not_installed_in_is_acknowledged_and_dropped;
    an_event_from_a_shared_channel_authorized_for_this_workspace_is_answered => an_event_from_a_shared_channel_authorized_for_this_workspace_is_answered;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_logs_a_warning_naming_the_workspace_it_is_not_installed_in() {
    the_bot_logs_a_warning_naming_the_workspace_it_is_not_installed_in_on_sqlite().await;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

/// A message event sent as from `team`, with `authorized` as the teams
/// Slack lists in `authorizations`.
fn event_from(event_id: &str, ts: &str, team: &str, authorized: &[&str]) -> String {
    let mut body: Value =
        serde_json::from_str(&message_event(event_id, "C111", ts, None, ASK)).expect("json");
    body["team_id"] = json!(team);
    body["event"]["team"] = json!(team);
    let authorization = body["authorizations"][0].clone();
    body["authorizations"] = authorized
        .iter()
        .map(|team| {
            let mut entry = authorization.clone();
            entry["team_id"] = json!(team);
            entry
        })
        .collect();
    body.to_string()
}

async fn stored_events(app: &TestApp) -> Vec<String> {
    // A worked event leaves the inbox; its id stays in seen_events.
    sqlx::query_scalar(
        "SELECT event_id FROM events UNION ALL SELECT event_id FROM seen_events ORDER BY 1",
    )
    .fetch_all(app.app.store.pool())
    .await
    .expect("events")
}

async fn an_event_for_a_workspace_the_bot_is_not_installed_in_is_acknowledged_and_dropped(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let foreign = event_from("EvForeign", "1700007000.000100", "T999", &["T999"]);
    assert_eq!(app.post_event(&foreign).await.status(), 200, "acknowledged");
    let anonymous = event_from("EvNoTeam", "1700007000.000200", "", &[]);
    assert_eq!(app.post_event(&anonymous).await.status(), 200);
    // An ask in this workspace after them is answered: the others were not.
    let home = event_from("EvHome", "1700007001.000100", TEAM, &[TEAM]);
    assert_eq!(app.post_event(&home).await.status(), 200);
    app.wait_until_idle().await;

    assert_eq!(stored_events(&app).await, ["EvHome"]);
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], "1700007001.000100");
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics.contains("clarity_events_other_workspace_total"),
        "{metrics}"
    );
}

async fn an_event_from_a_shared_channel_authorized_for_this_workspace_is_answered(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    // A channel shared with T999: Slack sends T999's team id and lists this
    // workspace's installation in `authorizations`.
    let shared = event_from("EvShared", "1700007100.000100", "T999", &[TEAM]);
    assert_eq!(app.post_event(&shared).await.status(), 200);
    app.wait_until_idle().await;
    assert_eq!(stored_events(&app).await, ["EvShared"]);
    assert_eq!(app.slack.posts().len(), 1);
}

/// The bot binary, as deployed, with its log (`RUST_LOG=warn`) in a file;
/// killed when the test ends.
async fn the_bot_logs_a_warning_naming_the_workspace_it_is_not_installed_in_on_sqlite() {
    let db = TestDb::create(Backend::Sqlite).await;
    let slack = FakeSlack::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let config = db.dir.path().join("clarity.toml");
    std::fs::write(&config, "").expect("config");
    let log = db.dir.path().join("bot.log");
    let _bot = Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
        .arg("serve")
        .env("CLARITY_CONFIG", &config)
        .env("CLARITY_BIND", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", &db.url)
        .env("SLACK_API_URL", &slack.base_url)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .map(crate::resilience::Bot)
        .expect("the binary starts");
    let client = http();
    let base = format!("http://127.0.0.1:{port}");
    wait_for("the bot to be ready", || {
        let request = client.get(format!("{base}/readyz")).send();
        async move { request.await.is_ok_and(|r| r.status() == 200) }
    })
    .await;
    let body = event_from(
        "EvForeignLog",
        "1700007200.000100",
        "T0FOREIGN",
        &["T0FOREIGN"],
    );
    let timestamp = now_secs().to_string();
    let response = client
        .post(format!("{base}/slack/events"))
        .header("x-slack-request-timestamp", &timestamp)
        .header("x-slack-signature", sign(SIGNING_SECRET, &timestamp, &body))
        .body(body)
        .send()
        .await
        .expect("reaches the bot");
    assert_eq!(response.status(), 200);
    wait_for("a warning naming the team", || async {
        std::fs::read_to_string(&log).is_ok_and(|text| {
            text.lines()
                .any(|line| line.contains("WARN") && line.contains("T0FOREIGN"))
        })
    })
    .await;
}
