//! Reminders for open questions: once a question's due date has passed
//! with no decision on its topic, its owner (only the owner) gets one DM,
//! through the outbox. [`run_once`] is a step of the hourly maintenance job
//! (`jobs`);
//! tests call it with the time they choose. The claim in the database sets
//! `reminded_at`, so replicas sweeping together send each reminder once.

use crate::respond::blocks::Reply;
use crate::respond::format;
use crate::respond::outgoing::Outgoing;
use crate::state::AppState;

/// Queues the reminders due at `now` (ms). Returns how many were queued.
pub async fn run_once(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let today = format::day_of(now).to_string();
    let mut tx = state.store.begin().await?;
    let due = tx.claim_due_reminders(&today, now).await?;
    for question in &due {
        let due_label = question
            .due_date
            .parse::<jiff::civil::Date>()
            .map(format::due)
            .unwrap_or_else(|_| question.due_date.clone());
        let reminder = Outgoing::Dm {
            user: question.owner.clone(),
            content: Reply::Reminder {
                topic: question.topic.clone(),
                channel: question.channel_id.clone(),
                due: due_label,
            }
            .render(),
        }
        .queued(
            &question.team_id,
            format!("reminder:{}:{}", question.team_id, question.id),
        );
        tx.enqueue(&reminder, now).await?;
    }
    tx.commit().await?;
    let queued = due.len();
    if queued > 0 {
        tracing::info!(queued, "open-question reminders queued");
        state.outbox_ready.notify_one();
    }
    Ok(queued)
}
