//! One renderer for every message the bot sends: a [`Reply`] becomes the
//! `text` fallback (notifications, screen readers) and Block Kit blocks.
//! Short, kind, readable on a phone.

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
    },
}

impl Reply {
    /// Renders the message content.
    pub fn render(&self) -> SlackMessageContent {
        match self {
            Reply::Flag { topic, asked_with } => {
                let subject = topic
                    .as_deref()
                    .map(|t| format!("*{}*", escape(t)))
                    .unwrap_or_else(|| "this".into());
                let question =
                    format!("Before aligning on {subject}: which decision has actually been made?");
                let why = match (asked_with, topic) {
                    (Some(words), Some(_)) => format!(
                        "Why I ask: “{}” asks people to converge, and I found no decision on it in this thread or the decision log.",
                        escape(words)
                    ),
                    (Some(words), None) => format!(
                        "Why I ask: “{}” asks people to converge, and I found no decision in this thread or the decision log.",
                        escape(words)
                    ),
                    (None, _) => "Why I ask: this reads as a request to align, and I found no decision in this thread or the decision log.".into(),
                };
                let hint = "If it's decided, say so here (“Decision: …”) and I'll remember it. If not, deciding first makes the alignment easy.";
                SlackMessageContent::new()
                    .with_text(question.clone())
                    .with_blocks(vec![
                        SlackSectionBlock::new().with_text(md(question)).into(),
                        SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                            SlackBlockMarkDownText::new(why),
                        )])
                        .into(),
                        SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(
                            SlackBlockMarkDownText::new(hint.into()),
                        )])
                        .into(),
                    ])
            }
        }
    }
}

fn md(text: String) -> SlackBlockText {
    SlackBlockText::MarkDown(SlackBlockMarkDownText::new(text))
}

/// Escapes the three characters Slack's mrkdwn treats as control characters,
/// and the formatting characters that would break a `*bold*` wrapper.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('*', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_renders_as_a_question_a_reason_and_a_hint() {
        let content = Reply::Flag {
            topic: Some("Q3 roadmap".into()),
            asked_with: Some("get aligned on".into()),
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
        }
        .render();
        let text = content.text.unwrap_or_default();
        assert!(text.contains("&lt;!channel&gt;"), "{text}");
        assert!(!text.contains("<!channel>"));
    }
}
