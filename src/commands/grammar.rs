//! The `/clarity` grammar: a clap derive enum whose doc comments are the
//! help text, and [`plan`], which reads a command's text and decides what
//! it asks for without touching anything. Pure.

use crate::respond::blocks::Reply;
use clap::{CommandFactory, Parser, Subcommand};

/// Longest command text read; Slack sends at most a few KB, anything
/// longer is not a command.
const MAX_TEXT_BYTES: usize = 4000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const DEFAULT_MUTE_MS: i64 = 7 * DAY_MS;
/// The longest mute: a year (beyond that, remove the bot from the channel).
const MAX_MUTE_MS: i64 = 365 * DAY_MS;

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
