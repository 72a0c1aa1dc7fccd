//! The one path from a persisted event to a planned reply: read what
//! ingress decoded ([`Incoming`]) → learn what it says of its channel's
//! privacy → keep only people's channel messages (an edit of a flagged
//! one revisits its reply; a deletion, a deleted channel, a person gone or
//! an uninstall is `lifecycle`'s to forget) → thread context → classify with the
//! channel's decision log → record decisions → noise policy → store the
//! flag and queue its reply (the question with its buttons, or, for an ask
//! on a topic the log has decided or a "let's revisit" of it, that decision
//! with *Keep the decision* and *Supersede it*), in one transaction this
//! module drives: the store decides nothing and calls nothing back. After
//! the decision: a decision stated without its reasoning gets the one
//! question to its owner, and confusion or disagreement in its thread (or
//! about its topic in its channel) is stored as its reception.
//!
//! [`run_once`] is the inbox worker's single step; the loop around it is in
//! `jobs`.

use crate::classify::{Context, DecisionIndex, RECENT_DECISION, decisions};
use crate::domain::{
    Assessment, DecidedBy, DecisionSource, Incoming, Kind, MARKER_RULE, Message, Skipped,
};
use crate::lifecycle;
use crate::respond::blocks::{AskWhy, Reply};
use crate::respond::outgoing::Outgoing;
use crate::state::AppState;
use crate::store::{
    ClaimedEvent, DecisionRow, FactsQuery, NewDecision, NewFlag, NewOutboxMessage, NewReception,
    Supersede, ThreadContext,
};
use std::collections::{BTreeMap, HashSet};

/// Processing attempts before an event is given up.
const MAX_ATTEMPTS: i64 = 5;
/// Assessments scoring below this are not stored at all.
const STORE_FLOOR: f64 = 0.2;

/// Top-level messages waiting to be remembered as thread roots, per team:
/// channel, ts, text and author.
type PendingRoots = BTreeMap<String, Vec<(String, String, String, String)>>;

/// What one step carries from event to event.
#[derive(Default)]
struct Step {
    roots: PendingRoots,
    /// Channels whose decision index was brought up to date in this step.
    fresh_indexes: HashSet<(String, String)>,
    /// Workspaces that uninstalled the app: their events are dropped.
    uninstalled: HashSet<String>,
}

/// Claims pending events and processes them in order. Returns how many
/// events were claimed (0 means the inbox is empty).
pub async fn run_once(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let limit = i64::from(state.settings.file.workers.inbox_batch.max(1));
    let lease_ms = i64::try_from(state.settings.file.workers.lease_ms).unwrap_or(i64::MAX / 2);
    let events = state.store.claim_events(now, lease_ms, limit).await?;
    let mut done = Vec::with_capacity(events.len());
    let mut step = Step::default();
    if !events.is_empty() {
        step.uninstalled = state.store.uninstalled_teams().await?;
    }
    for event in &events {
        match process(state, event, now, &mut step).await {
            Ok(()) => done.push(event.id),
            Err(err) => {
                tracing::error!(
                    event = event.id,
                    attempt = event.attempts,
                    error = format!("{err:#}"),
                    "event processing failed"
                );
                state
                    .store
                    .fail_event(event.id, &format!("{err:#}"), MAX_ATTEMPTS)
                    .await?;
            }
        }
    }
    flush_roots(state, &mut step.roots, now).await?;
    state.store.finish_events(&done, now).await?;
    if !events.is_empty() {
        checkpoint_when_quiet(state, now).await?;
    }
    Ok(events.len())
}

/// Checkpoints the SQLite log when no events have arrived for a moment (the
/// checkpoint's fsync would stall acknowledgements), at most once a second
/// (each costs an fsync, and a backlog is worked off in many steps), and at
/// least once a minute so the log cannot grow without bound under constant
/// load.
async fn checkpoint_when_quiet(state: &AppState, now: i64) -> anyhow::Result<()> {
    use std::sync::atomic::Ordering::Relaxed;
    const QUIET_MS: i64 = 250;
    const AT_MOST_EVERY_MS: i64 = 1_000;
    const AT_LEAST_EVERY_MS: i64 = 60_000;
    let since = now - state.last_checkpoint_ms.load(Relaxed);
    let quiet = now - state.last_ingest_ms.load(Relaxed) >= QUIET_MS;
    if (quiet && since >= AT_MOST_EVERY_MS) || since >= AT_LEAST_EVERY_MS {
        state.store.checkpoint().await?;
        state.last_checkpoint_ms.store(now, Relaxed);
    }
    Ok(())
}

/// Before something is forgotten: the roots this step buffered are
/// written first (so what the forgetting deletes is not written after it),
/// and every decision index is read afresh at its next use.
async fn forgetting(state: &AppState, step: &mut Step, now: i64) -> anyhow::Result<()> {
    flush_roots(state, &mut step.roots, now).await?;
    step.fresh_indexes.clear();
    Ok(())
}

async fn flush_roots(state: &AppState, roots: &mut PendingRoots, now: i64) -> anyhow::Result<()> {
    for (team, rows) in std::mem::take(roots) {
        state.store.remember_roots(&team, &rows, now).await?;
    }
    Ok(())
}

async fn process(
    state: &AppState,
    event: &ClaimedEvent,
    now: i64,
    step: &mut Step,
) -> anyhow::Result<()> {
    if step.uninstalled.contains(&event.team_id) {
        // Nothing is done for a workspace that uninstalled the app.
        metrics::counter!("clarity_events_skipped_total", "reason" => "uninstalled").increment(1);
        return Ok(());
    }
    // The inbox holds what ingress decoded; the team is a column.
    let incoming: Incoming = match serde_json::from_str(&event.payload) {
        Ok(incoming) => incoming,
        Err(err) => {
            tracing::warn!(event = event.id, error.category = ?err.classify(), "an inbox row that does not read; ignored");
            metrics::counter!("clarity_events_malformed_total", "kind" => "unreadable")
                .increment(1);
            return Ok(());
        }
    };
    if incoming == Incoming::Malformed {
        tracing::warn!(
            event = event.id,
            kind = "message",
            "a malformed event (its fields do not have Slack's shape); ignored"
        );
        metrics::counter!("clarity_events_malformed_total", "kind" => "message").increment(1);
        return Ok(());
    }
    // What Slack says of the channel, before anything reads its privacy.
    learn_privacy(state, &event.team_id, &incoming, now).await?;
    let skipped = |reason: Skipped| {
        metrics::counter!("clarity_events_skipped_total", "reason" => reason.as_str()).increment(1);
        Ok(())
    };
    let message = match incoming {
        Incoming::Said {
            message,
            said_private: Some(_),
        } => message,
        Incoming::Said {
            mut message,
            said_private: None,
        } => {
            message.channel_private =
                crate::privacy::is_private(state, &message.team_id, &message.channel_id, now).await;
            message
        }
        Incoming::Deleted { channel_id, ts, .. } => {
            forgetting(state, step, now).await?;
            return lifecycle::message_deleted(
                state,
                (&event.team_id, &channel_id, &ts),
                event.id,
                now,
            )
            .await;
        }
        Incoming::ChannelDeleted { channel_id } => {
            forgetting(state, step, now).await?;
            return lifecycle::channel_deleted(state, &event.team_id, &channel_id, event.id, now)
                .await;
        }
        Incoming::PersonGone { user_id } => {
            forgetting(state, step, now).await?;
            return lifecycle::person_gone(state, &event.team_id, &user_id, event.id).await;
        }
        Incoming::Uninstalled => {
            forgetting(state, step, now).await?;
            step.uninstalled.insert(event.team_id.clone());
            return lifecycle::uninstalled(state, &event.team_id, now).await;
        }
        Incoming::Edited {
            channel_id,
            ts,
            text,
            ..
        } => {
            return reassess_edit(state, &event.team_id, &channel_id, &ts, &text, now).await;
        }
        Incoming::Mentioned { message } => {
            return crate::mentions::answer(state, &message, now).await;
        }
        Incoming::BotJoined { channel_id } => {
            return crate::greeting::joined(state, &event.team_id, &channel_id, now).await;
        }
        Incoming::HomeOpened { user_id } => {
            return crate::home::publish(state, &event.team_id, &user_id, None, now).await;
        }
        Incoming::BotLeft { channel_id } => {
            return crate::greeting::left(state, &event.team_id, &channel_id, now).await;
        }
        Incoming::Skipped { reason, .. } => return skipped(reason),
        Incoming::ChannelShared { .. } | Incoming::PrivateChannel { .. } | Incoming::Malformed => {
            return skipped(Skipped::NotAMessage);
        }
    };

    let thread = if message.is_reply() {
        // The root may be waiting in this batch's buffer.
        flush_roots(state, &mut step.roots, now).await?;
        thread_context(state, &message, now).await?
    } else {
        ThreadContext::default()
    };
    let assessment = assess_in_channel(
        state,
        &mut step.fresh_indexes,
        (&message.team_id, &message.channel_id),
        &message.text,
        &thread,
        now,
    )
    .await?;
    metrics::counter!("clarity_assessments_total", "kind" => assessment.kind.as_str()).increment(1);

    if !message.is_reply() {
        step.roots
            .entry(message.team_id.clone())
            .or_default()
            .push((
                message.channel_id.clone(),
                message.ts.clone(),
                message.text.clone(),
                message.user_id.clone(),
            ));
    }

    if assessment.joins_log() {
        record_decision(state, &message, &assessment, thread, now).await?;
        // The next message in this channel must see the new decision.
        step.fresh_indexes
            .remove(&(message.team_id.clone(), message.channel_id.clone()));
    }

    let worth_storing = matches!(
        assessment.kind,
        Kind::AlignmentRequest | Kind::Confusion | Kind::Disagreement
    ) && assessment.score >= STORE_FLOOR;
    // A "let's revisit" is answered like an ask on a decided topic.
    let surfacing = state.settings.file.threads.surface_decisions;
    let reopened = match reopen_span(&assessment).filter(|_| surfacing) {
        Some(span) => {
            // What comes after "let's revisit" names what is reopened.
            let rest = message.text.get(span.end..).unwrap_or_default();
            let named = rest
                .split(['.', '?', '!', ',', ';', '\n'])
                .next()
                .unwrap_or_default();
            decision_about(state, &mut step.fresh_indexes, &message, named).await?
        }
        None => None,
    };
    if worth_storing || reopened.is_some() {
        store_flag(state, &message, &assessment, reopened, now).await?;
    }
    if worth_storing && matches!(assessment.kind, Kind::Confusion | Kind::Disagreement) {
        record_reception(
            state,
            &mut step.fresh_indexes,
            &message,
            assessment.kind,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Where a message asks to revisit or reconsider what was decided, if it does.
fn reopen_span(assessment: &Assessment) -> Option<std::ops::Range<usize>> {
    assessment
        .reasons
        .iter()
        .find(|reason| reason.rule == REOPEN_RULE)
        .map(|reason| reason.span.clone())
}

/// The rule that reads "let's revisit / reconsider …".
const REOPEN_RULE: &str = "uncertainty.reopened";

/// The current decision a message is about: its thread's (a decision made
/// or recorded there), else the channel's decision that `named` (some of
/// its words), or else all of them, name.
async fn decision_about(
    state: &AppState,
    fresh: &mut HashSet<(String, String)>,
    message: &Message,
    named: &str,
) -> anyhow::Result<Option<DecisionRow>> {
    if message.is_reply()
        && let Some(decision) = state
            .store
            .thread_decision(&message.team_id, &message.channel_id, message.thread_root())
            .await?
    {
        return Ok(Some(decision));
    }
    let found = {
        let mut indexes = state.decision_indexes.lock().await;
        let index = refreshed_index(
            state,
            &mut indexes,
            fresh,
            &message.team_id,
            &message.channel_id,
        )
        .await?;
        index
            .lookup(named)
            .or_else(|| index.lookup(&message.text))
            .map(|hit| hit.id)
    };
    match found {
        Some(id) => Ok(state.store.current_decision(&message.team_id, id).await?),
        None => Ok(None),
    }
}

/// Confusion or disagreement about a decision (not by its owner): stored
/// with a link to the message, for the owner's daily note.
async fn record_reception(
    state: &AppState,
    fresh: &mut HashSet<(String, String)>,
    message: &Message,
    kind: Kind,
    now: i64,
) -> anyhow::Result<()> {
    let Some(decision) = decision_about(state, fresh, message, &message.text).await? else {
        return Ok(());
    };
    if decision.owner.as_deref() == Some(message.user_id.as_str()) {
        return Ok(());
    }
    let permalink = permalink(state, message).await;
    state
        .store
        .insert_reception(
            &NewReception {
                team_id: message.team_id.clone(),
                channel_id: message.channel_id.clone(),
                message_ts: message.ts.clone(),
                decision_id: decision.id,
                user_id: message.user_id.clone(),
                kind: kind.as_str().to_string(),
                permalink,
            },
            now,
        )
        .await?;
    Ok(())
}

/// The thread's root and decision statements: from what the bot has seen,
/// or, for a thread older than the bot, from `conversations.replies`. A
/// failed fetch means no context, never a lost event.
async fn thread_context(
    state: &AppState,
    message: &Message,
    now: i64,
) -> anyhow::Result<ThreadContext> {
    let root = message.thread_root();
    if let Some(context) = state
        .store
        .thread_context(&message.team_id, &message.channel_id, root)
        .await?
    {
        return Ok(context);
    }
    if !state.settings.file.threads.fetch_missing_roots {
        return Ok(ThreadContext::default());
    }
    match async {
        state
            .slack(&message.team_id)
            .await?
            .replies(&message.channel_id, root)
            .await
    }
    .await
    {
        Ok(messages) => {
            let mut context = ThreadContext::default();
            for (i, reply) in messages
                .iter()
                .filter(|m| m.origin.ts.0 != message.ts)
                .enumerate()
            {
                let text = reply.content.text.clone().unwrap_or_default();
                if i == 0 && reply.origin.ts.0 == root {
                    context.root_text = Some(text);
                } else if state.classifier.assess(&text, &Context::default()).kind == Kind::Decision
                {
                    context.decisions.push(text);
                }
            }
            state
                .store
                .save_thread_context(&message.team_id, &message.channel_id, root, &context, now)
                .await?;
            Ok(context)
        }
        Err(err) => {
            tracing::warn!(channel = %message.channel_id, error = %err, "could not fetch an older thread; assessing without it");
            Ok(ThreadContext::default())
        }
    }
}

/// Assesses `text` in its thread with the channel's decision log.
async fn assess_in_channel(
    state: &AppState,
    fresh: &mut HashSet<(String, String)>,
    (team_id, channel_id): (&str, &str),
    text: &str,
    thread: &ThreadContext,
    now: i64,
) -> anyhow::Result<Assessment> {
    let thread_texts = thread.texts();
    // Only an alignment request consults the log, so most messages are
    // judged without reading it; an ask is judged again with the log.
    let unlogged = state.classifier.assess(
        text,
        &Context {
            thread: &thread_texts,
            log: None,
            recent_since: None,
        },
    );
    if unlogged.kind != Kind::AlignmentRequest {
        return Ok(unlogged);
    }
    let mut indexes = state.decision_indexes.lock().await;
    let index = refreshed_index(state, &mut indexes, fresh, team_id, channel_id).await?;
    Ok(state.classifier.assess(
        text,
        &Context {
            thread: &thread_texts,
            log: Some(index),
            recent_since: Some(now - RECENT_DECISION),
        },
    ))
}

/// The channel's decision index, brought up to date with rows added since
/// (once per step and channel, and again after this step recorded one).
async fn refreshed_index<'a>(
    state: &AppState,
    indexes: &'a mut std::collections::HashMap<(String, String), (i64, DecisionIndex)>,
    fresh: &mut HashSet<(String, String)>,
    team_id: &str,
    channel_id: &str,
) -> anyhow::Result<&'a DecisionIndex> {
    let key = (team_id.to_string(), channel_id.to_string());
    let entry = indexes
        .entry(key.clone())
        .or_insert_with(|| (0, DecisionIndex::new()));
    if !fresh.insert(key) {
        return Ok(&entry.1);
    }
    // A decision deleted since (a deleted message, `/clarity forget`, a
    // purge; on any replica) leaves fewer rows than the index holds: the
    // index is read afresh.
    if !entry.1.is_empty() {
        let kept = state
            .store
            .decisions_through(team_id, channel_id, entry.0)
            .await?;
        if usize::try_from(kept).unwrap_or(0) < entry.1.len() {
            *entry = (0, DecisionIndex::new());
        }
    }
    for (id, topic, decision, at) in state
        .store
        .decisions_after(team_id, channel_id, entry.0)
        .await?
    {
        entry.1.insert_at(id, &topic, &decision, at);
        entry.0 = entry.0.max(id);
    }
    Ok(&entry.1)
}

/// Adds a decision stated in a message to the channel's log (without its
/// `Decision:` header, owned by the person it names after "Owner:", else by
/// its author) and, inside a thread, to the thread's context.
async fn record_decision(
    state: &AppState,
    message: &Message,
    assessment: &Assessment,
    mut thread: ThreadContext,
    now: i64,
) -> anyhow::Result<()> {
    let topic = assessment
        .topic
        .clone()
        .or_else(|| thread.root_text.as_deref().map(subject))
        .unwrap_or_else(|| subject(&message.text));
    let permalink = permalink(state, message).await;
    let owner = decisions::named_owner(&message.text)
        .unwrap_or(&message.user_id)
        .to_owned();
    let reasoning = decisions::stated_reasoning(&message.text).map(str::to_owned);
    let recorded = state
        .store
        .record_decision(
            &NewDecision {
                team_id: message.team_id.clone(),
                channel_id: message.channel_id.clone(),
                topic: topic.clone(),
                // The text as written (mentions stay `<@U…>`), without its header.
                decision: decisions::stated_decision(&message.text).to_owned(),
                owner: Some(owner.clone()),
                reasoning: reasoning.clone(),
                permalink,
                source_ts: Some(message.ts.clone()),
                recorded_by: Some(message.user_id.clone()),
                channel_private: message.channel_private,
                thread_ts: Some(message.thread_root().to_string()),
            },
            Supersede::No,
            now,
        )
        .await?;
    if let Some(recorded) = recorded
        && reasoning.is_none()
        && state.settings.file.after.ask_why
        && stated_deliberately(assessment)
        && listening(state, message, now).await?
    {
        // The one question for the reasoning, in the decision's thread.
        let ask = Outgoing::Post {
            channel: message.channel_id.clone(),
            thread_ts: Some(message.thread_root().to_string()),
            content: Reply::AskWhy {
                topic,
                ask: AskWhy {
                    decision_id: recorded.id,
                    owner,
                },
            }
            .render(),
        }
        .queued(
            &message.team_id,
            format!("ask-why:{}:{}", message.team_id, recorded.id),
        );
        if state.store.enqueue(&ask, now).await? {
            state.outbox_ready.notify_one();
        }
    }
    if message.is_reply() && !thread.decisions.contains(&message.text) {
        thread.decisions.push(message.text.clone());
        let root = message.thread_root();
        state
            .store
            .save_thread_context(&message.team_id, &message.channel_id, root, &thread, now)
            .await?;
    }
    Ok(())
}

/// Whether a message states its decision as one ("Decision: …",
/// "Decided: …", "Outcome: …"): only then is its owner asked for the
/// reasoning. A decision the bot reads in passing ("ok we're going with the
/// blue one") joins the log, but a question about it would be a nag.
fn stated_deliberately(assessment: &Assessment) -> bool {
    assessment
        .reasons
        .iter()
        .any(|reason| reason.rule == MARKER_RULE)
}

/// Whether the bot speaks in the message's channel now: watched, and not
/// muted.
async fn listening(state: &AppState, message: &Message, now: i64) -> anyhow::Result<bool> {
    let settings = state
        .store
        .channel_settings(&message.team_id, &message.channel_id)
        .await?;
    Ok(settings.monitored && settings.muted_until.is_none_or(|until| until <= now))
}

/// Stores the assessment; for a premature ask (or an ask on a decided
/// topic, or a "let's revisit" of the `reopened` decision, whose decision is
/// surfaced with *Keep* and *Supersede*) the noise policy decides whether its
/// reply is queued with it, in the same transaction, from facts read inside
/// it. A surfaced decision is a posted reply like a flag, so the database's
/// one-posted-reply-per-thread rule makes it once per thread, across
/// replicas. The reply is built once the flag's id is known (its buttons
/// carry it).
async fn store_flag(
    state: &AppState,
    message: &Message,
    assessment: &Assessment,
    reopened: Option<DecisionRow>,
    now: i64,
) -> anyhow::Result<()> {
    let surfaced = match reopened {
        Some(decision) => Some(decision),
        None => surfaced_decision(state, message, assessment).await?,
    };
    let mut tx = state.store.begin().await?;
    let verdict = if assessment.premature || surfaced.is_some() {
        let facts = tx
            .facts(&FactsQuery {
                team_id: &message.team_id,
                channel_id: &message.channel_id,
                thread_ts: message.thread_root(),
                user_id: &message.user_id,
                now,
                score: assessment.score,
            })
            .await?;
        Some(state.settings.file.noise.verdict(&facts))
    } else {
        None
    };
    let flag = planned_flag(message, assessment, verdict);
    let silenced = match verdict {
        Some(Err(reason)) => Some(reason.as_str()),
        // An ask the log or the thread answers, with nothing to post.
        None if assessment.kind == Kind::AlignmentRequest && assessment.decided_by.is_some() => {
            Some("decision_found")
        }
        _ => None,
    };
    let Some(flag_id) = tx.insert_flag(&flag, now).await? else {
        // Already flagged, or the thread got its reply meanwhile.
        tx.rollback().await?;
        return Ok(());
    };
    if flag.posted {
        if let Some(decision) = &surfaced {
            tx.insert_reopen(&message.team_id, flag_id, decision.id, now)
                .await?;
        }
        let reply = flag_reply(message, assessment, surfaced.as_ref(), flag_id);
        tx.enqueue(&reply, now).await?;
    }
    tx.commit().await?;
    if flag.posted {
        metrics::counter!("clarity_flags_queued_total").increment(1);
        state.outbox_ready.notify_one();
    }
    if let Some(reason) = silenced {
        metrics::counter!("clarity_flags_suppressed_total", "reason" => reason).increment(1);
        // The reason and where, never the text.
        tracing::info!(
            reason,
            team = %message.team_id,
            channel = %message.channel_id,
            flag = flag_id,
            "stayed quiet on an alignment ask"
        );
    }
    Ok(())
}

/// For an ask on a topic with a decision in the log, when
/// `surface_decisions` is on: that decision (the current one, if it was
/// superseded since), to answer with.
async fn surfaced_decision(
    state: &AppState,
    message: &Message,
    assessment: &Assessment,
) -> anyhow::Result<Option<DecisionRow>> {
    if !state.settings.file.threads.surface_decisions || assessment.kind != Kind::AlignmentRequest {
        return Ok(None);
    }
    let Some(DecidedBy {
        source: DecisionSource::Log { id },
        ..
    }) = &assessment.decided_by
    else {
        return Ok(None);
    };
    Ok(state.store.current_decision(&message.team_id, *id).await?)
}

/// The flag row for an assessment: posted when the policy's `verdict` lets
/// it through, else why not.
fn planned_flag(
    message: &Message,
    assessment: &Assessment,
    verdict: Option<Result<(), crate::policy::Suppressed>>,
) -> NewFlag {
    NewFlag {
        team_id: message.team_id.clone(),
        channel_id: message.channel_id.clone(),
        message_ts: message.ts.clone(),
        thread_ts: message.thread_root().to_string(),
        user_id: message.user_id.clone(),
        kind: assessment.kind.as_str().into(),
        premature: assessment.premature,
        topic: assessment.topic.clone(),
        score: assessment.score,
        reasons: serde_json::to_string(&assessment.reasons).unwrap_or_else(|_| "[]".into()),
        decided_by: assessment
            .decided_by
            .as_ref()
            .and_then(|d| serde_json::to_string(d).ok()),
        posted: verdict == Some(Ok(())),
        suppressed: verdict
            .and_then(Result::err)
            .map(|reason| reason.as_str().to_string()),
        channel_private: message.channel_private,
    }
}

/// The reply a posted flag queues: the question, or the `surfaced`
/// decision with *Keep* and *Supersede* (the buttons carry the flag's id).
fn flag_reply(
    message: &Message,
    assessment: &Assessment,
    surfaced: Option<&DecisionRow>,
    flag_id: i64,
) -> NewOutboxMessage {
    let content = match surfaced {
        Some(decision) => Reply::SurfacedDecision {
            decision: decision.decision.clone(),
            decided_at: decision.created_at,
            owner: decision.owner.clone(),
            link: decision.permalink.clone(),
            reasoning: decision.reasoning.clone(),
            flag_id: Some(flag_id),
        }
        .render(),
        None => Reply::Flag {
            topic: assessment.topic.clone(),
            asked_with: assessment
                .reasons
                .iter()
                .find(|r| r.kind == "ask")
                .map(|r| r.matched.clone()),
            flag_id: Some(flag_id),
        }
        .render(),
    };
    Outgoing::FlagReply {
        flag_id,
        channel: message.channel_id.clone(),
        thread_ts: message.thread_root().to_string(),
        content,
    }
    .queued(
        &message.team_id,
        format!(
            "flag-reply:{}:{}:{}",
            message.team_id, message.channel_id, message.ts
        ),
    )
}

/// Records what an event says about its channel's privacy: a message's
/// `channel_type` (`channel_convert_to_private` arrives as a message of type
/// `group`), `group_*` events name private channels, and a channel shared
/// or unshared is asked about again.
async fn learn_privacy(
    state: &AppState,
    team_id: &str,
    incoming: &Incoming,
    now: i64,
) -> anyhow::Result<()> {
    if let Incoming::ChannelShared { channel_id } = incoming {
        crate::privacy::forget(state, team_id, channel_id).await?;
    } else if let Some((channel_id, private)) = incoming.said_privacy() {
        crate::privacy::observe(state, team_id, channel_id, private, now).await?;
    }
    Ok(())
}

/// When a flagged message is edited so that it is no longer a premature ask
/// (its author added the decision, say), the question is withdrawn.
async fn reassess_edit(
    state: &AppState,
    team_id: &str,
    channel: &str,
    message_ts: &str,
    text: &str,
    now: i64,
) -> anyhow::Result<()> {
    let Some((thread_ts, _)) = state.store.reply_to(team_id, channel, message_ts).await? else {
        return Ok(());
    };
    let thread = if thread_ts == message_ts {
        ThreadContext::default()
    } else {
        state
            .store
            .thread_context(team_id, channel, &thread_ts)
            .await?
            .unwrap_or_default()
    };
    let assessment = assess_in_channel(
        state,
        &mut HashSet::new(),
        (team_id, channel),
        text,
        &thread,
        now,
    )
    .await?;
    // Still an ask on a topic the log has decided: a surfaced decision
    // still answers it.
    let decided_in_log = matches!(
        assessment.decided_by,
        Some(DecidedBy {
            source: DecisionSource::Log { .. },
            ..
        })
    );
    if assessment.premature || (assessment.kind == Kind::AlignmentRequest && decided_in_log) {
        return Ok(());
    }
    forget_reply(state, team_id, channel, message_ts, now).await
}

/// When a flagged message is edited out of being an ask, its question
/// goes: the bot's reply is deleted through the outbox.
async fn forget_reply(
    state: &AppState,
    team_id: &str,
    channel: &str,
    message_ts: &str,
    now: i64,
) -> anyhow::Result<()> {
    let Some((_, reply_ts)) = state.store.reply_to(team_id, channel, message_ts).await? else {
        return Ok(());
    };
    let message = lifecycle::reply_deletion((team_id, channel, message_ts), reply_ts);
    if state.store.enqueue(&message, now).await? {
        state.outbox_ready.notify_one();
    }
    Ok(())
}

/// A message's link, when Slack gives one (a failure is logged, never fatal).
async fn permalink(state: &AppState, message: &Message) -> Option<String> {
    match async {
        state
            .slack(&message.team_id)
            .await?
            .permalink(&message.channel_id, &message.ts)
            .await
    }
    .await
    {
        Ok(link) => Some(link),
        Err(err) => {
            tracing::warn!(channel = %message.channel_id, error = %err, "no permalink for a message");
            None
        }
    }
}

/// A short subject for a message: its first words, for a topic fallback.
fn subject(text: &str) -> String {
    text.split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ")
}
