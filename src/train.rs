//! `clarity-bot train`: fits the scorer's weights on labelled corpora and
//! chooses its two thresholds by cross-validation grouped by source, so no
//! threshold is tuned on the text it is judged by. Deterministic: the same
//! corpora give the same weights file, byte for byte.
//!
//! The lockbox is never read here: it is simply not one of the corpora
//! passed (see README, "Retraining").

use crate::classify::Classifier;
use crate::classify::scorer::{self, Class, Evidence, Example, Fit, Scorer, Thresholds};
use crate::domain::Kind;
use crate::evaluate::{CorpusItem, POSITIVE, assess_item_as_ask, label_of, label_of_kind};
use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Folds for choosing thresholds.
pub const FOLDS: usize = 5;
/// The ask thresholds are those with the best recall whose cross-validated
/// precision on premature asks reaches this; where none does, those with
/// the best F0.5 (precision over recall: a wrong nag costs more than a
/// missed one).
pub const TARGET_PRECISION: f64 = 0.90;
/// Thresholds tried for an ask a rule matched, one no rule matched, and
/// the other kinds.
const ASK_GRID: [f32; 17] = [
    0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85,
    0.90,
];
const UNMATCHED_GRID: [f32; 11] = [
    0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 1.0,
];
const KIND_GRID: [f32; 7] = [0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55];

/// The training example of each item: its features under `rules`.
pub fn examples(rules: &Classifier, items: &[CorpusItem]) -> Vec<Example> {
    items
        .iter()
        .filter_map(|item| {
            Some(Example {
                features: rules.features(&item.text),
                class: Class::of_label(
                    &item.label,
                    !item.thread.is_empty() || !item.decisions.is_empty(),
                )?,
            })
        })
        .collect()
}

/// Each item's fold: items of one source (a thread, a page; written items
/// by their `source` too) always share a fold, so a fold never holds text
/// inspired by what trained it.
pub fn folds(items: &[CorpusItem], k: usize) -> Vec<usize> {
    items
        .iter()
        .map(|item| {
            let key = item
                .source
                .as_deref()
                .map(|s| s.trim().to_lowercase())
                .unwrap_or_else(|| item.id.clone());
            // FNV-1a: stable across machines and releases.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in key.bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            (h % k as u64) as usize
        })
        .collect()
}

/// One item judged by a model that never saw its fold: the evidence, and
/// the label it gets should the thresholds make it an ask.
struct HeldOut {
    evidence: Evidence,
    as_ask: &'static str,
}

impl HeldOut {
    fn label(&self, thresholds: &Thresholds) -> &'static str {
        match self.evidence.verdict(thresholds) {
            Kind::AlignmentRequest => self.as_ask,
            kind => label_of_kind(kind),
        }
    }
}

fn held_out(rules: &Classifier, items: &[CorpusItem], k: usize) -> Vec<HeldOut> {
    let examples = examples(rules, items);
    let fold_of = folds(items, k);
    let mut judged: Vec<Option<HeldOut>> = (0..items.len()).map(|_| None).collect();
    for fold in 0..k {
        let train: Vec<Example> = examples
            .iter()
            .zip(&fold_of)
            .filter(|(_, f)| **f != fold)
            .map(|(e, _)| e.clone())
            .collect();
        let fitted = scorer::fit(&train, &Fit::default(), Thresholds::ALWAYS_ASK);
        let classifier = rules.clone().with_scorer(fitted);
        for (i, item) in items.iter().enumerate() {
            if fold_of[i] != fold {
                continue;
            }
            if let (Some(evidence), Some(ask)) = (
                classifier.evidence(&item.text),
                assess_item_as_ask(&classifier, item),
            ) {
                judged[i] = Some(HeldOut {
                    evidence,
                    as_ask: label_of(&ask),
                });
            }
        }
    }
    judged.into_iter().flatten().collect()
}

/// Precision and recall of `label` in predictions against the items.
pub fn precision_recall(items: &[CorpusItem], predicted: &[&str], label: &str) -> (f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (item, p) in items.iter().zip(predicted) {
        match (item.label == label, *p == label) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => {}
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    (ratio(tp, tp + fp), ratio(tp, tp + fn_))
}

/// F-beta with beta 0.5: precision weighs twice recall.
fn f_half(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        1.25 * p * r / (0.25 * p + r)
    }
}

fn f1((p, r): (f64, f64)) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// The thresholds cross-validation picks, with the figures that picked them.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub thresholds: Thresholds,
    pub precision: f64,
    pub recall: f64,
}

/// Thresholds are judged on items modelled on real text when there are at
/// least this many (text written to cover cases is easier than what the bot
/// meets, and would let the thresholds promise a precision real text does
/// not give).
const MIN_REAL: usize = 200;

/// Whether an item is real text or modelled on it: its source names a
/// thread or page, not `written:…`.
fn is_real(item: &CorpusItem) -> bool {
    item.source
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty() && !s.starts_with("written:"))
}

/// Chooses the thresholds on held-out predictions of the real items (all
/// items when there are fewer than [`MIN_REAL`]): the kind threshold with
/// the best summed F1 of decision, confusion and disagreement; then, of the
/// ask thresholds whose premature precision reaches [`TARGET_PRECISION`],
/// the pair with the best recall (else the pair with the best F0.5).
pub fn choose_thresholds(rules: &Classifier, items: &[CorpusItem], k: usize) -> Choice {
    let all = held_out(rules, items, k);
    let real = items.iter().filter(|item| is_real(item)).count();
    let (items, judged): (Vec<CorpusItem>, Vec<HeldOut>) = items
        .iter()
        .cloned()
        .zip(all)
        .filter(|(item, _)| real < MIN_REAL || is_real(item))
        .unzip();
    let items = items.as_slice();
    let labels =
        |t: &Thresholds| -> Vec<&'static str> { judged.iter().map(|h| h.label(t)).collect() };
    let kinds_f1 = |kind: f32| {
        let predicted = labels(&Thresholds {
            ask: 0.5,
            unmatched: 0.9,
            kind,
        });
        ["decision", "confusion", "disagreement"]
            .iter()
            .map(|l| f1(precision_recall(items, &predicted, l)))
            .sum::<f64>()
    };
    let kind = KIND_GRID
        .iter()
        .copied()
        .max_by(|a, b| kinds_f1(*a).total_cmp(&kinds_f1(*b)).then(b.total_cmp(a)))
        .unwrap_or(0.5);
    let mut best: Option<(bool, f64, f64, Thresholds)> = None;
    for &ask in &ASK_GRID {
        for &unmatched in &UNMATCHED_GRID {
            let thresholds = Thresholds {
                ask,
                unmatched,
                kind,
            };
            let (precision, recall) = precision_recall(items, &labels(&thresholds), POSITIVE);
            let meets = precision >= TARGET_PRECISION;
            let better = match &best {
                None => true,
                Some((best_meets, best_precision, best_recall, _)) => match (meets, best_meets) {
                    (true, false) => true,
                    (false, true) => false,
                    (true, true) => recall > *best_recall,
                    (false, false) => {
                        f_half(precision, recall) > f_half(*best_precision, *best_recall)
                    }
                },
            };
            if better {
                best = Some((meets, precision, recall, thresholds));
            }
        }
    }
    let (_, precision, recall, thresholds) = best.unwrap_or((
        false,
        0.0,
        0.0,
        Thresholds {
            ask: 0.5,
            unmatched: 1.0,
            kind,
        },
    ));
    Choice {
        thresholds,
        precision,
        recall,
    }
}

/// Fits the weights on every item, with thresholds chosen by
/// cross-validation on the same items.
pub fn train(rules: &Classifier, items: &[CorpusItem]) -> (Scorer, Choice) {
    let choice = choose_thresholds(rules, items, FOLDS);
    let scorer = scorer::fit(&examples(rules, items), &Fit::default(), choice.thresholds);
    (scorer, choice)
}

/// Reads and concatenates corpora, naming the file at fault.
pub fn read_corpora(paths: &[PathBuf]) -> Result<Vec<CorpusItem>, String> {
    stream_corpora(paths).collect()
}

/// The items of the corpora, one file after the other, read a line at a
/// time; a problem names the file and the line (readers stop at the first).
pub fn stream_corpora(paths: &[PathBuf]) -> impl Iterator<Item = Result<CorpusItem, String>> + '_ {
    paths.iter().flat_map(|path| {
        let cannot = move |e: std::io::Error| format!("cannot read {} ({e})", path.display());
        let (lines, failed) = match std::fs::File::open(path) {
            Ok(file) => (Some(std::io::BufReader::new(file).lines()), None),
            Err(e) => (None, Some(Err(cannot(e)))),
        };
        let items = lines
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(move |(n, line)| {
                line.map_err(cannot)
                    .and_then(|line| {
                        crate::evaluate::parse_line(n + 1, &line)
                            .map_err(|e| format!("{}: {e}", path.display()))
                    })
                    .transpose()
            });
        failed.into_iter().chain(items)
    })
}

/// `clarity-bot train --corpus FILE… --output FILE`.
pub fn run(args: &crate::cli::TrainArgs) -> ExitCode {
    let items = match read_corpora(&args.corpus) {
        Ok(items) => items,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if items.is_empty() {
        eprintln!("error: the corpora hold no items");
        return ExitCode::from(2);
    }
    let rules = Classifier::builtin_rules();
    let (scorer, choice) = train(&rules, &items);
    let names: Vec<String> = args
        .corpus
        .iter()
        .map(|p| {
            p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let comment = format!(
        "clarity-bot scorer weights. Made by `clarity-bot train`; do not edit by hand.\n\
         Trained on {} items from {}.\n\
         Thresholds by {FOLDS}-fold cross-validation grouped by source: ask {:.2} (a rule matched),\n\
         {:.2} (no rule matched), kind {:.2}\n\
         (premature_alignment precision {:.3}, recall {:.3} held out, on the items modelled on real text).",
        items.len(),
        names.join(", "),
        choice.thresholds.ask,
        choice.thresholds.unmatched,
        choice.thresholds.kind,
        choice.precision,
        choice.recall
    );
    if let Err(e) = std::fs::write(&args.output, scorer.to_text(&comment)) {
        eprintln!("error: cannot write {} ({e})", args.output.display());
        return ExitCode::from(2);
    }
    println!(
        "wrote {}: {} items; thresholds ask {:.2}, unmatched {:.2}, kind {:.2}; held out: premature precision {:.3}, recall {:.3}",
        args.output.display(),
        items.len(),
        choice.thresholds.ask,
        choice.thresholds.unmatched,
        choice.thresholds.kind,
        choice.precision,
        choice.recall
    );
    ExitCode::SUCCESS
}
