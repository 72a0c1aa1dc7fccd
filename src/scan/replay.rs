//! Replays one conversation of an export in time order, as the live bot
//! would have lived it: each message is assessed with its thread so far and
//! the channel's decision log, decisions join the log as they are made, and
//! premature asks go through the same [`NoisePolicy`] as in the bot.
//!
//! State is per conversation and bounded: the decision log, threads active
//! in the last [`THREAD_RETENTION_SECS`] (root text and decision statements
//! only, like the bot's `thread_context`), the threads already flagged, and
//! flag times of the last day.

use super::export::{Conversation, Export, Member, Problem, RawMessage};
use super::report::{ChannelSummary, Counts, Flag, FlagReason, TOPIC_DATES_KEPT, week_start};
use crate::classify::{Classifier, Context, DecisionIndex, RECENT_DECISION};
use crate::domain::{Assessment, Kind};
use crate::policy::{NoisePolicy, PolicyFacts};
use jiff::civil::Date;
use rayon::prelude::*;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// How long a quiet thread's context is kept (the bot's default retention).
pub const THREAD_RETENTION_SECS: i64 = 90 * 24 * 60 * 60;
const DAY_SECS: i64 = 24 * 60 * 60;

/// What every conversation's replay shares, read-only.
pub struct Shared<'a> {
    pub classifier: &'a Classifier,
    pub policy: &'a NoisePolicy,
    pub members: &'a HashMap<String, Member>,
    /// Only messages on these days (UTC, inclusive) are counted and reported;
    /// earlier ones still build the decision log and the policy's state.
    pub since: Option<Date>,
    pub until: Option<Date>,
    /// Called after each day file, for the progress bar.
    pub on_day_file: &'a (dyn Fn() + Sync),
    /// Read and parse each conversation's day files in parallel too: worth
    /// it only when conversations alone cannot keep every core busy.
    pub parse_ahead: bool,
    /// Name the author of each flag (`scan --names`).
    pub names: bool,
    /// Keep what the weekly digests need (`scan --digests`): the asks and
    /// decisions of public conversations.
    pub digests: bool,
}

/// A premature ask on a topic, as a digest counts it.
#[derive(Debug, Clone)]
pub struct TopicAsk {
    pub day: Date,
    pub topic: String,
    pub user: String,
    /// The thread it was asked in (its own ts when not in a thread).
    pub thread: String,
}

/// A decision as the digest lists it.
#[derive(Debug, Clone)]
pub struct DecisionSeen {
    pub day: Date,
    pub topic: String,
    pub text: String,
}

/// A topic's premature asks in one conversation.
#[derive(Debug, Default, Clone)]
pub struct TopicTally {
    pub asks: u64,
    pub dates: Vec<Date>,
    pub decided_on: Option<Date>,
}

/// What one conversation's replay found.
#[derive(Debug)]
pub struct Outcome {
    pub summary: ChannelSummary,
    /// Counts by the Monday of their week.
    pub weeks: BTreeMap<Date, Counts>,
    pub topics: BTreeMap<String, TopicTally>,
    pub flags: Vec<Flag>,
    pub suppressed: BTreeMap<&'static str, u64>,
    pub problems: Vec<Problem>,
    /// Subtype → (messages, first file).
    pub unknown_subtypes: BTreeMap<String, (u64, String)>,
    /// User id → (messages, first file).
    pub missing_users: BTreeMap<String, (u64, String)>,
    pub first_day: Option<Date>,
    pub last_day: Option<Date>,
    /// Whether at least one day file could be read.
    pub read_any: bool,
    /// With [`Shared::digests`], in a public conversation: every premature
    /// ask on a topic and every decision, oldest first (earlier history too).
    pub asks: Vec<TopicAsk>,
    pub decisions: Vec<DecisionSeen>,
}

/// A thread's context, as the live bot keeps it.
#[derive(Debug)]
struct Thread {
    /// Root text, then decision statements, oldest first.
    context: Vec<String>,
    last_seen: i64,
}

/// Subtypes of messages people write; they are assessed.
const PEOPLE_SUBTYPES: &[&str] = &["thread_broadcast", "file_share", "me_message"];

/// Subtypes Slack uses for everything else; counted, never assessed.
const OTHER_SUBTYPES: &[&str] = &[
    "bot_message",
    "bot_add",
    "bot_remove",
    "bot_enable",
    "bot_disable",
    "channel_archive",
    "channel_canvas_updated",
    "channel_convert_to_private",
    "channel_convert_to_public",
    "channel_join",
    "channel_leave",
    "channel_name",
    "channel_posting_permissions",
    "channel_purpose",
    "channel_topic",
    "channel_unarchive",
    "ekm_access_denied",
    "file_comment",
    "file_mention",
    "group_archive",
    "group_join",
    "group_leave",
    "group_name",
    "group_purpose",
    "group_topic",
    "group_unarchive",
    "huddle_thread",
    "joiner_notification",
    "message_changed",
    "message_deleted",
    "message_replied",
    "pinned_item",
    "reminder_add",
    "reply_broadcast",
    "sh_room_created",
    "slackbot_response",
    "tombstone",
    "unpinned_item",
];

/// Splits a Slack `ts` ("1767600000.000200") into seconds and microseconds.
pub fn parse_ts(ts: &str) -> Option<(i64, u32)> {
    let (secs, micros) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs = secs.parse::<i64>().ok()?;
    let micros = if micros.is_empty() {
        0
    } else {
        micros.parse::<u32>().ok()?
    };
    // Beyond jiff's range (year 9999) a message cannot be dated.
    (0..=253_402_300_799)
        .contains(&secs)
        .then_some((secs, micros))
}

/// The UTC day and `YYYY-MM-DD HH:MM` of a time in seconds.
fn utc(secs: i64) -> (Date, String) {
    match jiff::Timestamp::from_second(secs) {
        Ok(t) => {
            let dt = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
            (dt.date(), dt.strftime("%Y-%m-%d %H:%M").to_string())
        }
        Err(_) => (Date::MIN, String::new()),
    }
}

struct Replay<'a, 'b> {
    shared: &'b Shared<'a>,
    direct: bool,
    private: bool,
    out: Outcome,
    log: DecisionIndex,
    next_decision_id: i64,
    threads: HashMap<String, Thread>,
    /// Threads already answered: as many as the report has thread flags.
    flagged_threads: HashSet<String>,
    last_flag_at: Option<i64>,
    user_flags: HashMap<String, VecDeque<i64>>,
    /// Cache of the last message's day, so dating a message is cheap.
    day_cache: (i64, Date),
}

/// Replays one conversation, reading its day files a few at a time.
pub fn replay(conversation: &Conversation, export: &Export, shared: &Shared<'_>) -> Outcome {
    let mut replay = Replay {
        shared,
        direct: conversation.visibility.is_direct(),
        private: conversation.visibility != super::export::Visibility::Public,
        out: Outcome {
            summary: ChannelSummary {
                name: conversation.name.clone(),
                id: conversation.id.clone(),
                visibility: conversation.visibility,
                counts: Counts::default(),
            },
            weeks: BTreeMap::new(),
            topics: BTreeMap::new(),
            flags: Vec::new(),
            suppressed: BTreeMap::new(),
            problems: Vec::new(),
            unknown_subtypes: BTreeMap::new(),
            missing_users: BTreeMap::new(),
            first_day: None,
            last_day: None,
            read_any: false,
            asks: Vec::new(),
            decisions: Vec::new(),
        },
        log: DecisionIndex::new(),
        next_decision_id: 1,
        threads: HashMap::new(),
        flagged_threads: HashSet::new(),
        last_flag_at: None,
        user_flags: HashMap::new(),
        day_cache: (i64::MIN, Date::MIN),
    };
    // Day files are named in the exporting workspace's time zone: one day of
    // margin keeps the last UTC day's messages.
    let last_file_day = shared.until.and_then(|u| u.tomorrow().ok());
    let files: Vec<&str> = conversation
        .days
        .iter()
        .filter(|(day, _)| last_file_day.is_none_or(|last| *day <= last))
        .map(|(_, file)| file.as_str())
        .collect();
    // Skipping every file for being too late is not failing to read them.
    replay.out.read_any = files.is_empty();
    for _ in files.len()..conversation.days.len() {
        (shared.on_day_file)();
    }
    // Reading and parsing may run ahead on every core; the replay itself
    // must follow time, one message after the other.
    let mut export = export.clone();
    for chunk in files.chunks(DAYS_AHEAD) {
        let loaded: Vec<Result<Vec<u8>, String>> = if shared.parse_ahead {
            chunk
                .par_iter()
                .map_with(export.clone(), |export, file| load(export, file))
                .collect()
        } else {
            chunk.iter().map(|file| load(&mut export, file)).collect()
        };
        let parsed: Vec<Result<ParsedDay<'_>, String>> = if shared.parse_ahead {
            loaded.par_iter().map(parse_loaded).collect()
        } else {
            loaded.iter().map(parse_loaded).collect()
        };
        for (file, day) in chunk.iter().zip(parsed) {
            replay.day_file(file, day);
            (shared.on_day_file)();
        }
    }
    replay.out
}

/// How many day files of a conversation are read and parsed at once.
const DAYS_AHEAD: usize = 16;

/// One day file's messages in time order, and what could not be read.
struct ParsedDay<'b> {
    messages: Vec<((i64, u32), RawMessage<'b>)>,
    unreadable: Option<String>,
}

/// A day file's bytes, or why there are none.
fn load(export: &mut Export, file: &str) -> Result<Vec<u8>, String> {
    match export.read(file) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err("listed but missing; skipped".into()),
        Err(e) => Err(format!("{e}; skipped")),
    }
}

/// Parses a day file that could be read.
fn parse_loaded(bytes: &Result<Vec<u8>, String>) -> Result<ParsedDay<'_>, String> {
    bytes.as_ref().map_err(String::clone).and_then(|b| parse(b))
}

/// Parses a day file, message by message, so one bad message loses only itself.
fn parse(bytes: &[u8]) -> Result<ParsedDay<'_>, String> {
    let items: Vec<&RawValue> = serde_json::from_slice(bytes)
        .map_err(|e| format!("not a JSON list of messages ({e}); skipped"))?;
    let mut messages: Vec<((i64, u32), RawMessage<'_>)> = Vec::with_capacity(items.len());
    let mut unreadable = 0usize;
    let mut first_error = String::new();
    for item in items {
        match serde_json::from_str::<RawMessage<'_>>(item.get()) {
            Ok(message) => match message.ts.as_deref().and_then(parse_ts) {
                Some(ts) => messages.push((ts, message)),
                None => {
                    unreadable += 1;
                    if first_error.is_empty() {
                        first_error = "a message has no valid ts".into();
                    }
                }
            },
            Err(e) => {
                unreadable += 1;
                if first_error.is_empty() {
                    first_error = e.to_string();
                }
            }
        }
    }
    // Exports are in time order already; a stable sort makes sure.
    messages.sort_by_key(|(ts, _)| *ts);
    Ok(ParsedDay {
        messages,
        unreadable: (unreadable > 0)
            .then(|| format!("{unreadable} unreadable message(s) skipped; first: {first_error}")),
    })
}

impl Replay<'_, '_> {
    fn problem(&mut self, file: &str, message: String) {
        self.out.problems.push(Problem {
            file: file.to_owned(),
            message,
        });
    }

    fn day_file(&mut self, file: &str, day: Result<ParsedDay<'_>, String>) {
        let day = match day {
            Ok(day) => day,
            Err(e) => return self.problem(file, e),
        };
        self.out.read_any = true;
        if let Some(unreadable) = day.unreadable {
            self.problem(file, unreadable);
        }
        let mut latest = i64::MIN;
        for ((secs, _), message) in &day.messages {
            latest = latest.max(*secs);
            self.message(*secs, message, file);
        }
        if latest > i64::MIN {
            self.forget_before(latest);
        }
    }

    /// Drops what the policy and thread lookups can no longer need.
    fn forget_before(&mut self, now: i64) {
        self.threads
            .retain(|_, thread| now - thread.last_seen <= THREAD_RETENTION_SECS);
        self.user_flags.retain(|_, times| {
            while times.front().is_some_and(|t| now - *t >= DAY_SECS) {
                times.pop_front();
            }
            !times.is_empty()
        });
    }

    fn day_of(&mut self, secs: i64) -> Date {
        let day_number = secs.div_euclid(DAY_SECS);
        if self.day_cache.0 != day_number {
            self.day_cache = (day_number, utc(secs).0);
        }
        self.day_cache.1
    }

    fn message(&mut self, secs: i64, message: &RawMessage<'_>, file: &str) {
        let day = self.day_of(secs);
        let counted = self.shared.since.is_none_or(|s| day >= s)
            && self.shared.until.is_none_or(|u| day <= u);
        if counted {
            self.out.summary.counts.messages += 1;
            self.week(day).messages += 1;
            self.out.first_day = Some(self.out.first_day.map_or(day, |d| d.min(day)));
            self.out.last_day = Some(self.out.last_day.map_or(day, |d| d.max(day)));
        }

        if message.kind.as_deref().is_some_and(|k| k != "message") || message.hidden {
            return;
        }
        match message.subtype.as_deref() {
            None => {}
            Some(s) if PEOPLE_SUBTYPES.contains(&s) => {}
            Some(s) => {
                if !OTHER_SUBTYPES.contains(&s) {
                    let entry = self
                        .out
                        .unknown_subtypes
                        .entry(s.to_owned())
                        .or_insert_with(|| (0, file.to_owned()));
                    entry.0 += 1;
                }
                return;
            }
        }
        if message.bot_id.is_some() {
            return;
        }
        let Some(user) = message.user.as_deref() else {
            return;
        };
        let member = self.shared.members.get(user);
        // Slackbot is not marked as a bot in users.json, but is one.
        if member.is_some_and(|m| m.is_bot) || user == "USLACKBOT" {
            return;
        }
        if member.is_none() {
            let entry = self
                .out
                .missing_users
                .entry(user.to_owned())
                .or_insert_with(|| (0, file.to_owned()));
            entry.0 += 1;
        }
        let text = message.text.as_deref().unwrap_or("");
        if text.trim().is_empty() {
            return;
        }

        let ts = message.ts.as_deref().unwrap_or("");
        let thread_ts = message.thread_ts.as_deref().filter(|t| !t.is_empty());
        let is_reply = thread_ts.is_some_and(|t| t != ts);
        let thread_key = thread_ts.unwrap_or(ts);
        // Older exports mark a root only by its `replies` or `reply_count`.
        let is_root = !is_reply
            && (thread_ts.is_some()
                || message.replies.is_some()
                || message.reply_count.is_some_and(|n| n > 0));
        if is_root {
            self.threads.insert(
                thread_key.to_owned(),
                Thread {
                    context: Vec::new(),
                    last_seen: secs,
                },
            );
        }

        let assessment = {
            let thread: &[String] = match self.threads.get(thread_key) {
                Some(thread) if is_reply => &thread.context,
                _ => &[],
            };
            self.shared.classifier.assess(
                text,
                &Context {
                    thread,
                    log: Some(&self.log),
                    recent_since: Some(secs - RECENT_DECISION),
                },
            )
        };

        if let Some(thread) = self.threads.get_mut(thread_key) {
            thread.last_seen = secs;
            if !is_reply || assessment.kind == Kind::Decision {
                thread.context.push(text.to_owned());
            }
        }
        // The log, the digest's decisions and a topic's decided day take
        // the decisions the bot would have logged; the counts take every
        // message read as one.
        if assessment.joins_log() {
            let topic = assessment.topic.as_deref().unwrap_or(text);
            self.log.insert_at(self.next_decision_id, topic, text, secs);
            if self.shared.digests && !self.private {
                self.out.decisions.push(DecisionSeen {
                    day,
                    topic: topic.to_owned(),
                    text: display_text(text, self.shared.members),
                });
            }
            self.next_decision_id += 1;
            if let Some(topic) = &assessment.topic
                && let Some(tally) = self.out.topics.get_mut(topic)
                && tally.decided_on.is_none()
            {
                tally.decided_on = Some(day);
            }
        }

        if counted {
            let counts = &mut self.out.summary.counts;
            counts.assessed += 1;
            let kind_counter = match assessment.kind {
                Kind::AlignmentRequest => Some(&mut counts.alignment_asks),
                Kind::Decision => Some(&mut counts.decisions),
                Kind::Confusion => Some(&mut counts.confusion),
                Kind::Disagreement => Some(&mut counts.disagreement),
                Kind::Other => None,
            };
            if let Some(counter) = kind_counter {
                *counter += 1;
            }
            if assessment.premature {
                counts.premature += 1;
            }
            let week = self.week(day);
            week.assessed += 1;
            match assessment.kind {
                Kind::AlignmentRequest => week.alignment_asks += 1,
                Kind::Decision => week.decisions += 1,
                Kind::Confusion => week.confusion += 1,
                Kind::Disagreement => week.disagreement += 1,
                Kind::Other => {}
            }
            if assessment.premature {
                week.premature += 1;
                if let Some(topic) = &assessment.topic {
                    let tally = self.out.topics.entry(topic.clone()).or_default();
                    tally.asks += 1;
                    if tally.dates.last() != Some(&day) && tally.dates.len() < TOPIC_DATES_KEPT {
                        tally.dates.push(day);
                    }
                }
            }
        }

        if assessment.premature
            && self.shared.digests
            && !self.private
            && let Some(topic) = &assessment.topic
        {
            self.out.asks.push(TopicAsk {
                day,
                topic: topic.clone(),
                user: user.to_owned(),
                thread: thread_key.to_owned(),
            });
        }
        if assessment.premature {
            self.consider_flag(
                secs,
                user,
                message,
                thread_ts,
                thread_key,
                &assessment,
                counted,
            );
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; the arguments are the message's facts"
    )]
    fn consider_flag(
        &mut self,
        secs: i64,
        user: &str,
        message: &RawMessage<'_>,
        thread_ts: Option<&str>,
        thread_key: &str,
        assessment: &Assessment,
        counted: bool,
    ) {
        let verdict = if self.direct {
            Err("direct_message")
        } else {
            let user_flags_last_day = self
                .user_flags
                .get(user)
                .map(|times| times.iter().filter(|t| secs - **t < DAY_SECS).count())
                .unwrap_or(0);
            let facts = PolicyFacts {
                now: secs,
                score: assessment.score,
                channel_muted: false,
                thread_already_flagged: self.flagged_threads.contains(thread_key),
                last_channel_flag_at: self.last_flag_at,
                user_flags_last_day: u32::try_from(user_flags_last_day).unwrap_or(u32::MAX),
            };
            self.shared.policy.verdict(&facts).map_err(|s| s.as_str())
        };
        if let Err(reason) = verdict {
            if counted {
                *self.out.suppressed.entry(reason).or_default() += 1;
            }
            return;
        }
        self.last_flag_at = Some(secs);
        self.user_flags
            .entry(user.to_owned())
            .or_default()
            .push_back(secs);
        // Only a thread can be answered in again; the bot's flags table keeps
        // them for good, so a quiet thread stays flagged after its context goes.
        if self.threads.contains_key(thread_key) {
            self.flagged_threads.insert(thread_key.to_owned());
        }
        if !counted {
            return;
        }
        self.out.summary.counts.flags += 1;
        let (day, at) = utc(secs);
        self.week(day).flags += 1;
        let author = self.shared.names.then(|| self.author(user, message));
        let text = display_text(message.text.as_deref().unwrap_or(""), self.shared.members);
        self.out.flags.push(Flag {
            channel: self.out.summary.name.clone(),
            at,
            ts: message.ts.as_deref().unwrap_or("").to_owned(),
            thread_ts: thread_ts.map(str::to_owned),
            author,
            text: (!self.private).then_some(text),
            topic: if self.private {
                None
            } else {
                assessment.topic.clone()
            },
            score: assessment.score,
            reasons: assessment
                .reasons
                .iter()
                .map(|r| FlagReason {
                    rule: r.rule.clone(),
                    kind: r.kind.to_owned(),
                    words: (!self.private).then(|| r.matched.clone()),
                })
                .collect(),
        });
    }

    fn author(&self, user: &str, message: &RawMessage<'_>) -> String {
        if let Some(member) = self.shared.members.get(user) {
            return member.display_name.clone();
        }
        message
            .user_profile
            .as_ref()
            .and_then(|p| {
                [p.display_name.as_deref(), p.real_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .find(|n| !n.trim().is_empty())
            })
            .unwrap_or(user)
            .to_owned()
    }

    fn week(&mut self, day: Date) -> &mut Counts {
        self.out.weeks.entry(week_start(day)).or_default()
    }
}

/// A message as people read it in Slack: mentions by name, links by their
/// label, entities unescaped.
pub fn display_text(text: &str, members: &HashMap<String, Member>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let inner = &after[..close];
        let (target, label) = match inner.split_once('|') {
            Some((target, label)) => (target, Some(label)),
            None => (inner, None),
        };
        if let Some(user) = target.strip_prefix('@') {
            out.push('@');
            match (members.get(user), label) {
                (Some(member), _) => out.push_str(&member.display_name),
                (None, Some(label)) => out.push_str(label),
                (None, None) => out.push_str(user),
            }
        } else if let Some(channel) = target.strip_prefix('#') {
            out.push('#');
            out.push_str(label.unwrap_or(channel));
        } else if let Some(special) = target.strip_prefix('!') {
            match label {
                Some(label) => out.push_str(label),
                None => {
                    out.push('@');
                    out.push_str(special);
                }
            }
        } else {
            out.push_str(label.unwrap_or(target));
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_markup_is_shown_as_people_read_it() {
        let mut members = HashMap::new();
        members.insert(
            "U1".to_owned(),
            Member {
                display_name: "ana".into(),
                is_bot: false,
            },
        );
        assert_eq!(
            display_text(
                "<@U1> <@U9|bo> see <#C1|product>, <https://x.example|the doc> &amp; <!here> a &lt; b <oops",
                &members
            ),
            "@ana @bo see #product, the doc & @here a < b <oops"
        );
    }

    #[test]
    fn slack_timestamps_split_into_seconds_and_microseconds() {
        assert_eq!(parse_ts("1767600000.000200"), Some((1_767_600_000, 200)));
        assert_eq!(parse_ts("1767600000"), Some((1_767_600_000, 0)));
        assert_eq!(parse_ts("soon"), None);
        assert_eq!(parse_ts("-5.1"), None);
        assert_eq!(parse_ts("99999999999999.0"), None);
    }

    #[test]
    fn a_time_is_dated_in_utc() {
        let (day, at) = utc(1_767_600_000);
        assert_eq!(day, jiff::civil::date(2026, 1, 5));
        assert_eq!(at, "2026-01-05 08:00");
    }
}
