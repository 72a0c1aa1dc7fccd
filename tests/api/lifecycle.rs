//! Keep little, forget on request: every retention and deletion rule,
//! asserted on the rows (docs/privacy.md).

use crate::helpers::*;
use clarity_bot::domain::{Incoming, Message};
use clarity_bot::state::now_ms;
use serde_json::{Value, json};

crate::sqlite_and_postgres! {
    a_worked_event_leaves_no_row_and_a_late_retry_of_it_adds_nothing => a_worked_event_leaves_no_row_and_a_late_retry_of_it_adds_nothing;
    failed_events_and_flag_text_go_after_their_days => failed_events_and_flag_text_go_after_their_days;
    a_deleted_message_takes_its_flag_reply_decision_and_thread_text => a_deleted_message_takes_its_flag_reply_decision_and_thread_text;
    a_deleted_channel_or_private_channel_takes_everything_kept_about_it => a_deleted_channel_or_private_channel_takes_everything_kept_about_it;
    after_an_uninstall_nothing_is_posted_and_the_workspace_data_is_gone => after_an_uninstall_nothing_is_posted_and_the_workspace_data_is_gone;
    with_a_grace_period_an_uninstalled_workspace_gets_nothing_and_is_purged_later => with_a_grace_period_an_uninstalled_workspace_gets_nothing_and_is_purged_later;
    an_erased_persons_texts_go_and_their_decisions_lose_their_name => an_erased_persons_texts_go_and_their_decisions_lose_their_name;
    forget_removes_a_decision_for_its_recorder_or_an_admin_only => forget_removes_a_decision_for_its_recorder_or_an_admin_only;
    an_ask_on_a_forgotten_decision_gets_the_question_again => an_ask_on_a_forgotten_decision_gets_the_question_again;
    purge_deletes_a_workspace_and_says_how_much => purge_deletes_a_workspace_and_says_how_much;
    a_deleted_channel_takes_its_decisions_reception_and_reopens => a_deleted_channel_takes_its_decisions_reception_and_reopens;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";
const DECISION: &str = "Decision: the Q3 roadmap is search relevance first, then the mobile app. We're going with that.";
/// Who writes `events_message.json` (and runs `slash_command.txt`).
const AUTHOR: &str = "W111";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(app.app.store.pool())
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

/// Rows of the test workspace in each table that holds its data.
async fn team_rows(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut rows = Vec::new();
    for table in [
        "events",
        "seen_events",
        "flags",
        "flag_feedback",
        "decisions",
        "thread_context",
        "open_questions",
        "channel_settings",
        "channels",
        "bot_channels",
        "outbox",
        "digests",
        "receptions",
        "reopens",
        "note_settings",
        "home_views",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE team_id = '{TEAM}'");
        rows.push((table, count(app, &sql).await));
    }
    rows
}

/// An inner event from a fixture, in the test workspace's envelope.
fn wrapped(event_id: &str, fixture: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut event = fixture_json(fixture);
    change(&mut event);
    wrap_event(event_id, event)
}

/// Slack's `message_deleted` for message `ts` in `channel`.
fn deletion(event_id: &str, channel: &str, ts: &str) -> String {
    let mut body = fixture_json("events_message_deleted.json");
    body["event_id"] = json!(event_id);
    body["event"]["channel"] = json!(channel);
    body["event"]["deleted_ts"] = json!(ts);
    body["event"]["previous_message"]["ts"] = json!(ts);
    body.to_string()
}

/// Stores an inbox row that failed for good, holding a said message.
async fn failed_event(app: &TestApp, event_id: &str, message: Message, received_at: i64) {
    let payload = serde_json::to_string(&Incoming::Said {
        message,
        said_private: Some(false),
    })
    .expect("serializes");
    sqlx::query(
        "INSERT INTO events (team_id, event_id, payload, received_at, state, attempts) \
         VALUES ($1, $2, $3, $4, 'failed', 5)",
    )
    .bind(TEAM)
    .bind(event_id)
    .bind(payload)
    .bind(received_at)
    .execute(app.app.store.pool())
    .await
    .expect("insert");
}

/// Feedback with a typed reason on every flag, by `user`, as of `at`.
async fn feedback_on_flags(app: &TestApp, user: &str, at: i64) {
    sqlx::query(
        "INSERT INTO flag_feedback (team_id, flag_id, user_id, feedback, reason, created_at) \
         SELECT team_id, id, $1, 'not_alignment', 'we settled this in the standup', $2 FROM flags",
    )
    .bind(user)
    .bind(at)
    .execute(app.app.store.pool())
    .await
    .expect("feedback");
}

fn said(channel: &str, ts: &str, user: &str, text: &str) -> Message {
    Message {
        team_id: TEAM.into(),
        channel_id: channel.into(),
        ts: ts.into(),
        thread_ts: None,
        user_id: user.into(),
        text: text.into(),
        channel_private: false,
    }
}

async fn a_worked_event_leaves_no_row_and_a_late_retry_of_it_adds_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let ask = message_event("EvWorked", "C111", "1700000100.000100", None, ASK);
    send_all(&app, std::slice::from_ref(&ask)).await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM seen_events WHERE event_id = 'EvWorked'"
        )
        .await,
        1
    );
    // Slack retries after the event was worked: acknowledged, not stored.
    send_all(&app, &[ask]).await;
    app.wait_until_idle().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events").await, 0);
    assert_eq!(app.slack.posts().len(), 1, "no second reply");
    // Its id is forgotten after [retention] inbox_days (1).
    clarity_bot::lifecycle::run_once(&app.app, now_ms() + 2 * DAY_MS)
        .await
        .expect("retention");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM seen_events").await, 0);
}

async fn failed_events_and_flag_text_go_after_their_days(backend: Backend) {
    let app = spawn_app_with(backend, "[retention]\ninbox_days = 2\nflag_text_days = 7\n").await;
    let now = now_ms();
    let old = said("C111", "1700000001.000100", AUTHOR, "an old failure");
    let recent = said("C111", "1700000002.000100", AUTHOR, "a recent failure");
    failed_event(&app, "EvOldFailure", old, now - 3 * DAY_MS).await;
    failed_event(&app, "EvRecentFailure", recent, now - DAY_MS).await;
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
    let flag = "SELECT COUNT(*) FROM flags WHERE reasons <> '[]' AND topic IS NOT NULL";
    assert_eq!(count(&app, flag).await, 1, "a fresh flag keeps its words");
    feedback_on_flags(&app, "U0FEEDBACK", now).await;
    let reasons = "SELECT COUNT(*) FROM flag_feedback WHERE reason IS NOT NULL";

    clarity_bot::lifecycle::run_once(&app.app, now)
        .await
        .expect("retention");
    let failed: Vec<String> = sqlx::query_scalar("SELECT event_id FROM events")
        .fetch_all(app.app.store.pool())
        .await
        .expect("events");
    assert_eq!(
        failed,
        ["EvRecentFailure"],
        "a failure past inbox_days goes"
    );
    assert_eq!(count(&app, flag).await, 1, "within flag_text_days");
    assert_eq!(count(&app, reasons).await, 1, "within flag_text_days");

    clarity_bot::lifecycle::run_once(&app.app, now + 8 * DAY_MS)
        .await
        .expect("retention");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events").await, 0);
    // What the digest counts stays; the matched words go.
    let row: (String, Option<String>, String, String, i64) =
        sqlx::query_as("SELECT reasons, decided_by, topic, user_id, posted FROM flags")
            .fetch_one(app.app.store.pool())
            .await
            .expect("the flag stays");
    assert_eq!(row.0, "[]");
    assert_eq!(row.1, None);
    assert!(row.2.contains("Q3 roadmap"), "{}", row.2);
    assert_eq!((row.3.as_str(), row.4), (AUTHOR, 1));
    assert_eq!(count(&app, reasons).await, 0, "a typed reason goes too");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM flag_feedback WHERE feedback = 'not_alignment'"
        )
        .await,
        1,
        "the feedback itself is counted"
    );
}

async fn a_deleted_message_takes_its_flag_reply_decision_and_thread_text(backend: Backend) {
    // The decision's own thread question (its reasoning) is not counted here.
    let app = spawn_app_with(backend, "[after]\nask_why = false\n").await;
    let root = "1700000100.000100";
    let decided = "1700000100.000200";
    send_all(
        &app,
        &[
            message_event("EvRoot", "C111", root, None, ASK),
            message_event("EvDecided", "C111", decided, Some(root), DECISION),
        ],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);
    let in_thread = format!(
        "SELECT COUNT(*) FROM thread_context WHERE thread_ts = '{root}' AND decisions LIKE '%search relevance first%'"
    );
    assert_eq!(count(&app, &in_thread).await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decisions").await, 1);
    // A failed inbox row still holds the root's text.
    failed_event(&app, "EvStuck", said("C111", root, AUTHOR, ASK), now_ms()).await;

    // The decision is deleted: from the log and from its thread's context.
    send_all(&app, &[deletion("EvDelDecision", "C111", decided)]).await;
    app.wait_until_idle().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decisions").await, 0);
    assert_eq!(count(&app, &in_thread).await, 0);
    assert_eq!(
        count(&app, &format!("SELECT COUNT(*) FROM thread_context WHERE thread_ts = '{root}' AND root_text IS NOT NULL")).await,
        1,
        "the root is not the deleted message"
    );
    assert!(app.slack.calls("chat.delete").is_empty());

    // The ask is deleted: its flag, its reply, its thread, its inbox rows,
    // the feedback on it and the open question it opened.
    feedback_on_flags(&app, "U0FEEDBACK", now_ms()).await;
    sqlx::query(
        "INSERT INTO open_questions (team_id, channel_id, topic, owner, flag_id, created_at) \
         SELECT team_id, channel_id, topic, 'U0OWNER', id, created_at FROM flags",
    )
    .execute(app.app.store.pool())
    .await
    .expect("an open question");
    let reply_ts: String = sqlx::query_scalar("SELECT reply_ts FROM flags")
        .fetch_one(app.app.store.pool())
        .await
        .expect("the reply's ts");
    send_all(&app, &[deletion("EvDelAsk", "C111", root)]).await;
    app.wait_until_idle().await;
    let deletes = app.slack.calls("chat.delete");
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert_eq!(deletes[0].body["ts"], json!(reply_ts));
    for (sql, left) in [
        ("SELECT COUNT(*) FROM flags", 0),
        ("SELECT COUNT(*) FROM flag_feedback", 0),
        ("SELECT COUNT(*) FROM open_questions", 0),
        ("SELECT COUNT(*) FROM thread_context", 0),
        ("SELECT COUNT(*) FROM events", 0),
        ("SELECT COUNT(*) FROM outbox WHERE kind = 'flag_reply'", 0),
        // The deletion itself is what the outbox keeps.
        (
            "SELECT COUNT(*) FROM outbox WHERE kind = 'delete' AND state = 'sent'",
            1,
        ),
    ] {
        assert_eq!(count(&app, sql).await, left, "{sql}");
    }
    let words = "SELECT COUNT(*) FROM outbox WHERE payload LIKE '%Q3 roadmap%'";
    assert_eq!(count(&app, words).await, 0, "no row holds the text");
}

async fn a_deleted_channel_or_private_channel_takes_everything_kept_about_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let doomed = "C024BE91L";
    let private = "G0QN9RGTT";
    let mut private_ask: Value = serde_json::from_str(&message_event(
        "EvPrivateAsk",
        private,
        "1700000300.000100",
        None,
        ASK,
    ))
    .expect("json");
    private_ask["event"]["channel_type"] = json!("group");
    send_all(
        &app,
        &[
            joined("EvJoined", doomed),
            message_event("EvDoomed", doomed, "1700000100.000100", None, ASK),
            message_event("EvKept", "C111", "1700000200.000100", None, ASK),
            private_ask.to_string(),
        ],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 4, "a greeting and three questions");
    for (channel, text) in [
        (doomed, "decide pricing :: three tiers"),
        (doomed, "mute 3 days"),
        ("C111", "decide pricing :: two tiers"),
    ] {
        let response = app
            .post_command(&[("text", text), ("channel_id", channel)])
            .await;
        assert_eq!(response.status(), 200);
    }
    app.wait_until_idle().await;
    let about = |channel: &str| {
        [
            "flags",
            "decisions",
            "thread_context",
            "channel_settings",
            "channels",
            "bot_channels",
        ]
        .map(|table| format!("SELECT COUNT(*) FROM {table} WHERE channel_id = '{channel}'"))
    };
    for sql in about(doomed) {
        assert!(count(&app, &sql).await > 0, "{sql}");
    }
    let outbox_in = |channel: &str| {
        format!("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%\"channel\":\"{channel}\"%'")
    };
    assert!(count(&app, &outbox_in(doomed)).await > 0);

    send_all(
        &app,
        &[
            wrapped(
                "EvChannelDeleted",
                "event_only_channel_deleted.json",
                |_| {},
            ),
            wrapped("EvGroupDeleted", "event_only_group_deleted.json", |_| {}),
        ],
    )
    .await;
    app.wait_until_idle().await;
    for channel in [doomed, private] {
        for sql in about(channel) {
            assert_eq!(count(&app, &sql).await, 0, "{sql}");
        }
        assert_eq!(count(&app, &outbox_in(channel)).await, 0, "{channel}");
    }
    // Another channel keeps its own.
    for sql in about("C111").into_iter().take(3) {
        assert_eq!(count(&app, &sql).await, 1, "{sql}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM events").await, 0);
}

async fn after_an_uninstall_nothing_is_posted_and_the_workspace_data_is_gone(backend: Backend) {
    // The decision's own thread question (its reasoning) is not counted here.
    let app = spawn_app_with(backend, "[after]\nask_why = false\n").await;
    // A user token revoked (no bot token): the bot still serves.
    let user_only = wrapped("EvUserToken", "event_only_tokens_revoked.json", |event| {
        event["tokens"]["bot"] = json!([]);
    });
    send_all(
        &app,
        &[
            user_only,
            message_event("EvAsk", "C111", "1700000100.000100", None, ASK),
            message_event("EvDecision", "C111", "1700000100.000200", None, DECISION),
        ],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);
    assert!(team_rows(&app).await.iter().any(|(_, rows)| *rows > 0));

    // The bot's token revoked, then the app uninstalled (either order).
    send_all(
        &app,
        &[
            wrapped("EvRevoked", "event_only_tokens_revoked.json", |_| {}),
            wrapped("EvUninstalled", "event_only_app_uninstalled.json", |_| {}),
        ],
    )
    .await;
    app.wait_until_idle().await;
    // (An event worked after the purge leaves its id, for inbox_days.)
    let left: Vec<_> = team_rows(&app)
        .await
        .into_iter()
        .filter(|(table, rows)| *rows > 0 && *table != "seen_events")
        .collect();
    assert!(left.is_empty(), "rows left: {left:?}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM uninstalled_teams WHERE purged_at IS NOT NULL"
        )
        .await,
        1
    );

    // Events that still arrive are acknowledged and dropped.
    send_all(
        &app,
        &[
            message_event("EvLate", "C112", "1700000500.000100", None, ASK),
            joined("EvLateJoin", "C113"),
        ],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1, "nothing more is posted");
    let left: Vec<_> = team_rows(&app)
        .await
        .into_iter()
        .filter(|(table, rows)| *rows > 0 && *table != "seen_events")
        .collect();
    assert!(left.is_empty(), "rows left: {left:?}");

    // The bot started with a working token again: the workspace is served.
    let again = spawn_on(app.db.clone(), app.slack.clone(), "").await;
    assert_eq!(
        count(&again, "SELECT COUNT(*) FROM uninstalled_teams").await,
        0
    );
}

async fn with_a_grace_period_an_uninstalled_workspace_gets_nothing_and_is_purged_later(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "[retention]\nuninstall_grace_days = 2\n").await;
    send_all(
        &app,
        &[
            message_event("EvAsk", "C111", "1700000100.000100", None, ASK),
            wrapped("EvUninstalled", "event_only_app_uninstalled.json", |_| {}),
            wrapped("EvRevoked", "event_only_tokens_revoked.json", |_| {}),
        ],
    )
    .await;
    wait_for("the uninstall to be worked", || async {
        app.app.store.inbox_depth().await.ok() == Some(0)
    })
    .await;
    let now = now_ms();
    // A message queued meanwhile is never sent.
    let queued = clarity_bot::respond::outgoing::Outgoing::Post {
        channel: "C111".into(),
        thread_ts: None,
        content: slack_morphism::prelude::SlackMessageContent::new().with_text("hello".into()),
    }
    .queued(TEAM, "after-uninstall".into());
    app.app.store.enqueue(&queued, now).await.expect("queued");
    clarity_bot::respond::outbox::run_once(&app.app, now + 1000)
        .await
        .expect("the sender runs");
    let posted_before = app.slack.posts().len();
    assert!(
        posted_before <= 1,
        "at most the flag reply sent before the uninstall"
    );
    assert!(
        !app.slack.posts().iter().any(|post| post["text"] == "hello"),
        "nothing is posted after the uninstall"
    );
    assert!(
        count(&app, "SELECT COUNT(*) FROM flags").await > 0,
        "kept during the grace period"
    );

    clarity_bot::lifecycle::run_once(&app.app, now + DAY_MS)
        .await
        .expect("retention");
    assert!(
        count(&app, "SELECT COUNT(*) FROM flags").await > 0,
        "one day in: kept"
    );
    clarity_bot::lifecycle::run_once(&app.app, now + 3 * DAY_MS)
        .await
        .expect("retention");
    let left: Vec<_> = team_rows(&app)
        .await
        .into_iter()
        .filter(|(_, rows)| *rows > 0)
        .collect();
    assert!(left.is_empty(), "rows left: {left:?}");
    assert_eq!(app.slack.posts().len(), posted_before);
}

async fn an_erased_persons_texts_go_and_their_decisions_lose_their_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let root = "1700000100.000100";
    send_all(
        &app,
        &[
            message_event("EvAsk", "C111", root, None, ASK),
            message_event("EvDecision", "C112", "1700000200.000100", None, DECISION),
        ],
    )
    .await;
    app.wait_until_idle().await;
    let person = |id: &str, flag: &str| {
        let id = id.to_string();
        let flag = flag.to_string();
        wrapped(
            &format!("EvUser{id}{flag}"),
            "event_only_user_change.json",
            move |event| {
                event["user"]["id"] = json!(id);
                event["user"]["team_id"] = json!(TEAM);
                if !flag.is_empty() {
                    event["user"][flag] = json!(true);
                }
            },
        )
    };
    feedback_on_flags(&app, AUTHOR, now_ms()).await;
    sqlx::query(
        "INSERT INTO open_questions (team_id, channel_id, topic, owner, created_at) \
         VALUES ($1, 'C111', 'pricing', $2, 0)",
    )
    .bind(TEAM)
    .bind(AUTHOR)
    .execute(app.app.store.pool())
    .await
    .expect("an open question");
    // A profile change of someone still here forgets nothing.
    send_all(&app, &[person(AUTHOR, "")]).await;
    app.wait_until_idle().await;
    let texts = "SELECT COUNT(*) FROM flags WHERE reasons <> '[]'";
    assert_eq!(count(&app, texts).await, 1);

    send_all(&app, &[person(AUTHOR, "is_forgotten")]).await;
    app.wait_until_idle().await;
    assert_eq!(count(&app, texts).await, 0, "the matched words go");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM thread_context WHERE root_text IS NOT NULL OR root_user IS NOT NULL").await,
        0,
        "the roots they wrote go"
    );
    let decision: (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT decision, owner, recorded_by FROM decisions")
            .fetch_one(app.app.store.pool())
            .await
            .expect("the decision stays");
    assert!(
        decision.0.contains("search relevance first"),
        "{}",
        decision.0
    );
    assert_eq!((decision.1, decision.2), (None, None), "without their name");
    for sql in [
        "SELECT COUNT(*) FROM flag_feedback WHERE reason IS NOT NULL",
        "SELECT COUNT(*) FROM open_questions WHERE owner IS NOT NULL",
    ] {
        assert_eq!(count(&app, sql).await, 0, "{sql}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM open_questions").await, 1);
}

async fn forget_removes_a_decision_for_its_recorder_or_an_admin_only(backend: Backend) {
    let app = spawn_app(backend).await;
    for decide in [
        "decide pricing :: three tiers",
        "decide search :: BM25 first",
        "decide billing :: monthly",
    ] {
        assert_eq!(app.post_command(&[("text", decide)]).await.status(), 200);
    }
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM decisions ORDER BY id")
        .fetch_all(app.app.store.pool())
        .await
        .expect("ids");
    let forget = |text: String, user: &'static str| {
        let app = &app;
        async move {
            let response = app
                .post_command(&[("text", text.as_str()), ("user_id", user)])
                .await;
            assert_eq!(response.status(), 200, "{text}");
            let answer: Value = response.json().await.expect("JSON");
            assert_eq!(answer["response_type"], "ephemeral", "{answer}");
            answer["text"].as_str().unwrap_or_default().to_string()
        }
    };
    let decisions = || count(&app, "SELECT COUNT(*) FROM decisions");

    let listed = forget("forget".into(), AUTHOR).await;
    assert!(listed.contains("/clarity forget &lt;id&gt;"), "{listed}");
    for id in &ids {
        assert!(listed.contains(&format!("`{id}`")), "{listed}");
    }
    let not_an_id = forget("forget pricing".into(), AUTHOR).await;
    assert!(not_an_id.contains("is not a decision id"), "{not_an_id}");
    let missing = forget("forget 999999".into(), AUTHOR).await;
    assert!(
        missing.contains("couldn't find decision 999999"),
        "{missing}"
    );

    // Someone else, not an admin: refused, kept.
    let refused = forget(format!("forget {}", ids[0]), "U0OTHER").await;
    assert!(
        refused.contains("Only the person who recorded"),
        "{refused}"
    );
    assert_eq!(decisions().await, 3);
    // A workspace admin may, and so may its recorder.
    app.slack.make_admin("U0ADMIN");
    let by_admin = forget(format!("forget {}", ids[0]), "U0ADMIN").await;
    assert!(
        by_admin.contains(&format!("decision `{}` on *pricing*", ids[0])),
        "{by_admin}"
    );
    let by_recorder = forget(format!("forget #{}", ids[1]), AUTHOR).await;
    assert!(
        by_recorder.contains(&format!("decision `{}`", ids[1])),
        "{by_recorder}"
    );
    // When Slack cannot say who is an admin: kept.
    app.slack.fail_user_info("ratelimited");
    let unsure = forget(format!("forget {}", ids[2]), "U0OTHER").await;
    assert!(unsure.contains("couldn't check with Slack"), "{unsure}");
    let rest: Vec<i64> = sqlx::query_scalar("SELECT id FROM decisions")
        .fetch_all(app.app.store.pool())
        .await
        .expect("ids");
    assert_eq!(rest, [ids[2]]);
}

async fn an_ask_on_a_forgotten_decision_gets_the_question_again(backend: Backend) {
    let app = spawn_app_with(backend, "[noise]\nchannel_cooldown_secs = 0\n").await;
    let decide = [("text", "decide Q3 roadmap :: we ship search first")];
    assert_eq!(app.post_command(&decide).await.status(), 200);
    send_all(
        &app,
        &[message_event(
            "EvBefore",
            "C111",
            "1700000100.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    let first = app.slack.posts()[0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(first.starts_with("For reference: decided on "), "{first}");

    let id: i64 = sqlx::query_scalar("SELECT id FROM decisions")
        .fetch_one(app.app.store.pool())
        .await
        .expect("the decision");
    let forget = format!("forget {id}");
    assert_eq!(app.post_command(&[("text", &forget)]).await.status(), 200);
    // The bot's index of the channel's log knew the decision: it reads the
    // log afresh, as another replica's would.
    send_all(
        &app,
        &[message_event(
            "EvAfter",
            "C111",
            "1700000200.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[1]["thread_ts"], "1700000200.000100");
    let second = posts[1]["text"].as_str().unwrap_or_default();
    assert!(
        second.contains("which decision has actually been made?"),
        "{second}"
    );
}

async fn purge_deletes_a_workspace_and_says_how_much(backend: Backend) {
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
    let purge = |team: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
            .args(["purge", "--team", team])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.db.url)
            .env("CLARITY_CONFIG", app.db.dir.path().join("clarity.toml"))
            .output()
            .expect("the binary runs")
    };
    let bad = purge("general");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a team id"));

    let out = purge(TEAM);
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(&format!("purged workspace {TEAM}: ")),
        "{stdout}"
    );
    assert!(stdout.contains("flags 1"), "{stdout}");
    let left: Vec<_> = team_rows(&app)
        .await
        .into_iter()
        .filter(|(_, rows)| *rows > 0)
        .collect();
    assert!(left.is_empty(), "rows left: {left:?}");
}

/// What the bot keeps after a decision (the links to people's confusion
/// in its thread, a "let's revisit" of it) points at the decision and the
/// flag: a deleted channel takes them first, so PostgreSQL's keys hold.
async fn a_deleted_channel_takes_its_decisions_reception_and_reopens(backend: Backend) {
    let app = spawn_app(backend).await;
    let doomed = "C024BE91L";
    let decided = "1700000100.000100";
    let said = |event_id: &str, ts: &str, thread: Option<&str>, user: &str, text: &str| {
        message_by(event_id, doomed, ts, thread, user, text)
    };
    send_all(
        &app,
        &[
            said(
                "EvDecided",
                decided,
                None,
                "U0ANA",
                "Decision: we're going with three tiers for pricing because churn is highest on the flat plan. Owner: <@U0ANA>.",
            ),
            said(
                "EvLost",
                "1700000101.000100",
                Some(decided),
                "U201",
                "wait, so are we dropping the free plan?",
            ),
            said(
                "EvRevisit",
                "1700000300.000100",
                None,
                "U202",
                "I think we need to revisit the pricing, enterprise customers keep asking for seats",
            ),
        ],
    )
    .await;
    app.wait_until_idle().await;
    let kept = |table: &str| format!("SELECT COUNT(*) FROM {table} WHERE team_id = '{TEAM}'");
    assert_eq!(count(&app, &kept("receptions")).await, 1);
    assert_eq!(count(&app, &kept("reopens")).await, 1);

    send_all(
        &app,
        &[wrapped(
            "EvChannelDeleted",
            "event_only_channel_deleted.json",
            |_| {},
        )],
    )
    .await;
    app.wait_until_idle().await;
    for table in ["receptions", "reopens", "decisions", "flags"] {
        assert_eq!(count(&app, &kept(table)).await, 0, "{table}");
    }
}
