//! The weekly digest: the job's single step driven with a fixed clock over a
//! seeded store (no waiting for real time), the post itself through the
//! real outbox to the fake Slack, once and only once across restarts and
//! replicas, the week's boundary in the configured zone, and privacy.
//!
//! Seeded weeks lie in 2025, far from the real clock, so the bot's own
//! digest loop (running on the real clock) never touches them.

use crate::helpers::*;
use clarity_bot::digest::job::{self, DigestTarget};
use clarity_bot::digest::schedule::DigestWeek;
use serde_json::Value;

crate::sqlite_and_postgres! {
    a_seeded_week_is_posted_as_its_golden_block_kit => golden_week;
    topics_keep_coming_back_when_asked_in_two_threads_or_by_two_people => recurring_topics;
    a_quiet_week_says_so_in_one_line => quiet_week;
    a_message_at_23_30_on_sunday_in_berlin_belongs_to_the_old_week => berlin_sunday_night;
    a_week_with_a_clock_change_keeps_its_monday_midnight_bounds => dst_week;
    a_restart_never_posts_the_week_again => once_across_a_restart;
    a_bot_down_at_nine_posts_on_start_up_the_same_day_but_not_the_next => late_start;
    a_private_channels_topics_never_reach_the_summary_channel => private_stays_out_of_the_summary;
    slash_clarity_digest_previews_last_week_to_the_caller_only => slash_preview;
    flags_learn_whether_their_channel_is_public => flags_learn_privacy;
    the_digest_command_renders_last_week_and_posts_it_once => cli_renders_and_posts_once;
}

crate::postgres_only! {
    two_replicas_running_the_digest_step_post_it_once => once_across_replicas;
}

/// Where seeds go: a running bot's database, or a store of its own.
trait Db {
    fn pool(&self) -> &sqlx::AnyPool;
}

impl Db for TestApp {
    fn pool(&self) -> &sqlx::AnyPool {
        self.app.store.pool()
    }
}

impl Db for clarity_bot::store::Store {
    fn pool(&self) -> &sqlx::AnyPool {
        clarity_bot::store::Store::pool(self)
    }
}

/// Unix ms of a wall-clock time in `zone`.
fn at(zone: &str, y: i16, m: i8, d: i8, h: i8, min: i8) -> i64 {
    jiff::civil::date(y, m, d)
        .at(h, min, 0, 0)
        .in_tz(zone)
        .expect("a valid zoned time")
        .timestamp()
        .as_millisecond()
}

/// A stored flag, as the pipeline would have stored it.
struct Flag<'a> {
    channel: &'a str,
    ts: &'a str,
    thread: &'a str,
    user: &'a str,
    kind: &'a str,
    premature: bool,
    topic: Option<&'a str>,
    at: i64,
    posted: bool,
    feedback: Option<&'a str>,
    private: bool,
}

impl Default for Flag<'_> {
    fn default() -> Self {
        Self {
            channel: "C0GOLD",
            ts: "1760000000.000100",
            thread: "1760000000.000100",
            user: "U001",
            kind: "alignment_request",
            premature: true,
            topic: None,
            at: 0,
            posted: false,
            feedback: None,
            private: false,
        }
    }
}

async fn seed_flag(app: &impl Db, flag: Flag<'_>) {
    sqlx::query(
        "INSERT INTO flags (team_id, channel_id, message_ts, thread_ts, user_id, kind, premature, topic, \
         score, reasons, posted, feedback, created_at, channel_private) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0.9, '[]', $9, $10, $11, $12)",
    )
    .bind(TEAM)
    .bind(flag.channel)
    .bind(flag.ts)
    .bind(flag.thread)
    .bind(flag.user)
    .bind(flag.kind)
    .bind(i64::from(flag.premature))
    .bind(flag.topic)
    .bind(i64::from(flag.posted))
    .bind(flag.feedback)
    .bind(flag.at)
    .bind(i64::from(flag.private))
    .execute(app.pool())
    .await
    .expect("seed a flag");
}

/// `n` premature asks on `topic` in `channel`, each its own thread and person.
async fn seed_asks(app: &impl Db, channel: &str, topic: &str, n: usize, at: i64, private: bool) {
    for i in 0..n {
        let ts = format!("{}.{:06}", at / 1000, i + 1);
        seed_flag(
            app,
            Flag {
                channel,
                ts: &ts,
                thread: &ts,
                user: &format!("U{i:03}"),
                topic: Some(topic),
                at: at + i as i64,
                private,
                ..Flag::default()
            },
        )
        .await;
    }
}

async fn seed_decision(
    app: &impl Db,
    channel: &str,
    topic: &str,
    decision: &str,
    owner: &str,
    permalink: Option<&str>,
    at: i64,
) {
    sqlx::query(
        "INSERT INTO decisions (team_id, channel_id, topic, decision, owner, permalink, recorded_by, \
         created_at, channel_private) VALUES ($1, $2, $3, $4, $5, $6, $5, $7, 0)",
    )
    .bind(TEAM)
    .bind(channel)
    .bind(topic)
    .bind(decision)
    .bind(owner)
    .bind(permalink)
    .bind(at)
    .execute(app.pool())
    .await
    .expect("seed a decision");
}

async fn seed_open_question(
    app: &impl Db,
    channel: &str,
    topic: &str,
    owner: Option<&str>,
    due: Option<&str>,
    at: i64,
) {
    sqlx::query(
        "INSERT INTO open_questions (team_id, channel_id, topic, owner, due_date, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(TEAM)
    .bind(channel)
    .bind(topic)
    .bind(owner)
    .bind(due)
    .bind(at)
    .execute(app.pool())
    .await
    .expect("seed an open question");
}

/// Runs the digest step at `now` and waits until what it queued was sent.
async fn run_step(app: &TestApp, now: i64) -> usize {
    let queued = job::run_due(&app.app, now).await.expect("the digest step");
    app.wait_until_idle().await;
    queued
}

/// Digest posts (top-level chat.postMessage calls into channels) the fake
/// Slack received; not the reminders an overdue open question sends its
/// owner directly.
fn digest_posts(app: &TestApp) -> Vec<Value> {
    app.slack
        .posts()
        .into_iter()
        .filter(|post| post.get("thread_ts").is_none())
        .filter(|post| !post["channel"].as_str().is_some_and(|c| c.starts_with('U')))
        .collect()
}

/// All the text a post shows: its blocks' texts, joined.
fn shown(post: &Value) -> String {
    let mut texts = Vec::new();
    for block in post["blocks"].as_array().into_iter().flatten() {
        if let Some(text) = block["text"]["text"].as_str() {
            texts.push(text.to_string());
        }
        for element in block["elements"].as_array().into_iter().flatten() {
            if let Some(text) = element["text"].as_str() {
                texts.push(text.to_string());
            }
        }
    }
    texts.join("\n")
}

/// The golden week: 2025-W42 (Mon 13 – Sun 19 Oct 2025, UTC).
async fn seed_golden_week(app: &impl Db) {
    let utc = |d: i8, h: i8| at("UTC", 2025, 10, d, h, 0);
    // The week before: three asks, two without a decision.
    seed_asks(app, "C0GOLD", "release train", 2, utc(7, 10), false).await;
    seed_flag(
        app,
        Flag {
            ts: "1759900000.000001",
            thread: "1759900000.000001",
            premature: false,
            topic: Some("search relevance"),
            at: utc(8, 10),
            ..Flag::default()
        },
    )
    .await;
    // Long-open topics: onboarding flow (1 Sep), pricing page (2 Oct).
    seed_flag(
        app,
        Flag {
            ts: "1756717200.000001",
            thread: "1756717200.000001",
            topic: Some("onboarding flow"),
            at: at("UTC", 2025, 9, 1, 9, 0),
            ..Flag::default()
        },
    )
    .await;
    seed_flag(
        app,
        Flag {
            ts: "1759395600.000001",
            thread: "1759395600.000001",
            user: "U001",
            topic: Some("pricing page"),
            at: at("UTC", 2025, 10, 2, 9, 0),
            ..Flag::default()
        },
    )
    .await;
    // This week: pricing page three more times by two more people (the
    // last in a thread), the Q3 roadmap once, search relevance once with
    // its decision known.
    for (ts, thread, user, day) in [
        ("1760346000.000001", "1760346000.000001", "U002", 13),
        ("1760432400.000001", "1760432400.000001", "U003", 14),
        ("1760518800.000002", "1760432400.000001", "U001", 15),
    ] {
        seed_flag(
            app,
            Flag {
                ts,
                thread,
                user,
                topic: Some("pricing page"),
                at: utc(day, 9),
                posted: day != 15,
                feedback: (day == 14).then_some("not_alignment"),
                ..Flag::default()
            },
        )
        .await;
    }
    seed_flag(
        app,
        Flag {
            ts: "1760605200.000001",
            thread: "1760605200.000001",
            user: "U004",
            topic: Some("Q3 roadmap"),
            at: utc(16, 9),
            posted: true,
            ..Flag::default()
        },
    )
    .await;
    seed_flag(
        app,
        Flag {
            ts: "1760691600.000001",
            thread: "1760691600.000001",
            premature: false,
            topic: Some("search relevance"),
            at: utc(17, 9),
            ..Flag::default()
        },
    )
    .await;
    for (i, kind) in ["confusion", "confusion", "disagreement"]
        .iter()
        .enumerate()
    {
        let ts = format!("1760700000.00000{i}");
        seed_flag(
            app,
            Flag {
                ts: &ts,
                thread: &ts,
                kind,
                premature: false,
                at: utc(17, 12) + i as i64,
                ..Flag::default()
            },
        )
        .await;
    }
    seed_decision(
        app,
        "C0GOLD",
        "search relevance",
        "we ship BM25 ranking first",
        "U009",
        Some("https://test.slack.com/archives/C0GOLD/p1760691700000001"),
        utc(17, 10),
    )
    .await;
    seed_decision(
        app,
        "C0GOLD",
        "pricing tiers",
        "three tiers: free, team, enterprise",
        "U008",
        None,
        utc(18, 10),
    )
    .await;
    seed_open_question(
        app,
        "C0GOLD",
        "pricing page",
        Some("U002"),
        Some("2025-10-17"),
        utc(15, 10),
    )
    .await;
    seed_open_question(
        app,
        "C0GOLD",
        "hiring plan",
        Some("U004"),
        Some("2025-11-03"),
        utc(16, 10),
    )
    .await;
    seed_open_question(app, "C0GOLD", "team offsite", None, None, utc(16, 11)).await;
    seed_after_the_decision(app, utc).await;
}

/// After the decision in the golden week: an older decision with its
/// reasoning, reopened on Wednesday and kept; confusion (two people) and a
/// disagreement about search relevance; pricing tiers reopened on Sunday,
/// nobody chose yet.
async fn seed_after_the_decision(app: &impl Db, utc: impl Fn(i8, i8) -> i64) {
    seed_decision(
        app,
        "C0GOLD",
        "onboarding checklist",
        "five steps, the last one optional",
        "U007",
        None,
        utc(6, 10),
    )
    .await;
    sqlx::query("UPDATE decisions SET reasoning = 'new teams drop off at step six' WHERE topic = 'onboarding checklist'")
        .execute(app.pool())
        .await
        .expect("seed a reasoning");
    let id = |topic: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM decisions WHERE topic = $1")
            .bind(topic)
            .fetch_one(app.pool())
            .await
            .expect("a seeded decision")
    };
    for (ts, user, kind) in [
        ("1760780000.000001", "U011", "confusion"),
        ("1760780000.000002", "U012", "confusion"),
        ("1760780000.000003", "U011", "confusion"),
        ("1760780000.000004", "U013", "disagreement"),
    ] {
        sqlx::query(
            "INSERT INTO receptions (team_id, channel_id, message_ts, decision_id, user_id, kind, \
             permalink, created_at) VALUES ($1, 'C0GOLD', $2, $3, $4, $5, NULL, $6)",
        )
        .bind(TEAM)
        .bind(ts)
        .bind(id("search relevance").await)
        .bind(user)
        .bind(kind)
        .bind(utc(18, 12))
        .execute(app.pool())
        .await
        .expect("seed a reception");
    }
    for (ts, topic, outcome, day) in [
        (
            "1760518900.000001",
            "onboarding checklist",
            Some("kept"),
            15,
        ),
        ("1760860000.000001", "pricing tiers", None, 19),
    ] {
        seed_flag(
            app,
            Flag {
                ts,
                thread: ts,
                kind: "other",
                premature: false,
                at: utc(day, 11),
                posted: true,
                ..Flag::default()
            },
        )
        .await;
        let flag: i64 = sqlx::query_scalar("SELECT id FROM flags WHERE message_ts = $1")
            .bind(ts)
            .fetch_one(app.pool())
            .await
            .expect("the seeded flag");
        sqlx::query(
            "INSERT INTO reopens (team_id, flag_id, decision_id, outcome, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(TEAM)
        .bind(flag)
        .bind(id(topic).await)
        .bind(outcome)
        .bind(utc(day, 11))
        .execute(app.pool())
        .await
        .expect("seed a reopen");
    }
}

async fn golden_week(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_golden_week(&app).await;
    let monday = at("UTC", 2025, 10, 20, 9, 5);
    assert_eq!(run_step(&app, monday).await, 1);

    let posts = digest_posts(&app);
    assert_eq!(posts.len(), 1, "{posts:?}");
    let post = &posts[0];
    assert_eq!(post["channel"], "C0GOLD");
    let path = format!(
        "{}/tests/golden/digest/week.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let got = serde_json::json!({"text": post["text"], "blocks": post["blocks"]});
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let text = serde_json::to_string_pretty(&got).expect("serializes");
        std::fs::write(&path, text + "\n").expect("write the golden file");
    }
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}")),
    )
    .expect("the golden file is JSON");
    assert_eq!(got, expected, "the digest differs from {path}");

    // Counts only: people who only asked (U001, U003) are never named;
    // owners of decisions and open questions are.
    let everything = post.to_string();
    // Nor are the people confused by or disagreeing with a decision.
    for asker in ["U001", "U003", "U011", "U012", "U013"] {
        assert!(!everything.contains(asker), "{asker} named: {everything}");
    }
    // The post's ts is kept on the week's key.
    let row = app
        .app
        .store
        .digest(TEAM, "C0GOLD", "2025-W42")
        .await
        .expect("query")
        .expect("claimed");
    assert!(
        row.posted_at.is_some() && row.message_ts.is_some(),
        "{row:?}"
    );
}

async fn recurring_topics(backend: Backend) {
    let app = spawn_app(backend).await;
    let day = |d: i8| at("UTC", 2025, 10, d, 10, 0);
    let ask = |ts: &'static str,
               thread: &'static str,
               user: &'static str,
               topic: &'static str,
               at: i64| Flag {
        channel: "C0REC",
        ts,
        thread,
        user,
        topic: Some(topic),
        at,
        ..Flag::default()
    };
    // One person asking twice in one thread: not a pattern.
    seed_flag(
        &app,
        ask("1.000001", "1.000001", "U1", "same thread", day(13)),
    )
    .await;
    seed_flag(
        &app,
        ask("1.000002", "1.000001", "U1", "same thread", day(14)),
    )
    .await;
    // One person, two threads: keeps coming back.
    seed_flag(
        &app,
        ask("2.000001", "2.000001", "U1", "two threads", day(13)),
    )
    .await;
    seed_flag(
        &app,
        ask("2.000002", "2.000002", "U1", "two threads", day(15)),
    )
    .await;
    // Two people, one thread: keeps coming back.
    seed_flag(
        &app,
        ask("3.000001", "3.000001", "U1", "two people", day(14)),
    )
    .await;
    seed_flag(
        &app,
        ask("3.000002", "3.000001", "U2", "two people", day(14) + 1),
    )
    .await;
    // Asked last week and once this week by another person: counts both.
    seed_flag(
        &app,
        ask("4.000001", "4.000001", "U1", "back again", day(8)),
    )
    .await;
    seed_flag(
        &app,
        ask("4.000002", "4.000002", "U2", "back again", day(16)),
    )
    .await;
    // Asked twice but decided (any case): not undecided.
    seed_flag(&app, ask("5.000001", "5.000001", "U1", "decided", day(13))).await;
    seed_flag(&app, ask("5.000002", "5.000002", "U2", "decided", day(14))).await;
    seed_decision(&app, "C0REC", "Decided", "yes", "U9", None, day(15)).await;
    // Asked twice, but only before this week: not this week's pattern.
    seed_flag(&app, ask("6.000001", "6.000001", "U1", "old news", day(6))).await;
    seed_flag(&app, ask("6.000002", "6.000002", "U2", "old news", day(7))).await;

    let settings = &app.app.settings.file.digest;
    let week = DigestWeek::containing(&settings.timezone.at(day(15)));
    let target = DigestTarget {
        team_id: TEAM.into(),
        channel_id: "C0REC".into(),
        channels: vec!["C0REC".into()],
        summary: false,
    };
    let digest = job::build(
        &app.app.store,
        settings,
        &target,
        &week,
        Some("https://test.slack.com/"),
        day(20),
    )
    .await
    .expect("the digest builds");
    let found: Vec<(&str, i64, i64, i64)> = digest
        .recurring
        .iter()
        .map(|t| (t.topic.as_str(), t.asks, t.askers, t.threads))
        .collect();
    assert_eq!(
        found,
        [
            ("back again", 2, 2, 2),
            ("two threads", 2, 1, 2),
            ("two people", 2, 2, 1)
        ],
        "most asked first, then the latest ask first"
    );
    let back_again = &digest.recurring[0];
    assert_eq!(back_again.since, jiff::civil::date(2025, 10, 8));
    assert_eq!(
        back_again.link.as_deref(),
        Some("https://test.slack.com/archives/C0REC/p4000002")
    );
    let two_people = &digest.recurring[2];
    assert_eq!(
        two_people.link.as_deref(),
        Some("https://test.slack.com/archives/C0REC/p3000002?thread_ts=3.000001&cid=C0REC")
    );
}

async fn quiet_week(backend: Backend) {
    let app = spawn_app(backend).await;
    // Activity the week before (W41) only: W42 is quiet.
    seed_asks(
        &app,
        "C0QUIET",
        "release train",
        2,
        at("UTC", 2025, 10, 8, 10, 0),
        false,
    )
    .await;
    assert_eq!(run_step(&app, at("UTC", 2025, 10, 20, 9, 0)).await, 1);
    let posts = digest_posts(&app);
    assert_eq!(posts.len(), 1);
    let blocks = posts[0]["blocks"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        blocks.len(),
        3,
        "a header, the context line, one line: {blocks:?}"
    );
    assert_eq!(
        blocks[2]["text"]["text"],
        "A quiet week in <#C0QUIET> (13–19 Oct 2025): no alignment asks, no decisions recorded, no open questions."
    );
    assert_eq!(
        posts[0]["text"],
        "A quiet week in #C0QUIET (13–19 Oct 2025): no alignment asks, no decisions recorded, no open questions."
    );
}

const BERLIN: &str = "[digest]\ntimezone = \"Europe/Berlin\"\n";

async fn berlin_sunday_night(backend: Backend) {
    let app = spawn_app_with(backend, BERLIN).await;
    // Sunday 19 Oct 2025, 23:30 in Berlin (21:30 UTC): the old week, W42.
    seed_asks(
        &app,
        "C0BER",
        "sunday topic",
        1,
        at("Europe/Berlin", 2025, 10, 19, 23, 30),
        false,
    )
    .await;
    // Monday 20 Oct, 00:30 in Berlin (Sunday 22:30 UTC): already W43.
    seed_asks(
        &app,
        "C0BER",
        "monday topic",
        1,
        at("Europe/Berlin", 2025, 10, 20, 0, 30),
        false,
    )
    .await;
    assert_eq!(
        run_step(&app, at("Europe/Berlin", 2025, 10, 20, 9, 0)).await,
        1
    );
    let text = shown(&digest_posts(&app)[0]);
    assert!(text.contains("week 2025-W42"), "{text}");
    assert!(
        text.contains("• 1 alignment ask ↑ (0 the week before)"),
        "{text}"
    );
    assert!(text.contains("*sunday topic*"), "{text}");
    assert!(!text.contains("monday topic"), "{text}");
}

async fn dst_week(backend: Backend) {
    let app = spawn_app_with(backend, BERLIN).await;
    // Clocks went back in Berlin on Sunday 26 Oct 2025: W43 has 169 hours.
    let berlin = |d: i8, h: i8, m: i8| at("Europe/Berlin", 2025, 10, d, h, m);
    seed_asks(&app, "C0DST", "before", 1, berlin(19, 23, 30), false).await;
    seed_asks(&app, "C0DST", "first hour", 1, berlin(20, 0, 30), false).await;
    // 22:30 UTC: 168 hours after Monday 00:00 CEST would already be past.
    seed_asks(&app, "C0DST", "last hour", 1, berlin(26, 23, 30), false).await;
    seed_asks(&app, "C0DST", "next week", 1, berlin(27, 0, 15), false).await;
    // The slot is 09:00 on the wall clock, now an hour later in UTC.
    let slot = berlin(27, 9, 0);
    assert_eq!(slot, at("UTC", 2025, 10, 27, 8, 0));
    assert_eq!(
        run_step(&app, slot - 60_000).await,
        0,
        "not yet 09:00 in Berlin"
    );
    assert_eq!(run_step(&app, slot).await, 1);
    let text = shown(&digest_posts(&app)[0]);
    assert!(text.contains("20–26 Oct 2025"), "{text}");
    assert!(
        text.contains("• 2 alignment asks ↑ (1 the week before)"),
        "{text}"
    );
    assert!(!text.contains("next week"), "{text}");
}

async fn once_across_a_restart(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_golden_week(&app).await;
    let monday = at("UTC", 2025, 10, 20, 9, 5);
    assert_eq!(run_step(&app, monday).await, 1);
    assert_eq!(run_step(&app, monday + 3_600_000).await, 0, "a second run");
    let (db, slack) = (app.db.clone(), app.slack.clone());
    drop(app);
    let restarted = spawn_on(db, slack, "").await;
    assert_eq!(
        run_step(&restarted, monday + 7_200_000).await,
        0,
        "after a restart"
    );
    assert_eq!(digest_posts(&restarted).len(), 1);
}

async fn once_across_replicas() {
    let first = spawn_app(Backend::Postgres).await;
    let second = spawn_on(first.db.clone(), first.slack.clone(), "").await;
    seed_golden_week(&first).await;
    seed_asks(
        &first,
        "C0OTHER",
        "another topic",
        2,
        at("UTC", 2025, 10, 14, 9, 0),
        false,
    )
    .await;
    let monday = at("UTC", 2025, 10, 20, 9, 5);
    let (a, b) = tokio::join!(
        job::run_due(&first.app, monday),
        job::run_due(&second.app, monday)
    );
    let queued = a.expect("first replica's step") + b.expect("second replica's step");
    assert_eq!(queued, 2, "one digest per channel between them");
    first.wait_until_idle().await;
    second.wait_until_idle().await;
    let mut channels: Vec<String> = digest_posts(&first)
        .iter()
        .map(|post| post["channel"].as_str().unwrap_or_default().to_string())
        .collect();
    channels.sort();
    assert_eq!(channels, ["C0GOLD", "C0OTHER"]);
}

async fn late_start(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_asks(
        &app,
        "C0LATE",
        "late topic",
        2,
        at("UTC", 2025, 10, 14, 9, 0),
        false,
    )
    .await;
    // Tuesday 09:01: Monday's slot passed more than a day ago.
    assert_eq!(run_step(&app, at("UTC", 2025, 10, 21, 9, 1)).await, 0);
    assert!(digest_posts(&app).is_empty());
    // Monday 15:00: the bot was down at 09:00 and posts on start-up.
    assert_eq!(run_step(&app, at("UTC", 2025, 10, 20, 15, 0)).await, 1);
    assert_eq!(digest_posts(&app).len(), 1);
}

async fn private_stays_out_of_the_summary(backend: Backend) {
    let app = spawn_app_with(backend, "[digest]\nsummary_channel = \"C0SUMMARY\"\n").await;
    let day = at("UTC", 2025, 10, 14, 9, 0);
    seed_asks(&app, "C0PUB", "pricing page", 2, day, false).await;
    seed_asks(&app, "G0PRIV", "secret merger", 3, day, true).await;
    // A C… id whose flags say private (a private channel of the new kind).
    seed_asks(&app, "C0HUSH", "layoffs plan", 3, day, true).await;
    sqlx::query(
        "INSERT INTO decisions (team_id, channel_id, topic, decision, owner, created_at, channel_private) \
         VALUES ($1, 'C0HUSH', 'layoffs plan', 'a private decision', 'U9', $2, 1)",
    )
    .bind(TEAM)
    .bind(day)
    .execute(app.app.store.pool())
    .await
    .expect("seed a private decision");

    assert_eq!(run_step(&app, at("UTC", 2025, 10, 20, 9, 0)).await, 1);
    let posts = digest_posts(&app);
    assert_eq!(posts.len(), 1, "only the summary: {posts:?}");
    assert_eq!(posts[0]["channel"], "C0SUMMARY");
    let everything = posts[0].to_string();
    assert!(everything.contains("pricing page"), "{everything}");
    assert!(everything.contains("<#C0PUB>"), "{everything}");
    for secret in [
        "secret merger",
        "G0PRIV",
        "layoffs",
        "C0HUSH",
        "private decision",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
    let text = shown(&posts[0]);
    assert!(text.contains("1 public channel · week 2025-W42"), "{text}");
    assert!(text.contains("• 2 alignment asks"), "{text}");
}

async fn slash_preview(backend: Backend) {
    // The scheduled digest is off: on a Monday it would post last week's
    // digest while this test looks; the preview works either way.
    let app = spawn_app_with(backend, "[digest]\nenabled = false\n").await;
    // Last complete week relative to the real clock (the preview's "now").
    let last_week = jiff::Timestamp::now().as_millisecond() - 7 * 24 * 3600 * 1000;
    seed_asks(&app, "C111", "pricing page", 2, last_week, false).await;
    seed_asks(&app, "C0ELSE", "elsewhere topic", 2, last_week, false).await;
    let posts_before = digest_posts(&app).len();
    let response = app.post_command(&[("text", "digest")]).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("a JSON answer");
    assert_eq!(answer["response_type"], "ephemeral");
    let text = shown(&answer);
    assert!(text.contains("<#C111>"), "{text}");
    assert!(text.contains("*pricing page*"), "{text}");
    assert!(
        text.contains("https://test-domain.slack.com/archives/C111/p"),
        "{text}"
    );
    assert!(!text.contains("elsewhere"), "{text}");
    assert_eq!(answer["blocks"][0]["type"], "header");
    assert_eq!(
        digest_posts(&app).len(),
        posts_before,
        "a preview posts nothing"
    );
}

async fn flags_learn_privacy(backend: Backend) {
    let app = spawn_app(backend).await;
    let public = message_event(
        "EvDigestPub",
        "C0PUBLIC",
        "1700009000.000100",
        None,
        "before we go further we need to get aligned on the Q3 roadmap",
    );
    let mut private: Value = serde_json::from_str(&message_event(
        "EvDigestPriv",
        "G0PRIVATE",
        "1700009000.000200",
        None,
        "before we go further we need to get aligned on the Q3 roadmap",
    ))
    .expect("json");
    private["event"]["channel_type"] = "group".into();
    send_all(&app, &[public, private.to_string()]).await;
    app.wait_until_idle().await;
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT channel_id, channel_private FROM flags ORDER BY channel_id")
            .fetch_all(app.app.store.pool())
            .await
            .expect("query");
    assert_eq!(
        rows,
        [("C0PUBLIC".to_string(), 0), ("G0PRIVATE".to_string(), 1)]
    );
}

/// Runs `clarity-bot digest ARGS` on `db` with the fake Slack.
fn cli(
    db: &TestDb,
    slack: &FakeSlack,
    config: &str,
    args: &[&str],
    token: bool,
) -> std::process::Output {
    run_bin(db, slack, config, "digest", args, token)
}

/// Runs `clarity-bot SUBCOMMAND ARGS` on `db` with the fake Slack and a
/// config file holding `config`.
fn run_bin(
    db: &TestDb,
    slack: &FakeSlack,
    config: &str,
    subcommand: &str,
    args: &[&str],
    token: bool,
) -> std::process::Output {
    let config_path = db.dir.path().join("cli.toml");
    std::fs::write(&config_path, config).expect("write config");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clarity-bot"));
    command
        .env_clear()
        .env("CLARITY_CONFIG", &config_path)
        .env("DATABASE_URL", &db.url)
        .env("SLACK_API_URL", &slack.base_url)
        .arg(subcommand)
        .args(args);
    if token {
        command.env("SLACK_BOT_TOKEN", "xoxb-test-token");
    }
    command.output().expect("the binary runs")
}

async fn cli_renders_and_posts_once(backend: Backend) {
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    let store = clarity_bot::store::Store::connect(&secrecy::SecretString::from(db.url.clone()), 1)
        .await
        .expect("the store opens");
    let last_week = jiff::Timestamp::now().as_millisecond() - 7 * 24 * 3600 * 1000;
    seed_asks(&store, "C0CLI", "pricing page", 2, last_week, false).await;

    // Rendering posts nothing and needs no token.
    let output = cli(&db, &slack, "", &["--channel", "C0CLI"], false);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.starts_with("Clarity digest · "), "{stdout}");
    assert!(
        stdout.contains("• pricing page — asked twice by 2 people since"),
        "{stdout}"
    );
    assert!(stdout.contains("\"type\": \"header\""), "{stdout}");
    assert!(slack.posts().is_empty());

    // Posting needs the token, and says so.
    let output = cli(&db, &slack, "", &["--post"], false);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("SLACK_BOT_TOKEN"),
        "{output:?}"
    );

    // Posted once, however often it is asked to post.
    let first = cli(&db, &slack, "", &["--post"], true);
    assert!(first.status.success(), "{first:?}");
    let second = cli(&db, &slack, "", &["--post", "--channel", "C0CLI"], true);
    assert!(second.status.success(), "{second:?}");
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("already posted"),
        "{second:?}"
    );
    let posts: Vec<Value> = slack
        .posts()
        .into_iter()
        .filter(|post| post["channel"] == "C0CLI")
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["blocks"][0]["type"], "header");

    // A bad schedule stops it with the key, the value and an example.
    let output = cli(
        &db,
        &slack,
        "[digest]\nschedule = \"every monday\"\n",
        &[],
        false,
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[digest] schedule")
            && stderr.contains("`every monday`")
            && stderr.contains("0 9 * * MON"),
        "{stderr}"
    );

    // So does `serve`, before it touches Slack or the network.
    let auth_calls = slack.calls("auth.test").len();
    let output = run_bin(
        &db,
        &slack,
        "[digest]\ntimezone = \"Mars/Olympus\"\n",
        "serve",
        &[],
        true,
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[digest] timezone")
            && stderr.contains("`Mars/Olympus`")
            && stderr.contains("Europe/Berlin"),
        "{stderr}"
    );
    assert_eq!(
        slack.calls("auth.test").len(),
        auth_calls,
        "stopped before Slack"
    );
}
