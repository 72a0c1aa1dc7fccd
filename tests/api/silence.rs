//! Explained silence: `/clarity check` names every reason the bot would
//! stay quiet on a draft right now (the channel's cool-down and until
//! when, the person's daily limit, a mute and until when, too little
//! confidence, a decision the log holds), and every suppressed flag is
//! counted by reason on `/metrics` and logged at INFO with its reason,
//! never its text.

use crate::helpers::*;
use serde_json::Value;

crate::sqlite_and_postgres! {
    check_names_the_cooldown_the_daily_limit_and_the_mute_with_their_times => check_names_the_cooldown_the_daily_limit_and_the_mute_with_their_times;
    check_names_too_little_confidence => check_names_too_little_confidence;
    check_names_the_decision_the_log_holds => check_names_the_decision_the_log_holds;
    a_suppressed_flag_is_counted_by_its_reason => a_suppressed_flag_is_counted_by_its_reason;
    a_suppressed_flag_is_logged_at_info_with_its_reason_never_its_text => a_suppressed_flag_is_logged_at_info_with_its_reason_never_its_text;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

async fn check(app: &TestApp, text: &str) -> String {
    let response = app
        .post_command(&[("text", &format!("check {text}"))])
        .await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("a JSON answer");
    assert_eq!(answer["response_type"], "ephemeral");
    answer["text"].as_str().unwrap_or_default().to_string()
}

/// An ask in C111 by W111 (who wrote `events_message.json` and runs the
/// slash command fixture), flagged: the cool-down and (with a limit
/// of one) the daily limit now hold.
async fn one_flag(app: &TestApp) {
    send_all(
        app,
        &[message_event(
            "EvFirstAsk",
            "C111",
            "1700000100.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1, "the first ask is flagged");
}

async fn check_names_the_cooldown_the_daily_limit_and_the_mute_with_their_times(backend: Backend) {
    let app = spawn_app_with(backend, "[noise]\nmax_flags_per_user_per_day = 1\n").await;
    let before = check(&app, ASK).await;
    assert!(
        before.starts_with("I would ask which decision has been made"),
        "{before}"
    );
    one_flag(&app).await;

    let after = check(&app, ASK).await;
    assert!(
        after.starts_with("I would stay quiet right now, though this reads as an alignment ask"),
        "{after}"
    );
    // Thirty minutes after the flag, in the reader's zone.
    let flagged_at: i64 = sqlx::query_scalar("SELECT created_at FROM flags")
        .fetch_one(app.app.store.pool())
        .await
        .expect("the flag is stored");
    let ends = (flagged_at / 1000) + 30 * 60;
    assert!(
        after.contains(&format!(
            "• Channel cool-down: I asked here recently and wait until <!date^{ends}^{{time}}|"
        )),
        "{after}"
    );
    assert!(
        after.contains("• I've already asked about your messages 1 time in the last 24 hours, my daily limit per person."),
        "{after}"
    );
    assert!(!after.contains("muted"), "{after}");

    let muted = app.post_command(&[("text", "mute 3d")]).await;
    assert_eq!(muted.status(), 200);
    let settings = app
        .app
        .store
        .channel_settings(TEAM, "C111")
        .await
        .expect("settings");
    let until = settings.muted_until.expect("muted") / 1000;
    let quiet = check(&app, ASK).await;
    assert!(
        quiet.contains(&format!(
            "• This channel is muted until <!date^{until}^{{date_short_pretty}} {{time}}|"
        )),
        "{quiet}"
    );
    // Another person, in another channel: none of it holds there.
    let elsewhere = app
        .post_command(&[
            ("text", &format!("check {ASK}")),
            ("channel_id", "C222"),
            ("user_id", "W999"),
        ])
        .await;
    let elsewhere: Value = elsewhere.json().await.expect("JSON");
    assert!(
        elsewhere["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("I would ask which decision has been made"),
        "{elsewhere}"
    );
}

async fn check_names_too_little_confidence(backend: Backend) {
    let app = spawn_app_with(backend, "[noise]\nmin_score = 1.0\n").await;
    // A terse ask the classifier is a little less sure of.
    let ask = "Agree a naming convention";
    let score = app
        .app
        .classifier
        .assess(ask, &clarity_bot::classify::Context::default())
        .score;
    assert!(
        score < 1.0,
        "this case needs an ask read below 100%: {score}"
    );
    let text = check(&app, ask).await;
    assert!(text.starts_with("I would stay quiet right now"), "{text}");
    let reason = format!(
        "• I'm not sure enough: {:.0}% confidence, and I ask from 100%.",
        score * 100.0
    );
    assert!(text.contains(&reason), "{text}");
}

async fn check_names_the_decision_the_log_holds(backend: Backend) {
    let app = spawn_app(backend).await;
    let decided = app
        .post_command(&[("text", "decide Q3 roadmap :: search first, then billing")])
        .await;
    assert_eq!(decided.status(), 200);
    let text = check(&app, ASK).await;
    assert!(
        text.starts_with("I wouldn't ask which decision has been made"),
        "{text}"
    );
    assert!(
        text.contains("• a decision is recorded: *Q3 roadmap* — search first, then billing ("),
        "{text}"
    );
}

async fn a_suppressed_flag_is_counted_by_its_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    one_flag(&app).await;
    // A second ask in another thread, within the cool-down: not posted.
    send_all(
        &app,
        &[message_event(
            "EvSecondAsk",
            "C111",
            "1700000200.000100",
            None,
            "can we get everyone aligned on the pricing page redesign?",
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1, "{:?}", app.slack.posts());
    let suppressed: Option<String> =
        sqlx::query_scalar("SELECT suppressed FROM flags WHERE message_ts = '1700000200.000100'")
            .fetch_one(app.app.store.pool())
            .await
            .expect("the second ask is stored");
    assert_eq!(suppressed.as_deref(), Some("channel_cooldown"));
    let metrics = app.get("/metrics").await.text().await.expect("body");
    assert!(
        metrics.contains("clarity_flags_suppressed_total{reason=\"channel_cooldown\"}"),
        "{metrics}"
    );
}

/// What an operator reads at the default level when the bot stays quiet:
/// the reason and where, and not a word of the message.
async fn a_suppressed_flag_is_logged_at_info_with_its_reason_never_its_text(backend: Backend) {
    use crate::resilience::{free_port, post_event_to, start_bot_logging, wait_ready};
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    let port = free_port();
    let log = db.dir.path().join("bot.log");
    let _bot = start_bot_logging(
        &db,
        &slack,
        port,
        "info",
        std::fs::File::create(&log).expect("log file").into(),
    );
    wait_ready(port).await;
    let first = message_event("EvFirstAsk", "C111", "1700000100.000100", None, ASK);
    assert_eq!(post_event_to(port, first).await.status(), 200);
    wait_for("the first ask's question", || {
        let posted = slack.posts().len() == 1;
        async move { posted }
    })
    .await;
    let second = "can we get everyone aligned on the pricing page redesign?";
    let body = message_event("EvSecondAsk", "C111", "1700000200.000100", None, second);
    assert_eq!(post_event_to(port, body).await.status(), 200);

    let quiet = |text: &str| {
        text.lines()
            .find(|line| line.contains("stayed quiet on an alignment ask"))
            .map(str::to_string)
    };
    wait_for("the log to say why the bot stayed quiet", || {
        let found = std::fs::read_to_string(&log)
            .ok()
            .and_then(|text| quiet(&text))
            .is_some();
        async move { found }
    })
    .await;
    let text = std::fs::read_to_string(&log).expect("the log");
    let line = quiet(&text).expect("the line");
    assert!(line.contains(" INFO "), "{line}");
    assert!(line.contains("reason=\"channel_cooldown\""), "{line}");
    assert!(line.contains("channel=C111"), "{line}");
    for words in ["pricing page", "Q3 roadmap", "aligned"] {
        assert!(!text.contains(words), "message text in the log:\n{text}");
    }
    assert_eq!(slack.posts().len(), 1, "{:?}", slack.posts());
}
