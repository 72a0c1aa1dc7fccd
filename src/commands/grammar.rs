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
    /// Stop asking in this channel for a while: `30m`, `3h`, `3 days`, `2 weeks`, `until monday` (default a week).
    Mute {
        #[arg(value_name = "duration", num_args = 0.., allow_hyphen_values = true)]
        duration: Vec<String>,
    },
    /// Start asking in this channel again.
    Unmute,
    /// Show this channel's settings; `settings notes off` stops the daily note on your decisions (`… everyone`: for the workspace).
    Settings {
        #[arg(value_name = "notes on|off", num_args = 0.., allow_hyphen_values = true)]
        change: Vec<String>,
    },
    /// Preview this channel's weekly digest for last week (only you see it).
    Digest,
    /// Remove a decision from the log (its recorder or a workspace admin); alone, lists this channel's with their ids.
    Forget {
        #[arg(value_name = "decision id", num_args = 0.., allow_hyphen_values = true)]
        id: Vec<String>,
    },
}

/// How long a mute lasts, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MuteFor {
    /// This many milliseconds from now.
    Span(i64),
    /// Until the start (00:00 UTC) of the next such weekday, or tomorrow.
    Until(jiff::civil::Weekday),
    Tomorrow,
}

/// What a duration that does not read gets: the problem and the forms that work.
const DURATION_HINT: &str = "try `30m`, `3h`, `3 days`, `2 weeks` or `until monday`";

/// A mute's duration as people write it: `30m`, `3h`, `3 days`, `2 weeks`,
/// `a week`, `1w`, `until monday`, `until tomorrow`; a span is at most a
/// year. The error says what is wrong, for the hint.
pub fn parse_duration(text: &str) -> Result<MuteFor, String> {
    let text = text.trim().to_lowercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    if let ["until" | "till" | "til", day] = words.as_slice() {
        return weekday(day)
            .map(MuteFor::Until)
            .or_else(|| (*day == "tomorrow").then_some(MuteFor::Tomorrow))
            .ok_or_else(|| format!("I don't know the day “{day}”"));
    }
    // `3 days`, `3days`, `3d`, `a week`.
    let joined = words.concat();
    let (number, unit) = match words.as_slice() {
        ["a" | "an" | "one", unit] => ("1".to_string(), unit.to_string()),
        _ => {
            let split = joined
                .find(|c: char| !c.is_ascii_digit())
                .ok_or_else(|| "add a unit".to_string())?;
            let (number, unit) = joined.split_at(split);
            (number.to_string(), unit.to_string())
        }
    };
    let number: i64 = number
        .parse()
        .map_err(|_| "start with a number".to_string())?;
    let unit_ms = match unit.as_str() {
        "m" | "min" | "mins" | "minute" | "minutes" => 60 * 1000,
        "h" | "hr" | "hrs" | "hour" | "hours" => 60 * 60 * 1000,
        "d" | "day" | "days" => DAY_MS,
        "w" | "wk" | "wks" | "week" | "weeks" => 7 * DAY_MS,
        _ => return Err(format!("I don't know the unit “{unit}”")),
    };
    number
        .checked_mul(unit_ms)
        .filter(|ms| (1..=MAX_MUTE_MS).contains(ms))
        .map(MuteFor::Span)
        .ok_or_else(|| "choose between a minute and a year".to_string())
}

fn weekday(day: &str) -> Option<jiff::civil::Weekday> {
    use jiff::civil::Weekday::*;
    let days = [
        (Monday, "monday"),
        (Tuesday, "tuesday"),
        (Wednesday, "wednesday"),
        (Thursday, "thursday"),
        (Friday, "friday"),
        (Saturday, "saturday"),
        (Sunday, "sunday"),
    ];
    days.into_iter()
        .find(|(_, name)| day.len() >= 3 && name.starts_with(day))
        .map(|(weekday, _)| weekday)
}

impl MuteFor {
    /// When a mute typed at `now` (ms) ends, at most a year on.
    pub fn until(self, now: i64) -> i64 {
        let Ok(moment) = jiff::Timestamp::from_millisecond(now) else {
            return now;
        };
        let today = moment.to_zoned(jiff::tz::TimeZone::UTC).date();
        let day = match self {
            MuteFor::Span(ms) => return now.saturating_add(ms),
            MuteFor::Tomorrow => today.tomorrow().ok(),
            MuteFor::Until(weekday) => today.nth_weekday(1, weekday).ok(),
        };
        day.and_then(|day| day.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|start| start.timestamp().as_millisecond())
            .unwrap_or(now)
    }
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
        duration: MuteFor,
    },
    Unmute,
    Settings,
    /// The daily note on decisions' reception, for the caller or everyone.
    Notes {
        on: bool,
        everyone: bool,
    },
    Digest,
    /// `forget` alone: the channel's decisions with their ids.
    ListForgettable,
    Forget(i64),
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
        Command::Mute { .. } if rest.is_empty() => Plan::Mute {
            duration: MuteFor::Span(DEFAULT_MUTE_MS),
        },
        Command::Mute { .. } => match parse_duration(rest) {
            Ok(duration) => Plan::Mute { duration },
            Err(problem) => Plan::Answer(usage_reply(Some(format!(
                "I couldn't read that duration ({problem}): {DURATION_HINT}."
            )))),
        },
        Command::Unmute => Plan::Unmute,
        Command::Settings { .. } if rest.is_empty() => Plan::Settings,
        Command::Settings { .. } => {
            let words: Vec<String> = rest.split_whitespace().map(str::to_lowercase).collect();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            match words.as_slice() {
                ["notes", switch] | ["notes", switch, "everyone"]
                    if matches!(*switch, "on" | "off") =>
                {
                    Plan::Notes {
                        on: *switch == "on",
                        everyone: words.len() == 3,
                    }
                }
                _ => Plan::Answer(usage_reply(Some(
                    "I can change one setting: `settings notes off` (or `on`, `… everyone`)."
                        .into(),
                ))),
            }
        }
        Command::Digest => Plan::Digest,
        Command::Forget { .. } if rest.is_empty() => Plan::ListForgettable,
        Command::Forget { .. } => match rest.trim_start_matches('#').parse::<i64>() {
            Ok(id) if id > 0 => Plan::Forget(id),
            _ => Plan::Answer(Reply::Problem {
                what: format!(
                    "“{}” is not a decision id.",
                    rest.chars().take(40).collect::<String>()
                ),
                next: "`/clarity forget` alone lists this channel's decisions with their ids."
                    .into(),
            }),
        },
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
    fn settings_notes_turns_the_daily_note_on_or_off() {
        assert_eq!(plan("settings"), Plan::Settings);
        assert_eq!(
            plan("settings notes off"),
            Plan::Notes {
                on: false,
                everyone: false
            }
        );
        assert_eq!(
            plan("settings Notes ON everyone"),
            Plan::Notes {
                on: true,
                everyone: true
            }
        );
        assert!(matches!(
            plan("settings notes maybe"),
            Plan::Answer(Reply::Usage { .. })
        ));
    }

    #[test]
    fn forget_takes_a_decision_id_and_alone_lists_them() {
        assert_eq!(plan("forget"), Plan::ListForgettable);
        assert_eq!(plan("forget 12"), Plan::Forget(12));
        assert_eq!(plan("forget #12"), Plan::Forget(12));
        for text in ["forget pricing", "forget -3", "forget 0", "forget 1 2"] {
            let Plan::Answer(Reply::Problem { what, next }) = plan(text) else {
                panic!("{text}: not a problem");
            };
            assert!(what.ends_with("is not a decision id."), "{text}: {what}");
            assert!(next.contains("`/clarity forget` alone"), "{text}: {next}");
        }
    }

    #[test]
    fn durations_read_as_people_write_them() {
        let span = |ms| Plan::Mute {
            duration: MuteFor::Span(ms),
        };
        assert_eq!(plan("mute"), span(7 * DAY_MS));
        assert_eq!(plan("mute 30m"), span(30 * 60 * 1000));
        assert_eq!(plan("mute 2h"), span(2 * 60 * 60 * 1000));
        assert_eq!(plan("mute 3h"), span(3 * 60 * 60 * 1000));
        assert_eq!(plan("mute 3 days"), span(3 * DAY_MS));
        assert_eq!(plan("mute 3d"), span(3 * DAY_MS));
        assert_eq!(plan("mute 2 weeks"), span(14 * DAY_MS));
        assert_eq!(plan("mute a week"), span(7 * DAY_MS));
        assert_eq!(plan("mute 1w"), span(7 * DAY_MS));
        assert_eq!(
            plan("mute until Monday"),
            Plan::Mute {
                duration: MuteFor::Until(jiff::civil::Weekday::Monday)
            }
        );
        assert_eq!(
            plan("mute till fri"),
            Plan::Mute {
                duration: MuteFor::Until(jiff::civil::Weekday::Friday)
            }
        );
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("99999999999999w").is_err());
        assert!(parse_duration("until someday").is_err());
    }

    #[test]
    fn a_duration_it_cannot_read_gets_the_hint_not_unknown_command() {
        for text in [
            "mute forever",
            "mute 3",
            "mute 3 fortnights",
            "mute until never",
        ] {
            let Plan::Answer(Reply::Usage {
                problem: Some(problem),
                ..
            }) = plan(text)
            else {
                panic!("{text}: not the usage");
            };
            assert!(
                problem.starts_with("I couldn't read that duration (")
                    && problem.ends_with("try `30m`, `3h`, `3 days`, `2 weeks` or `until monday`."),
                "{text}: {problem}"
            );
        }
    }

    #[test]
    fn until_a_day_ends_at_its_start_in_utc_and_spans_add_up() {
        // Wed 2 Dec 2026, 06:00 UTC.
        let now = 1_796_191_200_000;
        let monday = MuteFor::Until(jiff::civil::Weekday::Monday).until(now);
        assert_eq!(
            crate::respond::format::moment(monday),
            "Mon 7 Dec 2026, 00:00 UTC"
        );
        // Today is Wednesday: until Wednesday is a week on.
        let wednesday = MuteFor::Until(jiff::civil::Weekday::Wednesday).until(now);
        assert_eq!(
            crate::respond::format::moment(wednesday),
            "Wed 9 Dec 2026, 00:00 UTC"
        );
        assert_eq!(
            crate::respond::format::moment(MuteFor::Tomorrow.until(now)),
            "Thu 3 Dec 2026, 00:00 UTC"
        );
        assert_eq!(MuteFor::Span(60_000).until(now), now + 60_000);
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
                "digest",
                "forget"
            ]
        );
        assert!(usage.iter().all(|(_, about)| !about.is_empty()));
    }
}
