//! The daily note to a decision's owner on its reception: how many people
//! asked what it means (explaining would help) and how many disagree (worth
//! a conversation), with links, never names or text. [`run_once`] is a step
//! of the hourly maintenance job (`jobs`); tests call it with the time they
//! choose.
//!
//! A note covers what was stored before the start of the day (UTC), so a
//! decision's owner hears at most once a day, and nothing when there is
//! nothing new. Claiming the receptions and queueing the note happen in one
//! transaction, and the note's dedupe key names the decision and the day:
//! replicas sweeping together send it once. A private channel's note goes
//! only to an owner Slack lists as its member; when Slack cannot say, the
//! note waits for the next sweep. Off per owner or per workspace
//! (`/clarity settings notes off`, the note's button) or in `[after]`.

use crate::respond::blocks::{ReceptionNote, Reply};
use crate::respond::format;
use crate::respond::outgoing::Outgoing;
use crate::state::AppState;
use crate::store::{DecisionRow, ReceptionRow};
use std::collections::HashSet;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Queues the notes due at `now` (ms). Returns how many were queued.
pub async fn run_once(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let today = now - now.rem_euclid(DAY_MS);
    let mut queued = 0;
    for (team, id) in state.store.decisions_to_note(today).await? {
        queued += usize::from(note(state, &team, id, today, now).await?);
    }
    if queued > 0 {
        tracing::info!(queued, "reception notes queued");
        state.outbox_ready.notify_one();
    }
    Ok(queued)
}

/// Claims one decision's new receptions and, when its owner wants them and
/// may see its channel, queues the note.
async fn note(state: &AppState, team: &str, id: i64, today: i64, now: i64) -> anyhow::Result<bool> {
    let decision = state.store.decision(team, id).await?;
    let recipient = match &decision {
        Some(decision) => match recipient(state, team, decision, now).await? {
            Recipient::Later => return Ok(false),
            Recipient::Owner(owner) => Some(owner),
            Recipient::Nobody => None,
        },
        None => None,
    };
    let mut tx = state.store.begin().await?;
    let claimed = tx.claim_receptions(team, id, today, now).await?;
    let mut queued = false;
    if let (Some(decision), Some(owner), false) = (&decision, recipient, claimed.is_empty()) {
        let dm = Outgoing::Dm {
            user: owner,
            content: Reply::ReceptionNote(content(decision, &claimed)).render(),
        }
        .queued(
            team,
            format!("reception-note:{team}:{id}:{}", format::day_of(now)),
        );
        queued = tx.enqueue(&dm, now).await?;
    }
    tx.commit().await?;
    Ok(queued)
}

/// Who a decision's note goes to.
enum Recipient {
    Owner(String),
    /// No one: its receptions are set aside.
    Nobody,
    /// Slack could not say whether the owner may see it: ask again later.
    Later,
}

async fn recipient(
    state: &AppState,
    team: &str,
    decision: &DecisionRow,
    now: i64,
) -> anyhow::Result<Recipient> {
    let Some(owner) = decision.owner.clone() else {
        return Ok(Recipient::Nobody);
    };
    if !state.settings.file.after.reception_notes || !state.store.notes_on(team, &owner).await? {
        return Ok(Recipient::Nobody);
    }
    let private = decision.channel_private
        || crate::privacy::is_private(state, team, &decision.channel_id, now).await;
    if !private {
        return Ok(Recipient::Owner(owner));
    }
    match async { state.slack(team).await?.private_channels_of(&owner).await }.await {
        Ok(channels) if channels.contains(&decision.channel_id) => Ok(Recipient::Owner(owner)),
        Ok(_) => Ok(Recipient::Nobody),
        Err(err) => {
            tracing::warn!(error = %err, team = %team, "users.conversations failed; a private decision's note waits");
            Ok(Recipient::Later)
        }
    }
}

/// The note: distinct people per kind, links in the order written.
fn content(decision: &DecisionRow, claimed: &[ReceptionRow]) -> ReceptionNote {
    let of = |kind: &str| {
        let rows: Vec<&ReceptionRow> = claimed.iter().filter(|r| r.kind == kind).collect();
        let people: HashSet<&str> = rows.iter().map(|r| r.user_id.as_str()).collect();
        let links = rows.iter().filter_map(|r| r.permalink.clone()).collect();
        (i64::try_from(people.len()).unwrap_or(i64::MAX), links)
    };
    let (confused, confused_links) = of("confusion");
    let (disagree, disagree_links) = of("disagreement");
    ReceptionNote {
        topic: decision.topic.clone(),
        decided_at: decision.created_at,
        channel: decision.channel_id.clone(),
        confused,
        confused_links,
        disagree,
        disagree_links,
    }
}
