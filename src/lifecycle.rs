//! Keep little, forget on request (DESIGN.md, principle 8; what is kept and
//! for how long: docs/privacy.md). What Slack asks the bot to forget (a
//! deleted message, a deleted channel, an uninstall, a person deactivated
//! or erased), what a person asks (`/clarity forget`), what an operator
//! asks (`clarity-bot purge`), and the hourly retention step
//! ([`run_once`], `[retention]`).
//!
//! Decide, then act: the inbox rows that go are picked here (the store
//! cannot read their payloads), the deletion of the reply Slack shows is
//! queued as an [`Outgoing`], and the store deletes the rows, one
//! transaction per request. A person's admin rights come from Slack
//! (`users.info`), never from the click or the command.

use crate::classify::decisions;
use crate::domain::Incoming;
use crate::respond::outgoing::Outgoing;
use crate::settings::Settings;
use crate::state::AppState;
use crate::store::{DecisionRecord, NewOutboxMessage, Store};

/// How many decisions `/clarity forget` lists to choose from.
pub const LISTED: i64 = 10;

/// The outbox row that deletes the bot's reply to a message, once: an
/// edit that withdraws the question and the message's deletion queue the
/// same row.
pub fn reply_deletion(
    (team_id, channel_id, message_ts): (&str, &str, &str),
    reply_ts: String,
) -> NewOutboxMessage {
    Outgoing::Delete {
        channel: channel_id.to_string(),
        ts: reply_ts,
    }
    .queued(
        team_id,
        format!("flag-delete:{team_id}:{channel_id}:{message_ts}"),
    )
}

/// A message was deleted: its flag (and the reply Slack shows), a decision
/// it stated (in the log and in its thread's context), the thread context
/// it rooted, and inbox rows still holding its text go. `event_id` is the
/// deletion's own inbox row.
pub async fn message_deleted(
    state: &AppState,
    (team_id, channel_id, ts): (&str, &str, &str),
    event_id: i64,
    now: i64,
) -> anyhow::Result<()> {
    let reply = state.store.reply_to(team_id, channel_id, ts).await?;
    let deletion = reply.map(|(_, reply_ts)| reply_deletion((team_id, channel_id, ts), reply_ts));
    let decided = state
        .store
        .forget_message((team_id, channel_id, ts), deletion.as_ref(), now)
        .await?;
    for decision in &decided {
        for (thread_ts, statements) in state
            .store
            .threads_mentioning(team_id, channel_id, decision)
            .await?
        {
            let kept: Vec<String> = statements
                .iter()
                .filter(|statement| decisions::stated_decision(statement) != decision)
                .cloned()
                .collect();
            if kept.len() < statements.len() {
                state
                    .store
                    .forget_thread_decisions((team_id, channel_id, &thread_ts), &kept)
                    .await?;
            }
        }
    }
    forget_unworked(state, team_id, event_id, |incoming| match incoming {
        Incoming::Said { message, .. } | Incoming::Mentioned { message } => {
            message.channel_id == channel_id && message.ts == ts
        }
        Incoming::Edited {
            channel_id: channel,
            ts: edited,
            ..
        } => channel == channel_id && edited == ts,
        _ => false,
    })
    .await?;
    if deletion.is_some() {
        state.outbox_ready.notify_one();
    }
    tracing::info!(team = %team_id, channel = %channel_id, "forgot a deleted message");
    Ok(())
}

/// A channel was deleted: everything kept about it goes, in every table.
pub async fn channel_deleted(
    state: &AppState,
    team_id: &str,
    channel_id: &str,
    event_id: i64,
    now: i64,
) -> anyhow::Result<()> {
    let rows = state.store.forget_channel(team_id, channel_id, now).await?;
    forget_unworked(state, team_id, event_id, |incoming| {
        channel_of(incoming) == Some(channel_id)
    })
    .await?;
    state.privacy.forget(team_id, channel_id);
    tracing::info!(team = %team_id, channel = %channel_id, rows, "forgot a deleted channel");
    Ok(())
}

/// A person was deactivated or erased: what they wrote goes (their asks'
/// matched words, the reasons they typed, the thread roots they wrote,
/// inbox rows with their messages); the decisions they owned or recorded
/// stay, without their name.
pub async fn person_gone(
    state: &AppState,
    team_id: &str,
    user_id: &str,
    event_id: i64,
) -> anyhow::Result<()> {
    let rows = state.store.forget_person(team_id, user_id).await?;
    forget_unworked(state, team_id, event_id, |incoming| match incoming {
        Incoming::Said { message, .. } | Incoming::Mentioned { message } => {
            message.user_id == user_id
        }
        _ => false,
    })
    .await?;
    tracing::info!(team = %team_id, rows, "forgot what a deactivated or erased person wrote");
    Ok(())
}

/// The app was uninstalled (or its bot token revoked): nothing more is
/// posted for the workspace, and its data goes after `[retention]
/// uninstall_grace_days` (at once by default).
pub async fn uninstalled(state: &AppState, team_id: &str, now: i64) -> anyhow::Result<()> {
    state.store.mark_uninstalled(team_id, now).await?;
    tracing::warn!(team = %team_id, "the app was uninstalled; nothing more is posted for this workspace");
    if state.settings.file.retention.uninstall_grace_days == 0 {
        purge(state, team_id, now).await?;
    }
    Ok(())
}

/// The hourly retention step: failed inbox rows past `inbox_days`, the
/// text of flags past `flag_text_days`, and the data of workspaces
/// uninstalled more than `uninstall_grace_days` ago (again of what
/// arrived for them since). Returns rows deleted or changed.
pub async fn run_once(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let retention = &state.settings.file.retention;
    let mut rows = state.store.prune_inbox(retention.inbox_cutoff(now)).await?;
    rows += state
        .store
        .strip_flag_text(retention.flag_text_cutoff(now))
        .await?;
    for team_id in state
        .store
        .due_purges(retention.uninstall_cutoff(now))
        .await?
    {
        rows += purge(state, &team_id, now).await?;
    }
    Ok(usize::try_from(rows).unwrap_or(usize::MAX))
}

/// Deletes an uninstalled workspace's data.
async fn purge(state: &AppState, team_id: &str, now: i64) -> anyhow::Result<u64> {
    let deleted: u64 = state
        .store
        .purge_team(team_id)
        .await?
        .iter()
        .map(|(_, rows)| rows)
        .sum();
    state.store.mark_purged(team_id, now).await?;
    if deleted > 0 {
        tracing::info!(team = %team_id, rows = deleted, "deleted an uninstalled workspace's data");
    }
    Ok(deleted)
}

/// What came of `/clarity forget <id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forget {
    /// Deleted; its topic when the asker may see it (its channel is the
    /// asker's or public).
    Forgotten { id: i64, topic: Option<String> },
    /// No such decision in this workspace.
    NotFound { id: i64 },
    /// Only its recorder or a workspace admin may.
    Refused { id: i64 },
    /// Slack could not say whether the asker is an admin: nothing changed.
    Unsure,
}

/// Deletes decision `id` of `team_id` for `user` (asking in `channel_id`)
/// when they recorded it or are a workspace admin or owner.
pub async fn forget_decision(
    state: &AppState,
    (team_id, channel_id): (&str, &str),
    user: &str,
    id: i64,
) -> Result<Forget, sqlx::Error> {
    let Some(record) = state.store.decision_record(team_id, id).await? else {
        return Ok(Forget::NotFound { id });
    };
    if record.recorded_by.as_deref() != Some(user) {
        match async { state.slack(team_id).await?.is_admin(user).await }.await {
            Ok(true) => {}
            Ok(false) => return Ok(Forget::Refused { id }),
            Err(err) => {
                tracing::warn!(error = %err, "users.info failed; the decision is kept");
                return Ok(Forget::Unsure);
            }
        }
    }
    if !state.store.delete_decision(team_id, id).await? {
        return Ok(Forget::NotFound { id });
    }
    tracing::info!(team = %team_id, decision = id, "forgot a decision on request");
    let visible = record.channel_id == channel_id || !record.channel_private;
    Ok(Forget::Forgotten {
        id,
        topic: visible.then_some(record.topic),
    })
}

/// The channel's latest decisions with their ids, for `/clarity forget`.
pub async fn forgettable(
    state: &AppState,
    (team_id, channel_id): (&str, &str),
) -> Result<Vec<DecisionRecord>, sqlx::Error> {
    state
        .store
        .channel_decision_records(team_id, channel_id, LISTED)
        .await
}

/// `clarity-bot purge --team T…`: deletes everything stored for the
/// workspace, whether or not the bot runs, and says how many rows went
/// from each table.
pub async fn purge_command(settings: Settings, team_id: String) -> anyhow::Result<()> {
    let store = Store::open(&settings.database_url, 1).await?;
    let deleted = store.purge_team(&team_id).await?;
    let total: u64 = deleted.iter().map(|(_, rows)| rows).sum();
    let detail: Vec<String> = deleted
        .iter()
        .filter(|(_, rows)| *rows > 0)
        .map(|(table, rows)| format!("{table} {rows}"))
        .collect();
    println!(
        "purged workspace {team_id}: {total} rows{}",
        if detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", detail.join(", "))
        }
    );
    store.checkpoint_truncate().await?;
    Ok(())
}

/// Deletes the inbox rows of `team_id` received before `before` (the
/// request's own row) that `matches` picks: pending or failed events still
/// holding what is to be forgotten.
async fn forget_unworked(
    state: &AppState,
    team_id: &str,
    before: i64,
    matches: impl Fn(&Incoming) -> bool,
) -> anyhow::Result<()> {
    let ids: Vec<i64> = state
        .store
        .unworked_events(team_id)
        .await?
        .into_iter()
        .filter(|(id, _)| *id < before)
        .filter_map(|(id, payload)| {
            let incoming: Incoming = serde_json::from_str(&payload).ok()?;
            matches(&incoming).then_some(id)
        })
        .collect();
    if !ids.is_empty() {
        state.store.delete_events(&ids).await?;
    }
    Ok(())
}

/// The channel an event is about, when it names one.
fn channel_of(incoming: &Incoming) -> Option<&str> {
    match incoming {
        Incoming::Said { message, .. } | Incoming::Mentioned { message } => {
            Some(&message.channel_id)
        }
        Incoming::Edited { channel_id, .. }
        | Incoming::Deleted { channel_id, .. }
        | Incoming::ChannelShared { channel_id }
        | Incoming::PrivateChannel { channel_id }
        | Incoming::BotJoined { channel_id }
        | Incoming::BotLeft { channel_id }
        | Incoming::ChannelDeleted { channel_id } => Some(channel_id),
        Incoming::Skipped { channel, .. } => channel.as_ref().map(|(id, _)| id.as_str()),
        Incoming::Malformed
        | Incoming::HomeOpened { .. }
        | Incoming::Uninstalled
        | Incoming::PersonGone { .. } => None,
    }
}
