//! Criterion benchmarks for the classifier:
//! - `assess/corpus-texts`: messages assessed per second on one core over the
//!   texts of both dev corpora (target ≥ 300,000/s);
//! - `assess/chat-lines`: the same on ordinary channel chat (the load
//!   generator's chat templates), which is most of what a bot sees;
//! - `assess/stream`: a realistic stream, each corpus text followed by nine
//!   chat lines (target ≥ 1,000,000/s);
//! - `lookup/100k-decisions`: one decision-log lookup with 100,000 logged
//!   decisions (target ≤ 20 µs).
//!
//! Run with `cargo bench --bench classify`.

use clarity_bot::classify::{Classifier, Context, DecisionIndex};
use clarity_bot::evaluate::parse_corpus;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn corpus_texts() -> Vec<String> {
    let mut texts = Vec::new();
    for name in ["dev.jsonl", "dev-real.jsonl"] {
        // The shared corpus folder (`CLARITY_CORPUS_DIR`, else beside the checkout).
        let dir = std::env::var("CLARITY_CORPUS_DIR")
            .unwrap_or_else(|_| format!("{}/../shared/corpus", env!("CARGO_MANIFEST_DIR")));
        let path = format!("{dir}/{name}");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}; set CLARITY_CORPUS_DIR"));
        texts.extend(
            parse_corpus(&text)
                .expect("corpus parses")
                .into_iter()
                .map(|i| i.text),
        );
    }
    texts
}

fn assess(c: &mut Criterion) {
    let classifier = Classifier::builtin();
    let texts = corpus_texts();
    let mut group = c.benchmark_group("assess");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("corpus-texts", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(classifier.assess(black_box(text), &Context::default()));
            }
        });
    });
    let chat: Vec<String> = CHAT
        .iter()
        .flat_map(|t| {
            ["billing", "search-api", "ingest"].iter().map(move |s| {
                t.replace("{s}", s)
                    .replace("{t}", "the Q3 roadmap")
                    .replace("{n}", "4821")
            })
        })
        .collect();
    group.throughput(Throughput::Elements(chat.len() as u64));
    group.bench_function("chat-lines", |b| {
        b.iter(|| {
            for text in &chat {
                black_box(classifier.assess(black_box(text), &Context::default()));
            }
        });
    });
    let stream = stream(&texts);
    group.throughput(Throughput::Elements(stream.len() as u64));
    group.bench_function("stream", |b| {
        b.iter(|| {
            for text in &stream {
                black_box(classifier.assess(black_box(text), &Context::default()));
            }
        });
    });
    group.finish();
}

/// The corpus texts mixed 1:9 with chat lines from [`CHAT`], each filled
/// in with one of several services, topics and numbers.
fn stream(texts: &[String]) -> Vec<String> {
    const SERVICES: &[&str] = &[
        "billing",
        "search-api",
        "ingest",
        "auth",
        "payments",
        "web",
        "mobile",
        "etl",
    ];
    const TOPICS: &[&str] = &[
        "the Q3 roadmap",
        "the pricing page",
        "the onboarding flow",
        "the on-call rotation",
        "the API v2 migration",
    ];
    let mut rng = Rng(7);
    let mut stream = Vec::with_capacity(texts.len() * 10);
    for text in texts {
        stream.push(text.clone());
        for _ in 0..9 {
            let line = CHAT[rng.below(CHAT.len())]
                .replace("{s}", SERVICES[rng.below(SERVICES.len())])
                .replace("{t}", TOPICS[rng.below(TOPICS.len())])
                .replace("{n}", &(1_000 + rng.below(9_000)).to_string());
            stream.push(line);
        }
    }
    stream
}

/// Ordinary chat, from the load generator (`../shared/bench/loadgen/src/gen.rs`).
const CHAT: &[&str] = &[
    "deploy of {s} to staging is green :white_check_mark:",
    "anyone else seeing flaky tests in {s}?",
    "PR #{n} is up for review when someone has a minute",
    "lunch at 12:30? the taco place on 5th",
    "who has the link to the doc about {t}?",
    "heads up: I'm out tomorrow afternoon, ping me on mobile if urgent",
    "the dashboard for {s} is loading slowly again",
    "thanks for the quick fix on {s} :raised_hands:",
    "reminder: retro at 3pm in the big room",
    "can someone restart the {s} runner? it's stuck on step 4",
    "p99 latency on {s} is back to normal after the restart",
    "I'll pair with Sam on {t} after standup",
    "new hire starts Monday, please say hi in #general :wave:",
    "the build for {s} takes 14 minutes now, that's up from 9",
    "does anyone know why the {s} alerts fire at 2am?",
];

/// A deterministic pseudo-random sequence (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pronounceable made-up words, so topics share vocabulary like real ones do.
fn vocabulary(rng: &mut Rng, size: usize) -> Vec<String> {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ra", "te", "sun", "vor", "pel", "dra", "qui", "zen", "mar", "tol",
        "bri", "fen", "gor", "hul", "jas", "nex", "op",
    ];
    (0..size)
        .map(|_| {
            let n = 2 + rng.below(2);
            (0..n)
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect()
        })
        .collect()
}

fn lookup(c: &mut Criterion) {
    let mut rng = Rng(42);
    let words = vocabulary(&mut rng, 5_000);
    let pick = |rng: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| words[rng.below(words.len())].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut index = DecisionIndex::new();
    let mut topics = Vec::new();
    for id in 0..100_000 {
        let topic_len = 2 + rng.below(3);
        let topic = pick(&mut rng, topic_len);
        let decision_len = 5 + rng.below(6);
        let decision = pick(&mut rng, decision_len);
        index.insert(id, &topic, &decision);
        if id % 1_000 == 0 {
            topics.push(topic);
        }
    }
    assert_eq!(index.len(), 100_000);
    // Half the queries name logged topics (reordered), half are new.
    let mut queries = Vec::new();
    for topic in &topics {
        let mut words: Vec<&str> = topic.split(' ').collect();
        words.reverse();
        queries.push(format!("the {}", words.join(" ")));
        queries.push(pick(&mut rng, 3));
    }
    let mut group = c.benchmark_group("lookup");
    group.throughput(Throughput::Elements(queries.len() as u64));
    group.bench_function("100k-decisions", |b| {
        b.iter(|| {
            for q in &queries {
                black_box(index.lookup(black_box(q)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, assess, lookup);
criterion_main!(benches);
