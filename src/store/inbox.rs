//! The inbox: every event, persisted (group commit) before it is
//! acknowledged, then claimed by the inbox worker, worked off in order and
//! deleted (its event id kept in `seen_events`, so a late retry adds
//! nothing), or retried and at last given up.

use super::{Result, Store, placeholder_rows, scalar};
use sqlx::Row;
use sqlx::any::AnyRow;

/// An event to persist in the inbox.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub team_id: String,
    pub event_id: String,
    /// What it says, as ingress decoded it (JSON).
    pub payload: String,
}

/// An inbox event claimed by a worker.
#[derive(Debug, Clone)]
pub struct ClaimedEvent {
    pub id: i64,
    pub team_id: String,
    pub payload: String,
    pub attempts: i64,
}

impl Store {
    /// Persists a batch of events in one transaction (group commit). Events
    /// whose `event_id` is already stored, or was worked, are skipped;
    /// returns how many were new.
    pub async fn insert_events(&self, events: &[NewEvent], now: i64) -> Result<u64> {
        // Two replicas given the same events (Slack's retries) in other
        // orders can deadlock on PostgreSQL; the loser's statement is rolled
        // back whole, so running it again is safe. Arrival order is kept
        // (a thread's root before its replies), so locks are not sorted.
        let mut deadlocks = 0;
        loop {
            match self.insert_events_once(events, now).await {
                Err(sqlx::Error::Database(e))
                    if e.code().as_deref() == Some("40P01") && deadlocks < 3 =>
                {
                    deadlocks += 1;
                    tracing::warn!(
                        deadlocks,
                        "event insert deadlocked with another replica; retrying"
                    );
                }
                result => return result,
            }
        }
    }

    async fn insert_events_once(&self, events: &[NewEvent], now: i64) -> Result<u64> {
        let _write = self.write_gate().await;
        // One statement is one implicit transaction: a batch that fits in
        // one costs a single round trip to the database.
        if events.len() <= ROWS_PER_STATEMENT {
            return Ok(
                insert_events_query(&sql_for_events(events.len()), events, now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected(),
            );
        }
        let mut inserted = 0;
        let mut tx = self.ingest.begin().await?;
        for chunk in events.chunks(ROWS_PER_STATEMENT) {
            inserted += insert_events_query(&sql_for_events(chunk.len()), chunk, now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Claims up to `limit` pending events for `lease_ms`, oldest first.
    pub async fn claim_events(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedEvent>> {
        let _write = self.write_gate().await;
        let lock = self.backend.skip_locked();
        let sql = format!(
            "UPDATE events SET locked_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM events WHERE state = 'pending' AND locked_until < $2 \
             ORDER BY id LIMIT $3{lock}) \
             RETURNING id, team_id, payload, attempts"
        );
        let rows = sqlx::query(&sql)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut events: Vec<ClaimedEvent> = rows.iter().map(event_row).collect::<Result<_>>()?;
        events.sort_by_key(|event| event.id);
        Ok(events)
    }

    /// Every pending event, oldest first (for rewriting what an earlier
    /// version stored).
    pub async fn pending_events(&self) -> Result<Vec<ClaimedEvent>> {
        let rows = sqlx::query(
            "SELECT id, team_id, payload, attempts FROM events WHERE state = 'pending' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_row).collect()
    }

    /// Replaces a pending event's payload.
    pub async fn rewrite_event(&self, id: i64, payload: &str) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query("UPDATE events SET payload = $1 WHERE id = $2 AND state = 'pending'")
            .bind(payload)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes processed events, payload and all, keeping their event ids
    /// (`seen_events`) so a retry of one is still recognised.
    pub async fn finish_events(&self, ids: &[i64], now: i64) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        for chunk in ids.chunks(500) {
            let set = placeholder_rows(1, chunk.len());
            let at = chunk.len() + 1;
            let sql = format!(
                "INSERT INTO seen_events (event_id, team_id, seen_at) \
                 SELECT event_id, team_id, ${at} FROM events WHERE id IN {set} \
                 ON CONFLICT (event_id) DO NOTHING"
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.bind(now).execute(&mut *tx).await?;
            let sql = format!("DELETE FROM events WHERE id IN {set}");
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// Records a processing failure; after `max_attempts` the event is given up.
    pub async fn fail_event(&self, id: i64, error: &str, max_attempts: i64) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query(
            "UPDATE events SET last_error = $1, \
             state = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'pending' END WHERE id = $3",
        )
        .bind(error)
        .bind(max_attempts)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Events not yet processed.
    pub async fn inbox_depth(&self) -> Result<i64> {
        scalar(
            &self.pool,
            "SELECT COUNT(*) FROM events WHERE state = 'pending'",
        )
        .await
    }
}

/// Rows in one multi-row INSERT: 4 binds each stays far below SQLite's and
/// PostgreSQL's parameter limits.
const ROWS_PER_STATEMENT: usize = 1000;

/// Inserts the rows not already in the inbox nor worked before.
fn sql_for_events(rows: usize) -> String {
    format!(
        "WITH arrived (team_id, event_id, payload, received_at) AS (VALUES {}) \
         INSERT INTO events (team_id, event_id, payload, received_at) \
         SELECT team_id, event_id, payload, received_at FROM arrived \
         WHERE NOT EXISTS (SELECT 1 FROM seen_events s WHERE s.event_id = arrived.event_id) \
         ON CONFLICT (event_id) DO NOTHING",
        placeholder_rows(rows, 4)
    )
}

fn insert_events_query<'q>(
    sql: &'q str,
    events: &'q [NewEvent],
    now: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut query = sqlx::query(sql);
    for event in events {
        query = query
            .bind(event.team_id.as_str())
            .bind(event.event_id.as_str())
            .bind(event.payload.as_str())
            .bind(now);
    }
    query
}

fn event_row(row: &AnyRow) -> Result<ClaimedEvent> {
    Ok(ClaimedEvent {
        id: row.try_get("id")?,
        team_id: row.try_get("team_id")?,
        payload: row.try_get("payload")?,
        attempts: row.try_get("attempts")?,
    })
}
