//! `/clarity`: the handlers. Decide, then act: [`grammar::plan`] reads the
//! text and decides what to do without touching anything; [`perform`] does
//! it against the store and returns the answer, within Slack's deadline
//! ([`answer_in_time`]) whether the command came over HTTP or Socket Mode.

pub mod grammar;

use crate::classify::{Context, DecisionIndex, RECENT_DECISION, decisions};
use crate::domain::{DecisionSource, Kind};
use crate::policy::Suppressed;
use crate::respond::blocks::{AskWhy, DecisionLine, OpenLine, QuestionLine, Reply, Silence};
use crate::respond::format;
use crate::respond::views::{self, FormContext};
use crate::slack::response_url;
use crate::state::{AppState, now_ms};
use crate::store::{DecisionRow, FactsQuery, NewDecision, Supersede};
use grammar::{Plan, plan};
use serde::Deserialize;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const STATUS_WINDOW_MS: i64 = 30 * DAY_MS;

/// The fields of a slash command request the bot uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Invocation {
    pub team_id: String,
    /// The Enterprise Grid organization, when the workspace is in one.
    #[serde(default)]
    pub enterprise_id: String,
    #[serde(default)]
    pub team_domain: String,
    pub channel_id: String,
    #[serde(default)]
    pub channel_name: String,
    pub user_id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub response_url: String,
    /// Opens a modal (`decide` without arguments) within 3 s of the command.
    #[serde(default)]
    pub trigger_id: String,
}

impl Invocation {
    /// Whether the command's channel is private, as Slack says (see
    /// [`crate::privacy`]): never from its id or the name in the payload.
    async fn channel_private(&self, state: &AppState, now: i64) -> bool {
        crate::privacy::is_private(state, &self.team_id, &self.channel_id, now).await
    }
}

/// Who sees an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Ephemeral,
    InChannel,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Ephemeral => "ephemeral",
            Visibility::InChannel => "in_channel",
        }
    }
}

/// A command's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub visibility: Visibility,
    pub reply: Reply,
}

impl Answer {
    fn ephemeral(reply: Reply) -> Self {
        Self {
            visibility: Visibility::Ephemeral,
            reply,
        }
    }

    /// The answer when the work itself failed.
    pub fn failed() -> Self {
        Self::ephemeral(Reply::Problem {
            what: "Something went wrong on my side.".into(),
            next: "Please try the command again in a minute.".into(),
        })
    }

    /// The first answer to a slow command; the real one follows.
    pub fn working() -> Self {
        Self::ephemeral(Reply::Problem {
            what: "Working on it…".into(),
            next: "The answer will appear here in a moment.".into(),
        })
    }

    /// The JSON body Slack expects as a command response.
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::to_value(self.reply.render())
            .unwrap_or_else(|_| serde_json::json!({"text": "Something went wrong."}));
        if let Some(map) = body.as_object_mut() {
            map.insert("response_type".into(), self.visibility.as_str().into());
        }
        body
    }
}

/// Answers a command within Slack's deadline, however it arrived (HTTP or
/// Socket Mode): the answer itself when it is ready within
/// `server.command_answer_ms`, otherwise "working on it" now and the answer
/// through the command's `response_url` when it is done.
pub async fn answer_in_time(app: &AppState, invocation: Invocation) -> Answer {
    metrics::counter!("clarity_commands_total").increment(1);
    let plan = plan(&invocation.text);
    let state = app.clone();
    let who = invocation.clone();
    let mut work = tokio::spawn(async move { perform(&state, &who, plan, now_ms()).await });
    // Slack gives up on the request after 3 s.
    let deadline = std::time::Duration::from_millis(app.settings.file.server.command_answer_ms);
    let in_time = if deadline.is_zero() {
        None
    } else {
        tokio::time::timeout(deadline, &mut work).await.ok()
    };
    match in_time {
        Some(Ok(answer)) => answer,
        Some(Err(_)) => Answer::failed(),
        None => {
            tracing::info!("slow command; answering through response_url");
            let url = invocation.response_url;
            let slack_api_url = app.settings.slack_api_url.clone();
            tokio::spawn(async move {
                let answer = work.await.unwrap_or_else(|_| Answer::failed());
                response_url::post(&url, &slack_api_url, &answer.to_json()).await;
            });
            Answer::working()
        }
    }
}

/// Carries out a plan for the caller. Store failures become an answer that
/// says to try again; they are logged without any message text.
pub async fn perform(state: &AppState, who: &Invocation, plan: Plan, now: i64) -> Answer {
    match act(state, who, plan, now).await {
        Ok(answer) => answer,
        Err(err) => {
            tracing::error!(error = %err, team = %who.team_id, "a /clarity command failed");
            Answer::failed()
        }
    }
}

async fn act(
    state: &AppState,
    who: &Invocation,
    plan: Plan,
    now: i64,
) -> Result<Answer, sqlx::Error> {
    let store = &state.store;
    let answer = match plan {
        Plan::Answer(reply) => Answer::ephemeral(reply),
        Plan::Check(text) => {
            let draft = Draft {
                team_id: &who.team_id,
                channel_id: &who.channel_id,
                user_id: &who.user_id,
                thread_ts: None,
            };
            Answer::ephemeral(check(state, &draft, &text, now).await?)
        }
        Plan::Record { topic, decision } => {
            let reasoning = decisions::stated_reasoning(&decision).map(str::to_owned);
            let asks_why = reasoning.is_none() && state.settings.file.after.ask_why;
            let recorded = store
                .record_decision(
                    &NewDecision {
                        team_id: who.team_id.clone(),
                        channel_id: who.channel_id.clone(),
                        topic: topic.clone(),
                        decision: decision.clone(),
                        owner: Some(who.user_id.clone()),
                        reasoning,
                        permalink: None,
                        source_ts: None,
                        recorded_by: Some(who.user_id.clone()),
                        channel_private: who.channel_private(state, now).await,
                        thread_ts: None,
                    },
                    Supersede::Yes,
                    now,
                )
                .await?
                // Without a source message it is never a repeat.
                .ok_or(sqlx::Error::RowNotFound)?;
            Answer {
                visibility: Visibility::InChannel,
                reply: Reply::DecisionRecorded {
                    topic,
                    decision,
                    author: who.user_id.clone(),
                    supersedes: recorded.superseded,
                    why: asks_why.then(|| AskWhy {
                        decision_id: recorded.id,
                        owner: who.user_id.clone(),
                    }),
                },
            }
        }
        Plan::OpenDecideForm => {
            let context = FormContext {
                channel_id: who.channel_id.clone(),
                flag_id: None,
                channel_private: who.channel_private(state, now).await,
                permalink: None,
                decision_id: None,
                thread_ts: None,
            };
            let form = views::decide_form(&context, None, &who.user_id);
            match async {
                state
                    .slack(&who.team_id)
                    .await?
                    .open_view(&who.trigger_id, form)
                    .await
            }
            .await
            {
                Ok(()) => Answer::ephemeral(Reply::DecideFormOpened),
                Err(err) => {
                    tracing::warn!(error = %err, "could not open the decide form");
                    Answer::ephemeral(Reply::DecideHowTo)
                }
            }
        }
        Plan::ListChannel => {
            let rows = store
                .channel_decisions(&who.team_id, &who.channel_id, 0)
                .await?;
            Answer::ephemeral(Reply::Decisions {
                query: None,
                items: lines(state, &rows, who).await?,
            })
        }
        Plan::Search(query) => {
            let rows = store
                .search_decisions(&who.team_id, &who.channel_id, &query)
                .await?;
            Answer::ephemeral(Reply::Decisions {
                query: Some(query),
                items: lines(state, &rows, who).await?,
            })
        }
        Plan::Status => {
            let since = now - STATUS_WINDOW_MS;
            let open = store
                .open_topics(&who.team_id, &who.channel_id, since)
                .await?;
            let decided = store
                .channel_decisions(&who.team_id, &who.channel_id, since)
                .await?;
            let questions = store.open_questions(&who.team_id, &who.channel_id).await?;
            Answer::ephemeral(Reply::Status {
                open: open
                    .into_iter()
                    .map(|topic| OpenLine {
                        link: message_link(&who.team_domain, &who.channel_id, &topic.latest_ts),
                        topic: topic.topic,
                        asks: topic.asks,
                        askers: topic.askers,
                    })
                    .collect(),
                decided: decided.iter().map(|row| line(row, who)).collect(),
                questions: questions
                    .into_iter()
                    .map(|question| QuestionLine {
                        topic: question.topic,
                        owner: question.owner,
                        due: question
                            .due_date
                            .and_then(|date| date.parse::<jiff::civil::Date>().ok())
                            .map(format::due),
                    })
                    .collect(),
            })
        }
        Plan::Mute { duration } => {
            let until = duration.until(now);
            let muted = crate::mute::mute(
                state,
                (&who.team_id, &who.channel_id),
                &who.user_id,
                until,
                &[],
                now,
            )
            .await?;
            Answer::ephemeral(match muted {
                crate::mute::Mute::Until(until) => Reply::Muted { until },
                crate::mute::Mute::Refused(who) => Reply::MuteRefused { who },
                crate::mute::Mute::Unsure => Reply::Problem {
                    what: "I couldn't check with Slack who may mute this channel.".into(),
                    next: "Nothing was changed; please try again in a minute.".into(),
                },
            })
        }
        Plan::Unmute => {
            store
                .set_muted_until(&who.team_id, &who.channel_id, None, now)
                .await?;
            Answer::ephemeral(Reply::Unmuted)
        }
        Plan::Notes { on, everyone } => {
            let admin = async {
                state
                    .slack(&who.team_id)
                    .await?
                    .is_admin(&who.user_id)
                    .await
            };
            if everyone && !matches!(admin.await, Ok(true)) {
                return Ok(Answer::ephemeral(Reply::Problem {
                    what: "Only workspace admins can turn the notes on or off for everyone.".into(),
                    next: "`/clarity settings notes off` turns off yours.".into(),
                }));
            }
            let user = (!everyone).then_some(who.user_id.as_str());
            store.set_notes(&who.team_id, user, on, now).await?;
            Answer::ephemeral(Reply::NotesSet {
                on,
                workspace: everyone,
            })
        }
        Plan::Settings => {
            let settings = store
                .channel_settings(&who.team_id, &who.channel_id)
                .await?;
            Answer::ephemeral(Reply::ChannelSettings {
                monitored: settings.monitored,
                muted_until: settings.muted_until.filter(|until| *until > now),
            })
        }
        Plan::ListForgettable => {
            let records =
                crate::lifecycle::forgettable(state, (&who.team_id, &who.channel_id)).await?;
            Answer::ephemeral(Reply::ForgetWhich {
                items: records
                    .into_iter()
                    .map(|record| {
                        (
                            record.id,
                            DecisionLine {
                                topic: record.topic,
                                decision: record.decision,
                                recorded_at: record.created_at,
                                owner: None,
                                channel: None,
                                link: None,
                                reasoning: None,
                                replaces: Vec::new(),
                            },
                        )
                    })
                    .collect(),
            })
        }
        Plan::Forget(id) => {
            use crate::lifecycle::Forget;
            let forgot = crate::lifecycle::forget_decision(
                state,
                (&who.team_id, &who.channel_id),
                &who.user_id,
                id,
            )
            .await?;
            Answer::ephemeral(match forgot {
                Forget::Forgotten { id, topic } => Reply::DecisionForgotten { id, topic },
                Forget::NotFound { id } => Reply::Problem {
                    what: format!("I couldn't find decision {id} in this workspace."),
                    next: "`/clarity forget` lists this channel's decisions with their ids.".into(),
                },
                Forget::Refused { id } => Reply::Problem {
                    what: format!(
                        "Only the person who recorded decision {id} or a workspace admin can remove it."
                    ),
                    next: "Nothing was changed; ask one of them.".into(),
                },
                Forget::Unsure => Reply::Problem {
                    what: "I couldn't check with Slack whether you are a workspace admin.".into(),
                    next: "Nothing was changed; please try again in a minute.".into(),
                },
            })
        }
        Plan::Digest => {
            let workspace = workspace_url(&who.team_domain);
            match crate::digest::job::preview(
                store,
                &state.settings.file.digest,
                &who.team_id,
                &who.channel_id,
                workspace.as_deref(),
                now,
            )
            .await
            {
                Ok(digest) => Answer::ephemeral(Reply::Digest(Box::new(digest))),
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), team = %who.team_id, "a digest preview failed");
                    Answer::failed()
                }
            }
        }
    };
    Ok(answer)
}

/// Where a draft given to `check` would be written: a channel, by a
/// person, and in a thread when asked from one (`@clarity check …` in a
/// thread; a slash command is never in a thread).
pub struct Draft<'a> {
    pub team_id: &'a str,
    pub channel_id: &'a str,
    pub user_id: &'a str,
    pub thread_ts: Option<&'a str>,
}

/// `/clarity check` (and `@clarity check`): what the classifier makes of a
/// draft in this channel (with its decision log, and the thread's root and
/// decisions as the bot saw them), and every reason the bot would stay
/// quiet on it right now: the noise policy's, from the same facts the
/// pipeline reads, or a decision the log holds.
pub async fn check(
    state: &AppState,
    who: &Draft<'_>,
    text: &str,
    now: i64,
) -> Result<Reply, sqlx::Error> {
    let thread = match who.thread_ts {
        Some(thread_ts) => state
            .store
            .thread_context(who.team_id, who.channel_id, thread_ts)
            .await?
            .unwrap_or_default(),
        None => Default::default(),
    };
    let thread_texts = thread.texts();
    let mut log = DecisionIndex::new();
    for (id, topic, decision, at) in state
        .store
        .decisions_after(who.team_id, who.channel_id, 0)
        .await?
    {
        log.insert_at(id, &topic, &decision, at);
    }
    let assessment = state.classifier.assess(
        text,
        &Context {
            thread: &thread_texts,
            log: Some(&log),
            recent_since: Some(now - RECENT_DECISION),
        },
    );
    let mut silence = Vec::new();
    if assessment.premature {
        let policy = &state.settings.file.noise;
        let mut tx = state.store.begin().await?;
        let facts = tx
            .facts(&FactsQuery {
                team_id: who.team_id,
                channel_id: who.channel_id,
                // Outside a thread, no thread was asked in.
                thread_ts: who.thread_ts.unwrap_or(""),
                user_id: who.user_id,
                now,
                score: assessment.score,
            })
            .await?;
        tx.rollback().await?;
        for reason in policy.reasons(&facts) {
            silence.push(match reason {
                Suppressed::ChannelMuted => {
                    let settings = state
                        .store
                        .channel_settings(who.team_id, who.channel_id)
                        .await?;
                    Silence::ChannelMuted {
                        until: settings.muted_until.filter(|_| settings.monitored),
                    }
                }
                Suppressed::ThreadAlreadyFlagged => Silence::ThreadAlreadyAsked,
                Suppressed::LowScore => Silence::LowScore {
                    score: assessment.score,
                    min: policy.min_score,
                },
                Suppressed::ChannelCooldown => Silence::ChannelCooldown {
                    until: policy
                        .cooldown_ends(&facts)
                        .unwrap_or(facts.now)
                        .saturating_mul(1000),
                },
                Suppressed::UserDailyCap => Silence::UserDailyCap {
                    count: facts.user_flags_last_day,
                },
            });
        }
    } else if assessment.kind == Kind::AlignmentRequest
        && let Some(decided) = &assessment.decided_by
    {
        let recorded_at = match decided.source {
            DecisionSource::Log { id } => state
                .store
                .decision(who.team_id, id)
                .await?
                .map(|row| row.created_at),
            _ => None,
        };
        silence.push(Silence::DecisionFound {
            topic: decided.topic.clone(),
            decision: decided.decision.clone(),
            recorded_at,
        });
    }
    Ok(Reply::Verdict {
        kind: assessment.kind.as_str().to_string(),
        premature: assessment.premature,
        topic: assessment.topic,
        score: assessment.score,
        reasons: assessment
            .reasons
            .into_iter()
            .map(|r| (r.matched, r.kind.to_string()))
            .collect(),
        silence,
    })
}

/// `https://acme.slack.com/` for a workspace's domain, when it is one.
fn workspace_url(team_domain: &str) -> Option<String> {
    let valid = !team_domain.is_empty()
        && team_domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    valid.then(|| format!("https://{team_domain}.slack.com/"))
}

fn line(row: &DecisionRow, who: &Invocation) -> DecisionLine {
    DecisionLine {
        topic: row.topic.clone(),
        decision: row.decision.clone(),
        recorded_at: row.created_at,
        owner: row.owner.clone(),
        channel: (row.channel_id != who.channel_id).then(|| row.channel_id.clone()),
        link: row.permalink.clone(),
        reasoning: row.reasoning.clone(),
        replaces: Vec::new(),
    }
}

/// Decisions as listed, each with its reasoning and the decisions it
/// replaced (the chain, newest first).
async fn lines(
    state: &AppState,
    rows: &[DecisionRow],
    who: &Invocation,
) -> Result<Vec<DecisionLine>, sqlx::Error> {
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let replaced = state.store.replaced_by(&who.team_id, row).await?;
        lines.push(DecisionLine {
            replaces: replaced
                .iter()
                .map(|old| (old.decision.clone(), old.created_at))
                .collect(),
            ..line(row, who)
        });
    }
    Ok(lines)
}

/// A link to a message from its channel and ts, in the caller's workspace.
fn message_link(team_domain: &str, channel_id: &str, ts: &str) -> Option<String> {
    let valid_domain = !team_domain.is_empty()
        && team_domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let digits: String = ts.chars().filter(|c| *c != '.').collect();
    (valid_domain && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("https://{team_domain}.slack.com/archives/{channel_id}/p{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_read_well_on_a_phone() {
        assert_eq!(
            message_link("acme", "C1", "1700000100.000100").as_deref(),
            Some("https://acme.slack.com/archives/C1/p1700000100000100")
        );
        assert_eq!(message_link("evil.example/x?", "C1", "1.2"), None);
    }
}
