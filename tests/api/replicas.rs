//! Several replicas on one PostgreSQL database behave exactly like one bot:
//! Slack's retries may reach either, a burst is split across both, and the
//! noise policy holds across them.

use crate::helpers::*;
use serde_json::{Value, json};
use std::collections::HashMap;

crate::postgres_only! {
    the_same_events_delivered_to_both_replicas_produce_exactly_one_reply_each => same_events_on_both;
    a_burst_split_across_two_replicas_gets_one_reply_per_premature_ask => burst_split_across_both;
    two_asks_in_one_channel_on_two_replicas_at_once_get_one_reply_within_the_cool_down => cool_down_across_replicas;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

/// Two bots on one fresh schema, sharing one fake Slack.
async fn two_replicas() -> (TestApp, TestApp) {
    let first = spawn_app(Backend::Postgres).await;
    let second = spawn_on(first.db.clone(), first.slack.clone(), "").await;
    (first, second)
}

/// A person's message (`user`) as Slack would send it.
fn message_from(event_id: &str, channel: &str, ts: &str, user: &str, text: &str) -> String {
    let mut body: Value =
        serde_json::from_str(&message_event(event_id, channel, ts, None, text)).expect("json");
    body["event"]["user"] = json!(user);
    body.to_string()
}

/// How many replies each thread got.
fn replies_per_thread(slack: &FakeSlack) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for post in slack.posts() {
        let thread = post["thread_ts"].as_str().unwrap_or_default().to_string();
        *counts.entry(thread).or_insert(0) += 1;
    }
    counts
}

async fn same_events_on_both() {
    let (first, second) = two_replicas().await;
    let bodies: Vec<String> = (0..20)
        .map(|i| {
            message_from(
                &format!("EvBoth{i}"),
                &format!("C7{i:02}"),
                &format!("1700002000.{i:06}"),
                &format!("U7{i:02}"),
                ASK,
            )
        })
        .collect();
    // Each event reaches both replicas at once, as a retry may.
    let deliveries = bodies
        .iter()
        .flat_map(|body| [first.post_event(body), second.post_event(body)]);
    for response in futures::future::join_all(deliveries).await {
        assert_eq!(response.status(), 200, "acknowledged by either replica");
    }
    first.wait_until_idle().await;
    second.wait_until_idle().await;
    let counts = replies_per_thread(&first.slack);
    assert_eq!(counts.len(), 20, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    // Worked events leave the inbox; their ids stay in seen_events.
    let events = sqlx::query_scalar::<_, i64>(
        "SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM seen_events)",
    )
    .fetch_one(first.app.store.pool())
    .await
    .expect("query");
    assert_eq!(events, 20, "each event stored once");
}

async fn burst_split_across_both() {
    let (first, second) = two_replicas().await;
    let mut asks = Vec::new();
    let bodies: Vec<String> = (0..1000)
        .map(|i| {
            let ts = format!("1700003000.{i:06}");
            let text = if i % 2 == 0 {
                asks.push(ts.clone());
                ASK
            } else {
                "lunch at 12:30? the taco place on 5th"
            };
            message_from(
                &format!("EvBurst{i}"),
                &format!("C8{i:04}"),
                &ts,
                &format!("U8{i:04}"),
                text,
            )
        })
        .collect();
    let deliveries = bodies.iter().enumerate().map(|(i, body)| {
        // Every third event to the first replica: asks and chat reach both.
        let replica = if i % 3 == 0 { &first } else { &second };
        replica.post_event(body)
    });
    for response in futures::future::join_all(deliveries).await {
        assert_eq!(response.status(), 200, "acknowledged");
    }
    first.wait_until_idle().await;
    second.wait_until_idle().await;
    let counts = replies_per_thread(&first.slack);
    assert!(
        counts.values().all(|&n| n == 1),
        "a reply posted twice: {counts:?}"
    );
    let mut replied: Vec<String> = counts.into_keys().collect();
    replied.sort();
    assert_eq!(replied, asks, "one reply per premature ask, none for chat");
}

async fn cool_down_across_replicas() {
    let (first, second) = two_replicas().await;
    // Per channel, two asks in two threads by two people, one per replica.
    let pairs: Vec<(String, String)> = (0..15)
        .map(|i| {
            let channel = format!("C9{i:02}");
            (
                message_from(
                    &format!("EvCoolA{i}"),
                    &channel,
                    &format!("1700004000.{i:06}"),
                    &format!("U9{i:02}"),
                    ASK,
                ),
                message_from(
                    &format!("EvCoolB{i}"),
                    &channel,
                    &format!("1700004001.{i:06}"),
                    &format!("U9{i:02}b"),
                    ASK,
                ),
            )
        })
        .collect();
    let deliveries = pairs
        .iter()
        .flat_map(|(a, b)| [first.post_event(a), second.post_event(b)]);
    for response in futures::future::join_all(deliveries).await {
        assert_eq!(response.status(), 200, "acknowledged");
    }
    first.wait_until_idle().await;
    second.wait_until_idle().await;
    let mut per_channel: HashMap<String, usize> = HashMap::new();
    for post in first.slack.posts() {
        let channel = post["channel"].as_str().unwrap_or_default().to_string();
        *per_channel.entry(channel).or_insert(0) += 1;
    }
    assert_eq!(per_channel.len(), 15, "{per_channel:?}");
    assert!(
        per_channel.values().all(|&n| n == 1),
        "the channel cool-down held across replicas: {per_channel:?}"
    );
}
