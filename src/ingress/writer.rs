//! The group-commit writer: events from every request are gathered and
//! persisted in one transaction, then each request learns it may acknowledge.
//! One transaction per event could not keep up with Slack's bursts.

use crate::state::{AppState, IngestRequest, now_ms};
use tokio::sync::mpsc;

/// Runs until every sender is gone (the HTTP server stopped), then returns.
pub async fn run(state: AppState, mut requests: mpsc::Receiver<IngestRequest>) {
    let max_batch = state.settings.file.workers.ingest_batch.max(1) as usize;
    let mut batch = Vec::with_capacity(max_batch);
    while requests.recv_many(&mut batch, max_batch).await > 0 {
        let events: Vec<_> = batch.iter().map(|r| r.event.clone()).collect();
        let started = std::time::Instant::now();
        let result = state.store.insert_events(&events, now_ms()).await;
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
