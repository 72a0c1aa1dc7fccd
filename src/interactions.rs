//! Button clicks and modal submissions: the flag reply's buttons
//! (*Record the decision*, *No decision yet*, *Not an alignment request*,
//! *Mute this channel for a week*) and the two modals they open (the decide
//! modal is also `/clarity decide` without arguments); after the decision,
//! a reopened decision's *Keep the decision* and *Supersede it* (the decide
//! modal, prefilled), *Add the reasoning* and its modal, and the daily
//! note's *Stop these notes*.
//!
//! [`handle`] is the one entry point, for `POST /slack/interactions` and
//! Socket Mode's `interactive` envelopes alike: it takes the interaction
//! ingress decoded, does the work (views.open at once, because its trigger
//! expires in 3 seconds; everything else the user sees leaves through the
//! outbox) and returns the acknowledgement. A click is never trusted on its
//! own: the flag is looked up by the payload's workspace and the button's
//! flag id, and must belong to the channel it was clicked in.

use crate::domain::{Click, FieldValue, Interaction, MessageShortcut, Submission};
use crate::respond::blocks::{AskWhy, Reply};
use crate::respond::format;
use crate::respond::outgoing::Outgoing;
use crate::respond::views::{self, ActionId, Field, FormContext, ViewId};
use crate::slack::response_url;
use crate::state::AppState;
use crate::store::{FlagRow, NewDecision, NewOutboxMessage, NewQuestion, Supersede};
use std::collections::HashMap;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// *Mute this channel for a week*.
const MUTE_MS: i64 = 7 * DAY_MS;

/// The answer to an interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    /// Acknowledged (a submission without errors closes its modal).
    Done,
    /// A submission with fields to fix: the modal stays open and shows these.
    Errors(Vec<(Field, String)>),
    /// Not an interaction payload: HTTP answers 400.
    Unreadable,
}

/// Handles one interaction. Never fails: problems become a message to the
/// person who clicked, or errors in the modal.
pub async fn handle(state: &AppState, interaction: Interaction, now: i64) -> Ack {
    match interaction {
        Interaction::Click(click) => {
            metrics::counter!("clarity_interactions_total", "kind" => "block_actions").increment(1);
            if let Err(err) = clicked(state, &click, now).await {
                tracing::error!(error = format!("{err:#}"), team = %click.team_id, "a button click failed");
                tell(
                    state,
                    &click,
                    &Reply::Problem {
                        what: "Something went wrong on my side.".into(),
                        next: "Please try the button again in a minute.".into(),
                    },
                )
                .await;
            }
            Ack::Done
        }
        Interaction::Submission(submission) => {
            metrics::counter!("clarity_interactions_total", "kind" => "view_submission")
                .increment(1);
            match submitted(state, &submission, now).await {
                Ok(ack) => ack,
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), team = %submission.team_id, "a form submission failed");
                    Ack::Errors(vec![(
                        Field::Topic,
                        "Something went wrong on my side. Please submit again in a minute.".into(),
                    )])
                }
            }
        }
        Interaction::Shortcut(shortcut) => {
            metrics::counter!("clarity_interactions_total", "kind" => "message_action")
                .increment(1);
            if let Err(err) = record_as_decision(state, &shortcut, now).await {
                tracing::error!(error = format!("{err:#}"), team = %shortcut.team_id, "a shortcut failed");
            }
            Ack::Done
        }
        // Global shortcuts, view_closed…: nothing the bot offers; acknowledged.
        Interaction::Other => Ack::Done,
    }
}

// ---- clicks ---------------------------------------------------------------

async fn clicked(state: &AppState, click: &Click, now: i64) -> anyhow::Result<()> {
    let Some((action_id, value)) = &click.action else {
        return Ok(());
    };
    let Some(id) = ActionId::parse(action_id) else {
        tracing::debug!("a click on a button the bot does not know; ignored");
        return Ok(());
    };
    let Some(user) = click.user_id.clone() else {
        return Ok(());
    };
    if id == ActionId::RecordTopic {
        return record_topic(state, click, value.as_deref(), &user, now).await;
    }
    if id == ActionId::AddReasoning {
        return add_reasoning(state, click, value.as_deref(), &user, now).await;
    }
    if id == ActionId::NotesOff {
        state
            .store
            .set_notes(&click.team_id, Some(&user), false, now)
            .await?;
        tell(
            state,
            click,
            &Reply::NotesSet {
                on: false,
                workspace: false,
            },
        )
        .await;
        return Ok(());
    }
    if id == ActionId::HomeSearch {
        let query = value.as_deref().map(str::trim).filter(|q| !q.is_empty());
        return crate::home::publish(state, &click.team_id, &user, query, now).await;
    }
    let Some(flag) = clicked_flag(state, click, value.as_deref()).await? else {
        tracing::warn!(team = %click.team_id, "refused a click for an unknown flag");
        tell(
            state,
            click,
            &Reply::Problem {
                what: "I couldn't find the question this button belongs to.".into(),
                next: "It may have been removed; nothing was changed.".into(),
            },
        )
        .await;
        return Ok(());
    };
    let reply_ts = flag.reply_ts.clone().or_else(|| click.message_ts.clone());
    let context = FormContext {
        channel_id: flag.channel_id.clone(),
        flag_id: Some(flag.id),
        channel_private: flag.channel_private,
        permalink: None,
        decision_id: None,
        thread_ts: None,
    };
    match id {
        ActionId::RecordDecision => {
            let form = views::decide_form(&context, flag.topic.as_deref(), &user);
            if let Err(err) = open_view(state, &click.team_id, &click.trigger_id, form).await {
                tracing::warn!(error = %err, "could not open the decide form");
                tell(state, click, &form_failed()).await;
            }
        }
        ActionId::NoDecisionYet => {
            let form = views::open_question_form(
                &context,
                flag.topic.as_deref(),
                &user,
                format::day_of(now),
            );
            if let Err(err) = open_view(state, &click.team_id, &click.trigger_id, form).await {
                tracing::warn!(error = %err, "could not open the open-question form");
                tell(state, click, &form_failed()).await;
            }
        }
        ActionId::NotAlignment | ActionId::Helpful => {
            let helpful = id == ActionId::Helpful;
            let update = reply_ts.filter(|_| !helpful).map(|ts| {
                update_reply(
                    &flag,
                    &ts,
                    "dismissed",
                    &Reply::FlagDismissed { by: user.clone() },
                )
            });
            let feedback = if helpful { "helpful" } else { "not_alignment" };
            // Each person counts once; a second click changes nothing.
            if state
                .store
                .set_feedback(&flag, &user, feedback, update.as_slice(), now)
                .await?
            {
                metrics::counter!("clarity_feedback_total", "feedback" => feedback).increment(1);
                state.outbox_ready.notify_one();
            }
            let form = views::feedback_reason_form(&context, helpful);
            if let Err(err) = open_view(state, &click.team_id, &click.trigger_id, form).await {
                tracing::warn!(error = %err, "could not open the feedback reason form");
            }
        }
        ActionId::KeepDecision | ActionId::SupersedeDecision => {
            let reopen = match state.store.reopen(&flag.team_id, flag.id).await? {
                Some(reopen) => state
                    .store
                    .decision(&flag.team_id, reopen.decision_id)
                    .await?
                    .map(|decision| (reopen, decision)),
                None => None,
            };
            let Some((reopen, decision)) = reopen else {
                tell(
                    state,
                    click,
                    &Reply::Problem {
                        what: "I couldn't find the decision this button belongs to.".into(),
                        next: "Nothing was changed.".into(),
                    },
                )
                .await;
                return Ok(());
            };
            if let Some(outcome) = &reopen.outcome {
                tell(
                    state,
                    click,
                    &Reply::Problem {
                        what: format!("This decision was already {outcome}."),
                        next: "Nothing was changed; `/clarity decisions` shows where it stands."
                            .into(),
                    },
                )
                .await;
                return Ok(());
            }
            if id == ActionId::KeepDecision {
                let kept = Reply::DecisionKept {
                    decision: decision.decision.clone(),
                    decided_at: decision.created_at,
                    kept_at: now,
                    by: user.clone(),
                };
                let update = reply_ts.map(|ts| update_reply(&flag, &ts, "kept", &kept));
                if state
                    .store
                    .keep_decision(&flag.team_id, flag.id, &user, update.as_slice(), now)
                    .await?
                {
                    state.outbox_ready.notify_one();
                }
            } else {
                let context = FormContext {
                    channel_private: flag.channel_private || decision.channel_private,
                    decision_id: Some(decision.id),
                    ..context
                };
                let form = views::decision_form(
                    &context,
                    Some(&decision.topic),
                    Some(&decision.decision),
                    &user,
                );
                if let Err(err) = open_view(state, &click.team_id, &click.trigger_id, form).await {
                    tracing::warn!(error = %err, "could not open the decide form to supersede");
                    tell(state, click, &form_failed()).await;
                }
            }
        }
        // Handled above: they belong to no flag.
        ActionId::RecordTopic
        | ActionId::HomeSearch
        | ActionId::AddReasoning
        | ActionId::NotesOff => {}
        ActionId::MuteWeek => {
            let until = now.saturating_add(MUTE_MS);
            let update = reply_ts.map(|ts| {
                let reply = Reply::FlagMuted {
                    until,
                    by: user.clone(),
                };
                update_reply(&flag, &ts, &format!("muted:{until}"), &reply)
            });
            let muted = crate::mute::mute(
                state,
                (&flag.team_id, &flag.channel_id),
                &user,
                until,
                update.as_slice(),
                now,
            )
            .await?;
            match muted {
                crate::mute::Mute::Until(_) => {}
                crate::mute::Mute::Refused(who) => {
                    tell(state, click, &Reply::MuteRefused { who }).await;
                }
                crate::mute::Mute::Unsure => {
                    tell(
                        state,
                        click,
                        &Reply::Problem {
                            what: "I couldn't check with Slack who may mute this channel.".into(),
                            next: "Nothing was changed; please try again in a minute.".into(),
                        },
                    )
                    .await;
                }
            }
        }
    }
    Ok(())
}

/// "Record as decision" on a message: the decide modal with the message's
/// text as the decision, its author as the owner, a topic the classifier
/// reads in it, and its permalink kept as the decision's source.
async fn record_as_decision(
    state: &AppState,
    shortcut: &MessageShortcut,
    now: i64,
) -> anyhow::Result<()> {
    if shortcut.callback_id != views::RECORD_SHORTCUT {
        return Ok(());
    }
    let (Some(channel_id), Some(ts), Some(text)) = (
        shortcut.channel_id.clone(),
        shortcut.message_ts.as_deref(),
        shortcut.text.as_deref(),
    ) else {
        return Ok(());
    };
    let permalink = match async {
        state
            .slack(&shortcut.team_id)
            .await?
            .permalink(&channel_id, ts)
            .await
    }
    .await
    {
        Ok(link) => Some(link),
        Err(err) => {
            tracing::warn!(error = %err, "no permalink for a shortcut's message");
            None
        }
    };
    let topic = state
        .classifier
        .assess(text, &crate::classify::Context::default())
        .topic;
    let context = FormContext {
        channel_private: crate::privacy::is_private(state, &shortcut.team_id, &channel_id, now)
            .await,
        channel_id,
        flag_id: None,
        permalink,
        decision_id: None,
        thread_ts: None,
    };
    let owner = shortcut.author.as_deref().unwrap_or(&shortcut.user_id);
    let form = views::decision_form(&context, topic.as_deref(), Some(text), owner);
    if let Err(err) = open_view(state, &shortcut.team_id, &shortcut.trigger_id, form).await {
        tracing::warn!(error = %err, "could not open the decide form from a shortcut");
        let mut body = serde_json::to_value(form_failed().render()).unwrap_or_default();
        if let Some(map) = body.as_object_mut() {
            map.insert("response_type".into(), "ephemeral".into());
        }
        response_url::post(&shortcut.response_url, &state.settings.slack_api_url, &body).await;
    }
    Ok(())
}

/// *Add the reasoning* under a decision recorded without it: the
/// reasoning modal, for the decision's owner only. The button's value is
/// the decision's id, looked up in the payload's workspace; it must be in
/// the channel clicked in.
async fn add_reasoning(
    state: &AppState,
    click: &Click,
    value: Option<&str>,
    user: &str,
    now: i64,
) -> anyhow::Result<()> {
    let decision = match value.and_then(|value| value.trim().parse::<i64>().ok()) {
        Some(id) => state.store.decision(&click.team_id, id).await?,
        None => None,
    }
    .filter(|decision| click.channel_id.as_deref() == Some(decision.channel_id.as_str()));
    let Some(decision) = decision else {
        tracing::warn!(team = %click.team_id, "refused a click for an unknown decision");
        tell(
            state,
            click,
            &Reply::Problem {
                what: "I couldn't find the decision this button belongs to.".into(),
                next: "It may have been removed; nothing was changed.".into(),
            },
        )
        .await;
        return Ok(());
    };
    if let Some(owner) = decision.owner.as_deref().filter(|owner| *owner != user) {
        tell(
            state,
            click,
            &Reply::Problem {
                what: format!("Only <@{owner}>, who owns this decision, can add its reasoning."),
                next: "You can ask them in the thread.".into(),
            },
        )
        .await;
        return Ok(());
    }
    let context = FormContext {
        channel_private: decision.channel_private
            || crate::privacy::is_private(state, &click.team_id, &decision.channel_id, now).await,
        channel_id: decision.channel_id.clone(),
        flag_id: None,
        permalink: None,
        decision_id: Some(decision.id),
        // The decision's thread; a decision announced in the channel gets
        // its reasoning in the announcement's thread.
        thread_ts: decision
            .thread_ts
            .clone()
            .or_else(|| click.message_ts.clone()),
    };
    let form = views::reasoning_form(&context);
    if let Err(err) = open_view(state, &click.team_id, &click.trigger_id, form).await {
        tracing::warn!(error = %err, "could not open the reasoning form");
        tell(state, click, &form_failed()).await;
    }
    Ok(())
}

/// *Record the decision* under an @mention's "no recorded decision":
/// the decide modal for the channel clicked in, its topic filled in (the
/// button's value is only that: nothing else is taken from it).
async fn record_topic(
    state: &AppState,
    click: &Click,
    topic: Option<&str>,
    user: &str,
    now: i64,
) -> anyhow::Result<()> {
    let Some(channel_id) = click.channel_id.clone() else {
        return Ok(());
    };
    let context = FormContext {
        channel_private: crate::privacy::is_private(state, &click.team_id, &channel_id, now).await,
        permalink: None,
        channel_id,
        flag_id: None,
        decision_id: None,
        thread_ts: None,
    };
    let form = views::decide_form(&context, topic, user);
    if let Err(err) = open_view(state, &click.team_id, &click.trigger_id, form).await {
        tracing::warn!(error = %err, "could not open the decide form");
        tell(state, click, &form_failed()).await;
    }
    Ok(())
}

/// The flag a click refers to: the button's value is its id, looked up in
/// the payload's workspace, and it must be in the channel clicked in.
async fn clicked_flag(
    state: &AppState,
    click: &Click,
    value: Option<&str>,
) -> anyhow::Result<Option<FlagRow>> {
    let Some(id) = value.and_then(|value| value.trim().parse::<i64>().ok()) else {
        return Ok(None);
    };
    let flag = state.store.flag(&click.team_id, id).await?;
    Ok(flag.filter(|flag| click.channel_id.as_deref() == Some(flag.channel_id.as_str())))
}

fn form_failed() -> Reply {
    Reply::Problem {
        what: "I couldn't open the form just now.".into(),
        next: "Please click again, or type `/clarity decide topic :: decision`.".into(),
    }
}

/// Tells the person who clicked, privately, through the click's
/// `response_url` (only Slack's hooks or the configured API host).
async fn tell(state: &AppState, click: &Click, reply: &Reply) {
    let Some(url) = &click.response_url else {
        return;
    };
    let mut body = serde_json::to_value(reply.render()).unwrap_or_default();
    if let Some(map) = body.as_object_mut() {
        map.insert("response_type".into(), "ephemeral".into());
        map.insert("replace_original".into(), false.into());
    }
    response_url::post(url, &state.settings.slack_api_url, &body).await;
}

// ---- submissions ----------------------------------------------------------

/// A submitted modal's values by field.
struct Form<'a>(&'a HashMap<String, FieldValue>);

impl Form<'_> {
    fn value(&self, field: Field) -> Option<&FieldValue> {
        self.0.get(field.as_str())
    }

    fn text(&self, field: Field) -> String {
        self.value(field)
            .and_then(|v| v.text.as_deref())
            .map(|text| text.trim().to_string())
            .unwrap_or_default()
    }

    fn user(&self, field: Field) -> Option<String> {
        self.value(field).and_then(|v| v.user.clone())
    }

    fn date(&self, field: Field) -> Option<String> {
        self.value(field).and_then(|v| v.date.clone())
    }
}

async fn submitted(state: &AppState, submission: &Submission, now: i64) -> anyhow::Result<Ack> {
    let Some(view) = submission.callback_id.as_deref().and_then(ViewId::parse) else {
        return Ok(Ack::Done);
    };
    let Some(context) = submission
        .private_metadata
        .as_deref()
        .and_then(|meta| serde_json::from_str::<FormContext>(meta).ok())
    else {
        return Ok(refused(
            "This form is missing what it was opened for. Please open it again.",
        ));
    };
    let team = &submission.team_id;
    let flag = match context.flag_id {
        None => None,
        Some(id) => match state.store.flag(team, id).await? {
            Some(flag) if flag.channel_id == context.channel_id => Some(flag),
            _ => {
                tracing::warn!(team = %team, "refused a submission for an unknown flag");
                return Ok(refused(
                    "I couldn't find the question this form belongs to; nothing was recorded.",
                ));
            }
        },
    };
    let form = Form(&submission.values);
    let user = &submission.user_id;
    match view {
        ViewId::Decide => record(state, team, user, &context, flag.as_ref(), &form, now).await,
        ViewId::Reasoning => reasoning(state, team, user, &context, &form, now).await,
        ViewId::FeedbackReason => match flag {
            Some(flag) => {
                let reason = form.text(Field::Reason);
                if let Some(problem) = check_text(&reason, false, views::MAX_REASON_CHARS) {
                    return Ok(Ack::Errors(vec![(Field::Reason, problem.to_string())]));
                }
                if !reason.is_empty() {
                    state
                        .store
                        .set_feedback_reason(team, flag.id, user, &reason)
                        .await?;
                }
                Ok(Ack::Done)
            }
            None => Ok(Ack::Done),
        },
        ViewId::OpenQuestion => match flag {
            Some(flag) => open_question(state, &flag, &form, now).await,
            None => Ok(refused(
                "Open questions start from a question's *No decision yet* button.",
            )),
        },
    }
}

fn refused(message: &str) -> Ack {
    Ack::Errors(vec![(Field::Topic, message.to_string())])
}

/// A decision as typed into the decide modal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DecisionForm {
    topic: String,
    decision: String,
    owner: String,
    reasoning: Option<String>,
}

/// Checks text typed into a field: present when required, not too long,
/// no control characters. Returns the problem to show under the field.
fn check_text(text: &str, required: bool, max_chars: u64) -> Option<&'static str> {
    if text.is_empty() {
        return required.then_some("Please fill this in.");
    }
    if text.chars().count() as u64 > max_chars {
        return Some("That's too long; please shorten it.");
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        return Some("That has characters I can't read.");
    }
    None
}

fn read_decision(form: &Form<'_>, submitter: &str) -> Result<DecisionForm, Vec<(Field, String)>> {
    let topic = form.text(Field::Topic);
    let decision = form.text(Field::Decision);
    let reasoning = form.text(Field::Reasoning);
    let mut errors = Vec::new();
    for (field, text, required, max) in [
        (Field::Topic, &topic, true, views::MAX_TOPIC_CHARS),
        (Field::Decision, &decision, true, views::MAX_INPUT_CHARS),
        (Field::Reasoning, &reasoning, false, views::MAX_INPUT_CHARS),
    ] {
        if let Some(problem) = check_text(text, required, max) {
            errors.push((field, problem.to_string()));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(DecisionForm {
        topic,
        decision,
        owner: form
            .user(Field::Owner)
            .unwrap_or_else(|| submitter.to_string()),
        reasoning: (!reasoning.is_empty()).then_some(reasoning),
    })
}

/// Records a submitted decision (the same store call as `/clarity decide`),
/// then, for a flag, updates its reply in place and adds one line to its
/// thread; without a flag, announces it in the channel.
async fn record(
    state: &AppState,
    team: &str,
    user: &str,
    context: &FormContext,
    flag: Option<&FlagRow>,
    form: &Form<'_>,
    now: i64,
) -> anyhow::Result<Ack> {
    let typed = match read_decision(form, user) {
        Ok(typed) => typed,
        Err(errors) => return Ok(Ack::Errors(errors)),
    };
    let recorded = state
        .store
        .record_decision(
            &NewDecision {
                team_id: team.to_string(),
                channel_id: context.channel_id.clone(),
                topic: typed.topic.clone(),
                decision: typed.decision.clone(),
                owner: Some(typed.owner.clone()),
                reasoning: typed.reasoning.clone(),
                permalink: context.permalink.clone(),
                source_ts: None,
                recorded_by: Some(user.to_string()),
                // The form carries what was known when it opened; Slack's
                // word now can only make it more private.
                channel_private: context.channel_private
                    || crate::privacy::is_private(state, team, &context.channel_id, now).await,
                thread_ts: flag.map(|flag| flag.thread_ts.clone()),
            },
            // *Supersede it* on a reopened decision replaces that one.
            match context.decision_id {
                Some(old) => Supersede::Decision(old),
                None => Supersede::Yes,
            },
            now,
        )
        .await?
        // Without a source message it is never a repeat.
        .ok_or(sqlx::Error::RowNotFound)?;
    let id = recorded.id;
    let why = (typed.reasoning.is_none() && state.settings.file.after.ask_why).then(|| AskWhy {
        decision_id: id,
        owner: typed.owner.clone(),
    });
    let mut calls = Vec::new();
    match flag {
        Some(flag) => {
            if let Some(ts) = &flag.reply_ts {
                let decided = Reply::FlagDecided {
                    topic: typed.topic.clone(),
                    decision: typed.decision.clone(),
                    owner: Some(typed.owner.clone()),
                };
                calls.push(update_reply(flag, ts, &format!("decided:{id}"), &decided));
            }
            calls.push(post(
                team,
                &flag.channel_id,
                Some(&flag.thread_ts),
                format!("decision-line:{team}:{id}"),
                &Reply::ThreadDecision {
                    topic: typed.topic,
                    decision: typed.decision,
                    by: user.to_string(),
                    why,
                },
            ));
        }
        None => calls.push(post(
            team,
            &context.channel_id,
            None,
            format!("decision-announce:{team}:{id}"),
            &Reply::DecisionRecorded {
                topic: typed.topic,
                decision: typed.decision,
                author: user.to_string(),
                supersedes: recorded.superseded,
                why,
            },
        )),
    }
    state.store.enqueue_all(&calls, now).await?;
    state.outbox_ready.notify_one();
    Ok(Ack::Done)
}

/// Stores a decision's reasoning from its modal and posts it in the
/// decision's thread. Only its owner may (the button checked it; the
/// submission is checked again).
async fn reasoning(
    state: &AppState,
    team: &str,
    user: &str,
    context: &FormContext,
    form: &Form<'_>,
    now: i64,
) -> anyhow::Result<Ack> {
    let decision = match context.decision_id {
        Some(id) => state.store.decision(team, id).await?,
        None => None,
    }
    .filter(|decision| decision.channel_id == context.channel_id);
    let Some(decision) = decision else {
        return Ok(Ack::Errors(vec![(
            Field::Reasoning,
            "I couldn't find the decision this form belongs to; nothing was saved.".into(),
        )]));
    };
    if decision.owner.as_deref().is_some_and(|owner| owner != user) {
        return Ok(Ack::Errors(vec![(
            Field::Reasoning,
            "Only the decision's owner can add its reasoning.".into(),
        )]));
    }
    let text = form.text(Field::Reasoning);
    if let Some(problem) = check_text(&text, true, views::MAX_REASONING_CHARS) {
        return Ok(Ack::Errors(vec![(Field::Reasoning, problem.to_string())]));
    }
    let line = post(
        team,
        &decision.channel_id,
        context.thread_ts.as_deref(),
        format!("reasoning:{team}:{}:{now}", decision.id),
        &Reply::Reasoning {
            topic: decision.topic.clone(),
            reasoning: text.clone(),
            by: user.to_string(),
        },
    );
    if state
        .store
        .set_reasoning(team, decision.id, &text, &[line], now)
        .await?
    {
        state.outbox_ready.notify_one();
    }
    Ok(Ack::Done)
}

/// Stores who decides a flag's topic and by when, says so in the thread,
/// and leaves only *Record the decision* on the question.
async fn open_question(
    state: &AppState,
    flag: &FlagRow,
    form: &Form<'_>,
    now: i64,
) -> anyhow::Result<Ack> {
    let topic = form.text(Field::Topic);
    let mut errors = Vec::new();
    if let Some(problem) = check_text(&topic, true, views::MAX_TOPIC_CHARS) {
        errors.push((Field::Topic, problem.to_string()));
    }
    let owner = form.user(Field::Owner);
    if owner.is_none() {
        errors.push((Field::Owner, "Please choose who decides.".to_string()));
    }
    let due = form
        .date(Field::Due)
        .and_then(|date| date.parse::<jiff::civil::Date>().ok());
    match due {
        None => errors.push((Field::Due, "Please choose a date.".to_string())),
        Some(due) if due < format::day_of(now) => {
            errors.push((
                Field::Due,
                "Please choose today or a later day.".to_string(),
            ));
        }
        Some(_) => {}
    }
    let (Some(owner), Some(due), true) = (owner, due, errors.is_empty()) else {
        return Ok(Ack::Errors(errors));
    };
    let mut calls = vec![post(
        &flag.team_id,
        &flag.channel_id,
        Some(&flag.thread_ts),
        format!("open-question:{}:{}:{now}", flag.team_id, flag.id),
        &Reply::OpenQuestion {
            topic: topic.clone(),
            owner: owner.clone(),
            due: format::due(due),
        },
    )];
    if let Some(ts) = &flag.reply_ts {
        let open = Reply::FlagOpen {
            topic: topic.clone(),
            owner: owner.clone(),
            due: format::due(due),
            flag_id: flag.id,
        };
        calls.push(update_reply(flag, ts, &format!("open:{now}"), &open));
    }
    let added = state
        .store
        .open_question(
            &NewQuestion {
                team_id: flag.team_id.clone(),
                channel_id: flag.channel_id.clone(),
                topic,
                owner,
                due_date: due.to_string(),
                flag_id: Some(flag.id),
            },
            &calls,
            now,
        )
        .await?;
    if added {
        state.outbox_ready.notify_one();
    }
    Ok(Ack::Done)
}

// ---- outbox rows ----------------------------------------------------------

/// The flag's reply, edited in place; `what` makes the dedupe key.
fn update_reply(flag: &FlagRow, ts: &str, what: &str, reply: &Reply) -> NewOutboxMessage {
    Outgoing::Update {
        channel: flag.channel_id.clone(),
        ts: ts.to_string(),
        content: reply.render(),
    }
    .queued(
        &flag.team_id,
        format!("flag-update:{}:{}:{what}", flag.team_id, flag.id),
    )
}

/// A message in a channel, in a thread or not.
fn post(
    team: &str,
    channel: &str,
    thread_ts: Option<&str>,
    dedupe_key: String,
    reply: &Reply,
) -> NewOutboxMessage {
    Outgoing::Post {
        channel: channel.to_string(),
        thread_ts: thread_ts.map(str::to_string),
        content: reply.render(),
    }
    .queued(team, dedupe_key)
}

/// `views.open` with the workspace's token: the click's, the shortcut's.
async fn open_view(
    state: &AppState,
    team_id: &str,
    trigger_id: &str,
    view: slack_morphism::prelude::SlackView,
) -> Result<(), crate::slack::api::CallError> {
    state
        .slack(team_id)
        .await?
        .open_view(trigger_id, view)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_values(pairs: &[(Field, FieldValue)]) -> HashMap<String, FieldValue> {
        pairs
            .iter()
            .map(|(field, value)| (field.as_str().to_string(), value.clone()))
            .collect()
    }

    fn text(value: &str) -> FieldValue {
        FieldValue {
            text: Some(value.into()),
            ..FieldValue::default()
        }
    }

    #[test]
    fn a_decision_needs_a_topic_and_a_decision_and_nothing_unreadable() {
        let values = form_values(&[
            (Field::Topic, text("  ")),
            (Field::Decision, text("ship it\u{7}")),
        ]);
        let errors = read_decision(&Form(&values), "U1").expect_err("invalid");
        assert_eq!(
            errors,
            vec![
                (Field::Topic, "Please fill this in.".to_string()),
                (
                    Field::Decision,
                    "That has characters I can't read.".to_string()
                ),
            ]
        );
        let values = form_values(&[
            (Field::Topic, text(" pricing page ")),
            (Field::Decision, text("three tiers\nmonthly and yearly")),
        ]);
        let typed = read_decision(&Form(&values), "U1").expect("valid");
        assert_eq!(typed.topic, "pricing page");
        assert_eq!(
            typed.owner, "U1",
            "the submitter owns it unless someone is chosen"
        );
        assert_eq!(typed.reasoning, None);
    }

    proptest::proptest! {
        #[test]
        fn any_typed_text_is_read_or_refused_never_a_panic(topic in "\\PC{0,200}", decision in ".{0,50}") {
            let values = form_values(&[
                (Field::Topic, text(&topic)),
                (Field::Decision, text(&decision)),
            ]);
            match read_decision(&Form(&values), "U1") {
                Ok(typed) => {
                    proptest::prop_assert!(!typed.topic.is_empty());
                    proptest::prop_assert!(typed.topic.chars().count() as u64 <= views::MAX_TOPIC_CHARS);
                }
                Err(errors) => proptest::prop_assert!(!errors.is_empty()),
            }
        }
    }
}
