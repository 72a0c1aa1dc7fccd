//! The one sender: claims due outbox rows, makes each one's Slack call, and
//! records the outcome, the same for every kind of [`Outgoing`] and for
//! `clarity-bot digest --post` (which calls [`send`] on the row it queued).
//! HTTP 429 waits `Retry-After` (without using up an attempt); transient
//! failures back off exponentially; errors retrying cannot fix
//! (`channel_not_found`, `not_in_channel`…) are logged once and given up. A
//! post whose earlier attempt may have reached Slack is looked for in its
//! thread before it is posted again.

use crate::respond::outgoing::{Call, Outgoing};
use crate::slack::api::{CallError, Slack};
use crate::state::AppState;
use crate::store::{ClaimedOutbox, SentKind, Settlement};
use futures::StreamExt;
use slack_morphism::prelude::*;
use std::collections::HashMap;

/// The longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 5 * 60 * 1000;

/// What sending needs: the Web API, the bot's own user id (to recognize
/// its reply in a thread) and how many attempts a row gets.
#[derive(Clone, Copy)]
pub struct Sender<'a> {
    pub slack: &'a Slack,
    pub bot_user_id: &'a str,
    pub max_attempts: u32,
}

/// Sends what is due. Returns how many rows were claimed.
pub async fn run_once(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let workers = &state.settings.file.workers;
    let concurrency = workers.outbox_concurrency.max(1) as usize;
    let lease_ms = i64::try_from(workers.lease_ms).unwrap_or(i64::MAX / 2);
    let rows = state
        .store
        .claim_outbox(now, lease_ms, (concurrency * 8) as i64)
        .await?;
    let claimed = rows.len();
    // Each row goes out with its workspace's token (its installation's, in
    // multi-workspace mode), looked up once per step.
    let mut workspaces = HashMap::new();
    for row in &rows {
        if !workspaces.contains_key(&row.team_id) {
            let workspace = state.workspace(&row.team_id).await;
            workspaces.insert(row.team_id.clone(), workspace.map_err(CallError::from));
        }
    }
    let max_attempts = workers.outbox_max_attempts;
    let settlements: Vec<Settlement> = futures::stream::iter(rows)
        .map(|row| {
            let workspace = workspaces.get(&row.team_id);
            async move {
                match workspace {
                    Some(Ok(workspace)) => {
                        let sender = Sender {
                            slack: &workspace.slack,
                            bot_user_id: &workspace.bot_user_id,
                            max_attempts,
                        };
                        send(sender, row).await
                    }
                    // Its earlier attempt's doubt, if any, stays with it.
                    Some(Err(err)) => {
                        settle(&row, Err(err.clone()), row.abandoned_before, max_attempts)
                    }
                    None => settle(
                        &row,
                        Err(CallError::Transient("no workspace looked up".into())),
                        row.abandoned_before,
                        max_attempts,
                    ),
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    state
        .store
        .settle_outbox(&settlements, crate::state::now_ms())
        .await?;
    Ok(claimed)
}

/// Makes one claimed row's call and says what became of it; the caller
/// settles it.
pub async fn send(sender: Sender<'_>, row: ClaimedOutbox) -> Settlement {
    // Set when the earlier attempt may have reached Slack and the check for
    // its reply did not answer: the doubt stays for the next attempt.
    let mut still_in_doubt = false;
    let outcome = match Outgoing::from_row(&row) {
        Ok(outgoing) => {
            let sent = match outgoing.call() {
                Call::Post(mut request) => {
                    mark(&mut request, row.id);
                    match already_posted(sender, &row, &request).await {
                        Ok(Some(ts)) => Ok(Some(ts)),
                        Ok(None) => sender
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
                Call::Update(request) => sender.slack.update_message(&request).await.map(|()| None),
                // A message already gone is what we wanted.
                Call::Delete(request) => match sender.slack.delete_message(&request).await {
                    Err(CallError::Permanent(code)) if code == "message_not_found" => Ok(None),
                    other => other.map(|()| None),
                },
            };
            sent.map(|ts| (outgoing.sent_kind(), ts))
        }
        Err(unreadable) => Err(CallError::Permanent(unreadable.to_string())),
    };
    settle(&row, outcome, still_in_doubt, sender.max_attempts)
}

/// What becomes of a row after its call's `outcome`.
fn settle(
    row: &ClaimedOutbox,
    outcome: Result<(SentKind, Option<String>), CallError>,
    still_in_doubt: bool,
    max_attempts: u32,
) -> Settlement {
    let now = crate::state::now_ms();
    match outcome {
        Ok((kind, ts)) => {
            if matches!(kind, SentKind::FlagReply { .. }) {
                metrics::counter!("clarity_flags_posted_total").increment(1);
            }
            Settlement::Sent {
                id: row.id,
                kind,
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
            if row.attempts < i64::from(max_attempts) =>
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
            tracing::error!(outbox = row.id, kind = %row.kind, error = %err, "Slack call given up");
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
    sender: Sender<'_>,
    row: &ClaimedOutbox,
    request: &SlackApiChatPostMessageRequest,
) -> Result<Option<String>, CallError> {
    if !row.abandoned_before {
        return Ok(None);
    }
    let Some(thread) = request.thread_ts.as_ref() else {
        return Ok(None);
    };
    let messages = match sender.slack.replies(&request.channel.0, &thread.0).await {
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
                .is_some_and(|u| u.0 == sender.bot_user_id)
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
