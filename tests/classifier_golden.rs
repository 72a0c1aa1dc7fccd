//! Golden cases: each file in `tests/golden/` holds a message (with optional
//! thread and decision log) and the exact verdict, topic, decision source and
//! reasons (rule id and the original words it matched) the classifier must
//! give. Compared exactly. To accept new output after a deliberate rule
//! change, run `GOLDEN_BLESS=1 cargo test --test classifier_golden` and review
//! the diff.

use clarity_bot::classify::{Classifier, Context, DecisionIndex};
use clarity_bot::domain::{Assessment, DecisionSource};
use clarity_bot::evaluate::label_of;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Deserialize, Serialize)]
struct Case {
    text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    thread: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    decisions: Vec<Logged>,
    expect: Option<Expected>,
}

#[derive(Debug, Deserialize, Serialize)]
struct Logged {
    topic: String,
    decision: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
struct Expected {
    verdict: String,
    topic: Option<String>,
    decided_in: Option<String>,
    /// `[rule id, matched original text]`, in text order.
    reasons: Vec<(String, String)>,
}

fn expected_from(a: &Assessment) -> Expected {
    Expected {
        verdict: label_of(a).to_owned(),
        topic: a.topic.clone(),
        decided_in: a.decided_by.as_ref().map(|d| match d.source {
            DecisionSource::Message => "message".to_owned(),
            DecisionSource::Thread { index } => format!("thread:{index}"),
            DecisionSource::Log { id } => format!("log:{id}"),
        }),
        reasons: a
            .reasons
            .iter()
            .map(|r| (r.rule.clone(), r.matched.clone()))
            .collect(),
    }
}

#[test]
fn every_golden_case_matches_its_expected_verdict_topic_and_reasons() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("GOLDEN_BLESS").is_some();
    let classifier = Classifier::builtin();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/golden exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 20,
        "expected the golden folder to hold cases"
    );
    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("readable");
        let mut case: Case = serde_json::from_str(&text).expect("a golden case");
        let mut log = DecisionIndex::new();
        for (i, d) in case.decisions.iter().enumerate() {
            log.insert(i as i64 + 1, &d.topic, &d.decision);
        }
        let context = Context {
            thread: &case.thread,
            log: (!log.is_empty()).then_some(&log),
            recent_since: None,
        };
        let assessment = classifier.assess(&case.text, &context);
        for r in &assessment.reasons {
            assert_eq!(&case.text[r.span.clone()], r.matched, "{}", path.display());
        }
        let got = expected_from(&assessment);
        if bless {
            case.expect = Some(got);
            let json = serde_json::to_string_pretty(&case).expect("serializes");
            std::fs::write(path, json + "\n").expect("writable");
        } else if case.expect.as_ref() != Some(&got) {
            failures.push(format!(
                "{}\n  expected {:?}\n  got      {:?}",
                path.display(),
                case.expect,
                got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
