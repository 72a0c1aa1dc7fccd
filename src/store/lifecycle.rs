//! Forgetting: the rows a deleted message, a deleted channel, an erased
//! person, a forgotten decision or an uninstalled workspace takes with it;
//! what retention deletes as time passes; and an operator's purge. Each
//! deletion is one transaction. The caller matches what only it can read
//! (the inbox's payloads) and queues what it decided (the reply's
//! deletion); the store deletes rows and returns what it deleted.

use super::{NewOutboxMessage, Result, Store, outbox::enqueue};
use sqlx::Row;
use std::collections::HashSet;

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Every table holding a workspace's data, in an order that deletes rows
/// before the rows their foreign keys point at.
const TEAM_TABLES: &[&str] = &[
    "digests",
    "outbox",
    "receptions",
    "reopens",
    "note_settings",
    "home_views",
    "flag_feedback",
    "open_questions",
    "flags",
    "decisions",
    "thread_context",
    "channel_settings",
    "channels",
    "bot_channels",
    "events",
    "seen_events",
    "team_enterprises",
    "installations",
];

/// A decision as `/clarity forget` needs it: where, on what, and who
/// recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRecord {
    pub id: i64,
    pub channel_id: String,
    pub topic: String,
    pub decision: String,
    pub recorded_by: Option<String>,
    pub channel_private: bool,
    pub created_at: i64,
}

impl Store {
    /// The inbox rows of `team_id` not yet worked (pending or failed), as
    /// (id, payload): the caller reads the payloads and picks what goes.
    pub async fn unworked_events(&self, team_id: &str) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT id, payload FROM events WHERE team_id = $1 AND state <> 'done' ORDER BY id",
        )
        .bind(team_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("payload")?)))
            .collect()
    }

    /// Deletes inbox rows, payload and all.
    pub async fn delete_events(&self, ids: &[i64]) -> Result<u64> {
        let _write = self.write_gate().await;
        let mut deleted = 0;
        for chunk in ids.chunks(500) {
            let sql = format!(
                "DELETE FROM events WHERE id IN {}",
                super::placeholder_rows(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            deleted += query.execute(&self.pool).await?.rows_affected();
        }
        Ok(deleted)
    }

    /// Forgets a deleted message: its flag (feedback, open question, the
    /// reply's outbox rows: one not yet sent is never sent), a decision it
    /// stated, and the thread context it rooted; queues `then` (the
    /// deletion of the reply Slack shows) in the same transaction. Returns
    /// the texts of the decisions deleted, for [`Store::forget_thread_decisions`].
    pub async fn forget_message(
        &self,
        (team_id, channel_id, ts): (&str, &str, &str),
        then: Option<&NewOutboxMessage>,
        now: i64,
    ) -> Result<Vec<String>> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let place = [team_id, channel_id, ts];
        delete_where(
            &mut tx,
            "receptions",
            "team_id = $1 AND channel_id = $2 AND message_ts = $3",
            &place,
        )
        .await?;
        delete_flags(
            &mut tx,
            "team_id = $1 AND channel_id = $2 AND message_ts = $3",
            &place,
            now,
        )
        .await?;
        let decisions = delete_decisions(
            &mut tx,
            "team_id = $1 AND channel_id = $2 AND source_ts = $3",
            &place,
        )
        .await?;
        sqlx::query(
            "DELETE FROM thread_context WHERE team_id = $1 AND channel_id = $2 AND thread_ts = $3",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(ts)
        .execute(&mut *tx)
        .await?;
        if let Some(message) = then {
            enqueue(&mut tx, message, now).await?;
        }
        tx.commit().await?;
        Ok(decisions)
    }

    /// The channel's threads whose remembered decision statements may
    /// hold `text` (a cheap first pass; the caller checks each statement):
    /// (thread ts, statements).
    pub async fn threads_mentioning(
        &self,
        team_id: &str,
        channel_id: &str,
        text: &str,
    ) -> Result<Vec<(String, Vec<String>)>> {
        // The statements are stored as a JSON array: look for the text as
        // JSON escapes it.
        let escaped = serde_json::to_string(text).unwrap_or_default();
        let inner = escaped.trim_start_matches('"').trim_end_matches('"');
        let pattern = format!(
            "%{}%",
            inner
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = sqlx::query(
            "SELECT thread_ts, decisions FROM thread_context \
             WHERE team_id = $1 AND channel_id = $2 AND decisions LIKE $3 ESCAPE '\\'",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(pattern)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let decisions: String = row.try_get("decisions")?;
                Ok((
                    row.try_get("thread_ts")?,
                    serde_json::from_str(&decisions).unwrap_or_default(),
                ))
            })
            .collect()
    }

    /// Replaces a thread's remembered decision statements (without
    /// touching when it was last seen).
    pub async fn forget_thread_decisions(
        &self,
        (team_id, channel_id, thread_ts): (&str, &str, &str),
        decisions: &[String],
    ) -> Result<()> {
        let _write = self.write_gate().await;
        let decisions = serde_json::to_string(decisions).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "UPDATE thread_context SET decisions = $1 \
             WHERE team_id = $2 AND channel_id = $3 AND thread_ts = $4",
        )
        .bind(decisions)
        .bind(team_id)
        .bind(channel_id)
        .bind(thread_ts)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets a deleted channel: every row about it, in every table, the
    /// messages queued for it and those sent in it. Returns rows deleted.
    pub async fn forget_channel(&self, team_id: &str, channel_id: &str, now: i64) -> Result<u64> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let place = [team_id, channel_id];
        let here = "team_id = $1 AND channel_id = $2";
        let mut deleted = delete_where(&mut tx, "digests", here, &place).await?;
        let outbox = channel_outbox(&mut tx, team_id, channel_id).await?;
        deleted += delete_ids(&mut tx, "outbox", &outbox).await?;
        deleted += delete_flags(&mut tx, here, &place, now).await?;
        deleted += delete_where(&mut tx, "open_questions", here, &place).await?;
        deleted += delete_where(&mut tx, "receptions", here, &place).await?;
        deleted += delete_decisions(&mut tx, here, &place).await?.len() as u64;
        for table in [
            "thread_context",
            "channel_settings",
            "channels",
            "bot_channels",
        ] {
            deleted += delete_where(&mut tx, table, here, &place).await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Forgets what an erased or deactivated person wrote: the words the
    /// rules matched in their asks, the reasons they typed, the thread
    /// roots they wrote, the links to their confusion or disagreement,
    /// their App Home search and note setting; and their name on
    /// decisions, confirmations and open questions (the decisions stay). Returns rows changed.
    pub async fn forget_person(&self, team_id: &str, user_id: &str) -> Result<u64> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let mut changed = 0;
        for sql in [
            "UPDATE flags SET reasons = '[]', decided_by = NULL WHERE team_id = $1 AND user_id = $2",
            "UPDATE flag_feedback SET reason = NULL WHERE team_id = $1 AND user_id = $2",
            "UPDATE thread_context SET root_text = NULL, root_user = NULL \
             WHERE team_id = $1 AND root_user = $2",
            "UPDATE decisions SET owner = NULL WHERE team_id = $1 AND owner = $2",
            "UPDATE decisions SET recorded_by = NULL WHERE team_id = $1 AND recorded_by = $2",
            "UPDATE open_questions SET owner = NULL WHERE team_id = $1 AND owner = $2",
            "UPDATE decisions SET confirmed_by = NULL WHERE team_id = $1 AND confirmed_by = $2",
            "UPDATE reopens SET resolved_by = NULL WHERE team_id = $1 AND resolved_by = $2",
            "DELETE FROM receptions WHERE team_id = $1 AND user_id = $2",
            "DELETE FROM note_settings WHERE team_id = $1 AND user_id = $2",
            "DELETE FROM home_views WHERE team_id = $1 AND user_id = $2",
        ] {
            changed += sqlx::query(sql)
                .bind(team_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Deletes every row of a workspace in every table (its uninstall
    /// mark excepted), in one transaction: (table, rows deleted).
    pub async fn purge_team(&self, team_id: &str) -> Result<Vec<(&'static str, u64)>> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let mut deleted = Vec::with_capacity(TEAM_TABLES.len());
        for table in TEAM_TABLES {
            if *table == "decisions" {
                // A decision may point at another it superseded.
                sqlx::query(
                    "UPDATE decisions SET superseded_by = NULL, supersedes = NULL WHERE team_id = $1",
                )
                    .bind(team_id)
                    .execute(&mut *tx)
                    .await?;
            }
            deleted.push((
                *table,
                delete_where(&mut tx, table, "team_id = $1", &[team_id]).await?,
            ));
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// Marks a workspace uninstalled at `now`, unless it already is (an
    /// `app_uninstalled` and a `tokens_revoked` arrive in either order).
    /// Its installation's tokens go at once, whatever the grace period
    /// left of its data: its own installation, or, without one, the
    /// org-wide installation of its organization (the app uninstalled from
    /// the organization).
    pub async fn mark_uninstalled(&self, team_id: &str, now: i64) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO uninstalled_teams (team_id, uninstalled_at) VALUES ($1, $2) \
             ON CONFLICT (team_id) DO NOTHING",
        )
        .bind(team_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let own = sqlx::query("DELETE FROM installations WHERE team_id = $1")
            .bind(team_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if own == 0 {
            sqlx::query(
                "DELETE FROM installations WHERE team_id = '' AND org_wide = 1 AND enterprise_id = \
                 (SELECT enterprise_id FROM team_enterprises WHERE team_id = $1)",
            )
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }

    /// Workspaces marked uninstalled.
    pub async fn uninstalled_teams(&self) -> Result<HashSet<String>> {
        sqlx::query_scalar("SELECT team_id FROM uninstalled_teams")
            .fetch_all(&self.pool)
            .await
            .map(|teams| teams.into_iter().collect())
    }

    /// Uninstalled workspaces whose uninstall was at or before `cutoff`:
    /// purged, and purged again of whatever arrived since.
    pub async fn due_purges(&self, cutoff: i64) -> Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT team_id FROM uninstalled_teams WHERE uninstalled_at <= $1 ORDER BY team_id",
        )
        .bind(cutoff)
        .fetch_all(&self.pool)
        .await
    }

    /// Records when an uninstalled workspace's data was first purged.
    pub async fn mark_purged(&self, team_id: &str, now: i64) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query(
            "UPDATE uninstalled_teams SET purged_at = $1 WHERE team_id = $2 AND purged_at IS NULL",
        )
        .bind(now)
        .bind(team_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The workspace is installed (its token works): what arrives for it
    /// is worked again. Returns whether it had been marked uninstalled.
    pub async fn clear_uninstalled(&self, team_id: &str) -> Result<bool> {
        let _write = self.write_gate().await;
        Ok(
            sqlx::query("DELETE FROM uninstalled_teams WHERE team_id = $1")
                .bind(team_id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }

    /// Inbox retention: failed events received before `cutoff` are
    /// deleted with their payload, and the ids of events worked before it
    /// forgotten. Returns rows deleted.
    pub async fn prune_inbox(&self, cutoff: i64) -> Result<u64> {
        let _write = self.write_gate().await;
        let failed = sqlx::query("DELETE FROM events WHERE state = 'failed' AND received_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let seen = sqlx::query("DELETE FROM seen_events WHERE seen_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(failed + seen)
    }

    /// Flag retention: flags created before `cutoff` keep what the digest
    /// counts (where, when, whose, the topic, the verdict, feedback), not
    /// the words their rules matched nor the decision they were answered
    /// with; feedback on them keeps no typed reason. Returns rows changed.
    pub async fn strip_flag_text(&self, cutoff: i64) -> Result<u64> {
        let _write = self.write_gate().await;
        let flags = sqlx::query(
            "UPDATE flags SET reasons = '[]', decided_by = NULL \
             WHERE created_at < $1 AND (reasons <> '[]' OR decided_by IS NOT NULL)",
        )
        .bind(cutoff)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let reasons = sqlx::query(
            "UPDATE flag_feedback SET reason = NULL WHERE created_at < $1 AND reason IS NOT NULL",
        )
        .bind(cutoff)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(flags + reasons)
    }

    /// How many of the channel's decisions have an id up to `id`: fewer
    /// than a decision index built from them holds means one was deleted
    /// since (on any replica).
    pub async fn decisions_through(&self, team_id: &str, channel_id: &str, id: i64) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM decisions WHERE team_id = $1 AND channel_id = $2 AND id <= $3",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(id)
        .fetch_one(&self.pool)
        .await
    }

    /// A decision of workspace `team_id` by id, as `/clarity forget` reads it.
    pub async fn decision_record(&self, team_id: &str, id: i64) -> Result<Option<DecisionRecord>> {
        let row = sqlx::query(
            "SELECT id, channel_id, topic, decision, recorded_by, channel_private, created_at \
             FROM decisions WHERE team_id = $1 AND id = $2",
        )
        .bind(team_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(decision_record).transpose()
    }

    /// The channel's decisions, newest first, as `/clarity forget` lists them.
    pub async fn channel_decision_records(
        &self,
        team_id: &str,
        channel_id: &str,
        limit: i64,
    ) -> Result<Vec<DecisionRecord>> {
        let rows = sqlx::query(
            "SELECT id, channel_id, topic, decision, recorded_by, channel_private, created_at \
             FROM decisions WHERE team_id = $1 AND channel_id = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decision_record).collect()
    }

    /// Deletes a decision (one it had superseded is current again).
    /// Returns whether it was there.
    pub async fn delete_decision(&self, team_id: &str, id: i64) -> Result<bool> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let id = id.to_string();
        let deleted = delete_decisions(
            &mut tx,
            "team_id = $1 AND id = CAST($2 AS BIGINT)",
            &[team_id, &id],
        )
        .await?;
        tx.commit().await?;
        Ok(!deleted.is_empty())
    }
}

fn decision_record(row: &sqlx::any::AnyRow) -> Result<DecisionRecord> {
    Ok(DecisionRecord {
        id: row.try_get("id")?,
        channel_id: row.try_get("channel_id")?,
        topic: row.try_get("topic")?,
        decision: row.try_get("decision")?,
        recorded_by: row.try_get("recorded_by")?,
        channel_private: row.try_get::<i64, _>("channel_private")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

/// `sql` with `binds` bound in order.
fn bound<'q>(
    sql: &'q str,
    binds: &[&'q str],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    binds
        .iter()
        .fold(sqlx::query(sql), |query, value| query.bind(*value))
}

async fn delete_where(tx: &mut Tx, table: &str, condition: &str, binds: &[&str]) -> Result<u64> {
    let sql = format!("DELETE FROM {table} WHERE {condition}");
    Ok(bound(&sql, binds).execute(&mut **tx).await?.rows_affected())
}

async fn delete_ids(tx: &mut Tx, table: &str, ids: &[i64]) -> Result<u64> {
    let mut deleted = 0;
    for chunk in ids.chunks(500) {
        let sql = format!(
            "DELETE FROM {table} WHERE id IN {}",
            super::placeholder_rows(1, chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        deleted += query.execute(&mut **tx).await?.rows_affected();
    }
    Ok(deleted)
}

/// Deletes the flags `condition` selects with their feedback, open
/// questions and reply rows. A reply being sent right now (claimed, its
/// lease running) is left to its sender, no longer tied to the flag.
async fn delete_flags(tx: &mut Tx, condition: &str, binds: &[&str], now: i64) -> Result<u64> {
    let flags = format!("SELECT id FROM flags WHERE {condition}");
    for table in ["flag_feedback", "open_questions", "reopens"] {
        let sql = format!("DELETE FROM {table} WHERE flag_id IN ({flags})");
        bound(&sql, binds).execute(&mut **tx).await?;
    }
    let at = binds.len() + 1;
    let sql = format!(
        "DELETE FROM outbox WHERE flag_id IN ({flags}) \
         AND NOT (state = 'pending' AND locked_until >= ${at})"
    );
    bound(&sql, binds).bind(now).execute(&mut **tx).await?;
    let sql = format!("UPDATE outbox SET flag_id = NULL WHERE flag_id IN ({flags})");
    bound(&sql, binds).execute(&mut **tx).await?;
    delete_where(tx, "flags", condition, binds).await
}

/// Deletes the decisions `condition` selects; one they superseded is
/// current again. Returns their texts.
async fn delete_decisions(tx: &mut Tx, condition: &str, binds: &[&str]) -> Result<Vec<String>> {
    let sql = format!("SELECT decision FROM decisions WHERE {condition}");
    let texts: Vec<String> = bound(&sql, binds)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|row| row.try_get("decision"))
        .collect::<Result<_>>()?;
    if texts.is_empty() {
        return Ok(texts);
    }
    let ids = format!("SELECT id FROM decisions WHERE {condition}");
    for table in ["receptions", "reopens"] {
        let sql = format!("DELETE FROM {table} WHERE decision_id IN ({ids})");
        bound(&sql, binds).execute(&mut **tx).await?;
    }
    for column in ["superseded_by", "supersedes"] {
        let sql = format!("UPDATE decisions SET {column} = NULL WHERE {column} IN ({ids})");
        bound(&sql, binds).execute(&mut **tx).await?;
    }
    delete_where(tx, "decisions", condition, binds).await?;
    Ok(texts)
}

/// The ids of the workspace's outbox rows that post in, edit in or delete
/// from `channel_id` (the Slack call's `channel`).
async fn channel_outbox(tx: &mut Tx, team_id: &str, channel_id: &str) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT id, payload FROM outbox WHERE team_id = $1")
        .bind(team_id)
        .fetch_all(&mut **tx)
        .await?;
    let mut ids = Vec::new();
    for row in &rows {
        let payload: String = row.try_get("payload")?;
        let call: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
        if call.get("channel").and_then(serde_json::Value::as_str) == Some(channel_id) {
            ids.push(row.try_get("id")?);
        }
    }
    Ok(ids)
}
