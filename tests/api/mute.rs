//! Muting: durations as people write them, who may mute (`[mute] who`,
//! asked of Slack), the confirmation on the flag's mute button, and the
//! one line the channel sees.

use crate::helpers::*;
use serde_json::Value;

crate::sqlite_and_postgres! {
    natural_durations_mute_until_then_and_the_channel_sees_who_muted => natural_durations_mute_until_then_and_the_channel_sees_who_muted;
    a_duration_it_cannot_read_gets_the_hint => a_duration_it_cannot_read_gets_the_hint;
    only_admins_may_mute_when_the_setting_says_so => only_admins_may_mute_when_the_setting_says_so;
    channel_managers_are_its_creator_and_admins => channel_managers_are_its_creator_and_admins;
    when_slack_cannot_say_who_asks_nothing_is_muted => when_slack_cannot_say_who_asks_nothing_is_muted;
    the_mute_button_asks_for_confirmation_and_a_refused_click_is_told_privately => the_mute_button_asks_for_confirmation_and_a_refused_click_is_told_privately;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";
const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

async fn command(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let response = app.post_command(fields).await;
    assert_eq!(response.status(), 200, "{fields:?}");
    let answer: Value = response.json().await.expect("a JSON answer");
    assert_eq!(answer["response_type"], "ephemeral", "{fields:?}");
    answer["text"].as_str().unwrap_or_default().to_string()
}

async fn muted_until(app: &TestApp, channel: &str) -> Option<i64> {
    app.app
        .store
        .channel_settings(TEAM, channel)
        .await
        .expect("settings")
        .muted_until
}

/// The lines the bot posted at the top of a channel (not in a thread).
fn channel_lines(app: &TestApp, channel: &str) -> Vec<String> {
    app.slack
        .posts()
        .iter()
        .filter(|post| post["channel"] == channel && post.get("thread_ts").is_none())
        .map(|post| post["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn natural_durations_mute_until_then_and_the_channel_sees_who_muted(backend: Backend) {
    let app = spawn_app(backend).await;
    for (typed, span) in [
        ("30m", 30 * 60 * 1000),
        ("3h", 3 * HOUR_MS),
        ("3 days", 3 * DAY_MS),
        ("2 weeks", 14 * DAY_MS),
    ] {
        let before = jiff::Timestamp::now().as_millisecond();
        let answer = command(&app, &[("text", &format!("mute {typed}"))]).await;
        let until = muted_until(&app, "C111").await.expect("muted");
        assert!(
            (before + span..=before + span + 60_000).contains(&until),
            "{typed}: {until}"
        );
        assert_eq!(
            answer,
            format!(
                "I'll stay quiet in this channel until <!date^{}^{{date_short_pretty}} {{time}}|{}>. `/clarity unmute` brings me back sooner.",
                until / 1000,
                clarity_bot::respond::format::moment(until)
            ),
            "{typed}"
        );
    }
    // Until Monday: the start of the next Monday (UTC), within a week.
    let before = jiff::Timestamp::now().as_millisecond();
    command(&app, &[("text", "mute until monday")]).await;
    let until = muted_until(&app, "C111").await.expect("muted");
    assert!((before..=before + 7 * DAY_MS).contains(&until), "{until}");
    assert!(
        clarity_bot::respond::format::moment(until).starts_with("Mon "),
        "{}",
        clarity_bot::respond::format::moment(until)
    );
    assert!(clarity_bot::respond::format::moment(until).ends_with(", 00:00 UTC"));

    app.wait_until_idle().await;
    let lines = channel_lines(&app, "C111");
    assert_eq!(lines.len(), 5, "one line per mute: {lines:?}");
    assert!(
        lines
            .iter()
            .all(|line| line.starts_with("<@W111> muted me in this channel until <!date^")),
        "{lines:?}"
    );
    // A muted channel gets no flag.
    send_all(
        &app,
        &[message_event(
            "EvMutedAsk",
            "C111",
            "1700000100.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert!(
        app.slack
            .posts()
            .iter()
            .all(|post| post.get("thread_ts").is_none()),
        "no flag: {:?}",
        app.slack.posts()
    );
}

async fn a_duration_it_cannot_read_gets_the_hint(backend: Backend) {
    let app = spawn_app(backend).await;
    for typed in ["mute 3 fortnights", "mute forever", "mute until never"] {
        let answer = command(&app, &[("text", typed)]).await;
        assert!(
            answer.starts_with("I couldn't read that duration ("),
            "{typed}: {answer}"
        );
        assert!(
            answer.contains("try `30m`, `3h`, `3 days`, `2 weeks` or `until monday`."),
            "{typed}: {answer}"
        );
    }
    assert_eq!(muted_until(&app, "C111").await, None);
    app.wait_until_idle().await;
    assert!(app.slack.posts().is_empty());
}

async fn only_admins_may_mute_when_the_setting_says_so(backend: Backend) {
    let app = spawn_app_with(backend, "[mute]\nwho = \"admins\"\n").await;
    let refused = command(&app, &[("text", "mute 3 days")]).await;
    assert!(
        refused.starts_with("Only workspace admins can mute me in this channel"),
        "{refused}"
    );
    assert_eq!(muted_until(&app, "C111").await, None, "nothing muted");
    app.wait_until_idle().await;
    assert!(channel_lines(&app, "C111").is_empty());
    let asked = app.slack.calls("users.info");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].body["user"], "W111");

    app.slack.make_admin("W111");
    let allowed = command(&app, &[("text", "mute 3 days")]).await;
    assert!(allowed.starts_with("I'll stay quiet"), "{allowed}");
    assert!(muted_until(&app, "C111").await.is_some());
    app.wait_until_idle().await;
    assert_eq!(channel_lines(&app, "C111").len(), 1);
}

async fn channel_managers_are_its_creator_and_admins(backend: Backend) {
    let app = spawn_app_with(backend, "[mute]\nwho = \"channel_managers\"\n").await;
    app.slack.set_creator("C111", "W999");
    let refused = command(&app, &[("text", "mute 2h")]).await;
    assert!(
        refused.starts_with("Only the channel's creator and workspace admins can mute me"),
        "{refused}"
    );
    assert_eq!(muted_until(&app, "C111").await, None);

    let allowed = command(&app, &[("text", "mute 2h"), ("user_id", "W999")]).await;
    assert!(allowed.starts_with("I'll stay quiet"), "{allowed}");
    assert!(muted_until(&app, "C111").await.is_some());
    app.wait_until_idle().await;
    let lines = channel_lines(&app, "C111");
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with("<@W999> muted me"), "{lines:?}");
}

async fn when_slack_cannot_say_who_asks_nothing_is_muted(backend: Backend) {
    let app = spawn_app_with(backend, "[mute]\nwho = \"admins\"\n").await;
    app.slack.fail_user_info("missing_scope");
    let answer = command(&app, &[("text", "mute 1w")]).await;
    assert!(
        answer.starts_with("I couldn't check with Slack who may mute this channel."),
        "{answer}"
    );
    assert_eq!(muted_until(&app, "C111").await, None);
}

async fn the_mute_button_asks_for_confirmation_and_a_refused_click_is_told_privately(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "[mute]\nwho = \"admins\"\n").await;
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
    assert_eq!(posts.len(), 1);
    let buttons = posts[0]["blocks"]
        .as_array()
        .and_then(|blocks| blocks.last())
        .map(|actions| actions["elements"].clone())
        .expect("the flag's buttons");
    let mute = buttons
        .as_array()
        .and_then(|buttons| {
            buttons
                .iter()
                .find(|button| button["action_id"] == "flag_mute_week")
        })
        .expect("a mute button");
    assert_eq!(mute["confirm"]["title"]["text"], "Mute for everyone here?");
    assert_eq!(mute["confirm"]["confirm"]["text"], "Mute for a week");
    assert_eq!(mute["confirm"]["deny"]["text"], "Cancel");

    let (id, reply_ts): (i64, String) =
        sqlx::query_as("SELECT id, reply_ts FROM flags WHERE posted = 1")
            .fetch_one(app.app.store.pool())
            .await
            .expect("a posted flag");
    let click = app.block_actions("flag_mute_week", &id.to_string(), "C111", &reply_ts);
    assert_eq!(app.post_interaction(&click).await.status(), 200);
    app.wait_until_idle().await;
    assert_eq!(muted_until(&app, "C111").await, None, "not muted");
    assert!(
        app.slack.calls("chat.update").is_empty(),
        "the question stays"
    );
    let told = app.slack.calls("response");
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].body["response_type"], "ephemeral");
    assert!(
        told[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Only workspace admins can mute me"),
        "{told:?}"
    );
}
