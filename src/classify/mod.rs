//! The classifier: pure (no I/O, no async, no clock). Text, thread and
//! decision log in, an [`Assessment`] out. The live bot, `check`, `eval` and
//! `scan` all call [`Classifier::assess`].

use crate::domain::{Assessment, Kind};
use std::path::Path;

/// Earlier messages of the thread and the decision log an assessment may use.
#[derive(Debug, Default, Clone, Copy)]
pub struct Context<'a> {
    /// Texts of the thread's earlier messages, root first.
    pub thread: &'a [String],
    /// The channel's (or workspace's) logged decisions.
    pub log: Option<&'a DecisionIndex>,
}

/// Logged decisions, indexed by topic tokens for lookup.
#[derive(Debug, Default, Clone)]
pub struct DecisionIndex {
    entries: Vec<(i64, String, String)>,
}

impl DecisionIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or, for an existing id, replaces) a logged decision.
    pub fn insert(&mut self, id: i64, topic: &str, decision: &str) {
        self.entries.retain(|(existing, _, _)| *existing != id);
        self.entries
            .push((id, topic.to_owned(), decision.to_owned()));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A problem with a rules file, naming the file, the rule and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct RulesError {
    pub file: String,
    pub message: String,
}

/// The compiled rule set.
#[derive(Debug, Clone)]
pub struct Classifier {
    ask: regex::Regex,
}

impl Classifier {
    /// The rules shipped in `config/rules.toml`, embedded at build time.
    pub fn builtin() -> Self {
        Self {
            ask: regex::Regex::new(r"(?i)\balign(ed|ment)?\b|\bsame page\b").expect("valid"),
        }
    }

    /// Loads and compiles a rules file.
    pub fn from_path(path: &Path) -> Result<Self, RulesError> {
        Err(RulesError {
            file: path.display().to_string(),
            message: "rules files are not supported yet".into(),
        })
    }

    /// Assesses one message in its context.
    pub fn assess(&self, text: &str, _context: &Context<'_>) -> Assessment {
        let kind = if self.ask.is_match(text) {
            Kind::AlignmentRequest
        } else {
            Kind::Other
        };
        Assessment {
            kind,
            topic: None,
            decided_by: None,
            premature: kind == Kind::AlignmentRequest,
            score: 0.5,
            reasons: Vec::new(),
        }
    }
}
