//! `/clarity`: the grammar (a clap derive enum whose doc comments are the
//! help text) and the handlers. Decide, then act: [`plan`] reads the text
//! and decides what to do without touching anything; [`perform`] does it
//! against the store and returns the answer.

use crate::classify::Context;
use crate::respond::blocks::{DecisionLine, OpenLine, QuestionLine, Reply};
use crate::respond::format;
use crate::respond::views::{self, FormContext};
use crate::slack::response_url;
use crate::state::{AppState, now_ms};
use crate::store::{DecisionRow, NewDecision, Supersede};
use clap::{CommandFactory, Parser, Subcommand};
use serde::Deserialize;

/// Longest command text read; Slack sends at most a few KB, anything
/// longer is not a command.
const MAX_TEXT_BYTES: usize = 4000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const STATUS_WINDOW_MS: i64 = 30 * DAY_MS;
const DEFAULT_MUTE_MS: i64 = 7 * DAY_MS;
/// The longest mute: a year (beyond that, remove the bot from the channel).
const MAX_MUTE_MS: i64 = 365 * DAY_MS;

/// The fields of a slash command request the bot uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Invocation {
    pub team_id: String,
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

#[derive(Debug, Parser)]
#[command(
    name = "/clarity",
    no_binary_name = true,
    disable_help_flag = true,
    disable_help_subcommand = true,
    disable_version_flag = true
)]
struct Grammar {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show this list.
    Help,
    /// Would I ask about this message? Shows my verdict, its topic and why.
    Check {
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        text: Vec<String>,
    },
    /// Record a decision for this channel, e.g. `decide pricing :: three tiers`.
    Decide {
        #[arg(value_name = "topic :: decision", num_args = 0.., allow_hyphen_values = true)]
        text: Vec<String>,
    },
    /// This channel's decisions, or those matching a query in channels you can see.
    Decisions {
        #[arg(num_args = 0.., allow_hyphen_values = true)]
        query: Vec<String>,
    },
    /// Topics asked about here in the last 30 days with no decision yet.
    Status,
    /// Stop asking in this channel for a while: `2h`, `3d`, `1w` (default a week).
    Mute {
        #[arg(value_parser = parse_duration)]
        duration: Option<i64>,
    },
    /// Start asking in this channel again.
    Unmute,
    /// Show this channel's settings.
    Settings,
    /// Preview this channel's weekly digest for last week (only you see it).
    Digest,
}

/// `2h`, `3d`, `1w` (also `30m`) as milliseconds, at most a year.
fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim().to_lowercase();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| "add a unit: h, d or w".to_string())?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| "start with a number".to_string())?;
    let unit_ms = match unit {
        "m" | "min" | "mins" => 60 * 1000,
        "h" | "hr" | "hrs" | "hour" | "hours" => 60 * 60 * 1000,
        "d" | "day" | "days" => DAY_MS,
        "w" | "wk" | "week" | "weeks" => 7 * DAY_MS,
        _ => return Err("use h, d or w".to_string()),
    };
    let ms = number
        .checked_mul(unit_ms)
        .filter(|ms| (1..=MAX_MUTE_MS).contains(ms))
        .ok_or_else(|| "choose between a minute and a year".to_string())?;
    Ok(ms)
}

/// What a command will do, decided from its text alone.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Answer without touching the store.
    Answer(Reply),
    /// Classify a draft.
    Check(String),
    Record {
        topic: String,
        decision: String,
    },
    /// `decide` without arguments: the decide modal.
    OpenDecideForm,
    ListChannel,
    Search(String),
    Status,
    Mute {
        for_ms: i64,
    },
    Unmute,
    Settings,
    Digest,
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

/// Each command's syntax and what it does, from the grammar's doc comments.
pub fn usage() -> Vec<(String, String)> {
    Grammar::command()
        .get_subcommands()
        .map(|sub| {
            let mut syntax = sub.get_name().to_string();
            for arg in sub.get_arguments() {
                let name = arg
                    .get_value_names()
                    .and_then(|names| names.first())
                    .map(|name| name.to_string())
                    .unwrap_or_else(|| arg.get_id().to_string());
                if arg.is_required_set() {
                    syntax.push_str(&format!(" <{name}>"));
                } else {
                    syntax.push_str(&format!(" [{name}]"));
                }
            }
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            (syntax, about)
        })
        .collect()
}

fn usage_reply(problem: Option<String>) -> Reply {
    Reply::Usage {
        problem,
        commands: usage(),
    }
}

/// The text after the first word, as typed (spacing and quotes kept).
fn rest_after_word(text: &str) -> &str {
    let text = text.trim();
    text.split_once(char::is_whitespace)
        .map(|(_, rest)| rest.trim())
        .unwrap_or_default()
}

/// Decides what a command's text asks for. Never fails: anything it cannot
/// read becomes the usage.
pub fn plan(text: &str) -> Plan {
    if text.len() > MAX_TEXT_BYTES {
        return Plan::Answer(usage_reply(Some(
            "That's longer than any command I know.".into(),
        )));
    }
    if text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Plan::Answer(usage_reply(Some(
            "That has characters I can't read.".into(),
        )));
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return Plan::Answer(usage_reply(None));
    }
    let grammar = match Grammar::try_parse_from(&words) {
        Ok(grammar) => grammar,
        Err(err) => {
            let problem = match err.kind() {
                clap::error::ErrorKind::InvalidValue | clap::error::ErrorKind::ValueValidation => {
                    "I couldn't read that duration: try `2h`, `3d` or `1w`."
                }
                clap::error::ErrorKind::MissingRequiredArgument => {
                    "That command needs a bit more text."
                }
                _ => "I don't know that command.",
            };
            return Plan::Answer(usage_reply(Some(problem.into())));
        }
    };
    let rest = rest_after_word(text);
    match grammar.command {
        Command::Help => Plan::Answer(usage_reply(None)),
        Command::Check { .. } => Plan::Check(rest.to_string()),
        Command::Decide { .. } if rest.is_empty() => Plan::OpenDecideForm,
        Command::Decide { .. } => match rest.split_once("::") {
            Some((topic, decision)) if !topic.trim().is_empty() && !decision.trim().is_empty() => {
                Plan::Record {
                    topic: topic.trim().to_string(),
                    decision: decision.trim().to_string(),
                }
            }
            _ => Plan::Answer(Reply::DecideHowTo),
        },
        Command::Decisions { .. } if rest.is_empty() => Plan::ListChannel,
        Command::Decisions { .. } => Plan::Search(rest.to_string()),
        Command::Status => Plan::Status,
        Command::Mute { duration } => Plan::Mute {
            for_ms: duration.unwrap_or(DEFAULT_MUTE_MS),
        },
        Command::Unmute => Plan::Unmute,
        Command::Settings => Plan::Settings,
        Command::Digest => Plan::Digest,
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
            let assessment = state.classifier.assess(&text, &Context::default());
            Answer::ephemeral(Reply::Verdict {
                kind: assessment.kind.as_str().to_string(),
                premature: assessment.premature,
                topic: assessment.topic,
                score: assessment.score,
                reasons: assessment
                    .reasons
                    .into_iter()
                    .map(|r| (r.matched, r.kind.to_string()))
                    .collect(),
            })
        }
        Plan::Record { topic, decision } => {
            let recorded = store
                .record_decision(
                    &NewDecision {
                        team_id: who.team_id.clone(),
                        channel_id: who.channel_id.clone(),
                        topic: topic.clone(),
                        decision: decision.clone(),
                        owner: Some(who.user_id.clone()),
                        reasoning: None,
                        permalink: None,
                        source_ts: None,
                        recorded_by: Some(who.user_id.clone()),
                        channel_private: who.channel_private(state, now).await,
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
                },
            }
        }
        Plan::OpenDecideForm => {
            let context = FormContext {
                channel_id: who.channel_id.clone(),
                flag_id: None,
                channel_private: who.channel_private(state, now).await,
            };
            let form = views::decide_form(&context, None, &who.user_id);
            match state.slack.open_view(&who.trigger_id, form).await {
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
                items: rows.iter().map(|row| line(row, who)).collect(),
            })
        }
        Plan::Search(query) => {
            let rows = store
                .search_decisions(&who.team_id, &who.channel_id, &query)
                .await?;
            Answer::ephemeral(Reply::Decisions {
                query: Some(query),
                items: rows.iter().map(|row| line(row, who)).collect(),
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
        Plan::Mute { for_ms } => {
            let until = now.saturating_add(for_ms);
            store
                .set_muted_until(&who.team_id, &who.channel_id, Some(until))
                .await?;
            Answer::ephemeral(Reply::Muted {
                until: format::moment(until),
            })
        }
        Plan::Unmute => {
            store
                .set_muted_until(&who.team_id, &who.channel_id, None)
                .await?;
            Answer::ephemeral(Reply::Unmuted)
        }
        Plan::Settings => {
            let settings = store
                .channel_settings(&who.team_id, &who.channel_id)
                .await?;
            Answer::ephemeral(Reply::ChannelSettings {
                monitored: settings.monitored,
                muted_until: settings
                    .muted_until
                    .filter(|until| *until > now)
                    .map(format::moment),
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
        date: format::recorded_on(row.created_at),
        owner: row.owner.clone(),
        channel: (row.channel_id != who.channel_id).then(|| row.channel_id.clone()),
        link: row.permalink.clone(),
    }
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
    fn empty_unknown_and_garbage_text_plan_the_usage() {
        for text in [
            "",
            "   ",
            "frobnicate",
            "'; DROP TABLE decisions; --",
            "mute forever",
            "\u{7}bell",
        ] {
            assert!(
                matches!(plan(text), Plan::Answer(Reply::Usage { .. })),
                "{text:?}"
            );
        }
        assert!(matches!(
            plan(&"x".repeat(10_000)),
            Plan::Answer(Reply::Usage { .. })
        ));
    }

    #[test]
    fn decide_splits_topic_and_decision_at_the_double_colon() {
        assert_eq!(
            plan("decide  search relevance :: we ship BM25 first"),
            Plan::Record {
                topic: "search relevance".into(),
                decision: "we ship BM25 first".into()
            }
        );
        assert_eq!(plan("decide"), Plan::OpenDecideForm);
        assert_eq!(plan("decide pricing"), Plan::Answer(Reply::DecideHowTo));
    }

    #[test]
    fn links_read_well_on_a_phone() {
        assert_eq!(
            message_link("acme", "C1", "1700000100.000100").as_deref(),
            Some("https://acme.slack.com/archives/C1/p1700000100000100")
        );
        assert_eq!(message_link("evil.example/x?", "C1", "1.2"), None);
    }

    #[test]
    fn durations_read_hours_days_and_weeks() {
        assert_eq!(plan("mute"), Plan::Mute { for_ms: 7 * DAY_MS });
        assert_eq!(
            plan("mute 2h"),
            Plan::Mute {
                for_ms: 2 * 60 * 60 * 1000
            }
        );
        assert_eq!(plan("mute 3d"), Plan::Mute { for_ms: 3 * DAY_MS });
        assert_eq!(plan("mute 1w"), Plan::Mute { for_ms: 7 * DAY_MS });
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("99999999999999w").is_err());
    }

    #[test]
    fn the_usage_lists_every_command_with_its_doc_comment() {
        let usage = usage();
        let names: Vec<&str> = usage
            .iter()
            .map(|(syntax, _)| syntax.split(' ').next().unwrap_or_default())
            .collect();
        assert_eq!(
            names,
            [
                "help",
                "check",
                "decide",
                "decisions",
                "status",
                "mute",
                "unmute",
                "settings",
                "digest"
            ]
        );
        assert!(usage.iter().all(|(_, about)| !about.is_empty()));
    }
}
