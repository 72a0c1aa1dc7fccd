//! The ids that tie a click or a submission back to what the bot posted:
//! the flag reply's buttons ([`ActionId`]), the modals ([`ViewId`]) and
//! their fields ([`Field`]), and the modals themselves. Typed, so a renamed
//! id cannot leave a button nobody handles.

use serde::{Deserialize, Serialize};
use slack_morphism::prelude::*;

/// The flag reply's buttons. The wire name is the `action_id`; each
/// button's `value` is the flag's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionId {
    /// Opens the decide modal with the flag's topic filled in.
    RecordDecision,
    /// Opens the modal asking who decides, by when.
    NoDecisionYet,
    /// Feedback: the message was not asking people to align.
    NotAlignment,
    /// Mutes the flag's channel for a week.
    MuteWeek,
    /// Opens the decide modal for a topic nobody recorded a decision on
    /// (an @mention's answer); its `value` is the topic, not a flag.
    RecordTopic,
    /// App Home's search box (its `value` is the query typed).
    HomeSearch,
    /// Feedback: the question helped.
    Helpful,
    /// A reopened decision still holds: its `value` is the reopen's flag.
    KeepDecision,
    /// Opens the decide modal, prefilled, to replace a reopened decision
    /// (its `value` is the reopen's flag).
    SupersedeDecision,
    /// Opens the reasoning modal; its `value` is the decision's id.
    AddReasoning,
    /// The daily note's *Stop these notes*.
    NotesOff,
}

impl ActionId {
    pub const ALL: [ActionId; 11] = [
        ActionId::RecordDecision,
        ActionId::NoDecisionYet,
        ActionId::NotAlignment,
        ActionId::MuteWeek,
        ActionId::RecordTopic,
        ActionId::HomeSearch,
        ActionId::Helpful,
        ActionId::KeepDecision,
        ActionId::SupersedeDecision,
        ActionId::AddReasoning,
        ActionId::NotesOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionId::RecordDecision => "flag_record_decision",
            ActionId::NoDecisionYet => "flag_no_decision_yet",
            ActionId::NotAlignment => "flag_not_alignment",
            ActionId::MuteWeek => "flag_mute_week",
            ActionId::RecordTopic => "record_topic",
            ActionId::HomeSearch => "home_search",
            ActionId::Helpful => "flag_helpful",
            ActionId::KeepDecision => "decision_keep",
            ActionId::SupersedeDecision => "decision_supersede",
            ActionId::AddReasoning => "decision_add_reasoning",
            ActionId::NotesOff => "notes_off",
        }
    }

    /// The action for a wire name; `None` for anything the bot never sent.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|id| id.as_str() == text)
    }
}

/// The message shortcut "Record as decision" (the manifest's `callback_id`).
pub const RECORD_SHORTCUT: &str = "clarity_record_as_decision";

/// The modals, by `callback_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewId {
    /// Topic, decision, owner, reasoning.
    Decide,
    /// Topic, who decides, by when.
    OpenQuestion,
    /// Why the feedback was given (one optional line).
    FeedbackReason,
    /// A decision's reasoning, asked of its owner.
    Reasoning,
}

impl ViewId {
    pub const ALL: [ViewId; 4] = [
        ViewId::Decide,
        ViewId::OpenQuestion,
        ViewId::FeedbackReason,
        ViewId::Reasoning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ViewId::Decide => "clarity_decide",
            ViewId::OpenQuestion => "clarity_open_question",
            ViewId::FeedbackReason => "clarity_feedback_reason",
            ViewId::Reasoning => "clarity_reasoning",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|id| id.as_str() == text)
    }
}

/// A modal's input: its `block_id` and its element's `action_id` are both
/// this name, and a validation error names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Topic,
    Decision,
    Owner,
    Reasoning,
    Due,
    Reason,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Topic => "topic",
            Field::Decision => "decision",
            Field::Owner => "owner",
            Field::Reasoning => "reasoning",
            Field::Due => "due",
            Field::Reason => "reason",
        }
    }
}

/// What a modal remembers between opening and submission (its
/// `private_metadata`): where it was opened, and for which flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormContext {
    pub channel_id: String,
    /// The flag whose button opened it; `None` from `/clarity decide`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag_id: Option<i64>,
    /// A private channel: its decisions never show outside it.
    #[serde(default)]
    pub channel_private: bool,
    /// The message the decision comes from ("Record as decision").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permalink: Option<String>,
    /// The decision it is about: the one *Supersede it* replaces, or the
    /// one whose reasoning is asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<i64>,
    /// Where the reasoning is posted: the thread of the question.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_ts: Option<String>,
}

/// Slack's limit on a plain-text input.
pub const MAX_INPUT_CHARS: u64 = 3000;
/// Topics are short: they head lists and thread lines.
pub const MAX_TOPIC_CHARS: u64 = 150;

fn text_input(field: Field, label: &str, initial: Option<&str>, multiline: bool) -> SlackBlock {
    let max = if field == Field::Topic {
        MAX_TOPIC_CHARS
    } else {
        MAX_INPUT_CHARS
    };
    let mut element = SlackBlockPlainTextInputElement::new()
        .with_action_id(field.as_str().into())
        .with_multiline(multiline)
        .with_max_length(max);
    // A prefilled value longer than the field's own limit would make Slack
    // refuse the whole modal (a flag's topic can be any length).
    if let Some(initial) = initial.filter(|t| !t.is_empty()) {
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        element = element.with_initial_value(crate::respond::limits::shorten(initial, max));
    }
    SlackInputBlock::new(
        label.into(),
        SlackInputBlockElement::PlainTextInput(element),
    )
    .with_block_id(field.as_str().into())
    .into()
}

fn user_input(owner: &str, label: &str) -> SlackBlock {
    SlackInputBlock::new(
        label.into(),
        SlackInputBlockElement::UsersSelect(
            SlackBlockUsersSelectElement::new()
                .with_action_id(Field::Owner.as_str().into())
                .with_initial_user(owner.to_string()),
        ),
    )
    .with_block_id(Field::Owner.as_str().into())
    .into()
}

fn modal(
    id: ViewId,
    title: &str,
    submit: &str,
    context: &FormContext,
    blocks: Vec<SlackBlock>,
) -> SlackView {
    SlackView::Modal(
        SlackModalView::new(title.into(), blocks)
            .with_callback_id(id.as_str().into())
            .with_submit(submit.into())
            .with_close("Cancel".into())
            .with_private_metadata(serde_json::to_string(context).unwrap_or_default()),
    )
}

/// The decide modal: topic (prefilled from a flag), decision, owner (the
/// person who opened it, to start with), reasoning (optional).
pub fn decide_form(context: &FormContext, topic: Option<&str>, owner: &str) -> SlackView {
    decision_form(context, topic, None, owner)
}

/// The decide modal with its decision prefilled too ("Record as
/// decision": the message's text, its author as the owner).
pub fn decision_form(
    context: &FormContext,
    topic: Option<&str>,
    decision: Option<&str>,
    owner: &str,
) -> SlackView {
    let mut reasoning = text_input(Field::Reasoning, "Why (optional)", None, true);
    if let SlackBlock::Input(block) = &mut reasoning {
        block.optional = Some(true);
    }
    modal(
        ViewId::Decide,
        "Record the decision",
        "Record",
        context,
        vec![
            text_input(Field::Topic, "Topic", topic, false),
            text_input(Field::Decision, "What was decided", decision, true),
            user_input(owner, "Who owns it"),
            reasoning,
        ],
    )
}

/// The longest reasoning: one or two sentences, with room to spare.
pub const MAX_REASONING_CHARS: u64 = 1000;

/// The reasoning modal: why it was decided, in one or two sentences (the
/// question it was opened from names the decision).
pub fn reasoning_form(context: &FormContext) -> SlackView {
    let input = SlackInputBlock::new(
        "Why, in one or two sentences".into(),
        SlackInputBlockElement::PlainTextInput(
            SlackBlockPlainTextInputElement::new()
                .with_action_id(Field::Reasoning.as_str().into())
                .with_multiline(true)
                .with_max_length(MAX_REASONING_CHARS),
        ),
    )
    .with_block_id(Field::Reasoning.as_str().into());
    modal(
        ViewId::Reasoning,
        "The reasoning",
        "Save",
        context,
        vec![input.into()],
    )
}

/// The longest feedback reason: one line.
pub const MAX_REASON_CHARS: u64 = 150;

/// The small modal after feedback: why, in one optional line.
pub fn feedback_reason_form(context: &FormContext, helpful: bool) -> SlackView {
    let label = if helpful {
        "What made it useful? (optional)"
    } else {
        "What was it instead? (optional)"
    };
    let mut reason = SlackInputBlock::new(
        label.into(),
        SlackInputBlockElement::PlainTextInput(
            SlackBlockPlainTextInputElement::new()
                .with_action_id(Field::Reason.as_str().into())
                .with_max_length(MAX_REASON_CHARS),
        ),
    )
    .with_block_id(Field::Reason.as_str().into());
    reason.optional = Some(true);
    modal(
        ViewId::FeedbackReason,
        "Thanks for the feedback",
        "Send",
        context,
        vec![reason.into()],
    )
}

/// The "No decision yet" modal: topic, who decides, and by when (a week
/// from `today` to start with).
pub fn open_question_form(
    context: &FormContext,
    topic: Option<&str>,
    owner: &str,
    today: jiff::civil::Date,
) -> SlackView {
    let in_a_week = today
        .checked_add(jiff::Span::new().days(7))
        .unwrap_or(today);
    let due = SlackInputBlock::new(
        "Decided by".into(),
        SlackInputBlockElement::DatePicker(
            SlackBlockDatePickerElement::new()
                .with_action_id(Field::Due.as_str().into())
                .with_initial_date(in_a_week.to_string()),
        ),
    )
    .with_block_id(Field::Due.as_str().into())
    .into();
    modal(
        ViewId::OpenQuestion,
        "Who decides, by when?",
        "Save",
        context,
        vec![
            text_input(Field::Topic, "Topic", topic, false),
            user_input(owner, "Who decides"),
            due,
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_view_id_round_trips_through_its_wire_name() {
        for id in ActionId::ALL {
            assert_eq!(ActionId::parse(id.as_str()), Some(id));
        }
        for id in ViewId::ALL {
            assert_eq!(ViewId::parse(id.as_str()), Some(id));
        }
        assert_eq!(ActionId::parse("a"), None);
        assert_eq!(ViewId::parse("view-id"), None);
    }

    #[test]
    fn the_decide_form_is_prefilled_and_remembers_its_flag() {
        let context = FormContext {
            channel_id: "C1".into(),
            flag_id: Some(7),
            channel_private: false,
            permalink: None,
            decision_id: None,
            thread_ts: None,
        };
        let json = serde_json::to_value(decide_form(&context, Some("pricing page"), "U1"))
            .expect("serializes");
        assert_eq!(json["type"], "modal");
        assert_eq!(json["callback_id"], "clarity_decide");
        assert_eq!(json["blocks"][0]["block_id"], "topic");
        assert_eq!(
            json["blocks"][0]["element"]["initial_value"],
            "pricing page"
        );
        assert_eq!(json["blocks"][2]["element"]["type"], "users_select");
        assert_eq!(json["blocks"][2]["element"]["initial_user"], "U1");
        assert_eq!(json["blocks"][3]["optional"], true);
        let meta: FormContext =
            serde_json::from_str(json["private_metadata"].as_str().expect("metadata"))
                .expect("parses");
        assert_eq!(meta, context);
    }

    #[test]
    fn the_open_question_form_asks_who_and_by_when() {
        let context = FormContext {
            channel_id: "C1".into(),
            flag_id: Some(7),
            channel_private: false,
            permalink: None,
            decision_id: None,
            thread_ts: None,
        };
        let today = jiff::civil::date(2026, 12, 5);
        let json = serde_json::to_value(open_question_form(&context, None, "U1", today))
            .expect("serializes");
        assert_eq!(json["callback_id"], "clarity_open_question");
        assert_eq!(json["blocks"][1]["element"]["type"], "users_select");
        assert_eq!(json["blocks"][2]["element"]["type"], "datepicker");
        assert_eq!(json["blocks"][2]["element"]["initial_date"], "2026-12-12");
    }
}
