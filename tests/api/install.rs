//! "Add to Slack" for many workspaces (multi-workspace mode): the install
//! link and its `state`, the installation stored with its tokens sealed,
//! each workspace answered with its own token and seeing only its own
//! decisions, token rotation once across replicas, an org-wide Enterprise
//! Grid install, and an uninstall taking the tokens at once.

use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_secret_or_key_reaches_the_log_even_at_debug() {
    no_secret_in_the_log_on_sqlite().await;
}

crate::sqlite_and_postgres! {
    add_to_slack_stores_the_installation_sealed_and_its_events_are_answered_with_its_token => installed_and_answered;
    two_workspaces_interleaved_are_each_answered_with_their_own_token_and_see_only_their_own_decisions => two_workspaces;
    a_missing_mismatched_expired_or_replayed_state_is_refused => bad_states;
    an_event_for_a_workspace_with_no_installation_is_acknowledged_and_dropped => not_installed;
    a_shared_channels_event_listing_another_workspace_is_answered_by_the_installation_slack_lists_for_it => shared_channel_listed;
    a_token_due_for_rotation_is_refreshed_once_by_two_replicas => rotation_once;
    a_refused_refresh_marks_the_installation_for_reinstall_and_stops_its_calls => refused_refresh;
    an_org_wide_installs_events_with_a_null_team_in_authorizations_are_handled => org_wide;
    an_uninstall_deletes_the_tokens_at_once_and_later_events_post_nothing => uninstalled;
    with_one_bot_token_there_is_nothing_to_install => single_workspace;
    the_weekly_digest_runs_per_installation_each_with_its_token_and_its_decisions => digest_per_installation;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

/// A person's ask in `channel`, sent by Slack for an installation in `team`.
fn ask_from(team: &str, event_id: &str, channel: &str, ts: &str) -> String {
    let mut body: Value =
        serde_json::from_str(&message_event(event_id, channel, ts, None, ASK)).expect("json");
    body["team_id"] = json!(team);
    body["event"]["team"] = json!(team);
    body["authorizations"][0]["team_id"] = json!(team);
    body.to_string()
}

/// Installs the app in `team` with bot token `token` (no rotation).
async fn install(app: &TestApp, team: &str, token: &str) {
    let code = format!("code-{team}");
    app.slack
        .grant_install(&code, team, token, &format!("UBOT{team}"), None);
    let page = app.install(&code).await;
    assert_eq!(page.status(), 200);
    let text = page.text().await.expect("a page");
    assert!(text.contains("clarity is installed"), "{text}");
}

/// The token each post in thread `ts` carried.
fn tokens_in_thread(app: &TestApp, ts: &str) -> Vec<String> {
    app.slack
        .calls("chat.postMessage")
        .into_iter()
        .filter(|call| call.body["thread_ts"] == ts)
        .map(|call| call.token.unwrap_or_default())
        .collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.app.store.pool())
        .await
        .expect(sql)
}

async fn installed_and_answered(backend: Backend) {
    let app = spawn_multi(backend).await;
    app.slack.grant_install(
        "code-1",
        "TA",
        "xoxb-a-secret",
        "UBOTA",
        Some(("xoxe-1-a-refresh", 43_200)),
    );

    // The install link: to Slack's consent page with our client id, the
    // scopes and a state, which the browser also keeps in a cookie.
    let (start, state, cookie) = app.start_install().await;
    assert_eq!(start.status(), 302);
    let location = start
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        location.starts_with("https://slack.com/oauth/v2/authorize?"),
        "{location}"
    );
    assert!(
        location.contains(&format!("client_id={CLIENT_ID}")),
        "{location}"
    );
    assert!(location.contains("chat%3Awrite"), "{location}");
    assert!(state.len() >= 32, "{state}");
    assert_eq!(cookie, format!("clarity_install_state={state}"));
    let set_cookie = start
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("Max-Age=600"),
        "{set_cookie}"
    );

    let page = app
        .oauth_redirect(&format!("code=code-1&state={state}"), Some(&cookie))
        .await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("installed in the workspace Slack Softball Team (TA)")
    );
    // oauth.v2.access got the code, the app authenticating with HTTP Basic.
    let exchanges = app.slack.calls("oauth.v2.access");
    assert_eq!(exchanges.len(), 1);
    assert_eq!(exchanges[0].body["code"], "code-1");
    assert!(
        exchanges[0]
            .token
            .as_deref()
            .is_some_and(|auth| auth.starts_with("Basic ")),
        "{:?}",
        exchanges[0].token
    );

    // The row: who and what, and the tokens as ciphertext only.
    let row = sqlx::query_as::<
        _,
        (
            String,
            String,
            i64,
            String,
            String,
            String,
            String,
            String,
            i64,
        ),
    >(
        "SELECT enterprise_id, team_id, org_wide, bot_user_id, scopes, installer_user_id, \
         bot_token, refresh_token, expires_at FROM installations",
    )
    .fetch_one(app.app.store.pool())
    .await
    .expect("one installation");
    let (enterprise, team, org_wide, bot_user, scopes, installer, bot_token, refresh, expires) =
        row;
    assert_eq!(
        (
            enterprise.as_str(),
            team.as_str(),
            org_wide,
            bot_user.as_str()
        ),
        ("", "TA", 0, "UBOTA")
    );
    assert_eq!(
        (scopes.as_str(), installer.as_str()),
        ("chat:write,commands", "U1234")
    );
    for (sealed, plain) in [
        (&bot_token, "xoxb-a-secret"),
        (&refresh, "xoxe-1-a-refresh"),
    ] {
        assert!(sealed.starts_with("v1:"), "{sealed}");
        assert!(
            !sealed.contains(plain) && !sealed.contains("xox"),
            "{sealed}"
        );
    }
    let twelve_hours = now_secs() * 1000 + 43_200_000;
    assert!((expires - twelve_hours).abs() < 60_000, "{expires}");

    // An ask from that workspace is answered in its thread, with its token.
    let response = app
        .post_event(&ask_from("TA", "EvA1", "C111", "1700009000.000100"))
        .await;
    assert_eq!(response.status(), 200);
    app.wait_until_idle().await;
    assert_eq!(
        tokens_in_thread(&app, "1700009000.000100"),
        ["xoxb-a-secret"]
    );
}

async fn two_workspaces(backend: Backend) {
    let app = spawn_multi(backend).await;
    install(&app, "TA", "xoxb-a").await;
    install(&app, "TB", "xoxb-b").await;

    // The same channel id in both workspaces, asks interleaved.
    let bodies: Vec<String> = (0..6)
        .map(|i| {
            let team = if i % 2 == 0 { "TA" } else { "TB" };
            ask_from(
                team,
                &format!("EvMix{i}"),
                &format!("C{i}"),
                &format!("1700009100.00000{i}"),
            )
        })
        .collect();
    send_all(&app, &bodies).await;
    app.wait_until_idle().await;
    for i in 0..6 {
        let token = if i % 2 == 0 { "xoxb-a" } else { "xoxb-b" };
        assert_eq!(
            tokens_in_thread(&app, &format!("1700009100.00000{i}")),
            [token],
            "ask {i}"
        );
    }

    // A decision recorded in TA's C111 is TA's only.
    let decide = app
        .post_command(&[
            ("team_id", "TA"),
            ("channel_id", "C111"),
            ("text", "decide pricing :: three tiers"),
        ])
        .await;
    assert_eq!(decide.status(), 200);
    app.wait_until_idle().await;
    let list = |team: &'static str| {
        let app = &app;
        async move {
            let answer: Value = app
                .post_command(&[
                    ("team_id", team),
                    ("channel_id", "C111"),
                    ("text", "decisions"),
                ])
                .await
                .json()
                .await
                .expect("JSON");
            answer["text"].as_str().unwrap_or_default().to_string()
        }
    };
    assert!(list("TA").await.contains("three tiers"));
    assert!(!list("TB").await.contains("three tiers"));
    // Whatever the decision posted went out with TA's token only.
    assert!(
        app.slack
            .calls("chat.postMessage")
            .iter()
            .filter(|call| call.body.to_string().contains("three tiers"))
            .all(|call| call.token.as_deref() == Some("xoxb-a"))
    );
}

async fn bad_states(backend: Backend) {
    let app = spawn_multi(backend).await;
    app.slack
        .grant_install("code-ok", "TA", "xoxb-a", "UBOTA", None);
    let refused = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 400);
        let text = response.text().await.expect("page");
        assert!(text.contains("was not installed"), "{text}");
        assert!(text.contains("start again"), "{text}");
    };

    // No state, or no cookie, or another browser's cookie.
    let (_, state, cookie) = app.start_install().await;
    refused(app.oauth_redirect("code=code-ok", Some(&cookie)).await).await;
    refused(
        app.oauth_redirect(&format!("code=code-ok&state={state}"), None)
            .await,
    )
    .await;
    let (_, other_state, _) = app.start_install().await;
    refused(
        app.oauth_redirect(&format!("code=code-ok&state={other_state}"), Some(&cookie))
            .await,
    )
    .await;
    // A state that expired (issued more than ten minutes ago).
    let now = now_secs() * 1000;
    app.app
        .store
        .save_oauth_state("expired-state", now - 1, now - 600_001)
        .await
        .expect("stored");
    refused(
        app.oauth_redirect(
            "code=code-ok&state=expired-state",
            Some("clarity_install_state=expired-state"),
        )
        .await,
    )
    .await;
    assert!(app.slack.calls("oauth.v2.access").is_empty());

    // A good one works once; the same again is refused.
    let (_, state, cookie) = app.start_install().await;
    let query = format!("code=code-ok&state={state}");
    assert_eq!(
        app.oauth_redirect(&query, Some(&cookie)).await.status(),
        200
    );
    refused(app.oauth_redirect(&query, Some(&cookie)).await).await;
    assert_eq!(app.slack.calls("oauth.v2.access").len(), 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM installations").await, 1);

    // Declined in Slack: nothing installed, said so.
    let (_, state, cookie) = app.start_install().await;
    let declined = app
        .oauth_redirect(&format!("error=access_denied&state={state}"), Some(&cookie))
        .await;
    assert_eq!(declined.status(), 400);
    assert!(declined.text().await.expect("page").contains("declined"));
}

async fn not_installed(backend: Backend) {
    let app = spawn_multi(backend).await;
    install(&app, "TA", "xoxb-a").await;
    let foreign = ask_from("TZ", "EvForeign", "C111", "1700009200.000100");
    assert_eq!(app.post_event(&foreign).await.status(), 200, "acknowledged");
    let home = ask_from("TA", "EvHome", "C111", "1700009200.000200");
    assert_eq!(app.post_event(&home).await.status(), 200);
    app.wait_until_idle().await;
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT event_id FROM events UNION ALL SELECT event_id FROM seen_events ORDER BY 1",
    )
    .fetch_all(app.app.store.pool())
    .await
    .expect("events");
    assert_eq!(stored, ["EvHome"]);
    assert_eq!(app.slack.tokens("chat.postMessage"), ["xoxb-a"]);
}

/// An ask in a channel shared between workspaces, listed for `listed`
/// only, with the `event_context` Slack gives for the full list.
fn shared_ask(listed: &str, event_id: &str, ts: &str, context: &str) -> String {
    let mut body: Value =
        serde_json::from_str(&ask_from(listed, event_id, "C777", ts)).expect("json");
    body["is_ext_shared_channel"] = json!(true);
    body["event_context"] = json!(context);
    body.to_string()
}

async fn shared_channel_listed(backend: Backend) {
    // Without an app token the bot cannot ask who else sees the event.
    let plain = spawn_multi(backend).await;
    install(&plain, "TA", "xoxb-a").await;
    plain.slack.authorize_event("EC-1", &["TZ", "TA"]);
    let event = shared_ask("TZ", "EvShared", "1700009300.000100", "EC-1");
    assert_eq!(plain.post_event(&event).await.status(), 200);
    plain.wait_until_idle().await;
    assert_eq!(plain.slack.tokens("chat.postMessage"), Vec::<String>::new());
    assert!(
        plain
            .slack
            .calls("apps.event.authorizations.list")
            .is_empty()
    );

    // With one, Slack's full list names TA, installed: TA answers.
    let app = spawn_multi_with_app_token(backend).await;
    install(&app, "TA", "xoxb-a").await;
    app.slack.authorize_event("EC-1", &["TZ", "TA"]);
    assert_eq!(app.post_event(&event).await.status(), 200);
    app.wait_until_idle().await;
    assert_eq!(
        app.slack.tokens("apps.event.authorizations.list"),
        ["xapp-1-test-app-token"]
    );
    assert_eq!(app.slack.tokens("chat.postMessage"), ["xoxb-a"]);
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["channel"], "C777");
    let teams: Vec<String> = sqlx::query_scalar("SELECT team_id FROM flags")
        .fetch_all(app.app.store.pool())
        .await
        .expect("flags");
    assert_eq!(teams, ["TA"]);

    // An event Slack cannot list for is acknowledged and dropped.
    let unknown = shared_ask("TZ", "EvUnknown", "1700009300.000200", "EC-unknown");
    assert_eq!(app.post_event(&unknown).await.status(), 200);
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);
}

/// Installs TA with rotation on: its token expires in five minutes, within
/// the refresh margin, so the next call refreshes it first.
async fn install_rotating(app: &TestApp) {
    app.slack.grant_install(
        "code-rot",
        "TA",
        "xoxb-old",
        "UBOTA",
        Some(("xoxe-1-first", 300)),
    );
    assert_eq!(app.install("code-rot").await.status(), 200);
}

async fn rotation_once(backend: Backend) {
    let first = spawn_multi(backend).await;
    let second = spawn_multi_on(first.db.clone(), first.slack.clone()).await;
    install_rotating(&first).await;
    first
        .slack
        .grant_refresh("xoxe-1-first", "TA", "xoxb-new", "xoxe-1-second", 43_200);

    // Both replicas need TA's token at once.
    let (a, b) = tokio::join!(first.app.workspace("TA"), second.app.workspace("TA"));
    assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    let refreshes: Vec<_> = first
        .slack
        .calls("oauth.v2.access")
        .into_iter()
        .filter(|call| call.body["grant_type"] == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert_eq!(refreshes[0].body["refresh_token"], "xoxe-1-first");

    // Events on either replica are answered with the new token.
    send_all(&first, &[ask_from("TA", "EvR1", "C1", "1700009300.000001")]).await;
    send_all(
        &second,
        &[ask_from("TA", "EvR2", "C2", "1700009300.000002")],
    )
    .await;
    first.wait_until_idle().await;
    second.wait_until_idle().await;
    assert_eq!(
        first.slack.tokens("chat.postMessage"),
        ["xoxb-new", "xoxb-new"]
    );
    let expires: i64 = count(&first, "SELECT expires_at FROM installations").await;
    assert!(expires > now_secs() * 1000 + 40_000_000, "{expires}");
}

async fn refused_refresh(backend: Backend) {
    let app = spawn_multi(backend).await;
    install_rotating(&app).await;
    // Slack knows no refresh token for it (revoked, or used elsewhere).
    send_all(&app, &[ask_from("TA", "EvR", "C1", "1700009400.000001")]).await;
    wait_for("the installation marked for reinstall", || async {
        count(&app, "SELECT needs_reinstall FROM installations").await == 1
    })
    .await;
    app.wait_until_idle().await;
    assert!(app.slack.posts().is_empty(), "{:?}", app.slack.posts());
    assert!(matches!(
        app.app.workspace("TA").await,
        Err(clarity_bot::workspaces::NotServed::NeedsReinstall)
    ));
    // Installed again: served again.
    app.slack
        .grant_install("code-again", "TA", "xoxb-again", "UBOTA", None);
    assert_eq!(app.install("code-again").await.status(), 200);
    send_all(&app, &[ask_from("TA", "EvR2", "C2", "1700009400.000002")]).await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.tokens("chat.postMessage"), ["xoxb-again"]);
}

async fn org_wide(backend: Backend) {
    let app = spawn_multi(backend).await;
    // Slack's answer for an org-wide install: no team, the organization.
    let mut answer = fixture_json("oauth_v2_access.json");
    answer["team"] = Value::Null;
    answer["enterprise"]["id"] = json!("E111");
    answer["is_enterprise_install"] = json!(true);
    answer["access_token"] = json!("xoxb-org");
    answer["bot_user_id"] = json!("UBOTORG");
    app.slack.grant("code-org", answer);
    let page = app.install("code-org").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("the organization slack-sports (E111)")
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM installations WHERE enterprise_id = 'E111' AND team_id = '' AND org_wide = 1"
        )
        .await,
        1
    );

    // Slack's own org-wide event (authorizations[0].team_id is null),
    // opened on the Home tab: published with the organization's token.
    let mut opened = fixture_json("events_app_home_opened.json");
    opened["event"]["tab"] = json!("home");
    assert_eq!(app.post_event(&opened.to_string()).await.status(), 200);
    // An ask in a workspace of the organization, delivered the same way.
    let mut ask: Value = serde_json::from_str(&message_event(
        "EvOrgAsk",
        "C111",
        "1700009500.000100",
        None,
        ASK,
    ))
    .expect("json");
    ask["authorizations"] = opened["authorizations"].clone();
    assert_eq!(app.post_event(&ask.to_string()).await.status(), 200);
    app.wait_until_idle().await;
    wait_for("the Home tab published", || async {
        !app.slack.calls("views.publish").is_empty()
    })
    .await;
    assert_eq!(app.slack.tokens("views.publish"), ["xoxb-org"]);
    assert_eq!(tokens_in_thread(&app, "1700009500.000100"), ["xoxb-org"]);
    // Its data is the workspace's (T111), as for any other install.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM flags WHERE team_id = 'T111'").await,
        1
    );

    // A command from another workspace of the organization, before any of
    // its events: answered with the organization's token too.
    let mute = app
        .post_command(&[
            ("team_id", "T222"),
            ("enterprise_id", "E111"),
            ("channel_id", "C222"),
            ("text", "mute 30m"),
        ])
        .await;
    assert_eq!(mute.status(), 200);
    app.wait_until_idle().await;
    let lines: Vec<_> = app
        .slack
        .calls("chat.postMessage")
        .into_iter()
        .filter(|call| call.body["channel"] == "C222")
        .map(|call| call.token.unwrap_or_default())
        .collect();
    assert_eq!(lines, ["xoxb-org"]);

    // Uninstalled from the organization (an org-wide envelope): the
    // organization's tokens go at once, and nothing more is posted.
    let mut uninstall = opened.clone();
    uninstall["event_id"] = json!("EvOrgGone");
    uninstall["event"] = fixture_json("event_only_app_uninstalled.json");
    assert_eq!(app.post_event(&uninstall.to_string()).await.status(), 200);
    wait_for("the organization's tokens gone", || async {
        count(&app, "SELECT COUNT(*) FROM installations").await == 0
    })
    .await;
    let posted = app.slack.posts().len();
    let mut again = ask.clone();
    again["event_id"] = json!("EvOrgAfter");
    again["event"]["ts"] = json!("1700009500.000200");
    assert_eq!(app.post_event(&again.to_string()).await.status(), 200);
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), posted);
}

async fn uninstalled(backend: Backend) {
    let app = spawn_multi(backend).await;
    install(&app, "TA", "xoxb-a").await;
    install(&app, "TB", "xoxb-b").await;
    send_all(&app, &[ask_from("TA", "EvU1", "C1", "1700009600.000001")]).await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.posts().len(), 1);

    let mut uninstall: Value = serde_json::from_str(&wrap_event(
        "EvGone",
        fixture_json("event_only_app_uninstalled.json"),
    ))
    .expect("json");
    uninstall["team_id"] = json!("TA");
    uninstall["authorizations"][0]["team_id"] = json!("TA");
    assert_eq!(app.post_event(&uninstall.to_string()).await.status(), 200);
    wait_for("TA's tokens gone", || async {
        count(
            &app,
            "SELECT COUNT(*) FROM installations WHERE team_id = 'TA'",
        )
        .await
            == 0
    })
    .await;
    app.wait_until_idle().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM flags WHERE team_id = 'TA'").await,
        0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM installations").await,
        1,
        "TB's stays"
    );

    // TA's events now post nothing; TB is still answered.
    send_all(
        &app,
        &[
            ask_from("TA", "EvU2", "C2", "1700009600.000002"),
            ask_from("TB", "EvU3", "C3", "1700009600.000003"),
        ],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.tokens("chat.postMessage"), ["xoxb-a", "xoxb-b"]);
}

async fn single_workspace(backend: Backend) {
    let app = spawn_app(backend).await;
    let (response, _, cookie) = app.start_install().await;
    assert_eq!(response.status(), 404);
    assert!(cookie.is_empty());
    assert!(
        response
            .text()
            .await
            .expect("page")
            .contains("serves one workspace")
    );
}

async fn digest_per_installation(backend: Backend) {
    let app = spawn_multi(backend).await;
    install(&app, "TA", "xoxb-a").await;
    install(&app, "TB", "xoxb-b").await;
    let recorded = jiff::civil::date(2025, 10, 14)
        .at(9, 0, 0, 0)
        .in_tz("UTC")
        .expect("a time")
        .timestamp()
        .as_millisecond();
    for (team, topic) in [("TA", "pricing tiers"), ("TB", "hiring plan")] {
        sqlx::query(
            "INSERT INTO decisions (team_id, channel_id, topic, decision, owner, recorded_by, \
             created_at, channel_private) VALUES ($1, 'C111', $2, 'we go with it', 'U1', 'U1', $3, 0)",
        )
        .bind(team)
        .bind(topic)
        .bind(recorded)
        .execute(app.app.store.pool())
        .await
        .expect("a decision");
    }
    // Monday 20 October 2025, 09:05 UTC: last week's digests are due.
    let monday = recorded + 6 * 86_400_000 + 5 * 60_000;
    let queued = clarity_bot::digest::job::run_due(&app.app, monday)
        .await
        .expect("the digest step");
    assert_eq!(queued, 2);
    app.wait_until_idle().await;
    let digests: Vec<(String, String)> = app
        .slack
        .calls("chat.postMessage")
        .into_iter()
        .map(|call| (call.token.unwrap_or_default(), call.body.to_string()))
        .collect();
    assert_eq!(digests.len(), 2, "{digests:?}");
    for (token, body) in &digests {
        let (own, other) = if token == "xoxb-a" {
            ("pricing tiers", "hiring plan")
        } else {
            assert_eq!(token, "xoxb-b");
            ("hiring plan", "pricing tiers")
        };
        assert!(
            body.contains(own) && !body.contains(other),
            "{token}: {body}"
        );
    }
    // Each workspace's links point into it, as its own auth.test says.
    let mut identified = app.slack.tokens("auth.test");
    identified.sort();
    assert_eq!(identified, ["xoxb-a", "xoxb-b"]);
}

/// The deployed binary in multi-workspace mode, logging at debug: an
/// install with rotation, a refresh, an answered ask. Its log names none
/// of the tokens, the client secret or the key.
async fn no_secret_in_the_log_on_sqlite() {
    let db = TestDb::create(Backend::Sqlite).await;
    let slack = FakeSlack::start().await;
    slack.grant_install(
        "code-log",
        "TA",
        "xoxb-log-bot-secret",
        "UBOTA",
        Some(("xoxe-1-log-refresh-secret", 300)),
    );
    slack.grant_refresh(
        "xoxe-1-log-refresh-secret",
        "TA",
        "xoxb-log-rotated-secret",
        "xoxe-1-log-next-secret",
        43_200,
    );
    let port = crate::resilience::free_port();
    let log = db.dir.path().join("bot.log");
    let _bot = crate::resilience::bot_command(&db, &slack, port, "debug")
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_APP_TOKEN")
        .env("SLACK_CLIENT_ID", CLIENT_ID)
        .env("SLACK_CLIENT_SECRET", CLIENT_SECRET)
        .env("CLARITY_TOKEN_KEY", TOKEN_KEY)
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .map(crate::resilience::Bot)
        .expect("the binary starts");
    let base = format!("http://127.0.0.1:{port}");
    crate::resilience::wait_ready(port).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let start = browser
        .get(format!("{base}/slack/install"))
        .send()
        .await
        .expect("reaches the bot");
    let location = start
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| reqwest::Url::parse(v).ok())
        .expect("a way to Slack");
    let state = location
        .query_pairs()
        .find(|(key, _)| key == "state")
        .map(|(_, value)| value.into_owned())
        .expect("a state");
    let page = browser
        .get(format!(
            "{base}/slack/oauth_redirect?code=code-log&state={state}"
        ))
        .header("cookie", format!("clarity_install_state={state}"))
        .send()
        .await
        .expect("reaches the bot");
    assert_eq!(page.status(), 200);

    let body = ask_from("TA", "EvLog", "C111", "1700009700.000100");
    let response = crate::resilience::post_event_to(port, body).await;
    assert_eq!(response.status(), 200);
    wait_for("the ask answered with the rotated token", || async {
        slack.tokens("chat.postMessage") == ["xoxb-log-rotated-secret"]
    })
    .await;

    let text = std::fs::read_to_string(&log).expect("the log");
    assert!(
        text.contains("refreshed the installation's bot token"),
        "{text}"
    );
    for secret in [
        "log-bot-secret",
        "log-refresh-secret",
        "log-rotated-secret",
        "log-next-secret",
        CLIENT_SECRET,
        TOKEN_KEY,
    ] {
        assert!(!text.contains(secret), "the log shows {secret}");
    }
}
