//! Our own types: what arrives from Slack ([`Incoming`], decoded once at
//! ingress and stored in the inbox as is), what the classifier sees
//! ([`Message`]) and says ([`Assessment`]), and the one rule for what an
//! event says of its channel's privacy ([`privacy_of_channel_type`]).
//! Slack's types stay at the edge (`ingress/`, `slack/`, and the Block Kit
//! the renderer writes); everything between speaks these.

use serde::{Deserialize, Serialize};
use std::ops::Range;

pub mod digest;

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

/// What one Slack event says, as the pipeline needs it. Decoded once at
/// ingress (HTTP and Socket Mode alike) and stored in the inbox as this
/// type's JSON, which keeps Slack's names where Slack has one (a said
/// message is `{"type": "message", "channel": …, "user": …, "text": …}`):
/// nothing after ingress reads Slack's own wire format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Incoming {
    /// A person said something in a channel: the message to assess. Its
    /// `channel_private` is what the event's `channel_type` said
    /// (`said_private`), or private when it said nothing.
    #[serde(rename = "message")]
    Said {
        #[serde(flatten)]
        message: Message,
        said_private: Option<bool>,
    },
    /// A message was edited to read `text`.
    #[serde(rename = "message_edited")]
    Edited {
        #[serde(rename = "channel")]
        channel_id: String,
        said_private: Option<bool>,
        ts: String,
        text: String,
    },
    /// A message was deleted.
    #[serde(rename = "message_deleted")]
    Deleted {
        #[serde(rename = "channel")]
        channel_id: String,
        said_private: Option<bool>,
        ts: String,
    },
    /// A message event the pipeline does not assess, and why; `channel`
    /// is its channel and what its `channel_type` said, when it said.
    Skipped {
        reason: Skipped,
        channel: Option<(String, bool)>,
    },
    /// A channel was shared or unshared: what was known of its privacy no
    /// longer holds.
    ChannelShared {
        #[serde(rename = "channel")]
        channel_id: String,
    },
    /// An event about a private channel (`group_*`).
    PrivateChannel {
        #[serde(rename = "channel")]
        channel_id: String,
    },
    /// A message event whose fields do not have Slack's shape: counted, not
    /// acted on.
    Malformed,
}

impl Incoming {
    /// The channel the event says is private or public, and which.
    pub fn said_privacy(&self) -> Option<(&str, bool)> {
        match self {
            Incoming::Said {
                message,
                said_private,
            } => said_private.map(|private| (message.channel_id.as_str(), private)),
            Incoming::Edited {
                channel_id,
                said_private,
                ..
            }
            | Incoming::Deleted {
                channel_id,
                said_private,
                ..
            } => said_private.map(|private| (channel_id.as_str(), private)),
            Incoming::Skipped { channel, .. } => channel
                .as_ref()
                .map(|(channel_id, private)| (channel_id.as_str(), *private)),
            Incoming::PrivateChannel { channel_id } => Some((channel_id, true)),
            Incoming::ChannelShared { .. } | Incoming::Malformed => None,
        }
    }
}

/// A button click or a modal submission, decoded once at ingress (HTTP and
/// Socket Mode alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interaction {
    Click(Click),
    Submission(Submission),
    /// Anything the bot offers nothing for (a shortcut, a closed modal…).
    Other,
}

/// A click on a button of a message the bot posted. Nothing in it is
/// trusted on its own: the flag it names is looked up in its workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Click {
    pub team_id: String,
    /// Who clicked, when the payload says.
    pub user_id: Option<String>,
    /// The first action's `action_id` and `value`, when it has one.
    pub action: Option<(String, Option<String>)>,
    /// Where it was clicked: the message's channel, else the payload's.
    pub channel_id: Option<String>,
    /// The clicked message's ts, when a message was clicked.
    pub message_ts: Option<String>,
    /// Opens a modal, within 3 seconds of the click.
    pub trigger_id: String,
    /// Where to answer the person who clicked, privately.
    pub response_url: Option<String>,
}

/// A submitted modal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub team_id: String,
    pub user_id: String,
    /// The modal's `callback_id`; `None` when the view is not a modal.
    pub callback_id: Option<String>,
    /// What the modal remembered from its opening.
    pub private_metadata: Option<String>,
    /// Each input's value by its name (its block id, where its action id
    /// is the same).
    pub values: std::collections::HashMap<String, FieldValue>,
}

/// What was typed or chosen in one input of a modal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldValue {
    pub text: Option<String>,
    pub user: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
}

/// Why a message event is not assessed (a metric label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skipped {
    NotAMessage,
    Subtype,
    FromABot,
    OwnMessage,
    DirectMessage,
    Empty,
}

impl Skipped {
    pub fn as_str(self) -> &'static str {
        match self {
            Skipped::NotAMessage => "not_a_message",
            Skipped::Subtype => "subtype",
            Skipped::FromABot => "bot",
            Skipped::OwnMessage => "own_message",
            Skipped::DirectMessage => "direct_message",
            Skipped::Empty => "empty",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_ingress_decoded_reads_back_from_the_inbox_with_slacks_names() {
        let said = Incoming::Said {
            message: Message {
                team_id: "T1".into(),
                channel_id: "C1".into(),
                ts: "1.2".into(),
                thread_ts: None,
                user_id: "U1".into(),
                text: "hello".into(),
                channel_private: false,
            },
            said_private: Some(false),
        };
        let json = serde_json::to_value(&said).expect("serializes");
        assert_eq!(json["type"], "message");
        assert_eq!(json["channel"], "C1");
        assert_eq!(json["user"], "U1");
        assert_eq!(json["text"], "hello");
        for incoming in [
            said,
            Incoming::Edited {
                channel_id: "C1".into(),
                said_private: None,
                ts: "1.2".into(),
                text: "edited".into(),
            },
            Incoming::Deleted {
                channel_id: "C1".into(),
                said_private: Some(true),
                ts: "1.2".into(),
            },
            Incoming::Skipped {
                reason: Skipped::FromABot,
                channel: Some(("C1".into(), false)),
            },
            Incoming::ChannelShared {
                channel_id: "C1".into(),
            },
            Incoming::PrivateChannel {
                channel_id: "G1".into(),
            },
            Incoming::Malformed,
        ] {
            let stored = serde_json::to_string(&incoming).expect("serializes");
            let read: Incoming = serde_json::from_str(&stored).expect("reads back");
            assert_eq!(read, incoming, "{stored}");
        }
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
