//! A channel's privacy, decided one way everywhere (events, `/clarity`,
//! buttons, the digest): from what Slack says about the channel, never from
//! the shape of its id or name. An event's `channel_type` is the fast path
//! ([`crate::domain::privacy_of_channel_type`]);
//! otherwise `conversations.info`, remembered in the `channels` table for
//! [`TTL_MS`]. When the bot cannot tell, the channel is private.

use crate::slack::api::CallError;
use crate::state::AppState;
use std::sync::atomic::Ordering;

/// How long what Slack said about a channel is trusted without asking again.
pub const TTL_MS: i64 = 60 * 60 * 1000;
/// The scopes `conversations.info` needs for each kind of conversation.
pub const SCOPES: &str = "channels:read, groups:read, im:read and mpim:read";

/// Records what Slack said about a channel (an event's `channel_type`, or
/// `conversations.info`). Turning private marks the channel's stored rows
/// private at once.
pub async fn observe(
    state: &AppState,
    team_id: &str,
    channel_id: &str,
    private: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    if let Some((known, at)) = state.privacy.recalled(team_id, channel_id)
        && known == private
        && now - at < TTL_MS / 2
    {
        return Ok(());
    }
    state
        .store
        .set_channel_privacy(team_id, channel_id, private, now)
        .await?;
    state.privacy.remember(team_id, channel_id, private, now);
    Ok(())
}

/// Forgets a channel's privacy (shared, unshared, converted): it counts as
/// private until Slack is asked again.
pub async fn forget(state: &AppState, team_id: &str, channel_id: &str) -> Result<(), sqlx::Error> {
    state.privacy.forget(team_id, channel_id);
    state
        .store
        .forget_channel_privacy(team_id, channel_id)
        .await
}

/// Whether the channel is private (or of unknown privacy): what Slack said
/// within [`TTL_MS`], else `conversations.info`. Any doubt (a failed call,
/// a missing scope, a database error) answers private.
pub async fn is_private(state: &AppState, team_id: &str, channel_id: &str, now: i64) -> bool {
    match state.store.channel_privacy(team_id, channel_id).await {
        Ok(Some(known)) if now - known.checked_at < TTL_MS => return known.private,
        Ok(_) => {}
        Err(err) => {
            tracing::warn!(channel = channel_id, error = %err, "could not read a channel's privacy; treating it as private");
            return true;
        }
    }
    match async {
        state
            .slack(team_id)
            .await?
            .channel_is_private(channel_id)
            .await
    }
    .await
    {
        Ok(private) => {
            if let Err(err) = observe(state, team_id, channel_id, private, now).await {
                tracing::warn!(channel = channel_id, error = %err, "could not remember a channel's privacy");
            }
            private
        }
        Err(CallError::Permanent(code)) if code == "missing_scope" => {
            if !state
                .privacy
                .warned_missing_scope
                .swap(true, Ordering::Relaxed)
            {
                tracing::warn!(
                    channel = channel_id,
                    "conversations.info answered missing_scope: add the {SCOPES} scopes to the app \
                     and reinstall it; until then channels the bot has not seen a message in count as private"
                );
            }
            true
        }
        Err(err) => {
            tracing::warn!(channel = channel_id, error = %err, "could not ask Slack whether a channel is private; treating it as private");
            true
        }
    }
}
