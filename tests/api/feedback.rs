//! Feedback both ways on a flag: "This helped" beside "Not an alignment
//! request", each person counted once however often they click, an
//! optional one-line reason in a small modal, and the counts on App Home.

use crate::helpers::*;
use serde_json::{Value, json};

crate::sqlite_and_postgres! {
    each_persons_feedback_counts_once_and_takes_an_optional_reason => each_persons_feedback_counts_once_and_takes_an_optional_reason;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.app.store.pool())
        .await
        .expect("a count")
}

async fn each_persons_feedback_counts_once_and_takes_an_optional_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    send_all(
        &app,
        &[message_event(
            "EvAsk",
            "C111",
            "1700000100.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    let labels: Vec<&str> = posts[0]["blocks"][3]["elements"]
        .as_array()
        .expect("the buttons")
        .iter()
        .filter_map(|button| button["text"]["text"].as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "Record the decision",
            "No decision yet",
            "This helped",
            "Not an alignment request",
            "Mute this channel for a week"
        ]
    );
    let (id, reply_ts): (i64, String) =
        sqlx::query_as("SELECT id, reply_ts FROM flags WHERE posted = 1")
            .fetch_one(app.app.store.pool())
            .await
            .expect("a posted flag");
    let click = |action: &str, user: &str| {
        let mut payload = app.block_actions(action, &id.to_string(), "C111", &reply_ts);
        payload["user"]["id"] = json!(user);
        payload
    };
    for (action, user) in [
        ("flag_helpful", "W111"),
        ("flag_helpful", "W111"),
        ("flag_helpful", "W222"),
        ("flag_not_alignment", "W333"),
        ("flag_not_alignment", "W333"),
    ] {
        let response = app.post_interaction(&click(action, user)).await;
        assert_eq!(response.status(), 200);
    }
    app.wait_until_idle().await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM flag_feedback WHERE feedback = 'helpful'"
        )
        .await,
        2,
        "W111 twice counts once"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM flag_feedback WHERE feedback = 'not_alignment'"
        )
        .await,
        1
    );
    assert_eq!(
        app.slack.calls("chat.update").len(),
        1,
        "the question is set aside once"
    );

    // Each click offers the small modal for a reason.
    let opened = app.slack.calls("views.open");
    assert_eq!(opened.len(), 5);
    let view: Value = opened[0].body["view"].clone();
    assert_eq!(view["callback_id"], "clarity_feedback_reason");
    assert_eq!(view["blocks"][0]["optional"], true);
    let mut reason = view_submission(
        &view,
        json!({"reason": {"reason": {"type": "plain_text_input", "value": "made us write the decision down"}}}),
    );
    reason["user"]["id"] = json!("W111");
    assert_eq!(app.post_interaction(&reason).await.status(), 200);
    let stored: Option<String> =
        sqlx::query_scalar("SELECT reason FROM flag_feedback WHERE user_id = 'W111'")
            .fetch_one(app.app.store.pool())
            .await
            .expect("W111's feedback");
    assert_eq!(stored.as_deref(), Some("made us write the decision down"));

    // App Home's numbers.
    let mut opened = fixture_json("events_app_home_opened.json");
    opened["event_id"] = json!("EvHome");
    opened["event"]["tab"] = json!("home");
    send_all(&app, &[opened.to_string()]).await;
    app.wait_until_idle().await;
    let home = app.slack.homes();
    let blocks = home.last().expect("a Home view").1["blocks"].clone();
    let numbers = blocks
        .as_array()
        .and_then(|blocks| blocks.last())
        .map(|block| block["elements"][0]["text"].clone())
        .expect("the feedback line");
    assert_eq!(
        numbers,
        "Feedback on my questions (last 30 days): “This helped” 2 · “Not an alignment request” 1"
    );
}
