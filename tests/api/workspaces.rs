//! One workspace: an event for a workspace the bot token does not belong to
//! is acknowledged and dropped, never stored or answered with this
//! workspace's token.

use crate::helpers::*;
use serde_json::{Value, json};

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
    let port = crate::resilience::free_port();
    let log = db.dir.path().join("bot.log");
    let _bot = crate::resilience::start_bot_logging(
        &db,
        &slack,
        port,
        "warn",
        std::fs::File::create(&log).expect("log file").into(),
    );
    crate::resilience::wait_ready(port).await;
    let body = event_from(
        "EvForeignLog",
        "1700007200.000100",
        "T0FOREIGN",
        &["T0FOREIGN"],
    );
    let response = crate::resilience::post_event_to(port, body).await;
    assert_eq!(response.status(), 200);
    wait_for("a warning naming the team", || async {
        std::fs::read_to_string(&log).is_ok_and(|text| {
            text.lines()
                .any(|line| line.contains("WARN") && line.contains("T0FOREIGN"))
        })
    })
    .await;
}
