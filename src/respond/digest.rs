//! The digest's one renderer: an outline of titled sections built once,
//! then written as Block Kit (what Slack gets: a header, short sections,
//! readable on a phone) or as plain text (what `clarity-bot digest`
//! prints). Pure. Counts only: nobody is named as the person who asked;
//! decision owners and question owners are named, as they chose to be.

use crate::domain::digest::{Digest, Outcome, Trend};
use crate::respond::format;
use slack_morphism::prelude::*;

/// Longest topic shown; longer ones end in "…".
const TOPIC_CHARS: usize = 80;
/// Longest decision text shown.
const DECISION_CHARS: usize = 140;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Mrkdwn,
    Plain,
}

/// One block of the digest: a title line and bullet lines.
struct Section {
    title: Option<String>,
    lines: Vec<String>,
    /// Small print (a context block in Slack).
    aside: bool,
}

/// The digest as Slack receives it: a fallback text and Block Kit blocks.
pub fn blocks(digest: &Digest) -> SlackMessageContent {
    let mut blocks: Vec<SlackBlock> =
        vec![SlackHeaderBlock::new(SlackBlockPlainTextOnly::from(headline(digest))).into()];
    for section in outline(digest, Style::Mrkdwn) {
        let mut text = section.title.map(|t| vec![t]).unwrap_or_default();
        text.extend(section.lines);
        let text = text.join("\n");
        blocks.push(if section.aside {
            SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                SlackBlockMarkDownText::new(text),
            )])
            .into()
        } else {
            SlackSectionBlock::new()
                .with_text(SlackBlockText::MarkDown(SlackBlockMarkDownText::new(text)))
                .into()
        });
    }
    super::limits::fit_message(
        SlackMessageContent::new()
            .with_text(fallback(digest))
            .with_blocks(blocks),
    )
}

/// The digest as plain text for a terminal.
pub fn text(digest: &Digest) -> String {
    let mut out = format!("{}\n", headline(digest));
    for section in outline(digest, Style::Plain) {
        out.push('\n');
        if let Some(title) = section.title {
            out.push_str(&title);
            out.push('\n');
        }
        for line in section.lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

fn headline(digest: &Digest) -> String {
    let kind = if digest.summary_of.is_some() {
        "Clarity summary"
    } else {
        "Clarity digest"
    };
    format!(
        "{kind} · {}",
        format::week(digest.week.monday, digest.week.sunday)
    )
}

/// The notification text: the gist in one line.
fn fallback(digest: &Digest) -> String {
    if digest.is_quiet() {
        return quiet_line(digest, Style::Plain);
    }
    format!(
        "{}: {}, {} recorded.",
        headline(digest),
        plural(digest.asks.this_week, "alignment ask", "alignment asks"),
        plural(digest.decisions_total, "decision", "decisions"),
    )
}

fn outline(digest: &Digest, style: Style) -> Vec<Section> {
    let where_ = match digest.summary_of {
        Some(n) => plural(n as i64, "public channel", "public channels"),
        None => channel(&digest.channel_id, style),
    };
    let mut sections = vec![Section {
        title: None,
        lines: vec![format!(
            "{where_} · week {} · counts only: nobody is named for asking",
            digest.week.label
        )],
        aside: true,
    }];
    if digest.is_quiet() {
        sections.push(Section {
            title: None,
            lines: vec![quiet_line(digest, style)],
            aside: false,
        });
        return sections;
    }
    let year = digest.week.sunday.year();

    sections.push(Section {
        title: Some(bold_title("This week", style)),
        lines: vec![
            format!(
                "• {} {}",
                plural(digest.asks.this_week, "alignment ask", "alignment asks"),
                trend(digest.asks)
            ),
            format!(
                "• {} with no decision behind {} {}",
                digest.premature.this_week,
                if digest.premature.this_week == 1 {
                    "it"
                } else {
                    "them"
                },
                trend(digest.premature)
            ),
            format!(
                "• {} (explain the direction) · {} (discuss it)",
                plural(
                    digest.confusion,
                    "confusion question",
                    "confusion questions"
                ),
                plural(digest.disagreement, "disagreement", "disagreements"),
            ),
        ],
        aside: false,
    });

    if !digest.recurring.is_empty() {
        let lines = digest
            .recurring
            .iter()
            .map(|topic| {
                let mut line = format!(
                    "• {}{} — asked {} by {} since {}, still no decision recorded",
                    bold(&topic.topic, TOPIC_CHARS, style),
                    in_channel(topic.channel.as_deref(), style),
                    times(topic.asks),
                    plural(topic.askers, "person", "people"),
                    format::day_in(topic.since, year),
                );
                if let Some(url) = &topic.link {
                    line.push_str(&format!(" · {}", link(url, "latest ask", style)));
                }
                line
            })
            .collect();
        sections.push(Section {
            title: Some(bold_title("Keeps coming back", style)),
            lines,
            aside: false,
        });
    }

    if digest.decisions_total > 0 {
        let mut lines: Vec<String> = digest
            .decisions
            .iter()
            .map(|decision| {
                let mut line = format!(
                    "• {}{} — {}",
                    bold(&decision.topic, TOPIC_CHARS, style),
                    in_channel(decision.channel.as_deref(), style),
                    inline(&decision.decision, DECISION_CHARS, style),
                );
                if let Some(owner) = &decision.owner {
                    line.push_str(&format!(" ({})", user(owner, style)));
                }
                if let Some(url) = &decision.link {
                    line.push_str(&format!(" · {}", link(url, "source", style)));
                }
                line
            })
            .collect();
        more(
            &mut lines,
            digest.decisions_total,
            "/clarity decisions",
            style,
        );
        sections.push(Section {
            title: Some(bold_title("Decided this week", style)),
            lines,
            aside: false,
        });
    }

    after_the_decision(digest, style, &mut sections);

    if digest.open_total > 0 {
        let mut lines: Vec<String> = digest
            .open_questions
            .iter()
            .map(|question| {
                let who = question
                    .owner
                    .as_deref()
                    .map(|owner| format!("{} decides", user(owner, style)))
                    .unwrap_or_else(|| "nobody decides yet".to_string());
                let when = match question.due {
                    Some(due) => format!(" by {}", format::due(due)),
                    None => String::new(),
                };
                let overdue = if question.overdue {
                    format!(" · {}", bold_title("overdue", style))
                } else {
                    String::new()
                };
                format!(
                    "• {}{} — {who}{when}{overdue}",
                    bold(&question.topic, TOPIC_CHARS, style),
                    in_channel(question.channel.as_deref(), style),
                )
            })
            .collect();
        more(&mut lines, digest.open_total, "/clarity status", style);
        sections.push(Section {
            title: Some(bold_title("Open questions", style)),
            lines,
            aside: false,
        });
    }

    if let Some(oldest) = &digest.oldest_open {
        sections.push(Section {
            title: None,
            lines: vec![format!(
                "{} {}{} — first asked {}, no decision yet",
                bold_title("Oldest open topic:", style),
                bold(&oldest.topic, TOPIC_CHARS, style),
                in_channel(oldest.channel.as_deref(), style),
                format::day_in(oldest.since, year),
            )],
            aside: false,
        });
    }

    let feedback = match (digest.posted, digest.not_alignment) {
        (0, 0) => None,
        (posted, 0) => Some(format!(
            "Feedback: none of the {} I asked this week was marked “not an alignment request”.",
            plural(posted, "question", "questions")
        )),
        (posted, wrong) => Some(format!(
            "Feedback: {wrong} of the {} I asked this week {} marked “not an alignment request”.",
            plural(posted.max(wrong), "question", "questions"),
            if wrong == 1 { "was" } else { "were" }
        )),
    };
    let feedback = match (feedback, digest.helpful) {
        (Some(line), helped) if helped > 0 => Some(format!(
            "{line} {} helped, people said.",
            plural(helped, "question", "questions")
        )),
        (line, _) => line,
    };
    if let Some(line) = feedback {
        sections.push(Section {
            title: None,
            lines: vec![line],
            aside: true,
        });
    }
    sections
}

/// How the last weeks' decisions landed: which to explain (people asked
/// what they mean), which to discuss (people disagree), which have no
/// reason recorded, and what became of those reopened this week.
fn after_the_decision(digest: &Digest, style: Style, sections: &mut Vec<Section>) {
    let after = &digest.after;
    if !after.reception.is_empty() {
        let lines = after
            .reception
            .iter()
            .map(|decision| {
                let mut parts = Vec::new();
                if decision.confused > 0 {
                    parts.push(format!(
                        "{} asked what it means: explain it",
                        plural(decision.confused, "person", "people")
                    ));
                }
                if decision.disagree > 0 {
                    parts.push(format!(
                        "{} {}: discuss it",
                        decision.disagree,
                        if decision.disagree == 1 {
                            "disagrees"
                        } else {
                            "disagree"
                        }
                    ));
                }
                let mut line = format!(
                    "• {}{} — {}",
                    bold(&decision.topic, TOPIC_CHARS, style),
                    in_channel(decision.channel.as_deref(), style),
                    parts.join(" · ")
                );
                if let Some(url) = &decision.link {
                    line.push_str(&format!(" · {}", link(url, "source", style)));
                }
                line
            })
            .collect();
        sections.push(Section {
            title: Some(bold_title("How the last weeks' decisions landed", style)),
            lines,
            aside: false,
        });
    }
    if after.unexplained_total > 0 {
        let mut lines: Vec<String> = after
            .unexplained
            .iter()
            .map(|decision| {
                let owner = decision
                    .owner
                    .as_deref()
                    .map(|owner| format!(" ({})", user(owner, style)))
                    .unwrap_or_default();
                format!(
                    "• {}{}{owner}",
                    bold(&decision.topic, TOPIC_CHARS, style),
                    in_channel(decision.channel.as_deref(), style),
                )
            })
            .collect();
        more(
            &mut lines,
            after.unexplained_total,
            "/clarity decisions",
            style,
        );
        sections.push(Section {
            title: Some(bold_title(
                "Decided without a reason (ask for the why)",
                style,
            )),
            lines,
            aside: false,
        });
    }
    if !after.reopened.is_empty() {
        let lines = after
            .reopened
            .iter()
            .map(|decision| {
                format!(
                    "• {}{} — {}",
                    bold(&decision.topic, TOPIC_CHARS, style),
                    in_channel(decision.channel.as_deref(), style),
                    match decision.outcome {
                        Outcome::Kept => "kept",
                        Outcome::Superseded => "superseded by a new decision",
                        Outcome::Open => "nobody has kept or superseded it yet",
                    }
                )
            })
            .collect();
        sections.push(Section {
            title: Some(bold_title("Reopened this week", style)),
            lines,
            aside: false,
        });
    }
}

fn quiet_line(digest: &Digest, style: Style) -> String {
    let place = match digest.summary_of {
        Some(n) => format!(
            "the {} I follow",
            plural(n as i64, "public channel", "public channels")
        ),
        None => channel(&digest.channel_id, style),
    };
    format!(
        "A quiet week in {place} ({}): no alignment asks, no decisions recorded, no open questions.",
        format::week(digest.week.monday, digest.week.sunday)
    )
}

/// `↑ (3 the week before)`, `↓ (…)` or `→ (same as the week before)`.
fn trend(trend: Trend) -> String {
    use std::cmp::Ordering;
    match trend.this_week.cmp(&trend.week_before) {
        Ordering::Greater => format!("↑ ({} the week before)", trend.week_before),
        Ordering::Less => format!("↓ ({} the week before)", trend.week_before),
        Ordering::Equal => "→ (same as the week before)".to_string(),
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn times(n: i64) -> String {
    match n {
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    }
}

/// `…and 3 more (see /clarity decisions)`.
fn more(lines: &mut Vec<String>, total: i64, command: &str, style: Style) {
    let shown = lines.len() as i64;
    if total > shown {
        let command = match style {
            Style::Mrkdwn => format!("`{command}`"),
            Style::Plain => command.to_string(),
        };
        lines.push(format!("…and {} more ({command})", total - shown));
    }
}

fn bold_title(text: &str, style: Style) -> String {
    match style {
        Style::Mrkdwn => format!("*{text}*"),
        Style::Plain => text.to_string(),
    }
}

/// A topic in bold, shortened; mrkdwn control and formatting characters
/// cannot inject mentions or break the bold.
fn bold(text: &str, max: usize, style: Style) -> String {
    let text = shorten(text, max);
    match style {
        Style::Mrkdwn => format!("*{}*", escape(&text).replace('*', "")),
        Style::Plain => text,
    }
}

/// Free text shown as is (shortened, escaped).
fn inline(text: &str, max: usize, style: Style) -> String {
    let text = shorten(&text.split_whitespace().collect::<Vec<_>>().join(" "), max);
    match style {
        Style::Mrkdwn => escape(&text),
        Style::Plain => text,
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn user(id: &str, style: Style) -> String {
    let id = escape(id);
    match style {
        Style::Mrkdwn => format!("<@{id}>"),
        Style::Plain => format!("@{id}"),
    }
}

fn channel(id: &str, style: Style) -> String {
    let id = escape(id);
    match style {
        Style::Mrkdwn => format!("<#{id}>"),
        Style::Plain => format!("#{id}"),
    }
}

fn in_channel(id: Option<&str>, style: Style) -> String {
    id.map(|id| format!(" in {}", channel(id, style)))
        .unwrap_or_default()
}

fn link(url: &str, label: &str, style: Style) -> String {
    match style {
        Style::Mrkdwn => format!("<{}|{label}>", escape(url).replace('|', "%7C")),
        Style::Plain => format!("{label}: {url}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::digest::{
        AfterDecision, OpenQuestion, Reception, RecurringTopic, Reopened, Unexplained, Week,
    };
    use jiff::civil::date;

    fn digest() -> Digest {
        Digest {
            channel_id: "C1".into(),
            summary_of: None,
            week: Week {
                label: "2025-W42".into(),
                monday: date(2025, 10, 13),
                sunday: date(2025, 10, 19),
            },
            asks: Trend {
                this_week: 2,
                week_before: 2,
            },
            premature: Trend {
                this_week: 1,
                week_before: 2,
            },
            confusion: 1,
            disagreement: 0,
            recurring: vec![RecurringTopic {
                topic: "<!channel> *pricing*".into(),
                channel: None,
                asks: 2,
                askers: 1,
                threads: 2,
                since: date(2024, 12, 30),
                link: Some("https://acme.slack.com/archives/C1/p1".into()),
            }],
            decisions: vec![],
            decisions_total: 0,
            open_questions: vec![OpenQuestion {
                topic: "hiring plan".into(),
                owner: Some("U4".into()),
                due: Some(date(2025, 10, 17)),
                overdue: true,
                channel: None,
            }],
            open_total: 6,
            oldest_open: None,
            posted: 0,
            not_alignment: 0,
            helpful: 0,
            after: AfterDecision::default(),
        }
    }

    #[test]
    fn the_cli_text_reads_without_slack_markup() {
        assert_eq!(
            text(&digest()),
            "Clarity digest · 13–19 Oct 2025\n\
             \n#C1 · week 2025-W42 · counts only: nobody is named for asking\n\
             \nThis week\n\
             • 2 alignment asks → (same as the week before)\n\
             • 1 with no decision behind it ↓ (2 the week before)\n\
             • 1 confusion question (explain the direction) · 0 disagreements (discuss it)\n\
             \nKeeps coming back\n\
             • <!channel> *pricing* — asked twice by 1 person since 30 Dec 2024, still no decision recorded · latest ask: https://acme.slack.com/archives/C1/p1\n\
             \nOpen questions\n\
             • hiring plan — @U4 decides by Fri 17 Oct · overdue\n\
             …and 5 more (/clarity status)\n"
        );
    }

    #[test]
    fn topics_cannot_mention_anyone_or_break_the_bold_in_slack() {
        let json = serde_json::to_string(&blocks(&digest())).expect("serializes");
        assert!(json.contains("*&lt;!channel&gt; pricing*"), "{json}");
        assert!(!json.contains("<!channel>"), "{json}");
    }

    #[test]
    fn after_the_decision_says_what_to_explain_what_to_discuss_and_what_was_reopened() {
        let after = Digest {
            after: AfterDecision {
                reception: vec![Reception {
                    topic: "pricing".into(),
                    channel: None,
                    confused: 2,
                    disagree: 1,
                    link: None,
                }],
                unexplained: vec![Unexplained {
                    topic: "hiring plan".into(),
                    channel: None,
                    owner: Some("U4".into()),
                }],
                unexplained_total: 3,
                reopened: vec![Reopened {
                    topic: "pricing".into(),
                    channel: None,
                    outcome: Outcome::Superseded,
                }],
            },
            ..digest()
        };
        let text = text(&after);
        assert!(
            text.contains(
                "How the last weeks' decisions landed\n\
                 • pricing — 2 people asked what it means: explain it · 1 disagrees: discuss it\n\
                 \nDecided without a reason (ask for the why)\n\
                 • hiring plan (@U4)\n\
                 …and 2 more (/clarity decisions)\n\
                 \nReopened this week\n\
                 • pricing — superseded by a new decision\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_feedback_line_counts_both_ways() {
        let feedback = Digest {
            posted: 4,
            not_alignment: 1,
            helpful: 2,
            ..digest()
        };
        assert!(
            text(&feedback).contains(
                "Feedback: 1 of the 4 questions I asked this week was marked “not an alignment request”. 2 questions helped, people said."
            ),
            "{}",
            text(&feedback)
        );
    }

    #[test]
    fn long_topics_are_shortened() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}
