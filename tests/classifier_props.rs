//! Property tests: `assess` never panics and stays well-formed on any input —
//! arbitrary Unicode, control characters, RTL marks, unbalanced `<` `>`,
//! broken mrkdwn, and messages far beyond the 40 KB cap.

use clarity_bot::classify::{Classifier, Context, DecisionIndex};
use clarity_bot::domain::Kind;
use proptest::prelude::*;
use std::sync::OnceLock;
use std::time::Instant;

fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(Classifier::builtin)
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

/// Pieces that exercise the normalizer's special cases.
fn markup() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("<@U123|ana>".to_owned()),
        Just("<#C1|".to_owned()),
        Just("<https://x.io|".to_owned()),
        Just("```".to_owned()),
        Just("`".to_owned()),
        Just("&amp;".to_owned()),
        Just("&gt; ".to_owned()),
        Just("&lt".to_owned()),
        Just(":pray:".to_owned()),
        Just(":".to_owned()),
        Just("*".to_owned()),
        Just("_".to_owned()),
        Just("~".to_owned()),
        Just("\u{200F}".to_owned()),
        Just("\u{202E}".to_owned()),
        Just("’".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\0".to_owned()),
        Just(" align on ".to_owned()),
        Just(" get aligned on the ".to_owned()),
        Just("Decision: ".to_owned()),
        Just(" same page ".to_owned()),
        Just("é".to_owned()),
        Just("🎉".to_owned()),
        "\\PC{0,12}",
        "[a-z ]{0,12}",
    ]
}

fn message() -> impl Strategy<Value = String> {
    prop::collection::vec(markup(), 0..40).prop_map(|parts| parts.concat())
}

fn check_well_formed(text: &str, context: &Context<'_>) {
    let a = classifier().assess(text, context);
    assert!((0.0..=1.0).contains(&a.score), "score {}", a.score);
    assert_eq!(
        a.premature,
        a.kind == Kind::AlignmentRequest && a.decided_by.is_none()
    );
    for r in &a.reasons {
        assert!(r.span.start <= r.span.end && r.span.end <= text.len());
        assert!(text.is_char_boundary(r.span.start) && text.is_char_boundary(r.span.end));
        assert_eq!(&text[r.span.clone()], r.matched);
    }
}

proptest! {
    // 400 cases by default; PROPTEST_CASES=… runs more.
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn assess_never_panics_on_arbitrary_unicode(text in "\\PC{0,300}") {
        check_well_formed(&text, &Context::default());
    }

    #[test]
    fn assess_never_panics_on_control_characters(text in "[\\x00-\\x1f\\x7f<>&`*_~:| a-z]{0,300}") {
        check_well_formed(&text, &Context::default());
    }

    #[test]
    fn assess_never_panics_on_broken_markup(text in message()) {
        check_well_formed(&text, &Context::default());
    }

    #[test]
    fn assess_never_panics_with_any_thread_and_log(
        text in message(),
        thread in prop::collection::vec(message(), 0..4),
        topics in prop::collection::vec(("\\PC{0,20}", "\\PC{0,40}"), 0..4),
    ) {
        let mut log = DecisionIndex::new();
        for (i, (topic, decision)) in topics.iter().enumerate() {
            log.insert(i as i64, topic, decision);
        }
        check_well_formed(&text, &Context { thread: &thread, log: Some(&log), recent_since: None });
    }
}

#[test]
fn a_100_kb_message_is_assessed_on_its_first_40_kb() {
    // The ask sits beyond the cap, so it must not be seen.
    let mut text = "lorem ipsum <dolor> &amp; sit `amet` ".repeat(3_000);
    assert!(text.len() > 100_000);
    text.push_str(" can we get aligned on the Q3 roadmap?");
    let a = classifier().assess(&text, &Context::default());
    assert!(!a.premature);
    for r in &a.reasons {
        assert!(r.span.end <= 40 * 1024);
    }
}

#[test]
fn a_100_kb_message_of_random_unicode_does_not_panic() {
    let text: String = (0..60_000u32)
        .map(|i| char::from_u32(0x20 + (i * 7919) % 0x2FFF).unwrap_or('x'))
        .collect();
    assert!(text.len() > 100_000);
    check_well_formed(&text, &Context::default());
}

#[test]
fn time_grows_linearly_with_message_length() {
    // No cap here, so the sizes really differ.
    let uncapped = Classifier::builtin().with_max_bytes(usize::MAX);
    let unit = "can we <@U1|x> get `code` aligned on &amp; the *roadmap* < > ``` :pray: ";
    let time = |n: usize| {
        let text = unit.repeat(n);
        let start = Instant::now();
        for _ in 0..5 {
            let _ = uncapped.assess(&text, &Context::default());
        }
        start.elapsed().as_secs_f64()
    };
    let _warm = time(50);
    let small = time(250).max(1e-6);
    let large = time(2_000);
    // 8× the text may cost 8× the time; allow noise, forbid quadratic (64×).
    assert!(large / small < 24.0, "small {small}s, large {large}s");
}

#[test]
fn unbalanced_angle_brackets_cost_no_more_than_text() {
    let text = "<".repeat(100_000);
    let start = Instant::now();
    let a = classifier().assess(&text, &Context::default());
    assert_eq!(a.kind, Kind::Other);
    assert!(start.elapsed().as_secs() < 2);
}
