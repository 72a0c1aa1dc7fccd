//! Criterion benchmarks for the classifier:
//! - `assess/corpus-texts`: messages assessed per second on one core over the
//!   texts of both dev corpora (target ≥ 1,000,000/s);
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
        let path = format!(
            "{}/tests/fixtures/corpus/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("corpus copy exists");
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
    group.finish();
}

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
