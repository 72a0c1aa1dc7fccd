//! The group-commit writer: events from every request are gathered and
//! persisted in one transaction, then each request learns it may acknowledge.
//! One transaction per event could not keep up with Slack's bursts.
//!
//! [`accept`] is the one way into it, for HTTP and Socket Mode alike: each
//! hands it an event already decoded ([`super::decode`]).

use crate::domain::Incoming;
use crate::state::{AppState, IngestRequest, now_ms};
use crate::store::NewEvent;
use tokio::sync::{mpsc, oneshot};

/// What became of an event offered to the inbox; either way it may be
/// acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Durable in the inbox (or already there: a retry).
    Persisted,
    /// A type the pipeline does not act on.
    Ignored,
}

/// The event could not be persisted: it must not be acknowledged, so that
/// Slack delivers it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the event could not be persisted; it was not acknowledged")]
pub struct NotPersisted;

/// Offers one decoded event to the inbox: `None` (a type the pipeline does
/// not act on) is dropped; anything else is handed to the writer, and this
/// returns only once it is durable.
pub async fn accept(
    ingest: &mpsc::Sender<IngestRequest>,
    team_id: String,
    event_id: String,
    incoming: Option<Incoming>,
) -> Result<Accepted, NotPersisted> {
    let Some(incoming) = incoming else {
        metrics::counter!("clarity_events_ignored_total").increment(1);
        return Ok(Accepted::Ignored);
    };
    let event = NewEvent {
        team_id,
        event_id,
        payload: serde_json::to_string(&incoming).map_err(|_| NotPersisted)?,
    };
    let (done, persisted) = oneshot::channel();
    ingest
        .send(IngestRequest { event, done })
        .await
        .map_err(|_| NotPersisted)?;
    match persisted.await {
        Ok(Ok(())) => Ok(Accepted::Persisted),
        Ok(Err(())) | Err(_) => Err(NotPersisted),
    }
}

/// Runs until every sender is gone (the HTTP server and Socket Mode
/// stopped), then returns.
pub async fn run(state: AppState, mut requests: mpsc::Receiver<IngestRequest>) {
    let max_batch = state.settings.file.workers.ingest_batch.max(1) as usize;
    let mut batch = Vec::with_capacity(max_batch);
    while requests.recv_many(&mut batch, max_batch).await > 0 {
        let events: Vec<_> = batch.iter().map(|r| r.event.clone()).collect();
        let started = std::time::Instant::now();
        let result = state.store.insert_events(&events, now_ms()).await;
        state
            .last_write_failed
            .store(result.is_err(), std::sync::atomic::Ordering::Relaxed);
        state
            .last_ingest_ms
            .store(now_ms(), std::sync::atomic::Ordering::Relaxed);
        metrics::histogram!("clarity_ingest_commit_seconds")
            .record(started.elapsed().as_secs_f64());
        metrics::histogram!("clarity_ingest_batch_events").record(events.len() as f64);
        match &result {
            Ok(inserted) => {
                let duplicates = events.len() as u64 - inserted;
                if duplicates > 0 {
                    metrics::counter!("clarity_events_deduplicated_total").increment(duplicates);
                }
                if *inserted > 0 {
                    state.inbox_ready.notify_one();
                }
            }
            Err(err) => {
                tracing::error!(error = %err, events = events.len(), "could not persist events; not acknowledging them")
            }
        }
        for request in batch.drain(..) {
            let _ = request
                .done
                .send(result.as_ref().map(|_| ()).map_err(|_| ()));
        }
    }
}
