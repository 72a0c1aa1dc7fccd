//! The outbox: one row per message the bot sends (its kind and the Slack
//! call, as `respond::outgoing` serializes an `Outgoing`), queued in the
//! transaction that decided it, claimed by the one sender, and settled
//! with what became of it: sent (its ts kept on the flag or the digest it
//! carries, by its kind), to retry, or given up.

use super::{Result, Store, Transaction, scalar};
use sqlx::Row;
use sqlx::any::AnyRow;

/// An outbox row to add, as `respond::outgoing` serializes a message.
#[derive(Debug, Clone)]
pub struct NewOutboxMessage {
    pub team_id: String,
    /// A second row with the same key is dropped.
    pub dedupe_key: String,
    /// What it sends (`post`, `flag_reply`, …).
    pub kind: String,
    /// The Slack call that sends it, as JSON.
    pub payload: String,
    /// The flag whose reply it is.
    pub flag_id: Option<i64>,
}

/// An outbox row claimed by the sender.
#[derive(Debug, Clone)]
pub struct ClaimedOutbox {
    pub id: i64,
    pub team_id: String,
    pub kind: String,
    pub payload: String,
    pub flag_id: Option<i64>,
    pub attempts: i64,
    /// An earlier claim ended without recording an outcome: the call may
    /// have reached Slack before the process died.
    pub abandoned_before: bool,
}

/// What became of one outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Slack took it; `ts` is the posted message's, kept where its `kind`
    /// says.
    Sent {
        id: i64,
        kind: SentKind,
        ts: Option<String>,
    },
    /// Try again at `at` (ms); a `refund`ed attempt (a 429) does not count.
    /// An `unanswered` call may have reached Slack: the next claim is told
    /// (`abandoned_before`), as after a crash mid-call.
    Retry {
        id: i64,
        at: i64,
        error: String,
        refund: bool,
        unanswered: bool,
    },
    /// Given up: retrying cannot help.
    Failed { id: i64, error: String },
}

/// What a sent row was, as far as the store keeps its outcome: a flag's
/// reply leaves its ts on the flag, a digest on the week's digest row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentKind {
    FlagReply { flag_id: i64 },
    Digest,
    Other,
}

/// Nothing is sent for a workspace that uninstalled the app: its rows are
/// never claimed, and go with its data.
const INSTALLED: &str = "team_id NOT IN (SELECT team_id FROM uninstalled_teams)";

impl Transaction {
    /// Queues an outbox row; a second row with the same dedupe key is
    /// dropped. Returns whether it was added.
    pub async fn enqueue(&mut self, message: &NewOutboxMessage, now: i64) -> Result<bool> {
        enqueue(&mut self.tx, message, now).await
    }
}

impl Store {
    /// Queues a Slack call; a second call with the same dedupe key is dropped.
    pub async fn enqueue(&self, message: &NewOutboxMessage, now: i64) -> Result<bool> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let added = enqueue(&mut tx, message, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Claims up to `limit` due outbox rows for `lease_ms`.
    pub async fn claim_outbox(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedOutbox>> {
        let _write = self.write_gate().await;
        let lock = self.backend.skip_locked();
        let sql = format!(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1, claims = claims + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= $2 \
             AND locked_until < $2 AND {INSTALLED} ORDER BY id LIMIT $3{lock}) \
             RETURNING id, team_id, kind, payload, flag_id, attempts, claims, settled"
        );
        let rows = sqlx::query(&sql)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut claimed: Vec<ClaimedOutbox> = rows.iter().map(outbox_row).collect::<Result<_>>()?;
        claimed.sort_by_key(|row| row.id);
        Ok(claimed)
    }

    /// Claims one pending outbox row by id for `lease_ms` (the CLI sends the
    /// digest it queued without waiting for a running bot). `None` when it
    /// is not pending or another sender holds it.
    pub async fn claim_outbox_row(
        &self,
        id: i64,
        now: i64,
        lease_ms: i64,
    ) -> Result<Option<ClaimedOutbox>> {
        let _write = self.write_gate().await;
        let sql = format!(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1, claims = claims + 1 \
             WHERE id = $2 AND state = 'pending' AND locked_until < $3 AND {INSTALLED} \
             RETURNING id, team_id, kind, payload, flag_id, attempts, claims, settled"
        );
        let row = sqlx::query(&sql)
            .bind(now + lease_ms)
            .bind(id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(outbox_row).transpose()
    }

    /// Records what became of sent outbox rows, all in one transaction.
    pub async fn settle_outbox(&self, settlements: &[Settlement], now: i64) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        for settlement in settlements {
            match settlement {
                Settlement::Sent { id, kind, ts } => {
                    sqlx::query(
                        "UPDATE outbox SET state = 'sent', sent_at = $1, response_ts = $2, settled = claims \
                         WHERE id = $3",
                    )
                    .bind(now)
                    .bind(ts.clone())
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
                    match (kind, ts) {
                        (SentKind::FlagReply { flag_id }, Some(ts)) => {
                            sqlx::query("UPDATE flags SET reply_ts = $1 WHERE id = $2")
                                .bind(ts.clone())
                                .bind(*flag_id)
                                .execute(&mut *tx)
                                .await?;
                        }
                        (SentKind::Digest, ts) => {
                            sqlx::query(
                                "UPDATE digests SET posted_at = $1, message_ts = $2 WHERE outbox_id = $3",
                            )
                            .bind(now)
                            .bind(ts.clone())
                            .bind(*id)
                            .execute(&mut *tx)
                            .await?;
                        }
                        (SentKind::FlagReply { .. } | SentKind::Other, _) => {}
                    }
                }
                Settlement::Retry {
                    id,
                    at,
                    error,
                    refund,
                    unanswered,
                } => {
                    sqlx::query(
                        "UPDATE outbox SET next_attempt_at = $1, locked_until = 0, last_error = $2, \
                         attempts = attempts - $3, settled = claims - $4 WHERE id = $5",
                    )
                    .bind(*at)
                    .bind(error.clone())
                    .bind(i64::from(*refund))
                    .bind(i64::from(*unanswered))
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
                }
                Settlement::Failed { id, error } => {
                    sqlx::query("UPDATE outbox SET state = 'failed', last_error = $1, settled = claims WHERE id = $2")
                        .bind(error.clone())
                        .bind(*id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await
    }

    /// Outbox messages not yet sent.
    pub async fn outbox_depth(&self) -> Result<i64> {
        scalar(
            &self.pool,
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
        )
        .await
    }

    /// Queues several Slack calls in one transaction; returns how many were new.
    pub async fn enqueue_all(&self, messages: &[NewOutboxMessage], now: i64) -> Result<usize> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let mut added = 0;
        for message in messages {
            added += usize::from(enqueue(&mut tx, message, now).await?);
        }
        tx.commit().await?;
        Ok(added)
    }
}

pub(super) async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    message: &NewOutboxMessage,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO outbox (team_id, dedupe_key, kind, payload, flag_id, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&message.team_id)
    .bind(&message.dedupe_key)
    .bind(&message.kind)
    .bind(&message.payload)
    .bind(message.flag_id)
    .bind(now)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) fn outbox_row(row: &AnyRow) -> Result<ClaimedOutbox> {
    Ok(ClaimedOutbox {
        id: row.try_get("id")?,
        team_id: row.try_get("team_id")?,
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        flag_id: row.try_get("flag_id")?,
        attempts: row.try_get("attempts")?,
        abandoned_before: row.try_get::<i64, _>("claims")? - 1
            > row.try_get::<i64, _>("settled")?,
    })
}
