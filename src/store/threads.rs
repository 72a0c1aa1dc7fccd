//! Thread context: the roots and decision statements the bot has seen,
//! kept for the retention period, so a reply is assessed in its thread.

use super::{Result, Store, placeholder_rows};
use sqlx::Row;

/// What the bot has seen of a thread.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreadContext {
    pub root_text: Option<String>,
    pub decisions: Vec<String>,
}

impl ThreadContext {
    /// The texts the classifier sees as the thread: root first, then decisions.
    pub fn texts(&self) -> Vec<String> {
        self.root_text
            .iter()
            .chain(&self.decisions)
            .cloned()
            .collect()
    }
}

impl Store {
    /// Remembers thread roots (top-level messages: channel, ts, text and
    /// author) in one transaction.
    pub async fn remember_roots(
        &self,
        team_id: &str,
        roots: &[(String, String, String, String)],
        now: i64,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        if roots.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for chunk in roots.chunks(200) {
            let sql = format!(
                "INSERT INTO thread_context (team_id, channel_id, thread_ts, root_text, root_user, last_seen) \
                 VALUES {} ON CONFLICT (team_id, channel_id, thread_ts) DO UPDATE SET \
                 root_text = excluded.root_text, root_user = excluded.root_user, last_seen = excluded.last_seen",
                placeholder_rows(chunk.len(), 6)
            );
            let mut query = sqlx::query(&sql);
            for (channel, ts, text, user) in chunk {
                query = query
                    .bind(team_id)
                    .bind(channel.as_str())
                    .bind(ts.as_str())
                    .bind(text.as_str())
                    .bind(user.as_str())
                    .bind(now);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// What is known of a thread, or `None` when the bot never saw its root.
    pub async fn thread_context(
        &self,
        team_id: &str,
        channel_id: &str,
        thread_ts: &str,
    ) -> Result<Option<ThreadContext>> {
        let row = sqlx::query(
            "SELECT root_text, decisions FROM thread_context \
             WHERE team_id = $1 AND channel_id = $2 AND thread_ts = $3",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(thread_ts)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let decisions: String = row.try_get("decisions")?;
            Ok(ThreadContext {
                root_text: row.try_get("root_text")?,
                decisions: serde_json::from_str(&decisions).unwrap_or_default(),
            })
        })
        .transpose()
    }

    /// Saves a thread's context (root and decision statements seen in it).
    pub async fn save_thread_context(
        &self,
        team_id: &str,
        channel_id: &str,
        thread_ts: &str,
        context: &ThreadContext,
        now: i64,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        let decisions = serde_json::to_string(&context.decisions).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO thread_context (team_id, channel_id, thread_ts, root_text, decisions, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (team_id, channel_id, thread_ts) DO UPDATE SET \
             root_text = excluded.root_text, decisions = excluded.decisions, last_seen = excluded.last_seen",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(thread_ts)
        .bind(context.root_text.clone())
        .bind(decisions)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets thread context last seen before `cutoff`; returns rows removed.
    pub async fn prune_thread_context(&self, cutoff: i64) -> Result<u64> {
        let _write = self.write_gate().await;
        Ok(
            sqlx::query("DELETE FROM thread_context WHERE last_seen < $1")
                .bind(cutoff)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
