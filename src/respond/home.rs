//! The App Home tab: what one person may see, rendered as a Home view.
//! The handler (`crate::home`) decides what is in it; this draws it. Every
//! list is short (a phone screen), newest or most repeated first, and a
//! moment shows in the reader's own zone.

use crate::respond::blocks::{DecisionLine, decision_line};
use crate::respond::format;
use crate::respond::limits::{self, SECTION_TEXT};
use crate::respond::views::ActionId;
use slack_morphism::prelude::*;

/// At most this many lines per section.
pub const HOME_LINES: usize = 10;

/// What one person's Home tab shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Home {
    /// The topic searched for, if any.
    pub query: Option<String>,
    /// Decisions they may see, newest first (each with its channel).
    pub decisions: Vec<DecisionLine>,
    /// Topics asked about and not decided: (topic, channel, asks).
    pub open: Vec<(String, String, i64)>,
    /// Open questions they own: (topic, channel, formatted due date).
    pub questions: Vec<(String, String, Option<String>)>,
    /// Channels the bot is in, and whether it would ask there right now.
    pub channels: Vec<(String, Quiet)>,
    /// Questions on this person's messages in the last 24 hours, and the
    /// most there may be.
    pub asked_you: (i64, u32),
    /// The workspace's feedback on questions of the last 30 days: people
    /// who said one helped, and who said it was not an alignment request.
    pub feedback: (i64, i64),
}

/// Whether the bot would ask in a channel right now, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    Listening,
    /// Asked there recently; waits until then (ms).
    CoolingDown(i64),
    /// Muted until then (ms).
    Muted(i64),
    NotWatched,
}

/// The Home view.
pub fn view(home: &Home) -> SlackView {
    let mut blocks: Vec<SlackBlock> = vec![
        SlackHeaderBlock::new("Decisions first, then alignment".into()).into(),
        SlackInputBlock::new(
            "Search decisions by topic".into(),
            SlackInputBlockElement::PlainTextInput(
                SlackBlockPlainTextInputElement::new()
                    .with_action_id(ActionId::HomeSearch.as_str().into())
                    .with_max_length(150),
            ),
        )
        .with_block_id("home_search".into())
        .with_dispatch_action(true)
        .with_optional(true)
        .into(),
    ];
    let title = match &home.query {
        Some(query) => format!(
            "*Decisions on “{}”*, newest first",
            limits::shorten(&escape(query), 150)
        ),
        None => "*Decisions*, newest first".to_string(),
    };
    let decisions = if home.decisions.is_empty() {
        "None recorded yet. Record one with `/clarity decide topic :: decision`.".to_string()
    } else {
        home.decisions
            .iter()
            .map(decision_line)
            .collect::<Vec<_>>()
            .join("\n")
    };
    blocks.push(section(title, decisions));
    let open = if home.open.is_empty() {
        "Nothing: every alignment ask had a decision behind it.".to_string()
    } else {
        home.open
            .iter()
            .map(|(topic, channel, asks)| {
                let times = if *asks == 1 {
                    "once".to_string()
                } else {
                    format!("{asks} times")
                };
                format!(
                    "• *{}* in <#{}> — asked {times}",
                    limits::shorten(&escape(topic), 150),
                    escape(channel)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    blocks.push(section(
        "*Asked to align on, not decided* (last 30 days), most repeated first".into(),
        open,
    ));
    let questions = if home.questions.is_empty() {
        "None: nobody is waiting on a decision from you.".to_string()
    } else {
        home.questions
            .iter()
            .map(|(topic, channel, due)| {
                let due = due
                    .as_deref()
                    .map(|due| format!(" — due {}", escape(due)))
                    .unwrap_or_default();
                format!(
                    "• *{}* in <#{}>{due}",
                    limits::shorten(&escape(topic), 150),
                    escape(channel)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    blocks.push(section("*Open questions you decide*".into(), questions));
    let channels = if home.channels.is_empty() {
        "None yet: invite me with `/invite @clarity` in a channel.".to_string()
    } else {
        home.channels
            .iter()
            .map(|(channel, quiet)| match quiet {
                Quiet::Listening => format!("• <#{}> — listening", escape(channel)),
                Quiet::NotWatched => format!("• <#{}> — not watched", escape(channel)),
                Quiet::Muted(until) => format!(
                    "• <#{}> — muted until {}",
                    escape(channel),
                    format::local_moment(*until)
                ),
                Quiet::CoolingDown(until) => format!(
                    "• <#{}> — quiet until {} (I asked there recently)",
                    escape(channel),
                    format::local_time(*until)
                ),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    blocks.push(section("*Channels I'm in*".into(), channels));
    let (asked, most) = home.asked_you;
    let asked_you = if asked >= i64::from(most) {
        format!(
            "I've asked about your messages {asked} times in the last 24 hours, my limit: I stay quiet on yours until that eases."
        )
    } else {
        format!(
            "I've asked about your messages {asked} of at most {most} times in the last 24 hours."
        )
    };
    blocks.push(
        SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
            SlackBlockMarkDownText::new(asked_you),
        )])
        .into(),
    );
    let (helpful, not_alignment) = home.feedback;
    blocks.push(
        SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
            SlackBlockMarkDownText::new(format!(
                "Feedback on my questions (last 30 days): “This helped” {helpful} · “Not an alignment request” {not_alignment}"
            )),
        )])
        .into(),
    );
    SlackView::Home(SlackHomeView::new(blocks))
}

/// A section: its title on the first line, then its lines, within Slack's
/// limit for a section's text.
fn section(title: String, lines: String) -> SlackBlock {
    let text = limits::shorten(&format!("{title}\n{lines}"), SECTION_TEXT);
    SlackSectionBlock::new()
        .with_text(SlackBlockText::MarkDown(SlackBlockMarkDownText::new(text)))
        .into()
}

/// Escapes mrkdwn's control characters in what people typed.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('*', "")
}
