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
    pub author: String,
    /// The message; `None` for a private conversation, whose content never
    /// leaves it (DESIGN.md, principle 7).
    pub text: Option<String>,
    pub topic: Option<String>,
    pub score: f64,
    /// Rule ids that fired, each with the words it matched.
    pub reasons: Vec<String>,
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
