//! The bot joining and leaving channels: when it joins one (its own
//! `member_joined_channel`), one short message says what it does, that it
//! asks at most once per thread, how to mute it and where `/clarity help`
//! is. Once per channel, ever: the store remembers the greeting across
//! leaving, rejoining and replicas, and queues it in the same transaction.

use crate::respond::blocks::Reply;
use crate::respond::outgoing::Outgoing;
use crate::state::AppState;

/// The bot joined `channel_id`: greets it, the first time ever.
pub async fn joined(
    state: &AppState,
    team_id: &str,
    channel_id: &str,
    now: i64,
) -> anyhow::Result<()> {
    let greeting = Outgoing::Post {
        channel: channel_id.to_string(),
        thread_ts: None,
        content: Reply::Greeting.render(),
    }
    .queued(team_id, format!("greeting:{team_id}:{channel_id}"));
    if state
        .store
        .bot_joined(team_id, channel_id, &greeting, now)
        .await?
    {
        tracing::info!(team = %team_id, channel = %channel_id, "joined a channel; greeting it");
        state.outbox_ready.notify_one();
    }
    Ok(())
}

/// The bot left `channel_id`; its greeting is remembered.
pub async fn left(
    state: &AppState,
    team_id: &str,
    channel_id: &str,
    now: i64,
) -> anyhow::Result<()> {
    state.store.bot_left(team_id, channel_id, now).await?;
    Ok(())
}
