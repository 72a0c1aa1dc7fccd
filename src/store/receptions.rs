//! A decision's reception: the confusion and disagreement read in its
//! thread or about its topic in its channel (a link per message, never its
//! text), claimed once a day into a note to the decision's owner; and who
//! turned that note off (a person, or `''` for a whole workspace).

use super::{Result, Store, Transaction};
use sqlx::Row;

/// A message read as confusion or disagreement about a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReception {
    pub team_id: String,
    pub channel_id: String,
    pub message_ts: String,
    pub decision_id: i64,
    pub user_id: String,
    /// `confusion` or `disagreement`.
    pub kind: String,
    pub permalink: Option<String>,
}

/// A reception claimed for a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceptionRow {
    pub user_id: String,
    pub kind: String,
    pub permalink: Option<String>,
}

/// Who a workspace-wide setting is stored for.
const WORKSPACE: &str = "";

impl Store {
    /// Stores a reception; a message already stored adds nothing.
    pub async fn insert_reception(&self, reception: &NewReception, now: i64) -> Result<bool> {
        let _write = self.write_gate().await;
        let done = sqlx::query(
            "INSERT INTO receptions (team_id, channel_id, message_ts, decision_id, user_id, kind, \
             permalink, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(&reception.team_id)
        .bind(&reception.channel_id)
        .bind(&reception.message_ts)
        .bind(reception.decision_id)
        .bind(&reception.user_id)
        .bind(&reception.kind)
        .bind(reception.permalink.clone())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The decisions (team, id) with receptions not yet noted that were
    /// stored before `before`.
    pub async fn decisions_to_note(&self, before: i64) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT team_id, decision_id FROM receptions \
             WHERE noted_at IS NULL AND created_at < $1 ORDER BY team_id, decision_id",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("team_id")?, row.try_get("decision_id")?)))
            .collect()
    }

    /// Whether `user` gets the daily note: neither they nor their workspace
    /// turned it off.
    pub async fn notes_on(&self, team_id: &str, user: &str) -> Result<bool> {
        let off: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM note_settings WHERE team_id = $1 AND user_id IN ($2, $3) \
             AND notes = 0",
        )
        .bind(team_id)
        .bind(user)
        .bind(WORKSPACE)
        .fetch_one(&self.pool)
        .await?;
        Ok(off == 0)
    }

    /// Turns the daily note on or off for `user`, or (`None`) for the
    /// whole workspace.
    pub async fn set_notes(
        &self,
        team_id: &str,
        user: Option<&str>,
        on: bool,
        now: i64,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query(
            "INSERT INTO note_settings (team_id, user_id, notes, changed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (team_id, user_id) DO UPDATE SET notes = excluded.notes, \
             changed_at = excluded.changed_at",
        )
        .bind(team_id)
        .bind(user.unwrap_or(WORKSPACE))
        .bind(i64::from(on))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl Transaction {
    /// Claims a decision's receptions stored before `before` and not yet
    /// noted: they are noted now, whether a note goes out or not. A replica
    /// claiming at the same moment gets none of them.
    pub async fn claim_receptions(
        &mut self,
        team_id: &str,
        decision_id: i64,
        before: i64,
        now: i64,
    ) -> Result<Vec<ReceptionRow>> {
        let rows = sqlx::query(
            "UPDATE receptions SET noted_at = $1 WHERE team_id = $2 AND decision_id = $3 \
             AND noted_at IS NULL AND created_at < $4 RETURNING user_id, kind, permalink, message_ts",
        )
        .bind(now)
        .bind(team_id)
        .bind(decision_id)
        .bind(before)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut claimed: Vec<(String, ReceptionRow)> = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get("message_ts")?,
                    ReceptionRow {
                        user_id: row.try_get("user_id")?,
                        kind: row.try_get("kind")?,
                        permalink: row.try_get("permalink")?,
                    },
                ))
            })
            .collect::<Result<_>>()?;
        // Oldest message first, whatever order the engine returned.
        claimed.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(claimed.into_iter().map(|(_, row)| row).collect())
    }
}
