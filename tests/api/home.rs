//! App Home: what one person may see, published when they open the tab
//! (Slack's `app_home_opened`): decisions, open topics, the bot's channels
//! and why it would stay quiet there now (muted, cooling down), its daily
//! limit on the person's messages, with a private channel's rows only for its members (as
//! `users.conversations` says; when Slack cannot say, none), and a search
//! by topic; published again, search kept, when a decision is recorded.

use crate::helpers::*;
use serde_json::{Value, json};

crate::sqlite_and_postgres! {
    the_home_tab_shows_a_private_channels_rows_only_to_its_members => the_home_tab_shows_a_private_channels_rows_only_to_its_members;
    when_slack_cannot_say_who_is_in_a_private_channel_its_rows_are_left_out => when_slack_cannot_say_who_is_in_a_private_channel_its_rows_are_left_out;
    the_search_box_lists_decisions_on_that_topic => the_search_box_lists_decisions_on_that_topic;
    open_tabs_are_published_again_when_a_decision_is_recorded_private_rows_for_members_only => open_tabs_are_published_again_when_a_decision_is_recorded_private_rows_for_members_only;
    a_decision_shows_its_reasoning_and_the_one_it_replaced => a_decision_shows_its_reasoning_and_the_one_it_replaced;
}

/// Slack's `app_home_opened` for `user` on the Home tab.
fn home_opened(event_id: &str, user: &str, tab: &str) -> String {
    let mut body = fixture_json("events_app_home_opened.json");
    body["event_id"] = json!(event_id);
    body["event"]["user"] = json!(user);
    body["event"]["tab"] = json!(tab);
    body.to_string()
}

/// A public C111 and a private G111, each with a decision and the bot in
/// it; an undecided ask in G111; C111 muted. Returns the mute's end (ms).
async fn two_channels(app: &TestApp) -> i64 {
    app.slack.make_private("G111");
    app.slack.add_member("G111", "W111");
    for (channel, text) in [
        ("C111", "decide Q3 roadmap :: search first, then billing"),
        ("G111", "decide salary bands :: four bands, published"),
        ("C111", "mute 3 days"),
    ] {
        let response = app
            .post_command(&[("text", text), ("channel_id", channel)])
            .await;
        assert_eq!(response.status(), 200);
    }
    let mut ask = fixture_json("events_message.json");
    ask["event_id"] = json!("EvPrivateAsk");
    ask["event"]["channel"] = json!("G111");
    ask["event"]["channel_type"] = json!("group");
    ask["event"]["text"] = json!("can we get aligned on the hiring plan?");
    ask["event"]["ts"] = json!("1700000100.000100");
    if let Some(event) = ask["event"].as_object_mut() {
        event.remove("blocks");
    }
    send_all(
        app,
        &[
            joined("EvJoinC", "C111"),
            joined("EvJoinG", "G111"),
            ask.to_string(),
        ],
    )
    .await;
    app.wait_until_idle().await;
    app.app
        .store
        .channel_settings(TEAM, "C111")
        .await
        .expect("settings")
        .muted_until
        .expect("muted")
}

/// Opens `user`'s Home tab and returns the blocks published for them.
async fn open_home(app: &TestApp, event_id: &str, user: &str) -> Value {
    send_all(app, &[home_opened(event_id, user, "home")]).await;
    app.wait_until_idle().await;
    let homes = app.slack.homes();
    let (published_for, view) = homes.last().cloned().expect("a Home view published");
    assert_eq!(published_for, user);
    assert_eq!(view["type"], "home");
    view["blocks"].clone()
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

fn context(text: &str) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
}

fn feedback() -> Value {
    context(
        "Feedback on my questions (last 30 days): “This helped” 0 · “Not an alignment request” 0",
    )
}

fn head() -> Vec<Value> {
    vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": "Decisions first, then alignment"}}),
        json!({"type": "input", "block_id": "home_search", "label": {"type": "plain_text", "text": "Search decisions by topic"},
            "element": {"type": "plain_text_input", "action_id": "home_search", "max_length": 150},
            "optional": true, "dispatch_action": true}),
    ]
}

async fn the_home_tab_shows_a_private_channels_rows_only_to_its_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let muted_until = two_channels(&app).await;
    let salary = recorded_on(&app, "salary bands").await;
    let roadmap = recorded_on(&app, "Q3 roadmap").await;
    let muted = clarity_bot::respond::format::local_moment(muted_until);
    // The question in G111 quiets it for the cool-down.
    let asked_at: i64 = sqlx::query_scalar("SELECT created_at FROM flags WHERE posted = 1")
        .fetch_one(app.app.store.pool())
        .await
        .expect("the question in G111");
    let quiet = clarity_bot::respond::format::local_time(asked_at + 30 * 60 * 1000);

    // The Messages tab publishes nothing.
    send_all(&app, &[home_opened("EvMessagesTab", "W111", "messages")]).await;
    app.wait_until_idle().await;
    assert!(app.slack.homes().is_empty());

    let member = open_home(&app, "EvHomeMember", "W111").await;
    let mut expected = head();
    expected.extend([
        section(&format!("*Decisions*, newest first\n• *salary bands* — four bands, published ({salary}, <@W111>, in <#G111>)\n• *Q3 roadmap* — search first, then billing ({roadmap}, <@W111>, in <#C111>)")),
        section("*Asked to align on, not decided* (last 30 days), most repeated first\n• *hiring plan* in <#G111> — asked once"),
        section("*Open questions you decide*\nNone: nobody is waiting on a decision from you."),
        section(&format!("*Channels I'm in*\n• <#C111> — muted until {muted}\n• <#G111> — quiet until {quiet} (I asked there recently)")),
        context("I've asked about your messages 1 of at most 3 times in the last 24 hours."),
        feedback(),
    ]);
    assert_eq!(member, Value::Array(expected), "{member:#}");

    let outsider = open_home(&app, "EvHomeOutsider", "W999").await;
    let mut expected = head();
    expected.extend([
        section(&format!("*Decisions*, newest first\n• *Q3 roadmap* — search first, then billing ({roadmap}, <@W111>, in <#C111>)")),
        section("*Asked to align on, not decided* (last 30 days), most repeated first\nNothing: every alignment ask had a decision behind it."),
        section("*Open questions you decide*\nNone: nobody is waiting on a decision from you."),
        section(&format!("*Channels I'm in*\n• <#C111> — muted until {muted}")),
        context("I've asked about your messages 0 of at most 3 times in the last 24 hours."),
        feedback(),
    ]);
    assert_eq!(outsider, Value::Array(expected), "{outsider:#}");
    assert!(!outsider.to_string().contains("salary"));
    assert!(!outsider.to_string().contains("hiring"));
}

async fn when_slack_cannot_say_who_is_in_a_private_channel_its_rows_are_left_out(backend: Backend) {
    let app = spawn_app(backend).await;
    two_channels(&app).await;
    app.slack.fail_user_conversations("missing_scope");
    let blocks = open_home(&app, "EvHomeUnsure", "W111").await.to_string();
    assert!(blocks.contains("Q3 roadmap"), "{blocks}");
    assert!(!blocks.contains("salary"), "{blocks}");
    assert!(!blocks.contains("hiring"), "{blocks}");
    assert!(!blocks.contains("G111"), "{blocks}");
}

/// Slack's `block_actions` for `user` typing `query` in the Home tab's
/// search box.
fn home_search(user: &str, query: &str) -> Value {
    let mut search = fixture_json("interactive_block_actions.json");
    search["user"]["id"] = json!(user);
    search["actions"][0]["action_id"] = json!("home_search");
    search["actions"][0]["type"] = json!("plain_text_input");
    search["actions"][0]["value"] = json!(query);
    search["container"] = json!({"type": "view", "view_id": "V1"});
    if let Some(payload) = search.as_object_mut() {
        payload.remove("channel");
        payload.remove("message");
    }
    search
}

async fn the_search_box_lists_decisions_on_that_topic(backend: Backend) {
    let app = spawn_app(backend).await;
    two_channels(&app).await;
    open_home(&app, "EvHomeFirst", "W111").await;
    let search = home_search("W111", "roadmap");
    assert_eq!(app.post_interaction(&search).await.status(), 200);
    let homes = app.slack.homes();
    assert_eq!(homes.len(), 2);
    let decisions = homes[1].1["blocks"][2]["text"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        decisions.starts_with("*Decisions on “roadmap”*, newest first\n• *Q3 roadmap*"),
        "{decisions}"
    );
    assert!(!decisions.contains("salary"), "{decisions}");
}

/// A decision recorded in private G111 while two people have the tab
/// open: both tabs are published again without being reopened, the
/// member's with the decision (and the topic no longer open), the
/// outsider's, still searching as they were, without a word of it.
async fn open_tabs_are_published_again_when_a_decision_is_recorded_private_rows_for_members_only(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    two_channels(&app).await;
    let before = open_home(&app, "EvHomeMember", "W111").await.to_string();
    assert!(
        before.contains("*hiring plan* in <#G111> — asked once"),
        "{before}"
    );
    open_home(&app, "EvHomeOutsider", "W999").await;
    assert_eq!(
        app.post_interaction(&home_search("W999", "hiring"))
            .await
            .status(),
        200
    );
    let published = app.slack.homes().len();
    assert_eq!(published, 3);

    let decided = app
        .post_command(&[
            ("text", "decide hiring plan :: two engineers in Q1"),
            ("channel_id", "G111"),
        ])
        .await;
    assert_eq!(decided.status(), 200);
    wait_for("both open tabs to be published again", || {
        let again = app.slack.homes().len() >= published + 2;
        async move { again }
    })
    .await;
    let homes = app.slack.homes();
    let latest = |user: &str| {
        homes[published..]
            .iter()
            .rev()
            .find(|(for_user, _)| for_user == user)
            .map(|(_, view)| view["blocks"].to_string())
            .unwrap_or_else(|| panic!("{user}'s tab was not published again: {homes:?}"))
    };
    let member = latest("W111");
    assert!(
        member.contains("*Decisions*, newest first\\n• *hiring plan* — two engineers in Q1 ("),
        "{member}"
    );
    assert!(!member.contains("asked once"), "{member}");
    let outsider = latest("W999");
    assert!(
        outsider.contains("*Decisions on “hiring”*"),
        "the search is kept: {outsider}"
    );
    assert!(!outsider.contains("two engineers"), "{outsider}");
    assert!(!outsider.contains("G111"), "{outsider}");
    assert!(
        homes
            .iter()
            .all(|(user, _)| user == "W111" || user == "W999"),
        "only tabs that were opened: {homes:?}"
    );
}

/// The Home tab lists a decision as `/clarity decisions` does: with its
/// reasoning and the decision it replaced.
async fn a_decision_shows_its_reasoning_and_the_one_it_replaced(backend: Backend) {
    let app = spawn_app(backend).await;
    for text in [
        "decide pricing :: one flat price",
        "decide pricing :: three tiers because small teams start cheap",
    ] {
        let response = app.post_command(&[("text", text)]).await;
        assert_eq!(response.status(), 200);
    }
    app.wait_until_idle().await;
    let blocks = open_home(&app, "EvHome", "W111").await;
    let decisions = blocks[2]["text"]["text"].as_str().unwrap_or_default();
    let replaced_at: i64 =
        sqlx::query_scalar("SELECT created_at FROM decisions WHERE superseded_by IS NOT NULL")
            .fetch_one(app.app.store.pool())
            .await
            .expect("the replaced decision");
    let old = clarity_bot::respond::format::recorded_on(replaced_at);
    assert!(
        decisions.starts_with(
            "*Decisions*, newest first\n• *pricing* — three tiers because small teams start cheap ("
        ),
        "{decisions}"
    );
    assert!(
        decisions.contains(&format!(
            " — why: because small teams start cheap ← replaced “one flat price” ({old})"
        )),
        "{decisions}"
    );
    assert!(
        !decisions.contains("\n• *pricing* — one flat price"),
        "{decisions}"
    );
}
