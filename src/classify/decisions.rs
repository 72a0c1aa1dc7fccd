//! The decision log as the classifier sees it: an inverted index from topic
//! tokens to logged decisions, so a lookup touches only the decisions that
//! share a word with the asked-about topic, never the whole log.
//!
//! Last step of the classifier: a topic's tokens (see [`super::topic`]) are
//! matched against each candidate's topic and decision tokens, tolerant of
//! word order and inflection. A decision is read whole: an ask about what was
//! chosen ("three tiers") finds it as well as an ask about what it was chosen
//! for ("pricing"). Generic words ("plan", "process") never match on their
//! own. A newer decision on the same topic wins.
//!
//! Also here: how a decision message is stored — without its `Decision:`
//! header, owned by the person it names.

use super::topic::{stem, tokens};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

#[derive(Debug, Clone)]
struct Entry {
    id: i64,
    topic: String,
    decision: String,
    /// Token ids of the topic, sorted.
    topic_tokens: Vec<u32>,
    alive: bool,
    /// The "decision" only postpones the question.
    deferral: bool,
    /// When it was recorded (Unix seconds), when that is known.
    at: Option<i64>,
}

/// Logged decisions, indexed by topic tokens for lookup.
#[derive(Debug, Default, Clone)]
pub struct DecisionIndex {
    entries: Vec<Entry>,
    by_id: HashMap<i64, usize>,
    vocabulary: HashMap<String, u32>,
    /// Token id → entries that have the token, in insertion order, each as
    /// `slot << 1 | 1` when the token is in the entry's topic, `slot << 1`
    /// when only in its decision text.
    postings: Vec<Vec<u32>>,
    /// Token id → whether the token is generic (see `GENERIC_WORDS`).
    generic: Vec<bool>,
    live: usize,
}

/// A logged decision that covers a topic.
#[derive(Debug, Clone, PartialEq)]
pub struct LogMatch<'a> {
    pub id: i64,
    pub topic: &'a str,
    pub decision: &'a str,
    /// Share of the query's tokens found in the entry, in `[0, 1]`.
    pub coverage: f64,
}

/// Words that name no topic on their own: a shared "plan" or "process" is
/// not evidence that two things are the same.
const GENERIC_WORDS: &[&str] = &[
    "plan",
    "process",
    "approach",
    "strategy",
    "direction",
    "meeting",
    "decision",
    "owner",
    "call",
    "detail",
    "update",
    "issue",
    "work",
    "project",
    "next",
    "step",
    "idea",
    "option",
    "proposal",
    "point",
    "item",
    "doc",
    "discussion",
    "review",
    "sync",
    "time",
    "date",
    "week",
    "month",
    "quarter",
    "day",
    "goal",
    "priority",
    "thought",
    "final",
    "decided",
    "picked",
    "chose",
    "list",
    "change",
    "aligned",
    "agreed",
    "consensus",
    "question",
];

/// [`GENERIC_WORDS`] as the index sees them: stemmed like every token.
static GENERIC: LazyLock<HashSet<String>> =
    LazyLock::new(|| GENERIC_WORDS.iter().map(|w| stem(w)).collect());

fn is_generic(token: &str) -> bool {
    GENERIC.contains(token)
}

/// Words in a logged decision that say it is not decided after all.
const DEFERRALS: &[&str] = &[
    "deferred",
    "defer",
    "revisit",
    "tbd",
    "undecided",
    "parked",
    "postponed",
    "on hold",
    "not decided",
    "no decision",
    "pending",
];

impl DecisionIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or, for an existing id, replaces) a logged decision, its time
    /// not known (a corpus item's log is the moment's).
    pub fn insert(&mut self, id: i64, topic: &str, decision: &str) {
        self.insert_entry(id, topic, decision, None);
    }

    /// [`Self::insert`] for a decision recorded at `at` (Unix seconds).
    pub fn insert_at(&mut self, id: i64, topic: &str, decision: &str, at: i64) {
        self.insert_entry(id, topic, decision, Some(at));
    }

    fn insert_entry(&mut self, id: i64, topic: &str, decision: &str, at: Option<i64>) {
        if let Some(old) = self.by_id.remove(&id)
            && let Some(entry) = self.entries.get_mut(old)
            && entry.alive
        {
            entry.alive = false;
            self.live -= 1;
        }
        let slot = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let mut topic_tokens: Vec<u32> = tokens(topic).iter().map(|t| self.intern(t)).collect();
        topic_tokens.sort_unstable();
        topic_tokens.dedup();
        let mut all_tokens = topic_tokens.clone();
        all_tokens.extend(tokens(decision).iter().map(|t| self.intern(t)));
        all_tokens.sort_unstable();
        all_tokens.dedup();
        for &t in &all_tokens {
            let in_topic = u32::from(topic_tokens.binary_search(&t).is_ok());
            self.postings[t as usize].push(slot << 1 | in_topic);
        }
        self.by_id.insert(id, self.entries.len());
        self.entries.push(Entry {
            id,
            topic: topic.to_owned(),
            decision: decision.to_owned(),
            topic_tokens,
            alive: true,
            deferral: is_deferral(decision),
            at,
        });
        self.live += 1;
    }

    fn intern(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.vocabulary.get(token) {
            return id;
        }
        let id = u32::try_from(self.postings.len()).unwrap_or(u32::MAX);
        self.vocabulary.insert(token.to_owned(), id);
        self.postings.push(Vec::new());
        self.generic.push(is_generic(token));
        id
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The logged decision that best covers `topic`, if any does.
    ///
    /// An entry covers a topic when, counting its topic and its decision
    /// text, at least half of the topic's tokens are found, one of them not
    /// generic ("plan", "process"), and either its topic shares a token with the asked topic
    /// or its text has every specific token of it. Ties go to the newest
    /// entry.
    pub fn lookup(&self, topic: &str) -> Option<LogMatch<'_>> {
        self.lookup_tokens(&tokens(topic))
    }

    /// [`Self::lookup`] for tokens already computed by [`tokens`].
    ///
    /// Walks the postings of the query's tokens once, counting for each
    /// entry how many query tokens it has (and how many in its topic); only
    /// the entries that qualify are read. Memory access is sequential, so a
    /// lookup costs microseconds even with 100,000 logged decisions.
    pub fn lookup_tokens(&self, query: &[String]) -> Option<LogMatch<'_>> {
        if query.is_empty() || self.live == 0 {
            return None;
        }
        // At most 200 tokens, so the per-entry counters below cannot overflow.
        let known: Vec<u32> = query
            .iter()
            .take(200)
            .filter_map(|t| self.vocabulary.get(t.as_str()).copied())
            .collect();
        let needed = query.len().div_ceil(2);
        if known.len() < needed {
            return None;
        }
        let specific_in_query = query.iter().take(200).filter(|t| !is_generic(t)).count();
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch {
                counts,
                touched,
                cursors,
            } = &mut *scratch;
            if counts.len() < BLOCK {
                counts.resize(BLOCK, 0);
            }
            cursors.clear();
            cursors.resize(known.len(), 0);
            let mut best: Option<(f64, usize, usize)> = None;
            // Slots a block at a time, so the counters stay in the fastest
            // cache: each token's postings are in slot order, and a cursor
            // per token walks them once over all blocks.
            for block_start in (0..self.entries.len()).step_by(BLOCK) {
                let block_end = block_start + BLOCK;
                touched.clear();
                for (&token, cursor) in known.iter().zip(cursors.iter_mut()) {
                    let specific = u32::from(!self.generic[token as usize]);
                    let postings = &self.postings[token as usize];
                    while let Some(&posting) = postings.get(*cursor) {
                        let slot = (posting >> 1) as usize;
                        if slot >= block_end {
                            break;
                        }
                        *cursor += 1;
                        let count = &mut counts[slot - block_start];
                        if *count == 0 {
                            touched.push(slot as u32);
                        }
                        // Byte 0: query tokens found; byte 1: found in the topic;
                        // byte 2: specific (not generic) tokens found.
                        *count += 1 + (posting & 1) * 256 + specific * 65_536;
                    }
                }
                for &slot in touched.iter() {
                    let slot = slot as usize;
                    let count = std::mem::take(&mut counts[slot - block_start]);
                    let matched = (count & 0xff) as usize;
                    if matched < needed {
                        continue;
                    }
                    let in_topic = ((count >> 8) & 0xff) as usize;
                    let specific = (count >> 16) as usize;
                    let entry = &self.entries[slot];
                    // Only generic words asked ("the plan"): the entry's whole topic must be named.
                    let enough_specific = if specific_in_query == 0 {
                        in_topic == entry.topic_tokens.len()
                    } else {
                        specific > 0
                    };
                    // Found only in the decision's text: every specific word must be there.
                    let placed = in_topic > 0 || specific == specific_in_query;
                    if !enough_specific || !placed {
                        continue;
                    }
                    if !entry.alive || entry.deferral {
                        continue;
                    }
                    // Topic words count double; a smaller topic breaks ties.
                    let score = (matched + in_topic) as f64 / (2 * query.len()) as f64
                        + in_topic as f64 / (100 * entry.topic_tokens.len().max(1)) as f64;
                    let better = match best {
                        None => true,
                        Some((s, b, _)) => {
                            score > s + 1e-9 || ((score - s).abs() <= 1e-9 && slot > b)
                        }
                    };
                    if better {
                        best = Some((score, slot, matched));
                    }
                }
            }
            best.map(|(_, slot, matched)| {
                let entry = &self.entries[slot];
                LogMatch {
                    id: entry.id,
                    topic: &entry.topic,
                    decision: &entry.decision,
                    coverage: matched as f64 / query.len() as f64,
                }
            })
        })
    }
}

impl DecisionIndex {
    /// The newest live entry, unless it only postpones the question or was
    /// recorded before `since` (Unix seconds; an entry of unknown time is
    /// then too old): what an ask that names nothing ("get everyone aligned
    /// on this") points at when no thread says otherwise.
    pub fn latest(&self, since: Option<i64>) -> Option<LogMatch<'_>> {
        let entry = self.entries.iter().rev().find(|e| e.alive)?;
        let recent = since.is_none_or(|since| entry.at.is_some_and(|at| at >= since));
        if entry.deferral || !recent {
            return None;
        }
        Some(LogMatch {
            id: entry.id,
            topic: &entry.topic,
            decision: &entry.decision,
            coverage: 0.0,
        })
    }

    /// The logged decision a message names in passing, when it names no
    /// topic of its own ("get marketing on board with the 12-month
    /// definition"): `words` are the whole message's [`tokens`]. Stricter
    /// than [`Self::lookup_tokens`], because a message has many words: the
    /// entry's topic must be named whole, or the message must share at
    /// least two specific words with the entry, one of them in its topic.
    /// Ties go to the newest entry.
    pub fn lookup_mentioned(&self, words: &[String]) -> Option<LogMatch<'_>> {
        if self.live == 0 {
            return None;
        }
        // Per entry: specific words found in its topic, and in all.
        let mut found: HashMap<usize, (usize, usize)> = HashMap::new();
        let mut seen = HashSet::new();
        for word in words.iter().take(200) {
            let Some(&token) = self.vocabulary.get(word.as_str()) else {
                continue;
            };
            if self.generic[token as usize] || !seen.insert(token) {
                continue;
            }
            for &posting in &self.postings[token as usize] {
                let counts = found.entry((posting >> 1) as usize).or_default();
                counts.0 += (posting & 1) as usize;
                counts.1 += 1;
            }
        }
        let mut best: Option<(usize, usize)> = None;
        for (slot, (in_topic, all)) in found {
            let entry = &self.entries[slot];
            if !entry.alive || entry.deferral || in_topic == 0 {
                continue;
            }
            let topic_specific = entry
                .topic_tokens
                .iter()
                .filter(|&&t| !self.generic[t as usize])
                .count();
            if in_topic < topic_specific && all < 2 {
                continue;
            }
            let better = match best {
                None => true,
                Some((b_all, b_slot)) => all > b_all || (all == b_all && slot > b_slot),
            };
            if better {
                best = Some((all, slot));
            }
        }
        best.map(|(all, slot)| {
            let entry = &self.entries[slot];
            LogMatch {
                id: entry.id,
                topic: &entry.topic,
                decision: &entry.decision,
                coverage: all as f64 / words.len().max(1) as f64,
            }
        })
    }
}

/// Per-thread counters for [`DecisionIndex::lookup_tokens`]: reused so a
/// lookup allocates nothing once warm, and left zeroed.
#[derive(Default)]
struct Scratch {
    /// One counter per slot of the current block.
    counts: Vec<u32>,
    touched: Vec<u32>,
    /// Per query token, how far into its postings the walk has come.
    cursors: Vec<usize>,
}

/// Slots counted at a time: 4,096 counters are 16 KB.
const BLOCK: usize = 4096;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// A logged "decision" that only postpones the question ("deferred — revisit in Q3").
fn is_deferral(decision: &str) -> bool {
    let lower = decision.trim().to_lowercase();
    let opening: String = lower.chars().take(24).collect();
    DEFERRALS.iter().any(|d| opening.starts_with(d))
        || ["not decided", "no decision", "undecided", "tbd"]
            .iter()
            .any(|d| lower.contains(d))
}

/// Headers that open a decision message ("Decision:", "Final decision -").
const MARKERS: &[&str] = &[
    "final decision",
    "decision made",
    "decision",
    "decided",
    "final call",
    "resolution",
    "verdict",
    "outcome",
];

/// The decision a message states, without its header: "Decision: we're
/// going with three tiers" → "we're going with three tiers". Formatting and
/// emoji around the header go with it; text without a header is kept whole.
pub fn stated_decision(text: &str) -> &str {
    let trimmed = text.trim();
    let rest = trimmed.trim_start_matches(['*', '_', '~', '>', ' ']);
    let rest = skip_emoji(rest);
    let Some(after) = MARKERS.iter().find_map(|m| {
        let head = rest.get(..m.len())?;
        head.eq_ignore_ascii_case(m).then(|| &rest[m.len()..])
    }) else {
        return trimmed;
    };
    // "Decision (pricing):", "DECISION -", "Decided —"
    let mut after = after.trim_start_matches([' ', '*', '_']);
    if after.starts_with('(')
        && let Some(close) = after.find(')')
    {
        after = after[close + 1..].trim_start_matches([' ', '*', '_']);
    }
    let Some(sep) = after
        .chars()
        .next()
        .filter(|c| matches!(c, ':' | '-' | '—' | '–'))
    else {
        return trimmed;
    };
    let body = after[sep.len_utf8()..]
        .trim_start_matches([' ', '*', '_', '-'])
        .trim();
    if body.is_empty() { trimmed } else { body }
}

/// Words that give a decision's reasoning.
const REASON_MARKERS: &[&str] = &["because", "so that", "reason", "reasons"];

/// The reasoning a decision message gives, if it gives one: from its first
/// "because", "so that" or "reason" to the end of that sentence ("we're
/// going with three tiers because churn is highest on the flat plan" →
/// "because churn is highest on the flat plan").
pub fn stated_reasoning(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let start = REASON_MARKERS
        .iter()
        .filter_map(|marker| {
            lower.match_indices(marker).map(|(at, _)| at).find(|&at| {
                let before = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
                let end = at + marker.len();
                let after = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
                before && after
            })
        })
        .min()?;
    let rest = &text[start..];
    let end = rest.find(['.', '!', '?', '\n']).unwrap_or(rest.len());
    let reasoning = rest[..end].trim();
    (reasoning.split_whitespace().count() >= 3).then_some(reasoning)
}

/// Skips emoji shortcodes (":white_check_mark: ") at the start of `text`.
fn skip_emoji(mut text: &str) -> &str {
    while let Some(rest) = text.strip_prefix(':') {
        let Some(end) = rest.find(':') else { break };
        let code = &rest[..end];
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        {
            break;
        }
        text = rest[end + 1..].trim_start();
    }
    text
}

/// The user a decision message names as its owner ("Owner: <@U0ANA>",
/// "owned by <@U0ANA>", "owner is <@U0ANA|ana>"), if it names one.
pub fn named_owner(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("own") {
        let at = from + found;
        from = at + 3;
        let boundary = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = &lower[at..];
        let after = ["owned by", "owners", "owner"]
            .iter()
            .find(|w| rest.starts_with(*w))
            .map(|w| at + w.len());
        let (true, Some(after)) = (boundary, after) else {
            continue;
        };
        let mut tail = text[after..].trim_start_matches([' ', ':', '-', '—', '–', '*', '_', '=']);
        for filler in ["is ", "will be "] {
            if tail
                .get(..filler.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(filler))
            {
                tail = tail[filler.len()..].trim_start();
            }
        }
        if let Some(id) = mention_at(tail) {
            return Some(id);
        }
    }
    None
}

/// The user id of a `<@U…>` or `<@U…|name>` mention at the start of `text`.
fn mention_at(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("<@")?;
    let end = rest.find(['>', '|'])?;
    let id = &rest[..end];
    let valid = id.len() >= 2
        && id.starts_with(['U', 'W'])
        && id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    valid.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_naming_no_topic_finds_the_decision_it_mentions_strictly() {
        let mut index = DecisionIndex::new();
        index.insert(
            1,
            "active customer definition",
            "purchase in the last 12 months",
        );
        index.insert(2, "precedent bank criteria", "final executed versions only");
        index.insert(3, "hosting", "Vercel");
        let words = |text: &str| tokens(text);
        let hit = |text: &str| index.lookup_mentioned(&words(text)).map(|m| m.id);
        // Two specific words shared, one in the topic.
        assert_eq!(
            hit("let's get marketing on board with the 12-month definition"),
            Some(1)
        );
        // The topic named whole.
        assert_eq!(
            hit("get your groups on board with the precedent bank"),
            Some(2)
        );
        // One shared word, or shared words only in the decision's text: no.
        assert_eq!(hit("can we get everyone aligned on the definition"), None);
        assert_eq!(
            hit("can we get aligned on the last 12 months of churn"),
            None
        );
        // Generic words never count.
        assert_eq!(hit("can we align on the plan and the process"), None);
    }

    #[test]
    fn reasoning_is_the_clause_from_because_so_that_or_reason() {
        assert_eq!(
            stated_reasoning(
                "Decision: three tiers because churn is highest on the flat plan. Owner: <@U1>."
            ),
            Some("because churn is highest on the flat plan")
        );
        assert_eq!(
            stated_reasoning("We go monthly so that finance can forecast"),
            Some("so that finance can forecast")
        );
        assert_eq!(
            stated_reasoning("Decided: ship Friday. The reason: the launch event is Monday."),
            Some("reason: the launch event is Monday")
        );
        assert_eq!(
            stated_reasoning("Decision: three tiers, monthly and yearly."),
            None
        );
        assert_eq!(stated_reasoning("Decision: treasonous plans are off"), None);
        assert_eq!(stated_reasoning("because"), None);
    }

    #[test]
    fn lookup_tolerates_word_order_and_inflection() {
        let mut index = DecisionIndex::new();
        index.insert(
            1,
            "mobile release train",
            "two-week cadence, release cut on Tuesdays",
        );
        index.insert(2, "hosting", "Vercel");
        let hit = index
            .lookup("two-week mobile release cadence")
            .expect("covered");
        assert_eq!(hit.id, 1);
        assert!(index.lookup("the release cadence").is_some());
        assert!(index.lookup("monorepo").is_none());
    }

    #[test]
    fn the_same_id_replaces_and_a_newer_decision_wins() {
        let mut index = DecisionIndex::new();
        index.insert(1, "pricing page", "ship the 3-tier layout");
        index.insert(1, "pricing page", "ship the 2-tier layout");
        assert_eq!(index.len(), 1);
        assert_eq!(
            index.lookup("pricing page").map(|m| m.decision),
            Some("ship the 2-tier layout")
        );
        index.insert(2, "pricing page", "ship 4 tiers");
        assert_eq!(index.lookup("pricing page").map(|m| m.id), Some(2));
    }

    #[test]
    fn a_deferral_is_not_a_decision() {
        let mut index = DecisionIndex::new();
        index.insert(
            1,
            "mobile offline mode",
            "deferred — revisit in Q3 planning",
        );
        assert!(index.lookup("offline mode").is_none());
    }

    fn pricing_log() -> DecisionIndex {
        let mut index = DecisionIndex::new();
        index.insert(
            1,
            "pricing",
            "we're going with three tiers for pricing. Owner: <@U0ANA>.",
        );
        index.insert(2, "Q3 plan", "enterprise customers first");
        index
    }

    #[test]
    fn an_ask_finds_a_decision_by_what_was_chosen_or_what_it_was_for() {
        let index = pricing_log();
        assert_eq!(index.lookup("pricing").map(|m| m.id), Some(1));
        assert_eq!(index.lookup("three tiers").map(|m| m.id), Some(1));
        assert_eq!(
            index.lookup("the three pricing tiers").map(|m| m.id),
            Some(1)
        );
    }

    #[test]
    fn a_shared_generic_or_stop_word_alone_does_not_match() {
        let index = pricing_log();
        assert_eq!(index.lookup("hiring plan"), None);
        assert_eq!(index.lookup("the team for the launch"), None);
        assert_eq!(index.lookup("three offsite venues"), None);
        // Only generic words asked: the whole topic must be named.
        assert_eq!(index.lookup("plan"), None);
        let mut index = DecisionIndex::new();
        index.insert(3, "plan", "ship in March");
        assert_eq!(index.lookup("the plan").map(|m| m.id), Some(3));
    }

    #[test]
    fn the_decision_header_is_not_part_of_the_decision() {
        for text in [
            "Decision: we're going with three tiers",
            "*Decision:* we're going with three tiers",
            "DECISION - we're going with three tiers",
            "Final decision: we're going with three tiers",
            "Decided — we're going with three tiers",
            ":white_check_mark: Decision (pricing): we're going with three tiers",
        ] {
            assert_eq!(
                stated_decision(text),
                "we're going with three tiers",
                "{text}"
            );
        }
        assert_eq!(
            stated_decision("Decisions take time"),
            "Decisions take time"
        );
        assert_eq!(stated_decision("Decision:"), "Decision:");
        assert_eq!(stated_decision(" we keep Postgres "), "we keep Postgres");
    }

    #[test]
    fn the_owner_is_the_person_named_after_owner() {
        assert_eq!(named_owner("three tiers. Owner: <@U0ANA>."), Some("U0ANA"));
        assert_eq!(named_owner("owned by <@W12|bo> from now on"), Some("W12"));
        assert_eq!(named_owner("owner is <@U7>"), Some("U7"));
        assert_eq!(named_owner("Owners - <@U1> and <@U2>"), Some("U1"));
        assert_eq!(named_owner("we own this. <@U9> please update"), None);
        assert_eq!(named_owner("Owner: Ana"), None);
        assert_eq!(named_owner("Owner: <@not-an-id>"), None);
        assert_eq!(named_owner("Owner: <@U0AN"), None);
    }
}
