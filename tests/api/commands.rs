//! `/clarity`: every subcommand's answer, garbage answered with the usage,
//! decisions that quiet the bot, privacy between channels and teams.

use crate::helpers::*;

crate::sqlite_and_postgres! {
    help_no_text_and_unknown_commands_answer_the_usage_privately => help_no_text_and_unknown_commands_answer_the_usage_privately;
    garbage_input_is_answered_with_the_usage_and_a_200 => garbage_input_is_answered_with_the_usage_and_a_200;
    check_shows_the_verdict_with_its_topic_and_reasons => check_shows_the_verdict_with_its_topic_and_reasons;
    a_recorded_decision_is_announced_in_channel_and_quiets_asks_on_its_topic => a_recorded_decision_is_announced_in_channel_and_quiets_asks_on_its_topic;
    decide_without_a_decision_explains_how_to_write_one => decide_without_a_decision_explains_how_to_write_one;
    a_newer_decision_supersedes_the_older_and_decisions_lists_newest_first => a_newer_decision_supersedes_the_older_and_decisions_lists_newest_first;
    a_private_channels_decision_never_shows_in_another_channel_or_team => a_private_channels_decision_never_shows_in_another_channel_or_team;
    status_lists_undecided_topics_with_counts_and_a_link_then_recent_decisions => status_lists_undecided_topics_with_counts_and_a_link_then_recent_decisions;
    a_muted_channel_gets_no_flag_until_unmuted => a_muted_channel_gets_no_flag_until_unmuted;
    a_bad_duration_says_which_durations_work => a_bad_duration_says_which_durations_work;
    a_command_with_a_bad_signature_or_a_malformed_body_is_refused => a_command_with_a_bad_signature_or_a_malformed_body_is_refused;
    a_slow_answer_arrives_through_the_response_url => a_slow_answer_arrives_through_the_response_url;
    a_command_body_over_the_limit_is_refused_with_413 => a_command_body_over_the_limit_is_refused_with_413;
    a_decision_stated_in_a_message_stays_in_its_channel => a_decision_stated_in_a_message_stays_in_its_channel;
}
use serde_json::Value;

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

/// Runs a command and returns its JSON answer, checking it was a 200.
async fn run(app: &TestApp, fields: &[(&str, &str)]) -> Value {
    let response = app.post_command(fields).await;
    assert_eq!(response.status(), 200, "{fields:?}");
    response.json().await.expect("a JSON answer")
}

fn text(answer: &Value) -> String {
    answer["text"].as_str().unwrap_or_default().to_string()
}

async fn help_no_text_and_unknown_commands_answer_the_usage_privately(backend: Backend) {
    let app = spawn_app(backend).await;
    for input in ["help", "", "frobnicate the roadmap"] {
        let answer = run(&app, &[("text", input)]).await;
        assert_eq!(answer["response_type"], "ephemeral", "{input:?}");
        let usage = text(&answer);
        for command in [
            "/clarity check",
            "/clarity decide",
            "/clarity decisions",
            "/clarity status",
            "/clarity mute",
            "/clarity unmute",
            "/clarity settings",
        ] {
            assert!(usage.contains(command), "{input:?} → {usage}");
        }
    }
}

async fn garbage_input_is_answered_with_the_usage_and_a_200(backend: Backend) {
    let app = spawn_app(backend).await;
    let long = "align ".repeat(2000);
    for input in [
        "\u{0}\u{7}\u{1b}[31mcheck",
        "'; DROP TABLE decisions; --",
        "decisions' OR 1=1 --\u{8}",
        long.as_str(),
    ] {
        let answer = run(&app, &[("text", input)]).await;
        assert_eq!(answer["response_type"], "ephemeral");
        assert!(
            text(&answer).contains("/clarity decide"),
            "{}",
            text(&answer)
        );
    }
    // The SQL-looking text did nothing to the log.
    let answer = run(&app, &[("text", "decide pricing :: three tiers")]).await;
    assert!(text(&answer).contains("Decision recorded"));
}

async fn check_shows_the_verdict_with_its_topic_and_reasons(backend: Backend) {
    let app = spawn_app(backend).await;
    let answer = run(&app, &[("text", &format!("check {ASK}"))]).await;
    assert_eq!(answer["response_type"], "ephemeral");
    let text = text(&answer);
    assert!(
        text.contains("I would ask which decision has been made"),
        "{text}"
    );
    assert!(text.contains("Topic: *Q3 roadmap*"), "{text}");
    assert!(text.contains("Because of: “"), "{text}");

    let quiet = run(&app, &[("text", "check lunch at 12:30? the taco place")]).await;
    assert!(super::commands::text(&quiet).contains("I would stay quiet"));
}

async fn a_recorded_decision_is_announced_in_channel_and_quiets_asks_on_its_topic(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let answer = run(
        &app,
        &[(
            "text",
            "decide Q3 roadmap :: we ship search first, then billing",
        )],
    )
    .await;
    assert_eq!(answer["response_type"], "in_channel");
    assert_eq!(
        text(&answer),
        "Decision recorded: *Q3 roadmap* — we ship search first, then billing"
    );
    assert!(
        answer.to_string().contains("<@W111>"),
        "the author is the caller"
    );

    send_all(
        &app,
        &[message_event(
            "EvDecided",
            "C111",
            "1700000100.000100",
            None,
            ASK,
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

    // The same ask in another channel is still flagged: decisions are per channel.
    send_all(
        &app,
        &[message_event(
            "EvOther",
            "C222",
            "1700000200.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts[1]["channel"], "C222");
    assert!(
        posts[1]
            .to_string()
            .contains("which decision has actually been made")
    );
}

async fn decide_without_a_decision_explains_how_to_write_one(backend: Backend) {
    let app = spawn_app(backend).await;
    // (`decide` alone opens the modal: see interactions.rs.)
    for input in ["decide pricing page", "decide :: nothing"] {
        let answer = run(&app, &[("text", input)]).await;
        assert_eq!(answer["response_type"], "ephemeral");
        assert!(
            text(&answer).contains("/clarity decide search relevance :: "),
            "{input:?}"
        );
    }
}

async fn a_newer_decision_supersedes_the_older_and_decisions_lists_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    run(&app, &[("text", "decide pricing :: two tiers")]).await;
    run(&app, &[("text", "decide search :: BM25 first")]).await;
    let newer = run(&app, &[("text", "decide Pricing :: three tiers")]).await;
    assert!(newer.to_string().contains("replaces the earlier decision"));

    let list = text(&run(&app, &[("text", "decisions")]).await);
    assert!(
        list.starts_with("Decisions in this channel, newest first:"),
        "{list}"
    );
    let pricing = list
        .find("three tiers")
        .expect("the newer pricing decision");
    let search = list.find("BM25 first").expect("the search decision");
    assert!(pricing < search, "newest first: {list}");
    assert!(
        !list.contains("• *Pricing* — two tiers"),
        "superseded decisions are not current: {list}"
    );
    assert!(
        list.contains("three tiers") && list.contains("← replaced “two tiers” ("),
        "the newer one names the one it replaced: {list}"
    );
    // The history stays.
    let superseded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM decisions WHERE superseded_by IS NOT NULL")
            .fetch_one(app.app.store.pool())
            .await
            .expect("query");
    assert_eq!(superseded, 1);

    let empty = text(&run(&app, &[("text", "decisions"), ("channel_id", "C999")]).await);
    assert!(
        empty.contains("No decisions recorded in this channel yet"),
        "{empty}"
    );
}

async fn a_private_channels_decision_never_shows_in_another_channel_or_team(backend: Backend) {
    let app = spawn_app(backend).await;
    app.slack.make_private("G123");
    run(
        &app,
        &[
            ("text", "decide reorg :: platform team splits in two"),
            ("channel_id", "G123"),
            ("channel_name", "privategroup"),
        ],
    )
    .await;
    run(
        &app,
        &[
            ("text", "decide reorg :: announce it on Friday"),
            ("channel_id", "C777"),
            ("channel_name", "leads-private"),
        ],
    )
    .await;
    // A public channel's decision is findable.
    run(
        &app,
        &[
            ("text", "decide reorg timeline :: publicly in March"),
            ("channel_id", "C222"),
        ],
    )
    .await;
    run(
        &app,
        &[
            ("text", "decide reorg :: other workspace"),
            ("team_id", "T999"),
        ],
    )
    .await;

    let from_public =
        text(&run(&app, &[("text", "decisions reorg"), ("channel_id", "C111")]).await);
    assert!(from_public.contains("publicly in March"), "{from_public}");
    assert!(
        !from_public.contains("platform team splits"),
        "{from_public}"
    );
    assert!(!from_public.contains("other workspace"), "{from_public}");

    let from_private =
        text(&run(&app, &[("text", "decisions reorg"), ("channel_id", "G123")]).await);
    assert!(
        from_private.contains("platform team splits"),
        "{from_private}"
    );
    assert!(!from_private.contains("other workspace"), "{from_private}");
}

async fn status_lists_undecided_topics_with_counts_and_a_link_then_recent_decisions(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    send_all(
        &app,
        &[message_event(
            "EvAsk1",
            "C111",
            "1700000100.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    run(
        &app,
        &[("text", "decide hiring plan :: two backend engineers")],
    )
    .await;

    let status = text(&run(&app, &[("text", "status")]).await);
    assert!(
        status.contains("*Q3 roadmap* — asked once by 1 person"),
        "{status}"
    );
    assert!(
        status.contains("https://test-domain.slack.com/archives/C111/p1700000100000100"),
        "{status}"
    );
    assert!(status.contains("Decided in the same period:"), "{status}");
    assert!(status.contains("two backend engineers"), "{status}");

    run(&app, &[("text", "decide Q3 roadmap :: search first")]).await;
    let after = text(&run(&app, &[("text", "status")]).await);
    assert!(after.contains("Nothing undecided"), "{after}");
}

async fn a_muted_channel_gets_no_flag_until_unmuted(backend: Backend) {
    let app = spawn_app(backend).await;
    let muted = text(&run(&app, &[("text", "mute 3d")]).await);
    assert!(
        muted.contains("I'll stay quiet in this channel until"),
        "{muted}"
    );
    let settings = text(&run(&app, &[("text", "settings")]).await);
    assert!(settings.contains("muted until"), "{settings}");

    send_all(
        &app,
        &[message_event(
            "EvMuted",
            "C111",
            "1700000100.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    // Only the line saying who muted the channel; no question.
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(
        posts[0]["text"]
            .as_str()
            .is_some_and(|text| text.starts_with("<@W111> muted me in this channel until ")),
        "{posts:?}"
    );

    let unmuted = text(&run(&app, &[("text", "unmute")]).await);
    assert!(unmuted.contains("listening"), "{unmuted}");
    let settings = text(&run(&app, &[("text", "settings")]).await);
    assert!(settings.contains("not muted"), "{settings}");
    send_all(
        &app,
        &[message_event(
            "EvUnmuted",
            "C111",
            "1700000300.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 2, "the question, now");
}

async fn a_bad_duration_says_which_durations_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let answer = text(&run(&app, &[("text", "mute forever")]).await);
    assert!(
        answer.contains("try `30m`, `3h`, `3 days`, `2 weeks` or `until monday`"),
        "{answer}"
    );
    assert!(!answer.contains("I don't know that command"), "{answer}");
}

async fn a_command_with_a_bad_signature_or_a_malformed_body_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app.command_body(&[("text", "mute 1w")]);
    let timestamp = now_secs().to_string();
    let forged = sign("not-the-secret", &timestamp, &body);
    let response = app
        .post_signed("/slack/commands", &body, &timestamp, &forged, &[])
        .await;
    assert_eq!(response.status(), 401);
    let settings = text(&run(&app, &[("text", "settings")]).await);
    assert!(
        settings.contains("not muted"),
        "the forged mute did nothing"
    );

    let garbled = "team_id=T111&text=help";
    let signature = sign(SIGNING_SECRET, &timestamp, garbled);
    let response = app
        .post_signed("/slack/commands", garbled, &timestamp, &signature, &[])
        .await;
    assert_eq!(response.status(), 400, "required fields missing");
}

async fn a_slow_answer_arrives_through_the_response_url(backend: Backend) {
    // Every answer is "slow": the request gets a placeholder at once.
    let app = spawn_app_with(backend, "[server]\ncommand_answer_ms = 0\n").await;
    let first = run(&app, &[("text", "decide pricing :: three tiers")]).await;
    assert_eq!(first["response_type"], "ephemeral");
    assert!(text(&first).contains("Working on it"), "{}", text(&first));

    let slack = app.slack.clone();
    wait_for("the answer on the response_url", || {
        let slack = slack.clone();
        async move { !slack.calls("response").is_empty() }
    })
    .await;
    let late = &app.slack.calls("response")[0].body;
    assert_eq!(late["response_type"], "in_channel");
    assert_eq!(late["text"], "Decision recorded: *pricing* — three tiers");
}

async fn a_command_body_over_the_limit_is_refused_with_413(backend: Backend) {
    // A small limit, so the whole body is sent before the early answer and
    // the 413 is what comes back, not a connection reset mid-upload.
    let app = spawn_app_with(backend, "[server]\nmax_body_bytes = 4096\n").await;
    let huge = "x".repeat(8 * 1024);
    let response = app.post_command(&[("text", huge.as_str())]).await;
    assert_eq!(response.status(), 413);
}

async fn a_decision_stated_in_a_message_stays_in_its_channel(backend: Backend) {
    let app = spawn_app(backend).await;
    let public = message_event(
        "EvStatedPublic",
        "C333",
        "1700000100.000100",
        None,
        "Decision: the Q3 roadmap ships search first",
    );
    let mut private: Value = serde_json::from_str(&message_event(
        "EvStatedPrivate",
        "G444",
        "1700000101.000100",
        None,
        "Decision: the Q3 roadmap keeps the salary bands secret",
    ))
    .expect("json");
    private["event"]["channel_type"] = serde_json::json!("group");
    send_all(&app, &[public, private.to_string()]).await;
    app.wait_until_idle().await;
    let elsewhere = text(
        &run(
            &app,
            &[("text", "decisions roadmap"), ("channel_id", "C111")],
        )
        .await,
    );
    assert!(
        elsewhere.contains("ships search first"),
        "a public channel's decision is findable: {elsewhere}"
    );
    assert!(
        !elsewhere.contains("salary bands"),
        "a private channel's decision stays there: {elsewhere}"
    );
    let there = text(
        &run(
            &app,
            &[("text", "decisions roadmap"), ("channel_id", "G444")],
        )
        .await,
    );
    assert!(there.contains("salary bands"), "{there}");
}
