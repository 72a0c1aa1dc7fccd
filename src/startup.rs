//! `Application::build(settings)`: one build path for production and tests.
//! Binds the listener (port 0 allowed), connects the store, learns the bot's
//! identity, checks the Socket Mode app token if one is set, and starts the
//! workers; `run_until_stopped` serves HTTP (and Socket Mode) until
//! SIGTERM/Ctrl-C or [`Shutdown::trigger`], then lets in-flight work finish
//! and empties the SQLite log into the database file.

use crate::classify::Classifier;
use crate::ingress;
use crate::pipeline;
use crate::respond::outbox;
use crate::settings::Settings;
use crate::slack::api::Slack;
use crate::state::{AppState, Inner, now_ms};
use crate::store::Store;
use anyhow::Context as _;
use secrecy::ExposeSecret;
use slack_morphism::prelude::SlackSigningSecret;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;
use std::future::Future;
use std::time::Duration;
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
        let store = Store::open(&settings, settings.file.database.max_connections).await?;
        let token = settings
            .bot_token
            .clone()
            .context("SLACK_BOT_TOKEN is required")?;
        let slack = Slack::new(&settings.slack_api_url, &token)
            .context("while setting up the Slack client")?;
        let identity = slack.auth_test().await.with_context(|| {
            format!(
                "auth.test at {} failed: check SLACK_BOT_TOKEN and SLACK_API_URL",
                settings.slack_api_url
            )
        })?;
        let upgraded = ingress::decode::upgrade_inbox(&store, &identity.user_id.0)
            .await
            .context("while reading the inbox an earlier version left")?;
        if upgraded > 0 {
            tracing::info!(
                upgraded,
                "pending events an earlier version stored were decoded"
            );
        }
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
            slack,
            classifier,
            verifier,
            bot_user_id: identity.user_id.0,
            bot_team_id: identity.team_id.0,
            last_write_failed: std::sync::atomic::AtomicBool::new(false),
            last_ingest_ms: std::sync::atomic::AtomicI64::new(0),
            last_checkpoint_ms: std::sync::atomic::AtomicI64::new(now_ms()),
            inbox_ready: Notify::new(),
            outbox_ready: Notify::new(),
            decision_indexes: Mutex::new(Default::default()),
            metrics: crate::telemetry::metrics_handle(),
            privacy: Default::default(),
        }));
        let socket = match state.settings.app_token.clone() {
            Some(app_token) => Some(
                ingress::socket::SocketMode::connect(&state, &app_token, ingest_tx.clone()).await?,
            ),
            None => None,
        };
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
            port,
            socket,
        } = self;
        tracing::info!(
            port,
            database = state.settings.database_backend(),
            "clarity-bot listening"
        );
        let tasks = TaskTracker::new();
        let writer = tokio::spawn(ingress::writer::run(state.clone(), ingest));
        tasks.spawn(worker_loop(state.clone(), shutdown.clone(), Job::Inbox));
        tasks.spawn(worker_loop(state.clone(), shutdown.clone(), Job::Outbox));
        tasks.spawn(worker_loop(
            state.clone(),
            shutdown.clone(),
            Job::Maintenance,
        ));
        tasks.spawn(crate::digest::job::run_loop(
            state.clone(),
            shutdown.clone(),
        ));
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

#[derive(Clone, Copy, Debug)]
enum Job {
    Inbox,
    Outbox,
    Maintenance,
}

/// Runs a job's single step again and again: at once while there is work,
/// when notified, or on the poll interval. A failing step is logged and
/// retried on the next tick; shutdown is honoured between steps.
async fn worker_loop(state: AppState, shutdown: CancellationToken, job: Job) {
    let poll = Duration::from_millis(state.settings.file.workers.poll_interval_ms.max(10));
    // Set when events kept arriving for a whole deferral: then the backlog
    // is worked off step after step, or a steady stream would leave the
    // worker one step per second, falling further behind.
    let mut catching_up = false;
    loop {
        if !matches!(job, Job::Maintenance) && !catching_up {
            catching_up = !yield_to_ingest(&state).await;
        }
        let result = match job {
            Job::Inbox => pipeline::run_once(&state, now_ms()).await,
            Job::Outbox => outbox::run_once(&state, now_ms()).await,
            Job::Maintenance => maintenance(&state).await,
        };
        record_write_outcome(&state, job, &result);
        let busy = match result {
            Ok(n) => n > 0,
            Err(err) => {
                tracing::error!(job = ?job, error = format!("{err:#}"), "worker step failed");
                false
            }
        };
        if shutdown.is_cancelled() {
            break;
        }
        if busy {
            continue;
        }
        catching_up = false;
        let wake: std::pin::Pin<Box<dyn Future<Output = ()> + Send>> = match job {
            Job::Inbox => Box::pin(state.inbox_ready.notified()),
            Job::Outbox => Box::pin(state.outbox_ready.notified()),
            Job::Maintenance => Box::pin(tokio::time::sleep(Duration::from_secs(3600))),
        };
        tokio::select! {
            () = wake => {}
            () = tokio::time::sleep(poll) => {}
            () = shutdown.cancelled() => break,
        }
    }
}

/// Readiness follows the inbox and outbox workers' writes: a step that
/// claimed rows wrote them (and settled them), and a failed step failed on
/// the database (their errors are the store's). A step that found nothing
/// wrote nothing and says nothing; maintenance touches Slack too.
fn record_write_outcome(state: &AppState, job: Job, result: &anyhow::Result<usize>) {
    let failed = match (job, result) {
        (Job::Maintenance, _) | (_, Ok(0)) => return,
        (_, Ok(_)) => false,
        (_, Err(_)) => true,
    };
    state
        .last_write_failed
        .store(failed, std::sync::atomic::Ordering::Relaxed);
}

/// How long the writer must have been idle before workers take the CPU and
/// the database from it.
const INGEST_QUIET: Duration = Duration::from_millis(20);
/// The longest a worker defers to a burst of incoming events.
const MAX_DEFER: Duration = Duration::from_secs(1);

/// Whether events were persisted within the last [`INGEST_QUIET`].
fn ingest_active(state: &AppState) -> bool {
    let quiet_ms = i64::try_from(INGEST_QUIET.as_millis()).unwrap_or(20);
    now_ms()
        - state
            .last_ingest_ms
            .load(std::sync::atomic::Ordering::Relaxed)
        < quiet_ms
}

/// Acknowledgements have a 3-second deadline and replies do not: while
/// events arrive back to back, wait (at most [`MAX_DEFER`]) for a pause.
/// Says whether there was one.
async fn yield_to_ingest(state: &AppState) -> bool {
    let started = std::time::Instant::now();
    while ingest_active(state) {
        if started.elapsed() >= MAX_DEFER {
            return false;
        }
        tokio::time::sleep(INGEST_QUIET).await;
    }
    true
}

/// Hourly upkeep: forget thread context past its retention; remind the
/// owners of open questions past their due date.
async fn maintenance(state: &AppState) -> anyhow::Result<usize> {
    let days = i64::from(state.settings.file.threads.context_retention_days);
    state
        .store
        .prune_thread_context(now_ms() - days * 24 * 3600 * 1000)
        .await?;
    crate::reminders::run_once(state, now_ms()).await?;
    Ok(0)
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
