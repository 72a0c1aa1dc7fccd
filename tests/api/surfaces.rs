//! The bot in a channel beyond its question: the greeting when it joins
//! (once per channel, ever: across leaving, rejoining and replicas) and
//! its answers to @mentions (help; a decision found, not found, or kept in
//! its private channel), and the "Record as decision" message shortcut,
//! from Slack's own payloads.

use crate::helpers::*;
use serde_json::{Value, json};

crate::sqlite_and_postgres! {
    the_bot_greets_a_channel_once_across_rejoins_and_two_replicas => the_bot_greets_a_channel_once_across_rejoins_and_two_replicas;
    a_mention_asking_for_help_gets_the_help_in_its_thread => a_mention_asking_for_help_gets_the_help_in_its_thread;
    check_in_a_thread_already_asked_says_so => check_in_a_thread_already_asked_says_so;
    a_mention_asking_about_a_decided_topic_gets_the_decision_its_owner_and_date => a_mention_asking_about_a_decided_topic_gets_the_decision_its_owner_and_date;
    a_mention_about_an_undecided_topic_says_so_and_its_button_opens_the_form => a_mention_about_an_undecided_topic_says_so_and_its_button_opens_the_form;
    a_private_channels_decision_is_not_told_in_another_channel => a_private_channels_decision_is_not_told_in_another_channel;
    record_as_decision_opens_the_form_prefilled_from_the_message_and_keeps_its_link => record_as_decision_opens_the_form_prefilled_from_the_message_and_keeps_its_link;
}

/// Slack's `member_joined_channel` (or `member_left_channel`) for `user`
/// in C111.
fn membership(fixture: &str, event_id: &str, user: &str) -> String {
    let mut body = fixture_json(fixture);
    body["event_id"] = json!(event_id);
    body["event"]["user"] = json!(user);
    body.to_string()
}

/// Slack's `app_mention` with its text, ts, channel and event id replaced.
fn mention(event_id: &str, channel: &str, ts: &str, text: &str) -> String {
    let mut body = fixture_json("events_app_mention.json");
    body["event_id"] = json!(event_id);
    body["event"]["text"] = json!(text);
    body["event"]["ts"] = json!(ts);
    body["event"]["event_ts"] = json!(ts);
    body["event"]["channel"] = json!(channel);
    body.to_string()
}

fn text(post: &Value) -> String {
    post["text"].as_str().unwrap_or_default().to_string()
}

async fn the_bot_greets_a_channel_once_across_rejoins_and_two_replicas(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = spawn_on(app.db.clone(), app.slack.clone(), "").await;
    // Someone else joining is not the bot joining.
    send_all(
        &app,
        &[membership(
            "events_member_joined_channel.json",
            "EvOtherJoin",
            "U999",
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert!(app.slack.posts().is_empty());

    send_all(
        &app,
        &[membership(
            "events_member_joined_channel.json",
            "EvJoin1",
            BOT_USER,
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["channel"], "C111");
    assert!(posts[0].get("thread_ts").is_none());
    assert_eq!(
        text(&posts[0]),
        "Hi, I'm Clarity. When someone here asks to get aligned on something nobody has decided yet, I ask which decision has been made, with a button to record it. I ask at most once per thread. Mute me for a while with `/clarity mute 3 days`; `/clarity help` shows the rest."
    );

    // Removed, invited back (through either replica, at once): no second greeting.
    send_all(
        &app,
        &[membership(
            "events_member_left_channel.json",
            "EvLeft1",
            BOT_USER,
        )],
    )
    .await;
    app.wait_until_idle().await;
    send_all(
        &app,
        &[membership(
            "events_member_joined_channel.json",
            "EvJoin2",
            BOT_USER,
        )],
    )
    .await;
    send_all(
        &other,
        &[membership(
            "events_member_joined_channel.json",
            "EvJoin3",
            BOT_USER,
        )],
    )
    .await;
    app.wait_until_idle().await;
    other.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1, "{:?}", app.slack.posts());
    let member: i64 = sqlx::query_scalar(
        "SELECT member FROM bot_channels WHERE team_id = 'T111' AND channel_id = 'C111'",
    )
    .fetch_one(app.app.store.pool())
    .await
    .expect("the channel is remembered");
    assert_eq!(member, 1, "in the channel again");
}

async fn a_mention_asking_for_help_gets_the_help_in_its_thread(backend: Backend) {
    let app = spawn_app(backend).await;
    let ts = "1595926230.009600";
    send_all(
        &app,
        &[mention(
            "EvHelp",
            "C111",
            ts,
            &format!("<@{BOT_USER}> help"),
        )],
    )
    .await;
    app.wait_until_idle().await;
    // A redelivery adds nothing.
    send_all(
        &app,
        &[mention(
            "EvHelp",
            "C111",
            ts,
            &format!("<@{BOT_USER}> help"),
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], ts);
    let help = text(&posts[0]);
    assert!(
        help.starts_with(
            "Ask me here “was pricing decided?”, “what did we decide about pricing?” or “check TEXT”"
        ),
        "{help}"
    );
    for command in ["/clarity check", "/clarity decide", "/clarity mute"] {
        assert!(help.contains(command), "{help}");
    }
}

/// `@clarity check …` in a thread the bot asked in names that reason; the
/// same draft at the top level of the channel does not (it names the
/// channel's cool-down instead).
async fn check_in_a_thread_already_asked_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = "1700000100.000100";
    let ask = "before we go further we need to get aligned on the Q3 roadmap";
    send_all(&app, &[message_event("EvAsk", "C111", root, None, ask)]).await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1, "the ask is flagged");

    let mut in_thread: Value = serde_json::from_str(&mention(
        "EvCheckThread",
        "C111",
        "1700000200.000100",
        &format!("<@{BOT_USER}> check {ask}"),
    ))
    .expect("json");
    in_thread["event"]["thread_ts"] = json!(root);
    let top = mention(
        "EvCheckTop",
        "C111",
        "1700000300.000100",
        &format!("<@{BOT_USER}> check {ask}"),
    );
    send_all(&app, &[in_thread.to_string(), top]).await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    let answer = |ts: &str| {
        posts
            .iter()
            .filter(|post| post["thread_ts"] == ts)
            .map(text)
            .find(|text| text.starts_with("I would"))
            .unwrap_or_else(|| panic!("no check answer in thread {ts}: {posts:?}"))
    };
    let thread = answer(root);
    assert!(
        thread.starts_with("I would stay quiet right now, though this reads as an alignment ask"),
        "{thread}"
    );
    assert!(
        thread.contains("• I already asked in this thread, and I ask at most once per thread."),
        "{thread}"
    );
    let top = answer("1700000300.000100");
    assert!(!top.contains("in this thread"), "{top}");
    assert!(top.contains("• Channel cool-down"), "{top}");
}

async fn a_mention_asking_about_a_decided_topic_gets_the_decision_its_owner_and_date(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let decided = app
        .post_command(&[("text", "decide Q3 roadmap :: search first, then billing")])
        .await;
    assert_eq!(decided.status(), 200);
    let ts = "1700000100.000100";
    send_all(
        &app,
        &[mention(
            "EvAskDecided",
            "C111",
            ts,
            &format!("<@{BOT_USER}> was the Q3 roadmap decided?"),
        )],
    )
    .await;
    app.wait_until_idle().await;
    let answer = app
        .slack
        .posts()
        .into_iter()
        .find(|post| post["thread_ts"] == ts)
        .expect("an answer in the mention's thread");
    let today = recorded_on(&app, "Q3 roadmap").await;
    assert_eq!(
        text(&answer),
        format!(
            "Yes: *Q3 roadmap* was decided on {today}, owner <@W111> — search first, then billing"
        )
    );
}

async fn a_mention_about_an_undecided_topic_says_so_and_its_button_opens_the_form(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let ts = "1700000100.000100";
    send_all(
        &app,
        &[mention(
            "EvAskOpen",
            "C111",
            ts,
            &format!("<@{BOT_USER}> what did we decide about pricing?"),
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], ts);
    assert_eq!(
        text(&posts[0]),
        "There is no recorded decision on “pricing”. If it has been decided, record it so everyone can find it."
    );
    let button = &posts[0]["blocks"][1]["elements"][0];
    assert_eq!(button["action_id"], "record_topic");
    assert_eq!(button["value"], "pricing");

    let click = app.block_actions("record_topic", "pricing", "C111", "1700000000.000001");
    assert_eq!(app.post_interaction(&click).await.status(), 200);
    let opened = app.slack.calls("views.open");
    assert_eq!(opened.len(), 1);
    let view = &opened[0].body["view"];
    assert_eq!(view["callback_id"], "clarity_decide");
    assert_eq!(view["blocks"][0]["element"]["initial_value"], "pricing");
    let context: Value = serde_json::from_str(view["private_metadata"].as_str().expect("metadata"))
        .expect("the form's context");
    assert_eq!(context["channel_id"], "C111");
    assert!(context.get("flag_id").is_none());
}

async fn a_private_channels_decision_is_not_told_in_another_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    app.slack.make_private("G111");
    let decided = app
        .post_command(&[
            ("text", "decide pricing :: three tiers"),
            ("channel_id", "G111"),
        ])
        .await;
    assert_eq!(decided.status(), 200);
    let question = format!("<@{BOT_USER}> was pricing decided?");
    send_all(
        &app,
        &[
            mention("EvAskPublic", "C111", "1700000100.000100", &question),
            mention("EvAskPrivate", "G111", "1700000200.000100", &question),
        ],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    let in_public = posts
        .iter()
        .find(|post| post["channel"] == "C111")
        .expect("an answer in C111");
    assert!(
        text(in_public).starts_with("There is no recorded decision on “pricing”."),
        "{in_public}"
    );
    assert!(!in_public.to_string().contains("three tiers"));
    let in_private = posts
        .iter()
        .find(|post| post["channel"] == "G111" && post.get("thread_ts").is_some())
        .expect("an answer in G111");
    assert!(
        text(in_private).starts_with("Yes: *pricing* was decided on "),
        "{in_private}"
    );
}

async fn record_as_decision_opens_the_form_prefilled_from_the_message_and_keeps_its_link(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let stated = "we ship the pricing page redesign with three tiers, monthly and yearly";
    let mut payload = fixture_json("interactive_message_action.json");
    payload["callback_id"] = json!("clarity_record_as_decision");
    payload["message"]["text"] = json!(stated);
    payload["message"]["user"] = json!("W222");
    payload["response_url"] = json!(format!("{}response", app.slack.base_url));
    assert_eq!(app.post_interaction(&payload).await.status(), 200);

    let opened = app.slack.calls("views.open");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].body["trigger_id"], "111.222.xxx");
    let view = opened[0].body["view"].clone();
    assert_eq!(view["callback_id"], "clarity_decide");
    assert_eq!(view["blocks"][1]["element"]["initial_value"], stated);
    assert_eq!(
        view["blocks"][2]["element"]["initial_user"], "W222",
        "the author owns it"
    );
    let context: Value = serde_json::from_str(view["private_metadata"].as_str().expect("metadata"))
        .expect("the form's context");
    assert_eq!(context["channel_id"], "C111");
    assert_eq!(
        context["permalink"], "https://test.slack.com/archives/C111/p1",
        "the message's permalink is the source"
    );

    let submitted = view_submission(
        &view,
        json!({
            "topic": {"topic": {"type": "plain_text_input", "value": "pricing page"}},
            "decision": {"decision": {"type": "plain_text_input", "value": stated}},
            "owner": {"owner": {"type": "users_select", "selected_user": "W222"}},
        }),
    );
    assert_eq!(app.post_interaction(&submitted).await.status(), 200);
    app.wait_until_idle().await;
    let (owner, permalink): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT owner, permalink FROM decisions WHERE topic = 'pricing page'")
            .fetch_one(app.app.store.pool())
            .await
            .expect("the decision is recorded");
    assert_eq!(owner.as_deref(), Some("W222"));
    assert_eq!(
        permalink.as_deref(),
        Some("https://test.slack.com/archives/C111/p1")
    );

    // Another app's shortcut opens nothing.
    payload["callback_id"] = json!("test-shortcut");
    payload["trigger_id"] = json!("333.444.yyy");
    assert_eq!(app.post_interaction(&payload).await.status(), 200);
    assert_eq!(app.slack.calls("views.open").len(), 1);
}
