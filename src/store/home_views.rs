//! Which App Home tabs are out of date: who opened theirs lately (and
//! what they searched), and since when a change made it stale. The change
//! (a decision recorded, a question opened or closed, a channel muted)
//! marks them in its own transaction ([`homes_changed`]); the Home job
//! claims them and publishes them again.

use super::{Result, Store};
use sqlx::Row;

/// A tab opened within this long is published again when what it shows
/// changes; an older one waits until it is opened.
const KEPT_FRESH_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// A Home tab a change made out of date, claimed for publishing again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleHome {
    pub team_id: String,
    pub user_id: String,
    /// The search it last showed.
    pub query: Option<String>,
}

impl Store {
    /// Remembers that `user` is looking at their Home tab (searched for
    /// `query`) and is about to be shown it as it is now. Called before
    /// the tab is read, so a change after that marks it out of date.
    pub async fn home_viewed(
        &self,
        team_id: &str,
        user: &str,
        query: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query(
            "INSERT INTO home_views (team_id, user_id, opened_at, query, stale_since) \
             VALUES ($1, $2, $3, $4, NULL) ON CONFLICT (team_id, user_id) DO UPDATE \
             SET opened_at = excluded.opened_at, query = excluded.query, stale_since = NULL",
        )
        .bind(team_id)
        .bind(user)
        .bind(now)
        .bind(query)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims at most `limit` out-of-date Home tabs, longest out of date
    /// first. Each is claimed by one replica (its mark is cleared only if
    /// unchanged); a change while it is being published marks it again.
    pub async fn claim_stale_homes(&self, limit: i64) -> Result<Vec<StaleHome>> {
        // A read first: the usual answer is none, and it takes no lock.
        let rows = sqlx::query(
            "SELECT team_id, user_id, query, stale_since FROM home_views \
             WHERE stale_since IS NOT NULL ORDER BY stale_since LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let _write = self.write_gate().await;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in &rows {
            let home = StaleHome {
                team_id: row.try_get("team_id")?,
                user_id: row.try_get("user_id")?,
                query: row.try_get("query")?,
            };
            let since: i64 = row.try_get("stale_since")?;
            let won = sqlx::query(
                "UPDATE home_views SET stale_since = NULL \
                 WHERE team_id = $1 AND user_id = $2 AND stale_since = $3",
            )
            .bind(&home.team_id)
            .bind(&home.user_id)
            .bind(since)
            .execute(&self.pool)
            .await?
            .rows_affected()
                == 1;
            if won {
                claimed.push(home);
            }
        }
        Ok(claimed)
    }
}

/// Marks the Home tabs of `team_id` opened lately as out of date, in the
/// transaction that changed what they show (a decision recorded, a
/// question opened or closed, a channel muted).
pub(crate) async fn homes_changed(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    team_id: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE home_views SET stale_since = $1 \
         WHERE team_id = $2 AND stale_since IS NULL AND opened_at >= $3",
    )
    .bind(now)
    .bind(team_id)
    .bind(now - KEPT_FRESH_MS)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
