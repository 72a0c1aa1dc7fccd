//! Slack wire → domain. `http` serves the Events API over HTTP, `socket`
//! receives the same over Socket Mode; both hand each event to `decode`
//! (Slack's JSON read once, into [`crate::domain::Incoming`]) and the
//! `writer` persists what it says (group commit) before either acknowledges
//! it. `server` is the HTTP server under the router.

use crate::interactions::{self, Ack};
use crate::state::AppState;
use slack_morphism::prelude::*;
use std::collections::HashMap;

pub mod decode;
pub mod http;
pub mod server;
pub mod socket;
pub mod writer;

/// Whether an event is for the workspace the bot token belongs to: its
/// `team_id` is, or one of its `authorizations` is (an event from a channel
/// shared with another workspace carries that workspace's id). Any other is
/// acknowledged and dropped, counted and logged with its team: answering it
/// would speak into another workspace with this one's token.
pub fn for_this_workspace<'a>(
    state: &AppState,
    team_id: Option<&str>,
    authorized: impl IntoIterator<Item = &'a str>,
) -> bool {
    let installed = state.bot_team_id.as_str();
    if team_id == Some(installed) || authorized.into_iter().any(|team| team == installed) {
        return true;
    }
    metrics::counter!("clarity_events_other_workspace_total").increment(1);
    tracing::warn!(
        team_id = team_id.unwrap_or_default(),
        installed,
        "dropped an event for a workspace the bot is not installed in"
    );
    false
}

/// Handles an interaction payload as Slack sent it (the JSON in the
/// `payload` form field of `POST /slack/interactions`): decoded, then
/// [`interactions::handle`]. One that is not an interaction is
/// [`Ack::Unreadable`].
pub async fn interaction(state: &AppState, payload: serde_json::Value, now: i64) -> Ack {
    match decode::interaction_from_json(payload) {
        Some(interaction) => interactions::handle(state, interaction, now).await,
        None => Ack::Unreadable,
    }
}

/// What Slack gets back for an interaction: an empty acknowledgement, or
/// the `response_action: errors` of a submission. (`Unreadable` is empty
/// too; over HTTP it is a 400.)
pub fn interaction_response(ack: &Ack) -> SlackInteractionResponse {
    match ack {
        Ack::Done | Ack::Unreadable => SlackInteractionResponse::Empty,
        Ack::Errors(errors) => SlackInteractionResponse::ViewSubmission(
            SlackViewSubmissionResponse::Errors(SlackViewSubmissionErrorsResponse::new(
                errors
                    .iter()
                    .map(|(field, message)| (field.as_str().to_string(), message.clone()))
                    .collect::<HashMap<_, _>>(),
            )),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::respond::views::Field;

    #[test]
    fn acks_are_empty_or_name_the_fields_to_fix() {
        assert_eq!(
            interaction_response(&Ack::Done),
            SlackInteractionResponse::Empty
        );
        let json = serde_json::to_value(interaction_response(&Ack::Errors(vec![(
            Field::Due,
            "Please choose a date.".into(),
        )])))
        .expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"response_action": "errors", "errors": {"due": "Please choose a date."}})
        );
    }
}
