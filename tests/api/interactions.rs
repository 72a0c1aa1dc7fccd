//! The flag reply's buttons and the modals: each button does what it says
//! and updates the reply in place; submissions record decisions and open
//! questions; forged or stale clicks change nothing; owners are reminded
//! once; asks on decided topics get the decision, once per thread.

use crate::helpers::*;
use crate::socket_support::*;
use serde_json::{Value, json};

crate::sqlite_and_postgres! {
    record_the_decision_opens_the_prefilled_modal_and_its_submission_records_updates_and_announces => record_the_decision_opens_the_prefilled_modal_and_its_submission_records_updates_and_announces;
    not_an_alignment_request_stores_the_feedback_and_acknowledges_in_place => not_an_alignment_request_stores_the_feedback_and_acknowledges_in_place;
    mute_this_channel_for_a_week_mutes_it_and_says_so_in_place => mute_this_channel_for_a_week_mutes_it_and_says_so_in_place;
    no_decision_yet_stores_an_open_question_that_status_lists_and_its_owner_alone_is_reminded_once => no_decision_yet_stores_an_open_question_that_status_lists_and_its_owner_alone_is_reminded_once;
    a_decision_on_the_topic_closes_its_open_question_and_no_reminder_follows => a_decision_on_the_topic_closes_its_open_question_and_no_reminder_follows;
    clicks_on_unknown_flags_other_workspaces_or_other_channels_change_nothing => clicks_on_unknown_flags_other_workspaces_or_other_channels_change_nothing;
    bad_signatures_malformed_and_oversized_interactions_are_refused => bad_signatures_malformed_and_oversized_interactions_are_refused;
    clarity_decide_without_arguments_opens_the_modal_and_its_submission_is_announced => clarity_decide_without_arguments_opens_the_modal_and_its_submission_is_announced;
    an_ask_on_a_decided_topic_gets_the_decision_once_per_thread => an_ask_on_a_decided_topic_gets_the_decision_once_per_thread;
    payloads_re_serialized_by_slack_morphism_as_socket_mode_hands_them_on_work_the_same => payloads_re_serialized_by_slack_morphism_as_socket_mode_hands_them_on_work_the_same;
    buttons_and_forms_work_the_same_over_socket_mode => buttons_and_forms_work_the_same_over_socket_mode;
}

crate::postgres_only! {
    two_replicas_sweeping_at_once_remind_the_owner_once => two_replicas_remind_once;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";
const ASK_TS: &str = "1700000100.000100";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The stored flag after an ask in C111: its id and its reply's ts.
struct Flagged {
    id: i64,
    reply_ts: String,
}

/// Posts the ask, waits for the reply, and returns the flag.
async fn flagged(app: &TestApp) -> Flagged {
    send_all(app, &[message_event("EvAsk", "C111", ASK_TS, None, ASK)]).await;
    app.wait_until_idle().await;
    let (id, reply_ts): (i64, String) =
        sqlx::query_as("SELECT id, reply_ts FROM flags WHERE posted = 1")
            .fetch_one(app.app.store.pool())
            .await
            .expect("a posted flag");
    Flagged { id, reply_ts }
}

/// Clicks a button and checks the click was acknowledged at once.
async fn click(app: &TestApp, payload: &Value) {
    let response = app.post_interaction(payload).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "", "a bare ack");
}

/// Clicks `action` on the flag's reply in C111.
async fn press(app: &TestApp, action: &str, flag: &Flagged) {
    click(
        app,
        &app.block_actions(action, &flag.id.to_string(), "C111", &flag.reply_ts),
    )
    .await;
}

/// The decision form submitted with a topic, a decision and an owner.
fn decision_form(view: &Value, topic: &str, decision: &str, owner: &str) -> Value {
    view_submission(
        view,
        json!({
            "topic": {"topic": text_value(topic)},
            "decision": {"decision": text_value(decision)},
            "owner": {"owner": user_value(owner)},
        }),
    )
}

/// The open-question form submitted with a topic, an owner and a due date.
fn question_form(view: &Value, topic: &str, owner: &str, due: &str) -> Value {
    view_submission(
        view,
        json!({
            "topic": {"topic": text_value(topic)},
            "owner": {"owner": user_value(owner)},
            "due": {"due": date_value(due)},
        }),
    )
}

/// The view of the last views.open call.
fn opened_view(app: &TestApp) -> Value {
    let calls = app.slack.calls("views.open");
    calls.last().expect("a views.open call").body["view"].clone()
}

fn text_value(value: &str) -> Value {
    json!({"type": "plain_text_input", "value": value})
}

fn user_value(user: &str) -> Value {
    json!({"type": "users_select", "selected_user": user})
}

fn date_value(date: &str) -> Value {
    json!({"type": "datepicker", "selected_date": date})
}

fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// `/clarity status` in C111, as the answer's text.
async fn status_text(app: &TestApp) -> String {
    let answer: Value = app
        .post_command(&[("text", "status")])
        .await
        .json()
        .await
        .expect("JSON");
    answer["text"].as_str().unwrap_or_default().to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(app.app.store.pool())
        .await
        .expect("query")
}

async fn record_the_decision_opens_the_prefilled_modal_and_its_submission_records_updates_and_announces(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let flag = flagged(&app).await;
    // The reply carries the four buttons, each with the flag's id.
    let post = &app.slack.posts()[0];
    let actions = post["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .find(|b| b["type"] == "actions")
        .expect("an actions block");
    let ids: Vec<&str> = actions["elements"]
        .as_array()
        .expect("buttons")
        .iter()
        .map(|b| {
            assert_eq!(b["value"], flag.id.to_string());
            b["action_id"].as_str().expect("action id")
        })
        .collect();
    assert_eq!(
        ids,
        [
            "flag_record_decision",
            "flag_no_decision_yet",
            "flag_helpful",
            "flag_not_alignment",
            "flag_mute_week"
        ]
    );

    press(&app, "flag_record_decision", &flag).await;
    let opens = app.slack.calls("views.open");
    assert_eq!(opens.len(), 1);
    assert_eq!(opens[0].body["trigger_id"], "111.222.valid");
    let view = opened_view(&app);
    assert_eq!(view["callback_id"], "clarity_decide");
    assert_eq!(view["blocks"][0]["element"]["initial_value"], "Q3 roadmap");
    assert!(
        app.slack.calls("response").is_empty(),
        "no problem reported to the clicker"
    );

    let submission = view_submission(
        &view,
        json!({
            "topic": {"topic": text_value("Q3 roadmap")},
            "decision": {"decision": text_value("search relevance first, then billing")},
            "owner": {"owner": user_value("U777")},
            "reasoning": {"reasoning": text_value("search churn is our biggest leak")},
        }),
    );
    let response = app.post_interaction(&submission).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "", "the modal closes");
    app.wait_until_idle().await;

    let (topic, decision, owner, reasoning, recorded_by): (String, String, String, String, String) =
        sqlx::query_as("SELECT topic, decision, owner, reasoning, recorded_by FROM decisions")
            .fetch_one(app.app.store.pool())
            .await
            .expect("the decision is recorded");
    assert_eq!(
        (topic.as_str(), decision.as_str(), owner.as_str()),
        ("Q3 roadmap", "search relevance first, then billing", "U777")
    );
    assert_eq!(reasoning, "search churn is our biggest leak");
    assert_eq!(recorded_by, "W111");
    let private: i64 = sqlx::query_scalar("SELECT channel_private FROM decisions")
        .fetch_one(app.app.store.pool())
        .await
        .expect("query");
    assert_eq!(private, 0, "the ask came from a public channel");

    let updates = app.slack.calls("chat.update");
    assert_eq!(updates.len(), 1, "{updates:?}");
    let update = &updates[0].body;
    assert_eq!(update["channel"], "C111");
    assert_eq!(update["ts"], flag.reply_ts.as_str());
    assert_eq!(
        update["text"],
        "Decided: *Q3 roadmap* — search relevance first, then billing"
    );
    assert!(
        !update.to_string().contains("flag_record_decision"),
        "the buttons are gone: {update}"
    );

    let posts = app.slack.posts();
    assert_eq!(posts.len(), 2, "the question, then one line: {posts:?}");
    assert_eq!(posts[1]["thread_ts"], ASK_TS);
    assert_eq!(
        posts[1]["text"],
        "Decision recorded by <@W111>: *Q3 roadmap* — search relevance first, then billing"
    );
}

async fn not_an_alignment_request_stores_the_feedback_and_acknowledges_in_place(backend: Backend) {
    let app = spawn_app(backend).await;
    let flag = flagged(&app).await;
    assert!(
        status_text(&app)
            .await
            .contains("*Q3 roadmap* — asked once")
    );
    press(&app, "flag_not_alignment", &flag).await;
    app.wait_until_idle().await;
    let feedback: String = sqlx::query_scalar("SELECT feedback FROM flags WHERE id = $1")
        .bind(flag.id)
        .fetch_one(app.app.store.pool())
        .await
        .expect("query");
    assert_eq!(feedback, "not_alignment");
    let updates = app.slack.calls("chat.update");
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].body["ts"], flag.reply_ts.as_str());
    assert_eq!(
        updates[0].body["text"],
        "Thanks, <@W111> — noted: not an alignment request. I'll leave this one alone."
    );
    assert_eq!(
        updates[0].body["blocks"].as_array().map(Vec::len),
        Some(1),
        "one line, no buttons"
    );
    let opened = app.slack.calls("views.open");
    assert_eq!(opened.len(), 1, "only the optional reason");
    assert_eq!(
        opened[0].body["view"]["callback_id"],
        "clarity_feedback_reason"
    );
    let after = status_text(&app).await;
    assert!(!after.contains("Q3 roadmap"), "no longer counted: {after}");
}

async fn mute_this_channel_for_a_week_mutes_it_and_says_so_in_place(backend: Backend) {
    let app = spawn_app(backend).await;
    let flag = flagged(&app).await;
    let before = jiff::Timestamp::now().as_millisecond();
    press(&app, "flag_mute_week", &flag).await;
    app.wait_until_idle().await;
    let until: i64 = sqlx::query_scalar(
        "SELECT muted_until FROM channel_settings WHERE team_id = 'T111' AND channel_id = 'C111'",
    )
    .fetch_one(app.app.store.pool())
    .await
    .expect("the channel is muted");
    assert!(
        (before + 7 * DAY_MS..=before + 7 * DAY_MS + 60_000).contains(&until),
        "a week"
    );
    let updates = app.slack.calls("chat.update");
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].body["ts"], flag.reply_ts.as_str());
    let text = updates[0].body["text"].as_str().expect("text");
    assert!(
        text.starts_with("<@W111> muted me in this channel until <!date^"),
        "{text}"
    );
    // The channel sees one line saying who muted it until when.
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[1]["channel"], "C111");
    assert!(posts[1].get("thread_ts").is_none(), "{posts:?}");
    assert_eq!(posts[1]["text"].as_str(), Some(text));

    // A new ask in the muted channel gets nothing.
    send_all(
        &app,
        &[message_event(
            "EvMuted",
            "C111",
            "1700090000.000100",
            None,
            "can we all get aligned on the pricing page?",
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 2, "{:?}", app.slack.posts());
}

async fn no_decision_yet_stores_an_open_question_that_status_lists_and_its_owner_alone_is_reminded_once(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let flag = flagged(&app).await;
    press(&app, "flag_no_decision_yet", &flag).await;
    let view = opened_view(&app);
    assert_eq!(view["callback_id"], "clarity_open_question");
    assert_eq!(view["blocks"][1]["element"]["type"], "users_select");
    assert_eq!(view["blocks"][2]["element"]["type"], "datepicker");

    // A day already past is refused in the modal; nothing is stored.
    let yesterday = today().yesterday().expect("a day").to_string();
    let late = question_form(&view, "Q3 roadmap", "U777", &yesterday);
    let response = app.post_interaction(&late).await;
    assert_eq!(response.status(), 200);
    let errors: Value = response.json().await.expect("JSON");
    assert_eq!(errors["response_action"], "errors");
    assert_eq!(
        errors["errors"]["due"],
        "Please choose today or a later day."
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM open_questions").await, 0);

    let due = today();
    let submission = question_form(&view, "Q3 roadmap", "U777", &due.to_string());
    let response = app.post_interaction(&submission).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "");
    // A double submission adds nothing.
    app.post_interaction(&submission).await;
    app.wait_until_idle().await;

    let label = due.strftime("%a %-d %b").to_string();
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[1]["thread_ts"], ASK_TS);
    assert_eq!(
        posts[1]["text"],
        format!("Open: *Q3 roadmap* — <@U777> decides by {label}")
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM open_questions").await, 1);
    // The question, updated in place: who decides by when, and only the
    // button that is still useful.
    let updates = app.slack.calls("chat.update");
    assert_eq!(updates.len(), 1, "{updates:?}");
    let update = &updates[0].body;
    assert_eq!(update["ts"], flag.reply_ts.as_str());
    assert_eq!(
        update["blocks"][1]["elements"][0]["text"],
        format!("Not decided yet: <@U777> decides by {label}. Record it here when it's made.")
    );
    let buttons: Vec<&Value> = update["blocks"][2]["elements"]
        .as_array()
        .expect("buttons")
        .iter()
        .collect();
    assert_eq!(buttons.len(), 1);
    assert_eq!(buttons[0]["action_id"], "flag_record_decision");
    assert_eq!(buttons[0]["value"], flag.id.to_string());

    let status = app.post_command(&[("text", "status")]).await;
    let status: Value = status.json().await.expect("JSON");
    let text = status["text"].as_str().expect("text");
    assert!(
        text.contains(&format!("• *Q3 roadmap* — <@U777> decides by {label}")),
        "{text}"
    );

    // On the due day itself, no reminder; the day after, one DM to the owner.
    let now = jiff::Timestamp::now().as_millisecond();
    assert_eq!(
        clarity_bot::reminders::run_once(&app.app, now)
            .await
            .expect("sweep"),
        0
    );
    let later = now + 2 * DAY_MS;
    assert_eq!(
        clarity_bot::reminders::run_once(&app.app, later)
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(
        clarity_bot::reminders::run_once(&app.app, later + DAY_MS)
            .await
            .expect("sweep"),
        0,
        "once"
    );
    // The DM is queued for the sweep's time: send it on the same clock.
    clarity_bot::respond::outbox::run_once(&app.app, later)
        .await
        .expect("outbox step");
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 3, "{posts:?}");
    let dm = &posts[2];
    assert_eq!(dm["channel"], "U777", "a DM to the owner, nobody else");
    assert!(dm.get("thread_ts").is_none());
    let text = dm["text"].as_str().expect("text");
    assert!(
        text.starts_with(&format!(
            "Reminder: *Q3 roadmap* in <#C111> was to be decided by {label}"
        )),
        "{text}"
    );
}

async fn a_decision_on_the_topic_closes_its_open_question_and_no_reminder_follows(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let flag = flagged(&app).await;
    press(&app, "flag_no_decision_yet", &flag).await;
    let submission = question_form(
        &opened_view(&app),
        "Q3 roadmap",
        "U777",
        &today().to_string(),
    );
    assert_eq!(app.post_interaction(&submission).await.status(), 200);
    let answer = app
        .post_command(&[("text", "decide q3 roadmap :: search first")])
        .await;
    assert_eq!(answer.status(), 200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM open_questions WHERE closed_at IS NOT NULL"
        )
        .await,
        1
    );
    let later = jiff::Timestamp::now().as_millisecond() + 3 * DAY_MS;
    assert_eq!(
        clarity_bot::reminders::run_once(&app.app, later)
            .await
            .expect("sweep"),
        0
    );
    let status: Value = app
        .post_command(&[("text", "status")])
        .await
        .json()
        .await
        .expect("JSON");
    assert!(!status.to_string().contains("decides by"), "{status}");
}

async fn clicks_on_unknown_flags_other_workspaces_or_other_channels_change_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let flag = flagged(&app).await;
    let id = flag.id.to_string();
    let mut other_team = app.block_actions("flag_not_alignment", &id, "C111", &flag.reply_ts);
    other_team["team"]["id"] = json!("T999");
    let forged = [
        app.block_actions("flag_not_alignment", "999999", "C111", &flag.reply_ts),
        app.block_actions("flag_not_alignment", "not-a-number", "C111", &flag.reply_ts),
        other_team,
        app.block_actions("flag_mute_week", &id, "C222", &flag.reply_ts),
        app.block_actions("flag_record_decision", &id, "C222", &flag.reply_ts),
    ];
    for payload in &forged {
        click(&app, payload).await;
    }
    app.wait_until_idle().await;
    assert!(app.slack.calls("views.open").is_empty());
    assert!(app.slack.calls("chat.update").is_empty());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM flags WHERE feedback IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM channel_settings").await,
        0
    );
    // Each person was told, privately, through the click's response_url.
    let told = app.slack.calls("response");
    assert_eq!(told.len(), forged.len());
    for call in &told {
        assert_eq!(call.body["response_type"], "ephemeral");
        assert_eq!(call.body["replace_original"], false);
        assert!(
            call.body["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("I couldn't find the question")),
            "{}",
            call.body
        );
    }

    // A submission naming another workspace's flag records nothing.
    press(&app, "flag_record_decision", &flag).await;
    let mut submission = decision_form(&opened_view(&app), "Q3 roadmap", "search first", "U777");
    submission["team"]["id"] = json!("T999");
    let response = app.post_interaction(&submission).await;
    assert_eq!(response.status(), 200);
    let errors: Value = response.json().await.expect("JSON");
    assert_eq!(errors["response_action"], "errors");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decisions").await, 0);
}

async fn bad_signatures_malformed_and_oversized_interactions_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let flag = flagged(&app).await;
    let body = interaction_body(&app.block_actions(
        "flag_not_alignment",
        &flag.id.to_string(),
        "C111",
        &flag.reply_ts,
    ));
    let now = now_secs().to_string();
    let wrong = sign("another-secret", &now, &body);
    let response = app
        .post_form("/slack/interactions", &body, &now, &wrong)
        .await;
    assert_eq!(response.status(), 401);
    let stale = (now_secs() - 600).to_string();
    let response = app
        .post_form(
            "/slack/interactions",
            &body,
            &stale,
            &sign(SIGNING_SECRET, &stale, &body),
        )
        .await;
    assert_eq!(response.status(), 401);
    for malformed in [
        "payload=%7Bnot%20json",
        "nothing=here",
        "payload=%7B%22type%22%3A%22block_actions%22%7D",
    ] {
        let response = app
            .post_form(
                "/slack/interactions",
                malformed,
                &now,
                &sign(SIGNING_SECRET, &now, malformed),
            )
            .await;
        assert_eq!(response.status(), 400, "{malformed}");
    }
    // Over the limit (a small one, so the whole body is sent before the
    // early answer and the 413 is what comes back, not a reset connection).
    let small = spawn_app_with(backend, "[server]\nmax_body_bytes = 4096\n").await;
    let huge = format!("payload={}", "a".repeat(8 * 1024));
    let response = small
        .post_form(
            "/slack/interactions",
            &huge,
            &now,
            &sign(SIGNING_SECRET, &now, &huge),
        )
        .await;
    assert_eq!(response.status(), 413);
    // The real fixture bodies (a button the bot never sent, a modal it never
    // opened) are acknowledged and change nothing.
    for name in [
        "interactive_block_actions.form.txt",
        "interactive_view_submission.form.txt",
    ] {
        let body = fixture(name);
        let response = app
            .post_form(
                "/slack/interactions",
                &body,
                &now,
                &sign(SIGNING_SECRET, &now, &body),
            )
            .await;
        assert_eq!(response.status(), 200, "{name}");
    }
    app.wait_until_idle().await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM flags WHERE feedback IS NOT NULL"
        )
        .await,
        0
    );
    assert!(app.slack.calls("chat.update").is_empty());
}

async fn clarity_decide_without_arguments_opens_the_modal_and_its_submission_is_announced(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let answer: Value = app
        .post_command(&[("text", "decide")])
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["response_type"], "ephemeral");
    assert_eq!(
        answer["text"],
        "The decision form is open. (You can also type `/clarity decide topic :: decision`.)"
    );
    let opens = app.slack.calls("views.open");
    assert_eq!(opens.len(), 1);
    assert_eq!(opens[0].body["trigger_id"], "111.111.xxx");
    let view = opened_view(&app);
    assert_eq!(view["callback_id"], "clarity_decide");
    let fields: Vec<&str> = view["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .map(|b| b["block_id"].as_str().expect("block id"))
        .collect();
    assert_eq!(fields, ["topic", "decision", "owner", "reasoning"]);
    assert!(view["blocks"][0]["element"].get("initial_value").is_none());

    // Missing and unreadable fields come back as errors; nothing is recorded.
    let invalid = decision_form(&view, "pricing\u{7}", "", "W111");
    let response = app.post_interaction(&invalid).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let errors: Value = response.json().await.expect("JSON");
    assert_eq!(
        errors,
        json!({"response_action": "errors", "errors": {
            "topic": "That has characters I can't read.",
            "decision": "Please fill this in."
        }})
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decisions").await, 0);

    let valid = view_submission(
        &view,
        json!({
            "topic": {"topic": text_value("pricing page")},
            "decision": {"decision": text_value("three tiers")},
            "owner": {"owner": user_value("U777")},
            "reasoning": {"reasoning": {"type": "plain_text_input", "value": null}},
        }),
    );
    let response = app.post_interaction(&valid).await;
    assert_eq!(response.status(), 200);
    app.wait_until_idle().await;
    let (owner, private): (String, i64) =
        sqlx::query_as("SELECT owner, channel_private FROM decisions WHERE topic = 'pricing page'")
            .fetch_one(app.app.store.pool())
            .await
            .expect("recorded");
    assert_eq!(owner, "U777");
    assert_eq!(private, 0, "C111 (#random) is a public channel");
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["channel"], "C111");
    assert!(posts[0].get("thread_ts").is_none(), "in the channel");
    assert_eq!(
        posts[0]["text"],
        "Decision recorded: *pricing page* — three tiers"
    );
}

async fn an_ask_on_a_decided_topic_gets_the_decision_once_per_thread(backend: Backend) {
    let app = spawn_app(backend).await;
    let answer = app
        .post_command(&[("text", "decide Q3 roadmap :: ship search first")])
        .await;
    assert_eq!(answer.status(), 200);
    send_all(&app, &[message_event("EvAsk1", "C111", ASK_TS, None, ASK)]).await;
    app.wait_until_idle().await;
    send_all(
        &app,
        &[message_event(
            "EvAsk2",
            "C111",
            "1700000101.000100",
            Some(ASK_TS),
            "+1, can we all get on the same page about the Q3 roadmap first?",
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "once per thread: {posts:?}");
    assert_eq!(posts[0]["thread_ts"], ASK_TS);
    let at: i64 = sqlx::query_scalar("SELECT created_at FROM decisions WHERE topic = 'Q3 roadmap'")
        .fetch_one(app.app.store.pool())
        .await
        .expect("the decision");
    // The day in each reader's own zone, "2 Oct" (UTC) where it can't be.
    let day = jiff::Timestamp::from_millisecond(at)
        .expect("a time")
        .strftime("%-d %b");
    assert_eq!(
        posts[0]["text"],
        format!(
            "For reference: decided on <!date^{}^{{date_short}}|{day}> by <@W111> — *ship search first*",
            at / 1000
        )
    );
    assert!(
        !posts[0]
            .to_string()
            .contains("which decision has actually been made")
    );

    // With surface_decisions off, the same ask gets nothing.
    let quiet = spawn_app_with(backend, "[threads]\nsurface_decisions = false\n").await;
    quiet
        .post_command(&[("text", "decide Q3 roadmap :: ship search first")])
        .await;
    send_all(
        &quiet,
        &[message_event("EvAsk1", "C111", ASK_TS, None, ASK)],
    )
    .await;
    quiet.wait_until_idle().await;
    assert!(quiet.slack.posts().is_empty(), "{:?}", quiet.slack.posts());
}

async fn two_replicas_remind_once() {
    let first = spawn_app(Backend::Postgres).await;
    let second = spawn_on(first.db.clone(), first.slack.clone(), "").await;
    let flag = flagged(&first).await;
    press(&first, "flag_no_decision_yet", &flag).await;
    let submission = question_form(
        &opened_view(&first),
        "Q3 roadmap",
        "U777",
        &today().to_string(),
    );
    // The submission reaches the other replica: they share everything.
    assert_eq!(second.post_interaction(&submission).await.status(), 200);
    let later = jiff::Timestamp::now().as_millisecond() + 2 * DAY_MS;
    let (a, b) = tokio::join!(
        clarity_bot::reminders::run_once(&first.app, later),
        clarity_bot::reminders::run_once(&second.app, later),
    );
    assert_eq!(a.expect("sweep") + b.expect("sweep"), 1);
    clarity_bot::respond::outbox::run_once(&first.app, later)
        .await
        .expect("outbox step");
    first.wait_until_idle().await;
    let dms: Vec<Value> = first
        .slack
        .posts()
        .into_iter()
        .filter(|p| p["channel"] == "U777")
        .collect();
    assert_eq!(dms.len(), 1, "{dms:?}");
}

/// A payload slack-morphism parsed and serialized again (as Socket Mode
/// once handed it on): what the bot reads must survive that.
fn as_socket_mode_hands_it_on(payload: &Value) -> Value {
    let event: slack_morphism::prelude::SlackInteractionEvent =
        serde_json::from_value(payload.clone()).expect("slack-morphism reads it");
    serde_json::to_value(&event).expect("serializes")
}

async fn payloads_re_serialized_by_slack_morphism_as_socket_mode_hands_them_on_work_the_same(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let flag = flagged(&app).await;
    let id = flag.id.to_string();
    let payload = as_socket_mode_hands_it_on(&app.block_actions(
        "flag_record_decision",
        &id,
        "C111",
        &flag.reply_ts,
    ));
    let ack = clarity_bot::ingress::interaction(&app.app, payload, now_secs() * 1000).await;
    assert_eq!(ack, clarity_bot::interactions::Ack::Done);
    let submission = as_socket_mode_hands_it_on(&decision_form(
        &opened_view(&app),
        "Q3 roadmap",
        "search first",
        "U777",
    ));
    let ack = clarity_bot::ingress::interaction(&app.app, submission, now_secs() * 1000).await;
    assert_eq!(ack, clarity_bot::interactions::Ack::Done);
    app.wait_until_idle().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM decisions WHERE owner = 'U777'").await,
        1
    );
    assert_eq!(app.slack.calls("chat.update").len(), 1);
}

/// An `interactive` envelope (Slack's `socket_mode_interactive_shortcut.json`)
/// carrying `payload`, that accepts a response payload on its ack.
fn interactive_envelope(envelope_id: &str, payload: &Value) -> String {
    let mut frame = fixture_json("socket_mode_interactive_shortcut.json");
    frame["envelope_id"] = json!(envelope_id);
    frame["payload"] = payload.clone();
    frame["accepts_response_payload"] = json!(true);
    frame.to_string()
}

async fn buttons_and_forms_work_the_same_over_socket_mode(backend: Backend) {
    let (app, mut socket) = spawn_socket_app(backend, false).await;
    let mut slack_side = socket.next_greeted_connection().await;
    slack_side
        .send(&events_envelope("env-ask", "EvAsk", "C111", ASK_TS, ASK))
        .await;
    slack_side.ack("env-ask").await;
    wait_for("the question", || async { !app.slack.posts().is_empty() }).await;
    app.wait_until_idle().await;
    let (id, reply_ts): (i64, String) =
        sqlx::query_as("SELECT id, reply_ts FROM flags WHERE posted = 1")
            .fetch_one(app.app.store.pool())
            .await
            .expect("a posted flag");

    slack_side
        .send(&interactive_envelope(
            "env-click",
            &app.block_actions("flag_record_decision", &id.to_string(), "C111", &reply_ts),
        ))
        .await;
    assert_eq!(
        slack_side.ack("env-click").await,
        json!({"envelope_id": "env-click"})
    );
    let view = opened_view(&app);
    assert_eq!(view["blocks"][0]["element"]["initial_value"], "Q3 roadmap");

    // Field errors ride on the ack; a good submission is recorded.
    let invalid = view_submission(
        &view,
        json!({"topic": {"topic": text_value("Q3 roadmap")}, "decision": {"decision": text_value("")}}),
    );
    slack_side
        .send(&interactive_envelope("env-bad", &invalid))
        .await;
    let ack = slack_side.ack("env-bad").await;
    assert_eq!(
        ack["payload"],
        json!({"response_action": "errors", "errors": {"decision": "Please fill this in."}}),
        "{ack}"
    );
    let valid = decision_form(&view, "Q3 roadmap", "search first", "U777");
    slack_side
        .send(&interactive_envelope("env-good", &valid))
        .await;
    let ack = slack_side.ack("env-good").await;
    assert!(ack.get("payload").is_none(), "{ack}");
    app.wait_until_idle().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decisions").await, 1);
    let updates = app.slack.calls("chat.update");
    assert_eq!(updates.len(), 1);
    assert_eq!(
        updates[0].body["text"],
        "Decided: *Q3 roadmap* — search first"
    );
}
