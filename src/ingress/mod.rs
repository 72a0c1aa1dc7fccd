//! Slack wire → domain. `http` serves the Events API over HTTP, `socket`
//! receives the same over Socket Mode; both hand each event to `decode`
//! (Slack's JSON read once, into [`crate::domain::Incoming`]) and the
//! `writer` persists what it says (group commit) before either acknowledges
//! it. `server` is the HTTP server under the router.

use crate::state::AppState;

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
