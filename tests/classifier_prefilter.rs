//! The rules' first pass never hides a match: on every text of every corpus
//! (ours and the shared ones, threads included), each pattern that matches
//! the normalized text is among the prefilter's candidates, and searching
//! only where the first pass places its matches finds exactly what a search
//! of the whole text finds. Skipping the rest therefore changes no verdict.

use clarity_bot::classify::prefilter::Pass;
use clarity_bot::classify::{Classifier, normalize};

#[path = "support/corpus.rs"]
mod corpus;

fn corpus_texts() -> Vec<String> {
    corpus::items()
        .into_iter()
        .flat_map(|item| item.thread.into_iter().chain([item.text]))
        .collect()
}

#[test]
fn every_pattern_that_matches_is_a_candidate() {
    let classifier = Classifier::builtin();
    let set = classifier.rule_set();
    let texts = corpus_texts();
    assert!(texts.len() > 4_000, "{} texts", texts.len());
    let mut candidates = Vec::new();
    let mut matched = 0;
    for text in &texts {
        let norm = normalize::normalize(text);
        set.prefilter
            .candidates(norm.text.as_bytes(), &mut candidates);
        for (index, &(r, p)) in set.owners.iter().enumerate() {
            let rule = &set.rules[r];
            if rule.patterns[p].is_match(norm.text.as_bytes()) {
                matched += 1;
                assert!(
                    candidates[index],
                    "rule {} pattern {} matches but was skipped: {:?}",
                    rule.id,
                    p + 1,
                    norm.text
                );
            }
        }
    }
    assert!(
        matched > 1_000,
        "only {matched} matches: the check saw too little"
    );
}

#[test]
fn searching_where_the_first_pass_points_finds_every_match_of_the_whole_text() {
    let classifier = Classifier::builtin();
    let set = classifier.rule_set();
    let mut pass = Pass::default();
    let mut compared = 0;
    for text in corpus_texts() {
        let norm = normalize::normalize(&text);
        let bytes = norm.text.as_bytes();
        set.prefilter.run(bytes, &mut pass);
        let candidates = pass.candidates().to_vec();
        for (index, &(r, p)) in set.owners.iter().enumerate() {
            let whole: Vec<_> = set.rules[r].patterns[p].find_iter(bytes).collect();
            let mut placed = Vec::new();
            if candidates.contains(&(index as u32)) {
                set.each_match(index, bytes, &mut pass, |m| {
                    placed.push(m);
                    true
                });
            }
            assert_eq!(
                placed,
                whole,
                "rule {} pattern {} on {:?}",
                set.rules[r].id,
                p + 1,
                norm.text
            );
            compared += whole.len();
        }
    }
    assert!(compared > 1_000, "only {compared} matches compared");
}

#[test]
fn the_first_pass_skips_most_patterns_on_ordinary_chat() {
    let classifier = Classifier::builtin();
    let set = classifier.rule_set();
    // Every shipped pattern has literals of its own: none runs on every text.
    assert_eq!(set.prefilter.unfiltered_count(), 0);
    let mut candidates = Vec::new();
    set.prefilter
        .candidates(b"deploy of billing to staging is green", &mut candidates);
    let run = candidates.iter().filter(|c| **c).count();
    assert!(
        run * 10 <= candidates.len(),
        "{run} of {} patterns would run",
        candidates.len()
    );
}
