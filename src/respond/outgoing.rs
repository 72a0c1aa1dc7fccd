//! The one shape of everything the bot sends through the outbox: an
//! [`Outgoing`] message, built by the handlers (the pipeline, the buttons
//! and forms, the reminders, the digest) from what the renderer made, and
//! serialized once into its outbox row by [`Outgoing::queued`]: the row's
//! `kind` names the variant, its payload is the Slack call that sends it.
//! The sender reads it back with [`Outgoing::from_row`] and makes that call.

use crate::store::{ClaimedOutbox, NewOutboxMessage, SentKind};
use slack_morphism::prelude::*;

/// A message the bot sends, or a change to one it sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// A message in a channel, or in one of its threads.
    Post {
        channel: String,
        thread_ts: Option<String>,
        content: SlackMessageContent,
    },
    /// A flag's reply in its thread (the question, or a decision the log
    /// already holds): once sent, its ts is kept on the flag, so later
    /// clicks edit it in place.
    FlagReply {
        flag_id: i64,
        channel: String,
        thread_ts: String,
        content: SlackMessageContent,
    },
    /// A direct message to one person (the bot's DM with them).
    Dm {
        user: String,
        content: SlackMessageContent,
    },
    /// A week's digest in its channel: once sent, the week's digest row
    /// learns its time and ts.
    Digest {
        channel: String,
        content: SlackMessageContent,
    },
    /// A message the bot posted, edited in place.
    Update {
        channel: String,
        ts: String,
        content: SlackMessageContent,
    },
    /// A message the bot posted, deleted.
    Delete { channel: String, ts: String },
}

/// The Slack call that sends an [`Outgoing`]: what its outbox row holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Post(SlackApiChatPostMessageRequest),
    Update(SlackApiChatUpdateRequest),
    Delete(SlackApiChatDeleteRequest),
}

/// An outbox row this version cannot read: given up, never retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreadable {
    #[error("unknown outbox kind {0}")]
    Kind(String),
    #[error("stored payload does not parse")]
    Payload,
}

impl Outgoing {
    /// The name of its variant in the outbox row's `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Outgoing::Post { .. } => "post",
            Outgoing::FlagReply { .. } => "flag_reply",
            Outgoing::Dm { .. } => "dm",
            Outgoing::Digest { .. } => "digest",
            Outgoing::Update { .. } => "update",
            Outgoing::Delete { .. } => "delete",
        }
    }

    /// What the store keeps once it is sent.
    pub fn sent_kind(&self) -> SentKind {
        match self {
            Outgoing::FlagReply { flag_id, .. } => SentKind::FlagReply { flag_id: *flag_id },
            Outgoing::Digest { .. } => SentKind::Digest,
            Outgoing::Post { .. }
            | Outgoing::Dm { .. }
            | Outgoing::Update { .. }
            | Outgoing::Delete { .. } => SentKind::Other,
        }
    }

    /// The Slack call that sends it.
    pub fn call(&self) -> Call {
        let post = |channel: &str, thread_ts: Option<&str>, content: &SlackMessageContent| {
            let request = SlackApiChatPostMessageRequest::new(channel.into(), content.clone());
            Call::Post(match thread_ts {
                Some(ts) => request.with_thread_ts(ts.into()),
                None => request,
            })
        };
        match self {
            Outgoing::Post {
                channel,
                thread_ts,
                content,
            } => post(channel, thread_ts.as_deref(), content),
            Outgoing::FlagReply {
                channel,
                thread_ts,
                content,
                ..
            } => post(channel, Some(thread_ts), content),
            // A user id as the channel: the bot's DM with that person.
            Outgoing::Dm { user, content } => post(user, None, content),
            Outgoing::Digest { channel, content } => post(channel, None, content),
            Outgoing::Update {
                channel,
                ts,
                content,
            } => Call::Update(SlackApiChatUpdateRequest::new(
                channel.as_str().into(),
                content.clone(),
                ts.as_str().into(),
            )),
            Outgoing::Delete { channel, ts } => Call::Delete(SlackApiChatDeleteRequest::new(
                channel.as_str().into(),
                ts.as_str().into(),
            )),
        }
    }

    /// Its outbox row for `team_id`: a second row with the same
    /// `dedupe_key` is dropped.
    pub fn queued(&self, team_id: &str, dedupe_key: String) -> NewOutboxMessage {
        let payload = match self.call() {
            Call::Post(request) => serde_json::to_string(&request),
            Call::Update(request) => serde_json::to_string(&request),
            Call::Delete(request) => serde_json::to_string(&request),
        };
        NewOutboxMessage {
            team_id: team_id.to_string(),
            dedupe_key,
            kind: self.kind().to_string(),
            payload: payload.unwrap_or_default(),
            flag_id: match self {
                Outgoing::FlagReply { flag_id, .. } => Some(*flag_id),
                _ => None,
            },
        }
    }

    /// Reads a claimed row back.
    pub fn from_row(row: &ClaimedOutbox) -> Result<Self, Unreadable> {
        fn parse<T: serde::de::DeserializeOwned>(payload: &str) -> Result<T, Unreadable> {
            serde_json::from_str(payload).map_err(|_| Unreadable::Payload)
        }
        let posted = |row: &ClaimedOutbox| -> Result<_, Unreadable> {
            let request: SlackApiChatPostMessageRequest = parse(&row.payload)?;
            Ok((
                request.channel.0,
                request.thread_ts.map(|ts| ts.0),
                request.content,
            ))
        };
        match row.kind.as_str() {
            "post" => {
                let (channel, thread_ts, content) = posted(row)?;
                Ok(Outgoing::Post {
                    channel,
                    thread_ts,
                    content,
                })
            }
            "flag_reply" => {
                let (channel, thread_ts, content) = posted(row)?;
                let (Some(flag_id), Some(thread_ts)) = (row.flag_id, thread_ts) else {
                    return Err(Unreadable::Payload);
                };
                Ok(Outgoing::FlagReply {
                    flag_id,
                    channel,
                    thread_ts,
                    content,
                })
            }
            "dm" => {
                let (user, _, content) = posted(row)?;
                Ok(Outgoing::Dm { user, content })
            }
            "digest" => {
                let (channel, _, content) = posted(row)?;
                Ok(Outgoing::Digest { channel, content })
            }
            "update" => {
                let request: SlackApiChatUpdateRequest = parse(&row.payload)?;
                Ok(Outgoing::Update {
                    channel: request.channel.0,
                    ts: request.ts.0,
                    content: request.content,
                })
            }
            "delete" => {
                let request: SlackApiChatDeleteRequest = parse(&row.payload)?;
                Ok(Outgoing::Delete {
                    channel: request.channel.0,
                    ts: request.ts.0,
                })
            }
            other => Err(Unreadable::Kind(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(text: &str) -> SlackMessageContent {
        SlackMessageContent::new().with_text(text.into())
    }

    fn claimed(row: NewOutboxMessage) -> ClaimedOutbox {
        ClaimedOutbox {
            id: 1,
            team_id: row.team_id,
            kind: row.kind,
            payload: row.payload,
            flag_id: row.flag_id,
            attempts: 1,
            abandoned_before: false,
        }
    }

    #[test]
    fn every_kind_reads_back_from_its_outbox_row_as_it_was_queued() {
        let all = [
            Outgoing::Post {
                channel: "C1".into(),
                thread_ts: Some("1.2".into()),
                content: content("in a thread"),
            },
            Outgoing::Post {
                channel: "C1".into(),
                thread_ts: None,
                content: content("in the channel"),
            },
            Outgoing::FlagReply {
                flag_id: 7,
                channel: "C1".into(),
                thread_ts: "1.2".into(),
                content: content("which decision?"),
            },
            Outgoing::Dm {
                user: "U1".into(),
                content: content("a reminder"),
            },
            Outgoing::Digest {
                channel: "C1".into(),
                content: content("the week"),
            },
            Outgoing::Update {
                channel: "C1".into(),
                ts: "1.3".into(),
                content: content("decided"),
            },
            Outgoing::Delete {
                channel: "C1".into(),
                ts: "1.3".into(),
            },
        ];
        for outgoing in all {
            let row = outgoing.queued("T1", "key".into());
            assert_eq!(row.kind, outgoing.kind());
            assert_eq!(Outgoing::from_row(&claimed(row)), Ok(outgoing));
        }
    }

    #[test]
    fn a_row_is_the_slack_call_that_sends_it() {
        let row = Outgoing::Dm {
            user: "U1".into(),
            content: content("a reminder"),
        }
        .queued("T1", "reminder:T1:1".into());
        let payload: serde_json::Value = serde_json::from_str(&row.payload).expect("json");
        assert_eq!(
            payload,
            serde_json::json!({"channel": "U1", "text": "a reminder"})
        );
        assert_eq!(row.flag_id, None);
    }

    #[test]
    fn an_unknown_kind_or_a_broken_payload_is_unreadable() {
        let row = |kind: &str, payload: &str| ClaimedOutbox {
            id: 1,
            team_id: "T1".into(),
            kind: kind.into(),
            payload: payload.into(),
            flag_id: None,
            attempts: 1,
            abandoned_before: false,
        };
        assert_eq!(
            Outgoing::from_row(&row("chat.scheduleMessage", "{}")),
            Err(Unreadable::Kind("chat.scheduleMessage".into()))
        );
        assert_eq!(
            Outgoing::from_row(&row("post", "{")),
            Err(Unreadable::Payload)
        );
        // A flag's reply without its flag.
        assert_eq!(
            Outgoing::from_row(&row(
                "flag_reply",
                r#"{"channel": "C1", "thread_ts": "1.2"}"#
            )),
            Err(Unreadable::Payload)
        );
    }
}
