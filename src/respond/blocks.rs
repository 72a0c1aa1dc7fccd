//! One renderer for every message the bot sends: a [`Reply`] becomes the
//! `text` fallback (notifications, screen readers) and Block Kit blocks.
//! Short, kind, readable on a phone. Whatever people typed is shortened to a
//! sane length here; what is rendered is then fitted to Slack's limits
//! ([`limits::fit_message`]), after escaping.

use crate::policy::WhoMayMute;
use crate::respond::format;
use crate::respond::limits::{self, SECTION_TEXT};
use crate::respond::views::{ActionId, MAX_TOPIC_CHARS};
use slack_morphism::prelude::*;

/// Everything the bot posts.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The question on a premature alignment ask.
    Flag {
        /// What the ask is about, if the classifier found it.
        topic: Option<String>,
        /// The words that made it read as an alignment ask.
        asked_with: Option<String>,
        /// The stored flag: its buttons carry this id. `None`: no buttons.
        flag_id: Option<i64>,
    },
    /// `/clarity help`, and the answer to anything it does not understand.
    Usage {
        /// Why the usage is shown (an input it could not read), if not asked for.
        problem: Option<String>,
        /// Each command's syntax and what it does.
        commands: Vec<(String, String)>,
    },
    /// `/clarity check`: what the classifier makes of a draft.
    Verdict {
        kind: String,
        premature: bool,
        topic: Option<String>,
        score: f64,
        /// The words that matched, with the kind of rule they matched.
        reasons: Vec<(String, String)>,
        /// Why the bot would stay quiet right now, in this channel, for
        /// this person (empty: it would ask, or has no reason to).
        silence: Vec<Silence>,
    },
    /// `/clarity decide` without a topic and a decision.
    DecideHowTo,
    /// `/clarity decide`: the decision, announced in the channel.
    DecisionRecorded {
        topic: String,
        decision: String,
        author: String,
        /// A decision on the same topic was replaced by this one.
        supersedes: bool,
        /// Recorded without its reasoning: the question to its owner.
        why: Option<AskWhy>,
    },
    /// `/clarity decisions [query]`.
    Decisions {
        query: Option<String>,
        items: Vec<DecisionLine>,
    },
    /// `/clarity status`: what is still undecided in the channel.
    Status {
        open: Vec<OpenLine>,
        decided: Vec<DecisionLine>,
        /// Open questions ("No decision yet"): who decides, by when.
        questions: Vec<QuestionLine>,
    },
    /// `/clarity mute`: quiet until then (ms), said to the person who muted.
    Muted { until: i64 },
    /// `/clarity mute` or the mute button by someone `[mute] who` does not
    /// allow: who may.
    MuteRefused { who: WhoMayMute },
    /// `/clarity unmute`.
    Unmuted,
    /// `/clarity settings`.
    ChannelSettings {
        monitored: bool,
        /// The end of a mute in force (ms).
        muted_until: Option<i64>,
    },
    /// Something went wrong on the bot's side; says what to do next.
    Problem { what: String, next: String },
    /// The flag reply, updated in place once its decision is recorded.
    FlagDecided {
        topic: String,
        decision: String,
        owner: Option<String>,
    },
    /// The flag reply, updated in place after *Not an alignment request*.
    FlagDismissed { by: String },
    /// Who muted the bot until when (ms): the one line the channel sees
    /// (and the flag reply, updated in place, after its mute button).
    FlagMuted { until: i64, by: String },
    /// The flag reply, updated in place after *No decision yet*: the
    /// question, who decides by when, and only *Record the decision* left.
    FlagOpen {
        topic: String,
        owner: String,
        /// Formatted due date ("Fri 12 Dec").
        due: String,
        flag_id: i64,
    },
    /// One line in the thread after *No decision yet*.
    OpenQuestion {
        topic: String,
        owner: String,
        /// Formatted due date ("Fri 12 Dec").
        due: String,
    },
    /// The DM to an open question's owner once its due date has passed.
    Reminder {
        topic: String,
        channel: String,
        due: String,
    },
    /// An ask on a topic that has a recorded decision, or a "let's
    /// revisit" of it: the decision (once per thread), and with a flag,
    /// what's new since then, *Keep the decision* and *Supersede it*.
    SurfacedDecision {
        decision: String,
        /// When it was recorded (ms), shown as a day in the reader's zone.
        decided_at: i64,
        owner: Option<String>,
        link: Option<String>,
        reasoning: Option<String>,
        /// The reopen's flag: its buttons carry this id. `None`: no buttons.
        flag_id: Option<i64>,
    },
    /// The reopened decision's reply, updated in place after *Keep the
    /// decision*.
    DecisionKept {
        decision: String,
        /// When it was decided, and kept (ms), shown as days in the
        /// reader's zone.
        decided_at: i64,
        kept_at: i64,
        by: String,
    },
    /// A decision stated in a message without its reasoning: the one
    /// question to its owner, in its thread.
    AskWhy { topic: String, ask: AskWhy },
    /// One line in the decision's thread: the reasoning its owner gave.
    Reasoning {
        topic: String,
        reasoning: String,
        by: String,
    },
    /// The daily DM to a decision's owner: who did not understand it, who
    /// does not support it (counts and links, no names).
    ReceptionNote(ReceptionNote),
    /// `/clarity settings notes on|off`, and the note's button.
    NotesSet {
        on: bool,
        /// For the whole workspace, not only the person.
        workspace: bool,
    },
    /// `/clarity decide` without arguments: the form is open.
    DecideFormOpened,
    /// One line in a flag's thread: the decision recorded from its button.
    ThreadDecision {
        topic: String,
        decision: String,
        by: String,
        /// Recorded without its reasoning: the question to its owner.
        why: Option<AskWhy>,
    },
    /// The one message when the bot joins a channel, once ever.
    Greeting,
    /// An @mention asking whether a topic was decided: the decision.
    MentionDecided { line: DecisionLine },
    /// An @mention asking whether a topic was decided, and none is
    /// recorded: says so, with a button that records one.
    MentionUndecided { query: String },
    /// `/clarity forget` without an id: the channel's latest decisions
    /// with the ids that forget them.
    ForgetWhich { items: Vec<(i64, DecisionLine)> },
    /// `/clarity forget <id>` done; the topic when the asker may see it.
    DecisionForgotten { id: i64, topic: Option<String> },
    /// The weekly digest (posted, or previewed with `/clarity digest`);
    /// rendered by the digest's own renderer.
    Digest(Box<crate::domain::digest::Digest>),
}

/// Why the bot would not ask right now, as `/clarity check` explains it.
/// Times are ms since the epoch, shown in each reader's own zone.
#[derive(Debug, Clone, PartialEq)]
pub enum Silence {
    /// The thread already has the bot's question.
    ThreadAlreadyAsked,
    /// The channel is muted until then; `None`: not watched at all.
    ChannelMuted { until: Option<i64> },
    /// Not sure enough it is an ask: the score, and the least it needs.
    LowScore { score: f64, min: f64 },
    /// The bot asked in this channel recently and waits until then.
    ChannelCooldown { until: i64 },
    /// The bot has asked about this person's messages this often in the
    /// last 24 hours: its daily limit.
    UserDailyCap { count: u32 },
    /// The decision log covers the topic.
    DecisionFound {
        topic: String,
        decision: String,
        /// When it was recorded (ms), when the log says.
        recorded_at: Option<i64>,
    },
}

/// One decision in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionLine {
    pub topic: String,
    pub decision: String,
    /// When it was recorded (ms), shown as a day in the reader's zone.
    pub recorded_at: i64,
    pub owner: Option<String>,
    /// The channel, when the list spans channels.
    pub channel: Option<String>,
    pub link: Option<String>,
    pub reasoning: Option<String>,
    /// The decisions it replaced, newest first: (decision, when it was
    /// recorded, ms).
    pub replaces: Vec<(String, i64)>,
}

/// The question to a decision's owner when it was recorded without its
/// reasoning; its button carries the decision's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskWhy {
    pub decision_id: i64,
    pub owner: String,
}

/// What the daily note tells a decision's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceptionNote {
    pub topic: String,
    /// When it was decided (ms), shown as a day in the reader's zone.
    pub decided_at: i64,
    pub channel: String,
    /// How many people asked what it means, and links to what they wrote.
    pub confused: i64,
    pub confused_links: Vec<String>,
    /// How many people disagree, and links.
    pub disagree: i64,
    pub disagree_links: Vec<String>,
}

/// One open question in `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionLine {
    pub topic: String,
    pub owner: Option<String>,
    /// Formatted due date.
    pub due: Option<String>,
}

/// One undecided topic in `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenLine {
    pub topic: String,
    pub asks: i64,
    pub askers: i64,
    pub link: Option<String>,
}

/// A topic is shown at most this long: the decide form's own limit, so a
/// topic typed there is never shortened.
const TOPIC_CHARS: usize = MAX_TOPIC_CHARS as usize;
/// The words quoted from a message (what matched a rule), at most.
const QUOTE_CHARS: usize = 150;
/// A decision in a list is shown at most this long; its source link (when
/// it has one) leads to the whole of it.
const LISTED_DECISION_CHARS: usize = 280;
/// Reasoning is shown at most this long (one or two sentences).
const REASONING_CHARS: usize = 500;
/// A note links at most this many messages per kind.
const NOTE_LINKS: usize = 5;

impl Reply {
    /// Renders the message content, within Slack's limits.
    pub fn render(&self) -> SlackMessageContent {
        limits::fit_message(self.content())
    }

    fn content(&self) -> SlackMessageContent {
        match self {
            Reply::Flag {
                topic,
                asked_with,
                flag_id,
            } => {
                let subject = topic
                    .as_deref()
                    .map(|t| format!("*{}*", short_topic(t)))
                    .unwrap_or_else(|| "this".into());
                let question =
                    format!("Before aligning on {subject}: which decision has actually been made?");
                let why = match (asked_with, topic) {
                    (Some(words), Some(_)) => format!(
                        "Why I ask: “{}” asks people to converge, and I found no decision on it in this thread or the decision log.",
                        quote(words)
                    ),
                    (Some(words), None) => format!(
                        "Why I ask: “{}” asks people to converge, and I found no decision in this thread or the decision log.",
                        quote(words)
                    ),
                    (None, _) => "Why I ask: this reads as a request to align, and I found no decision in this thread or the decision log.".into(),
                };
                let hint = "If it's decided, say so here (“Decision: …”) and I'll remember it. If not, deciding first makes the alignment easy.";
                let mut blocks: Vec<SlackBlock> = vec![
                    SlackSectionBlock::new().with_text(md(question.clone())).into(),
                    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                        SlackBlockMarkDownText::new(why),
                    )])
                    .into(),
                    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                        SlackBlockMarkDownText::new(hint.into()),
                    )])
                    .into(),
                ];
                if let Some(id) = flag_id {
                    blocks.push(flag_buttons(*id));
                }
                SlackMessageContent::new()
                    .with_text(question)
                    .with_blocks(blocks)
            }
            Reply::Usage { problem, commands } => {
                let mut lines = Vec::new();
                if let Some(problem) = problem {
                    lines.push(format!("{} Here is what I can do:", escape(problem)));
                } else {
                    lines.push("Here is what I can do:".to_string());
                }
                for (syntax, about) in commands {
                    lines.push(format!(
                        "• `/clarity {}` — {}",
                        escape_inline(syntax),
                        escape(about)
                    ));
                }
                plain(lines.join("\n"))
            }
            Reply::Verdict {
                kind,
                premature,
                topic,
                score,
                reasons,
                silence,
            } => {
                let verdict = if *premature && silence.is_empty() {
                    "I would ask which decision has been made: this reads as an alignment ask with no decision behind it."
                        .to_string()
                } else if *premature {
                    "I would stay quiet right now, though this reads as an alignment ask with no decision behind it:"
                        .to_string()
                } else if silence.is_empty() {
                    format!(
                        "I would stay quiet: this reads as *{}*.",
                        escape(&kind.replace('_', " "))
                    )
                } else {
                    format!(
                        "I wouldn't ask which decision has been made: this reads as *{}*, and",
                        escape(&kind.replace('_', " "))
                    )
                };
                let mut lines = vec![verdict];
                lines.extend(silence.iter().map(silence_line));
                if let Some(topic) = topic {
                    lines.push(format!("Topic: *{}*", short_topic(topic)));
                }
                lines.push(format!("Confidence: {:.0}%", score * 100.0));
                if !reasons.is_empty() {
                    let words: Vec<String> = reasons
                        .iter()
                        .map(|(matched, kind)| {
                            format!(
                                "“{}” ({})",
                                quote(matched),
                                escape(&kind.replace('_', " "))
                            )
                        })
                        .collect();
                    lines.push(format!("Because of: {}", words.join(", ")));
                }
                plain(lines.join("\n"))
            }
            Reply::DecideHowTo => plain(
                "To record a decision, write the topic, two colons, then the decision:\n\
                 `/clarity decide search relevance :: we ship BM25 ranking first`"
                    .to_string(),
            ),
            Reply::DecisionRecorded {
                topic,
                decision,
                author,
                supersedes,
                why,
            } => {
                let headline = format!(
                    "Decision recorded: *{}* — {}",
                    short_topic(topic),
                    escape_inline(decision)
                );
                let mut note = format!("Recorded by <@{}>.", escape(author));
                if *supersedes {
                    note.push_str(" It replaces the earlier decision on this topic.");
                }
                with_why(with_context(headline, note), why.as_ref())
            }
            Reply::Decisions { query, items } => {
                if items.is_empty() {
                    return plain(match query {
                        Some(query) => format!(
                            "No decisions match “{}”. Try fewer words, or record one with `/clarity decide topic :: decision`.",
                            quote(query)
                        ),
                        None => "No decisions recorded in this channel yet. Record one with `/clarity decide topic :: decision`.".to_string(),
                    });
                }
                let title = match query {
                    Some(query) => format!("Decisions matching “{}”, newest first:", quote(query)),
                    None => "Decisions in this channel, newest first:".to_string(),
                };
                let mut lines = vec![title];
                lines.extend(items.iter().map(decision_line));
                plain(lines.join("\n"))
            }
            Reply::Status {
                open,
                decided,
                questions,
            } => {
                let mut lines = Vec::new();
                if open.is_empty() && !questions.is_empty() {
                    lines.push("No other alignment asks without a decision here in the last 30 days.".to_string());
                } else if open.is_empty() {
                    lines.push("Nothing undecided: no alignment asks without a decision here in the last 30 days.".to_string());
                } else {
                    lines.push("Asked to align on, but not decided (last 30 days):".to_string());
                    for topic in open {
                        let times = if topic.asks == 1 {
                            "once".to_string()
                        } else {
                            format!("{} times", topic.asks)
                        };
                        let people = if topic.askers == 1 {
                            "1 person".to_string()
                        } else {
                            format!("{} people", topic.askers)
                        };
                        let link = topic
                            .link
                            .as_deref()
                            .map(|l| format!(" · <{}|latest ask>", escape(l)))
                            .unwrap_or_default();
                        lines.push(limits::fit(
                            &format!(
                                "• *{}* — asked {times} by {people}",
                                short_topic(&topic.topic)
                            ),
                            &link,
                            SECTION_TEXT,
                        ));
                    }
                    lines.push("Record one with `/clarity decide topic :: decision`.".to_string());
                }
                if !questions.is_empty() {
                    lines.push("Open questions:".to_string());
                    for question in questions {
                        let mut line = format!("• *{}*", short_topic(&question.topic));
                        if let Some(owner) = &question.owner {
                            line.push_str(&format!(" — <@{}> decides", escape(owner)));
                        }
                        if let Some(due) = &question.due {
                            line.push_str(&format!(" by {}", escape(due)));
                        }
                        lines.push(line);
                    }
                }
                if !decided.is_empty() {
                    lines.push("Decided in the same period:".to_string());
                    lines.extend(decided.iter().map(decision_line));
                }
                plain(lines.join("\n"))
            }
            Reply::Muted { until } => plain(format!(
                "I'll stay quiet in this channel until {}. `/clarity unmute` brings me back sooner.",
                format::local_moment(*until)
            )),
            Reply::MuteRefused { who } => plain(format!(
                "Only {} can mute me in this channel (this workspace's `[mute] who` setting). You can still dismiss a question with *Not an alignment request*.",
                match who {
                    WhoMayMute::Anyone => "its members",
                    WhoMayMute::ChannelManagers => "the channel's creator and workspace admins",
                    WhoMayMute::Admins => "workspace admins",
                }
            )),
            Reply::Unmuted => plain("I'm listening in this channel again.".to_string()),
            Reply::ChannelSettings {
                monitored,
                muted_until,
            } => {
                let watching = if *monitored { "on" } else { "off" };
                let mute = match muted_until {
                    Some(until) => format!(
                        "muted until {} (`/clarity unmute` to undo)",
                        format::local_moment(*until)
                    ),
                    None => "not muted (`/clarity mute 3d` to quiet me)".to_string(),
                };
                plain(format!(
                    "Settings for this channel:\n• Watching for alignment asks: {watching}\n• Mute: {mute}"
                ))
            }
            Reply::Problem { what, next } => plain(format!(
                "{} {}",
                escape_inline(what),
                escape_inline(next)
            )),
            Reply::FlagDecided {
                topic,
                decision,
                owner,
            } => {
                let headline = format!(
                    "Decided: *{}* — {}",
                    short_topic(topic),
                    escape_inline(decision)
                );
                let note = match owner {
                    Some(owner) => format!(
                        "<@{}> owns it. Now aligning on it is the easy part.",
                        escape(owner)
                    ),
                    None => "Now aligning on it is the easy part.".to_string(),
                };
                with_context(headline, note)
            }
            Reply::FlagOpen {
                topic,
                owner,
                due,
                flag_id,
            } => {
                let question = format!(
                    "Before aligning on *{}*: which decision has actually been made?",
                    short_topic(topic)
                );
                let status = format!(
                    "Not decided yet: <@{}> decides by {}. Record it here when it's made.",
                    escape(owner),
                    escape(due)
                );
                let button = SlackBlockButtonElement::new("Record the decision".into())
                    .with_action_id(ActionId::RecordDecision.as_str().into())
                    .with_value(flag_id.to_string())
                    .with_style(SlackBlockButtonStyle::Primary);
                SlackMessageContent::new()
                    .with_text(question.clone())
                    .with_blocks(vec![
                        SlackSectionBlock::new().with_text(md(question)).into(),
                        SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                            SlackBlockMarkDownText::new(status),
                        )])
                        .into(),
                        SlackActionsBlock::new(vec![SlackActionBlockElement::Button(button)])
                            .with_block_id("flag_actions".into())
                            .into(),
                    ])
            }
            Reply::FlagDismissed { by } => plain(format!(
                "Thanks, <@{}> — noted: not an alignment request. I'll leave this one alone.",
                escape(by)
            )),
            Reply::FlagMuted { until, by } => plain(format!(
                "<@{}> muted me in this channel until {}. `/clarity unmute` brings me back sooner.",
                escape(by),
                format::local_moment(*until)
            )),
            Reply::OpenQuestion { topic, owner, due } => plain(format!(
                "Open: *{}* — <@{}> decides by {}",
                short_topic(topic),
                escape(owner),
                escape(due)
            )),
            Reply::Reminder {
                topic,
                channel,
                due,
            } => plain(format!(
                "Reminder: *{}* in <#{}> was to be decided by {}, and no decision is recorded yet. Record it with the question's *Record the decision* button or `/clarity decide {} :: …` in that channel.",
                short_topic(topic),
                escape(channel),
                escape(due),
                short_topic(topic)
            )),
            Reply::SurfacedDecision {
                decision,
                decided_at,
                owner,
                link,
                reasoning,
                flag_id,
            } => {
                let by = owner
                    .as_deref()
                    .map(|owner| format!(" by <@{}>", escape(owner)))
                    .unwrap_or_default();
                let link = link
                    .as_deref()
                    .map(|link| format!(" (<{}|source>)", escape(link)))
                    .unwrap_or_default();
                // Shortened inside the bold, so the closing `*` and the
                // link to the whole decision survive.
                let text = limits::fit(
                    &format!(
                        "For reference: decided on {}{by} — *{}",
                        format::decided_on(*decided_at),
                        escape(decision)
                    ),
                    &format!("*{link}"),
                    SECTION_TEXT,
                );
                let mut blocks: Vec<SlackBlock> =
                    vec![SlackSectionBlock::new().with_text(md(text.clone())).into()];
                if let Some(reasoning) = reasoning {
                    blocks.push(context(format!(
                        "Why: {}",
                        escape_inline(&limits::shorten(&one_line(reasoning), REASONING_CHARS))
                    )));
                }
                if let Some(id) = flag_id {
                    blocks.push(context(
                        "What's new since then? If it still holds, keep it; if something changed, record the decision that replaces it.".into(),
                    ));
                    blocks.push(reopen_buttons(*id));
                }
                SlackMessageContent::new().with_text(text).with_blocks(blocks)
            }
            Reply::DecisionKept {
                decision,
                decided_at,
                kept_at,
                by,
            } => with_context(
                format!(
                    "Kept: *{}* (decided on {})",
                    escape(&limits::shorten(&one_line(decision), LISTED_DECISION_CHARS)),
                    format::decided_on(*decided_at)
                ),
                format!(
                    "<@{}> confirmed it on {}: nothing new changes it.",
                    escape(by),
                    format::recorded_on(*kept_at)
                ),
            ),
            Reply::AskWhy { topic, ask } => {
                let text = format!(
                    "<@{}>, what's the reasoning behind *{}*, in one or two sentences? People align on a decision they understand.",
                    escape(&ask.owner),
                    short_topic(topic)
                );
                SlackMessageContent::new()
                    .with_text(text.clone())
                    .with_blocks(vec![
                        SlackSectionBlock::new().with_text(md(text)).into(),
                        why_button(ask.decision_id),
                    ])
            }
            Reply::Reasoning {
                topic,
                reasoning,
                by,
            } => plain(format!(
                "Why *{}*, from <@{}>: {}",
                short_topic(topic),
                escape(by),
                escape_inline(&limits::shorten(reasoning, REASONING_CHARS))
            )),
            Reply::ReceptionNote(note) => reception_note(note),
            Reply::NotesSet { on, workspace } => plain(match (on, workspace) {
                (true, false) => "You'll get a note, at most once a day, when people seem confused by or disagree with a decision you own.".to_string(),
                (false, false) => "No more notes on your decisions' reception. `/clarity settings notes on` brings them back.".to_string(),
                (true, true) => "Owners in this workspace get a daily note on their decisions' reception again (each can still turn theirs off).".to_string(),
                (false, true) => "No owner in this workspace gets notes on their decisions' reception any more. `/clarity settings notes on everyone` brings them back.".to_string(),
            }),
            Reply::ThreadDecision {
                topic,
                decision,
                by,
                why,
            } => with_why(
                plain(format!(
                    "Decision recorded by <@{}>: *{}* — {}",
                    escape(by),
                    short_topic(topic),
                    escape_inline(decision)
                )),
                why.as_ref(),
            ),
            Reply::DecideFormOpened => plain(
                "The decision form is open. (You can also type `/clarity decide topic :: decision`.)"
                    .to_string(),
            ),
            Reply::Greeting => plain(
                "Hi, I'm Clarity. When someone here asks to get aligned on something nobody has decided yet, I ask which decision has been made, with a button to record it. I ask at most once per thread. Mute me for a while with `/clarity mute 3 days`; `/clarity help` shows the rest."
                    .to_string(),
            ),
            Reply::MentionDecided { line } => {
                let mut text = format!(
                    "Yes: *{}* was decided on {}",
                    short_topic(&line.topic),
                    format::recorded_on(line.recorded_at)
                );
                if let Some(owner) = &line.owner {
                    text.push_str(&format!(", owner <@{}>", escape(owner)));
                }
                if let Some(channel) = &line.channel {
                    text.push_str(&format!(", in <#{}>", escape(channel)));
                }
                let decision = limits::shorten(&one_line(&line.decision), LISTED_DECISION_CHARS);
                text.push_str(&format!(" — {}", escape_inline(&decision)));
                let link = line
                    .link
                    .as_deref()
                    .map(|link| format!(" (<{}|source>)", escape(link)))
                    .unwrap_or_default();
                plain(limits::fit(&text, &link, SECTION_TEXT))
            }
            Reply::MentionUndecided { query } => {
                let text = format!(
                    "There is no recorded decision on “{}”. If it has been decided, record it so everyone can find it.",
                    quote(query)
                );
                let topic = limits::shorten(&one_line(query), TOPIC_CHARS);
                let button = SlackBlockButtonElement::new("Record the decision".into())
                    .with_action_id(ActionId::RecordTopic.as_str().into())
                    .with_value(topic)
                    .with_style(SlackBlockButtonStyle::Primary);
                SlackMessageContent::new()
                    .with_text(text.clone())
                    .with_blocks(vec![
                        SlackSectionBlock::new().with_text(md(text)).into(),
                        SlackActionsBlock::new(vec![SlackActionBlockElement::Button(button)])
                            .with_block_id("record_topic".into())
                            .into(),
                    ])
            }
            Reply::ForgetWhich { items } => {
                if items.is_empty() {
                    return plain(
                        "No decisions are recorded in this channel, so there is nothing to forget."
                            .to_string(),
                    );
                }
                let mut lines = vec![
                    "Which one? `/clarity forget &lt;id&gt;` removes a decision from the log; its recorder or a workspace admin may. This channel's latest:".to_string(),
                ];
                lines.extend(items.iter().map(|(id, item)| {
                    format!("• `{id}` {}", decision_line(item).trim_start_matches("• "))
                }));
                plain(lines.join("\n"))
            }
            Reply::DecisionForgotten { id, topic } => plain(match topic {
                Some(topic) => format!(
                    "Done: decision `{id}` on *{}* is gone from the decision log.",
                    short_topic(topic)
                ),
                None => format!("Done: decision `{id}` is gone from the decision log."),
            }),
            Reply::Digest(digest) => super::digest::blocks(digest),
        }
    }
}

/// The flag reply's buttons; each carries the flag's id.
fn flag_buttons(flag_id: i64) -> SlackBlock {
    let button = |id: ActionId, label: &str| {
        SlackBlockButtonElement::new(label.into())
            .with_action_id(id.as_str().into())
            .with_value(flag_id.to_string())
    };
    SlackActionsBlock::new(vec![
        SlackActionBlockElement::Button(
            button(ActionId::RecordDecision, "Record the decision")
                .with_style(SlackBlockButtonStyle::Primary),
        ),
        SlackActionBlockElement::Button(button(ActionId::NoDecisionYet, "No decision yet")),
        SlackActionBlockElement::Button(button(ActionId::Helpful, "This helped")),
        SlackActionBlockElement::Button(button(ActionId::NotAlignment, "Not an alignment request")),
        SlackActionBlockElement::Button(
            button(ActionId::MuteWeek, "Mute this channel for a week").with_confirm(
                SlackBlockConfirmItem::new(
                    "Mute for everyone here?".into(),
                    md("I'll stop asking in this channel for a week, for everyone in it, and the channel will see that you muted me. `/clarity unmute` brings me back sooner.".into()),
                    "Mute for a week".into(),
                    "Cancel".into(),
                ),
            ),
        ),
    ])
    .with_block_id("flag_actions".into())
    .into()
}

/// A reopened decision's buttons; each carries the reopen's flag id.
fn reopen_buttons(flag_id: i64) -> SlackBlock {
    SlackActionsBlock::new(vec![
        SlackActionBlockElement::Button(
            SlackBlockButtonElement::new("Keep the decision".into())
                .with_action_id(ActionId::KeepDecision.as_str().into())
                .with_value(flag_id.to_string())
                .with_style(SlackBlockButtonStyle::Primary),
        ),
        SlackActionBlockElement::Button(
            SlackBlockButtonElement::new("Supersede it".into())
                .with_action_id(ActionId::SupersedeDecision.as_str().into())
                .with_value(flag_id.to_string()),
        ),
    ])
    .with_block_id("reopen_actions".into())
    .into()
}

/// *Add the reasoning*, carrying the decision's id.
fn why_button(decision_id: i64) -> SlackBlock {
    SlackActionsBlock::new(vec![SlackActionBlockElement::Button(
        SlackBlockButtonElement::new("Add the reasoning".into())
            .with_action_id(ActionId::AddReasoning.as_str().into())
            .with_value(decision_id.to_string()),
    )])
    .with_block_id("ask_why".into())
    .into()
}

/// A message with the question for the decision's reasoning under it.
fn with_why(content: SlackMessageContent, why: Option<&AskWhy>) -> SlackMessageContent {
    let Some(ask) = why else {
        return content;
    };
    let mut blocks = content.blocks.clone().unwrap_or_default();
    blocks.push(context(format!(
        "<@{}>, what's the reasoning, in one or two sentences? People align on a decision they understand.",
        escape(&ask.owner)
    )));
    blocks.push(why_button(ask.decision_id));
    content.with_blocks(blocks)
}

/// The daily note: the topic, then one line for confusion and one for
/// disagreement, each with its links (the first few).
fn reception_note(note: &ReceptionNote) -> SlackMessageContent {
    let people = |n: i64| {
        if n == 1 {
            "1 person".to_string()
        } else {
            format!("{n} people")
        }
    };
    let links = |links: &[String]| {
        let shown: Vec<String> = links
            .iter()
            .take(NOTE_LINKS)
            .enumerate()
            .map(|(i, link)| format!("<{}|{}>", escape(link), i + 1))
            .collect();
        if shown.is_empty() {
            String::new()
        } else {
            format!(" ({})", shown.join(", "))
        }
    };
    let mut parts = Vec::new();
    if note.confused > 0 {
        parts.push(format!(
            "{} asked what it means — explaining would help{}",
            people(note.confused),
            links(&note.confused_links)
        ));
    }
    if note.disagree > 0 {
        parts.push(format!(
            "{} {} — worth a conversation{}",
            note.disagree,
            if note.disagree == 1 {
                "disagrees"
            } else {
                "disagree"
            },
            links(&note.disagree_links)
        ));
    }
    let text = format!(
        "*{}* (decided {}, in <#{}>): {}.",
        short_topic(&note.topic),
        format::decided_on(note.decided_at),
        escape(&note.channel),
        parts.join("; ")
    );
    let off = SlackBlockButtonElement::new("Stop these notes".into())
        .with_action_id(ActionId::NotesOff.as_str().into())
        .with_value("off".into());
    SlackMessageContent::new()
        .with_text(text.clone())
        .with_blocks(vec![
            SlackSectionBlock::new().with_text(md(text)).into(),
            context(
                "At most one note a day per decision, only when there is something new.".into(),
            ),
            SlackActionsBlock::new(vec![SlackActionBlockElement::Button(off)])
                .with_block_id("note_actions".into())
                .into(),
        ])
}

/// One reason for silence as a bullet, times in the reader's zone.
fn silence_line(silence: &Silence) -> String {
    match silence {
        Silence::ThreadAlreadyAsked => {
            "• I already asked in this thread, and I ask at most once per thread.".to_string()
        }
        Silence::ChannelMuted { until: Some(until) } => format!(
            "• This channel is muted until {}. `/clarity unmute` brings me back sooner.",
            format::local_moment(*until)
        ),
        Silence::ChannelMuted { until: None } => "• I'm not watching this channel.".to_string(),
        Silence::LowScore { score, min } => format!(
            "• I'm not sure enough: {:.0}% confidence, and I ask from {:.0}%.",
            score * 100.0,
            min * 100.0
        ),
        Silence::ChannelCooldown { until } => format!(
            "• Channel cool-down: I asked here recently and wait until {} before asking again.",
            format::local_time(*until)
        ),
        Silence::UserDailyCap { count } => format!(
            "• I've already asked about your messages {count} {} in the last 24 hours, my daily limit per person.",
            if *count == 1 { "time" } else { "times" }
        ),
        Silence::DecisionFound {
            topic,
            decision,
            recorded_at,
        } => {
            let date = recorded_at
                .map(|at| format!(" ({})", format::recorded_on(at)))
                .unwrap_or_default();
            format!(
                "• a decision is recorded: *{}* — {}{date}",
                short_topic(topic),
                escape_inline(&limits::shorten(&one_line(decision), LISTED_DECISION_CHARS))
            )
        }
    }
}

/// One decision as a bullet: topic, decision, date, owner, channel, link.
/// A long decision is shortened; the link to its source is kept.
pub(crate) fn decision_line(item: &DecisionLine) -> String {
    let decision = limits::shorten(&one_line(&item.decision), LISTED_DECISION_CHARS);
    let mut line = format!(
        "• *{}* — {} ({}",
        short_topic(&item.topic),
        escape_inline(&decision),
        format::recorded_on(item.recorded_at)
    );
    if let Some(owner) = &item.owner {
        line.push_str(&format!(", <@{}>", escape(owner)));
    }
    if let Some(channel) = &item.channel {
        line.push_str(&format!(", in <#{}>", escape(channel)));
    }
    line.push(')');
    if let Some(reasoning) = &item.reasoning {
        line.push_str(&format!(
            " — why: {}",
            escape_inline(&limits::shorten(&one_line(reasoning), QUOTE_CHARS))
        ));
    }
    for (decision, at) in &item.replaces {
        line.push_str(&format!(
            " ← replaced “{}” ({})",
            quote(decision),
            format::recorded_on(*at)
        ));
    }
    let link = item
        .link
        .as_deref()
        .map(|link| format!(" <{}|source>", escape(link)))
        .unwrap_or_default();
    limits::fit(&line, &link, SECTION_TEXT)
}

/// Free text on one line: a list item's line breaks would break the list.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A topic as shown: shortened, then escaped (no mentions, no broken bold).
fn short_topic(topic: &str) -> String {
    escape(&limits::shorten(&one_line(topic), TOPIC_CHARS))
}

/// Words quoted from a message or a command, shortened and escaped.
fn quote(text: &str) -> String {
    escape(&limits::shorten(&one_line(text), QUOTE_CHARS))
}

/// A message of one section: its text is also the fallback.
fn plain(text: String) -> SlackMessageContent {
    SlackMessageContent::new()
        .with_text(text.clone())
        .with_blocks(vec![SlackSectionBlock::new().with_text(md(text)).into()])
}

/// A section and a context line under it.
fn with_context(text: String, line: String) -> SlackMessageContent {
    SlackMessageContent::new()
        .with_text(text.clone())
        .with_blocks(vec![
            SlackSectionBlock::new().with_text(md(text)).into(),
            context(line),
        ])
}

/// A context block of one mrkdwn line.
fn context(text: String) -> SlackBlock {
    SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
        SlackBlockMarkDownText::new(text),
    )])
    .into()
}

fn md(text: String) -> SlackBlockText {
    SlackBlockText::MarkDown(SlackBlockMarkDownText::new(text))
}

/// Escapes the three characters Slack's mrkdwn treats as control characters,
/// and the formatting characters that would break a `*bold*` wrapper.
/// User mentions stay mentions.
fn escape(text: &str) -> String {
    keep_mentions(
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('*', ""),
    )
}

/// Escapes control characters for free text shown as is (asterisks kept).
/// User mentions stay mentions.
fn escape_inline(text: &str) -> String {
    keep_mentions(
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
    )
}

/// Turns escaped user mentions (`&lt;@U0ANA&gt;`) back into mentions, so a
/// decision's "Owner: <@U0ANA>" shows a name; `<!channel>` and other
/// special mentions stay escaped.
fn keep_mentions(escaped: String) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped.as_str();
    while let Some(at) = rest.find("&lt;@") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "&lt;@".len()..];
        let id_len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit()))
            .unwrap_or(after.len());
        let id = &after[..id_len];
        if id.len() >= 2 && id.starts_with(['U', 'W']) && after[id_len..].starts_with("&gt;") {
            out.push_str("<@");
            out.push_str(id);
            out.push('>');
            rest = &after[id_len + "&gt;".len()..];
        } else {
            out.push_str("&lt;@");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The expected JSON of each reply, by case name, from
/// `tests/fixtures/replies/`: what Slack receives. A change there is a
/// change people see.
#[cfg(test)]
fn snapshots(file: &str) -> serde_json::Value {
    let path = format!(
        "{}/tests/fixtures/replies/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    serde_json::from_str(&text).expect("the snapshots are JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_renders_as_a_question_a_reason_and_a_hint() {
        let content = Reply::Flag {
            topic: Some("Q3 roadmap".into()),
            asked_with: Some("get aligned on".into()),
            flag_id: None,
        }
        .render();
        let json = serde_json::to_value(&content).expect("serializes");
        let expected = serde_json::json!({
            "text": "Before aligning on *Q3 roadmap*: which decision has actually been made?",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": "Before aligning on *Q3 roadmap*: which decision has actually been made?"}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "Why I ask: “get aligned on” asks people to converge, and I found no decision on it in this thread or the decision log."}]},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "If it's decided, say so here (“Decision: …”) and I'll remember it. If not, deciding first makes the alignment easy."}]}
            ]
        });
        assert_eq!(json, expected);
    }

    #[test]
    fn topics_cannot_inject_mentions_or_formatting() {
        let content = Reply::Flag {
            topic: Some("<!channel> *x*".into()),
            asked_with: None,
            flag_id: None,
        }
        .render();
        let text = content.text.unwrap_or_default();
        assert!(text.contains("&lt;!channel&gt;"), "{text}");
        assert!(!text.contains("<!channel>"));
    }

    #[test]
    fn user_mentions_in_a_decision_render_as_mentions() {
        let content = Reply::SurfacedDecision {
            decision: "three tiers. Owner: <@U0ANA>. cc <!here> <@U1|x>".into(),
            decided_at: 1_790_934_000_000,
            owner: Some("U0ANA".into()),
            link: None,
            reasoning: None,
            flag_id: None,
        }
        .render();
        let text = content.text.unwrap_or_default();
        assert!(text.contains("Owner: <@U0ANA>."), "{text}");
        assert!(text.contains("&lt;!here&gt;"), "{text}");
        assert!(text.contains("&lt;@U1|x&gt;"), "{text}");
    }
}

#[cfg(test)]
mod command_snapshots {
    use super::*;

    fn decision() -> DecisionLine {
        DecisionLine {
            topic: "search relevance".into(),
            decision: "we ship BM25 ranking first".into(),
            recorded_at: 1_790_934_000_000,
            owner: Some("U123".into()),
            channel: None,
            link: Some("https://acme.slack.com/archives/C1/p1".into()),
            reasoning: None,
            replaces: Vec::new(),
        }
    }

    fn cases() -> Vec<(&'static str, Reply)> {
        vec![
            (
                "usage",
                Reply::Usage {
                    problem: Some("I don't know that command.".into()),
                    commands: vec![
                        (
                            "check <text>".into(),
                            "Would I ask about this message?".into(),
                        ),
                        (
                            "mute [duration]".into(),
                            "Stop asking here for a while.".into(),
                        ),
                    ],
                },
            ),
            (
                "verdict",
                Reply::Verdict {
                    kind: "alignment_request".into(),
                    premature: true,
                    topic: Some("Q3 roadmap".into()),
                    score: 0.82,
                    reasons: vec![("get aligned on".into(), "alignment_request".into())],
                    silence: vec![],
                },
            ),
            (
                "verdict_silenced",
                Reply::Verdict {
                    kind: "alignment_request".into(),
                    premature: true,
                    topic: Some("Q3 roadmap".into()),
                    score: 0.82,
                    reasons: vec![("get aligned on".into(), "alignment_request".into())],
                    silence: vec![
                        Silence::ChannelMuted {
                            until: Some(1_764_666_000_000),
                        },
                        Silence::ThreadAlreadyAsked,
                        Silence::LowScore {
                            score: 0.82,
                            min: 0.9,
                        },
                        Silence::ChannelCooldown {
                            until: 1_764_668_520_000,
                        },
                        Silence::UserDailyCap { count: 3 },
                    ],
                },
            ),
            (
                "verdict_decided",
                Reply::Verdict {
                    kind: "alignment_request".into(),
                    premature: false,
                    topic: Some("Q3 roadmap".into()),
                    score: 0.82,
                    reasons: vec![],
                    silence: vec![Silence::DecisionFound {
                        topic: "Q3 roadmap".into(),
                        decision: "search first, then billing".into(),
                        recorded_at: Some(1_790_934_000_000),
                    }],
                },
            ),
            (
                "verdict_quiet",
                Reply::Verdict {
                    kind: "other".into(),
                    premature: false,
                    topic: None,
                    score: 0.1,
                    reasons: vec![],
                    silence: vec![],
                },
            ),
            ("decide_how_to", Reply::DecideHowTo),
            (
                "decision_recorded",
                Reply::DecisionRecorded {
                    topic: "search relevance".into(),
                    decision: "we ship BM25 ranking first".into(),
                    author: "U123".into(),
                    supersedes: true,
                    why: None,
                },
            ),
            (
                "decisions",
                Reply::Decisions {
                    query: Some("search".into()),
                    items: vec![DecisionLine {
                        channel: Some("C9".into()),
                        ..decision()
                    }],
                },
            ),
            (
                "decisions_none",
                Reply::Decisions {
                    query: None,
                    items: vec![],
                },
            ),
            (
                "status",
                Reply::Status {
                    open: vec![OpenLine {
                        topic: "pricing page".into(),
                        asks: 3,
                        askers: 2,
                        link: Some("https://acme.slack.com/archives/C1/p2".into()),
                    }],
                    decided: vec![decision()],
                    questions: vec![],
                },
            ),
            (
                "status_empty",
                Reply::Status {
                    open: vec![],
                    decided: vec![],
                    questions: vec![],
                },
            ),
            (
                "muted",
                Reply::Muted {
                    until: 1_796_202_000_000,
                },
            ),
            (
                "mute_refused",
                Reply::MuteRefused {
                    who: WhoMayMute::ChannelManagers,
                },
            ),
            ("unmuted", Reply::Unmuted),
            (
                "settings",
                Reply::ChannelSettings {
                    monitored: true,
                    muted_until: None,
                },
            ),
            (
                "problem",
                Reply::Problem {
                    what: "I couldn't reach my database just now.".into(),
                    next: "Please try the command again in a minute.".into(),
                },
            ),
            (
                "forget_which",
                Reply::ForgetWhich {
                    items: vec![(12, decision())],
                },
            ),
            ("forget_which_none", Reply::ForgetWhich { items: vec![] }),
            (
                "decision_forgotten",
                Reply::DecisionForgotten {
                    id: 12,
                    topic: Some("search relevance".into()),
                },
            ),
            (
                "decision_forgotten_elsewhere",
                Reply::DecisionForgotten {
                    id: 12,
                    topic: None,
                },
            ),
        ]
    }

    /// Every command answer as Slack receives it. A change here is a change
    /// people see: review the text, then update
    /// `tests/fixtures/replies/commands.json`.
    #[test]
    fn each_command_answer_renders_as_its_snapshot() {
        let expected = snapshots("commands.json");
        for (name, reply) in cases() {
            let json = serde_json::to_value(reply.render()).expect("serializes");
            assert_eq!(json, expected[name], "{name}");
        }
    }
}

#[cfg(test)]
mod interaction_snapshots {
    use super::*;

    fn cases() -> Vec<(&'static str, Reply)> {
        vec![
            (
                "flag_with_buttons",
                Reply::Flag {
                    topic: Some("pricing page".into()),
                    asked_with: Some("get aligned on".into()),
                    flag_id: Some(42),
                },
            ),
            (
                "flag_decided",
                Reply::FlagDecided {
                    topic: "pricing page".into(),
                    decision: "three tiers, monthly and yearly".into(),
                    owner: Some("U123".into()),
                },
            ),
            ("flag_dismissed", Reply::FlagDismissed { by: "U123".into() }),
            (
                "flag_open",
                Reply::FlagOpen {
                    topic: "pricing page".into(),
                    owner: "U123".into(),
                    due: "Fri 11 Dec".into(),
                    flag_id: 42,
                },
            ),
            (
                "flag_muted",
                Reply::FlagMuted {
                    until: 1_796_202_000_000,
                    by: "U123".into(),
                },
            ),
            (
                "thread_decision",
                Reply::ThreadDecision {
                    topic: "pricing page".into(),
                    decision: "three tiers".into(),
                    by: "U123".into(),
                    why: None,
                },
            ),
            (
                "open_question",
                Reply::OpenQuestion {
                    topic: "pricing page".into(),
                    owner: "U123".into(),
                    due: "Fri 11 Dec".into(),
                },
            ),
            (
                "reminder",
                Reply::Reminder {
                    topic: "pricing page".into(),
                    channel: "C1".into(),
                    due: "Fri 11 Dec".into(),
                },
            ),
            (
                "surfaced_decision",
                Reply::SurfacedDecision {
                    decision: "ship the 3-tier layout".into(),
                    decided_at: 1_790_934_000_000,
                    owner: Some("U123".into()),
                    link: Some("https://acme.slack.com/archives/C1/p1".into()),
                    reasoning: None,
                    flag_id: None,
                },
            ),
            (
                "status_with_questions",
                Reply::Status {
                    open: vec![],
                    decided: vec![],
                    questions: vec![QuestionLine {
                        topic: "pricing page".into(),
                        owner: Some("U123".into()),
                        due: Some("Fri 11 Dec".into()),
                    }],
                },
            ),
            ("decide_form_opened", Reply::DecideFormOpened),
            ("greeting", Reply::Greeting),
            (
                "mention_decided",
                Reply::MentionDecided {
                    line: DecisionLine {
                        topic: "pricing page".into(),
                        decision: "three tiers, monthly and yearly".into(),
                        recorded_at: 1_790_934_000_000,
                        owner: Some("U123".into()),
                        channel: Some("C9".into()),
                        link: Some("https://acme.slack.com/archives/C9/p1".into()),
                        reasoning: None,
                        replaces: Vec::new(),
                    },
                },
            ),
            (
                "mention_undecided",
                Reply::MentionUndecided {
                    query: "the pricing page".into(),
                },
            ),
        ]
    }

    /// The buttons, the in-place updates, the thread lines and the DM as
    /// Slack receives them. Review the text, then update
    /// `tests/fixtures/replies/interactions.json`.
    #[test]
    fn each_interaction_reply_renders_as_its_snapshot() {
        let expected = snapshots("interactions.json");
        for (name, reply) in cases() {
            let json = serde_json::to_value(reply.render()).expect("serializes");
            assert_eq!(json, expected[name], "{name}");
        }
    }
}

#[cfg(test)]
mod after_snapshots {
    use super::*;

    fn ask() -> AskWhy {
        AskWhy {
            decision_id: 7,
            owner: "U123".into(),
        }
    }

    fn cases() -> Vec<(&'static str, Reply)> {
        vec![
            (
                "reopened",
                Reply::SurfacedDecision {
                    decision: "three tiers, monthly and yearly".into(),
                    decided_at: 1_793_612_400_000,
                    owner: Some("U123".into()),
                    link: Some("https://acme.slack.com/archives/C1/p1".into()),
                    reasoning: Some("because churn is highest on the flat plan".into()),
                    flag_id: Some(42),
                },
            ),
            (
                "decision_kept",
                Reply::DecisionKept {
                    decision: "three tiers, monthly and yearly".into(),
                    decided_at: 1_793_612_400_000,
                    kept_at: 1_796_204_400_000,
                    by: "U123".into(),
                },
            ),
            (
                "ask_why",
                Reply::AskWhy {
                    topic: "pricing page".into(),
                    ask: ask(),
                },
            ),
            (
                "decision_recorded_asks_why",
                Reply::DecisionRecorded {
                    topic: "pricing page".into(),
                    decision: "three tiers".into(),
                    author: "U123".into(),
                    supersedes: false,
                    why: Some(ask()),
                },
            ),
            (
                "thread_decision_asks_why",
                Reply::ThreadDecision {
                    topic: "pricing page".into(),
                    decision: "three tiers".into(),
                    by: "U123".into(),
                    why: Some(ask()),
                },
            ),
            (
                "reasoning",
                Reply::Reasoning {
                    topic: "pricing page".into(),
                    reasoning:
                        "Churn is highest on the flat plan; tiers let small teams start cheap."
                            .into(),
                    by: "U123".into(),
                },
            ),
            (
                "reception_note",
                Reply::ReceptionNote(ReceptionNote {
                    topic: "Three-tier pricing".into(),
                    decided_at: 1_796_031_600_000,
                    channel: "C1".into(),
                    confused: 2,
                    confused_links: vec![
                        "https://acme.slack.com/archives/C1/p2".into(),
                        "https://acme.slack.com/archives/C1/p3".into(),
                    ],
                    disagree: 1,
                    disagree_links: vec!["https://acme.slack.com/archives/C1/p4".into()],
                }),
            ),
            (
                "reception_note_disagreement",
                Reply::ReceptionNote(ReceptionNote {
                    topic: "Three-tier pricing".into(),
                    decided_at: 1_796_031_600_000,
                    channel: "C1".into(),
                    confused: 0,
                    confused_links: vec![],
                    disagree: 2,
                    disagree_links: vec!["https://acme.slack.com/archives/C1/p4".into()],
                }),
            ),
            (
                "notes_off",
                Reply::NotesSet {
                    on: false,
                    workspace: false,
                },
            ),
            (
                "notes_off_everyone",
                Reply::NotesSet {
                    on: false,
                    workspace: true,
                },
            ),
            (
                "decisions_chain",
                Reply::Decisions {
                    query: None,
                    items: vec![DecisionLine {
                        topic: "pricing page".into(),
                        decision: "three tiers".into(),
                        recorded_at: 1_796_204_400_000,
                        owner: Some("U123".into()),
                        channel: None,
                        link: None,
                        reasoning: Some("tiers let small teams start cheap".into()),
                        replaces: vec![("one flat price".into(), 1_790_934_000_000)],
                    }],
                },
            ),
        ]
    }

    /// After the decision: the reopened decision, the question for the
    /// why, the reasoning line and the daily note, as Slack receives them.
    /// Review the text, then `CLARITY_BLESS=1` rewrites
    /// `tests/fixtures/replies/after.json`.
    #[test]
    fn each_after_the_decision_message_renders_as_its_snapshot() {
        let rendered: serde_json::Map<String, serde_json::Value> = cases()
            .into_iter()
            .map(|(name, reply)| {
                let json = serde_json::to_value(reply.render()).expect("serializes");
                (name.to_string(), json)
            })
            .collect();
        if std::env::var_os("CLARITY_BLESS").is_some() {
            let path = format!(
                "{}/tests/fixtures/replies/after.json",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = serde_json::to_string_pretty(&rendered).expect("serializes");
            std::fs::write(&path, text + "\n").expect("write the snapshots");
        }
        let expected = snapshots("after.json");
        for (name, json) in &rendered {
            assert_eq!(json, &expected[name.as_str()], "{name}");
        }
    }
}
