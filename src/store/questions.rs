//! Open questions ("No decision yet") with their owner and due date, and
//! the one-time reminder sweep. Every change that must reach Slack is
//! queued in the outbox in the same transaction, so a click is never half
//! applied.

use super::outbox::enqueue;
use super::{NewOutboxMessage, Result, Store, Transaction};
use sqlx::Row;

/// An open question as `/clarity status` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionRow {
    pub topic: String,
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
}

/// An open question whose due date has passed, claimed for its reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueQuestion {
    pub id: i64,
    pub team_id: String,
    pub channel_id: String,
    pub topic: String,
    pub owner: String,
    pub due_date: String,
}

/// A new open question.
#[derive(Debug, Clone)]
pub struct NewQuestion {
    pub team_id: String,
    pub channel_id: String,
    pub topic: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub flag_id: Option<i64>,
}

/// At most this many open questions in one `status` answer.
const QUESTION_LIMIT: i64 = 10;

impl Store {
    /// Stores an open question and queues `then` (its announcement), in
    /// one transaction that also marks the workspace's Home tabs out of
    /// date. A flag that already has an open question keeps it
    /// (a double submission adds nothing): returns whether it was added.
    pub async fn open_question(
        &self,
        question: &NewQuestion,
        then: &[NewOutboxMessage],
        now: i64,
    ) -> Result<bool> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let added = sqlx::query(
            "INSERT INTO open_questions (team_id, channel_id, topic, owner, due_date, flag_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(&question.team_id)
        .bind(&question.channel_id)
        .bind(&question.topic)
        .bind(&question.owner)
        .bind(&question.due_date)
        .bind(question.flag_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if added {
            for message in then {
                enqueue(&mut tx, message, now).await?;
            }
            super::home_views::homes_changed(&mut tx, &question.team_id, now).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// The channel's open questions, soonest due first.
    pub async fn open_questions(
        &self,
        team_id: &str,
        channel_id: &str,
    ) -> Result<Vec<QuestionRow>> {
        let rows = sqlx::query(
            "SELECT topic, owner, due_date FROM open_questions \
             WHERE team_id = $1 AND channel_id = $2 AND closed_at IS NULL \
             ORDER BY due_date, id LIMIT $3",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(QUESTION_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(QuestionRow {
                    topic: row.try_get("topic")?,
                    owner: row.try_get("owner")?,
                    due_date: row.try_get("due_date")?,
                })
            })
            .collect()
    }
}

impl Transaction {
    /// Claims every open question due before `today` (`YYYY-MM-DD`, so the
    /// due day itself is still in time) that has an owner, no reminder yet
    /// and no decision on its topic; the caller queues each reminder in the
    /// same transaction. `reminded_at` is set by the claiming UPDATE itself,
    /// so replicas sweeping at once remind each owner once.
    pub async fn claim_due_reminders(&mut self, today: &str, now: i64) -> Result<Vec<DueQuestion>> {
        let rows = sqlx::query(
            "UPDATE open_questions SET reminded_at = $1 \
             WHERE closed_at IS NULL AND reminded_at IS NULL AND owner IS NOT NULL \
             AND due_date IS NOT NULL AND due_date < $2 \
             AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.team_id = open_questions.team_id \
                 AND d.channel_id = open_questions.channel_id \
                 AND LOWER(d.topic) = LOWER(open_questions.topic) \
                 AND d.created_at >= open_questions.created_at) \
             RETURNING id, team_id, channel_id, topic, owner, due_date",
        )
        .bind(now)
        .bind(today)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(DueQuestion {
                    id: row.try_get("id")?,
                    team_id: row.try_get("team_id")?,
                    channel_id: row.try_get("channel_id")?,
                    topic: row.try_get("topic")?,
                    owner: row.try_get("owner")?,
                    due_date: row.try_get("due_date")?,
                })
            })
            .collect()
    }
}

/// Closes the channel's open questions on `topic` (case-insensitive): a
/// decision on it was recorded.
pub(crate) async fn close_questions(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    team_id: &str,
    channel_id: &str,
    topic: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE open_questions SET closed_at = $1 WHERE team_id = $2 AND channel_id = $3 \
         AND LOWER(topic) = LOWER($4) AND closed_at IS NULL",
    )
    .bind(now)
    .bind(team_id)
    .bind(channel_id)
    .bind(topic)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
