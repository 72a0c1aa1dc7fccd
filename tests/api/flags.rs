//! From a message to one threaded question, and silence where it belongs.

use crate::helpers::*;

crate::sqlite_and_postgres! {
    a_premature_alignment_ask_gets_one_threaded_reply_naming_the_topic => a_premature_alignment_ask_gets_one_threaded_reply_naming_the_topic;
    ordinary_chat_and_hard_negatives_get_no_reply => ordinary_chat_and_hard_negatives_get_no_reply;
    a_slack_retry_and_a_second_ask_in_the_thread_add_no_reply => a_slack_retry_and_a_second_ask_in_the_thread_add_no_reply;
    bot_messages_own_messages_edits_and_joins_are_ignored => bot_messages_own_messages_edits_and_joins_are_ignored;
    an_ask_after_a_decision_stated_in_the_channel_gets_no_reply => an_ask_after_a_decision_stated_in_the_channel_gets_no_reply;
    an_ask_that_names_nothing_right_after_a_decision_is_answered_with_it => an_ask_that_names_nothing_right_after_a_decision_is_answered_with_it;
    an_ask_under_a_root_stating_the_decision_gets_no_reply => an_ask_under_a_root_stating_the_decision_gets_no_reply;
    an_ask_under_an_undecided_root_is_flagged_in_that_thread => an_ask_under_an_undecided_root_is_flagged_in_that_thread;
    an_ask_in_a_thread_older_than_the_bot_uses_conversations_replies => an_ask_in_a_thread_older_than_the_bot_uses_conversations_replies;
    deleting_a_flagged_message_deletes_the_reply => deleting_a_flagged_message_deletes_the_reply;
    editing_the_decision_into_a_flagged_message_withdraws_the_question => editing_the_decision_into_a_flagged_message_withdraws_the_question;
    a_decision_is_read_whole_and_answers_an_ask_on_what_it_was_for => a_decision_is_read_whole_and_answers_an_ask_on_what_it_was_for;
    a_status_update_read_as_a_decision_with_little_confidence_joins_no_log => a_status_update_read_as_a_decision_with_little_confidence_joins_no_log;
}
use serde_json::json;

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

fn reply_text(post: &serde_json::Value) -> String {
    post.to_string()
}

/// These tests are about the ask, not the decision's reasoning.
const NO_ASK_WHY: &str = "[after]\nask_why = false\n";

async fn a_premature_alignment_ask_gets_one_threaded_reply_naming_the_topic(backend: Backend) {
    let app = spawn_app(backend).await;
    send_all(
        &app,
        &[message_event("Ev1", "C111", "1700000100.000100", None, ASK)],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let post = &posts[0];
    assert_eq!(post["channel"], "C111");
    assert_eq!(post["thread_ts"], "1700000100.000100");
    let text = post["text"].as_str().expect("text");
    assert!(text.contains("Q3 roadmap"), "{text}");
    assert!(
        text.contains("which decision has actually been made?"),
        "{text}"
    );
    let blocks = post["blocks"].as_array().expect("blocks");
    assert!(blocks.len() >= 2, "a question and why: {blocks:?}");
    // The flag is stored with its reply's ts.
    let stored = sqlx::query_scalar::<_, String>("SELECT reply_ts FROM flags WHERE posted = 1")
        .fetch_all(app.app.store.pool())
        .await
        .expect("query");
    assert_eq!(stored.len(), 1);
}

async fn ordinary_chat_and_hard_negatives_get_no_reply(backend: Backend) {
    let app = spawn_app(backend).await;
    let texts = [
        "lunch at 12:30? the taco place on 5th",
        "can you align the logo with the nav bar? it's 2px off on mobile",
        "the struct needs 64-byte alignment or the SIMD loads fault",
        "we're aligned, shipping tomorrow :rocket:",
        "deploy of search-api to staging is green :white_check_mark:",
    ];
    let bodies: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            message_event(
                &format!("EvNeg{i}"),
                &format!("C20{i}"),
                &format!("1700000200.00010{i}"),
                None,
                text,
            )
        })
        .collect();
    send_all(&app, &bodies).await;
    app.wait_until_idle().await;
    assert!(app.slack.posts().is_empty(), "{:?}", app.slack.posts());
}

async fn a_slack_retry_and_a_second_ask_in_the_thread_add_no_reply(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = message_event("EvRetry", "C111", "1700000300.000100", None, ASK);
    send_all(&app, std::slice::from_ref(&first)).await;
    let timestamp = now_secs().to_string();
    let retry = app
        .post_signed(
            "/slack/events",
            &first,
            &timestamp,
            &sign(SIGNING_SECRET, &timestamp, &first),
            &[
                ("x-slack-retry-num", "1"),
                ("x-slack-retry-reason", "http_timeout"),
            ],
        )
        .await;
    assert_eq!(retry.status(), 200);
    let second = message_event(
        "EvSecond",
        "C111",
        "1700000301.000100",
        Some("1700000300.000100"),
        "+1, can we all get on the same page about the Q3 roadmap first?",
    );
    send_all(&app, &[second]).await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1, "{:?}", app.slack.posts());
}

async fn bot_messages_own_messages_edits_and_joins_are_ignored(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut bodies = Vec::new();
    for (i, name) in [
        "events_message_bot_message.json",
        "events_message_from_bot_user.json",
    ]
    .iter()
    .enumerate()
    {
        let mut body = fixture_json(name);
        body["event_id"] = json!(format!("EvBot{i}"));
        body["event"]["text"] = json!(ASK);
        bodies.push(body.to_string());
    }
    let own = message_event("EvOwn", "C111", "1700000400.000100", None, ASK);
    let mut own: serde_json::Value = serde_json::from_str(&own).expect("json");
    own["event"]["user"] = json!(BOT_USER);
    bodies.push(own.to_string());
    let mut edit = fixture_json("events_message_changed.json");
    edit["event_id"] = json!("EvEdit");
    edit["event"]["message"]["text"] = json!(ASK);
    bodies.push(edit.to_string());
    let mut join = fixture_json("event_only_message_channel_join.json");
    join["text"] = json!(ASK);
    bodies.push(wrap_event("EvJoin", join));
    let mut dm = fixture_json("events_message_thread_reply_im.json");
    dm["event_id"] = json!("EvDm");
    dm["event"]["text"] = json!(ASK);
    bodies.push(dm.to_string());
    send_all(&app, &bodies).await;
    app.wait_until_idle().await;
    assert!(app.slack.posts().is_empty(), "{:?}", app.slack.posts());
    // The same ask from a person in a channel is flagged: the filter, not the text, kept them quiet.
    send_all(
        &app,
        &[message_event(
            "EvPerson",
            "C999",
            "1700000401.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);
}

/// States the Q3 roadmap decision in `channel` and waits for the bot to log it.
async fn decide_q3_roadmap(app: &TestApp, channel: &str) {
    send_all(
        app,
        &[message_event(
            "EvDecide",
            channel,
            "1700000500.000100",
            None,
            "Decision: the Q3 roadmap is search relevance first, then the mobile app. We're going with that.",
        )],
    )
    .await;
    app.wait_until_idle().await;
}

async fn an_ask_after_a_decision_stated_in_the_channel_gets_no_reply(backend: Backend) {
    // The question for a stated decision's reasoning is tested in after.rs.
    let app = spawn_app_with(backend, NO_ASK_WHY).await;
    decide_q3_roadmap(&app, "C300").await;
    send_all(
        &app,
        &[message_event(
            "EvAfter",
            "C300",
            "1700000600.000100",
            None,
            "can we all get aligned on the Q3 roadmap?",
        )],
    )
    .await;
    app.wait_until_idle().await;
    // No question: the decision is surfaced instead (surface_decisions).
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(
        posts[0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("For reference: decided on ")),
        "{posts:?}"
    );
    let decisions = sqlx::query_scalar::<_, String>("SELECT permalink FROM decisions")
        .fetch_all(app.app.store.pool())
        .await
        .expect("query");
    assert_eq!(
        decisions.len(),
        1,
        "the decision was logged with its permalink"
    );
    assert!(decisions[0].contains("/archives/C300/"));
}

/// "Can we get everyone on board with this?" right after a decision in the
/// channel points at it: the decision is surfaced, no question asked. The
/// same words in a channel with no decision get the question.
async fn an_ask_that_names_nothing_right_after_a_decision_is_answered_with_it(backend: Backend) {
    let app = spawn_app_with(backend, NO_ASK_WHY).await;
    let ask = "can we get everyone on board with this before the launch?";
    decide_q3_roadmap(&app, "C302").await;
    send_all(
        &app,
        &[
            message_event("EvThis", "C302", "1700000600.000100", None, ask),
            message_event("EvElsewhere", "C303", "1700000601.000100", None, ask),
        ],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    let in_channel = |channel: &str| {
        posts
            .iter()
            .find(|p| p["channel"] == channel)
            .and_then(|p| p["text"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let answered = in_channel("C302");
    assert!(
        answered.starts_with("For reference: decided on ") && answered.contains("search relevance"),
        "{posts:?}"
    );
    assert!(
        !in_channel("C303").starts_with("For reference"),
        "with no decision the ask gets the question: {posts:?}"
    );
}

/// A status update the classifier reads as a decision, unsure: it joins no
/// log, so a later ask on its subject is asked about, not answered "For
/// reference" with the status line.
async fn a_status_update_read_as_a_decision_with_little_confidence_joins_no_log(backend: Backend) {
    let app = spawn_app_with(backend, NO_ASK_WHY).await;
    let status = "the billing build now takes 14 minutes instead of 9";
    let read = app
        .app
        .classifier
        .assess(status, &clarity_bot::classify::Context::default());
    assert!(
        read.kind == clarity_bot::domain::Kind::Decision && read.score < 0.8,
        "this case needs a status line read as an unsure decision; pick another: {read:?}"
    );
    send_all(
        &app,
        &[message_event(
            "EvStatus",
            "C301",
            "1700000500.000100",
            None,
            status,
        )],
    )
    .await;
    app.wait_until_idle().await;
    let decisions = sqlx::query_scalar::<_, String>("SELECT decision FROM decisions")
        .fetch_all(app.app.store.pool())
        .await
        .expect("query");
    assert_eq!(decisions, Vec::<String>::new());
    send_all(
        &app,
        &[message_event(
            "EvAsk",
            "C301",
            "1700000600.000100",
            None,
            "can we get aligned on the billing build before friday?",
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(
        posts[0]["text"]
            .as_str()
            .is_some_and(|t| !t.starts_with("For reference")),
        "{posts:?}"
    );
}

async fn an_ask_under_a_root_stating_the_decision_gets_no_reply(backend: Backend) {
    // The question for a stated decision's reasoning is tested in after.rs.
    let app = spawn_app_with(backend, NO_ASK_WHY).await;
    let root = message_event(
        "EvRoot",
        "C400",
        "1700000700.000100",
        None,
        "We decided: the mobile release cadence is every two weeks, starting in March.",
    );
    let ask = message_event(
        "EvUnder",
        "C400",
        "1700000701.000100",
        Some("1700000700.000100"),
        "great, let's make sure everyone is aligned on the mobile release cadence",
    );
    send_all(&app, &[root, ask]).await;
    app.wait_until_idle().await;
    assert!(app.slack.posts().is_empty(), "{:?}", app.slack.posts());
}

async fn an_ask_under_an_undecided_root_is_flagged_in_that_thread(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = message_event(
        "EvOpenRoot",
        "C500",
        "1700000800.000100",
        None,
        "Pricing page: should we show the annual discount or not? Options in the doc.",
    );
    let ask = message_event(
        "EvOpenAsk",
        "C500",
        "1700000801.000100",
        Some("1700000800.000100"),
        "we need to get aligned on the pricing page before Friday",
    );
    send_all(&app, &[root, ask]).await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], "1700000800.000100");
    assert!(
        reply_text(&posts[0]).contains("pricing page"),
        "{}",
        reply_text(&posts[0])
    );
}

async fn an_ask_in_a_thread_older_than_the_bot_uses_conversations_replies(backend: Backend) {
    let app = spawn_app(backend).await;
    app.slack.set_thread(
        "1600000000.000100",
        json!([
            {"type": "message", "user": "U222", "ts": "1600000000.000100", "text": "What should the onboarding flow look like?"},
            {"type": "message", "user": "U333", "ts": "1600000001.000100", "thread_ts": "1600000000.000100", "text": "Decision: the onboarding flow keeps the 3-step wizard, we're going with it."}
        ]),
    );
    let ask = message_event(
        "EvOld",
        "C600",
        "1700000900.000100",
        Some("1600000000.000100"),
        "let's get everyone aligned on the onboarding flow",
    );
    send_all(&app, &[ask]).await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.calls("conversations.replies").len(), 1);
    assert!(
        app.slack.posts().is_empty(),
        "the thread's decision covers it: {:?}",
        app.slack.posts()
    );
}

async fn deleting_a_flagged_message_deletes_the_reply(backend: Backend) {
    let app = spawn_app(backend).await;
    send_all(
        &app,
        &[message_event(
            "EvToDelete",
            "C111",
            "1665368619.804829",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);
    let stored: Vec<String> = sqlx::query_scalar("SELECT reply_ts FROM flags WHERE posted = 1")
        .fetch_all(app.app.store.pool())
        .await
        .expect("query");
    // Slack's own message_deleted payload for that message.
    let mut deleted = fixture_json("events_message_deleted.json");
    deleted["event_id"] = json!("EvDeleted");
    send_all(&app, &[deleted.to_string()]).await;
    app.wait_until_idle().await;
    let deletes = app.slack.calls("chat.delete");
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0].body["channel"], "C111");
    assert_eq!(
        deletes[0].body["ts"],
        json!(stored[0]),
        "the bot's own reply is the one deleted"
    );
    // Deleting a message the bot never answered deletes nothing.
    let mut other = fixture_json("events_message_deleted.json");
    other["event_id"] = json!("EvDeletedOther");
    other["event"]["deleted_ts"] = json!("1665368000.000001");
    send_all(&app, &[other.to_string()]).await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.calls("chat.delete").len(), 1);
}

/// Slack's own `message_changed` payload, for message `ts` in `channel`, now reading `text`.
fn edit_event(event_id: &str, channel: &str, ts: &str, text: &str) -> String {
    let mut edit = fixture_json("events_message_changed.json");
    edit["event_id"] = json!(event_id);
    // The captured payload's ids are redacted; put it in the test workspace.
    edit["team_id"] = json!(TEAM);
    edit["event"]["channel"] = json!(channel);
    edit["event"]["message"]["ts"] = json!(ts);
    edit["event"]["message"]["text"] = json!(text);
    edit.to_string()
}

async fn editing_the_decision_into_a_flagged_message_withdraws_the_question(backend: Backend) {
    let app = spawn_app(backend).await;
    send_all(
        &app,
        &[message_event(
            "EvToEdit",
            "C700",
            "1700002000.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);
    // An edit that still asks without a decision leaves the question up.
    let still_open = edit_event(
        "EvEdit1",
        "C700",
        "1700002000.000100",
        &format!("{ASK}, please"),
    );
    send_all(&app, &[still_open]).await;
    app.wait_until_idle().await;
    assert!(app.slack.calls("chat.delete").is_empty());
    // The author adds the decision: the question is withdrawn.
    let decided = edit_event(
        "EvEdit2",
        "C700",
        "1700002000.000100",
        "We decided: the Q3 roadmap is search relevance first. Let's get aligned on the Q3 roadmap around that.",
    );
    send_all(&app, &[decided]).await;
    app.wait_until_idle().await;
    let deletes = app.slack.calls("chat.delete");
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0].body["channel"], "C700");
}

async fn a_decision_is_read_whole_and_answers_an_ask_on_what_it_was_for(backend: Backend) {
    // The question for a stated decision's reasoning is tested in after.rs.
    let app = spawn_app_with(backend, NO_ASK_WHY).await;
    send_all(
        &app,
        &[message_event(
            "EvTiers",
            "C310",
            "1700000800.000100",
            None,
            "Decision: we're going with three tiers for pricing. Owner: <@U0ANA>.",
        )],
    )
    .await;
    app.wait_until_idle().await;
    send_all(
        &app,
        &[message_event(
            "EvPricing",
            "C310",
            "1700000900.000100",
            None,
            "can we get aligned on pricing?",
        )],
    )
    .await;
    app.wait_until_idle().await;
    // No question: the decision is surfaced, its owner's mention a mention.
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let text = posts[0]["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("For reference: decided on "), "{text}");
    assert!(text.contains("by <@U0ANA>"), "{text}");
    assert!(!text.contains("&lt;@U0ANA"), "{text}");
    assert!(!text.contains("Decision:"), "{text}");
    let stored = sqlx::query_as::<_, (String, String, String)>(
        "SELECT topic, decision, owner FROM decisions",
    )
    .fetch_all(app.app.store.pool())
    .await
    .expect("query");
    assert_eq!(
        stored,
        vec![(
            "pricing".to_string(),
            "we're going with three tiers for pricing. Owner: <@U0ANA>.".to_string(),
            "U0ANA".to_string(),
        )]
    );
}
