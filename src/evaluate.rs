//! Offline evaluation and explanation: reads labeled corpora (JSON lines),
//! runs every item through [`Classifier::assess`] with its thread and
//! decisions as context, and reports precision, recall, F1 and the confusion
//! matrix for `premature_alignment`. Also renders `check` output.
//!
//! Sits beside the pipeline, not in it: `eval` and `check` call the same
//! classifier the bot does, and this module turns the verdicts into reports.

use crate::classify::{Classifier, Context, DecisionIndex};
use crate::cli::{CheckArgs, EvalArgs};
use crate::domain::{Assessment, Kind};
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

/// The six corpus labels, in report order.
pub const LABELS: [&str; 6] = [
    "premature_alignment",
    "alignment_after_decision",
    "decision",
    "confusion",
    "disagreement",
    "other",
];

/// The positive class.
pub const POSITIVE: &str = "premature_alignment";

/// One corpus line.
#[derive(Debug, Clone, Deserialize)]
pub struct CorpusItem {
    pub id: String,
    pub text: String,
    pub label: String,
    #[serde(default)]
    pub thread: Vec<String>,
    #[serde(default)]
    pub decisions: Vec<LoggedDecision>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

/// A decision-log entry in a corpus item.
#[derive(Debug, Clone, Deserialize)]
pub struct LoggedDecision {
    pub topic: String,
    pub decision: String,
}

/// A corpus that could not be read, with the line at fault.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CorpusError {
    pub line: usize,
    pub message: String,
}

/// Parses a JSON-lines corpus. Blank lines are skipped.
pub fn parse_corpus(text: &str) -> Result<Vec<CorpusItem>, CorpusError> {
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        items.extend(parse_line(n + 1, line)?);
    }
    Ok(items)
}

/// One line of a corpus, line `n`: `None` when it is blank.
pub fn parse_line(n: usize, line: &str) -> Result<Option<CorpusItem>, CorpusError> {
    if line.trim().is_empty() {
        return Ok(None);
    }
    let item: CorpusItem = serde_json::from_str(line).map_err(|e| CorpusError {
        line: n,
        message: format!("not a corpus item ({e})"),
    })?;
    if !LABELS.contains(&item.label.as_str()) {
        return Err(CorpusError {
            line: n,
            message: format!(
                "unknown label {:?}; expected one of {}",
                item.label,
                LABELS.join(", ")
            ),
        });
    }
    Ok(Some(item))
}

/// The corpus label an assessment corresponds to.
pub fn label_of(assessment: &Assessment) -> &'static str {
    match assessment.kind {
        Kind::AlignmentRequest if !assessment.premature => "alignment_after_decision",
        kind => label_of_kind(kind),
    }
}

/// Assesses one corpus item with its thread and decisions as context.
pub fn assess_item(classifier: &Classifier, item: &CorpusItem) -> Assessment {
    in_context(item, |context| classifier.assess(&item.text, context))
}

/// Assesses one corpus item, in its context, as the alignment ask the
/// scorer may call it (`None` without a scorer).
pub fn assess_item_as_ask(classifier: &Classifier, item: &CorpusItem) -> Option<Assessment> {
    in_context(item, |context| {
        classifier.assess_as_ask(&item.text, context)
    })
}

fn in_context<T>(item: &CorpusItem, f: impl FnOnce(&Context<'_>) -> T) -> T {
    let mut log = DecisionIndex::new();
    for (i, d) in item.decisions.iter().enumerate() {
        log.insert(i as i64 + 1, &d.topic, &d.decision);
    }
    f(&Context {
        thread: &item.thread,
        log: (!log.is_empty()).then_some(&log),
        recent_since: None,
    })
}

/// The corpus label of a kind (an alignment request counts as premature).
pub fn label_of_kind(kind: Kind) -> &'static str {
    match kind {
        Kind::AlignmentRequest => "premature_alignment",
        Kind::Decision => "decision",
        Kind::Confusion => "confusion",
        Kind::Disagreement => "disagreement",
        Kind::Other => "other",
    }
}

/// The figures `eval --json` prints: exactly DESIGN.md's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub n: usize,
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub tn: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// expected label → predicted label → count.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Report {
    /// Share of items with `label` that were predicted as `label`.
    pub fn label_accuracy(&self, label: &str) -> Option<f64> {
        let row = self.confusion.get(label)?;
        let total: usize = row.values().sum();
        (total > 0).then(|| *row.get(label).unwrap_or(&0) as f64 / total as f64)
    }

    /// Share of all items whose label was predicted exactly.
    pub fn accuracy(&self) -> f64 {
        let right: usize = LABELS
            .iter()
            .map(|l| {
                self.confusion
                    .get(*l)
                    .and_then(|r| r.get(*l))
                    .copied()
                    .unwrap_or(0)
            })
            .sum();
        if self.n == 0 {
            0.0
        } else {
            right as f64 / self.n as f64
        }
    }
}

/// A misclassified item, for `--errors`.
#[derive(Debug, Clone)]
pub struct Miss {
    pub id: String,
    pub expected: String,
    pub predicted: &'static str,
    pub text: String,
    pub assessment: Assessment,
}

/// Runs the classifier over `items`, each judged as it comes; returns the
/// figures and the misses.
pub fn evaluate<I: Borrow<CorpusItem>>(
    classifier: &Classifier,
    items: impl IntoIterator<Item = I>,
) -> (Report, Vec<Miss>) {
    tally(items.into_iter().map(|item| {
        let assessment = assess_item(classifier, item.borrow());
        (item, assessment)
    }))
}

/// The figures and misses of items judged, each with its assessment.
fn tally<I: Borrow<CorpusItem>>(
    judged: impl Iterator<Item = (I, Assessment)>,
) -> (Report, Vec<Miss>) {
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = LABELS
        .iter()
        .map(|e| {
            (
                (*e).to_owned(),
                LABELS.iter().map(|p| ((*p).to_owned(), 0)).collect(),
            )
        })
        .collect();
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    let mut n = 0;
    for (item, assessment) in judged {
        let item = item.borrow();
        n += 1;
        let predicted = label_of(&assessment);
        *confusion
            .entry(item.label.clone())
            .or_default()
            .entry(predicted.to_owned())
            .or_default() += 1;
        match (item.label == POSITIVE, predicted == POSITIVE) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => tn += 1,
        }
        if predicted != item.label {
            misses.push(Miss {
                id: item.id.clone(),
                expected: item.label.clone(),
                predicted,
                text: item.text.clone(),
                assessment,
            });
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let report = Report {
        n,
        tp,
        fp,
        fn_,
        tn,
        precision: round(precision),
        recall: round(recall),
        f1: round(f1),
        confusion,
    };
    (report, misses)
}

/// Each fold's items judged by a scorer trained (thresholds and all, as
/// `train` does) on the other folds; folds group items by source.
pub fn cross_validate(rules: &Classifier, items: &[CorpusItem], k: usize) -> (Report, Vec<Miss>) {
    let fold_of = crate::train::folds(items, k);
    let mut judged: Vec<(usize, Assessment)> = Vec::with_capacity(items.len());
    for fold in 0..k {
        let train: Vec<CorpusItem> = items
            .iter()
            .zip(&fold_of)
            .filter(|(_, f)| **f != fold)
            .map(|(item, _)| item.clone())
            .collect();
        let (scorer, _) = crate::train::train(rules, &train);
        let classifier = rules.clone().with_scorer(scorer);
        for (i, item) in items.iter().enumerate() {
            if fold_of[i] == fold {
                judged.push((i, assess_item(&classifier, item)));
            }
        }
    }
    judged.sort_by_key(|(i, _)| *i);
    tally(judged.into_iter().map(|(i, a)| (&items[i], a)))
}

/// Precision of `label`: the share of items predicted `label` that have it.
pub fn label_precision(report: &Report, label: &str) -> Option<f64> {
    let predicted: usize = report
        .confusion
        .values()
        .map(|row| row.get(label).copied().unwrap_or(0))
        .sum();
    let right = report
        .confusion
        .get(label)
        .and_then(|row| row.get(label))
        .copied()
        .unwrap_or(0);
    (predicted > 0).then(|| right as f64 / predicted as f64)
}

/// The human-readable report: figures, precision and recall by label,
/// confusion matrix.
pub fn render_report(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "items: {}", report.n);
    let _ = writeln!(
        out,
        "premature_alignment: precision {:.3}  recall {:.3}  f1 {:.3}  (tp {} fp {} fn {} tn {})",
        report.precision, report.recall, report.f1, report.tp, report.fp, report.fn_, report.tn
    );
    let _ = writeln!(out, "overall accuracy: {:.3}", report.accuracy());
    let _ = writeln!(
        out,
        "\nby label:{:>25}{:>11}{:>8}",
        "precision", "recall", "items"
    );
    let shown = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.3}"));
    for label in LABELS {
        let total: usize = report.confusion.get(label).map_or(0, |r| r.values().sum());
        let _ = writeln!(
            out,
            "  {label:<26}{:>8}{:>11}{total:>8}",
            shown(label_precision(report, label)),
            shown(report.label_accuracy(label)),
        );
    }
    let short = ["prem", "after", "dec", "conf", "disag", "other"];
    let _ = writeln!(out, "\nconfusion (rows: expected, columns: predicted):");
    let _ = write!(out, "  {:<26}", "");
    for s in short {
        let _ = write!(out, "{s:>7}");
    }
    let _ = writeln!(out);
    for expected in LABELS {
        let _ = write!(out, "  {expected:<26}");
        for predicted in LABELS {
            let count = report
                .confusion
                .get(expected)
                .and_then(|r| r.get(predicted))
                .copied()
                .unwrap_or(0);
            let _ = write!(out, "{count:>7}");
        }
        let _ = writeln!(out);
    }
    out
}

/// One misclassified item, with its reasons.
pub fn render_miss(miss: &Miss) -> String {
    let mut out = format!(
        "{}: expected {}, got {} (score {:.2})\n  text: {}\n",
        miss.id,
        miss.expected,
        miss.predicted,
        miss.assessment.score,
        miss.text.replace('\n', "\\n")
    );
    if let Some(topic) = &miss.assessment.topic {
        let _ = writeln!(out, "  topic: {topic}");
    }
    for reason in &miss.assessment.reasons {
        let _ = writeln!(
            out,
            "  - {} [{}]: {:?}",
            reason.rule, reason.kind, reason.matched
        );
    }
    out
}

/// A one-word verdict for people.
pub fn verdict(assessment: &Assessment) -> &'static str {
    match label_of(assessment) {
        "premature_alignment" => "premature alignment ask",
        "alignment_after_decision" => "alignment ask after a decision",
        "decision" => "decision",
        "confusion" => "confusion",
        "disagreement" => "disagreement",
        _ => "other",
    }
}

/// `check`'s human output: verdict, topic, decision, reasons with the matched
/// words highlighted (ANSI bold when `ansi`, else `**…**`).
pub fn render_check(text: &str, assessment: &Assessment, ansi: bool) -> String {
    let (open, close) = if ansi {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let mut out = format!("{} (score {:.2})\n", verdict(assessment), assessment.score);
    if let Some(topic) = &assessment.topic {
        let _ = writeln!(out, "  topic: {topic}");
    }
    if let Some(d) = &assessment.decided_by {
        let source = match &d.source {
            crate::domain::DecisionSource::Message => "this message".to_owned(),
            crate::domain::DecisionSource::Thread { index } => format!("thread message {index}"),
            crate::domain::DecisionSource::Log { id } => format!("decision log #{id}"),
        };
        let _ = writeln!(out, "  decided in {source}: {}", d.decision);
    }
    if assessment.reasons.is_empty() {
        let _ = writeln!(out, "  no rule fired");
    }
    for reason in &assessment.reasons {
        let span = reason.span.clone();
        let (start, end) = (span.start.min(text.len()), span.end.min(text.len()));
        let before = context_before(text, start);
        let after = context_after(text, end);
        let _ = writeln!(
            out,
            "  {} [{}]: {}{open}{}{close}{}",
            reason.rule,
            reason.kind,
            before,
            &text[start..end],
            after
        );
    }
    out
}

/// The words and rules the scorer weighed most for the verdict.
pub fn render_weighed(weighed: &[(String, f32)]) -> String {
    if weighed.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = weighed
        .iter()
        .map(|(feature, weight)| format!("{feature} +{weight:.2}"))
        .collect();
    format!("  weighed most: {}\n", shown.join(", "))
}

fn context_before(text: &str, start: usize) -> String {
    let mut from = start.saturating_sub(30);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let s = text[from..start].replace('\n', " ");
    if from > 0 { format!("…{s}") } else { s }
}

fn context_after(text: &str, end: usize) -> String {
    let mut to = (end + 30).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let s = text[end..to].replace('\n', " ");
    if to < text.len() {
        format!("{s}…")
    } else {
        s
    }
}

// ───────────── the offline commands (`check`, `eval`) ─────────────

/// The built-in rules, or the file given with `--rules`, with the built-in
/// scorer, the one given with `--scorer`, or none (`--rules-only`).
fn load_classifier(
    rules: Option<&Path>,
    scorer: Option<&Path>,
    rules_only: bool,
) -> Result<Classifier, ExitCode> {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    };
    let builtin = Classifier::builtin();
    let classifier = match rules {
        None => builtin.clone(),
        Some(path) => {
            let loaded = Classifier::from_path(path).map_err(|e| fail(&e))?;
            match builtin.scorer() {
                Some(s) => loaded.with_scorer(s.clone()),
                None => loaded,
            }
        }
    };
    match (scorer, rules_only) {
        (_, true) => Ok(classifier.rules_only()),
        (Some(path), false) => classifier.with_scorer_file(path).map_err(|e| fail(&e)),
        (None, false) => Ok(classifier),
    }
}

/// `clarity-bot check [TEXT…]`: assesses each text (or stdin line) and explains why.
pub fn run_check(args: &CheckArgs) -> ExitCode {
    let classifier = match load_classifier(
        args.rules.as_deref(),
        args.scorer.as_deref(),
        args.rules_only,
    ) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let ansi = std::io::stdout().is_terminal();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut first = true;
    let mut emit = |text: &str| -> std::io::Result<()> {
        let assessment = classifier.assess(text, &Default::default());
        if args.json {
            let line = serde_json::to_string(&assessment).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")
        } else {
            let separator = if first { "" } else { "\n" };
            first = false;
            let weighed = classifier.heaviest_features(text, assessment.kind, 6);
            write!(
                out,
                "{separator}{}{}",
                render_check(text, &assessment, ansi),
                render_weighed(&weighed)
            )
        }
    };
    let result = if args.text.is_empty() {
        let stdin = std::io::stdin();
        let mut status = Ok(());
        for line in stdin.lock().lines() {
            match line {
                Ok(line) if line.trim().is_empty() => {}
                Ok(line) => {
                    if let Err(e) = emit(&line) {
                        status = Err(e);
                        break;
                    }
                }
                Err(e) => {
                    eprintln!("error: cannot read stdin ({e})");
                    return ExitCode::from(2);
                }
            }
        }
        status
    } else {
        args.text.iter().try_for_each(|t| emit(t))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write output ({e})");
            ExitCode::from(2)
        }
    }
}

/// `clarity-bot eval --corpus FILE…`: precision, recall, F1 and the confusion matrix.
pub fn run_eval(args: &EvalArgs) -> ExitCode {
    let classifier = match load_classifier(
        args.rules.as_deref(),
        args.scorer.as_deref(),
        args.rules_only,
    ) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let judged = match args.cross_validate {
        Some(k) => crate::train::read_corpora(&args.corpus)
            .map(|items| cross_validate(&classifier.rules_only(), &items, usize::from(k))),
        // Each item is judged as it is read: the corpora are never all
        // in memory at once.
        None => {
            let mut failure = None;
            let judged = evaluate(
                &classifier,
                crate::train::stream_corpora(&args.corpus)
                    .map_while(|item| item.map_err(|e| failure = Some(e)).ok()),
            );
            failure.map_or(Ok(judged), Err)
        }
    };
    let (report, misses) = match judged {
        Ok(judged) => judged,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.json {
        match serde_json::to_string(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", render_report(&report));
    }
    if args.errors {
        // With --json the errors go to stderr so stdout stays one JSON object.
        let rendered: String = misses
            .iter()
            .map(render_miss)
            .collect::<Vec<_>>()
            .join("\n");
        if args.json {
            eprint!("{rendered}");
        } else {
            println!("\nmisclassified ({}):\n", misses.len());
            print!("{rendered}");
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let text = "{\"id\":\"a\",\"text\":\"hi\",\"label\":\"other\"}\n\nnot json\n";
        let err = parse_corpus(text).expect_err("bad line");
        assert_eq!(err.line, 3);
    }

    #[test]
    fn an_unknown_label_is_an_error() {
        let err =
            parse_corpus("{\"id\":\"a\",\"text\":\"hi\",\"label\":\"meh\"}").expect_err("label");
        assert!(err.message.contains("meh"));
    }

    #[test]
    fn the_json_report_has_exactly_the_documented_keys() {
        let items =
            parse_corpus("{\"id\":\"a\",\"text\":\"lunch?\",\"label\":\"other\"}").expect("valid");
        let (report, _) = evaluate(&Classifier::builtin(), &items);
        let value = serde_json::to_value(&report).expect("serializes");
        let keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec![
            "confusion",
            "f1",
            "fn",
            "fp",
            "n",
            "precision",
            "recall",
            "tn",
            "tp",
        ];
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
    }
}
