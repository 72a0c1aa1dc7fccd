//! Which Slack message events are a person speaking in a channel: the only
//! ones the pipeline assesses. Bot posts, the bot's own messages, edits,
//! deletions, joins and DMs are not.

use crate::domain::Message;
use slack_morphism::prelude::*;

/// Why an event is not assessed (a metric label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Converts an event into a person's channel message, or says why not.
pub fn person_message(
    team_id: &str,
    event: &SlackEventCallbackBody,
    bot_user_id: &str,
) -> Result<Message, Skipped> {
    let SlackEventCallbackBody::Message(event) = event else {
        return Err(Skipped::NotAMessage);
    };
    match &event.subtype {
        None | Some(SlackMessageEventType::ThreadBroadcast) => {}
        Some(_) => return Err(Skipped::Subtype),
    }
    if event.sender.bot_id.is_some() {
        return Err(Skipped::FromABot);
    }
    let Some(user) = &event.sender.user else {
        return Err(Skipped::FromABot);
    };
    if user.0 == bot_user_id {
        return Err(Skipped::OwnMessage);
    }
    let channel_type = event.origin.channel_type.as_ref().map(|t| t.0.as_str());
    let Some(channel) = &event.origin.channel else {
        return Err(Skipped::NotAMessage);
    };
    let channel_private = channel_type != Some("channel");
    let in_channel = match channel_type {
        Some(kind) => kind == "channel" || kind == "group",
        None => channel.0.starts_with('C') || channel.0.starts_with('G'),
    };
    if !in_channel {
        return Err(Skipped::DirectMessage);
    }
    let text = event
        .content
        .as_ref()
        .and_then(|c| c.text.clone())
        .unwrap_or_default();
    if text.trim().is_empty() {
        return Err(Skipped::Empty);
    }
    Ok(Message {
        team_id: team_id.to_string(),
        channel_id: channel.0.clone(),
        ts: event.origin.ts.0.clone(),
        thread_ts: event.origin.thread_ts.as_ref().map(|ts| ts.0.clone()),
        user_id: user.0.clone(),
        text,
        channel_private,
    })
}
