//! `Application::build(settings)`: one build path for production and tests.
//! Binds the listener (port 0 allowed), connects the store, learns the bot's
//! identity, decodes what an earlier version left in the inbox, and checks
//! the Socket Mode app token if one is set; `run_until_stopped` starts the
//! background jobs (`jobs`) and the ingest writer, serves HTTP (and Socket
//! Mode) until SIGTERM/Ctrl-C or [`Shutdown::trigger`], then lets in-flight
//! work finish and empties the SQLite log into the database file.

use crate::classify::Classifier;
use crate::ingress;
use crate::jobs;
use crate::settings::Settings;
use crate::slack::api::Slack;
use crate::slack::authorizations::EventAuthorizations;
use crate::slack::oauth::OAuthClient;
use crate::state::{AppState, Inner, now_ms};
use crate::store::Store;
use crate::workspaces::{Installations, Workspace, Workspaces};
use anyhow::Context as _;
use secrecy::ExposeSecret;
use slack_morphism::prelude::SlackSigningSecret;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Notify, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A built, bound, not yet serving bot.
pub struct Application {
    port: u16,
    listener: TcpListener,
    state: AppState,
    ingest: mpsc::Receiver<crate::state::IngestRequest>,
    ingest_tx: mpsc::Sender<crate::state::IngestRequest>,
    shutdown: CancellationToken,
    /// Socket Mode, when `SLACK_APP_TOKEN` is set.
    socket: Option<ingress::socket::SocketMode>,
}

/// Stops a running application from elsewhere (tests, signal handlers).
#[derive(Clone)]
pub struct Shutdown(CancellationToken);

impl Shutdown {
    pub fn trigger(&self) {
        self.0.cancel();
    }
}

impl Application {
    /// Builds everything `serve` needs; fails with a message naming what is wrong.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        settings.require_for_serve()?;
        let classifier = match &settings.file.classifier.rules {
            Some(path) => Classifier::from_path(path)?,
            None => Classifier::builtin(),
        };
        let store = Store::open(
            &settings.database_url,
            settings.file.database.max_connections,
        )
        .await?;
        let connection =
            Slack::connect(&settings.slack_api_url).context("while setting up the Slack client")?;
        let (workspaces, identity) = match (&settings.oauth, &settings.token_key) {
            (Some(oauth), Some(key)) => (
                Workspaces::Multi(Installations {
                    connection: connection.clone(),
                    oauth: OAuthClient::new(
                        &settings.slack_api_url,
                        &oauth.client_id,
                        &oauth.client_secret,
                    ),
                    key: key.clone(),
                    event_authorizations: settings.app_token.as_ref().map(|app_token| {
                        EventAuthorizations::new(&settings.slack_api_url, app_token)
                    }),
                }),
                None,
            ),
            _ => {
                let token = settings
                    .bot_token
                    .clone()
                    .context("SLACK_BOT_TOKEN is required")?;
                let slack = connection.with_token(&token);
                let (workspace, team_id, identity) =
                    single_workspace(&settings, &store, slack).await?;
                (Workspaces::Single { workspace, team_id }, Some(identity))
            }
        };
        let verifier = settings.signing_secret.as_ref().map(|secret| {
            SlackEventSignatureVerifier::new(&SlackSigningSecret::new(
                secret.expose_secret().to_string(),
            ))
        });
        let listener = TcpListener::bind(settings.bind)
            .await
            .with_context(|| format!("cannot listen on {} (CLARITY_BIND)", settings.bind))?;
        let port = listener.local_addr()?.port();
        let (ingest_tx, ingest) =
            mpsc::channel(settings.file.workers.ingest_batch.max(1) as usize * 4);
        let state = AppState(std::sync::Arc::new(Inner {
            settings,
            store,
            workspaces,
            connection,
            classifier,
            verifier,
            last_write_failed: std::sync::atomic::AtomicBool::new(false),
            last_ingest_ms: std::sync::atomic::AtomicI64::new(0),
            last_checkpoint_ms: std::sync::atomic::AtomicI64::new(now_ms()),
            inbox_ready: Notify::new(),
            outbox_ready: Notify::new(),
            decision_indexes: Mutex::new(Default::default()),
            metrics: crate::telemetry::metrics_handle(),
            privacy: Default::default(),
            memberships: Default::default(),
        }));
        // Socket Mode serves one workspace; with "Add to Slack" the app
        // token only lists an event's installations.
        let socket = match state.settings.app_token.clone() {
            Some(app_token) if !state.workspaces.is_multi() => Some(
                ingress::socket::SocketMode::connect(&state, &app_token, ingest_tx.clone()).await?,
            ),
            _ => None,
        };
        log_started(&state, &listener, identity.as_ref());
        Ok(Self {
            port,
            listener,
            state,
            ingest,
            ingest_tx,
            shutdown: CancellationToken::new(),
            socket,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn shutdown_handle(&self) -> Shutdown {
        Shutdown(self.shutdown.clone())
    }

    /// Serves until a signal or [`Shutdown::trigger`]; then stops accepting,
    /// persists what was received, and lets the workers finish their step.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let Self {
            listener,
            state,
            ingest,
            ingest_tx,
            shutdown,
            port: _,
            socket,
        } = self;
        let tasks = TaskTracker::new();
        let writer = tokio::spawn(ingress::writer::run(state.clone(), ingest));
        jobs::spawn_all(&tasks, &state, &shutdown);
        tasks.close();

        if state.verifier.is_none() {
            tracing::info!(
                "SLACK_SIGNING_SECRET is unset: the Slack HTTP routes refuse requests; Slack reaches the bot over Socket Mode"
            );
        }
        if let Some(socket) = &socket {
            socket.start().await;
        }
        let app = ingress::http::router(state.clone(), ingest_tx);
        let stop = shutdown.clone();
        ingress::server::serve(listener, app, async move {
            tokio::select! {
                () = stop.cancelled() => {}
                () = os_signal() => {}
            }
        })
        .await;
        if let Some(socket) = socket {
            socket.stop().await;
        }
        // The server and Socket Mode dropped their handles on the writer:
        // it persists what it holds and ends.
        let _ = writer.await;
        shutdown.cancel();
        tasks.wait().await;
        // Nothing writes any more: fold the SQLite log into the database
        // file, so a copy of that file alone is a complete backup.
        if let Err(err) = state.store.checkpoint_truncate().await {
            tracing::warn!(error = %err, "could not checkpoint the SQLite log at stop");
        }
        tracing::info!("clarity-bot stopped");
        Ok(())
    }
}

/// The start-up line: where the bot listens, how Slack reaches it, which
/// database it uses (never the password) and who it is, as `auth.test` said
/// (in multi-workspace mode, each installation is someone else).
fn log_started(state: &AppState, listener: &TcpListener, identity: Option<&Identity>) {
    let address = listener
        .local_addr()
        .map_or_else(|_| state.settings.bind.to_string(), |a| a.to_string());
    let (workspace, bot_user) = match identity {
        Some(identity) => (
            format!("{} ({})", identity.team, identity.team_id),
            match &identity.user {
                Some(name) => format!("{name} ({})", identity.user_id),
                None => identity.user_id.clone(),
            },
        ),
        None => (
            "each installation's (\"Add to Slack\" at /slack/install)".to_string(),
            "each installation's".to_string(),
        ),
    };
    tracing::info!(
        address = %address,
        mode = crate::telemetry::mode(
            state.verifier.is_some(),
            state.settings.app_token.is_some() && !state.workspaces.is_multi()
        ),
        database = crate::telemetry::database_description(
            state.settings.database_url.expose_secret()
        ),
        workspace,
        bot_user,
        "clarity-bot listening"
    );
}

/// Who the one bot token is, as `auth.test` said.
struct Identity {
    team: String,
    team_id: String,
    user: Option<String>,
    user_id: String,
}

/// Single-workspace mode: `auth.test` with the token (start-up fails when
/// it does not work), the workspace served again if it had uninstalled the
/// app, and the inbox an earlier version left decoded.
async fn single_workspace(
    settings: &Settings,
    store: &Store,
    slack: Slack,
) -> anyhow::Result<(Workspace, String, Identity)> {
    let identity = slack.auth_test().await.with_context(|| {
        format!(
            "auth.test at {} failed: check SLACK_BOT_TOKEN and SLACK_API_URL",
            settings.slack_api_url
        )
    })?;
    // The token works: its workspace has the app installed (again).
    if store
        .clear_uninstalled(&identity.team_id.0)
        .await
        .context("while reading which workspaces uninstalled the app")?
    {
        tracing::info!("the app was installed again; this workspace is served again");
    }
    let upgraded = ingress::decode::upgrade_inbox(store, &identity.user_id.0)
        .await
        .context("while reading the inbox an earlier version left")?;
    if upgraded > 0 {
        tracing::info!(
            upgraded,
            "pending events an earlier version stored were decoded"
        );
    }
    let team_id = identity.team_id.0.clone();
    Ok((
        Workspace {
            slack,
            bot_user_id: identity.user_id.0.clone(),
        },
        team_id.clone(),
        Identity {
            team: identity.team,
            team_id,
            user: identity.user,
            user_id: identity.user_id.0,
        },
    ))
}

async fn os_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
