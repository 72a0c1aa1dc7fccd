//! Slack wire → domain. `http` serves the Events API over HTTP, `socket`
//! receives the same over Socket Mode; both hand each event to `decode`
//! (Slack's JSON read once, into [`crate::domain::Incoming`]) and the
//! `writer` persists what it says (group commit) before either acknowledges
//! it. `server` is the HTTP server under the router.

use crate::interactions::{self, Ack};
use crate::state::AppState;
use crate::workspaces::Workspaces;
use slack_morphism::prelude::*;
use std::collections::HashMap;

pub mod decode;
pub mod http;
pub mod server;
pub mod socket;
pub mod writer;

/// One of an event envelope's `authorizations`: an installation Slack
/// delivered the event for. An org-wide install's has no `team_id`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Authorization {
    pub team_id: Option<String>,
    pub enterprise_id: Option<String>,
    #[serde(default)]
    pub is_enterprise_install: bool,
}

/// Who an event is for: the workspace its data is kept under, and the bot
/// user of the installation that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub team_id: String,
    pub bot_user_id: String,
}

/// Who answers an event from `team_id` (and `enterprise_id`) delivered for
/// `authorizations`. Single-workspace mode: the token's workspace, when
/// the event's `team_id` is it or one of its `authorizations` is (an event
/// from a channel shared with another workspace carries that workspace's
/// id). Multi-workspace mode: the first authorization with an
/// installation (an org-wide one answers for the event's workspace); when
/// none has one and `event_context` is given (a channel shared between
/// workspaces, whose event Slack lists only one installation for), the
/// first of all the installations Slack says see it, asked with the app
/// token where `SLACK_APP_TOKEN` is set. Any
/// other event is acknowledged and dropped, counted and logged with its
/// team: answering it would speak into a workspace with another's token.
pub async fn recipient(
    state: &AppState,
    team_id: Option<&str>,
    enterprise_id: Option<&str>,
    authorizations: &[Authorization],
    event_context: Option<&str>,
) -> Result<Option<Recipient>, sqlx::Error> {
    let found = match &state.workspaces {
        Workspaces::Single {
            workspace,
            team_id: installed,
        } => {
            let authorized = authorizations
                .iter()
                .any(|a| a.team_id.as_deref() == Some(installed.as_str()));
            (team_id == Some(installed.as_str()) || authorized).then(|| Recipient {
                team_id: team_id
                    .map(str::to_string)
                    .or_else(|| authorizations.iter().find_map(|a| a.team_id.clone()))
                    .unwrap_or_default(),
                bot_user_id: workspace.bot_user_id.clone(),
            })
        }
        Workspaces::Multi(installations) => {
            match installed_recipient(state, team_id, enterprise_id, authorizations).await? {
                Some(found) => Some(found),
                None => match (event_context, &installations.event_authorizations) {
                    (Some(context), Some(client)) => {
                        let listed = listed_authorizations(client, context).await;
                        installed_recipient(state, team_id, enterprise_id, &listed).await?
                    }
                    _ => None,
                },
            }
        }
    };
    if found.is_none() {
        metrics::counter!("clarity_events_other_workspace_total").increment(1);
        tracing::warn!(
            team_id = team_id.unwrap_or_default(),
            enterprise_id = enterprise_id.unwrap_or_default(),
            "dropped an event for a workspace the bot is not installed in"
        );
    }
    Ok(found)
}

/// Multi-workspace mode: a command or a click from a workspace of an
/// organization with an org-wide installation says which organization the
/// workspace is in, so its calls find that installation even before any of
/// its events arrived. Anything else changes nothing.
pub async fn note_organization(state: &AppState, team_id: &str, enterprise_id: Option<&str>) {
    let Some(enterprise_id) = enterprise_id.filter(|e| !e.is_empty()) else {
        return;
    };
    if !state.workspaces.is_multi() || team_id.is_empty() {
        return;
    }
    let noted = match state
        .store
        .installation_for(team_id, Some(enterprise_id))
        .await
    {
        Ok(Some(row)) if row.org_wide => {
            state
                .store
                .remember_enterprise(team_id, &row.key.enterprise_id)
                .await
        }
        Ok(_) => Ok(()),
        Err(err) => Err(err),
    };
    if let Err(err) = noted {
        tracing::warn!(error = %err, team = %team_id, "could not note a workspace's organization");
    }
}

/// Every installation Slack says an event is visible to; none when it
/// cannot say (logged: the event is then dropped like any other for no
/// installation).
async fn listed_authorizations(
    client: &crate::slack::authorizations::EventAuthorizations,
    event_context: &str,
) -> Vec<Authorization> {
    match client.list(event_context).await {
        Ok(listed) => listed
            .into_iter()
            .map(|listed| Authorization {
                team_id: listed.team_id,
                enterprise_id: listed.enterprise_id,
                is_enterprise_install: listed.is_enterprise_install,
            })
            .collect(),
        Err(err) => {
            tracing::warn!(error = %err, "apps.event.authorizations.list failed; the event's own authorizations name no installation");
            Vec::new()
        }
    }
}

/// Multi-workspace mode: the installation an event's authorizations (or,
/// without any, its team) name.
async fn installed_recipient(
    state: &AppState,
    team_id: Option<&str>,
    enterprise_id: Option<&str>,
    authorizations: &[Authorization],
) -> Result<Option<Recipient>, sqlx::Error> {
    let from_envelope = [Authorization {
        team_id: team_id.map(str::to_string),
        enterprise_id: enterprise_id.map(str::to_string),
        is_enterprise_install: false,
    }];
    let candidates = if authorizations.is_empty() {
        &from_envelope[..]
    } else {
        authorizations
    };
    for authorization in candidates {
        let enterprise = authorization.enterprise_id.as_deref().or(enterprise_id);
        // An org-wide install's authorization names no team: the event's
        // workspace is the one it happened in.
        let team = match authorization.team_id.as_deref().filter(|t| !t.is_empty()) {
            Some(team) => team,
            None if authorization.is_enterprise_install => match team_id {
                Some(team) if !team.is_empty() => team,
                _ => continue,
            },
            None => continue,
        };
        if let Some(row) = state.store.installation_for(team, enterprise).await? {
            if row.org_wide {
                state
                    .store
                    .remember_enterprise(team, &row.key.enterprise_id)
                    .await?;
            }
            return Ok(Some(Recipient {
                team_id: team.to_string(),
                bot_user_id: row.bot_user_id,
            }));
        }
    }
    Ok(None)
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
