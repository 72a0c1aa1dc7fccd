//! Benchmark of what the ack path does to an event before acknowledging it:
//! decoding Slack's inner `event` into our [`Incoming`] (the pipeline's
//! type, stored in the inbox) and serializing that for the inbox row.
//! For comparison, the same event through slack-morphism's full parse,
//! which the decoder used to run before every acknowledgement.
//!
//! `cargo bench --bench ingress`.
//!
//! [`Incoming`]: clarity_bot::domain::Incoming

use clarity_bot::ingress::decode;
use criterion::{Criterion, criterion_group, criterion_main};
use slack_morphism::prelude::SlackEventCallbackBody;
use std::hint::black_box;

/// The inner events of Slack's own payloads: a message with blocks (what
/// Slack sends today), an edit, and a file share.
fn events() -> Vec<String> {
    [
        "events_message.json",
        "events_message_changed.json",
        "events_message_file_share.json",
    ]
    .iter()
    .map(|name| {
        let path = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
        let body: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
        body["event"].to_string()
    })
    .collect()
}

fn bench(c: &mut Criterion) {
    let events = events();
    let mut group = c.benchmark_group("ack path");
    group.bench_function("decode and serialize (3 events)", |b| {
        b.iter(|| {
            for event in &events {
                let incoming = decode::from_json(black_box(event), "T111", "UBOT");
                black_box(serde_json::to_string(&incoming).expect("serializes"));
            }
        })
    });
    group.bench_function("slack-morphism's parse alone (3 events)", |b| {
        b.iter(|| {
            for event in &events {
                let parsed: Result<SlackEventCallbackBody, _> =
                    serde_json::from_str(black_box(event));
                black_box(parsed.is_ok());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
