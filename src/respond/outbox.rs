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
    let outcome = match row.method.as_str() {
        "chat.postMessage" => {
            match serde_json::from_str::<SlackApiChatPostMessageRequest>(&row.payload) {
                Ok(request) => match already_posted(state, &row, &request).await {
                    Some(ts) => Ok(Some(ts)),
                    None => state
                        .slack
                        .post_message(&request)
                        .await
                        .map(|response| Some(response.ts.0)),
                },
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
            at: now + i64::try_from(wait.as_millis()).unwrap_or(MAX_BACKOFF_MS),
            error: "rate limited".into(),
            refund: true,
            unanswered: false,
        },
        Err(err @ (CallError::Transient(_) | CallError::Unanswered(_)))
            if row.attempts < i64::from(state.settings.file.workers.outbox_max_attempts) =>
        {
            let unanswered = matches!(err, CallError::Unanswered(_));
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

/// For a row whose earlier claim died mid-call: the ts of the bot's reply if
/// it already reached the thread, so it is not posted twice. Any doubt
/// (no thread, a failed lookup) means post: a lost reply is worse.
async fn already_posted(
    state: &AppState,
    row: &ClaimedOutbox,
    request: &SlackApiChatPostMessageRequest,
) -> Option<String> {
    if !row.abandoned_before {
        return None;
    }
    let thread = request.thread_ts.as_ref()?;
    let messages = state
        .slack
        .replies(&request.channel.0, &thread.0)
        .await
        .ok()?;
    let text = request.content.text.as_deref();
    messages
        .into_iter()
        .find(|m| {
            m.sender
                .user
                .as_ref()
                .is_some_and(|u| u.0 == state.bot_user_id)
                && m.content.text.as_deref() == text
        })
        .map(|m| {
            tracing::info!(
                outbox = row.id,
                "reply found in the thread after an interrupted attempt; not posting again"
            );
            m.origin.ts.0
        })
}
