//! Slack's wire format → our types, once, for HTTP and Socket Mode alike:
//! an inner `event` object becomes an [`Incoming`] (stored in the inbox as
//! our own type; the pipeline never sees Slack's), an interaction payload
//! an [`Interaction`] (the buttons' and forms' handler never sees Slack's).
//!
//! A person's message in a channel is [`Incoming::Said`]; bot posts, the
//! bot's own messages, joins and DMs are [`Incoming::Skipped`] with the
//! reason; edits and deletions are their own kinds; a mention of the bot
//! and the bot joining or leaving a channel too, and what asks the bot to
//! forget (a deleted channel, an uninstall, a person deactivated or
//! erased). Event types the pipeline does not act on decode to `None` and
//! are never stored.

use crate::domain::{
    Click, FieldValue, Incoming, Interaction, Message, MessageShortcut, Skipped, Submission,
    privacy_of_channel_type,
};
use crate::store::Store;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use slack_morphism::prelude::*;
use std::borrow::Cow;

/// Event types the pipeline acts on besides `message`: what they say of a
/// channel's privacy.
const CHANNEL_EVENT_TYPES: &[&str] = &[
    "channel_shared",
    "channel_unshared",
    "group_archive",
    "group_close",
    "group_left",
    "group_open",
    "group_rename",
    "group_unarchive",
];

/// Decodes the inner `event` object of an `event_callback` as Slack sent it
/// (HTTP). `None`: a type the pipeline does not act on.
///
/// This runs before the acknowledgement, so a message (nearly every event)
/// is read for only the fields the pipeline needs, borrowed from the body
/// ([`Wire`]): slack-morphism's full parse (blocks, attachments, files,
/// each typed) cost four times as much and gave the pipeline nothing more.
/// Every other type goes through slack-morphism, as over Socket Mode. A
/// socket-mode test holds both paths to the same answer on every real
/// payload.
pub fn from_json(event: &str, team_id: &str, bot_user_id: &str) -> Option<Incoming> {
    match serde_json::from_str::<Wire>(event) {
        Ok(wire) if wire.kind == "message" => Some(match wire.message_fields() {
            Some(fields) => message(&fields, team_id, bot_user_id),
            None => Incoming::Malformed,
        }),
        Ok(_) => parsed(event, team_id, bot_user_id),
        // Fields of another shape than a message's: a message is counted
        // as malformed, another type read whole.
        Err(_) => match serde_json::from_str::<Kind>(event) {
            Ok(kind) if kind.kind == "message" => Some(Incoming::Malformed),
            Ok(_) => parsed(event, team_id, bot_user_id),
            Err(_) => None,
        },
    }
}

/// Event types that ask the bot to forget: read by [`forgetting`].
const FORGETTING_EVENT_TYPES: &[&str] = &[
    "app_uninstalled",
    "tokens_revoked",
    "channel_deleted",
    "group_deleted",
    "user_change",
];

/// An event of another type than `message`, through slack-morphism's parse
/// (those asking to forget read whole: slack-morphism does not model a
/// user's `is_forgotten`).
fn parsed(event: &str, team_id: &str, bot_user_id: &str) -> Option<Incoming> {
    if serde_json::from_str::<Kind>(event)
        .is_ok_and(|kind| FORGETTING_EVENT_TYPES.contains(&kind.kind.as_ref()))
    {
        return forgetting(&serde_json::from_str(event).ok()?);
    }
    let body: SlackEventCallbackBody = serde_json::from_str(event).ok()?;
    from_event(&body, team_id, bot_user_id)
}

/// Decodes an inner event slack-morphism has parsed (Socket Mode hands it
/// over so). `None`: a type the pipeline does not act on.
pub fn from_event(
    body: &SlackEventCallbackBody,
    team_id: &str,
    bot_user_id: &str,
) -> Option<Incoming> {
    match body {
        SlackEventCallbackBody::Message(event) => {
            Some(message(&Fields::of(event), team_id, bot_user_id))
        }
        SlackEventCallbackBody::AppMention(event) if event.user.0 != bot_user_id => {
            Some(Incoming::Mentioned {
                message: Message {
                    team_id: team_id.to_string(),
                    channel_id: event.channel.0.clone(),
                    ts: event.origin.ts.0.clone(),
                    thread_ts: event.origin.thread_ts.as_ref().map(|ts| ts.0.clone()),
                    user_id: event.user.0.clone(),
                    text: event.content.text.clone().unwrap_or_default(),
                    // Unknown counts as private; the pipeline asks Slack.
                    channel_private: true,
                },
            })
        }
        SlackEventCallbackBody::MemberJoinedChannel(event) if event.user.0 == bot_user_id => {
            Some(Incoming::BotJoined {
                channel_id: event.channel.0.clone(),
            })
        }
        SlackEventCallbackBody::AppHomeOpened(event) if event.tab.as_deref() == Some("home") => {
            Some(Incoming::HomeOpened {
                user_id: event.user.0.clone(),
            })
        }
        SlackEventCallbackBody::MemberLeftChannel(event) if event.user.0 == bot_user_id => {
            Some(Incoming::BotLeft {
                channel_id: event.channel.0.clone(),
            })
        }
        SlackEventCallbackBody::AppUninstalled(_) => Some(Incoming::Uninstalled),
        SlackEventCallbackBody::ChannelDeleted(event) if !event.channel.0.is_empty() => {
            Some(Incoming::ChannelDeleted {
                channel_id: event.channel.0.clone(),
            })
        }
        // Over Socket Mode a user's `is_forgotten` is not modelled; Slack
        // erases only deactivated people, whose `deleted` is set.
        SlackEventCallbackBody::UserChange(event) => (event.user.deleted == Some(true)
            && !event.user.id.0.is_empty())
        .then(|| Incoming::PersonGone {
            user_id: event.user.id.0.clone(),
        }),
        // A type slack-morphism models whose shape did not fit lands in
        // `Unknown`, as do the channel events it does not model.
        SlackEventCallbackBody::Unknown(value) => {
            let kind = value.get("type").and_then(serde_json::Value::as_str)?;
            if kind == "message" {
                return Some(Incoming::Malformed);
            }
            if FORGETTING_EVENT_TYPES.contains(&kind) {
                return forgetting(value);
            }
            if !CHANNEL_EVENT_TYPES.contains(&kind) {
                return None;
            }
            // `channel` is an id, or (channel_shared and others) an object.
            let channel_id = value
                .get("channel")
                .and_then(|c| {
                    c.as_str()
                        .or_else(|| c.get("id").and_then(serde_json::Value::as_str))
                })
                .map(str::to_string);
            Some(match channel_id {
                Some(channel_id) if kind.starts_with("group_") => {
                    Incoming::PrivateChannel { channel_id }
                }
                Some(channel_id) => Incoming::ChannelShared { channel_id },
                None => Incoming::Skipped {
                    reason: Skipped::NotAMessage,
                    channel: None,
                },
            })
        }
        _ => None,
    }
}

/// An event asking the bot to forget, read from Slack's JSON: an
/// uninstall (`tokens_revoked` counts when it revokes a bot token: the
/// bot holds no other), a deleted channel, a person deactivated
/// (`deleted`) or erased (`is_forgotten`). `None`: nothing to forget.
fn forgetting(event: &serde_json::Value) -> Option<Incoming> {
    use serde_json::Value;
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_string);
    let set = |value: Option<&Value>| value.and_then(Value::as_bool) == Some(true);
    match event.get("type").and_then(Value::as_str)? {
        "app_uninstalled" => Some(Incoming::Uninstalled),
        "tokens_revoked" => event
            .pointer("/tokens/bot")
            .and_then(Value::as_array)
            .is_some_and(|bots| !bots.is_empty())
            .then_some(Incoming::Uninstalled),
        "channel_deleted" | "group_deleted" => Some(Incoming::ChannelDeleted {
            channel_id: text(event.get("channel")).filter(|id| !id.is_empty())?,
        }),
        "user_change" => {
            let user = event.get("user")?;
            (set(user.get("deleted")) || set(user.get("is_forgotten"))).then_some(())?;
            Some(Incoming::PersonGone {
                user_id: text(user.get("id")).filter(|id| !id.is_empty())?,
            })
        }
        _ => None,
    }
}

/// Only an event's `type`, when nothing else of it reads.
#[derive(Deserialize)]
struct Kind<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
}

/// The fields of an inner event the pipeline reads, borrowed from Slack's
/// JSON; everything else (blocks, files, attachments) is skipped unread.
#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    subtype: Option<Cow<'a, str>>,
    /// An id for messages; an object for some other types.
    #[serde(borrow)]
    channel: Option<&'a RawValue>,
    #[serde(borrow)]
    channel_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    user: Option<Cow<'a, str>>,
    bot_id: Option<IgnoredAny>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ts: Option<Cow<'a, str>>,
    #[serde(borrow)]
    thread_ts: Option<Cow<'a, str>>,
    #[serde(borrow)]
    deleted_ts: Option<Cow<'a, str>>,
    #[serde(borrow)]
    previous_message: Option<WireInner<'a>>,
    #[serde(borrow)]
    message: Option<WireInner<'a>>,
}

/// The message inside a `message_changed` or `message_deleted` event.
#[derive(Deserialize)]
struct WireInner<'a> {
    #[serde(borrow)]
    ts: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
}

impl<'a> Wire<'a> {
    /// The message's fields; `None` when a message lacks Slack's shape
    /// (no `ts`, a channel that is not an id).
    fn message_fields(&'a self) -> Option<Fields<'a>> {
        // A message's channel is an id: a JSON string with nothing to
        // unescape.
        let channel = match self.channel {
            Some(raw) => Some(
                raw.get()
                    .strip_prefix('"')?
                    .strip_suffix('"')
                    .filter(|id| !id.contains('\\'))?,
            ),
            None => None,
        };
        Some(Fields {
            subtype: self.subtype.as_deref().map(Subtype::of),
            channel,
            channel_type: self.channel_type.as_deref(),
            user: self.user.as_deref(),
            from_a_bot: self.bot_id.is_some(),
            text: self.text.as_deref(),
            ts: self.ts.as_deref()?,
            thread_ts: self.thread_ts.as_deref(),
            deleted_ts: self
                .deleted_ts
                .as_deref()
                .or_else(|| self.previous_message.as_ref()?.ts.as_deref()),
            edited: self
                .message
                .as_ref()
                .and_then(|inner| Some((inner.ts.as_deref()?, inner.text.as_deref()))),
        })
    }
}

/// A message event's subtype, as far as the pipeline tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subtype {
    Deleted,
    Changed,
    ThreadBroadcast,
    Other,
}

impl Subtype {
    fn of(name: &str) -> Self {
        match name {
            "message_deleted" => Subtype::Deleted,
            "message_changed" => Subtype::Changed,
            "thread_broadcast" => Subtype::ThreadBroadcast,
            _ => Subtype::Other,
        }
    }
}

/// A message event's fields, from either decoder.
struct Fields<'a> {
    subtype: Option<Subtype>,
    channel: Option<&'a str>,
    channel_type: Option<&'a str>,
    user: Option<&'a str>,
    from_a_bot: bool,
    text: Option<&'a str>,
    ts: &'a str,
    thread_ts: Option<&'a str>,
    /// The deleted message's `ts` (`deleted_ts`, else `previous_message`).
    deleted_ts: Option<&'a str>,
    /// The edited message's `ts` and new text.
    edited: Option<(&'a str, Option<&'a str>)>,
}

impl<'a> Fields<'a> {
    /// The fields of slack-morphism's parse.
    fn of(event: &'a SlackMessageEvent) -> Self {
        Fields {
            subtype: event.subtype.as_ref().map(|subtype| match subtype {
                SlackMessageEventType::MessageDeleted => Subtype::Deleted,
                SlackMessageEventType::MessageChanged => Subtype::Changed,
                SlackMessageEventType::ThreadBroadcast => Subtype::ThreadBroadcast,
                _ => Subtype::Other,
            }),
            channel: event.origin.channel.as_ref().map(|c| c.0.as_str()),
            channel_type: event.origin.channel_type.as_ref().map(|t| t.0.as_str()),
            user: event.sender.user.as_ref().map(|u| u.0.as_str()),
            from_a_bot: event.sender.bot_id.is_some(),
            text: event.content.as_ref().and_then(|c| c.text.as_deref()),
            ts: &event.origin.ts.0,
            thread_ts: event.origin.thread_ts.as_ref().map(|ts| ts.0.as_str()),
            deleted_ts: event
                .deleted_ts
                .as_ref()
                .or_else(|| event.previous_message.as_ref().map(|m| &m.ts))
                .map(|ts| ts.0.as_str()),
            edited: event.message.as_ref().map(|edited| {
                (
                    edited.ts.0.as_str(),
                    edited.content.as_ref().and_then(|c| c.text.as_deref()),
                )
            }),
        }
    }
}

/// A message event: said, edited, deleted, or skipped and why.
fn message(event: &Fields, team_id: &str, bot_user_id: &str) -> Incoming {
    let channel = event.channel.map(str::to_string);
    let said_private = event.channel_type.and_then(privacy_of_channel_type);
    let skipped = |reason| Incoming::Skipped {
        reason,
        channel: channel.clone().zip(said_private),
    };
    match event.subtype {
        Some(Subtype::Deleted) => {
            return match (channel.clone(), event.deleted_ts) {
                (Some(channel_id), Some(ts)) => Incoming::Deleted {
                    channel_id,
                    said_private,
                    ts: ts.to_string(),
                },
                _ => skipped(Skipped::Subtype),
            };
        }
        Some(Subtype::Changed) => {
            let edited = event
                .edited
                .and_then(|(ts, text)| Some((ts.to_string(), text?.to_string())));
            return match (channel.clone(), edited) {
                (Some(channel_id), Some((ts, text))) => Incoming::Edited {
                    channel_id,
                    said_private,
                    ts,
                    text,
                },
                _ => skipped(Skipped::Subtype),
            };
        }
        None | Some(Subtype::ThreadBroadcast) => {}
        Some(Subtype::Other) => return skipped(Skipped::Subtype),
    }
    if event.from_a_bot {
        return skipped(Skipped::FromABot);
    }
    let Some(user) = event.user else {
        return skipped(Skipped::FromABot);
    };
    if user == bot_user_id {
        return skipped(Skipped::OwnMessage);
    }
    let Some(channel_id) = channel.clone() else {
        return skipped(Skipped::NotAMessage);
    };
    let in_channel = match event.channel_type {
        Some(kind) => kind == "channel" || kind == "group",
        None => channel_id.starts_with('C') || channel_id.starts_with('G'),
    };
    if !in_channel {
        return skipped(Skipped::DirectMessage);
    }
    let text = event.text.unwrap_or_default();
    if text.trim().is_empty() {
        return skipped(Skipped::Empty);
    }
    Incoming::Said {
        message: Message {
            team_id: team_id.to_string(),
            channel_id,
            ts: event.ts.to_string(),
            thread_ts: event.thread_ts.map(str::to_string),
            user_id: user.to_string(),
            text: text.to_string(),
            // Unknown counts as private; the pipeline asks Slack then.
            channel_private: said_private.unwrap_or(true),
        },
        said_private,
    }
}

/// Decodes an interaction payload as Slack sent it (the JSON in the
/// `payload` form field). `None`: not an interaction payload.
pub fn interaction_from_json(payload: serde_json::Value) -> Option<Interaction> {
    let Some(kind) = payload.get("type").and_then(serde_json::Value::as_str) else {
        tracing::warn!("interaction payload without a type");
        return None;
    };
    if !matches!(kind, "block_actions" | "view_submission" | "message_action") {
        return Some(Interaction::Other);
    }
    match serde_json::from_value::<SlackInteractionEvent>(payload) {
        Ok(event) => Some(interaction(&event)),
        Err(err) => {
            // Never log the payload: it holds message text.
            tracing::warn!(error.category = ?err.classify(), "unreadable interaction payload");
            None
        }
    }
}

/// Decodes an interaction slack-morphism has parsed (Socket Mode hands it
/// over so).
pub fn interaction(event: &SlackInteractionEvent) -> Interaction {
    match event {
        SlackInteractionEvent::BlockActions(event) => {
            let message = match &event.container {
                SlackInteractionActionContainer::Message(message) => Some(message),
                _ => None,
            };
            Interaction::Click(Click {
                team_id: event.team.id.0.clone(),
                user_id: event.user.as_ref().map(|user| user.id.0.clone()),
                action: event
                    .actions
                    .as_ref()
                    .and_then(|actions| actions.first())
                    .map(|action| (action.action_id.0.clone(), action.value.clone())),
                channel_id: message
                    .and_then(|message| message.channel_id.as_ref())
                    .or_else(|| event.channel.as_ref().map(|channel| &channel.id))
                    .map(|channel| channel.0.clone()),
                message_ts: message.map(|message| message.message_ts.0.clone()),
                trigger_id: event.trigger_id.0.clone(),
                response_url: event.response_url.as_ref().map(|url| url.0.to_string()),
            })
        }
        SlackInteractionEvent::ViewSubmission(event) => {
            let modal = match &event.view.view {
                SlackView::Modal(modal) => Some(modal),
                SlackView::Home(_) => None,
            };
            let values = event
                .view
                .state_params
                .state
                .iter()
                .flat_map(|state| &state.values)
                .filter_map(|(block, actions)| {
                    let value = actions.get(&SlackActionId(block.0.clone()))?;
                    Some((
                        block.0.clone(),
                        FieldValue {
                            text: value.value.clone(),
                            user: value.selected_user.as_ref().map(|user| user.0.clone()),
                            date: value.selected_date.clone(),
                        },
                    ))
                })
                .collect();
            Interaction::Submission(Submission {
                team_id: event.team.id.0.clone(),
                user_id: event.user.id.0.clone(),
                callback_id: modal
                    .and_then(|modal| modal.callback_id.as_ref())
                    .map(|id| id.0.clone()),
                private_metadata: modal.and_then(|modal| modal.private_metadata.clone()),
                values,
            })
        }
        SlackInteractionEvent::MessageAction(event) => {
            let message = event.message.as_ref();
            Interaction::Shortcut(MessageShortcut {
                team_id: event.team.id.0.clone(),
                user_id: event.user.id.0.clone(),
                callback_id: event.callback_id.0.clone(),
                channel_id: event.channel.as_ref().map(|channel| channel.id.0.clone()),
                message_ts: message.map(|message| message.origin.ts.0.clone()),
                text: message.and_then(|message| message.content.text.clone()),
                author: message
                    .and_then(|message| message.sender.user.as_ref().map(|u| u.0.clone())),
                trigger_id: event.trigger_id.0.clone(),
                response_url: event.response_url.0.to_string(),
            })
        }
        _ => Interaction::Other,
    }
}

/// Rewrites the pending inbox rows an earlier version stored as Slack's own
/// event JSON into [`Incoming`], so the pipeline never reads Slack's
/// format; start-up runs it before the workers start. (A row that does not
/// decode is left as it is: the pipeline counts it unreadable.) Replicas of
/// an earlier version still running would go on storing Slack's JSON:
/// upgrade them all at once. Returns how many rows were rewritten.
pub async fn upgrade_inbox(store: &Store, bot_user_id: &str) -> Result<usize, sqlx::Error> {
    let mut rewritten = 0;
    for event in store.pending_events().await? {
        if serde_json::from_str::<Incoming>(&event.payload).is_ok() {
            continue;
        }
        let Some(payload) = from_json(&event.payload, &event.team_id, bot_user_id)
            .and_then(|incoming| serde_json::to_string(&incoming).ok())
        else {
            continue;
        };
        store.rewrite_event(event.id, &payload).await?;
        rewritten += 1;
    }
    Ok(rewritten)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Incoming;

    fn fixture_event(name: &str) -> String {
        let path = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
        let body: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
        body["event"].to_string()
    }

    #[test]
    fn a_message_without_slacks_shape_is_malformed_and_another_type_is_ignored() {
        let mut event: serde_json::Value =
            serde_json::from_str(&fixture_event("events_message.json")).expect("json");
        event["text"] = serde_json::json!(42);
        assert_eq!(
            from_json(&event.to_string(), "T111", "UBOT"),
            Some(Incoming::Malformed)
        );
        event["text"] = serde_json::json!("hi");
        event.as_object_mut().map(|fields| fields.remove("ts"));
        assert_eq!(
            from_json(&event.to_string(), "T111", "UBOT"),
            Some(Incoming::Malformed)
        );
        event["type"] = serde_json::json!("reaction_added");
        assert_eq!(from_json(&event.to_string(), "T111", "UBOT"), None);
        assert_eq!(from_json("[1, 2]", "T111", "UBOT"), None);
    }

    /// An inner event fixture, changed by `change`, as both decoders see it.
    fn both_ways(name: &str, change: impl FnOnce(&mut serde_json::Value)) -> [Option<Incoming>; 2] {
        let path = format!("{}/tests/fixtures/slack/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
        let mut event: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
        change(&mut event);
        let body: SlackEventCallbackBody =
            serde_json::from_value(event.clone()).expect("slack-morphism reads it");
        [
            from_json(&event.to_string(), "T111", "UBOT"),
            from_event(&body, "T111", "UBOT"),
        ]
    }

    #[test]
    fn what_asks_to_forget_decodes_alike_over_http_and_socket_mode() {
        let gone = |user: &str| {
            Some(Incoming::PersonGone {
                user_id: user.into(),
            })
        };
        /// A fixture, what the test changes in it, and what it decodes to.
        type Case = (&'static str, fn(&mut serde_json::Value), Option<Incoming>);
        let cases: [Case; 8] = [
            (
                "event_only_app_uninstalled.json",
                |_| {},
                Some(Incoming::Uninstalled),
            ),
            (
                "event_only_tokens_revoked.json",
                |_| {},
                Some(Incoming::Uninstalled),
            ),
            (
                "event_only_tokens_revoked.json",
                |event| event["tokens"]["bot"] = serde_json::json!([]),
                None,
            ),
            (
                "event_only_channel_deleted.json",
                |_| {},
                Some(Incoming::ChannelDeleted {
                    channel_id: "C024BE91L".into(),
                }),
            ),
            (
                "event_only_group_deleted.json",
                |_| {},
                Some(Incoming::ChannelDeleted {
                    channel_id: "G0QN9RGTT".into(),
                }),
            ),
            ("event_only_user_change.json", |_| {}, None),
            (
                "event_only_user_change.json",
                |event| {
                    event["user"]["id"] = serde_json::json!("W111");
                    event["user"]["deleted"] = serde_json::json!(true);
                },
                gone("W111"),
            ),
            (
                "event_only_user_change.json",
                |event| {
                    event["user"]["id"] = serde_json::json!("W111");
                    event["user"]["is_forgotten"] = serde_json::json!(true);
                },
                gone("W111"),
            ),
        ];
        for (name, change, expected) in cases {
            let [http, socket] = both_ways(name, change);
            assert_eq!(http, expected, "{name} over HTTP");
            assert_eq!(socket, expected, "{name} over Socket Mode");
        }
    }

    #[test]
    fn escaped_text_is_read_whole() {
        let mut event: serde_json::Value =
            serde_json::from_str(&fixture_event("events_message.json")).expect("json");
        event["text"] = serde_json::json!("can we \"align\"\non pricing? \u{e9}");
        let Some(Incoming::Said { message, .. }) = from_json(&event.to_string(), "T111", "UBOT")
        else {
            panic!("a person's message is said");
        };
        assert_eq!(message.text, "can we \"align\"\non pricing? \u{e9}");
    }

    #[test]
    fn a_channel_event_names_its_channel_as_an_id_or_an_object() {
        let shared = r#"{"type":"channel_shared","connected_team_id":"E1","channel":"C0SHARED","event_ts":"1"}"#;
        assert_eq!(
            from_json(shared, "T111", "UBOT"),
            Some(Incoming::ChannelShared {
                channel_id: "C0SHARED".into()
            })
        );
        let renamed = r#"{"type":"group_rename","channel":{"id":"G0PRIV","name":"x","created":1}}"#;
        assert_eq!(
            from_json(renamed, "T111", "UBOT"),
            Some(Incoming::PrivateChannel {
                channel_id: "G0PRIV".into()
            })
        );
    }
}
