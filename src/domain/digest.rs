//! What a week's digest says: counts, recurring topics, decisions and open
//! questions, and how the last weeks' decisions landed, as `digest::query`
//! reads them from the store and
//! `respond::digest` renders them. Counts only: a digest never names the
//! person who asked.

use jiff::civil::Date;

/// One digest's content, as read from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Digest {
    /// The channel it is posted in (and, unless a summary, about).
    pub channel_id: String,
    /// For a summary: how many public channels it covers.
    pub summary_of: Option<usize>,
    /// The ISO week it reports on.
    pub week: Week,
    /// Alignment asks stored (posted or not).
    pub asks: Trend,
    /// Of those, the ones with no decision behind them.
    pub premature: Trend,
    pub confusion: i64,
    pub disagreement: i64,
    /// Undecided topics asked about in two or more threads or by two or
    /// more people, most asked first.
    pub recurring: Vec<RecurringTopic>,
    /// Decisions recorded in the week (the newest few).
    pub decisions: Vec<DecidedTopic>,
    pub decisions_total: i64,
    /// Open questions, overdue (earliest due) first (the first few).
    pub open_questions: Vec<OpenQuestion>,
    pub open_total: i64,
    /// The undecided topic asked about longest ago.
    pub oldest_open: Option<OldestTopic>,
    /// Flags the bot posted in the week, and how many of them people marked
    /// "not an alignment request".
    pub posted: i64,
    pub not_alignment: i64,
    /// Of the posted flags, how many someone said helped.
    pub helpful: i64,
    /// How the last weeks' decisions landed.
    pub after: AfterDecision,
}

impl Digest {
    /// Nothing happened: no asks, no confusion or disagreement, no
    /// decisions, no open questions. Said in one line.
    pub fn is_quiet(&self) -> bool {
        self.asks.this_week == 0
            && self.confusion == 0
            && self.disagreement == 0
            && self.decisions_total == 0
            && self.open_total == 0
            && self.after.reception.is_empty()
            && self.after.reopened.is_empty()
    }
}

/// After the decision: the decisions of the last four weeks that people
/// found unclear or disagreed with, those still without a reason, and those
/// reopened in the week. Counts, never names of who asked or disagreed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AfterDecision {
    /// Most people first (the first few).
    pub reception: Vec<Reception>,
    /// Newest first (the first few), and how many in all.
    pub unexplained: Vec<Unexplained>,
    pub unexplained_total: i64,
    /// Reopened in the week, and what became of each.
    pub reopened: Vec<Reopened>,
}

/// A decision's reception: how many people asked what it means, and how
/// many disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reception {
    pub topic: String,
    pub channel: Option<String>,
    pub confused: i64,
    pub disagree: i64,
    pub link: Option<String>,
}

/// A decision recorded without its reasoning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unexplained {
    pub topic: String,
    pub channel: Option<String>,
    pub owner: Option<String>,
}

/// A decision reopened in the week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reopened {
    pub topic: String,
    pub channel: Option<String>,
    pub outcome: Outcome,
}

/// What became of a reopened decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Kept,
    Superseded,
    /// Nobody chose yet.
    Open,
}

/// The week a digest reports on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    /// `2026-W47`.
    pub label: String,
    pub monday: Date,
    pub sunday: Date,
}

/// A count this week and the week before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Trend {
    pub this_week: i64,
    pub week_before: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurringTopic {
    pub topic: String,
    /// Shown in a summary only.
    pub channel: Option<String>,
    pub asks: i64,
    pub askers: i64,
    pub threads: i64,
    /// The day of the first ask (in the digest's zone).
    pub since: Date,
    /// The latest ask.
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedTopic {
    pub topic: String,
    pub decision: String,
    pub owner: Option<String>,
    pub channel: Option<String>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenQuestion {
    pub topic: String,
    pub owner: Option<String>,
    /// The due date, when it reads as one.
    pub due: Option<Date>,
    pub overdue: bool,
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OldestTopic {
    pub topic: String,
    pub channel: Option<String>,
    pub since: Date,
}
