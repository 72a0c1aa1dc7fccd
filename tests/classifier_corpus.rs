//! The accuracy floors of issue 3, asserted on copies of both corpora so they
//! cannot silently regress: `dev.jsonl` (written examples) and
//! `dev-real.jsonl` (real messages by other people).

use clarity_bot::classify::Classifier;
use clarity_bot::evaluate::{Report, evaluate, parse_corpus};

fn run(name: &str) -> Report {
    let path = format!(
        "{}/tests/fixtures/corpus/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("the corpus copy exists");
    let items = parse_corpus(&text).expect("the corpus parses");
    let (report, misses) = evaluate(&Classifier::builtin(), &items);
    for miss in misses
        .iter()
        .filter(|m| m.expected == "premature_alignment" || m.predicted == "premature_alignment")
    {
        eprintln!(
            "{}: expected {}, got {}: {}",
            miss.id, miss.expected, miss.predicted, miss.text
        );
    }
    report
}

#[test]
fn the_written_corpus_meets_its_precision_and_recall_floors() {
    let report = run("dev.jsonl");
    assert_eq!(report.n, 381);
    assert!(report.precision >= 0.95, "precision {}", report.precision);
    assert!(report.recall >= 0.90, "recall {}", report.recall);
}

#[test]
fn the_real_corpus_meets_its_precision_and_recall_floors() {
    let report = run("dev-real.jsonl");
    assert_eq!(report.n, 380);
    assert!(report.precision >= 0.85, "precision {}", report.precision);
    assert!(report.recall >= 0.70, "recall {}", report.recall);
}

#[test]
fn every_label_of_the_written_corpus_is_mostly_right() {
    let report = run("dev.jsonl");
    for label in clarity_bot::evaluate::LABELS {
        let accuracy = report.label_accuracy(label).expect("label present");
        assert!(accuracy >= 0.8, "{label}: {accuracy}");
    }
}
