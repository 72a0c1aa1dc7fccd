//! The accuracy floors, asserted so they cannot silently regress:
//! - on the two shared corpora, read from `CLARITY_CORPUS_DIR` (`.ci/run`
//!   sets it to `../shared/corpus`): `dev.jsonl` (written examples) and
//!   `dev-real.jsonl` (real messages by other people). The scorer learned
//!   from both, so these floors guard against regressions, not overfitting;
//! - on the lockbox (`data/corpus/lockbox.jsonl`): a fifth of the corpus
//!   modelled on real discussions, split by source and never used to tune
//!   rules, features or thresholds. Its figures are the ones that count.

use clarity_bot::classify::Classifier;
use clarity_bot::evaluate::{Report, evaluate, label_precision};
use std::path::PathBuf;

// The floors judge each file on its own, so `corpus::items` goes unused here.
#[allow(dead_code)]
#[path = "support/corpus.rs"]
mod corpus;

fn run_file(path: &std::path::Path) -> Report {
    let items = corpus::read(path);
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

fn shared(name: &str) -> Option<Report> {
    Some(run_file(&corpus::shared_dir()?.join(name)))
}

fn lockbox() -> Report {
    run_file(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/corpus/lockbox.jsonl"))
}

#[test]
fn the_written_corpus_meets_its_precision_and_recall_floors() {
    let Some(report) = shared("dev.jsonl") else {
        return;
    };
    assert_eq!(report.n, 381);
    assert!(report.precision >= 0.95, "precision {}", report.precision);
    assert!(report.recall >= 0.90, "recall {}", report.recall);
}

#[test]
fn the_real_corpus_meets_its_precision_and_recall_floors() {
    let Some(report) = shared("dev-real.jsonl") else {
        return;
    };
    assert_eq!(report.n, 380);
    assert!(report.precision >= 0.85, "precision {}", report.precision);
    assert!(report.recall >= 0.70, "recall {}", report.recall);
}

#[test]
fn every_label_of_the_written_corpus_is_mostly_right() {
    let Some(report) = shared("dev.jsonl") else {
        return;
    };
    for label in clarity_bot::evaluate::LABELS {
        let accuracy = report.label_accuracy(label).expect("label present");
        assert!(accuracy >= 0.8, "{label}: {accuracy}");
    }
}

/// The lockbox's figures as measured when the scorer was trained (see
/// docs/classifier.md, "Measured"): precision 0.898 and recall 0.610 on
/// premature asks; recall 0.754 on confusion, 0.643 on disagreement and
/// 0.675 on decisions, over 1,409 items (393 set aside first, then 203,
/// 162, 109, 164, 135 and 243 more from new sources as each round was
/// written). The targets (0.90 / 0.75; 0.60, 0.60, 0.70) are met
/// for confusion and disagreement only; these floors keep what was reached
/// from slipping. The seventh round's scorer (pairs of words with words
/// between them) found 9 more of the 318 asks than the one before it on
/// the same 1,409 items, for 2 more wrong flags, 4 fewer decisions and one
/// fewer confusion question: the floors of those two moved down with it.
#[test]
fn the_lockbox_keeps_its_measured_figures() {
    let report = lockbox();
    assert_eq!(report.n, 1409);
    assert!(report.precision >= 0.89, "precision {}", report.precision);
    assert!(report.recall >= 0.60, "recall {}", report.recall);
    for (label, floor) in [
        ("confusion", 0.75),
        ("disagreement", 0.64),
        ("decision", 0.67),
    ] {
        let recall = report.label_accuracy(label).expect("label present");
        assert!(recall >= floor, "{label} recall {recall}");
        let precision = label_precision(&report, label).expect("predicted at least once");
        assert!(precision >= 0.5, "{label} precision {precision}");
    }
}
