//! Topics: what an ask (or a decision) is about, and the tokens it matches on.
//!
//! Third step of the classifier. "align on the Q3 roadmap" → `Q3 roadmap`;
//! "get buy-in from design on the onboarding flow" → `onboarding flow`;
//! "same page re: the migration" → `migration`. For matching against
//! decisions, a topic becomes a set of tokens: lower case, stop words out,
//! simple stemming, a few synonyms, so word order and inflection don't matter.

use std::ops::Range;

/// Words that open a new clause or a time phrase: the topic stops before them.
const STOP_BEFORE: &[&str] = &[
    "starting",
    "effective",
    "before",
    "by",
    "so",
    "then",
    "first",
    "once",
    "until",
    "till",
    "because",
    "since",
    "when",
    "while",
    "with",
    "w",
    "asap",
    "next",
    "tomorrow",
    "tmrw",
    "tmr",
    "tmrw?",
    "today",
    "tonight",
    "tho",
    "though",
    "now",
    "at",
    "pls",
    "please",
    "thanks",
    "thx",
    "i",
    "we",
    "you",
    "they",
    "he",
    "she",
    "asap",
    "this",
    "eow",
    "eod",
    "eoq",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thurs",
    "fri",
    "either",
    "b4",
    "instead",
    "yet",
    "later",
    "soon",
    "here",
    "there",
    "going",
    "anyway",
    "if",
    "that",
    "which",
    "who",
    "where",
    "are",
    "is",
    "will",
    "would",
    "should",
    "can",
    "could",
    "need",
    "needs",
    "as",
    "ahead",
    "in",
    "across",
    "among",
    "between",
    "from",
    "for",
];

/// Determiners and fillers dropped from the front of a topic.
const LEADING: &[&str] = &[
    "against", "the", "a", "an", "our", "your", "their", "its", "my", "some", "any", "all", "his",
    "her", "whole", "new", "re", "around", "about", "on", "upon", "over", "to",
];

/// Pronouns that point back at something said earlier.
const ANAPHORA: &[&str] = &[
    "this", "that", "it", "these", "those", "them", "this one", "that one",
];

/// Whether an ask that ends on `word` ("aligned before", "aligned by")
/// goes on to say when or why, not what: the words after it are no topic.
pub fn opens_time_or_clause(word: &str) -> bool {
    matches!(
        word,
        "before" | "by" | "until" | "till" | "so" | "then" | "now" | "first" | "once" | "again"
    )
}

/// Words that carry no topic on their own.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "also",
    "an",
    "and",
    "any",
    "are",
    "around",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "do",
    "does",
    "done",
    "each",
    "either",
    "every",
    "everyone",
    "for",
    "from",
    "get",
    "go",
    "going",
    "got",
    "had",
    "has",
    "have",
    "he",
    "her",
    "here",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "let",
    "lets",
    "make",
    "me",
    "more",
    "most",
    "my",
    "need",
    "needs",
    "new",
    "no",
    "not",
    "now",
    "of",
    "on",
    "one",
    "or",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "pls",
    "please",
    "re",
    "regarding",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "to",
    "too",
    "up",
    "upon",
    "us",
    "vs",
    "want",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "yet",
    "you",
    "your",
    "stuff",
    "question",
    "topic",
    "whole",
    "way",
    "side",
    "bit",
    "s",
    "t",
    "ll",
    "d",
    "ve",
    "m",
    "w",
    "team",
    "teams",
    "everyone",
    "everybody",
    "folks",
    "people",
    "guys",
];

/// Spelling variants and abbreviations that mean the same thing.
const SYNONYMS: &[(&str, &str)] = &[
    ("db", "database"),
    ("dbs", "database"),
    ("prod", "production"),
    ("docs", "doc"),
    ("documentation", "doc"),
    ("repo", "repository"),
    ("repos", "repository"),
    ("oncall", "call"),
    ("k8s", "kubernetes"),
    ("ui", "interface"),
    ("reqs", "requirement"),
    ("eng", "engineering"),
    ("mgmt", "management"),
    ("infra", "infrastructure"),
    ("okrs", "okr"),
];

/// Byte ranges of the words of `text` (letters, digits and inner `'`/`.`).
pub fn word_spans(text: &str) -> Vec<Range<usize>> {
    words(text).collect()
}

/// How many words `text` has, as [`word_spans`] counts them.
pub fn word_count(text: &str) -> usize {
    if !text.is_ascii() {
        return words(text).count();
    }
    // The same words, a byte at a time: in ASCII text a character is a byte.
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut inside = false;
    for (i, &b) in bytes.iter().enumerate() {
        let joins = inside
            && matches!(b, b'\'' | b'.')
            && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric);
        let word = b.is_ascii_alphanumeric() || b == b'%' || joins;
        count += usize::from(word && !inside);
        inside = word;
    }
    count
}

fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices();
    let mut start = None;
    let mut prev_end = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        for (i, c) in chars.by_ref() {
            let inner_joiner = matches!(c, '\'' | '.') && start.is_some();
            if c.is_alphanumeric()
                || c == '%'
                || (inner_joiner && next_is_alnum(text, i + c.len_utf8()))
            {
                if start.is_none() {
                    start = Some(i);
                }
                prev_end = i + c.len_utf8();
            } else if let Some(s) = start.take() {
                return Some(s..prev_end);
            }
        }
        done = true;
        start.take().map(|s| s..prev_end)
    })
}

/// Whether the word ending at `at` is the first part of a hyphenated word
/// ("on-call", "re-org"): then it is not a preposition or a determiner.
fn hyphenated(text: &str, at: usize) -> bool {
    text[at..].starts_with('-') && next_is_alnum(text, at + 1)
}

fn next_is_alnum(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_some_and(char::is_alphanumeric)
}

fn is_in(word: &str, list: &[&str]) -> bool {
    list.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// Where the topic stops, scanning from `start` to `limit`.
fn topic_end(text: &str, start: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = start;
    let mut words = 0;
    let mut last_word_end = start;
    while i < limit {
        let c = bytes[i];
        if matches!(
            c,
            b'.' | b'?' | b'!' | b';' | b',' | b'(' | b')' | b'[' | b']' | b'"' | b'\n' | b'='
        ) && !(c == b'.' && i + 1 < limit && bytes[i + 1].is_ascii_alphanumeric())
        {
            break;
        }
        if c == b':' {
            break;
        }
        if c == b'-' && i + 1 < limit && bytes[i + 1] == b' ' && i > 0 && bytes[i - 1] == b' ' {
            break;
        }
        if c >= 0x80 {
            // Dashes (— –) and other punctuation end the topic; letters don't.
            let ch = text[i..].chars().next().unwrap_or(' ');
            if !ch.is_alphanumeric() {
                break;
            }
            i += ch.len_utf8();
            last_word_end = i;
            continue;
        }
        if c.is_ascii_alphanumeric() || c == b'%' || c == b'&' {
            let word_start = i;
            while i < limit
                && (bytes[i].is_ascii_alphanumeric()
                    || matches!(bytes[i], b'-' | b'\'' | b'%' | b'/' | b'.' | b'&')
                        && i + 1 < limit
                        && bytes[i + 1].is_ascii_alphanumeric()
                    || bytes[i] >= 0x80
                        && text[i..].chars().next().is_some_and(char::is_alphanumeric))
            {
                i += if bytes[i] >= 0x80 {
                    text[i..].chars().next().map_or(1, char::len_utf8)
                } else {
                    1
                };
            }
            let word = &text[word_start..i];
            if words > 0
                && (is_in(word, STOP_BEFORE)
                    || word.contains('\'') && !word.ends_with("'s")
                    || word.eq_ignore_ascii_case("and") && next_word_is_verb(text, i, limit))
            {
                break;
            }
            if i < limit && bytes[i] == b'%' {
                i += 1;
            }
            words += 1;
            last_word_end = i;
            if words >= 8 {
                break;
            }
            continue;
        }
        i += 1;
    }
    last_word_end
}

/// Verbs that, after "and", start a new clause rather than continue the topic
/// ("agree on the roadmap and sign it off").
const CLAUSE_VERBS: &[&str] = &[
    "sign",
    "get",
    "make",
    "share",
    "send",
    "publish",
    "document",
    "write",
    "close",
    "ship",
    "move",
    "start",
    "review",
    "decide",
    "finalize",
    "finalise",
    "then",
    "let",
    "come",
    "pair",
    "report",
    "update",
    "present",
    "communicate",
    "put",
];

fn next_word_is_verb(text: &str, from: usize, limit: usize) -> bool {
    let rest = &text[from..limit];
    let word = rest
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    is_in(word, CLAUSE_VERBS)
}

/// What a topic phrase turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicPhrase {
    /// Named words, e.g. `Q3 roadmap`, as a range of the text.
    Named(Range<usize>),
    /// "this", "that", "it": points back at the thread.
    Anaphoric,
    /// Nothing to go on.
    Missing,
}

/// Prepositions that introduce what an ask is about.
const INTRODUCERS: &[&str] = &[
    "on",
    "about",
    "re",
    "regarding",
    "around",
    "upon",
    "behind",
    "over",
    "as to",
    "wrt",
];

/// Finds the topic after an ask that ended at `from`, within `from..limit`.
pub fn topic_after(
    text: &str,
    from: usize,
    limit: usize,
    ended_with_introducer: bool,
) -> TopicPhrase {
    let limit = limit.min(text.len());
    if from >= limit {
        return TopicPhrase::Missing;
    }
    let mut start = from;
    if !ended_with_introducer {
        // Look ahead a few words, within the clause, for "on/about/re …".
        let window_end = topic_end(text, from, limit).max(clause_window(text, from, limit));
        let spans = word_spans(&text[from..window_end]);
        let found = spans.iter().take(8).position(|s| {
            is_in(&text[from + s.start..from + s.end], INTRODUCERS)
                && !hyphenated(text, from + s.end)
        });
        match found {
            Some(p) => start = from + spans[p].end,
            None => {
                // Terse forms name the topic right after the verb ("Agree a definition of done").
                let first = spans.first().map(|s| &text[from + s.start..from + s.end]);
                if first.is_none_or(|w| is_in(w, STOP_BEFORE) && !is_in(w, ANAPHORA)) {
                    return TopicPhrase::Missing;
                }
            }
        }
    }
    // Skip spaces and a colon after "re".
    let bytes = text.as_bytes();
    while start < limit && matches!(bytes[start], b' ' | b':' | b'\'' | b'"') {
        start += 1;
    }
    let mut s = start;
    // Drop leading determiners.
    loop {
        let spans = word_spans(&text[s..floor_boundary(text, limit.min(s + 40))]);
        match spans.first() {
            Some(w)
                if w.start == 0
                    && is_in(&text[s..s + w.end], LEADING)
                    && !hyphenated(text, s + w.end) =>
            {
                let after = s + w.end;
                // Keep "that"/"this" as anaphora: they are not in LEADING.
                s = after;
                while s < limit && bytes[s] == b' ' {
                    s += 1;
                }
            }
            _ => break,
        }
    }
    let first_word = word_spans(&text[s..floor_boundary(text, limit.min(s + 40))])
        .first()
        .map(|w| text[s + w.start..s + w.end].to_ascii_lowercase());
    if let Some(w) = &first_word
        && is_in(w, ANAPHORA)
    {
        return TopicPhrase::Anaphoric;
    }
    let end = topic_end(text, s, limit);
    if end <= s {
        return TopicPhrase::Missing;
    }
    let phrase = text[s..end].trim_end_matches(['-', '\'', ' ']);
    if phrase.is_empty() || tokens(phrase).is_empty() {
        return if first_word.is_some_and(|w| is_in(&w, ANAPHORA)) {
            TopicPhrase::Anaphoric
        } else {
            TopicPhrase::Missing
        };
    }
    TopicPhrase::Named(s..s + phrase.len())
}

/// Words that make "for …" a time or a span rather than what a choice is for
/// ("for now", "for the time being", "for Q3", "for two weeks").
const NOT_A_PURPOSE: &[&str] = &[
    "now", "today", "tonight", "tomorrow", "time", "moment", "while", "rest", "this", "next",
    "last", "week", "weeks", "month", "months", "quarter", "quarters", "year", "years", "sprint",
    "sprints", "day", "days", "q1", "q2", "q3", "q4", "h1", "h2", "one", "two", "three", "four",
    "a", "good", "ever", "sure", "real", "example", "instance", "reasons", "reason", "that",
];

/// In a choice ("we're going with three tiers for pricing", "Decision:
/// Vercel for hosting"), what the choice is for: the topic after the `for`
/// that follows the chosen thing `chosen`, unless it is a time or a span
/// ("for now", "for Q3").
pub fn chosen_for(text: &str, chosen: Range<usize>, limit: usize) -> Option<Range<usize>> {
    let limit = floor_boundary(text, limit.min(text.len()));
    if chosen.end >= limit || !text.is_char_boundary(chosen.end) {
        return None;
    }
    let rest = &text[chosen.end..limit];
    let trimmed = rest.trim_start();
    let word = trimmed.get(..4)?;
    if !word.eq_ignore_ascii_case("for ") {
        return None;
    }
    let from = chosen.end + (rest.len() - trimmed.len()) + 3;
    let TopicPhrase::Named(purpose) = topic_after(text, from, limit, true) else {
        return None;
    };
    let first = word_spans(&text[purpose.clone()])
        .first()
        .map(|w| text[purpose.start + w.start..purpose.start + w.end].to_ascii_lowercase())?;
    let a_time = is_in(&first, NOT_A_PURPOSE) || first.starts_with(|c: char| c.is_ascii_digit());
    (!a_time).then_some(purpose)
}

/// The nearest character boundary at or before `i`.
fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn clause_window(text: &str, from: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < limit && !matches!(bytes[i], b'.' | b'?' | b'!' | b';' | b'\n' | b',') {
        i += 1;
    }
    floor_boundary(text, i.min(from + 80).min(limit))
}

/// A topic for display: trimmed, inner whitespace collapsed.
pub fn display(phrase: &str) -> String {
    phrase.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The matching tokens of a phrase: lower case, stop words out, stemmed, deduplicated.
pub fn tokens(phrase: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for span in word_spans(phrase) {
        let raw = phrase[span].to_lowercase();
        let raw = raw.trim_end_matches("'s").trim_matches('\'').to_owned();
        for part in raw.split(['.', '\'']) {
            if part.is_empty() || is_in(part, STOP_WORDS) || part == "%" {
                continue;
            }
            let part = SYNONYMS
                .iter()
                .find(|(from, _)| *from == part)
                .map_or(part, |(_, to)| to);
            let stemmed = stem(part);
            if !stemmed.is_empty() && !out.contains(&stemmed) {
                out.push(stemmed);
            }
        }
    }
    out
}

/// A small suffix stripper: consistent rather than linguistically right.
pub fn stem(word: &str) -> String {
    let mut w = word.to_owned();
    if w.chars().any(|c| c.is_ascii_digit()) || !w.is_ascii() || w.len() <= 3 {
        return w;
    }
    for (suffix, replacement, min) in [
        ("ies", "y", 5),
        ("sses", "ss", 5),
        ("ations", "at", 7),
        ("ation", "at", 6),
        ("ments", "", 7),
        ("ment", "", 6),
        ("ings", "", 6),
        ("ing", "", 6),
        ("edly", "", 6),
        ("ed", "", 5),
        ("es", "", 5),
        ("s", "", 4),
    ] {
        if w.len() >= min
            && w.ends_with(suffix)
            && !(suffix == "s" && (w.ends_with("ss") || w.ends_with("us") || w.ends_with("is")))
        {
            w.truncate(w.len() - suffix.len());
            w.push_str(replacement);
            break;
        }
    }
    if w.len() > 6 && w.ends_with("al") {
        w.truncate(w.len() - 2);
    }
    // planning → plann → plan
    let b = w.as_bytes();
    if b.len() >= 4
        && b[b.len() - 1] == b[b.len() - 2]
        && !matches!(b[b.len() - 1], b'l' | b's' | b'z' | b'e' | b'o')
    {
        w.pop();
    }
    if w.len() > 4 && w.ends_with('e') {
        w.pop();
    }
    if w.len() > 4 && w.ends_with('y') {
        w.pop();
        w.push('i');
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(text: &str, marker: &str) -> Option<String> {
        let from = text.find(marker).expect("marker") + marker.len();
        match topic_after(text, from, text.len(), true) {
            TopicPhrase::Named(r) => Some(display(&text[r])),
            TopicPhrase::Anaphoric => Some("<anaphora>".into()),
            TopicPhrase::Missing => None,
        }
    }

    #[test]
    fn words_are_counted_as_they_are_found() {
        for text in [
            "",
            "  ",
            "we're 50% sure it's v1.2 -- or v.2?",
            "don't. 'quoted' end.",
            "a'b' c..d .e f.",
            "100%% x%y 'lead",
            "ok",
            "we’re sure: café au lait",
        ] {
            assert_eq!(word_count(text), word_spans(text).len(), "{text:?}");
        }
        assert_eq!(word_count("we're 50% sure it's v1.2 -- or v.2?"), 7);
    }

    #[test]
    fn topics_stop_at_clause_and_time_words() {
        assert_eq!(
            topic("can we align on the Q3 roadmap?", "align on").as_deref(),
            Some("Q3 roadmap")
        );
        assert_eq!(
            topic(
                "lets all get on the same page on the onboarding redesign. meeting thurs?",
                "same page on"
            )
            .as_deref(),
            Some("onboarding redesign")
        );
        assert_eq!(
            topic(
                "I want eng aligned on the annual discount before we commit",
                "aligned on"
            )
            .as_deref(),
            Some("annual discount")
        );
        assert_eq!(
            topic("can we get design's buy-in on this before", "buy-in on").as_deref(),
            Some("<anaphora>")
        );
    }

    #[test]
    fn the_topic_is_found_after_a_from_phrase() {
        let text = "get buy-in from design on the onboarding flow";
        let from = "get buy-in".len();
        let TopicPhrase::Named(r) = topic_after(text, from, text.len(), false) else {
            panic!("named topic expected");
        };
        assert_eq!(&text[r], "onboarding flow");
        let text = "same page re: the migration";
        let from = "same page".len();
        let TopicPhrase::Named(r) = topic_after(text, from, text.len(), false) else {
            panic!("named topic expected");
        };
        assert_eq!(&text[r], "migration");
    }

    #[test]
    fn hyphenated_words_stay_whole_in_topics() {
        assert_eq!(
            topic(
                "We should get on the same page about the on-call rotation.",
                "same page"
            )
            .as_deref(),
            Some("on-call rotation")
        );
        assert_eq!(
            topic("can we align on the re-org plan?", "align").as_deref(),
            Some("re-org plan")
        );
    }

    fn chosen(text: &str, thing: &str) -> Option<String> {
        let start = text.find(thing).expect("thing");
        chosen_for(text, start..start + thing.len(), text.len()).map(|r| display(&text[r]))
    }

    #[test]
    fn a_choice_is_about_what_it_is_for_unless_that_is_a_time() {
        assert_eq!(
            chosen("we're going with three tiers for pricing.", "three tiers").as_deref(),
            Some("pricing")
        );
        assert_eq!(
            chosen("Vercel for the marketing site hosting", "Vercel").as_deref(),
            Some("marketing site hosting")
        );
        assert_eq!(chosen("the monolith for now", "the monolith"), None);
        assert_eq!(chosen("two tiers for Q3, then review", "two tiers"), None);
        assert_eq!(chosen("two tiers for 2 sprints", "two tiers"), None);
        assert_eq!(chosen("two tiers", "two tiers"), None);
    }

    #[test]
    fn tokens_ignore_order_case_and_inflection() {
        let mut a = tokens("two-week mobile release cadence");
        let mut b = tokens("Mobile release train: two-week cadences");
        a.sort();
        b.sort();
        assert!(a.iter().all(|t| b.contains(t)), "{a:?} vs {b:?}");
        assert_eq!(tokens("the Planning of releases"), vec!["plan", "releas"]);
        assert_eq!(tokens("event store DB"), tokens("event stores database"));
    }
}
