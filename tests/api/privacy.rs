//! Private stays private: a channel's privacy comes from what Slack says
//! (an event's `channel_type`, `conversations.info`), never from the shape
//! of its id or name, and when the bot cannot tell, the channel is private.
//! Each shape of private conversation records a decision; none of them may
//! show in a public channel's `/clarity decisions` or in the summary digest.

use crate::helpers::*;
use clarity_bot::digest::job;
use serde_json::{Value, json};

crate::sqlite_and_postgres! {
    a_private_c_channel_named_in_the_payload_keeps_its_decisions_inside => a_private_c_channel_named_in_the_payload_keeps_its_decisions_inside;
    a_private_c_channel_without_a_name_is_private_because_slack_says_so => a_private_c_channel_without_a_name_is_private_because_slack_says_so;
    group_dms_dms_and_g_channels_keep_their_decisions_inside => group_dms_dms_and_g_channels_keep_their_decisions_inside;
    a_channel_converted_to_private_hides_the_decisions_it_had => a_channel_converted_to_private_hides_the_decisions_it_had;
    when_slack_cannot_say_the_channel_counts_as_private => when_slack_cannot_say_the_channel_counts_as_private;
}

/// Runs a command and returns the text of its JSON answer.
async fn run(app: &TestApp, fields: &[(&str, &str)]) -> String {
    let response = app.post_command(fields).await;
    assert_eq!(response.status(), 200, "{fields:?}");
    let answer: Value = response.json().await.expect("a JSON answer");
    answer["text"].as_str().unwrap_or_default().to_string()
}

/// What a public channel's `/clarity decisions QUERY` lists.
async fn seen_from_public(app: &TestApp, query: &str) -> String {
    run(
        app,
        &[
            ("text", &format!("decisions {query}")),
            ("channel_id", "C111"),
        ],
    )
    .await
}

/// A public channel's decision, so every test shows the search can list
/// other channels' decisions at all.
async fn decide_in_public(app: &TestApp) {
    run(
        app,
        &[
            (
                "text",
                "decide condor launch :: the public plan ships in May",
            ),
            ("channel_id", "C4PUB"),
            ("channel_name", "general"),
        ],
    )
    .await;
}

/// A person's message in `channel` whose event says `channel_type`.
fn message_in(event_id: &str, channel: &str, channel_type: &str, text: &str) -> String {
    let mut body: Value = serde_json::from_str(&message_event(
        event_id,
        channel,
        "1700007000.000100",
        None,
        text,
    ))
    .expect("JSON");
    body["event"]["channel_type"] = json!(channel_type);
    body.to_string()
}

async fn a_private_c_channel_named_in_the_payload_keeps_its_decisions_inside(backend: Backend) {
    let app = spawn_app_with(backend, "[digest]\nsummary_channel = \"C0SUMMARY\"\n").await;
    // Slack says the channel is private in an event; nothing about its id
    // or its name says so.
    send_all(
        &app,
        &[message_in(
            "EvPriv1",
            "C3PRIVREAL",
            "group",
            "morning all, the board pack is in the drive",
        )],
    )
    .await;
    app.wait_until_idle().await;
    run(
        &app,
        &[
            (
                "text",
                "decide condor merger :: signed, announce on the 14th",
            ),
            ("channel_id", "C3PRIVREAL"),
            ("channel_name", "condor-secret"),
        ],
    )
    .await;
    decide_in_public(&app).await;

    let listed = seen_from_public(&app, "condor").await;
    assert!(listed.contains("public plan ships in May"), "{listed}");
    assert!(!listed.contains("announce on the 14th"), "leaked: {listed}");
    let inside = run(
        &app,
        &[("text", "decisions condor"), ("channel_id", "C3PRIVREAL")],
    )
    .await;
    assert!(inside.contains("announce on the 14th"), "{inside}");

    // The summary digest of this week (queued for next Monday) lists the
    // public decision only.
    let monday = next_monday_nine();
    assert_eq!(
        job::run_due(&app.app, monday).await.expect("digest step"),
        1
    );
    let queued: Vec<String> = sqlx::query_scalar("SELECT payload FROM outbox")
        .fetch_all(app.app.store.pool())
        .await
        .expect("the outbox");
    let summary = queued
        .iter()
        .find(|payload| payload.contains("C0SUMMARY"))
        .expect("the summary was queued");
    let everything = summary.to_string();
    assert!(
        everything.contains("public plan ships in May"),
        "{everything}"
    );
    for secret in ["condor merger", "announce on the 14th", "C3PRIVREAL"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
}

async fn a_private_c_channel_without_a_name_is_private_because_slack_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    app.slack.make_private("C3NONAME");
    run(
        &app,
        &[
            ("text", "decide condor budget :: capped at 2m"),
            ("channel_id", "C3NONAME"),
            ("channel_name", ""),
        ],
    )
    .await;
    decide_in_public(&app).await;
    let listed = seen_from_public(&app, "condor").await;
    assert!(listed.contains("public plan ships in May"), "{listed}");
    assert!(!listed.contains("capped at 2m"), "leaked: {listed}");
    assert!(
        app.slack
            .calls("conversations.info")
            .iter()
            .any(|call| call.body["channel"] == "C3NONAME"),
        "the bot asked Slack about the channel"
    );
}

async fn group_dms_dms_and_g_channels_keep_their_decisions_inside(backend: Backend) {
    let app = spawn_app(backend).await;
    app.slack.make_private("G0LEGACY");
    app.slack.make_private("C0MPDM");
    for (channel, name, decision) in [
        (
            "G0LEGACY",
            "privategroup",
            "condor legal :: outside counsel",
        ),
        ("C0MPDM", "mpdm-ana--ben--cy-1", "condor offsite :: lisbon"),
        ("D0DIRECT", "directmessage", "condor hiring :: two seniors"),
    ] {
        run(
            &app,
            &[
                ("text", &format!("decide {decision}")),
                ("channel_id", channel),
                ("channel_name", name),
            ],
        )
        .await;
    }
    decide_in_public(&app).await;
    let listed = seen_from_public(&app, "condor").await;
    assert!(listed.contains("public plan ships in May"), "{listed}");
    for secret in ["outside counsel", "lisbon", "two seniors"] {
        assert!(!listed.contains(secret), "{secret} leaked: {listed}");
    }
}

async fn a_channel_converted_to_private_hides_the_decisions_it_had(backend: Backend) {
    let app = spawn_app(backend).await;
    send_all(
        &app,
        &[message_in(
            "EvConv1",
            "C2CONV",
            "channel",
            "hi team, notes from the kickoff are up",
        )],
    )
    .await;
    app.wait_until_idle().await;
    run(
        &app,
        &[
            ("text", "decide condor vendor :: acme, signed friday"),
            ("channel_id", "C2CONV"),
            ("channel_name", "vendors"),
        ],
    )
    .await;
    let before = seen_from_public(&app, "condor").await;
    assert!(
        before.contains("acme, signed friday"),
        "public at first: {before}"
    );

    // Slack's own event when a channel is made private: a message of
    // subtype channel_convert_to_private whose channel_type is `group`.
    let mut converted: Value = serde_json::from_str(&message_in(
        "EvConv2",
        "C2CONV",
        "group",
        "made this channel *private*. Now, it can only be viewed or joined by invitation.",
    ))
    .expect("JSON");
    converted["event"]["subtype"] = json!("channel_convert_to_private");
    send_all(&app, &[converted.to_string()]).await;
    app.wait_until_idle().await;

    let after = seen_from_public(&app, "condor").await;
    assert!(!after.contains("acme, signed friday"), "leaked: {after}");
    let stored: i64 =
        sqlx::query_scalar("SELECT channel_private FROM decisions WHERE channel_id = 'C2CONV'")
            .fetch_one(app.app.store.pool())
            .await
            .expect("the decision row");
    assert_eq!(stored, 1, "the stored decision was marked private");
}

async fn when_slack_cannot_say_the_channel_counts_as_private(backend: Backend) {
    let app = spawn_app(backend).await;
    decide_in_public(&app).await;
    // From now on conversations.info lacks its scope.
    app.slack.fail_channel_info("missing_scope");
    run(
        &app,
        &[
            ("text", "decide condor pricing :: three tiers"),
            ("channel_id", "C5UNSURE"),
            ("channel_name", "pricing"),
        ],
    )
    .await;
    let listed = seen_from_public(&app, "condor").await;
    assert!(listed.contains("public plan ships in May"), "{listed}");
    assert!(!listed.contains("three tiers"), "leaked: {listed}");
}

/// The next Monday 09:01 UTC: the default digest schedule's slot, which
/// reports the week that holds today.
fn next_monday_nine() -> i64 {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let mut day = today.tomorrow().expect("a date");
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.tomorrow().expect("a date");
    }
    day.at(9, 1, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .expect("a time")
        .timestamp()
        .as_millisecond()
}
