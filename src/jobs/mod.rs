//! The job registry: every step the bot runs in the background and the
//! loops around them. Each step is a single `run_once(&state, now)` in the
//! module that owns it: the inbox, [`pipeline::run_once`]; the one sender,
//! [`outbox::run_once`]; App Home tabs a change made out of date,
//! [`home::run_once`]; the hourly `maintenance` (thread context past
//! its retention, [`lifecycle::run_once`]'s retention and uninstalls, then
//! [`reminders::run_once`] and [`reception::run_once`]); the weekly digest,
//! `digest::job::run_due`, whose loop and by-hand twin `clarity-bot digest`
//! are in [`digest`]. Tests call the steps with the time they choose and
//! never wait for a timer; a loop here only schedules its step, survives a
//! failing one, and stops on shutdown.

pub mod digest;

use crate::home;
use crate::lifecycle;
use crate::pipeline;
use crate::reception;
use crate::reminders;
use crate::respond::outbox;
use crate::state::{AppState, now_ms};
use std::future::Future;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Starts every job's loop on `tasks`; each stops once `shutdown` is
/// cancelled and its step in progress has finished.
pub fn spawn_all(tasks: &TaskTracker, state: &AppState, shutdown: &CancellationToken) {
    for job in [Job::Inbox, Job::Outbox, Job::Homes, Job::Maintenance] {
        tasks.spawn(worker_loop(state.clone(), shutdown.clone(), job));
    }
    tasks.spawn(digest::run_loop(state.clone(), shutdown.clone()));
}

/// The steps that run again and again, each a `run_once(&state, now)` of
/// its own module.
#[derive(Clone, Copy, Debug)]
enum Job {
    /// [`pipeline::run_once`]: the inbox, event by event.
    Inbox,
    /// [`outbox::run_once`]: the one sender.
    Outbox,
    /// [`home::run_once`]: App Home tabs out of date, on the poll interval.
    Homes,
    /// [`maintenance`]: hourly upkeep.
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
            Job::Homes => home::run_once(&state, now_ms()).await,
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
            Job::Homes => Box::pin(std::future::pending()),
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
/// wrote nothing and says nothing; maintenance and Home tabs touch Slack
/// too.
fn record_write_outcome(state: &AppState, job: Job, result: &anyhow::Result<usize>) {
    let failed = match (job, result) {
        (Job::Maintenance | Job::Homes, _) | (_, Ok(0)) => return,
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

/// Hourly upkeep: forget thread context past its retention, and what
/// `[retention]` says goes; remind the owners of open questions past their
/// due date; note to decisions' owners their reception of the day before.
async fn maintenance(state: &AppState) -> anyhow::Result<usize> {
    let days = i64::from(state.settings.file.threads.context_retention_days);
    state
        .store
        .prune_thread_context(now_ms() - days * 24 * 3600 * 1000)
        .await?;
    lifecycle::run_once(state, now_ms()).await?;
    reminders::run_once(state, now_ms()).await?;
    reception::run_once(state, now_ms()).await?;
    Ok(0)
}
