//! `scan --digests`: the weekly digests the bot would have posted over the
//! export, one per week, as a summary of the public channels (private ones
//! are never summarised). Each is filled from the replay the way
//! [`crate::digest::query`] fills one from the store, and rendered by the
//! digest's own renderer ([`crate::respond::digest`]).

use super::replay::{DecisionSeen, Outcome, TopicAsk};
use super::report::{Counts, Week, WeeklyDigest};
use crate::digest::query::LIST_LIMIT;
use crate::domain::digest::{
    self, AfterDecision, DecidedTopic, Digest, OldestTopic, RecurringTopic, Trend,
};
use crate::respond::digest as render;
use jiff::civil::Date;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the public conversations' replays kept for the digests.
#[derive(Debug, Default)]
pub struct PublicHistory {
    channels: usize,
    /// Counts by the Monday of their week, all public channels together.
    weeks: BTreeMap<Date, Counts>,
    /// (channel, ask), each channel's oldest first.
    asks: Vec<(String, TopicAsk)>,
    decisions: Vec<(String, DecisionSeen)>,
}

/// A topic's asks in one channel up to a week's end.
struct Tally<'a> {
    asks: i64,
    askers: HashSet<&'a str>,
    threads: HashSet<&'a str>,
    first: Date,
    latest: Date,
    this_week: bool,
}

impl PublicHistory {
    /// Takes what one public conversation's replay kept.
    pub fn add(&mut self, outcome: &mut Outcome) {
        self.channels += 1;
        for (monday, counts) in &outcome.weeks {
            *self.weeks.entry(*monday).or_default() += *counts;
        }
        let channel = &outcome.summary.name;
        self.asks.extend(
            std::mem::take(&mut outcome.asks)
                .into_iter()
                .map(|ask| (channel.clone(), ask)),
        );
        self.decisions.extend(
            std::mem::take(&mut outcome.decisions)
                .into_iter()
                .map(|decision| (channel.clone(), decision)),
        );
    }

    /// One digest for each week of the report.
    pub fn weekly_digests(&self, weeks: &[Week]) -> Vec<WeeklyDigest> {
        // A topic counts as decided from the first decision on it in its
        // channel (the digest's `LOWER(topic)` match).
        let mut decided: HashMap<(&str, String), Date> = HashMap::new();
        for (channel, decision) in &self.decisions {
            decided
                .entry((channel.as_str(), decision.topic.to_lowercase()))
                .and_modify(|day| *day = (*day).min(decision.day))
                .or_insert(decision.day);
        }
        weeks
            .iter()
            .map(|week| {
                let digest = self.digest(week, &decided);
                WeeklyDigest {
                    week: week.week.clone(),
                    text: render::text(&digest),
                    message: serde_json::to_value(render::blocks(&digest)).unwrap_or_default(),
                }
            })
            .collect()
    }

    fn digest(&self, week: &Week, decided: &HashMap<(&str, String), Date>) -> Digest {
        let monday = week.starts;
        let end = add_days(monday, 7);
        let this = self.weeks.get(&monday).copied().unwrap_or_default();
        let before = self
            .weeks
            .get(&add_days(monday, -7))
            .copied()
            .unwrap_or_default();
        let open_at_end = |channel: &str, topic: &str| {
            decided
                .get(&(channel, topic.to_lowercase()))
                .is_none_or(|day| *day >= end)
        };

        let mut tallies: BTreeMap<(&str, &str), Tally<'_>> = BTreeMap::new();
        let mut oldest: Option<(&str, &TopicAsk)> = None;
        for (channel, ask) in self.asks.iter().filter(|(_, ask)| ask.day < end) {
            let tally = tallies
                .entry((channel.as_str(), ask.topic.as_str()))
                .or_insert_with(|| Tally {
                    asks: 0,
                    askers: HashSet::new(),
                    threads: HashSet::new(),
                    first: ask.day,
                    latest: ask.day,
                    this_week: false,
                });
            tally.asks += 1;
            tally.askers.insert(ask.user.as_str());
            tally.threads.insert(ask.thread.as_str());
            tally.first = tally.first.min(ask.day);
            tally.latest = tally.latest.max(ask.day);
            tally.this_week |= ask.day >= monday;
            if open_at_end(channel, &ask.topic) && oldest.is_none_or(|(_, o)| ask.day < o.day) {
                oldest = Some((channel.as_str(), ask));
            }
        }
        let mut recurring: Vec<(&(&str, &str), &Tally<'_>)> = tallies
            .iter()
            .filter(|((channel, topic), tally)| {
                tally.this_week
                    && (tally.askers.len() >= 2 || tally.threads.len() >= 2)
                    && open_at_end(channel, topic)
            })
            .collect();
        recurring.sort_by(|(a_key, a), (b_key, b)| {
            b.asks
                .cmp(&a.asks)
                .then_with(|| b.latest.cmp(&a.latest))
                .then_with(|| a_key.1.cmp(b_key.1))
        });

        let mut decisions: Vec<&(String, DecisionSeen)> = self
            .decisions
            .iter()
            .filter(|(_, d)| d.day >= monday && d.day < end)
            .collect();
        // Newest first, as the digest lists them.
        decisions.reverse();
        decisions.sort_by_key(|(_, d)| std::cmp::Reverse(d.day));

        Digest {
            channel_id: String::new(),
            summary_of: Some(self.channels),
            week: digest::Week {
                label: week.week.clone(),
                monday,
                sunday: add_days(monday, 6),
            },
            asks: trend(this.alignment_asks, before.alignment_asks),
            premature: trend(this.premature, before.premature),
            confusion: count(this.confusion),
            disagreement: count(this.disagreement),
            recurring: recurring
                .into_iter()
                .take(limit())
                .map(|((channel, topic), tally)| RecurringTopic {
                    topic: (*topic).to_string(),
                    channel: Some((*channel).to_string()),
                    asks: tally.asks,
                    askers: tally.askers.len() as i64,
                    threads: tally.threads.len() as i64,
                    since: tally.first,
                    link: None,
                })
                .collect(),
            decisions_total: decisions.len() as i64,
            decisions: decisions
                .into_iter()
                .take(limit())
                .map(|(channel, decision)| DecidedTopic {
                    topic: decision.topic.clone(),
                    decision: decision.text.clone(),
                    owner: None,
                    channel: Some(channel.clone()),
                    link: None,
                })
                .collect(),
            open_questions: Vec::new(),
            open_total: 0,
            oldest_open: oldest.map(|(channel, ask)| OldestTopic {
                topic: ask.topic.clone(),
                channel: Some(channel.to_string()),
                since: ask.day,
            }),
            // Nobody could have marked a question "not an alignment
            // request": the digest's feedback line would claim they had not.
            posted: 0,
            not_alignment: 0,
            helpful: 0,
            // An export has no recorded decisions to follow.
            after: AfterDecision::default(),
        }
    }
}

fn add_days(day: Date, days: i64) -> Date {
    day.checked_add(jiff::Span::new().days(days)).unwrap_or(day)
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn trend(this_week: u64, week_before: u64) -> Trend {
    Trend {
        this_week: count(this_week),
        week_before: count(week_before),
    }
}

fn limit() -> usize {
    usize::try_from(LIST_LIMIT).unwrap_or(5)
}
