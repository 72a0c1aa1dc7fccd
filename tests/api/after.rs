//! After the decision (issue 17): confusion and disagreement in a
//! decision's thread reach its owner in one note the next day, and none the
//! day after; a private channel's decision never reaches a non-member; a
//! decision without its reasoning gets one question, whose form stores and
//! posts the answer; a reopened topic gets the decision with *Keep the
//! decision* and *Supersede it*, and superseding records the chain.

use crate::helpers::*;
use clarity_bot::reception;
use clarity_bot::respond::outbox;
use serde_json::{Value, json};

crate::sqlite_and_postgres! {
    confusion_and_disagreement_in_a_decisions_thread_reach_its_owner_once_the_next_day => reception_note_once;
    a_private_decision_never_reaches_a_non_member_nor_anyone_outside_its_channel => private_decision_stays_private;
    a_decision_without_reasoning_gets_one_question_and_its_answer_is_stored_and_posted => ask_why_once;
    a_reopened_topic_gets_the_decision_with_keep_and_supersede_and_superseding_records_the_chain => reopened_topic;
    a_workspace_admin_turns_the_notes_off_for_everyone_and_on_again => workspace_notes;
    a_decision_read_in_passing_or_in_a_muted_channel_gets_no_question => no_question_unasked;
}

crate::postgres_only! {
    two_replicas_sweeping_at_once_send_the_note_once => two_replicas_note_once;
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const DECISION_TS: &str = "1700000200.000100";
const DECISION: &str = "Decision: we're going with three tiers for pricing because churn is highest on the flat plan. Owner: <@U0ANA>.";

/// The same message in a private channel (Slack says `group`).
fn said_privately(
    event_id: &str,
    ts: &str,
    thread: Option<&str>,
    user: &str,
    text: &str,
) -> String {
    let mut body: Value =
        serde_json::from_str(&message_by(event_id, "G222", ts, thread, user, text)).expect("JSON");
    body["event"]["channel_type"] = json!("group");
    body.to_string()
}

/// Two people asking what it means and one disagreeing, in the thread.
fn reception(channel_said: impl Fn(&str, &str, &str, &str) -> String) -> Vec<String> {
    vec![
        channel_said(
            "EvC1",
            "1700000201.000100",
            "U201",
            "wait, so are we dropping the free plan?",
        ),
        channel_said(
            "EvC2",
            "1700000202.000100",
            "U202",
            "I'm a bit lost, not sure what this means for existing customers",
        ),
        channel_said(
            "EvX1",
            "1700000203.000100",
            "U203",
            "I disagree with this, the flat plan is what small teams love",
        ),
    ]
}

fn now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Runs the note step at `at`, sends what it queued, and returns how many
/// notes it queued.
async fn sweep(app: &TestApp, at: i64) -> usize {
    let queued = reception::run_once(&app.app, at).await.expect("note step");
    outbox::run_once(&app.app, at).await.expect("outbox step");
    app.wait_until_idle().await;
    queued
}

fn dms_to(app: &TestApp, user: &str) -> Vec<Value> {
    app.slack
        .posts()
        .into_iter()
        .filter(|p| p["channel"] == user)
        .collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(app.app.store.pool())
        .await
        .expect("query")
}

fn opened_view(app: &TestApp) -> Value {
    let calls = app.slack.calls("views.open");
    calls.last().expect("a views.open call").body["view"].clone()
}

fn text_value(value: &str) -> Value {
    json!({"type": "plain_text_input", "value": value})
}

fn buttons(post: &Value) -> Vec<(String, String)> {
    post["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            (
                e["action_id"].as_str().unwrap_or_default().to_string(),
                e["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// `/clarity decisions` in C111, as the answer's text.
async fn decisions_text(app: &TestApp) -> String {
    let answer: Value = app
        .post_command(&[("text", "decisions")])
        .await
        .json()
        .await
        .expect("JSON");
    answer["text"].as_str().unwrap_or_default().to_string()
}

async fn click(app: &TestApp, payload: &Value) {
    let response = app.post_interaction(payload).await;
    assert_eq!(response.status(), 200);
}

async fn reception_note_once(backend: Backend) {
    let app = spawn_app(backend).await;
    send_all(
        &app,
        &[message_by(
            "EvD",
            "C111",
            DECISION_TS,
            None,
            "W111",
            DECISION,
        )],
    )
    .await;
    app.wait_until_idle().await;
    let in_thread = |e: &str, ts: &str, user: &str, text: &str| {
        message_by(e, "C111", ts, Some(DECISION_TS), user, text)
    };
    send_all(&app, &reception(in_thread)).await;
    // The owner's own reply is no reception.
    send_all(
        &app,
        &[message_by(
            "EvOwn",
            "C111",
            "1700000204.000100",
            Some(DECISION_TS),
            "U0ANA",
            "wait, so are we clear on this?",
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM receptions").await,
        3,
        "two confused, one disagreeing"
    );
    assert!(
        app.slack.posts().is_empty(),
        "the thread hears nothing: {:?}",
        app.slack.posts()
    );

    let today = now();
    assert_eq!(
        sweep(&app, today).await,
        0,
        "nothing before the day is over"
    );
    let tomorrow = today + DAY_MS;
    assert_eq!(sweep(&app, tomorrow).await, 1);
    let dms = dms_to(&app, "U0ANA");
    assert_eq!(dms.len(), 1, "{dms:?}");
    let text = dms[0]["text"].as_str().expect("text");
    assert!(text.contains("(decided "), "{text}");
    assert!(text.contains("in <#C111>"), "{text}");
    assert!(
        text.contains("2 people asked what it means — explaining would help ("),
        "{text}"
    );
    assert!(
        text.contains("1 disagrees — worth a conversation ("),
        "{text}"
    );
    assert_eq!(
        text.matches("<https://test.slack.com/archives/C111/p1|")
            .count(),
        3,
        "one link per message: {text}"
    );
    for user in ["U201", "U202", "U203"] {
        assert!(!text.contains(user), "counts, not names: {text}");
    }
    assert_eq!(
        buttons(&dms[0]),
        [("notes_off".to_string(), "off".to_string())]
    );

    // Nothing new: nothing the day after.
    assert_eq!(sweep(&app, tomorrow + DAY_MS).await, 0);
    assert_eq!(dms_to(&app, "U0ANA").len(), 1);

    // *Stop these notes* in the DM: a new disagreement goes unsaid.
    let mut off = app.block_actions("notes_off", "off", "D0ANA", "1700000000.000009");
    off["user"]["id"] = json!("U0ANA");
    click(&app, &off).await;
    let answers = app.slack.calls("response");
    assert!(
        answers.last().is_some_and(|a| a.body["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("No more notes")),
        "{answers:?}"
    );
    send_all(
        &app,
        &[message_by(
            "EvX2",
            "C111",
            "1700000205.000100",
            Some(DECISION_TS),
            "U204",
            "I disagree, this is the wrong call",
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(sweep(&app, tomorrow + 2 * DAY_MS).await, 0);
    assert_eq!(dms_to(&app, "U0ANA").len(), 1);
}

async fn private_decision_stays_private(backend: Backend) {
    let app = spawn_app(backend).await;
    app.slack.make_private("G222");
    send_all(
        &app,
        &[said_privately("EvD", DECISION_TS, None, "W111", DECISION)],
    )
    .await;
    app.wait_until_idle().await;
    let in_thread = |e: &str, ts: &str, user: &str, text: &str| {
        said_privately(e, ts, Some(DECISION_TS), user, text)
    };
    send_all(&app, &reception(in_thread)).await;
    app.wait_until_idle().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM receptions").await, 3);

    // The owner is not in the channel: no note, and the receptions are
    // set aside rather than kept for later.
    let tomorrow = now() + DAY_MS;
    assert_eq!(sweep(&app, tomorrow).await, 0);
    assert!(dms_to(&app, "U0ANA").is_empty());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM receptions WHERE noted_at IS NULL"
        )
        .await,
        0
    );
    // Nor does the decision show in another channel.
    let answer = app
        .post_command(&[("text", "decisions pricing"), ("channel_id", "C111")])
        .await;
    let answer: Value = answer.json().await.expect("JSON");
    assert!(!answer.to_string().contains("three tiers"), "{answer}");

    // A member owner hears about what is new.
    app.slack.add_member("G222", "U0ANA");
    send_all(
        &app,
        &[said_privately(
            "EvX2",
            "1700000205.000100",
            Some(DECISION_TS),
            "U204",
            "I disagree, this is the wrong call",
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(sweep(&app, tomorrow + DAY_MS).await, 1);
    let dms = dms_to(&app, "U0ANA");
    assert_eq!(dms.len(), 1, "{dms:?}");
    assert!(
        dms[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("1 disagrees")),
        "{dms:?}"
    );
    for post in app.slack.posts() {
        assert!(
            post["channel"] == "G222" || post["channel"] == "U0ANA",
            "nothing outside the channel but its member's note: {post}"
        );
    }
}

async fn ask_why_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let decision = "Decision: we're going with three tiers for pricing, monthly and yearly.";
    send_all(
        &app,
        &[message_by(
            "EvD",
            "C111",
            DECISION_TS,
            None,
            "W111",
            decision,
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "one question: {posts:?}");
    assert_eq!(
        posts[0]["thread_ts"], DECISION_TS,
        "in the decision's thread"
    );
    let question = posts[0]["text"].as_str().expect("text");
    assert!(
        question.starts_with("<@W111>, what's the reasoning behind *")
            && question.contains("in one or two sentences?"),
        "{question}"
    );
    let id: i64 = count(&app, "SELECT id FROM decisions").await;
    assert_eq!(
        buttons(&posts[0]),
        [("decision_add_reasoning".to_string(), id.to_string())]
    );
    // The same message again (Slack's retry under another id) asks nothing more.
    send_all(
        &app,
        &[message_by(
            "EvD2",
            "C111",
            DECISION_TS,
            None,
            "W111",
            decision,
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);

    // Someone else's click opens nothing.
    let question_ts = "1700000000.000001";
    let mut other = app.block_actions(
        "decision_add_reasoning",
        &id.to_string(),
        "C111",
        question_ts,
    );
    other["user"]["id"] = json!("U999");
    click(&app, &other).await;
    assert!(app.slack.calls("views.open").is_empty());
    assert!(
        app.slack.calls("response").iter().any(|a| a.body["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Only <@W111>")),
        "{:?}",
        app.slack.calls("response")
    );

    // The owner's click opens the small form; its answer is stored and posted.
    click(
        &app,
        &app.block_actions(
            "decision_add_reasoning",
            &id.to_string(),
            "C111",
            question_ts,
        ),
    )
    .await;
    let view = opened_view(&app);
    assert_eq!(view["callback_id"], "clarity_reasoning");
    let empty = view_submission(&view, json!({"reasoning": {"reasoning": text_value("  ")}}));
    let refused: Value = app
        .post_interaction(&empty)
        .await
        .json()
        .await
        .expect("errors");
    assert_eq!(
        refused,
        json!({"response_action": "errors", "errors": {"reasoning": "Please fill this in."}})
    );
    let answer = view_submission(
        &view,
        json!({"reasoning": {"reasoning": text_value("Churn is highest on the flat plan.")}}),
    );
    assert_eq!(app.post_interaction(&answer).await.status(), 200);
    app.wait_until_idle().await;
    let reasoning: String = sqlx::query_scalar("SELECT reasoning FROM decisions")
        .fetch_one(app.app.store.pool())
        .await
        .expect("query");
    assert_eq!(reasoning, "Churn is highest on the flat plan.");
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[1]["thread_ts"], DECISION_TS);
    let line = posts[1]["text"].as_str().expect("text");
    assert!(
        line.starts_with("Why *")
            && line.ends_with(", from <@W111>: Churn is highest on the flat plan."),
        "{line}"
    );

    // Shown wherever the decision is shown.
    let list = decisions_text(&app).await;
    assert!(
        list.contains("why: Churn is highest on the flat plan."),
        "{list}"
    );

    // Off in [after]: no question.
    let quiet = spawn_app_with(backend, "[after]\nask_why = false\n").await;
    send_all(
        &quiet,
        &[message_by(
            "EvD",
            "C111",
            DECISION_TS,
            None,
            "W111",
            decision,
        )],
    )
    .await;
    quiet.wait_until_idle().await;
    assert!(quiet.slack.posts().is_empty(), "{:?}", quiet.slack.posts());
}

async fn reopened_topic(backend: Backend) {
    let app = spawn_app_with(backend, "[noise]\nchannel_cooldown_secs = 0\n").await;
    let recorded = app
        .post_command(&[("text", "decide pricing :: one flat price for everyone")])
        .await;
    assert_eq!(recorded.status(), 200);
    let old: i64 = count(&app, "SELECT id FROM decisions").await;

    // A "let's revisit" of the topic: the decision, what's new, two buttons.
    let revisit_ts = "1700000300.000100";
    send_all(
        &app,
        &[message_by(
            "EvRe",
            "C111",
            revisit_ts,
            None,
            "U201",
            "I think we need to revisit the pricing, enterprise customers keep asking for seats",
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], revisit_ts);
    let quoted = posts[0]["text"].as_str().expect("text");
    assert!(
        quoted.starts_with("For reference: decided on ")
            && quoted.contains("by <@W111> — *one flat price for everyone*"),
        "{quoted}"
    );
    assert!(posts[0].to_string().contains("What's new since then?"));
    let (flag, reply_ts): (i64, String) =
        sqlx::query_as("SELECT id, reply_ts FROM flags WHERE posted = 1")
            .fetch_one(app.app.store.pool())
            .await
            .expect("a posted flag");
    assert_eq!(
        buttons(&posts[0]),
        [
            ("decision_keep".to_string(), flag.to_string()),
            ("decision_supersede".to_string(), flag.to_string())
        ]
    );

    // *Keep the decision*: confirmed, when, and said in place; once.
    let keep = app.block_actions("decision_keep", &flag.to_string(), "C111", &reply_ts);
    click(&app, &keep).await;
    app.wait_until_idle().await;
    let updates = app.slack.calls("chat.update");
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0].body["ts"], reply_ts.as_str());
    assert!(
        updates[0].body["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Kept: *one flat price for everyone* (decided on ")),
        "{updates:?}"
    );
    let (confirmed_at, confirmed_by): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT confirmed_at, confirmed_by FROM decisions")
            .fetch_one(app.app.store.pool())
            .await
            .expect("query");
    assert!(confirmed_at.is_some());
    assert_eq!(confirmed_by.as_deref(), Some("W111"));
    click(&app, &keep).await;
    app.wait_until_idle().await;
    assert_eq!(
        app.slack.calls("chat.update").len(),
        1,
        "the first choice counts"
    );

    // An ask on the topic, then *Supersede it*: the decide form, prefilled.
    let ask_ts = "1700000400.000100";
    send_all(
        &app,
        &[message_by(
            "EvAsk",
            "C111",
            ask_ts,
            None,
            "U202",
            "can we all get aligned on the pricing before the launch?",
        )],
    )
    .await;
    app.wait_until_idle().await;
    let (flag, reply_ts): (i64, String) = sqlx::query_as(
        "SELECT id, reply_ts FROM flags WHERE posted = 1 AND thread_ts = '1700000400.000100'",
    )
    .fetch_one(app.app.store.pool())
    .await
    .expect("a second posted flag");
    let posts = app.slack.posts();
    assert_eq!(
        buttons(posts.last().expect("a reply")),
        [
            ("decision_keep".to_string(), flag.to_string()),
            ("decision_supersede".to_string(), flag.to_string())
        ]
    );
    click(
        &app,
        &app.block_actions("decision_supersede", &flag.to_string(), "C111", &reply_ts),
    )
    .await;
    let view = opened_view(&app);
    assert_eq!(view["callback_id"], "clarity_decide");
    assert_eq!(view["blocks"][0]["element"]["initial_value"], "pricing");
    assert_eq!(
        view["blocks"][1]["element"]["initial_value"],
        "one flat price for everyone"
    );
    let submission = view_submission(
        &view,
        json!({
            "topic": {"topic": text_value("pricing")},
            "decision": {"decision": text_value("three tiers with seats")},
            "owner": {"owner": {"type": "users_select", "selected_user": "W111"}},
            "reasoning": {"reasoning": text_value("enterprise customers buy seats")},
        }),
    );
    assert_eq!(app.post_interaction(&submission).await.status(), 200);
    app.wait_until_idle().await;

    // The chain, both ways, and the reopen resolved.
    let new: i64 = count(&app, "SELECT MAX(id) FROM decisions").await;
    let (superseded_by,): (Option<i64>,) =
        sqlx::query_as("SELECT superseded_by FROM decisions WHERE id = $1")
            .bind(old)
            .fetch_one(app.app.store.pool())
            .await
            .expect("query");
    assert_eq!(superseded_by, Some(new));
    let (supersedes,): (Option<i64>,) =
        sqlx::query_as("SELECT supersedes FROM decisions WHERE id = $1")
            .bind(new)
            .fetch_one(app.app.store.pool())
            .await
            .expect("query");
    assert_eq!(supersedes, Some(old));
    let outcomes: Vec<String> = sqlx::query_scalar("SELECT outcome FROM reopens ORDER BY flag_id")
        .fetch_all(app.app.store.pool())
        .await
        .expect("query");
    assert_eq!(outcomes, ["kept", "superseded"]);
    let last_update = app.slack.calls("chat.update");
    assert!(
        last_update
            .last()
            .is_some_and(|u| u.body["text"] == "Decided: *pricing* — three tiers with seats"),
        "{last_update:?}"
    );

    // `/clarity decisions` shows the chain.
    let text = decisions_text(&app).await;
    assert!(
        text.contains("• *pricing* — three tiers with seats (")
            && text.contains("— why: enterprise customers buy seats")
            && text.contains("← replaced “one flat price for everyone” ("),
        "{text}"
    );

    // With surface_decisions off, a "let's revisit" gets nothing either.
    let quiet = spawn_app_with(backend, "[threads]\nsurface_decisions = false\n").await;
    quiet
        .post_command(&[("text", "decide pricing :: one flat price for everyone")])
        .await;
    send_all(
        &quiet,
        &[message_by(
            "EvRe",
            "C111",
            revisit_ts,
            None,
            "U201",
            "I think we need to revisit the pricing, enterprise customers keep asking for seats",
        )],
    )
    .await;
    quiet.wait_until_idle().await;
    assert!(quiet.slack.posts().is_empty(), "{:?}", quiet.slack.posts());
    assert_eq!(count(&quiet, "SELECT COUNT(*) FROM reopens").await, 0);
}

async fn two_replicas_note_once() {
    let first = spawn_app(Backend::Postgres).await;
    let second = spawn_on(first.db.clone(), first.slack.clone(), "").await;
    send_all(
        &first,
        &[message_by(
            "EvD",
            "C111",
            DECISION_TS,
            None,
            "W111",
            DECISION,
        )],
    )
    .await;
    let in_thread = |e: &str, ts: &str, user: &str, text: &str| {
        message_by(e, "C111", ts, Some(DECISION_TS), user, text)
    };
    send_all(&first, &reception(in_thread)).await;
    first.wait_until_idle().await;
    let tomorrow = now() + DAY_MS;
    let (a, b) = tokio::join!(
        reception::run_once(&first.app, tomorrow),
        reception::run_once(&second.app, tomorrow),
    );
    assert_eq!(a.expect("sweep") + b.expect("sweep"), 1);
    outbox::run_once(&first.app, tomorrow)
        .await
        .expect("outbox step");
    first.wait_until_idle().await;
    assert_eq!(dms_to(&first, "U0ANA").len(), 1);
}

async fn workspace_notes(backend: Backend) {
    let app = spawn_app(backend).await;
    let settings = |text: &'static str| {
        let app = &app;
        async move {
            let answer: Value = app
                .post_command(&[("text", text)])
                .await
                .json()
                .await
                .expect("JSON");
            answer["text"].as_str().unwrap_or_default().to_string()
        }
    };
    let refused = settings("settings notes off everyone").await;
    assert!(refused.starts_with("Only workspace admins"), "{refused}");
    app.slack.make_admin("W111");
    let off = settings("settings notes off everyone").await;
    assert!(off.starts_with("No owner in this workspace"), "{off}");

    send_all(
        &app,
        &[message_by(
            "EvD",
            "C111",
            DECISION_TS,
            None,
            "W111",
            DECISION,
        )],
    )
    .await;
    let in_thread = |e: &str, ts: &str, user: &str, text: &str| {
        message_by(e, "C111", ts, Some(DECISION_TS), user, text)
    };
    send_all(&app, &reception(in_thread)).await;
    app.wait_until_idle().await;
    let tomorrow = now() + DAY_MS;
    assert_eq!(sweep(&app, tomorrow).await, 0);
    assert!(dms_to(&app, "U0ANA").is_empty());

    let on = settings("settings notes on everyone").await;
    assert!(on.starts_with("Owners in this workspace get"), "{on}");
    send_all(
        &app,
        &[message_by(
            "EvX2",
            "C111",
            "1700000205.000100",
            Some(DECISION_TS),
            "U204",
            "I disagree, this is the wrong call",
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(sweep(&app, tomorrow + DAY_MS).await, 1);
    assert_eq!(dms_to(&app, "U0ANA").len(), 1);
}

/// The question for the reasoning follows a decision stated as one
/// ("Decision: …"), in a channel the bot speaks in: a decision read in
/// passing joins the log without a question, and a muted channel hears
/// nothing.
async fn no_question_unasked(backend: Backend) {
    let app = spawn_app(backend).await;
    send_all(
        &app,
        &[message_by(
            "EvInPassing",
            "C111",
            DECISION_TS,
            None,
            "W111",
            "ok we're going with three tiers for pricing, monthly and yearly",
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decisions").await, 1);
    assert!(app.slack.posts().is_empty(), "{:?}", app.slack.posts());

    let muted = app
        .post_command(&[("text", "mute 3 days"), ("channel_id", "C222")])
        .await;
    assert_eq!(muted.status(), 200);
    app.wait_until_idle().await;
    let before = app.slack.posts().len();
    send_all(
        &app,
        &[message_by(
            "EvMuted",
            "C222",
            "1700000400.000100",
            None,
            "W111",
            "Decision: we're going with weekly releases, Tuesdays.",
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decisions").await, 2);
    let posts = app.slack.posts();
    assert!(
        posts[before..].iter().all(|post| post["channel"] != "C222"
            || !post["text"]
                .as_str()
                .unwrap_or_default()
                .contains("reasoning")),
        "{posts:?}"
    );
}
