//! What arrives from Slack, as ingress decodes it once: an event
//! ([`Incoming`], stored in the inbox as is) or a click or a submission
//! ([`Interaction`]). Nothing after ingress reads Slack's own wire format.

use super::Message;
use serde::{Deserialize, Serialize};

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
    /// Someone mentioned the bot (`app_mention`): help, or a question for
    /// the decision log. `channel_private` is private until Slack says.
    #[serde(rename = "app_mention")]
    Mentioned {
        #[serde(flatten)]
        message: Message,
    },
    /// The bot itself joined a channel (`member_joined_channel`).
    BotJoined {
        #[serde(rename = "channel")]
        channel_id: String,
    },
    /// The bot itself left a channel (`member_left_channel`).
    BotLeft {
        #[serde(rename = "channel")]
        channel_id: String,
    },
    /// Someone opened the bot's Home tab (`app_home_opened`, tab `home`).
    HomeOpened {
        #[serde(rename = "user")]
        user_id: String,
    },
    /// A channel was deleted (`channel_deleted`, `group_deleted`): what
    /// the bot kept of it goes.
    ChannelDeleted {
        #[serde(rename = "channel")]
        channel_id: String,
    },
    /// The app was uninstalled from the workspace (`app_uninstalled`, or
    /// `tokens_revoked` revoking the bot's token).
    Uninstalled,
    /// A person was deactivated or erased (`user_change` with `deleted` or
    /// `is_forgotten`): what they wrote goes.
    PersonGone {
        #[serde(rename = "user")]
        user_id: String,
    },
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
            Incoming::ChannelShared { .. }
            | Incoming::Malformed
            | Incoming::Mentioned { .. }
            | Incoming::BotJoined { .. }
            | Incoming::BotLeft { .. }
            | Incoming::HomeOpened { .. }
            | Incoming::ChannelDeleted { .. }
            | Incoming::Uninstalled
            | Incoming::PersonGone { .. } => None,
        }
    }
}

/// A button click or a modal submission, decoded once at ingress (HTTP and
/// Socket Mode alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interaction {
    Click(Click),
    Submission(Submission),
    /// A message shortcut ("Record as decision").
    Shortcut(MessageShortcut),
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

/// A message shortcut run on a message. Its message is what Slack sent;
/// the bot takes only its text, author and place from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageShortcut {
    pub team_id: String,
    pub user_id: String,
    /// The shortcut's `callback_id` (the manifest's).
    pub callback_id: String,
    pub channel_id: Option<String>,
    /// The message's ts, text and author, when the payload has them.
    pub message_ts: Option<String>,
    pub text: Option<String>,
    pub author: Option<String>,
    /// Opens a modal, within 3 seconds.
    pub trigger_id: String,
    pub response_url: String,
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
            Incoming::Mentioned {
                message: Message {
                    team_id: "T1".into(),
                    channel_id: "C1".into(),
                    ts: "1.3".into(),
                    thread_ts: Some("1.2".into()),
                    user_id: "U1".into(),
                    text: "<@UBOT> help".into(),
                    channel_private: true,
                },
            },
            Incoming::BotJoined {
                channel_id: "C1".into(),
            },
            Incoming::BotLeft {
                channel_id: "C1".into(),
            },
            Incoming::HomeOpened {
                user_id: "U1".into(),
            },
            Incoming::ChannelDeleted {
                channel_id: "C1".into(),
            },
            Incoming::Uninstalled,
            Incoming::PersonGone {
                user_id: "U1".into(),
            },
        ] {
            let stored = serde_json::to_string(&incoming).expect("serializes");
            let read: Incoming = serde_json::from_str(&stored).expect("reads back");
            assert_eq!(read, incoming, "{stored}");
        }
    }
}
