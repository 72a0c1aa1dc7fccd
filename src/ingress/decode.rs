//! Slack's wire format → our types, once, for HTTP and Socket Mode alike:
//! an inner `event` object becomes an [`Incoming`] (stored in the inbox as
//! our own type; the pipeline never sees Slack's), an interaction payload
//! an [`Interaction`] (the buttons' and forms' handler never sees Slack's).
//!
//! A person's message in a channel is [`Incoming::Said`]; bot posts, the
//! bot's own messages, joins and DMs are [`Incoming::Skipped`] with the
//! reason; edits and deletions are their own kinds; a mention of the bot
//! and the bot joining or leaving a channel too. Event types the pipeline
//! does not act on decode to `None` and are never stored.

use crate::domain::{
    Click, FieldValue, Incoming, Interaction, Message, MessageShortcut, Skipped, Submission,
    privacy_of_channel_type,
};
use crate::store::Store;
use slack_morphism::prelude::*;

/// Event types the pipeline acts on besides `message`: what they say of a
/// channel's privacy.
const CHANNEL_EVENT_TYPES: &[&str] = &[
    "channel_shared",
    "channel_unshared",
    "group_archive",
    "group_close",
    "group_deleted",
    "group_left",
    "group_open",
    "group_rename",
    "group_unarchive",
];

/// Decodes the inner `event` object of an `event_callback` as Slack sent it
/// (HTTP). `None`: a type the pipeline does not act on.
pub fn from_json(event: &str, team_id: &str, bot_user_id: &str) -> Option<Incoming> {
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
        SlackEventCallbackBody::Message(event) => Some(message(event, team_id, bot_user_id)),
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
        // A type slack-morphism models whose shape did not fit lands in
        // `Unknown`, as do the channel events it does not model.
        SlackEventCallbackBody::Unknown(value) => {
            let kind = value.get("type").and_then(serde_json::Value::as_str)?;
            if kind == "message" {
                return Some(Incoming::Malformed);
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

/// A message event: said, edited, deleted, or skipped and why.
fn message(event: &SlackMessageEvent, team_id: &str, bot_user_id: &str) -> Incoming {
    let channel = event.origin.channel.as_ref().map(|c| c.0.clone());
    let said_private = event
        .origin
        .channel_type
        .as_ref()
        .and_then(|kind| privacy_of_channel_type(&kind.0));
    let skipped = |reason| Incoming::Skipped {
        reason,
        channel: channel.clone().zip(said_private),
    };
    match &event.subtype {
        Some(SlackMessageEventType::MessageDeleted) => {
            let ts = event
                .deleted_ts
                .as_ref()
                .or_else(|| event.previous_message.as_ref().map(|m| &m.ts));
            return match (channel.clone(), ts) {
                (Some(channel_id), Some(ts)) => Incoming::Deleted {
                    channel_id,
                    said_private,
                    ts: ts.0.clone(),
                },
                _ => skipped(Skipped::Subtype),
            };
        }
        Some(SlackMessageEventType::MessageChanged) => {
            let edited = event.message.as_ref().and_then(|edited| {
                let text = edited.content.as_ref()?.text.clone()?;
                Some((edited.ts.0.clone(), text))
            });
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
        None | Some(SlackMessageEventType::ThreadBroadcast) => {}
        Some(_) => return skipped(Skipped::Subtype),
    }
    if event.sender.bot_id.is_some() {
        return skipped(Skipped::FromABot);
    }
    let Some(user) = &event.sender.user else {
        return skipped(Skipped::FromABot);
    };
    if user.0 == bot_user_id {
        return skipped(Skipped::OwnMessage);
    }
    let Some(channel_id) = channel.clone() else {
        return skipped(Skipped::NotAMessage);
    };
    let in_channel = match event.origin.channel_type.as_ref().map(|t| t.0.as_str()) {
        Some(kind) => kind == "channel" || kind == "group",
        None => channel_id.starts_with('C') || channel_id.starts_with('G'),
    };
    if !in_channel {
        return skipped(Skipped::DirectMessage);
    }
    let text = event
        .content
        .as_ref()
        .and_then(|c| c.text.clone())
        .unwrap_or_default();
    if text.trim().is_empty() {
        return skipped(Skipped::Empty);
    }
    Incoming::Said {
        message: Message {
            team_id: team_id.to_string(),
            channel_id,
            ts: event.origin.ts.0.clone(),
            thread_ts: event.origin.thread_ts.as_ref().map(|ts| ts.0.clone()),
            user_id: user.0.clone(),
            text,
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
