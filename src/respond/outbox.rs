//! The outbox sender: claims due rows, makes the Slack call, and records the
//! outcome. HTTP 429 waits `Retry-After` (without using up an attempt);
//! transient failures back off exponentially; errors retrying cannot fix
//! (`channel_not_found`, `not_in_channel`…) are logged once and given up.

use crate::respond::slack_api::CallError;
use crate::state::AppState;
use crate::store::{ClaimedOutbox, Settlement};
use futures::StreamExt;
use slack_morphism::prelude::*;

/// The longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 5 * 60 * 1000;

/// Sends what is due. Returns how many rows were claimed.
pub async fn run_once(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let concurrency = state.settings.file.workers.outbox_concurrency.max(1) as usize;
    let lease_ms = i64::try_from(state.settings.file.workers.lease_ms).unwrap_or(i64::MAX / 2);
    let rows = state
        .store
        .claim_outbox(now, lease_ms, (concurrency * 8) as i64)
        .await?;
    let claimed = rows.len();
    let settlements: Vec<Settlement> = futures::stream::iter(rows)
        .map(|row| send(state, row))
        .buffer_unordered(concurrency)
        .collect()
        .await;
    state
        .store
        .settle_outbox(&settlements, crate::state::now_ms())
        .await?;
    Ok(claimed)
}

/// Makes one call and says what became of it.
async fn send(state: &AppState, row: ClaimedOutbox) -> Settlement {
    // Set when the earlier attempt may have reached Slack and the check for
    // its reply did not answer: the doubt stays for the next attempt.
    let mut still_in_doubt = false;
    let outcome = match row.method.as_str() {
        "chat.postMessage" => {
            match serde_json::from_str::<SlackApiChatPostMessageRequest>(&row.payload) {
                Ok(mut request) => {
                    mark(&mut request, row.id);
                    match already_posted(state, &row, &request).await {
                        Ok(Some(ts)) => Ok(Some(ts)),
                        Ok(None) => state
                            .slack
                            .post_message(&request)
                            .await
                            .map(|response| Some(response.ts.0)),
                        Err(err) => {
                            still_in_doubt = true;
                            Err(err)
                        }
                    }
                }
                Err(_) => Err(CallError::Permanent("stored payload does not parse".into())),
            }
        }
        "chat.delete" => match serde_json::from_str::<SlackApiChatDeleteRequest>(&row.payload) {
            // A reply already gone is what we wanted.
            Ok(request) => match state.slack.delete_message(&request).await {
                Err(CallError::Permanent(code)) if code == "message_not_found" => Ok(None),
                other => other.map(|()| None),
            },
            Err(_) => Err(CallError::Permanent("stored payload does not parse".into())),
        },
        "chat.update" => match serde_json::from_str::<SlackApiChatUpdateRequest>(&row.payload) {
            Ok(request) => state.slack.update_message(&request).await.map(|()| None),
            Err(_) => Err(CallError::Permanent("stored payload does not parse".into())),
        },
        other => Err(CallError::Permanent(format!(
            "unknown outbox method {other}"
        ))),
    };
    let now = crate::state::now_ms();
    match outcome {
        Ok(ts) => {
            if row.flag_id.is_some() {
                metrics::counter!("clarity_flags_posted_total").increment(1);
            }
            Settlement::Sent {
                id: row.id,
                flag_id: row.flag_id,
                ts,
            }
        }
        Err(CallError::RateLimited(wait)) => Settlement::Retry {
            id: row.id,
            at: now + rate_limit_wait_ms(wait),
            error: "rate limited".into(),
            refund: true,
            unanswered: still_in_doubt,
        },
        Err(err @ (CallError::Transient(_) | CallError::Unanswered(_)))
            if row.attempts < i64::from(state.settings.file.workers.outbox_max_attempts) =>
        {
            let unanswered = still_in_doubt || matches!(err, CallError::Unanswered(_));
            let reason = err.to_string();
            let backoff = (1000_i64 << row.attempts.clamp(0, 16)).min(MAX_BACKOFF_MS);
            tracing::warn!(outbox = row.id, attempt = row.attempts, %reason, "Slack call failed; retrying");
            Settlement::Retry {
                id: row.id,
                at: now + backoff,
                error: reason,
                refund: false,
                unanswered,
            }
        }
        Err(err) => {
            tracing::error!(outbox = row.id, method = %row.method, error = %err, "Slack call given up");
            Settlement::Failed {
                id: row.id,
                error: err.to_string(),
            }
        }
    }
}

/// The metadata Slack keeps with a reply the bot posts: the outbox row it
/// came from, so the check after an unanswered attempt recognizes exactly
/// this reply.
const REPLY_MARKER: &str = "clarity_reply";

fn mark(request: &mut SlackApiChatPostMessageRequest, outbox_id: i64) {
    if request.content.metadata.is_none() {
        request.content.metadata = Some(SlackMessageMetadata {
            event_type: REPLY_MARKER.into(),
            event_payload: Some([("outbox".to_string(), outbox_id.to_string())].into()),
        });
    }
}

/// How long to wait after a 429: what `Retry-After` says, but at least a
/// second (Slack may say 0, or nothing) and at most [`MAX_BACKOFF_MS`]; the
/// row waits in the outbox meanwhile, so nothing is lost.
fn rate_limit_wait_ms(retry_after: std::time::Duration) -> i64 {
    i64::try_from(retry_after.as_millis())
        .unwrap_or(MAX_BACKOFF_MS)
        .clamp(1000, MAX_BACKOFF_MS)
}

/// For a row whose earlier claim died mid-call (or got no answer): the ts
/// of the bot's reply if it already reached the thread, so it is not posted
/// twice. Only an answered check that shows no such reply allows a post; a
/// check that fails (429, 5xx, no answer) is retried like any call.
async fn already_posted(
    state: &AppState,
    row: &ClaimedOutbox,
    request: &SlackApiChatPostMessageRequest,
) -> Result<Option<String>, CallError> {
    if !row.abandoned_before {
        return Ok(None);
    }
    let Some(thread) = request.thread_ts.as_ref() else {
        return Ok(None);
    };
    let messages = match state.slack.replies(&request.channel.0, &thread.0).await {
        Ok(messages) => messages,
        // Slack answered: the thread holds no reply of ours (or cannot take one).
        Err(CallError::Permanent(_)) => return Ok(None),
        Err(err) => {
            tracing::warn!(outbox = row.id, error = %err, "could not check the thread for an earlier reply; will check again");
            return Err(err);
        }
    };
    let outbox = row.id.to_string();
    let text = request.content.text.as_deref();
    Ok(messages
        .into_iter()
        .find(|m| {
            let marked = m.content.metadata.as_ref().is_some_and(|meta| {
                meta.event_type == REPLY_MARKER
                    && meta
                        .event_payload
                        .as_ref()
                        .and_then(|p| p.get("outbox"))
                        .is_some_and(|id| *id == outbox)
            });
            let same_text = m
                .sender
                .user
                .as_ref()
                .is_some_and(|u| u.0 == state.bot_user_id)
                && m.content.text.as_deref() == text;
            marked || same_text
        })
        .map(|m| {
            tracing::info!(
                outbox = row.id,
                "reply found in the thread after an interrupted attempt; not posting again"
            );
            m.origin.ts.0
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_rate_limit_waits_at_least_a_second_and_at_most_the_longest_backoff() {
        assert_eq!(rate_limit_wait_ms(Duration::ZERO), 1000);
        assert_eq!(rate_limit_wait_ms(Duration::from_millis(300)), 1000);
        assert_eq!(rate_limit_wait_ms(Duration::from_secs(30)), 30_000);
        assert_eq!(
            rate_limit_wait_ms(Duration::from_secs(86_400)),
            MAX_BACKOFF_MS
        );
    }
}
