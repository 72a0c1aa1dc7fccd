//! What is known and set per channel: what Slack last said about its
//! privacy (`channels`; a channel with no row is of unknown privacy, which
//! counts as private everywhere), its settings (`channel_settings`:
//! whether it is watched, until when it is muted), and whether the bot is
//! in it and has greeted it (`bot_channels`).

use super::{Result, Store};
use sqlx::Row;

/// A channel's privacy as last seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownPrivacy {
    pub private: bool,
    /// When Slack said so (ms).
    pub checked_at: i64,
}

/// A channel's settings as stored (defaults when never set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelSettings {
    pub monitored: bool,
    pub muted_until: Option<i64>,
}

impl Store {
    /// The channel's privacy as last seen, if it was ever seen.
    pub async fn channel_privacy(
        &self,
        team_id: &str,
        channel_id: &str,
    ) -> Result<Option<KnownPrivacy>> {
        let row = sqlx::query(
            "SELECT private, checked_at FROM channels WHERE team_id = $1 AND channel_id = $2",
        )
        .bind(team_id)
        .bind(channel_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(KnownPrivacy {
                private: row.try_get::<i64, _>("private")? != 0,
                checked_at: row.try_get("checked_at")?,
            })
        })
        .transpose()
    }

    /// Records what Slack said about a channel. A private channel's stored
    /// flags and decisions (and so its open questions) are marked private in the same
    /// transaction, so nothing recorded before it turned private (or before
    /// the bot learned it was) can show elsewhere.
    pub async fn set_channel_privacy(
        &self,
        team_id: &str,
        channel_id: &str,
        private: bool,
        now: i64,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO channels (team_id, channel_id, private, checked_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (team_id, channel_id) DO UPDATE SET private = $3, checked_at = $4",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(i64::from(private))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if private {
            for table in ["flags", "decisions"] {
                sqlx::query(&format!(
                    "UPDATE {table} SET channel_private = 1 \
                     WHERE team_id = $1 AND channel_id = $2 AND channel_private = 0"
                ))
                .bind(team_id)
                .bind(channel_id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await
    }

    /// Forgets what was known of a channel (it was shared, unshared or
    /// converted): until Slack is asked again, it counts as private.
    pub async fn forget_channel_privacy(&self, team_id: &str, channel_id: &str) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query("DELETE FROM channels WHERE team_id = $1 AND channel_id = $2")
            .bind(team_id)
            .bind(channel_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets (or, with `None`, clears) the time until which the channel is
    /// muted, and marks the workspace's Home tabs out of date.
    pub async fn set_muted_until(
        &self,
        team_id: &str,
        channel_id: &str,
        until: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO channel_settings (team_id, channel_id, muted_until) VALUES ($1, $2, $3) \
             ON CONFLICT (team_id, channel_id) DO UPDATE SET muted_until = excluded.muted_until",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        super::home_views::homes_changed(&mut tx, team_id, now).await?;
        tx.commit().await
    }

    /// Mutes the channel until `until` and queues `then` (the line saying
    /// who muted it), in one transaction that also marks the workspace's
    /// Home tabs out of date.
    pub async fn mute_channel(
        &self,
        team_id: &str,
        channel_id: &str,
        until: i64,
        then: &[super::NewOutboxMessage],
        now: i64,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO channel_settings (team_id, channel_id, muted_until) VALUES ($1, $2, $3) \
             ON CONFLICT (team_id, channel_id) DO UPDATE SET muted_until = excluded.muted_until",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        for message in then {
            super::outbox::enqueue(&mut tx, message, now).await?;
        }
        super::home_views::homes_changed(&mut tx, team_id, now).await?;
        tx.commit().await
    }

    /// Records that the bot joined a channel; the first time ever, queues
    /// `greeting` in the same transaction. A row stays when the bot leaves,
    /// so a rejoin (on any replica: the row's lock orders them) finds it
    /// greeted. Returns whether the greeting was queued.
    pub async fn bot_joined(
        &self,
        team_id: &str,
        channel_id: &str,
        greeting: &super::NewOutboxMessage,
        now: i64,
    ) -> Result<bool> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO bot_channels (team_id, channel_id, member, changed_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (team_id, channel_id) DO UPDATE SET member = 1, changed_at = excluded.changed_at",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let first = sqlx::query(
            "UPDATE bot_channels SET greeted_at = $3 \
             WHERE team_id = $1 AND channel_id = $2 AND greeted_at IS NULL",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let queued = first && super::outbox::enqueue(&mut tx, greeting, now).await?;
        tx.commit().await?;
        Ok(queued)
    }

    /// Records that the bot left a channel (its greeting is remembered).
    pub async fn bot_left(&self, team_id: &str, channel_id: &str, now: i64) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query(
            "INSERT INTO bot_channels (team_id, channel_id, member, changed_at) VALUES ($1, $2, 0, $3) \
             ON CONFLICT (team_id, channel_id) DO UPDATE SET member = 0, changed_at = excluded.changed_at",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The channel's settings (defaults when never set).
    pub async fn channel_settings(
        &self,
        team_id: &str,
        channel_id: &str,
    ) -> Result<ChannelSettings> {
        let row = sqlx::query(
            "SELECT monitored, muted_until FROM channel_settings \
             WHERE team_id = $1 AND channel_id = $2",
        )
        .bind(team_id)
        .bind(channel_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(ChannelSettings {
                monitored: true,
                muted_until: None,
            }),
            Some(row) => Ok(ChannelSettings {
                monitored: row.try_get::<i64, _>("monitored")? != 0,
                muted_until: row.try_get("muted_until")?,
            }),
        }
    }
}
