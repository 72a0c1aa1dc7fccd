//! The HTTP edge: signatures, the timestamp window, malformed and oversized
//! bodies, url_verification, unknown events, health and metrics.

use crate::helpers::*;

crate::sqlite_and_postgres! {
    url_verification_answers_its_challenge => url_verification_answers_its_challenge;
    a_wrong_signature_is_refused_with_401 => a_wrong_signature_is_refused_with_401;
    a_stale_timestamp_is_refused_with_401 => a_stale_timestamp_is_refused_with_401;
    malformed_json_is_refused_with_400 => malformed_json_is_refused_with_400;
    an_oversized_body_is_refused_with_413 => an_oversized_body_is_refused_with_413;
    an_unknown_event_type_and_an_org_wide_install_are_acknowledged_and_ignored => an_unknown_event_type_and_an_org_wide_install_are_acknowledged_and_ignored;
    health_readiness_and_metrics_answer => health_readiness_and_metrics_answer;
    a_malformed_message_event_is_acknowledged_counted_and_not_answered => a_malformed_message_event_is_acknowledged_counted_and_not_answered;
    an_event_an_earlier_version_stored_as_slacks_json_is_answered_after_the_upgrade => an_event_an_earlier_version_stored_as_slacks_json_is_answered_after_the_upgrade;
}
use hmac::{Hmac, Mac};
use sha2::Sha256;

#[test]
fn the_documented_slack_signing_example_verifies() {
    let example = fixture_json("signing_example.json");
    let field = |name: &str| example[name].as_str().expect("string field").to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(field("signing_secret").as_bytes()).expect("key");
    mac.update(format!("v0:{}:{}", field("timestamp"), field("body")).as_bytes());
    let signature = format!("v0={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(signature, field("signature"));
    // The harness signs requests the same way.
    assert_eq!(
        sign(
            &field("signing_secret"),
            &field("timestamp"),
            &field("body")
        ),
        field("signature")
    );
}

async fn url_verification_answers_its_challenge(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = fixture("events_url_verification.json");
    let challenge = fixture_json("events_url_verification.json")["challenge"]
        .as_str()
        .expect("challenge")
        .to_string();
    let response = app.post_event(&body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), challenge);
}

async fn a_wrong_signature_is_refused_with_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = fixture("events_message.json");
    let timestamp = now_secs().to_string();
    let forged = sign("another-secret", &timestamp, &body);
    let response = app
        .post_signed("/slack/events", &body, &timestamp, &forged, &[])
        .await;
    assert_eq!(response.status(), 401);
    let unsigned = http()
        .post(format!("{}/slack/events", app.address))
        .body(body.clone())
        .send()
        .await
        .expect("reaches the bot");
    assert_eq!(unsigned.status(), 401);
    app.wait_until_idle().await;
    assert_eq!(app.app.store.inbox_depth().await.expect("depth"), 0);
}

async fn a_stale_timestamp_is_refused_with_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = fixture("events_message.json");
    let timestamp = (now_secs() - 6 * 60).to_string();
    let signature = sign(SIGNING_SECRET, &timestamp, &body);
    let response = app
        .post_signed("/slack/events", &body, &timestamp, &signature, &[])
        .await;
    assert_eq!(response.status(), 401);
}

async fn malformed_json_is_refused_with_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.post_event("{\"type\": \"event_callback\", ").await;
    assert_eq!(response.status(), 400);
}

async fn an_oversized_body_is_refused_with_413(backend: Backend) {
    // A small limit, so the whole body is sent before the early answer and
    // the 413 is what comes back, not a connection reset mid-upload.
    let app = spawn_app_with(backend, "[server]\nmax_body_bytes = 4096\n").await;
    let text = "x".repeat(8 * 1024);
    let body = message_event("EvBig", "C111", "1700000001.000100", None, &text);
    let response = app.post_event(&body).await;
    assert_eq!(response.status(), 413);
}

async fn an_unknown_event_type_and_an_org_wide_install_are_acknowledged_and_ignored(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let mut body = fixture_json("events_message.json");
    body["event"]["type"] = serde_json::json!("reaction_added");
    body["event_id"] = serde_json::json!("EvUnknown");
    assert_eq!(app.post_event(&body.to_string()).await.status(), 200);
    // slack-morphism cannot parse this one (authorizations[].team_id is null).
    assert_eq!(
        app.post_event(&fixture("events_app_home_opened.json"))
            .await
            .status(),
        200
    );
    app.wait_until_idle().await;
    assert!(app.slack.posts().is_empty());
}

async fn health_readiness_and_metrics_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body = message_event(
        "EvMetrics",
        "C111",
        "1700000002.000100",
        None,
        "lunch at noon?",
    );
    assert_eq!(app.post_event(&body).await.status(), 200);
    app.wait_until_idle().await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("body");
    for name in [
        "clarity_events_received_total",
        "clarity_ack_seconds_bucket",
        "clarity_inbox_depth",
        "clarity_outbox_depth",
        "clarity_slack_calls_total",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics:\n{text}");
    }
}

async fn a_malformed_message_event_is_acknowledged_counted_and_not_answered(backend: Backend) {
    let app = spawn_app(backend).await;
    // A message whose channel is a number: not Slack's shape.
    let mut body = fixture_json("events_message.json");
    body["event_id"] = serde_json::json!("EvMalformed");
    body["event"]["channel"] = serde_json::json!(12345);
    body["event"]["text"] =
        serde_json::json!("before we go further we need to get aligned on the Q3 roadmap");
    assert_eq!(app.post_event(&body.to_string()).await.status(), 200);
    app.wait_until_idle().await;
    assert!(app.slack.posts().is_empty());
    // Worked off, not retried: deleted, its id remembered.
    let pool = app.app.store.pool();
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE event_id = 'EvMalformed'")
            .fetch_one(pool)
            .await
            .expect("count");
    let seen: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM seen_events WHERE event_id = 'EvMalformed'")
            .fetch_one(pool)
            .await
            .expect("count");
    assert_eq!((pending, seen), (0, 1));
    let metrics = app.get("/metrics").await.text().await.expect("body");
    assert!(
        metrics.contains("clarity_events_malformed_total{kind=\"message\"}"),
        "{metrics}"
    );
}

async fn an_event_an_earlier_version_stored_as_slacks_json_is_answered_after_the_upgrade(
    backend: Backend,
) {
    let db = TestDb::create(backend).await;
    let store = clarity_bot::store::Store::connect(&secrecy::SecretString::from(db.url.clone()), 1)
        .await
        .expect("the store opens");
    // What earlier versions stored: the inner event as Slack sent it.
    let body: serde_json::Value = serde_json::from_str(&message_event(
        "EvLegacy",
        "C111",
        "1700000100.000100",
        None,
        "before we go further we need to get aligned on the Q3 roadmap",
    ))
    .expect("json");
    let legacy = clarity_bot::store::NewEvent {
        team_id: TEAM.into(),
        event_id: "EvLegacy".into(),
        payload: body["event"].to_string(),
    };
    store
        .insert_events(&[legacy], now_secs() * 1000)
        .await
        .expect("stored");
    drop(store);
    let app = spawn_on(db, FakeSlack::start().await, "").await;
    app.wait_until_idle().await;
    let posts = app.slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0]["thread_ts"], "1700000100.000100");
}
