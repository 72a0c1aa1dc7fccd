//! The scan report: what the replay of each conversation found, merged into
//! one model that the text, JSON and HTML renderers all read. The JSON format
//! is this model serialized as it is, so its field names are a public format.

use super::export::{Problem, Visibility};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::AddAssign;

/// How many dates a recurring topic keeps; its count goes on past them.
pub const TOPIC_DATES_KEPT: usize = 100;

/// What the scan counted, for a channel, a week or the whole export.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Messages read in the period, of every kind and author.
    pub messages: u64,
    /// Messages by people that the classifier assessed.
    pub assessed: u64,
    pub alignment_asks: u64,
    /// Alignment asks with no decision behind them.
    pub premature: u64,
    pub decisions: u64,
    pub confusion: u64,
    pub disagreement: u64,
    /// Premature asks the noise policy would have let the bot answer.
    pub flags: u64,
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.messages += other.messages;
        self.assessed += other.assessed;
        self.alignment_asks += other.alignment_asks;
        self.premature += other.premature;
        self.decisions += other.decisions;
        self.confusion += other.confusion;
        self.disagreement += other.disagreement;
        self.flags += other.flags;
    }
}

/// One conversation's line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelSummary {
    pub name: String,
    pub id: String,
    pub visibility: Visibility,
    #[serde(flatten)]
    pub counts: Counts,
}

/// One ISO week (Monday to Sunday, UTC) of the series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// ISO week, e.g. `2026-W02`.
    pub week: String,
    /// Its Monday.
    pub starts: Date,
    #[serde(flatten)]
    pub counts: Counts,
}

/// A topic asked about more than once with no decision at the time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecurringTopic {
    pub topic: String,
    pub channel: String,
    /// Premature asks about it.
    pub asks: u64,
    /// The days of those asks (the first [`TOPIC_DATES_KEPT`]).
    pub dates: Vec<Date>,
    /// When a decision on it was finally seen, if ever.
    pub decided_on: Option<Date>,
}

/// A flag the bot would have posted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub channel: String,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub at: String,
    pub ts: String,
    pub thread_ts: Option<String>,
    /// Who wrote the ask: only with `scan --names`. Like the digest, the
    /// report names no one by default.
    pub author: Option<String>,
    /// The message; `None` for a private conversation, whose content never
    /// leaves it (DESIGN.md, principle 7).
    pub text: Option<String>,
    pub topic: Option<String>,
    pub score: f64,
    /// The rules that fired.
    pub reasons: Vec<FlagReason>,
}

/// One rule that fired on a flagged message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagReason {
    /// The rule's id in `config/rules.toml`, e.g. `ask.get-aligned`.
    pub rule: String,
    /// Its kind: `ask`, `uncertainty`, `decision`, …
    pub kind: String,
    /// The words it matched; `None` in a private conversation.
    pub words: Option<String>,
}

/// What a kind of rule saw, in words for a reader who never saw the rules.
fn kind_in_words(kind: &str) -> &'static str {
    match kind {
        "ask" => "asks people to converge",
        "uncertainty" => "says it is still open",
        "decision" => "mentions a decision",
        "confusion" => "sounds unsure what was meant",
        "disagreement" => "disagrees",
        _ => "reads as another sense of the words",
    }
}

/// Why the bot would have asked, in words: what each kind of rule saw,
/// with the words it matched (`asks people to converge (“get aligned
/// on”)`), or the learned scorer's reading when no rule fired.
pub fn why_in_words(reasons: &[FlagReason]) -> String {
    if reasons.is_empty() {
        return "the wording as a whole reads as a request to align".to_string();
    }
    let mut kinds: Vec<(&str, Vec<String>)> = Vec::new();
    for reason in reasons {
        let at = match kinds.iter().position(|(kind, _)| *kind == reason.kind) {
            Some(at) => at,
            None => {
                kinds.push((reason.kind.as_str(), Vec::new()));
                kinds.len() - 1
            }
        };
        if let Some(words) = &reason.words {
            kinds[at].1.push(format!("“{words}”"));
        }
    }
    let parts: Vec<String> = kinds
        .into_iter()
        .map(|(kind, words)| {
            if words.is_empty() {
                kind_in_words(kind).to_string()
            } else {
                format!("{} ({})", kind_in_words(kind), words.join(", "))
            }
        })
        .collect();
    parts.join("; ")
}

/// `once`, `twice`, `3 times`.
pub fn times(n: u64) -> String {
    match n {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    }
}

/// A rate in words: `4`, `2.5`, `0.3`.
pub fn about(n: f64) -> String {
    let text = format!("{n:.1}");
    text.strip_suffix(".0").unwrap_or(&text).to_string()
}

/// What a team could do with the report, first things first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextSteps {
    /// Topics asked about again and again with no decision, most asked first.
    pub decide_first: Vec<TopicToDecide>,
    /// Where the bot would have asked most: the channels to start it in.
    pub enable_first: Vec<ChannelToEnable>,
    /// Questions a week the bot would have asked over the period, at the
    /// default noise policy.
    pub questions_per_week: f64,
    /// The reply the bot would have posted on one of those asks.
    pub example_reply: Option<ExampleReply>,
}

/// An undecided topic that kept coming back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicToDecide {
    pub topic: String,
    pub channel: String,
    /// Premature asks about it.
    pub asks: u64,
    pub first: Option<Date>,
    pub last: Option<Date>,
}

/// A channel where the bot would have had something to ask.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelToEnable {
    pub name: String,
    pub visibility: Visibility,
    /// Questions the bot would have asked there.
    pub questions: u64,
    pub questions_per_week: f64,
    /// Alignment asks there with no decision behind them.
    pub premature: u64,
}

/// The bot's reply to one flagged ask, as Slack would get it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExampleReply {
    pub channel: String,
    pub at: String,
    /// The ask it answers.
    pub ask: String,
    /// The message (text and Block Kit blocks), from the bot's renderer.
    pub message: serde_json::Value,
}

/// At most this many topics and channels are suggested.
pub const SUGGESTIONS: usize = 3;

/// Reads what to do next off a finished report.
pub fn next_steps(report: &Report) -> NextSteps {
    let decide_first = report
        .recurring_topics
        .iter()
        .filter(|t| t.decided_on.is_none())
        .take(SUGGESTIONS)
        .map(|t| TopicToDecide {
            topic: t.topic.clone(),
            channel: t.channel.clone(),
            asks: t.asks,
            first: t.dates.first().copied(),
            last: t.dates.last().copied(),
        })
        .collect();
    let weeks = report.weeks.len().max(1) as f64;
    let per_week = |n: u64| (n as f64 / weeks * 100.0).round() / 100.0;
    let mut channels: Vec<&ChannelSummary> = report
        .channels
        .iter()
        .filter(|c| c.counts.flags > 0 && !c.visibility.is_direct())
        .collect();
    channels.sort_by(|a, b| {
        b.counts
            .flags
            .cmp(&a.counts.flags)
            .then_with(|| b.counts.premature.cmp(&a.counts.premature))
            .then_with(|| a.name.cmp(&b.name))
    });
    let enable_first: Vec<ChannelToEnable> = channels
        .into_iter()
        .take(SUGGESTIONS)
        .map(|c| ChannelToEnable {
            name: c.name.clone(),
            visibility: c.visibility,
            questions: c.counts.flags,
            questions_per_week: per_week(c.counts.flags),
            premature: c.counts.premature,
        })
        .collect();
    // The first ask with words to show, in the channel suggested first.
    let example = enable_first
        .iter()
        .find_map(|c| {
            report
                .flags
                .iter()
                .find(|f| f.channel == c.name && f.text.is_some() && f.topic.is_some())
        })
        .or_else(|| report.flags.iter().find(|f| f.text.is_some()));
    let example_reply = example.map(|flag| {
        let reply = crate::respond::blocks::Reply::Flag {
            topic: flag.topic.clone(),
            asked_with: flag
                .reasons
                .iter()
                .find(|r| r.kind == "ask")
                .and_then(|r| r.words.clone()),
            // Any id: the buttons are drawn, never clicked.
            flag_id: Some(1),
        };
        ExampleReply {
            channel: flag.channel.clone(),
            at: flag.at.clone(),
            ask: flag.text.clone().unwrap_or_default(),
            message: serde_json::to_value(reply.render()).unwrap_or_default(),
        }
    });
    NextSteps {
        decide_first,
        enable_first,
        questions_per_week: per_week(report.totals.flags),
        example_reply,
    }
}

/// One weekly digest the bot would have posted, rendered by the digest's
/// own renderer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyDigest {
    /// ISO week, e.g. `2026-W02`.
    pub week: String,
    /// As `clarity-bot digest` prints it.
    pub text: String,
    /// As Slack would get it: fallback text and Block Kit blocks.
    pub message: serde_json::Value,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The export as given on the command line.
    pub source: String,
    pub since: Option<Date>,
    pub until: Option<Date>,
    /// First and last day with a message in the period.
    pub first_day: Option<Date>,
    pub last_day: Option<Date>,
    pub totals: Counts,
    pub channels: Vec<ChannelSummary>,
    /// Most asked first.
    pub recurring_topics: Vec<RecurringTopic>,
    /// Every week from the first to the last, empty ones included.
    pub weeks: Vec<Week>,
    /// Oldest first.
    pub flags: Vec<Flag>,
    /// Premature asks the bot would have stayed quiet on, by reason.
    pub suppressed: BTreeMap<String, u64>,
    /// What to do next: topics to decide, channels to start in, how often
    /// the bot would speak, what it would say.
    pub next: NextSteps,
    /// With `scan --digests`: the weekly digests the bot would have posted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub digests: Vec<WeeklyDigest>,
    pub problems: Vec<Problem>,
}

impl Report {
    /// A report with nothing in it yet.
    pub fn empty(source: String, since: Option<Date>, until: Option<Date>) -> Self {
        Self {
            source,
            since,
            until,
            first_day: None,
            last_day: None,
            totals: Counts::default(),
            channels: Vec::new(),
            recurring_topics: Vec::new(),
            weeks: Vec::new(),
            flags: Vec::new(),
            suppressed: BTreeMap::new(),
            next: NextSteps {
                decide_first: Vec::new(),
                enable_first: Vec::new(),
                questions_per_week: 0.0,
                example_reply: None,
            },
            digests: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Whether there is something to act on: flags the bot would have posted.
    pub fn has_findings(&self) -> bool {
        self.totals.flags > 0
    }
}

/// How many premature asks a suppression reason kept quiet, in words:
/// "2 in direct messages", "1 thread already flagged".
pub fn quiet_reason(reason: &str, n: u64) -> String {
    let phrase = match reason {
        "direct_message" => "in direct messages",
        "thread_already_flagged" => "in threads already flagged",
        "channel_cooldown" => "in a channel's cool-down",
        "user_daily_cap" => "past a person's daily cap",
        "low_score" => "with too little confidence",
        "channel_muted" => "in muted channels",
        other => return format!("{n} {}", other.replace('_', " ")),
    };
    format!("{n} {phrase}")
}

/// The Monday of `date`'s ISO week.
pub fn week_start(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(jiff::Span::new().days(back))
        .unwrap_or(date)
}

/// Every week from the first to the last key of `weeks`, empty ones as zeros.
pub fn week_series(weeks: &BTreeMap<Date, Counts>) -> Vec<Week> {
    let (Some((&first, _)), Some((&last, _))) = (weeks.first_key_value(), weeks.last_key_value())
    else {
        return Vec::new();
    };
    let mut series = Vec::new();
    let mut monday = first;
    while monday <= last {
        let iso = monday.iso_week_date();
        series.push(Week {
            week: format!("{:04}-W{:02}", iso.year(), iso.week()),
            starts: monday,
            counts: weeks.get(&monday).copied().unwrap_or_default(),
        });
        match monday.checked_add(jiff::Span::new().days(7)) {
            Ok(next) => monday = next,
            Err(_) => break,
        }
    }
    series
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn reasons_read_as_words_grouped_by_kind() {
        let reason = |rule: &str, kind: &str, words: Option<&str>| FlagReason {
            rule: rule.into(),
            kind: kind.into(),
            words: words.map(str::to_owned),
        };
        assert_eq!(
            why_in_words(&[
                reason("ask.same-page", "ask", Some("get on the same page")),
                reason(
                    "uncertainty.not-decided",
                    "uncertainty",
                    Some("before we commit")
                ),
                reason("ask.same-page-re", "ask", Some("same page about")),
            ]),
            "asks people to converge (“get on the same page”, “same page about”); says it is still open (“before we commit”)"
        );
        assert_eq!(
            why_in_words(&[reason("ask.align-on", "ask", None)]),
            "asks people to converge"
        );
        assert_eq!(
            why_in_words(&[]),
            "the wording as a whole reads as a request to align"
        );
    }

    #[test]
    fn counts_and_rates_read_as_words() {
        assert_eq!(times(1), "once");
        assert_eq!(times(2), "twice");
        assert_eq!(times(16), "16 times");
        assert_eq!(about(4.0), "4");
        assert_eq!(about(2.5), "2.5");
        assert_eq!(about(0.75), "0.8");
    }

    #[test]
    fn quiet_reasons_read_as_words() {
        assert_eq!(quiet_reason("direct_message", 2), "2 in direct messages");
        assert_eq!(
            quiet_reason("channel_cooldown", 1),
            "1 in a channel's cool-down"
        );
        assert_eq!(quiet_reason("something_new", 3), "3 something new");
    }

    #[test]
    fn a_week_starts_on_its_monday() {
        assert_eq!(week_start(date(2026, 1, 7)), date(2026, 1, 5));
        assert_eq!(week_start(date(2026, 1, 5)), date(2026, 1, 5));
        assert_eq!(week_start(date(2026, 1, 11)), date(2026, 1, 5));
    }

    #[test]
    fn the_week_series_fills_quiet_weeks_with_zeros() {
        let mut weeks = BTreeMap::new();
        let busy = Counts {
            messages: 3,
            ..Counts::default()
        };
        weeks.insert(date(2025, 12, 22), busy);
        weeks.insert(date(2026, 1, 5), busy);
        let series = week_series(&weeks);
        let labels: Vec<&str> = series.iter().map(|w| w.week.as_str()).collect();
        assert_eq!(labels, ["2025-W52", "2026-W01", "2026-W02"]);
        assert_eq!(series[1].counts, Counts::default());
    }
}
