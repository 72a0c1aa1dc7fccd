//! Long input never costs a reply: what people type can be as long as
//! Slack lets them, escaping makes it longer, and still every answer, flag
//! and surfaced decision arrives within Block Kit's limits (the fake Slack
//! refuses anything beyond them, as Slack does).

use crate::helpers::*;
use serde_json::Value;

crate::sqlite_and_postgres! {
    a_decision_of_2990_characters_is_announced_within_the_limits => a_decision_of_2990_characters_is_announced_within_the_limits;
    ten_long_decisions_are_listed_within_the_limits => ten_long_decisions_are_listed_within_the_limits;
    a_long_decision_stated_in_a_message_is_surfaced_later_with_its_source_link => a_long_decision_stated_in_a_message_is_surfaced_later_with_its_source_link;
    a_3500_character_topic_still_gets_its_question => a_3500_character_topic_still_gets_its_question;
}

/// `&<>` heavy text of exactly `chars` characters (each grows when escaped).
fn heavy(chars: usize) -> String {
    "R&D <beta> & ops. ".chars().cycle().take(chars).collect()
}

async fn run(app: &TestApp, text: &str) -> Value {
    let response = app.post_command(&[("text", text)]).await;
    assert_eq!(response.status(), 200, "{text:.60}");
    response.json().await.expect("a JSON answer")
}

/// The section texts of a message, in order.
fn sections(message: &Value) -> Vec<String> {
    message["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|block| block["type"] == "section")
        .filter_map(|block| block["text"]["text"].as_str().map(str::to_owned))
        .collect()
}

/// Outbox rows Slack refused for good.
async fn failed_replies(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar::<_, String>(
        "SELECT COALESCE(last_error, '') FROM outbox WHERE state = 'failed'",
    )
    .fetch_all(app.app.store.pool())
    .await
    .expect("query")
}

async fn a_decision_of_2990_characters_is_announced_within_the_limits(backend: Backend) {
    let app = spawn_app(backend).await;
    let decision = heavy(2990);
    let answer = run(&app, &format!("decide pricing :: {decision}")).await;
    assert_eq!(slack_refusal("chat.postMessage", &answer), None, "{answer}");
    assert_eq!(answer["response_type"], "in_channel");
    let text = sections(&answer).join("\n");
    assert!(
        text.starts_with("Decision recorded: *pricing* — R&amp;D &lt;beta&gt; &amp; ops."),
        "{text:.120}"
    );
    assert!(text.contains('…'), "shortened, not cut off silently");
    // The log keeps the whole decision; only the message is shortened.
    let stored: String = sqlx::query_scalar("SELECT decision FROM decisions")
        .fetch_one(app.app.store.pool())
        .await
        .expect("query");
    assert_eq!(stored, decision);
}

async fn ten_long_decisions_are_listed_within_the_limits(backend: Backend) {
    let app = spawn_app(backend).await;
    for n in 0..10 {
        let answer = run(&app, &format!("decide topic {n} :: {}", heavy(2900))).await;
        assert_eq!(answer["response_type"], "in_channel");
    }
    let answer = run(&app, "decisions").await;
    assert_eq!(
        slack_refusal("chat.postMessage", &answer),
        None,
        "{answer:.300}"
    );
    let text = sections(&answer).join("\n");
    for n in 0..10 {
        assert!(
            text.contains(&format!("• *topic {n}* — R&amp;D")),
            "topic {n}"
        );
    }
    // Each decision is shortened on its own line; the list is all there.
    assert_eq!(text.matches("… (").count(), 10, "{text:.400}");
}

async fn a_long_decision_stated_in_a_message_is_surfaced_later_with_its_source_link(
    backend: Backend,
) {
    // Only the surfaced decision: no question for its reasoning.
    let app = spawn_app_with(backend, "[after]\nask_why = false\n").await;
    // Filler that escapes long (`&`, `<`, `>`) and still reads as part of a
    // decision, so the message is sure enough to join the log.
    let filler: String = "R&D <beta> & ops: final. "
        .chars()
        .cycle()
        .take(2800)
        .collect();
    let statement = format!(
        "Decision: the Q3 roadmap is search relevance first, then the mobile app. {filler} We're going with that."
    );
    assert!(statement.chars().count() > 2850);
    send_all(
        &app,
        &[message_event(
            "EvLongDecision",
            "C500",
            "1700000500.000100",
            None,
            &statement,
        )],
    )
    .await;
    app.wait_until_idle().await;
    send_all(
        &app,
        &[message_event(
            "EvAskLater",
            "C500",
            "1700000600.000100",
            None,
            "can we all get aligned on the Q3 roadmap?",
        )],
    )
    .await;
    app.wait_until_idle().await;

    assert_eq!(failed_replies(&app).await, Vec::<String>::new());
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "the decision is surfaced: {posts:.300?}");
    let text = sections(&posts[0]).join("\n");
    assert!(
        text.starts_with("For reference: decided on "),
        "{text:.200}"
    );
    assert!(
        text.ends_with("…* (<https://test.slack.com/archives/C500/p1|source>)"),
        "shortened inside the bold, the link to the whole decision kept: {text}"
    );
}

async fn a_3500_character_topic_still_gets_its_question(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = "x".repeat(3500);
    send_all(
        &app,
        &[message_event(
            "EvLongTopic",
            "C600",
            "1700000700.000100",
            None,
            &format!("can we all get aligned on the {token}?"),
        )],
    )
    .await;
    app.wait_until_idle().await;

    assert_eq!(failed_replies(&app).await, Vec::<String>::new());
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "the question arrives: {posts:.300?}");
    let question = sections(&posts[0]).join("\n");
    assert!(
        question.starts_with("Before aligning on *xxx"),
        "{question:.80}"
    );
    assert!(
        question.ends_with("…*: which decision has actually been made?"),
        "the topic is shortened, the question kept: {question}"
    );
    assert!(question.chars().count() < 300, "{question}");
}
