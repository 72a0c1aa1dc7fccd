//! Our own types: what arrives from Slack ([`Incoming`] events and
//! [`Interaction`]s, decoded once at ingress), what the classifier sees
//! ([`Message`]) and says ([`Assessment`]), what a week's digest says
//! ([`digest`]), and the one rule for what an event says of its channel's
//! privacy ([`privacy_of_channel_type`]).
//! Slack's types stay at the edge (`ingress/`, `slack/`, and the Block Kit
//! the renderer writes); everything between speaks these.

use serde::{Deserialize, Serialize};
use std::ops::Range;

pub mod digest;
mod incoming;

pub use incoming::{
    Click, FieldValue, Incoming, Interaction, MessageShortcut, Skipped, Submission,
};

/// What a message is, as far as clarity-bot cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Asks people to converge (align, agree on, get buy-in, same page…).
    AlignmentRequest,
    /// States a decision.
    Decision,
    /// Signals that the direction or its reasoning is unclear.
    Confusion,
    /// Pushes back on a direction.
    Disagreement,
    /// Anything else.
    Other,
}

impl Kind {
    /// The snake_case name used in JSON, the database and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AlignmentRequest => "alignment_request",
            Kind::Decision => "decision",
            Kind::Confusion => "confusion",
            Kind::Disagreement => "disagreement",
            Kind::Other => "other",
        }
    }
}

/// Where the decision covering a topic was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum DecisionSource {
    /// Stated in the assessed message itself.
    Message,
    /// Stated in an earlier message of the thread (index into the thread).
    Thread { index: usize },
    /// Recorded in the decision log (its id there).
    Log { id: i64 },
}

/// The decision that covers an assessed message's topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecidedBy {
    #[serde(flatten)]
    pub source: DecisionSource,
    pub topic: String,
    pub decision: String,
}

/// One rule that fired, and the words of the original text it matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub rule: String,
    pub kind: &'static str,
    /// Byte range into the original (un-normalized) message text.
    pub span: Range<usize>,
    /// The original text of `span`.
    pub matched: String,
}

/// The classifier's verdict on one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub kind: Kind,
    pub topic: Option<String>,
    pub decided_by: Option<DecidedBy>,
    /// `kind == AlignmentRequest` and no `decided_by`: what gets flagged.
    pub premature: bool,
    /// Confidence in `[0, 1]`.
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// A decision read in a message joins the channel's log only at this
/// confidence or more when a decision rule names it, and at
/// [`LOG_FLOOR_SCORED`] when only the scorer does. Below them, a status
/// update or one person's plan ("I'll pair with Sam on it after standup")
/// could join the log and answer a later ask with "For reference: decided
/// …" on something nobody decided. Measured out of fold (5-fold
/// cross-validation grouped by source, 5,746 items), the share of messages
/// judged decisions that are decisions: 0.94 with a rule at 0.8 or more,
/// 0.60 below; 0.91 without a rule at 0.9 or more, 0.75 from 0.8 to 0.9.
const LOG_FLOOR: f64 = 0.8;
/// The confidence a decision no rule names needs to join the log.
const LOG_FLOOR_SCORED: f64 = 0.9;
/// The confidence a decision needs that opens with its own header
/// ("Decision: …", "Decided: …"): its author marked it as one, whatever
/// the scorer makes of the words after it. Of the 74 corpus messages with
/// such a marker, the ones that are not decisions ask to align behind one
/// or are questions, and are not read as decisions.
const LOG_FLOOR_MARKED: f64 = 0.5;
/// The rule that reads a decision's header.
pub const MARKER_RULE: &str = "decision.marker";

impl Assessment {
    /// Whether a message read this way joins the channel's decision log:
    /// a decision, at [`LOG_FLOOR_MARKED`] when it opens with a decision
    /// header, at [`LOG_FLOOR`] when a decision rule names it and at
    /// [`LOG_FLOOR_SCORED`] when only the scorer does. The bot and `scan`
    /// log by the same measure.
    pub fn joins_log(&self) -> bool {
        let headed = self
            .reasons
            .iter()
            .any(|reason| reason.rule == MARKER_RULE && reason.span.start == 0);
        let floor = if headed {
            LOG_FLOOR_MARKED
        } else if self.reasons.iter().any(|reason| reason.kind == "decision") {
            LOG_FLOOR
        } else {
            LOG_FLOOR_SCORED
        };
        self.kind == Kind::Decision && self.score >= floor
    }
}

/// A person's message in a channel, as the pipeline considers it. (In the
/// inbox its fields keep Slack's names.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    #[serde(rename = "team")]
    pub team_id: String,
    #[serde(rename = "channel")]
    pub channel_id: String,
    pub ts: String,
    /// The thread root's ts when this is a reply.
    pub thread_ts: Option<String>,
    #[serde(rename = "user")]
    pub user_id: String,
    pub text: String,
    /// A private channel (or one whose kind Slack did not say): its content
    /// never appears outside it.
    pub channel_private: bool,
}

impl Message {
    /// The ts of the thread this message belongs to (itself at top level).
    pub fn thread_root(&self) -> &str {
        self.thread_ts.as_deref().unwrap_or(&self.ts)
    }

    /// Whether this is a reply inside a thread rather than a top-level message.
    pub fn is_reply(&self) -> bool {
        self.thread_ts
            .as_deref()
            .is_some_and(|root| root != self.ts)
    }

    /// Seconds since the epoch, from the message ts.
    pub fn time_secs(&self) -> Option<i64> {
        self.ts.split('.').next()?.parse().ok()
    }
}

/// What an event's `channel_type` says of its channel: `channel` is
/// public; `group`, `im` and `mpim` are private; anything else says
/// nothing. (A channel whose privacy nobody said counts as private.)
pub fn privacy_of_channel_type(channel_type: &str) -> Option<bool> {
    match channel_type {
        "channel" => Some(false),
        "group" | "im" | "mpim" => Some(true),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{Assessment, Kind, Reason, privacy_of_channel_type};

    fn decision(score: f64, rule: &str, at: usize) -> Assessment {
        Assessment {
            kind: Kind::Decision,
            topic: None,
            decided_by: None,
            premature: false,
            score,
            reasons: vec![Reason {
                rule: rule.to_owned(),
                kind: "decision",
                span: at..at + 9,
                matched: "Decision:".to_owned(),
            }],
        }
    }

    #[test]
    fn a_decision_under_its_own_header_joins_the_log_with_less_confidence() {
        assert!(decision(0.6, "decision.marker", 0).joins_log());
        assert!(
            !decision(0.6, "decision.marker", 12).joins_log(),
            "not its header"
        );
        assert!(!decision(0.6, "decision.decided", 0).joins_log());
        assert!(decision(0.8, "decision.decided", 0).joins_log());
        assert!(!decision(0.4, "decision.marker", 0).joins_log());
        let mut ask = decision(0.9, "decision.marker", 0);
        ask.kind = Kind::AlignmentRequest;
        assert!(!ask.joins_log(), "an ask behind a decision is no decision");
    }

    #[test]
    fn only_a_channel_type_of_channel_is_public() {
        assert_eq!(privacy_of_channel_type("channel"), Some(false));
        for private in ["group", "im", "mpim"] {
            assert_eq!(privacy_of_channel_type(private), Some(true), "{private}");
        }
        assert_eq!(privacy_of_channel_type("app_home"), None);
        assert_eq!(privacy_of_channel_type(""), None);
    }
}
