//! Which token speaks for which workspace. Single-workspace mode: the one
//! `SLACK_BOT_TOKEN`, for whatever the edge let in. Multi-workspace mode
//! ("Add to Slack"): each workspace's installation (its own, or its Enterprise
//! Grid organization's org-wide one), its tokens opened with
//! `CLARITY_TOKEN_KEY` for the call and refreshed shortly before they
//! expire: once per installation across replicas, under the row's lock
//! and re-read after it (a refresh token works once). A refused refresh
//! marks the installation as needing re-install and stops its calls.

use crate::slack::api::{CallError, Slack, SlackConnection};
use crate::slack::oauth::{Granted, OAuthClient};
use crate::slack::token_key::{NoRandomness, TokenKey, Unreadable};
use crate::store::{InstallationKey, InstallationRow, NewInstallation, Store};
use secrecy::SecretString;

/// A workspace's handle on the Web API: its token, and its bot user.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub slack: Slack,
    pub bot_user_id: String,
}

/// Where tokens come from.
pub enum Workspaces {
    /// `SLACK_BOT_TOKEN`: one workspace, as `auth.test` named it.
    Single {
        workspace: Workspace,
        team_id: String,
    },
    /// `SLACK_CLIENT_ID`: the installations in the database.
    Multi(Installations),
}

/// Multi-workspace mode's parts.
pub struct Installations {
    pub connection: SlackConnection,
    pub oauth: OAuthClient,
    pub key: TokenKey,
    /// With `SLACK_APP_TOKEN`: the installations an event Slack listed
    /// only one of is visible to.
    pub event_authorizations: Option<crate::slack::authorizations::EventAuthorizations>,
}

/// Why nothing may be sent for a workspace.
#[derive(Debug, thiserror::Error)]
pub enum NotServed {
    #[error("the app is not installed in this workspace")]
    NotInstalled,
    #[error("Slack refused the installation's refresh token: install the app again")]
    NeedsReinstall,
    #[error(transparent)]
    Unreadable(#[from] Unreadable),
    #[error("refreshing the installation's token failed: {0}")]
    Refresh(CallError),
    #[error(transparent)]
    NoRandomness(#[from] NoRandomness),
    #[error("while reading the installation: {0}")]
    Store(#[from] sqlx::Error),
}

impl From<NotServed> for CallError {
    fn from(err: NotServed) -> Self {
        match err {
            NotServed::Store(_) | NotServed::NoRandomness(_) => {
                CallError::Transient(err.to_string())
            }
            NotServed::Refresh(call) => call,
            _ => CallError::Permanent(err.to_string()),
        }
    }
}

/// A token is refreshed when it expires within this long (ms): Slack's
/// rotated tokens last 12 hours.
pub const REFRESH_MARGIN_MS: i64 = 10 * 60 * 1000;

impl Workspaces {
    pub fn is_multi(&self) -> bool {
        matches!(self, Workspaces::Multi(_))
    }

    /// The workspace `team_id`'s handle at `now` (ms). In single-workspace
    /// mode, the one token's.
    pub async fn get(
        &self,
        store: &Store,
        team_id: &str,
        now: i64,
    ) -> Result<Workspace, NotServed> {
        match self {
            Workspaces::Single { workspace, .. } => Ok(workspace.clone()),
            Workspaces::Multi(installations) => {
                let row = store
                    .installation_for(team_id, None)
                    .await?
                    .ok_or(NotServed::NotInstalled)?;
                installations.workspace(store, row, now).await
            }
        }
    }
}

impl Installations {
    /// The handle of a stored installation, refreshed first when due.
    pub async fn workspace(
        &self,
        store: &Store,
        row: InstallationRow,
        now: i64,
    ) -> Result<Workspace, NotServed> {
        if row.needs_reinstall {
            return Err(NotServed::NeedsReinstall);
        }
        let row = if due(&row, now) {
            self.refresh(store, &row.key, now).await?
        } else {
            row
        };
        let token = self.key.open(&row.bot_token, &row.key.context("bot"))?;
        Ok(Workspace {
            slack: self.connection.with_token(&token),
            bot_user_id: row.bot_user_id,
        })
    }

    /// Refreshes the installation's tokens unless another replica did
    /// while this one waited for the lock; returns the row as it now is.
    async fn refresh(
        &self,
        store: &Store,
        key: &InstallationKey,
        now: i64,
    ) -> Result<InstallationRow, NotServed> {
        let mut tx = store.begin().await?;
        let current = tx
            .lock_installation(key)
            .await?
            .ok_or(NotServed::NotInstalled)?;
        if current.needs_reinstall {
            return Err(NotServed::NeedsReinstall);
        }
        let Some(sealed) = current
            .refresh_token
            .as_deref()
            .filter(|_| due(&current, now))
        else {
            tx.commit().await?;
            return Ok(current);
        };
        let refresh_token = self.key.open(sealed, &key.context("refresh"))?;
        match self.oauth.refresh(&refresh_token).await {
            Ok(granted) => {
                let (bot_token, refresh_token, expires_at) = self.seal(key, &granted, now)?;
                tx.refreshed(key, &bot_token, refresh_token.as_deref(), expires_at, now)
                    .await?;
                tx.commit().await?;
                tracing::info!(enterprise = %key.enterprise_id, team = %key.team_id, "refreshed the installation's bot token");
                Ok(InstallationRow {
                    bot_token,
                    refresh_token,
                    expires_at,
                    ..current
                })
            }
            Err(CallError::Permanent(code)) => {
                tx.needs_reinstall(key).await?;
                tx.commit().await?;
                tracing::error!(enterprise = %key.enterprise_id, team = %key.team_id, error = %code,
                    "Slack refused the installation's refresh token; nothing is sent for this workspace until the app is installed again");
                Err(NotServed::NeedsReinstall)
            }
            Err(err) => {
                drop(tx);
                // Not yet expired: the old token still works meanwhile.
                if current.expires_at.is_some_and(|at| at > now) {
                    tracing::warn!(team = %key.team_id, error = %err, "could not refresh the installation's token yet; using the current one");
                    Ok(current)
                } else {
                    Err(NotServed::Refresh(err))
                }
            }
        }
    }

    /// The granted tokens sealed for the row `key` names, and their expiry.
    fn seal(
        &self,
        key: &InstallationKey,
        granted: &Granted,
        now: i64,
    ) -> Result<(String, Option<String>, Option<i64>), NoRandomness> {
        let bot_token = self.key.seal(&granted.bot_token, &key.context("bot"))?;
        let refresh_token = granted
            .refresh_token
            .as_ref()
            .map(|token: &SecretString| self.key.seal(token, &key.context("refresh")))
            .transpose()?;
        let expires_at = granted
            .expires_in
            .map(|secs| now.saturating_add(secs.saturating_mul(1000)));
        Ok((bot_token, refresh_token, expires_at))
    }

    /// What "Add to Slack" granted, as the row to store (tokens sealed).
    pub fn installation(
        &self,
        granted: &Granted,
        now: i64,
    ) -> Result<NewInstallation, NoRandomness> {
        let key = InstallationKey {
            enterprise_id: granted.enterprise_id.clone(),
            team_id: if granted.org_wide {
                String::new()
            } else {
                granted.team_id.clone()
            },
        };
        let (bot_token, refresh_token, expires_at) = self.seal(&key, granted, now)?;
        Ok(NewInstallation {
            key,
            org_wide: granted.org_wide,
            bot_user_id: granted.bot_user_id.clone(),
            scopes: granted.scopes.clone(),
            installer_user_id: granted.installer_user_id.clone(),
            bot_token,
            refresh_token,
            expires_at,
        })
    }
}

/// Whether the installation's token should be refreshed now.
fn due(row: &InstallationRow, now: i64) -> bool {
    row.refresh_token.is_some()
        && row
            .expires_at
            .is_some_and(|at| at - REFRESH_MARGIN_MS <= now)
}
