//! The digest's once-and-only-once key: a `digests` row per (team,
//! channel, ISO week), inserted in the same transaction as the outbox row
//! that posts it. Whichever replica (or restart, or `digest --post`)
//! inserts the row first posts; every other attempt finds it and does
//! nothing. When the outbox sends the post, the row learns its time and ts.

use super::{NewOutboxMessage, Result, Store};
use sqlx::Row;

/// A week's digest for one channel, ready to claim.
#[derive(Debug, Clone)]
pub struct DigestClaim {
    pub team_id: String,
    pub channel_id: String,
    /// `2026-W47`.
    pub iso_week: String,
    /// The outbox row that posts it.
    pub message: NewOutboxMessage,
}

/// A claimed digest as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentDigest {
    /// When Slack took the post (ms), once it has.
    pub posted_at: Option<i64>,
    pub message_ts: Option<String>,
    /// The outbox row that carries it.
    pub outbox_id: Option<i64>,
}

impl Store {
    /// The digest claimed for a channel and week, if any.
    pub async fn digest(
        &self,
        team_id: &str,
        channel_id: &str,
        iso_week: &str,
    ) -> Result<Option<SentDigest>> {
        let row = sqlx::query(
            "SELECT posted_at, message_ts, outbox_id FROM digests \
             WHERE team_id = $1 AND channel_id = $2 AND iso_week = $3",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(iso_week)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SentDigest {
                posted_at: row.try_get("posted_at")?,
                message_ts: row.try_get("message_ts")?,
                outbox_id: row.try_get("outbox_id")?,
            })
        })
        .transpose()
    }

    /// Claims the digest's key and queues its post, in one transaction.
    /// Returns the outbox row's id, or `None` when the week's digest for
    /// that channel was already claimed (by this process or another).
    pub async fn claim_digest(&self, claim: &DigestClaim, now: i64) -> Result<Option<i64>> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(
            "INSERT INTO digests (team_id, channel_id, iso_week) VALUES ($1, $2, $3) \
             ON CONFLICT (team_id, channel_id, iso_week) DO NOTHING",
        )
        .bind(&claim.team_id)
        .bind(&claim.channel_id)
        .bind(&claim.iso_week)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            tx.rollback().await?;
            return Ok(None);
        }
        super::outbox::enqueue(&mut tx, &claim.message, now).await?;
        let outbox_id: i64 = sqlx::query("SELECT id FROM outbox WHERE dedupe_key = $1")
            .bind(&claim.message.dedupe_key)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
        sqlx::query(
            "UPDATE digests SET outbox_id = $1 WHERE team_id = $2 AND channel_id = $3 AND iso_week = $4",
        )
        .bind(outbox_id)
        .bind(&claim.team_id)
        .bind(&claim.channel_id)
        .bind(&claim.iso_week)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(outbox_id))
    }
}
