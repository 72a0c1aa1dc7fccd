//! The decision log is consulted only for an alignment request: on every
//! text of every corpus (threads included), judged against a log of every
//! corpus decision, a verdict that is not an alignment request without the
//! log is the same verdict with it. The pipeline relies on this to judge
//! most messages without reading the channel's log.

use clarity_bot::classify::{Classifier, Context, DecisionIndex};
use clarity_bot::domain::Kind;

#[path = "support/corpus.rs"]
mod corpus;

#[test]
fn only_an_alignment_request_reads_the_log() {
    let classifier = Classifier::builtin();
    let items = corpus::items();
    let mut log = DecisionIndex::new();
    for (id, text) in items
        .iter()
        .filter(|item| item.label == "decision")
        .map(|item| &item.text)
        .enumerate()
    {
        let topic = classifier
            .assess(text, &Context::default())
            .topic
            .unwrap_or_else(|| {
                text.split_whitespace()
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" ")
            });
        log.insert(i64::try_from(id).expect("fits"), &topic, text);
    }
    let (mut asks_answered, mut others) = (0, 0);
    for item in &items {
        let (text, thread) = (&item.text, &item.thread);
        let unlogged = classifier.assess(
            text,
            &Context {
                thread,
                log: None,
                recent_since: None,
            },
        );
        let logged = classifier.assess(
            text,
            &Context {
                thread,
                log: Some(&log),
                recent_since: None,
            },
        );
        if unlogged.kind == Kind::AlignmentRequest {
            asks_answered += usize::from(logged.decided_by != unlogged.decided_by);
        } else {
            others += 1;
            assert_eq!(unlogged, logged, "the log changed the verdict on {text:?}");
        }
    }
    assert!(others > 3_000, "{others} texts that are not asks");
    // The log does answer asks, so the comparison above is not vacuous.
    assert!(
        asks_answered > 50,
        "{asks_answered} asks answered by the log"
    );
}
