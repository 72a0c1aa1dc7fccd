//! Muting the bot in a channel, one way for `/clarity mute` and the flag's
//! mute button: who may (`[mute] who`; anything but `anyone` asks Slack
//! about the person, `users.info` and `conversations.info`, and when Slack
//! cannot say, nobody is allowed), then the mute and the one line the
//! channel sees ("@ana muted me in this channel until …"), in one
//! transaction.

use crate::policy::{Muter, WhoMayMute};
use crate::respond::blocks::Reply;
use crate::respond::outgoing::Outgoing;
use crate::state::AppState;
use crate::store::NewOutboxMessage;

/// What came of a request to mute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mute {
    /// Muted until then (ms); the channel is told.
    Until(i64),
    /// `[mute] who` does not include this person.
    Refused(WhoMayMute),
    /// Slack could not say who the person is: nothing was changed.
    Unsure,
}

/// Mutes `channel` until `until` (ms) for `user`, if `[mute] who` allows
/// it, and queues the line the channel sees with `also` (the flag reply's
/// update, for the button) in the same transaction.
pub async fn mute(
    state: &AppState,
    (team_id, channel_id): (&str, &str),
    user: &str,
    until: i64,
    also: &[NewOutboxMessage],
    now: i64,
) -> Result<Mute, sqlx::Error> {
    let who = state.settings.file.mute.who;
    match may_mute(state, who, team_id, channel_id, user).await {
        None => return Ok(Mute::Unsure),
        Some(false) => {
            tracing::info!(team = %team_id, channel = %channel_id, who = ?who, "refused a mute");
            return Ok(Mute::Refused(who));
        }
        Some(true) => {}
    }
    let line = Outgoing::Post {
        channel: channel_id.to_string(),
        thread_ts: None,
        content: Reply::FlagMuted {
            until,
            by: user.to_string(),
        }
        .render(),
    }
    .queued(team_id, format!("mute-line:{team_id}:{channel_id}:{until}"));
    let mut calls = also.to_vec();
    calls.push(line);
    state
        .store
        .mute_channel(team_id, channel_id, until, &calls, now)
        .await?;
    state.outbox_ready.notify_one();
    Ok(Mute::Until(until))
}

/// Whether `user` may mute `channel`; `None` when Slack could not say.
async fn may_mute(
    state: &AppState,
    who: WhoMayMute,
    team_id: &str,
    channel: &str,
    user: &str,
) -> Option<bool> {
    if !who.needs_lookup() {
        return Some(true);
    }
    let admin = match async { state.slack(team_id).await?.is_admin(user).await }.await {
        Ok(admin) => admin,
        Err(err) => {
            tracing::warn!(error = %err, "users.info failed; the mute is refused");
            return None;
        }
    };
    let channel_creator = if who == WhoMayMute::ChannelManagers && !admin {
        match async { state.slack(team_id).await?.channel_creator(channel).await }.await {
            Ok(creator) => creator.as_deref() == Some(user),
            Err(err) => {
                tracing::warn!(error = %err, "conversations.info failed; the mute is refused");
                return None;
            }
        }
    } else {
        false
    };
    Some(who.allows(&Muter {
        admin,
        channel_creator,
    }))
}
