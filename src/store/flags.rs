//! Flags: every assessment above a low floor, posted or not. The pipeline
//! stores one through a [`Transaction`] it drives (the noise policy's
//! [`Transaction::facts`], then [`Transaction::insert_flag`] and the
//! reply's row); the buttons look a flag up by its workspace and id and
//! record feedback on it; an edited or deleted message finds its reply.

use super::outbox::enqueue;
use super::{Backend, NewOutboxMessage, Result, Store, Transaction};
use crate::policy::PolicyFacts;
use sqlx::Row;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A flag to store (posted or not) for one assessed message.
#[derive(Debug, Clone)]
pub struct NewFlag {
    pub team_id: String,
    pub channel_id: String,
    pub message_ts: String,
    pub thread_ts: String,
    pub user_id: String,
    pub kind: String,
    pub premature: bool,
    pub topic: Option<String>,
    pub score: f64,
    pub reasons: String,
    pub decided_by: Option<String>,
    pub posted: bool,
    pub suppressed: Option<String>,
    /// The channel may be private (or of unknown kind): decisions from this
    /// flag stay in it, and summaries leave it out.
    pub channel_private: bool,
}

/// The message the noise policy is asked about: where and by whom it was
/// written, when (ms) and how confidently it was assessed. The store adds
/// what it knows of the channel, the thread and the author.
#[derive(Debug, Clone, Copy)]
pub struct FactsQuery<'a> {
    pub team_id: &'a str,
    pub channel_id: &'a str,
    pub thread_ts: &'a str,
    pub user_id: &'a str,
    pub now: i64,
    pub score: f64,
}

/// A stored flag, as a button click needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRow {
    pub id: i64,
    pub team_id: String,
    pub channel_id: String,
    pub message_ts: String,
    pub thread_ts: String,
    pub topic: Option<String>,
    /// The bot's posted reply, once the outbox has sent it.
    pub reply_ts: Option<String>,
    /// The channel may be private: decisions recorded from it stay in it.
    pub channel_private: bool,
}

impl Transaction {
    /// The noise policy's facts for the message `query` describes, in one
    /// query: whether the channel is muted, whether the thread has a posted
    /// flag, when the channel's last posted flag was made, and how many
    /// posted flags the author has had in the day before. Read under a
    /// per-workspace lock held until the transaction ends (PostgreSQL: an
    /// advisory lock; SQLite has a single writer), so replicas deciding at
    /// the same moment see each other's flags and a cool-down or daily limit
    /// holds across them.
    pub async fn facts(&mut self, query: &FactsQuery<'_>) -> Result<PolicyFacts> {
        if self.backend == Backend::Postgres {
            // `IS NULL`: the Any driver cannot decode `void`.
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1)::BIGINT) IS NULL")
                .bind(query.team_id)
                .fetch_one(&mut *self.tx)
                .await?;
        }
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM channel_settings WHERE team_id = $1 AND channel_id = $2 \
                AND (monitored = 0 OR muted_until > $3)) AS muted, \
             (SELECT COUNT(*) FROM flags WHERE team_id = $1 AND channel_id = $2 AND thread_ts = $4 \
                AND posted = 1) AS thread_flagged, \
             (SELECT MAX(created_at) FROM flags WHERE team_id = $1 AND channel_id = $2 AND posted = 1) AS last_flag, \
             (SELECT COUNT(*) FROM flags WHERE team_id = $1 AND user_id = $5 AND posted = 1 \
                AND created_at >= $6) AS user_flags",
        )
        .bind(query.team_id)
        .bind(query.channel_id)
        .bind(query.now)
        .bind(query.thread_ts)
        .bind(query.user_id)
        .bind(query.now - DAY_MS)
        .fetch_one(&mut *self.tx)
        .await?;
        // The policy counts in seconds; the store in milliseconds.
        Ok(PolicyFacts {
            now: query.now / 1000,
            score: query.score,
            channel_muted: row.try_get::<i64, _>("muted")? > 0,
            thread_already_flagged: row.try_get::<i64, _>("thread_flagged")? > 0,
            last_channel_flag_at: row
                .try_get::<Option<i64>, _>("last_flag")?
                .map(|ms| ms / 1000),
            user_flags_last_day: u32::try_from(row.try_get::<i64, _>("user_flags")?)
                .unwrap_or(u32::MAX),
        })
    }

    /// Stores a flag (posted or not). `None` when it adds nothing: the
    /// message is already flagged (a reprocessed event), or the flag is
    /// posted and its thread got a posted flag meanwhile.
    pub async fn insert_flag(&mut self, flag: &NewFlag, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO flags (team_id, channel_id, message_ts, thread_ts, user_id, kind, premature, topic, \
             score, reasons, decided_by, posted, suppressed, created_at, channel_private) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(&flag.team_id)
        .bind(&flag.channel_id)
        .bind(&flag.message_ts)
        .bind(&flag.thread_ts)
        .bind(&flag.user_id)
        .bind(&flag.kind)
        .bind(i64::from(flag.premature))
        .bind(flag.topic.clone())
        .bind(flag.score)
        .bind(&flag.reasons)
        .bind(flag.decided_by.clone())
        .bind(i64::from(flag.posted))
        .bind(flag.suppressed.clone())
        .bind(now)
        .bind(i64::from(flag.channel_private))
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|row| row.try_get("id")).transpose()
    }
}

impl Store {
    /// The thread ts and the bot's posted reply ts of a flagged message, if any.
    pub async fn reply_to(
        &self,
        team_id: &str,
        channel_id: &str,
        message_ts: &str,
    ) -> Result<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT thread_ts, reply_ts FROM flags WHERE team_id = $1 AND channel_id = $2 AND message_ts = $3 \
             AND posted = 1 AND reply_ts IS NOT NULL",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(message_ts)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.try_get("thread_ts")?, row.try_get("reply_ts")?)))
            .transpose()
    }

    /// The flag `id` of workspace `team_id`; another workspace's id is `None`.
    pub async fn flag(&self, team_id: &str, id: i64) -> Result<Option<FlagRow>> {
        let row = sqlx::query(
            "SELECT id, team_id, channel_id, message_ts, thread_ts, topic, reply_ts, channel_private \
             FROM flags \
             WHERE team_id = $1 AND id = $2",
        )
        .bind(team_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(FlagRow {
                id: row.try_get("id")?,
                team_id: row.try_get("team_id")?,
                channel_id: row.try_get("channel_id")?,
                message_ts: row.try_get("message_ts")?,
                thread_ts: row.try_get("thread_ts")?,
                topic: row.try_get("topic")?,
                reply_ts: row.try_get("reply_ts")?,
                channel_private: row.try_get::<i64, _>("channel_private")? != 0,
            })
        })
        .transpose()
    }

    /// Records `user`'s feedback (`helpful` or `not_alignment`) on a flag
    /// (one row per person: a second click changes it, never adds one; the
    /// flag keeps the latest) and queues `then` (the reply's update), in
    /// one transaction. Returns whether `user`'s feedback changed.
    pub async fn set_feedback(
        &self,
        flag: &FlagRow,
        user: &str,
        feedback: &str,
        then: &[NewOutboxMessage],
        now: i64,
    ) -> Result<bool> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "INSERT INTO flag_feedback (team_id, flag_id, user_id, feedback, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team_id, flag_id, user_id) \
             DO UPDATE SET feedback = excluded.feedback, created_at = excluded.created_at \
             WHERE flag_feedback.feedback <> excluded.feedback",
        )
        .bind(&flag.team_id)
        .bind(flag.id)
        .bind(user)
        .bind(feedback)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !changed {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE flags SET feedback = $1 WHERE team_id = $2 AND id = $3")
            .bind(feedback)
            .bind(&flag.team_id)
            .bind(flag.id)
            .execute(&mut *tx)
            .await?;
        for message in then {
            enqueue(&mut tx, message, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The one-line reason `user` gave for their feedback on a flag.
    pub async fn set_feedback_reason(
        &self,
        team_id: &str,
        flag_id: i64,
        user: &str,
        reason: &str,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query(
            "UPDATE flag_feedback SET reason = $4 WHERE team_id = $1 AND flag_id = $2 AND user_id = $3",
        )
        .bind(team_id)
        .bind(flag_id)
        .bind(user)
        .bind(reason)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many people said a question helped, and how many that it was
    /// not an alignment request, on flags made since `since`.
    pub async fn feedback_counts(&self, team_id: &str, since: i64) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT \
             COALESCE(SUM(CASE WHEN ff.feedback = 'helpful' THEN 1 ELSE 0 END), 0) AS helpful, \
             COALESCE(SUM(CASE WHEN ff.feedback = 'not_alignment' THEN 1 ELSE 0 END), 0) AS not_alignment \
             FROM flag_feedback ff JOIN flags f ON f.id = ff.flag_id AND f.team_id = ff.team_id \
             WHERE ff.team_id = $1 AND f.created_at >= $2",
        )
        .bind(team_id)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.try_get("helpful")?, row.try_get("not_alignment")?))
    }
}
