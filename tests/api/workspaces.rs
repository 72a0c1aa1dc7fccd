//! One workspace: an event for a workspace the bot token does not belong to
//! is acknowledged and dropped, never stored or answered with this
//! workspace's token.

use crate::helpers::*;
use serde_json::{Value, json};

crate::sqlite_and_postgres! {
    an_event_for_a_workspace_the_bot_is_not_installed_in_is_acknowledged_and_dropped => an_event_for_a_workspace_the_bot_is_not_installed_in_is_acknowledged_and_dropped;
    an_event_from_a_shared_channel_authorized_for_this_workspace_is_answered => an_event_from_a_shared_channel_authorized_for_this_workspace_is_answered;
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
    sqlx::query_scalar("SELECT event_id FROM events ORDER BY id")
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
