//! The decision log as the classifier sees it: an inverted index from topic
//! tokens to logged decisions, so a lookup touches only the decisions that
//! share a word with the asked-about topic, never the whole log.
//!
//! Last step of the classifier: a topic's tokens (see [`super::topic`]) are
//! matched against each candidate's topic and decision tokens, tolerant of
//! word order and inflection. A newer decision on the same topic wins.

use super::topic::tokens;
use std::cell::RefCell;
use std::collections::HashMap;

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

    /// Adds (or, for an existing id, replaces) a logged decision.
    pub fn insert(&mut self, id: i64, topic: &str, decision: &str) {
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
    /// An entry covers a topic when its topic shares at least one token with
    /// it and, counting the decision text too, at least half of the topic's
    /// tokens are found. Ties go to the newest entry.
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
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let Scratch { counts, touched } = &mut *scratch;
            if counts.len() < self.entries.len() {
                counts.resize(self.entries.len(), 0);
            }
            touched.clear();
            for &token in &known {
                for &posting in &self.postings[token as usize] {
                    let slot = (posting >> 1) as usize;
                    if counts[slot] == 0 {
                        touched.push(slot as u32);
                    }
                    // Low byte: query tokens found; high byte: found in the topic.
                    counts[slot] += 1 + ((posting & 1) as u16) * 256;
                }
            }
            let mut best: Option<(f64, usize, usize)> = None;
            for &slot in touched.iter() {
                let slot = slot as usize;
                let count = counts[slot];
                counts[slot] = 0;
                let matched = usize::from(count & 0xff);
                let in_topic = usize::from(count >> 8);
                if matched < needed || in_topic == 0 {
                    continue;
                }
                let entry = &self.entries[slot];
                if !entry.alive || entry.deferral {
                    continue;
                }
                // Topic words count double; a smaller topic breaks ties.
                let score = (matched + in_topic) as f64 / (2 * query.len()) as f64
                    + in_topic as f64 / (100 * entry.topic_tokens.len().max(1)) as f64;
                let better = match best {
                    None => true,
                    Some((s, b, _)) => score > s + 1e-9 || ((score - s).abs() <= 1e-9 && slot > b),
                };
                if better {
                    best = Some((score, slot, matched));
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

/// Per-thread counters for [`DecisionIndex::lookup_tokens`]: reused so a
/// lookup allocates nothing proportional to the log, and left zeroed.
#[derive(Default)]
struct Scratch {
    counts: Vec<u16>,
    touched: Vec<u32>,
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
