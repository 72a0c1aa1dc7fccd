//! Slack's Block Kit limits, enforced in one place: everything the bot
//! posts (each [`crate::respond::blocks::Reply`], the digest) passes through
//! [`fit_message`] after it is rendered and escaped, so escaping that
//! lengthens a text (`&` → `&amp;`) can never push it past a limit. Slack
//! refuses an oversize message outright (`invalid_blocks`, `msg_too_long`),
//! and the outbox cannot retry its way past that: the reply would be lost.
//!
//! What does not fit is shortened with "…", never cut inside a link, a
//! mention or an `&amp;` entity; a long text is split over several section
//! blocks at line breaks; a message with too many blocks ends with a line
//! saying it was shortened. The renderer keeps what matters in view (a
//! decision's source link) with [`fit`].
//!
//! The limits, as Slack documents them:
//! - <https://docs.slack.dev/reference/block-kit/blocks>: "up to 50 blocks in
//!   each message, and 100 blocks in modals or Home tabs".
//! - <https://docs.slack.dev/reference/block-kit/blocks/section-block>: a
//!   section's text, at most 3000 characters.
//! - <https://docs.slack.dev/reference/block-kit/composition-objects/text-object>:
//!   any text object, 1 to 3000 characters (a context block's texts too).
//! - <https://docs.slack.dev/reference/block-kit/blocks/context-block>: at
//!   most 10 elements.
//! - <https://docs.slack.dev/reference/block-kit/blocks/header-block>: a
//!   header's text, at most 150 characters.
//! - <https://docs.slack.dev/reference/block-kit/blocks/actions-block>: at
//!   most 25 elements.
//! - <https://docs.slack.dev/reference/block-kit/block-elements/button-element>:
//!   a button's text at most 75 characters, its value 2000.
//! - <https://docs.slack.dev/reference/methods/chat.postMessage>: a message's
//!   `text` is truncated by Slack past 40,000 characters.
//! - <https://docs.slack.dev/reference/views/modal-views>: a modal's title,
//!   submit and close at most 24 characters, `private_metadata` 3000.
//!
//! Lengths are counted in UTF-16 code units ([`length`]): never fewer than
//! Slack counts, whether it counts those or code points.

use slack_morphism::prelude::*;

/// Blocks in one message.
pub const MESSAGE_BLOCKS: usize = 50;
/// Blocks in a modal or a Home tab.
pub const VIEW_BLOCKS: usize = 100;
/// A section block's text; also any text object's.
pub const SECTION_TEXT: usize = 3000;
/// Elements in one context block.
pub const CONTEXT_ELEMENTS: usize = 10;
/// A header block's text.
pub const HEADER_TEXT: usize = 150;
/// Elements in one actions block.
pub const ACTIONS_ELEMENTS: usize = 25;
/// A button's text.
pub const BUTTON_TEXT: usize = 75;
/// A button's value.
pub const BUTTON_VALUE: usize = 2000;
/// A message's `text` (the fallback for notifications).
pub const MESSAGE_TEXT: usize = 40_000;
/// A modal's title, submit and close labels.
pub const MODAL_TITLE: usize = 24;
/// A view's `private_metadata`.
pub const PRIVATE_METADATA: usize = 3000;

/// What ends a shortened text.
const ELLIPSIS: &str = "…";

/// The last block of a message that had more blocks than Slack allows.
const SHORTENED_NOTE: &str = "…shortened: the rest did not fit in one Slack message.";

/// A text's length as Slack limits it (UTF-16 code units).
pub fn length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `text` at most `max` long: as it is when it fits, else cut and ended
/// with "…". The cut never falls inside `<…>` (a link, a mention) or an
/// `&amp;`-style entity, so what is left is still valid mrkdwn.
pub fn shorten(text: &str, max: usize) -> String {
    if length(text) <= max {
        return text.to_string();
    }
    let budget = max.saturating_sub(length(ELLIPSIS));
    let mut cut = 0;
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += c.len_utf16();
        if used > budget {
            break;
        }
        cut = at + c.len_utf8();
    }
    let kept = safe_prefix(&text[..cut]);
    format!("{}{ELLIPSIS}", kept.trim_end())
}

/// `text` without a trailing `<…` left open or a trailing `&…` entity cut
/// in two.
fn safe_prefix(text: &str) -> &str {
    let mut end = text.len();
    if let Some(open) = text.rfind('<')
        && !text[open..].contains('>')
    {
        end = open;
    }
    let text = &text[..end];
    if let Some(amp) = text.rfind('&')
        && !text[amp..].contains(';')
        && text.len() - amp < 6
    {
        return &text[..amp];
    }
    text
}

/// `head` then `tail`, at most `max` long: `head` is shortened so that the
/// tail (a source link, a closing `*`) is kept whole. A tail too long to
/// leave room for any of the head is shortened with the rest.
pub fn fit(head: &str, tail: &str, max: usize) -> String {
    let whole = format!("{head}{tail}");
    if length(&whole) <= max {
        return whole;
    }
    let room = max.saturating_sub(length(tail));
    if room <= length(ELLIPSIS) {
        return shorten(&whole, max);
    }
    format!("{}{tail}", shorten(head, room))
}

/// A rendered message within every limit above (see the module doc).
pub fn fit_message(mut content: SlackMessageContent) -> SlackMessageContent {
    if let Some(text) = content.text.take() {
        content.text = Some(shorten(&text, MESSAGE_TEXT));
    }
    if let Some(blocks) = content.blocks.take() {
        let mut fitted: Vec<SlackBlock> = blocks.into_iter().flat_map(fit_block).collect();
        if fitted.len() > MESSAGE_BLOCKS {
            fitted.truncate(MESSAGE_BLOCKS - 1);
            fitted.push(
                SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                    SlackBlockMarkDownText::new(SHORTENED_NOTE.into()),
                )])
                .into(),
            );
        }
        content.blocks = Some(fitted);
    }
    content
}

/// One block as one or more blocks within the limits; an empty text
/// (which Slack refuses) drops its block.
fn fit_block(block: SlackBlock) -> Vec<SlackBlock> {
    match block {
        SlackBlock::Section(section) => fit_section(section),
        SlackBlock::Context(mut context) => {
            context.elements.truncate(CONTEXT_ELEMENTS);
            context.elements = context
                .elements
                .into_iter()
                .filter_map(|element| match element {
                    SlackContextBlockElement::MarkDown(mut text) => {
                        text.text = shorten(&text.text, SECTION_TEXT);
                        (!text.text.trim().is_empty())
                            .then_some(SlackContextBlockElement::MarkDown(text))
                    }
                    SlackContextBlockElement::Plain(mut text) => {
                        text.text = shorten(&text.text, SECTION_TEXT);
                        (!text.text.trim().is_empty())
                            .then_some(SlackContextBlockElement::Plain(text))
                    }
                    image @ SlackContextBlockElement::Image(_) => Some(image),
                })
                .collect();
            if context.elements.is_empty() {
                Vec::new()
            } else {
                vec![context.into()]
            }
        }
        SlackBlock::Header(header) => {
            let text = shorten(&plain_text(&header.text), HEADER_TEXT);
            vec![
                SlackHeaderBlock {
                    text: SlackBlockPlainTextOnly::from(text),
                    ..header
                }
                .into(),
            ]
        }
        SlackBlock::Actions(mut actions) => {
            actions.elements.truncate(ACTIONS_ELEMENTS);
            for element in &mut actions.elements {
                if let SlackActionBlockElement::Button(button) = element {
                    button.text = SlackBlockPlainTextOnly::from(shorten(
                        &plain_text(&button.text),
                        BUTTON_TEXT,
                    ));
                    if let Some(value) = button.value.take() {
                        button.value = Some(shorten(&value, BUTTON_VALUE));
                    }
                }
            }
            vec![actions.into()]
        }
        other => vec![other],
    }
}

/// A section's text over several sections, split at line breaks; a line
/// too long for one section is shortened.
fn fit_section(section: SlackSectionBlock) -> Vec<SlackBlock> {
    let Some(text) = section.text.clone() else {
        return vec![section.into()];
    };
    let (body, markdown) = match text {
        SlackBlockText::MarkDown(text) => (text.text, true),
        SlackBlockText::Plain(text) => (text.text, false),
    };
    let wrap = |body: String| {
        if markdown {
            SlackBlockText::MarkDown(SlackBlockMarkDownText::new(body))
        } else {
            SlackBlockText::Plain(SlackBlockPlainText::new(body))
        }
    };
    if body.trim().is_empty() {
        return Vec::new();
    }
    if length(&body) <= SECTION_TEXT {
        return vec![section.into()];
    }
    // Beside an accessory or fields the text cannot move to another block.
    if section.accessory.is_some() || section.fields.is_some() {
        return vec![
            SlackSectionBlock {
                text: Some(wrap(shorten(&body, SECTION_TEXT))),
                ..section
            }
            .into(),
        ];
    }
    let mut chunks: Vec<String> = Vec::new();
    for line in lines_outside_links(&body) {
        let line = shorten(line, SECTION_TEXT);
        match chunks.last_mut() {
            Some(chunk) if length(chunk) + 1 + length(&line) <= SECTION_TEXT => {
                chunk.push('\n');
                chunk.push_str(&line);
            }
            _ => chunks.push(line),
        }
    }
    chunks
        .into_iter()
        .filter(|chunk| !chunk.trim().is_empty())
        .enumerate()
        .map(|(n, chunk)| {
            SlackSectionBlock {
                // A block id names one block: the first keeps it.
                block_id: section.block_id.clone().filter(|_| n == 0),
                text: Some(wrap(chunk)),
                fields: None,
                accessory: None,
                expand: section.expand,
            }
            .into()
        })
        .collect()
}

/// `text` split at line breaks, except those inside `<…>`: a link or a
/// mention stays whole.
fn lines_outside_links(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut open = false;
    for (at, c) in text.char_indices() {
        match c {
            '<' => open = true,
            '>' => open = false,
            '\n' if !open => {
                lines.push(&text[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    lines.push(&text[start..]);
    lines
}

/// The text of a plain-text-only object (its field is private).
fn plain_text(text: &SlackBlockPlainTextOnly) -> String {
    match SlackBlockText::from(text.clone()) {
        SlackBlockText::Plain(text) => text.text,
        SlackBlockText::MarkDown(text) => text.text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_is_left_alone_and_a_long_one_ends_in_an_ellipsis() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("ab  cdef", 4), "ab…");
        assert_eq!(length(&shorten(&"é".repeat(5000), 3000)), 3000);
        // An emoji is two UTF-16 units: it is never split, nor over-counted.
        assert_eq!(shorten(&"😀".repeat(10), 5), "😀😀…");
    }

    #[test]
    fn a_cut_never_falls_inside_a_link_a_mention_or_an_entity() {
        assert_eq!(shorten("see <https://x.example/a|source>", 20), "see…");
        assert_eq!(shorten("ask <@U12345678> now", 10), "ask…");
        assert_eq!(shorten("fish &amp; chips", 8), "fish…");
        assert_eq!(shorten("a &lt;b&gt; c", 11), "a &lt;b…");
        assert_eq!(shorten("a &lt;b&gt; c", 12), "a &lt;b&gt;…");
    }

    #[test]
    fn fit_keeps_the_tail_whole() {
        let line = fit(&"x".repeat(50), " <https://a.example/p1|source>", 40);
        assert_eq!(length(&line), 40);
        assert!(line.ends_with("… <https://a.example/p1|source>"), "{line}");
        assert_eq!(fit("short", " <u|source>", 40), "short <u|source>");
        // No room for the head: the whole is shortened, the link dropped.
        assert_eq!(
            fit("head", &format!(" <{}|s>", "u".repeat(50)), 10),
            "head…"
        );
    }

    #[test]
    fn a_long_section_is_split_at_line_breaks_and_extra_blocks_become_a_note() {
        let line = "y".repeat(1000);
        let text = [line.as_str(); 7].join("\n");
        let content = fit_message(
            SlackMessageContent::new()
                .with_text(text.clone())
                .with_blocks(vec![
                    SlackSectionBlock::new()
                        .with_text(SlackBlockText::MarkDown(SlackBlockMarkDownText::new(text)))
                        .into(),
                ]),
        );
        let json = serde_json::to_value(&content).expect("serializes");
        let blocks = json["blocks"].as_array().expect("blocks");
        // Two lines (2001 characters) fit a section, a third would not.
        assert_eq!(blocks.len(), 4);
        assert!(blocks.iter().all(|b| {
            let text = b["text"]["text"].as_str().unwrap_or_default();
            length(text) <= SECTION_TEXT && !text.starts_with('\n')
        }));

        let many: Vec<SlackBlock> = (0..60)
            .map(|n| {
                SlackSectionBlock::new()
                    .with_text(SlackBlockText::MarkDown(SlackBlockMarkDownText::new(
                        format!("line {n}"),
                    )))
                    .into()
            })
            .collect();
        let json = serde_json::to_value(fit_message(SlackMessageContent::new().with_blocks(many)))
            .expect("serializes");
        let blocks = json["blocks"].as_array().expect("blocks");
        assert_eq!(blocks.len(), MESSAGE_BLOCKS);
        assert_eq!(
            blocks[MESSAGE_BLOCKS - 1]["elements"][0]["text"],
            SHORTENED_NOTE
        );
    }
}

/// No rendered message, view or digest exceeds a limit, whatever people
/// typed: long, unicode, `&<>`-heavy. The checker reads the JSON Slack
/// receives, independently of how [`fit_message`] works.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::domain::digest::{
        AfterDecision, DecidedTopic, Digest, OldestTopic, OpenQuestion, Outcome, Reception,
        RecurringTopic, Reopened, Trend, Unexplained, Week,
    };
    use crate::respond::blocks::{
        AskWhy, DecisionLine, OpenLine, QuestionLine, ReceptionNote, Reply, Silence,
    };
    use crate::respond::views::{self, FormContext};
    use proptest::prelude::*;
    use proptest::strategy::Union;
    use serde_json::Value;

    /// Text as people type it, and worse.
    fn text() -> BoxedStrategy<String> {
        prop_oneof![
            any::<String>(),
            "[&<>*_~ a-z\n]{0,4000}",
            "[a-z ]{2900,3100}",
            proptest::collection::vec(
                prop_oneof!["&", "<", ">", "😀", "é", "x", " ", "\n"],
                0..4000
            )
            .prop_map(|parts| parts.concat()),
        ]
        .boxed()
    }

    fn maybe(strategy: BoxedStrategy<String>) -> BoxedStrategy<Option<String>> {
        proptest::option::of(strategy).boxed()
    }

    fn few<T: std::fmt::Debug + 'static>(item: BoxedStrategy<T>) -> BoxedStrategy<Vec<T>> {
        proptest::collection::vec(item, 0..14).boxed()
    }

    fn decision_line() -> BoxedStrategy<DecisionLine> {
        (
            text(),
            text(),
            proptest::num::i64::ANY,
            maybe(text()),
            maybe(text()),
            maybe(text()),
            (
                maybe(text()),
                few((text(), proptest::num::i64::ANY).boxed()),
            ),
        )
            .prop_map(
                |(topic, decision, recorded_at, owner, channel, link, (reasoning, replaces))| {
                    DecisionLine {
                        topic,
                        decision,
                        recorded_at,
                        owner,
                        channel,
                        link,
                        reasoning,
                        replaces,
                    }
                },
            )
            .boxed()
    }

    fn ask_why() -> BoxedStrategy<AskWhy> {
        (any::<i64>(), text())
            .prop_map(|(decision_id, owner)| AskWhy { decision_id, owner })
            .boxed()
    }

    fn reply() -> BoxedStrategy<Reply> {
        let id = any::<i64>();
        Union::new(vec![
            (maybe(text()), maybe(text()), proptest::option::of(id))
                .prop_map(|(topic, asked_with, flag_id)| Reply::Flag {
                    topic,
                    asked_with,
                    flag_id,
                })
                .boxed(),
            (maybe(text()), few((text(), text()).boxed()))
                .prop_map(|(problem, commands)| Reply::Usage { problem, commands })
                .boxed(),
            (
                text(),
                any::<bool>(),
                maybe(text()),
                any::<f64>(),
                few((text(), text()).boxed()),
                (text(), text(), any::<i64>(), any::<u32>()),
            )
                .prop_map(
                    |(
                        kind,
                        premature,
                        topic,
                        score,
                        reasons,
                        (topic_decided, decision, ms, count),
                    )| {
                        Reply::Verdict {
                            kind,
                            premature,
                            topic,
                            score,
                            reasons,
                            silence: vec![
                                Silence::ThreadAlreadyAsked,
                                Silence::ChannelMuted { until: Some(ms) },
                                Silence::ChannelCooldown { until: ms },
                                Silence::UserDailyCap { count },
                                Silence::DecisionFound {
                                    topic: topic_decided,
                                    decision,
                                    recorded_at: Some(ms),
                                },
                            ],
                        }
                    },
                )
                .boxed(),
            Just(Reply::DecideHowTo).boxed(),
            (
                text(),
                text(),
                text(),
                any::<bool>(),
                proptest::option::of(ask_why()),
            )
                .prop_map(
                    |(topic, decision, author, supersedes, why)| Reply::DecisionRecorded {
                        topic,
                        decision,
                        author,
                        supersedes,
                        why,
                    },
                )
                .boxed(),
            (maybe(text()), few(decision_line()))
                .prop_map(|(query, items)| Reply::Decisions { query, items })
                .boxed(),
            (
                few((text(), any::<i64>(), any::<i64>(), maybe(text()))
                    .prop_map(|(topic, asks, askers, link)| OpenLine {
                        topic,
                        asks,
                        askers,
                        link,
                    })
                    .boxed()),
                few(decision_line()),
                few((text(), maybe(text()), maybe(text()))
                    .prop_map(|(topic, owner, due)| QuestionLine { topic, owner, due })
                    .boxed()),
            )
                .prop_map(|(open, decided, questions)| Reply::Status {
                    open,
                    decided,
                    questions,
                })
                .boxed(),
            any::<i64>()
                .prop_map(|until| Reply::Muted { until })
                .boxed(),
            prop_oneof![
                Just(crate::policy::WhoMayMute::Anyone),
                Just(crate::policy::WhoMayMute::ChannelManagers),
                Just(crate::policy::WhoMayMute::Admins),
            ]
            .prop_map(|who| Reply::MuteRefused { who })
            .boxed(),
            Just(Reply::Unmuted).boxed(),
            (any::<bool>(), proptest::option::of(any::<i64>()))
                .prop_map(|(monitored, muted_until)| Reply::ChannelSettings {
                    monitored,
                    muted_until,
                })
                .boxed(),
            (text(), text())
                .prop_map(|(what, next)| Reply::Problem { what, next })
                .boxed(),
            (text(), text(), maybe(text()))
                .prop_map(|(topic, decision, owner)| Reply::FlagDecided {
                    topic,
                    decision,
                    owner,
                })
                .boxed(),
            text().prop_map(|by| Reply::FlagDismissed { by }).boxed(),
            (any::<i64>(), text())
                .prop_map(|(until, by)| Reply::FlagMuted { until, by })
                .boxed(),
            (text(), text(), text(), id)
                .prop_map(|(topic, owner, due, flag_id)| Reply::FlagOpen {
                    topic,
                    owner,
                    due,
                    flag_id,
                })
                .boxed(),
            (text(), text(), text())
                .prop_map(|(topic, owner, due)| Reply::OpenQuestion { topic, owner, due })
                .boxed(),
            (text(), text(), text())
                .prop_map(|(topic, channel, due)| Reply::Reminder {
                    topic,
                    channel,
                    due,
                })
                .boxed(),
            (
                text(),
                proptest::num::i64::ANY,
                maybe(text()),
                maybe(text()),
                maybe(text()),
                proptest::option::of(id),
            )
                .prop_map(|(decision, decided_at, owner, link, reasoning, flag_id)| {
                    Reply::SurfacedDecision {
                        decision,
                        decided_at,
                        owner,
                        link,
                        reasoning,
                        flag_id,
                    }
                })
                .boxed(),
            (
                text(),
                proptest::num::i64::ANY,
                proptest::num::i64::ANY,
                text(),
            )
                .prop_map(|(decision, decided_at, kept_at, by)| Reply::DecisionKept {
                    decision,
                    decided_at,
                    kept_at,
                    by,
                })
                .boxed(),
            (text(), ask_why())
                .prop_map(|(topic, ask)| Reply::AskWhy { topic, ask })
                .boxed(),
            (text(), text(), text())
                .prop_map(|(topic, reasoning, by)| Reply::Reasoning {
                    topic,
                    reasoning,
                    by,
                })
                .boxed(),
            (
                (text(), proptest::num::i64::ANY, text()),
                (0..1000i64, few(text()), 0..1000i64, few(text())),
            )
                .prop_map(
                    |(
                        (topic, decided_at, channel),
                        (confused, confused_links, disagree, disagree_links),
                    )| {
                        Reply::ReceptionNote(ReceptionNote {
                            topic,
                            decided_at,
                            channel,
                            confused,
                            confused_links,
                            disagree,
                            disagree_links,
                        })
                    },
                )
                .boxed(),
            (any::<bool>(), any::<bool>())
                .prop_map(|(on, workspace)| Reply::NotesSet { on, workspace })
                .boxed(),
            Just(Reply::DecideFormOpened).boxed(),
            Just(Reply::Greeting).boxed(),
            (text(), text(), maybe(text()), maybe(text()))
                .prop_map(|(topic, decision, owner, link)| Reply::MentionDecided {
                    line: DecisionLine {
                        topic,
                        decision,
                        recorded_at: 1_790_934_000_000,
                        owner,
                        channel: None,
                        link,
                        reasoning: None,
                        replaces: Vec::new(),
                    },
                })
                .boxed(),
            text()
                .prop_map(|query| Reply::MentionUndecided { query })
                .boxed(),
            (text(), text(), text(), proptest::option::of(ask_why()))
                .prop_map(|(topic, decision, by, why)| Reply::ThreadDecision {
                    topic,
                    decision,
                    by,
                    why,
                })
                .boxed(),
            proptest::collection::vec((id, decision_line()), 0..20)
                .prop_map(|items| Reply::ForgetWhich { items })
                .boxed(),
            (id, maybe(text()))
                .prop_map(|(id, topic)| Reply::DecisionForgotten { id, topic })
                .boxed(),
            digest()
                .prop_map(|digest| Reply::Digest(Box::new(digest)))
                .boxed(),
        ])
        .boxed()
    }

    fn digest() -> BoxedStrategy<Digest> {
        let day = (2000i16..2100, 1i8..=12, 1i8..=28)
            .prop_map(|(y, m, d)| jiff::civil::date(y, m, d))
            .boxed();
        let count = 0i64..10_000;
        (
            (
                text(),
                proptest::option::of(0usize..500),
                day.clone(),
                count.clone(),
            ),
            few((
                text(),
                maybe(text()),
                count.clone(),
                count.clone(),
                day.clone(),
                maybe(text()),
            )
                .prop_map(
                    |(topic, channel, asks, askers, since, link)| RecurringTopic {
                        topic,
                        channel,
                        asks,
                        askers,
                        threads: asks,
                        since,
                        link,
                    },
                )
                .boxed()),
            few(
                (text(), text(), maybe(text()), maybe(text()), maybe(text()))
                    .prop_map(|(topic, decision, owner, channel, link)| DecidedTopic {
                        topic,
                        decision,
                        owner,
                        channel,
                        link,
                    })
                    .boxed(),
            ),
            few((
                text(),
                maybe(text()),
                proptest::option::of(day.clone()),
                any::<bool>(),
                maybe(text()),
            )
                .prop_map(|(topic, owner, due, overdue, channel)| OpenQuestion {
                    topic,
                    owner,
                    due,
                    overdue,
                    channel,
                })
                .boxed()),
            proptest::option::of((text(), maybe(text()), day).prop_map(
                |(topic, channel, since)| OldestTopic {
                    topic,
                    channel,
                    since,
                },
            )),
            after_decision(),
        )
            .prop_map(
                |(
                    (channel_id, summary_of, monday, n),
                    recurring,
                    decisions,
                    open_questions,
                    oldest_open,
                    after,
                )| {
                    Digest {
                        channel_id,
                        summary_of,
                        week: Week {
                            label: "2026-W01".into(),
                            monday,
                            sunday: monday,
                        },
                        asks: Trend {
                            this_week: n,
                            week_before: n / 2,
                        },
                        premature: Trend {
                            this_week: n / 3,
                            week_before: n / 4,
                        },
                        confusion: n,
                        disagreement: n,
                        decisions_total: decisions.len() as i64 + n,
                        decisions,
                        open_total: open_questions.len() as i64 + n,
                        open_questions,
                        oldest_open,
                        recurring,
                        posted: n,
                        not_alignment: n / 5,
                        helpful: n / 4,
                        after,
                    }
                },
            )
            .boxed()
    }

    fn after_decision() -> BoxedStrategy<AfterDecision> {
        let count = 0i64..10_000;
        (
            few((
                text(),
                maybe(text()),
                count.clone(),
                count.clone(),
                maybe(text()),
            )
                .prop_map(|(topic, channel, confused, disagree, link)| Reception {
                    topic,
                    channel,
                    confused,
                    disagree,
                    link,
                })
                .boxed()),
            few((text(), maybe(text()), maybe(text()))
                .prop_map(|(topic, channel, owner)| Unexplained {
                    topic,
                    channel,
                    owner,
                })
                .boxed()),
            count,
            few((
                text(),
                maybe(text()),
                prop_oneof![
                    Just(Outcome::Kept),
                    Just(Outcome::Superseded),
                    Just(Outcome::Open)
                ],
            )
                .prop_map(|(topic, channel, outcome)| Reopened {
                    topic,
                    channel,
                    outcome,
                })
                .boxed()),
        )
            .prop_map(|(reception, unexplained, extra, reopened)| AfterDecision {
                unexplained_total: unexplained.len() as i64 + extra,
                reception,
                unexplained,
                reopened,
            })
            .boxed()
    }

    /// Every limit a message's or a view's JSON breaks, one line each.
    fn violations(json: &Value, blocks_max: usize) -> Vec<String> {
        let mut found = Vec::new();
        let str_at = |value: &Value, path: &[&str]| -> Option<String> {
            let mut at = value;
            for key in path {
                at = at.get(*key)?;
            }
            at.as_str().map(str::to_owned)
        };
        if let Some(text) = str_at(json, &["text"])
            && length(&text) > MESSAGE_TEXT
        {
            over(&mut found, "message text", &text, MESSAGE_TEXT);
        }
        for (key, max) in [
            ("title", MODAL_TITLE),
            ("submit", MODAL_TITLE),
            ("close", MODAL_TITLE),
        ] {
            if let Some(text) = str_at(json, &[key, "text"]) {
                over(&mut found, key, &text, max);
            }
        }
        if let Some(meta) = str_at(json, &["private_metadata"]) {
            over(&mut found, "private_metadata", &meta, PRIVATE_METADATA);
        }
        let blocks = json["blocks"].as_array().cloned().unwrap_or_default();
        if blocks.len() > blocks_max {
            found.push(format!("{} blocks (at most {blocks_max})", blocks.len()));
        }
        for block in &blocks {
            if let Some(id) = str_at(block, &["block_id"]) {
                over(&mut found, "block_id", &id, 255);
            }
            match block["type"].as_str() {
                Some("section") => {
                    let text = str_at(block, &["text", "text"]).unwrap_or_default();
                    over(&mut found, "section text", &text, SECTION_TEXT);
                    if !links_closed(&text) {
                        found.push(format!("section text has a link cut open: {text:.80}"));
                    }
                }
                Some("context") => {
                    let elements = block["elements"].as_array().cloned().unwrap_or_default();
                    if elements.is_empty() || elements.len() > CONTEXT_ELEMENTS {
                        found.push(format!("{} context elements", elements.len()));
                    }
                    for element in &elements {
                        let text = str_at(element, &["text"]).unwrap_or_default();
                        over(&mut found, "context text", &text, SECTION_TEXT);
                        if !links_closed(&text) {
                            found.push(format!("context text has a link cut open: {text:.80}"));
                        }
                    }
                }
                Some("header") => {
                    over(
                        &mut found,
                        "header",
                        &str_at(block, &["text", "text"]).unwrap_or_default(),
                        HEADER_TEXT,
                    );
                }
                Some("actions") => {
                    let elements = block["elements"].as_array().cloned().unwrap_or_default();
                    if elements.len() > ACTIONS_ELEMENTS {
                        found.push(format!("{} actions elements", elements.len()));
                    }
                    for button in &elements {
                        over(
                            &mut found,
                            "button text",
                            &str_at(button, &["text", "text"]).unwrap_or_default(),
                            BUTTON_TEXT,
                        );
                        if let Some(value) = str_at(button, &["value"]) {
                            over(&mut found, "button value", &value, BUTTON_VALUE);
                        }
                    }
                }
                Some("input") => {
                    over(
                        &mut found,
                        "input label",
                        &str_at(block, &["label", "text"]).unwrap_or_default(),
                        2000,
                    );
                    let element = &block["element"];
                    if let Some(initial) = str_at(element, &["initial_value"]) {
                        let max = element["max_length"].as_u64().unwrap_or(3000) as usize;
                        over(&mut found, "initial value", &initial, max.min(3000));
                    }
                }
                other => found.push(format!("unexpected block type {other:?}")),
            }
        }
        found
    }

    /// A text object's length outside 1 to `max`.
    fn over(found: &mut Vec<String>, what: &str, text: &str, max: usize) {
        let n = length(text);
        if n > max || n == 0 {
            found.push(format!("{what}: {n} (1 to {max})"));
        }
    }

    /// Every `<` is closed by a `>` before the next `<`.
    fn links_closed(text: &str) -> bool {
        let mut open = false;
        for c in text.chars() {
            match c {
                '<' if open => return false,
                '<' => open = true,
                '>' => open = false,
                _ => {}
            }
        }
        !open
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn no_reply_exceeds_a_block_kit_limit(reply in reply()) {
            let json = serde_json::to_value(reply.render()).expect("serializes");
            let found = violations(&json, MESSAGE_BLOCKS);
            prop_assert!(found.is_empty(), "{found:?}");
        }

        #[test]
        fn no_digest_exceeds_a_block_kit_limit(digest in digest()) {
            let json = serde_json::to_value(crate::respond::digest::blocks(&digest))
                .expect("serializes");
            let found = violations(&json, MESSAGE_BLOCKS);
            prop_assert!(found.is_empty(), "{found:?}");
        }

        #[test]
        fn no_form_exceeds_a_block_kit_limit(
            topic in maybe(text()),
            channel_id in "[A-Z0-9]{1,20}",
            owner in "[A-Z0-9]{1,20}",
            flag_id in proptest::option::of(any::<i64>()),
            channel_private in any::<bool>(),
        ) {
            let context = FormContext { channel_id, flag_id, channel_private, permalink: None, decision_id: flag_id, thread_ts: None };
            for view in [
                views::decide_form(&context, topic.as_deref(), &owner),
                views::reasoning_form(&context),
                views::open_question_form(&context, topic.as_deref(), &owner, jiff::civil::date(2026, 12, 1)),
            ] {
                let json = serde_json::to_value(view).expect("serializes");
                let found = violations(&json, VIEW_BLOCKS);
                prop_assert!(found.is_empty(), "{found:?}");
            }
        }
    }
}
