//! `@clarity …` (`app_mention`): "help" answers like `/clarity help`;
//! "was X decided?" or "what did we decide about X?" looks X up in the
//! decision log (this channel's, and other channels' only where they are
//! public: the rule of `/clarity decisions X`) and answers in the thread
//! with the decision, its owner, date and link, or says that none is
//! recorded and offers the button that records one. "check TEXT" answers
//! like `/clarity check TEXT`, in the mention's thread: so in a thread the
//! bot already asked in, it says so. Anything else gets the help. Decide ([`read`], pure), then act ([`answer`]: one reply,
//! queued once per mention).

use crate::commands::{self, grammar};
use crate::domain::Message;
use crate::respond::blocks::{DecisionLine, Reply};
use crate::respond::outgoing::Outgoing;
use crate::state::AppState;

/// What a mention asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    Help,
    /// Whether this topic (as typed) was decided.
    Decided(String),
    /// What the bot makes of a draft here (as typed, case kept).
    Check(String),
}

/// The ways people ask whether something was decided: what comes before
/// the topic, and after it.
const ASKS: &[(&str, &str)] = &[
    ("what did we decide about ", ""),
    ("what did we decide on ", ""),
    ("what did we decide for ", ""),
    ("what was decided about ", ""),
    ("what was decided on ", ""),
    ("what was decided for ", ""),
    ("what's the decision on ", ""),
    ("what is the decision on ", ""),
    ("did we decide on ", ""),
    ("did we decide about ", ""),
    ("did we decide ", ""),
    ("decision on ", ""),
    ("was ", " decided"),
    ("has ", " been decided"),
    ("is ", " decided"),
];

/// Reads a mention's text: mentions, punctuation and case set aside.
pub fn read(text: &str) -> Question {
    let words: Vec<&str> = text
        .split_whitespace()
        .filter(|word| !(word.starts_with("<@") && word.ends_with('>')))
        .collect();
    if let Some((first, draft)) = words.split_first()
        && first.eq_ignore_ascii_case("check")
        && !draft.is_empty()
    {
        return Question::Check(draft.join(" "));
    }
    let asked = words
        .join(" ")
        .to_lowercase()
        .trim_end_matches(['?', '!', '.', ' '])
        .to_string();
    for (before, after) in ASKS {
        let Some(rest) = asked.strip_prefix(before) else {
            continue;
        };
        let Some(topic) = rest.strip_suffix(after) else {
            continue;
        };
        let topic = topic.trim();
        let topic = topic.strip_prefix("the ").unwrap_or(topic).trim();
        if !topic.is_empty() {
            return Question::Decided(topic.to_string());
        }
    }
    Question::Help
}

/// Answers a mention in its thread, once (a redelivered event finds its
/// reply already queued).
pub async fn answer(state: &AppState, message: &Message, now: i64) -> anyhow::Result<()> {
    let reply = match read(&message.text) {
        Question::Help => Reply::Usage {
            problem: Some(
                "Ask me here “was pricing decided?”, “what did we decide about pricing?” or “check TEXT” (what I'd make of a message in this thread).".into(),
            ),
            commands: grammar::usage(),
        },
        Question::Decided(topic) => {
            let found = state
                .store
                .search_decisions(&message.team_id, &message.channel_id, &topic)
                .await?;
            match found.first() {
                Some(row) => Reply::MentionDecided {
                    line: DecisionLine {
                        topic: row.topic.clone(),
                        decision: row.decision.clone(),
                        recorded_at: row.created_at,
                        owner: row.owner.clone(),
                        channel: (row.channel_id != message.channel_id)
                            .then(|| row.channel_id.clone()),
                        link: row.permalink.clone(),
                        reasoning: row.reasoning.clone(),
                        replaces: Vec::new(),
                    },
                },
                None => Reply::MentionUndecided { query: topic },
            }
        }
        Question::Check(draft) => {
            let here = commands::Draft {
                team_id: &message.team_id,
                channel_id: &message.channel_id,
                user_id: &message.user_id,
                thread_ts: message.is_reply().then(|| message.thread_root()),
            };
            commands::check(state, &here, &draft, now).await?
        }
    };
    let queued = Outgoing::Post {
        channel: message.channel_id.clone(),
        thread_ts: Some(message.thread_root().to_string()),
        content: reply.render(),
    }
    .queued(
        &message.team_id,
        format!(
            "mention:{}:{}:{}",
            message.team_id, message.channel_id, message.ts
        ),
    );
    if state.store.enqueue(&queued, now).await? {
        metrics::counter!("clarity_mentions_answered_total").increment(1);
        state.outbox_ready.notify_one();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_about_decisions_name_their_topic() {
        for (text, topic) in [
            ("<@UBOT> was the Q3 roadmap decided?", "q3 roadmap"),
            ("<@UBOT> what did we decide about pricing?", "pricing"),
            ("<@UBOT> has the pricing page been decided", "pricing page"),
            (
                "<@UBOT>   did we decide on search ranking?!",
                "search ranking",
            ),
            ("what's the decision on onboarding? <@UBOT>", "onboarding"),
        ] {
            assert_eq!(read(text), Question::Decided(topic.into()), "{text}");
        }
    }

    #[test]
    fn check_takes_the_draft_as_typed() {
        assert_eq!(
            read("<@UBOT> check Can we get ALIGNED on pricing?"),
            Question::Check("Can we get ALIGNED on pricing?".into())
        );
        assert_eq!(read("<@UBOT> check"), Question::Help);
    }

    #[test]
    fn help_and_anything_else_get_the_help() {
        for text in [
            "<@UBOT> help",
            "<@UBOT>",
            "<@UBOT> hi there!",
            "was decided?",
            "",
        ] {
            assert_eq!(read(text), Question::Help, "{text}");
        }
    }
}
