//! Installations (multi-workspace mode): one row per workspace, or per
//! Enterprise Grid organization for an org-wide install, with its bot
//! user, scopes, installer and tokens. Tokens arrive and leave sealed (the
//! caller holds the key); the store never sees one in the clear. Also the
//! install link's state nonces (taken once, before they expire) and which
//! organization each workspace an org-wide install serves belongs to.

use super::{Result, Store, Transaction};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Which installation: `''` where Slack names none (the enterprise outside
/// Enterprise Grid, the team of an org-wide install).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstallationKey {
    pub enterprise_id: String,
    pub team_id: String,
}

impl InstallationKey {
    /// What a sealed token of this installation is bound to.
    pub fn context(&self, which: &str) -> String {
        format!("{}:{}:{which}", self.enterprise_id, self.team_id)
    }
}

/// An installation to store, as "Add to Slack" granted it; tokens sealed.
#[derive(Debug, Clone)]
pub struct NewInstallation {
    pub key: InstallationKey,
    pub org_wide: bool,
    pub bot_user_id: String,
    pub scopes: String,
    pub installer_user_id: String,
    pub bot_token: String,
    pub refresh_token: Option<String>,
    /// When the bot token expires (ms), with token rotation.
    pub expires_at: Option<i64>,
}

/// A stored installation; tokens sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallationRow {
    pub key: InstallationKey,
    pub org_wide: bool,
    pub bot_user_id: String,
    pub bot_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: Option<i64>,
    /// Slack refused its refresh token: nothing is sent until it is
    /// installed again.
    pub needs_reinstall: bool,
}

const COLUMNS: &str = "enterprise_id, team_id, org_wide, bot_user_id, bot_token, refresh_token, expires_at, needs_reinstall";

fn row(row: &AnyRow) -> Result<InstallationRow> {
    Ok(InstallationRow {
        key: InstallationKey {
            enterprise_id: row.try_get("enterprise_id")?,
            team_id: row.try_get("team_id")?,
        },
        org_wide: row.try_get::<i64, _>("org_wide")? != 0,
        bot_user_id: row.try_get("bot_user_id")?,
        bot_token: row.try_get("bot_token")?,
        refresh_token: row.try_get("refresh_token")?,
        expires_at: row.try_get("expires_at")?,
        needs_reinstall: row.try_get::<i64, _>("needs_reinstall")? != 0,
    })
}

impl Store {
    /// Keeps an install link's `state` until `expires_at` (ms).
    pub async fn save_oauth_state(&self, state: &str, expires_at: i64, now: i64) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        // Nonces nobody came back with are of no use to anyone.
        sqlx::query("DELETE FROM oauth_states WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO oauth_states (state, expires_at) VALUES ($1, $2)")
            .bind(state)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Takes `state`: true once, if it was issued and has not expired; a
    /// second use, on any replica, finds nothing.
    pub async fn take_oauth_state(&self, state: &str, now: i64) -> Result<bool> {
        let _write = self.write_gate().await;
        let expires: Option<i64> =
            sqlx::query_scalar("DELETE FROM oauth_states WHERE state = $1 RETURNING expires_at")
                .bind(state)
                .fetch_optional(&self.pool)
                .await?;
        Ok(expires.is_some_and(|at| at > now))
    }

    /// Stores an installation, replacing the one with its key (installed
    /// again: new tokens, served again), and clears its workspace's
    /// uninstall mark.
    pub async fn save_installation(&self, new: &NewInstallation, now: i64) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO installations (enterprise_id, team_id, org_wide, bot_user_id, scopes, \
             installer_user_id, bot_token, refresh_token, expires_at, needs_reinstall, installed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10) \
             ON CONFLICT (enterprise_id, team_id) DO UPDATE SET org_wide = excluded.org_wide, \
             bot_user_id = excluded.bot_user_id, scopes = excluded.scopes, \
             installer_user_id = excluded.installer_user_id, bot_token = excluded.bot_token, \
             refresh_token = excluded.refresh_token, expires_at = excluded.expires_at, \
             needs_reinstall = 0, installed_at = excluded.installed_at, refreshed_at = NULL",
        )
        .bind(&new.key.enterprise_id)
        .bind(&new.key.team_id)
        .bind(i64::from(new.org_wide))
        .bind(&new.bot_user_id)
        .bind(&new.scopes)
        .bind(&new.installer_user_id)
        .bind(&new.bot_token)
        .bind(new.refresh_token.as_deref())
        .bind(new.expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if !new.key.team_id.is_empty() {
            sqlx::query("DELETE FROM uninstalled_teams WHERE team_id = $1")
                .bind(&new.key.team_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// The installation serving `team_id`: its own, else its organization's
    /// org-wide one (`enterprise_id` as the event said, or as remembered).
    pub async fn installation_for(
        &self,
        team_id: &str,
        enterprise_id: Option<&str>,
    ) -> Result<Option<InstallationRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM installations WHERE team_id = $1 AND team_id <> '' \
             UNION ALL SELECT {COLUMNS} FROM installations WHERE team_id = '' AND org_wide = 1 \
             AND enterprise_id = COALESCE($2, (SELECT enterprise_id FROM team_enterprises WHERE team_id = $1)) \
             ORDER BY team_id DESC LIMIT 1"
        );
        sqlx::query(&sql)
            .bind(team_id)
            .bind(enterprise_id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(row)
            .transpose()
    }

    /// Remembers that `team_id` belongs to `enterprise_id`, for the rows
    /// (outbox, jobs) that know only a team. Read first: every event of an
    /// org-wide install says so, and only the first needs a write.
    pub async fn remember_enterprise(&self, team_id: &str, enterprise_id: &str) -> Result<()> {
        let known: Option<String> =
            sqlx::query_scalar("SELECT enterprise_id FROM team_enterprises WHERE team_id = $1")
                .bind(team_id)
                .fetch_optional(&self.pool)
                .await?;
        if known.as_deref() == Some(enterprise_id) {
            return Ok(());
        }
        let _write = self.write_gate().await;
        sqlx::query(
            "INSERT INTO team_enterprises (team_id, enterprise_id) VALUES ($1, $2) \
             ON CONFLICT (team_id) DO UPDATE SET enterprise_id = excluded.enterprise_id",
        )
        .bind(team_id)
        .bind(enterprise_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl Transaction {
    /// Locks the installation's row until the transaction ends (PostgreSQL:
    /// a row lock; SQLite: its single writer) and reads it afresh: another
    /// replica may have refreshed its tokens while this one waited.
    pub async fn lock_installation(
        &mut self,
        key: &InstallationKey,
    ) -> Result<Option<InstallationRow>> {
        // A write takes the lock on both engines.
        let sql = format!(
            "UPDATE installations SET expires_at = expires_at \
             WHERE enterprise_id = $1 AND team_id = $2 RETURNING {COLUMNS}"
        );
        sqlx::query(&sql)
            .bind(&key.enterprise_id)
            .bind(&key.team_id)
            .fetch_optional(&mut *self.tx)
            .await?
            .as_ref()
            .map(row)
            .transpose()
    }

    /// Stores refreshed tokens (sealed).
    pub async fn refreshed(
        &mut self,
        key: &InstallationKey,
        bot_token: &str,
        refresh_token: Option<&str>,
        expires_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE installations SET bot_token = $1, refresh_token = $2, expires_at = $3, \
             refreshed_at = $4 WHERE enterprise_id = $5 AND team_id = $6",
        )
        .bind(bot_token)
        .bind(refresh_token)
        .bind(expires_at)
        .bind(now)
        .bind(&key.enterprise_id)
        .bind(&key.team_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Slack refused the refresh token: the installation needs installing
    /// again, and nothing is sent for it meanwhile.
    pub async fn needs_reinstall(&mut self, key: &InstallationKey) -> Result<()> {
        sqlx::query(
            "UPDATE installations SET needs_reinstall = 1 WHERE enterprise_id = $1 AND team_id = $2",
        )
        .bind(&key.enterprise_id)
        .bind(&key.team_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
