//! The decision log is consulted only for an alignment request: on every
//! text of every corpus (threads included), judged against a log of every
//! corpus decision, a verdict that is not an alignment request without the
//! log is the same verdict with it. The pipeline relies on this to judge
//! most messages without reading the channel's log.

use clarity_bot::classify::{Classifier, Context, DecisionIndex};
use clarity_bot::domain::Kind;
use clarity_bot::evaluate::parse_corpus;
use std::path::PathBuf;

fn corpus_items() -> Vec<(String, String, Vec<String>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["real", "written", "lockbox"]
        .iter()
        .map(|n| root.join(format!("data/corpus/{n}.jsonl")))
        .collect();
    if let Some(dir) = std::env::var_os("CLARITY_CORPUS_DIR") {
        let dir = PathBuf::from(dir);
        files.push(dir.join("dev.jsonl"));
        files.push(dir.join("dev-real.jsonl"));
    }
    let mut items = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for item in parse_corpus(&text).expect("the corpus parses") {
            items.push((item.text, item.label, item.thread));
        }
    }
    items
}

#[test]
fn only_an_alignment_request_reads_the_log() {
    let classifier = Classifier::builtin();
    let items = corpus_items();
    let mut log = DecisionIndex::new();
    for (id, (text, _, _)) in items.iter().filter(|(_, l, _)| l == "decision").enumerate() {
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
    for (text, _, thread) in &items {
        let unlogged = classifier.assess(text, &Context { thread, log: None });
        let logged = classifier.assess(
            text,
            &Context {
                thread,
                log: Some(&log),
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
