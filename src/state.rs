//! Shared application state: cheap to clone, no globals (but the metrics
//! recorder, which the `metrics` macros need process-wide).

use crate::classify::{Classifier, DecisionIndex};
use crate::settings::Settings;
use crate::slack::api::{CallError, Slack, SlackConnection};
use crate::store::Store;
use crate::workspaces::{NotServed, Workspace, Workspaces};
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, oneshot};

/// The state every handler and worker shares.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

pub struct Inner {
    pub settings: Settings,
    pub store: Store,
    /// Which token speaks for which workspace: the one `SLACK_BOT_TOKEN`
    /// (events for any other workspace are dropped at the edge), or each
    /// installation's ("Add to Slack").
    pub workspaces: Workspaces,
    /// The Web API's connections, whatever the token.
    pub connection: SlackConnection,
    pub classifier: Classifier,
    pub verifier: Option<SlackEventSignatureVerifier>,
    /// Whether the last database write failed (the ingest writer's or a
    /// worker's): `/readyz` then answers 503 until a write succeeds.
    pub last_write_failed: std::sync::atomic::AtomicBool,
    /// When the writer last persisted a batch (ms); workers yield to bursts.
    pub last_ingest_ms: std::sync::atomic::AtomicI64,
    /// When the inbox worker last checkpointed the SQLite log (ms).
    pub last_checkpoint_ms: std::sync::atomic::AtomicI64,
    /// Wakes the inbox worker when events were persisted.
    pub inbox_ready: Notify,
    /// Wakes the outbox sender when a reply was queued.
    pub outbox_ready: Notify,
    /// Per channel: the decision log as a lookup index and the highest id in
    /// it. Refreshed from the database (ids above the highest; read afresh
    /// when a decision in it was deleted) before each use, so replicas
    /// sharing a database never disagree.
    pub decision_indexes: Mutex<HashMap<(String, String), (i64, DecisionIndex)>>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// What this process last recorded of channels' privacy.
    pub privacy: RememberedPrivacy,
    /// Per workspace and person: when Slack last listed the private
    /// channels they share with the bot, and those channels (App Home's
    /// privacy rule; see `crate::home`).
    pub memberships: std::sync::Mutex<MembershipCache>,
}

/// The private channels each person was last seen in, by (team, user):
/// when (ms) and which.
pub type MembershipCache = HashMap<(String, String), (i64, std::collections::HashSet<String>)>;

/// What this process last wrote to the `channels` table (see
/// [`crate::privacy`]), so a steady stream of messages does not rewrite the
/// same row for every message.
#[derive(Default)]
pub struct RememberedPrivacy {
    seen: std::sync::Mutex<HashMap<(String, String), (bool, i64)>>,
    /// Whether the missing `conversations.info` scopes were logged already.
    pub warned_missing_scope: std::sync::atomic::AtomicBool,
}

/// Channels remembered in memory per process before the memory starts over.
const MAX_REMEMBERED: usize = 100_000;

impl RememberedPrivacy {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), (bool, i64)>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The channel's privacy as this process last wrote it, and when (ms).
    pub fn recalled(&self, team_id: &str, channel_id: &str) -> Option<(bool, i64)> {
        self.lock()
            .get(&(team_id.to_string(), channel_id.to_string()))
            .copied()
    }

    pub fn remember(&self, team_id: &str, channel_id: &str, private: bool, now: i64) {
        let mut seen = self.lock();
        if seen.len() >= MAX_REMEMBERED {
            seen.clear();
        }
        seen.insert(
            (team_id.to_string(), channel_id.to_string()),
            (private, now),
        );
    }

    pub fn forget(&self, team_id: &str, channel_id: &str) {
        self.lock()
            .remove(&(team_id.to_string(), channel_id.to_string()));
    }
}

/// One event for the writer, and where to say whether it was persisted.
pub struct IngestRequest {
    pub event: crate::store::NewEvent,
    pub done: oneshot::Sender<Result<(), ()>>,
}

impl AppState {
    /// The handle that speaks for `team_id` now: its token and bot user.
    pub async fn workspace(&self, team_id: &str) -> Result<Workspace, NotServed> {
        self.workspaces.get(&self.store, team_id, now_ms()).await
    }

    /// The Web API with `team_id`'s token; a workspace it may not speak
    /// for is a call Slack would refuse (or, a database hiccup, one to
    /// retry).
    pub async fn slack(&self, team_id: &str) -> Result<Slack, CallError> {
        self.workspace(team_id)
            .await
            .map(|workspace| workspace.slack)
            .map_err(CallError::from)
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Milliseconds since the epoch, from the system clock (the edge; the
/// classifier and policy never read a clock).
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
