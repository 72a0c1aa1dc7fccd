//! The classifier: pure (no I/O, no async, no clock). Text, thread and
//! decision log in, an [`Assessment`] out. The live bot, `check`, `eval` and
//! `scan` all call [`Classifier::assess`].
//!
//! The steps follow the data: [`normalize`] Slack mrkdwn (keeping a map back
//! to the original bytes) → run the [`rules`] (behind their [`prefilter`]) → extract the
//! [`topic`] of the ask → look for a decision covering it in the message, the
//! thread and the [`decisions`] log.

pub mod decisions;
pub mod normalize;
pub mod prefilter;
pub mod rules;
pub mod scorer;
pub mod topic;

pub use decisions::{DecisionIndex, LogMatch};

use crate::domain::{Assessment, DecidedBy, DecisionSource, Kind, Reason};
use normalize::Normalized;
use prefilter::Pass;
use rules::{RuleKind, RuleSet, Scope};
use scorer::{Class, Extractor, Scorer};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use topic::TopicPhrase;

/// Earlier messages of the thread and the decision log an assessment may use.
#[derive(Debug, Default, Clone, Copy)]
pub struct Context<'a> {
    /// Texts of the thread's earlier messages, root first.
    pub thread: &'a [String],
    /// The channel's (or workspace's) logged decisions, consulted only when
    /// the verdict is an alignment request (`tests/classifier_log.rs`).
    pub log: Option<&'a DecisionIndex>,
    /// An ask outside a thread that names nothing ("can we get everyone
    /// aligned on this?") points at the log's newest decision when it was
    /// recorded at or after this time (Unix seconds; [`RECENT_DECISION`]
    /// before the message, in a channel). `None`: whatever its time, as in
    /// a corpus item, whose log is the moment's.
    pub recent_since: Option<i64>,
}

/// How long after a decision is recorded an ask that names nothing is read
/// as pointing at it: "this", an hour on, is whatever was just posted.
pub const RECENT_DECISION: i64 = 3600;

/// A problem with a rules file, naming the file, the rule and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct RulesError {
    pub file: String,
    /// The rule at fault, when the problem is in one rule.
    pub rule: Option<String>,
    pub message: String,
}

/// The rules shipped with the bot.
pub const BUILTIN_RULES: &str = include_str!("../../config/rules.toml");

/// The scorer's weights shipped with the bot (`config/scorer.tsv`, made by
/// `clarity-bot train`), as `build.rs` embeds them: the lines other than
/// rows, and the rows, read in place.
const BUILTIN_SCORER_HEAD: &str = include_str!(concat!(env!("OUT_DIR"), "/scorer-head.tsv"));
static BUILTIN_SCORER_ROWS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/scorer-rows.bin"));

/// A weights file that could not be read, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct ScorerError {
    pub file: String,
    pub problem: scorer::ScorerProblem,
}

/// Messages longer than this are assessed on their first bytes only.
pub const DEFAULT_MAX_BYTES: usize = 40 * 1024;

/// Matches kept per rule: enough to explain, few enough to stay linear.
const MAX_HITS_PER_RULE: usize = 8;

/// How many earlier thread messages are read (the most recent ones).
const MAX_THREAD: usize = 50;

/// An ask must reach this strength to count as an alignment request.
const ASK_THRESHOLD: f64 = 0.5;
/// Other kinds need this much to beat `other`.
const KIND_THRESHOLD: f64 = 0.5;
/// Each sign that the topic is open adds this to an ask (at most twice).
const UNCERTAINTY_BONUS: f64 = 0.1;

/// The compiled rule set. Cheap to clone; shared across workers.
#[derive(Debug, Clone)]
pub struct Classifier {
    rules: Arc<RuleSet>,
    /// The learned scorer; without it the rules alone decide.
    scorer: Option<Arc<Scorer>>,
    max_bytes: usize,
}

thread_local! {
    /// Feature buffers, reused by every assessment on this thread.
    static EXTRACTOR: std::cell::RefCell<Extractor> = std::cell::RefCell::new(Extractor::default());
    /// The first pass's buffers, reused likewise.
    static PASS: std::cell::RefCell<Pass> = std::cell::RefCell::new(Pass::default());
}

/// One rule match, in normalized coordinates.
#[derive(Debug, Clone)]
struct Hit {
    rule: usize,
    kind: RuleKind,
    weight: f64,
    span: Range<usize>,
    sentence: usize,
}

/// A message after normalization and rule matching.
#[derive(Debug)]
struct Scan {
    norm: Normalized,
    sentences: Vec<Range<usize>>,
    hits: Vec<Hit>,
}

impl Scan {
    fn has(&self, kind: RuleKind) -> bool {
        self.hits.iter().any(|h| h.kind == kind)
    }

    fn max_weight(&self, kind: RuleKind) -> f64 {
        self.hits
            .iter()
            .filter(|h| h.kind == kind)
            .map(|h| h.weight)
            .fold(0.0, f64::max)
    }

    fn count(&self, kind: RuleKind) -> usize {
        self.hits.iter().filter(|h| h.kind == kind).count()
    }

    fn sentence_text(&self, index: usize) -> &str {
        self.sentences
            .get(index)
            .map_or("", |r| self.norm.text[r.clone()].trim())
    }
}

/// The strongest ask in a scan, after exclusions.
#[derive(Debug, Clone)]
struct Ask {
    hit: Hit,
    strength: f64,
}

impl Classifier {
    /// The rules shipped in `config/rules.toml` and the scorer shipped in
    /// `config/scorer.tsv`, embedded at build time.
    ///
    /// # Panics
    /// Only if a shipped file is broken, which a test rules out.
    pub fn builtin() -> Self {
        match Scorer::embedded(BUILTIN_SCORER_HEAD, BUILTIN_SCORER_ROWS) {
            Ok(scorer) => Self::builtin_rules().with_scorer(scorer),
            Err(e) => panic!("the built-in scorer is broken: config/scorer.tsv: {e}"),
        }
    }

    /// The rules shipped in `config/rules.toml` alone (what `train` fits
    /// the scorer beside).
    ///
    /// # Panics
    /// Only if the shipped file is broken, which a test rules out.
    pub fn builtin_rules() -> Self {
        match Self::from_source(BUILTIN_RULES, "config/rules.toml") {
            Ok(classifier) => classifier,
            Err(e) => panic!("the built-in rules are broken: {e}"),
        }
    }

    /// The rules alone, without the learned scorer (to compare, in `eval`).
    pub fn rules_only(mut self) -> Self {
        self.scorer = None;
        self
    }

    /// Decides with `scorer` beside the rules.
    pub fn with_scorer(mut self, scorer: Scorer) -> Self {
        self.scorer = Some(Arc::new(scorer));
        self
    }

    /// Loads a scorer weights file and decides with it.
    pub fn with_scorer_file(self, path: &Path) -> Result<Self, ScorerError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ScorerError {
            file: file.clone(),
            problem: scorer::ScorerProblem {
                line: 0,
                message: format!("cannot read the weights file ({e}); check the path"),
            },
        })?;
        let scorer = Scorer::parse(&text).map_err(|problem| ScorerError { file, problem })?;
        Ok(self.with_scorer(scorer))
    }

    /// The scorer in use, if any.
    pub fn scorer(&self) -> Option<&Scorer> {
        self.scorer.as_deref()
    }

    /// The weighed feature buckets the scorer reads for `text` (training
    /// uses them).
    pub fn features(&self, text: &str) -> Vec<(u32, f32)> {
        let scan = self.scan(truncate(text, self.max_bytes));
        EXTRACTOR.with(|e| {
            e.borrow_mut()
                .extract(&scan.norm.text, self.fired(&scan))
                .to_vec()
        })
    }

    /// The words and rules that weighed most for the verdict's class, with
    /// what each added (empty without a scorer).
    pub fn heaviest_features(&self, text: &str, kind: Kind, count: usize) -> Vec<(String, f32)> {
        let Some(scorer) = self.scorer.as_deref() else {
            return Vec::new();
        };
        let scan = self.scan(truncate(text, self.max_bytes));
        let named = Extractor::default().named(&scan.norm.text, self.fired(&scan));
        scorer.heaviest(&named, scorer::class_of(kind), count)
    }

    /// The `(id, kind)` of each rule that fired, once each.
    fn fired<'s>(&'s self, scan: &Scan) -> Vec<(&'s str, &'static str)> {
        let mut fired: Vec<(&str, &'static str)> = Vec::new();
        for hit in &scan.hits {
            let rule = &self.rules.rules[hit.rule];
            if !fired.iter().any(|(id, _)| *id == rule.id) {
                fired.push((rule.id.as_str(), hit.kind.as_str()));
            }
        }
        fired
    }

    /// Loads and compiles a rules file.
    pub fn from_path(path: &Path) -> Result<Self, RulesError> {
        let file = path.display().to_string();
        let source = std::fs::read_to_string(path).map_err(|e| RulesError {
            file: file.clone(),
            rule: None,
            message: format!("cannot read the rules file ({e}); check the path"),
        })?;
        Self::from_source(&source, &file)
    }

    /// Compiles rules from TOML text; `file` names it in errors.
    pub fn from_source(source: &str, file: &str) -> Result<Self, RulesError> {
        let rules = rules::parse(source).map_err(|p| RulesError {
            file: file.to_owned(),
            message: p.to_string(),
            rule: p.rule,
        })?;
        Ok(Self {
            rules: Arc::new(rules),
            scorer: None,
            max_bytes: DEFAULT_MAX_BYTES,
        })
    }

    /// Assesses at most `max_bytes` of each message (default 40 KB).
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes.max(1);
        self
    }

    /// How many rules are loaded.
    pub fn rule_count(&self) -> usize {
        self.rules.rules.len()
    }

    /// The compiled rules and their first pass.
    pub fn rule_set(&self) -> &RuleSet {
        &self.rules
    }

    /// What the thread's root is about: the topic it names when it has one
    /// ("Morning! Before we start on the pricing page redesign…" → "pricing
    /// page redesign"), else its first sentence of two words or more.
    fn root_subject(&self, thread: &[String]) -> Option<String> {
        let root = thread.first()?;
        if let Some(topic) = self.assess(root, &Context::default()).topic {
            return Some(topic);
        }
        let norm = normalize::normalize(truncate(root, 2048));
        let first = sentences(&norm.text)
            .into_iter()
            .map(|r| norm.text[r].trim().to_owned())
            .find(|s| topic::tokens(s).len() >= 2)?;
        let words: Vec<&str> = first.split_whitespace().take(8).collect();
        Some(
            words
                .join(" ")
                .trim_end_matches(['.', '?', '!', ':', ','])
                .to_owned(),
        )
    }

    /// Assesses one message in its context.
    ///
    /// With a scorer, its probabilities decide the kind: an alignment ask
    /// at `thresholds.ask` or more, unless an exclusion fired and no ask
    /// rule survived it (another sense of the words, or a team's own
    /// `exclude` rule, has the last word); else the likeliest of decision,
    /// confusion and disagreement at `thresholds.kind` or more; else other.
    /// The rules still find the topic and the decision that covers it, and
    /// they are the explanation. Without a scorer, the rules alone decide.
    pub fn assess(&self, text: &str, context: &Context<'_>) -> Assessment {
        let text = truncate(text, self.max_bytes);
        let scan = self.scan(text);
        let reasons = self.reasons(text, &scan);
        let rule_ask = self.strongest_ask(&scan);
        let Some(scorer) = self.scorer.as_deref() else {
            return match rule_ask {
                Some(ask) => {
                    let phrase = self.ask_topic(&scan, &ask.hit);
                    self.alignment_request(&scan, phrase, ask.strength, context, reasons)
                }
                None => self.other_kinds(&scan, reasons),
            };
        };
        let evidence = self.evidence_of(scorer, &scan, rule_ask.is_some());
        match evidence.verdict(&scorer.thresholds) {
            Kind::AlignmentRequest => self.scored_ask(&scan, rule_ask, &evidence, context, reasons),
            kind => {
                let p = &evidence.probabilities;
                let score = match kind {
                    Kind::Other => p[Class::Other as usize].max(1.0 - evidence.ask()),
                    kind => p[scorer::class_of(kind) as usize],
                };
                self.kind_assessment(&scan, kind, f64::from(score), reasons)
            }
        }
    }

    /// What the scorer and the rules say of a message before any threshold
    /// (`train` chooses the thresholds with it); `None` without a scorer.
    pub fn evidence(&self, text: &str) -> Option<scorer::Evidence> {
        let scorer = self.scorer.as_deref()?;
        let scan = self.scan(truncate(text, self.max_bytes));
        let rule_ask = self.strongest_ask(&scan).is_some();
        Some(self.evidence_of(scorer, &scan, rule_ask))
    }

    /// The message assessed as the alignment ask the scorer may call it
    /// (whatever the thresholds say); `None` without a scorer.
    pub fn assess_as_ask(&self, text: &str, context: &Context<'_>) -> Option<Assessment> {
        let scorer = self.scorer.as_deref()?;
        let text = truncate(text, self.max_bytes);
        let scan = self.scan(text);
        let reasons = self.reasons(text, &scan);
        let rule_ask = self.strongest_ask(&scan);
        let evidence = self.evidence_of(scorer, &scan, rule_ask.is_some());
        Some(self.scored_ask(&scan, rule_ask, &evidence, context, reasons))
    }

    fn evidence_of(&self, scorer: &Scorer, scan: &Scan, rule_ask: bool) -> scorer::Evidence {
        let probabilities = EXTRACTOR.with(|e| {
            scorer.probabilities(e.borrow_mut().extract(&scan.norm.text, self.fired(scan)))
        });
        scorer::Evidence {
            probabilities,
            rule_ask,
            excluded: !rule_ask && scan.has(RuleKind::Exclude),
            rule_kinds: [
                scan.has(RuleKind::Decision),
                scan.has(RuleKind::Confusion),
                scan.has(RuleKind::Disagreement),
            ],
            words: topic::word_count(&scan.norm.text),
        }
    }

    /// An alignment ask the scorer heard: its topic from the ask rule that
    /// fired, else from the words that introduce one.
    fn scored_ask(
        &self,
        scan: &Scan,
        rule_ask: Option<Ask>,
        evidence: &scorer::Evidence,
        context: &Context<'_>,
        reasons: Vec<Reason>,
    ) -> Assessment {
        let phrase = match &rule_ask {
            Some(rule) => self.ask_topic(scan, &rule.hit),
            None => implicit_topic(&scan.norm.text),
        };
        let p = &evidence.probabilities;
        let mut assessment =
            self.alignment_request(scan, phrase, f64::from(evidence.ask()), context, reasons);
        // Its own words show the decision made, though no decision rule
        // named it: the ask comes after the decision.
        if assessment.premature && p[Class::AskAfter as usize] > p[Class::Ask as usize] {
            assessment.premature = false;
            assessment.decided_by = Some(DecidedBy {
                source: DecisionSource::Message,
                topic: assessment.topic.clone().unwrap_or_default(),
                decision: clip(&scan.norm.text),
            });
        }
        assessment
    }

    fn alignment_request(
        &self,
        scan: &Scan,
        phrase: TopicPhrase,
        strength: f64,
        context: &Context<'_>,
        reasons: Vec<Reason>,
    ) -> Assessment {
        let topic_text = match &phrase {
            TopicPhrase::Named(r) => Some(topic::display(&scan.norm.text[r.clone()])),
            _ => None,
        };
        // Tokens are only needed to compare with a thread or a log.
        let topic_tokens = if context.thread.is_empty() && context.log.is_none() {
            None
        } else {
            topic_text.as_deref().map(topic::tokens)
        };
        let thread = recent(context.thread);
        let decided_by = self
            .decided_in_message(scan, topic_text.as_deref())
            .or_else(|| {
                self.decided_in_thread(
                    context.thread,
                    thread,
                    topic_tokens.as_deref(),
                    topic_text.as_deref(),
                )
            })
            .or_else(|| {
                let log = context.log?;
                let hit = match &topic_tokens {
                    Some(t) if !t.is_empty() => log.lookup_tokens(t)?,
                    _ => match self.root_subject(context.thread) {
                        Some(subject) => log.lookup_tokens(&topic::tokens(&subject))?,
                        // No topic named anywhere: a decision the message's
                        // own words name in passing, else (outside a thread)
                        // the one just recorded.
                        None => log
                            .lookup_mentioned(&topic::tokens(&scan.norm.text))
                            .or_else(|| {
                                context
                                    .thread
                                    .is_empty()
                                    .then(|| log.latest(context.recent_since))
                                    .flatten()
                            })?,
                    },
                };
                Some(DecidedBy {
                    source: DecisionSource::Log { id: hit.id },
                    topic: hit.topic.to_owned(),
                    decision: hit.decision.to_owned(),
                })
            });
        // "get everyone aligned on this": the topic is what was decided, or the thread's subject.
        let topic = topic_text.or_else(|| match &decided_by {
            Some(d) if !d.topic.is_empty() => Some(d.topic.clone()),
            _ => self.root_subject(context.thread),
        });
        let premature = decided_by.is_none();
        Assessment {
            kind: Kind::AlignmentRequest,
            topic,
            decided_by,
            premature,
            score: round(strength),
            reasons,
        }
    }

    fn other_kinds(&self, scan: &Scan, reasons: Vec<Reason>) -> Assessment {
        let open = scan.has(RuleKind::Uncertainty);
        let decision = scan.max_weight(RuleKind::Decision) - if open { 0.3 } else { 0.0 };
        let disagreement = scan.max_weight(RuleKind::Disagreement);
        let confusion = scan.max_weight(RuleKind::Confusion);
        let mut best = (Kind::Other, 0.0);
        for (kind, score) in [
            (Kind::Disagreement, disagreement),
            (Kind::Decision, decision),
            (Kind::Confusion, confusion),
        ] {
            if score >= KIND_THRESHOLD && score > best.1 + 1e-9 {
                best = (kind, score);
            }
        }
        let score = if best.0 == Kind::Other {
            1.0 - scan
                .max_weight(RuleKind::Ask)
                .max(decision)
                .max(disagreement)
                .max(confusion)
                .clamp(0.0, 0.5)
        } else {
            best.1
        };
        self.kind_assessment(scan, best.0, score, reasons)
    }

    /// The verdict for a kind other than an alignment ask. A decision
    /// decides its own topic: the bot records it from here.
    fn kind_assessment(
        &self,
        scan: &Scan,
        kind: Kind,
        score: f64,
        reasons: Vec<Reason>,
    ) -> Assessment {
        let topic = if kind == Kind::Decision {
            self.decision_topic(scan)
        } else {
            None
        };
        let decided_by = (kind == Kind::Decision).then(|| DecidedBy {
            source: DecisionSource::Message,
            topic: topic.clone().unwrap_or_default(),
            decision: match scan.hits.iter().find(|h| h.kind == RuleKind::Decision) {
                Some(hit) => clip(scan.sentence_text(hit.sentence)),
                None => clip(&scan.norm.text),
            },
        });
        Assessment {
            kind,
            topic,
            decided_by,
            premature: false,
            score: round(score),
            reasons,
        }
    }

    /// Normalizes and runs the rules; drops matches whose exceptions fire.
    fn scan(&self, text: &str) -> Scan {
        let norm = normalize::normalize(text);
        PASS.with(|pass| {
            let mut pass = pass.borrow_mut();
            if !self.rules.prefilter.run(norm.text.as_bytes(), &mut pass) {
                return Scan {
                    norm,
                    sentences: Vec::new(),
                    hits: Vec::new(),
                };
            }
            self.run_candidates(norm, &mut pass)
        })
    }

    /// Runs the patterns the first pass left, keeping their matches.
    fn run_candidates(&self, norm: Normalized, pass: &mut Pass) -> Scan {
        // Split into sentences at the first match only: most candidates
        // find none.
        let mut split: Option<Vec<Range<usize>>> = None;
        let mut hits: Vec<Hit> = Vec::new();
        // Whether a rule's exceptions match a sentence, computed once per pair:
        // keeps the work linear in the text however many matches there are.
        let mut excepted: Vec<(usize, usize, bool)> = Vec::new();
        for n in 0..pass.candidates().len() {
            let index = pass.candidates()[n] as usize;
            let (r, _) = self.rules.owners[index];
            let rule = &self.rules.rules[r];
            let mut kept = hits.iter().filter(|h| h.rule == r).count();
            self.rules
                .each_match(index, norm.text.as_bytes(), pass, |range| {
                    if kept >= MAX_HITS_PER_RULE {
                        return false;
                    }
                    // ASCII-mode matches may start or end inside a character.
                    let span = clamp_to_chars(&norm.text, range);
                    if span.is_empty() {
                        return true;
                    }
                    let sentences = split.get_or_insert_with(|| sentences(&norm.text));
                    let sentence = sentence_of(sentences, span.start);
                    if !rule.exceptions.is_empty() {
                        let cached = excepted
                            .iter()
                            .find(|(er, es, _)| *er == r && *es == sentence)
                            .map(|(_, _, v)| *v);
                        let is_excepted = cached.unwrap_or_else(|| {
                            let sentence_text = &norm.text[sentences[sentence].clone()];
                            let v = rule
                                .exceptions
                                .iter()
                                .any(|e| e.is_match(sentence_text.as_bytes()));
                            excepted.push((r, sentence, v));
                            v
                        });
                        if is_excepted {
                            return true;
                        }
                    }
                    if hits
                        .iter()
                        .any(|h| h.rule == r && h.span.start < span.end && span.start < h.span.end)
                    {
                        return true;
                    }
                    kept += 1;
                    hits.push(Hit {
                        rule: r,
                        kind: rule.kind,
                        weight: rule.weight,
                        span,
                        sentence,
                    });
                    true
                });
        }
        // Another sense of the words also voids a decision inside its match
        // ("the validators reached consensus").
        let exclusions: Vec<Range<usize>> = hits
            .iter()
            .filter(|h| h.kind == RuleKind::Exclude)
            .map(|h| h.span.clone())
            .collect();
        hits.retain(|h| {
            h.kind != RuleKind::Decision
                || !exclusions
                    .iter()
                    .any(|x| x.start <= h.span.start && h.span.end <= x.end)
        });
        hits.sort_by_key(|h| (h.span.start, h.rule));
        Scan {
            norm,
            sentences: split.unwrap_or_default(),
            hits,
        }
    }

    /// The strongest ask left after exclusions, if it is strong enough.
    fn strongest_ask(&self, scan: &Scan) -> Option<Ask> {
        let mut message_exclusion: f64 = 0.0;
        for h in scan.hits.iter().filter(|h| h.kind == RuleKind::Exclude) {
            if self.rules.rules[h.rule].scope == Scope::Message {
                message_exclusion = message_exclusion.max(h.weight);
            }
        }
        let exclusions: Vec<(usize, f64)> = scan
            .hits
            .iter()
            .filter(|x| {
                x.kind == RuleKind::Exclude && self.rules.rules[x.rule].scope == Scope::Sentence
            })
            .map(|x| (x.sentence, x.weight))
            .collect();
        let mut best: Option<Ask> = None;
        for h in scan.hits.iter().filter(|h| h.kind == RuleKind::Ask) {
            let sentence_exclusion = exclusions
                .iter()
                .filter(|(s, _)| *s == h.sentence)
                .map(|(_, w)| *w)
                .fold(0.0, f64::max);
            let strength = h.weight - sentence_exclusion.max(message_exclusion);
            if strength > 0.0 && best.as_ref().is_none_or(|b| strength > b.strength + 1e-9) {
                best = Some(Ask {
                    hit: h.clone(),
                    strength,
                });
            }
        }
        let mut ask = best?;
        let open = scan.count(RuleKind::Uncertainty).min(2) as f64;
        ask.strength = (ask.strength + UNCERTAINTY_BONUS * open).min(1.0);
        (ask.strength >= ASK_THRESHOLD).then_some(ask)
    }

    fn ask_topic(&self, scan: &Scan, hit: &Hit) -> TopicPhrase {
        let text = &scan.norm.text;
        let limit = scan.sentences[hit.sentence].end.max(hit.span.end);
        let matched = &text[hit.span.clone()];
        let last_word = topic::word_spans(matched)
            .last()
            .map(|w| matched[w.clone()].to_ascii_lowercase());
        let introduced = last_word.as_deref().is_some_and(|w| {
            matches!(
                w,
                "on" | "about" | "re" | "regarding" | "around" | "upon" | "behind" | "over" | "to"
            )
        });
        // A pattern may end inside the topic's first word ("Agree v|ersioning
        // schema"): start the topic at that word.
        let bytes = text.as_bytes();
        let mut from = hit.span.end;
        while from > hit.span.start
            && from < bytes.len()
            && bytes[from].is_ascii_alphanumeric()
            && bytes[from - 1].is_ascii_alphanumeric()
        {
            from -= 1;
        }
        // "aligned before the launch", "aligned by Friday": what follows is
        // when, not what; the topic is not named here.
        if last_word
            .as_deref()
            .is_some_and(topic::opens_time_or_clause)
        {
            return TopicPhrase::Missing;
        }
        topic::topic_after(text, from, limit, introduced)
    }

    /// The topic of the first decision match that names one.
    fn decision_topic(&self, scan: &Scan) -> Option<String> {
        let text = &scan.norm.text;
        scan.hits
            .iter()
            .filter(|h| h.kind == RuleKind::Decision)
            .find_map(|hit| {
                // A match may run past its sentence's end (a pattern with `\s`).
                let limit = scan.sentences[hit.sentence].end.max(hit.span.end);
                let mut from = hit.span.end;
                // "decided w/ Ana: we keep the monolith", "consensus reached in
                // arch review: lookup table": the decision follows the colon.
                let after = text[from..limit].trim_start().to_ascii_lowercase();
                if [
                    "w/", "with ", "in ", "at ", "during ", "by ", "per ", "from ",
                ]
                .iter()
                .any(|p| after.starts_with(p))
                    && let Some(colon) = text[from..limit].find(':')
                {
                    from += colon + 1;
                }
                match topic::topic_after(text, from, limit, true) {
                    TopicPhrase::Named(chosen) => {
                        // "going with three tiers for pricing" decides pricing.
                        let r = topic::chosen_for(text, chosen.clone(), limit).unwrap_or(chosen);
                        Some(topic::display(&text[r]))
                    }
                    _ => None,
                }
            })
    }

    /// A decision stated in the message itself, when nothing there says the topic is open.
    fn decided_in_message(&self, scan: &Scan, topic_text: Option<&str>) -> Option<DecidedBy> {
        if scan.has(RuleKind::Uncertainty) {
            return None;
        }
        let hit = scan.hits.iter().find(|h| h.kind == RuleKind::Decision)?;
        Some(DecidedBy {
            source: DecisionSource::Message,
            topic: topic_text.map_or_else(
                || self.decision_topic(scan).unwrap_or_default(),
                str::to_owned,
            ),
            decision: clip(scan.sentence_text(hit.sentence)),
        })
    }

    /// The latest decision in the thread that still stands and covers the topic.
    fn decided_in_thread(
        &self,
        full: &[String],
        thread: &[String],
        topic_tokens: Option<&[String]>,
        topic_text: Option<&str>,
    ) -> Option<DecidedBy> {
        if thread.is_empty() {
            return None;
        }
        let offset = full.len() - thread.len();
        let named = topic_tokens.filter(|t| !t.is_empty());
        let mut state: Option<usize> = None;
        let mut root_decided = false;
        let mut any_overlap = false;
        let mut decided_overlap = false;
        let mut decision_text = String::new();
        for (i, message) in thread.iter().enumerate() {
            let scan = self.scan(truncate(message, self.max_bytes));
            let open = scan.has(RuleKind::Uncertainty);
            let asks = self.strongest_ask(&scan).is_some();
            // A decision a rule names, or one the scorer is sure of (more
            // likely than not: "makes sense" under a decision is no decision).
            let decided = !open
                && (scan.has(RuleKind::Decision)
                    || self.scorer.as_deref().is_some_and(|scorer| {
                        let evidence = self.evidence_of(scorer, &scan, asks);
                        evidence.verdict(&scorer.thresholds) == Kind::Decision
                            && evidence.probabilities[Class::Decision as usize] >= 0.5
                    }));
            let overlaps = named.is_some_and(|t| overlap(t, &topic::tokens(&scan.norm.text)));
            any_overlap |= overlaps;
            if decided {
                state = Some(i);
                root_decided |= i + offset == 0;
                decided_overlap = overlaps;
                decision_text = clip(&scan.norm.text);
            } else if (open || asks) && (named.is_none() || overlaps) {
                state = None;
                decided_overlap = false;
            }
        }
        let index = state?;
        let covers = named.is_none() || decided_overlap || any_overlap || root_decided;
        covers.then(|| DecidedBy {
            source: DecisionSource::Thread {
                index: index + offset,
            },
            topic: topic_text.unwrap_or_default().to_owned(),
            decision: decision_text,
        })
    }

    /// Reasons for every match that survived its exceptions, in text order.
    fn reasons(&self, original: &str, scan: &Scan) -> Vec<Reason> {
        scan.hits
            .iter()
            .map(|h| {
                let span = scan.norm.original_span(h.span.clone());
                let span = clamp_to_chars(original, span);
                Reason {
                    rule: self.rules.rules[h.rule].id.clone(),
                    kind: h.kind.as_str(),
                    matched: original[span.clone()].to_owned(),
                    span,
                }
            })
            .collect()
    }
}

/// The topic of an ask no rule matched (the scorer heard it): what follows
/// the first word that introduces one ("on", "about", "around"…), in its
/// sentence.
fn implicit_topic(text: &str) -> TopicPhrase {
    let lower = text.to_ascii_lowercase();
    for sentence in sentences(text) {
        let words = topic::word_spans(&lower[sentence.clone()]);
        for (i, w) in words.iter().enumerate() {
            let word = &lower[sentence.start + w.start..sentence.start + w.end];
            // "on board with this" is the ask's idiom, not its topic.
            let idiom = word == "on"
                && words.get(i + 1).is_some_and(|n| {
                    &lower[sentence.start + n.start..sentence.start + n.end] == "board"
                });
            if !idiom
                && matches!(
                    word,
                    "on" | "about" | "around" | "regarding" | "re" | "behind"
                )
                && let TopicPhrase::Named(r) =
                    topic::topic_after(text, sentence.start + w.end, sentence.end, true)
            {
                return TopicPhrase::Named(r);
            }
        }
    }
    TopicPhrase::Missing
}

fn round(x: f64) -> f64 {
    (x.clamp(0.0, 1.0) * 100.0).round() / 100.0
}

fn recent(thread: &[String]) -> &[String] {
    &thread[thread.len().saturating_sub(MAX_THREAD)..]
}

fn overlap(a: &[String], b: &[String]) -> bool {
    a.iter().any(|t| b.contains(t))
}

fn clip(s: &str) -> String {
    let s = s.trim();
    if s.len() <= 280 {
        return s.to_owned();
    }
    let mut end = 280;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// At most `max` bytes of `text`, cut on a character boundary.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn clamp_to_chars(text: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    let mut end = span.end.min(text.len()).max(start);
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Sentence ranges: split at line breaks and at `.?!;` followed by a space.
fn sentences(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let end_here = match b {
            b'\n' => true,
            b'.' | b'?' | b'!' | b';' => bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()),
            _ => false,
        };
        if end_here {
            out.push(start..i + 1);
            start = i + 1;
        }
        i += 1;
    }
    if start < bytes.len() || out.is_empty() {
        out.push(start..bytes.len());
    }
    out
}

fn sentence_of(sentences: &[Range<usize>], pos: usize) -> usize {
    sentences
        .partition_point(|r| r.end <= pos)
        .min(sentences.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assess(text: &str) -> Assessment {
        Classifier::builtin().assess(text, &Context::default())
    }

    #[test]
    fn the_builtin_rules_compile() {
        assert!(Classifier::builtin().rule_count() > 10);
    }

    #[test]
    fn the_classifier_can_be_shared_across_workers() {
        fn shared<T: Send + Sync + Clone>() {}
        shared::<Classifier>();
    }

    #[test]
    fn a_premature_ask_names_its_topic() {
        let a = assess("can we get aligned on the Q3 roadmap?");
        assert_eq!(a.kind, Kind::AlignmentRequest);
        assert!(a.premature);
        assert_eq!(a.topic.as_deref(), Some("Q3 roadmap"));
        assert!(a.score >= 0.5);
    }

    #[test]
    fn a_logged_decision_makes_the_ask_not_premature() {
        let mut log = DecisionIndex::new();
        log.insert(7, "Q3 roadmap", "enterprise first");
        let a = Classifier::builtin().assess(
            "can we get aligned on the Q3 roadmap?",
            &Context {
                thread: &[],
                log: Some(&log),
                recent_since: None,
            },
        );
        assert!(!a.premature);
        assert_eq!(
            a.decided_by.map(|d| d.source),
            Some(DecisionSource::Log { id: 7 })
        );
    }

    fn with_log(text: &str, log: &DecisionIndex, recent_since: Option<i64>) -> Assessment {
        Classifier::builtin().assess(
            text,
            &Context {
                thread: &[],
                log: Some(log),
                recent_since,
            },
        )
    }

    #[test]
    fn an_ask_that_names_nothing_points_at_the_decision_just_logged() {
        let mut log = DecisionIndex::new();
        log.insert_at(3, "pick scanners", "Zebra TC52 for both shifts", 1_000);
        log.insert_at(4, "renewal discounts", "max 10% without VP approval", 5_000);
        let ask = "can we get the reps on board with this before end of quarter?";
        let a = with_log(ask, &log, Some(5_000 - RECENT_DECISION));
        assert!(!a.premature, "{a:?}");
        assert_eq!(
            a.decided_by.map(|d| (d.source, d.decision)),
            Some((
                DecisionSource::Log { id: 4 },
                "max 10% without VP approval".to_owned()
            ))
        );
        // An hour and more after it, "this" is something else.
        let late = with_log(ask, &log, Some(5_001));
        assert!(late.premature, "{late:?}");
        // An ask that names its topic is matched on it, never on recency.
        let named = with_log(
            "can we get aligned on the hiring plan?",
            &log,
            Some(5_000 - RECENT_DECISION),
        );
        assert!(named.premature, "{named:?}");
    }

    #[test]
    fn a_postponement_just_logged_answers_nothing() {
        let mut log = DecisionIndex::new();
        log.insert(1, "pick scanners", "Zebra TC52 for both shifts");
        log.insert(2, "locker rota", "deferred until the new site opens");
        let a = with_log("pls get everyone aligned on this", &log, None);
        assert!(a.premature, "{a:?}");
    }

    #[test]
    fn when_and_the_idiom_are_not_the_topic() {
        for text in [
            "please make sure everyone on your teams is aligned before the donor calls start",
            "ok team lets make sure sales are aligned before customer letters go out",
        ] {
            let a = assess(text);
            assert_eq!(a.kind, Kind::AlignmentRequest, "{text}");
            assert_eq!(a.topic, None, "{text}");
        }
        let a = assess(
            "can we make sure all the parents are on board with this before registration opens?",
        );
        assert_ne!(a.topic.as_deref(), Some("board"), "{a:?}");
    }

    fn in_thread(text: &str, thread: &[&str]) -> Assessment {
        let thread: Vec<String> = thread.iter().map(|s| (*s).to_owned()).collect();
        Classifier::builtin().assess(
            text,
            &Context {
                thread: &thread,
                log: None,
                recent_since: None,
            },
        )
    }

    #[test]
    fn a_decision_at_the_end_of_the_thread_covers_an_ask_about_this() {
        let a = in_thread(
            "great, can you two get on the same page on that?",
            &[
                "A wants retries, B wants callers to retry",
                "I'll break the tie: the SDK retries. That's the call.",
            ],
        );
        assert!(!a.premature);
        assert_eq!(
            a.decided_by.map(|d| d.source),
            Some(DecisionSource::Thread { index: 1 })
        );
    }

    #[test]
    fn an_open_question_after_the_decision_reopens_an_ask_about_that() {
        let a = in_thread(
            "yeah we should get CS and eng aligned on that",
            &[
                "Decision: we're moving the status page to Statuspage.io",
                "what are we doing about incident emails? email or CSM outreach?",
            ],
        );
        assert!(a.premature);
    }

    #[test]
    fn an_unrelated_open_question_does_not_reopen_a_named_topic() {
        let a = in_thread(
            "ok, let's make sure everyone's aligned on Vercel at least",
            &[
                "Decision: we're going with Vercel for hosting.",
                "what about the monorepo question?",
                "not decided yet",
            ],
        );
        assert!(!a.premature);
    }

    #[test]
    fn a_thread_of_options_leaves_the_ask_premature() {
        let a = in_thread(
            "sync to align?",
            &[
                "should the export be CSV or parquet or both?",
                "customers asked for excel lol",
            ],
        );
        assert!(a.premature);
        assert!(a.score >= 0.5);
    }

    #[test]
    fn a_decision_message_names_its_topic_and_itself_as_the_source() {
        let a = assess("Decision: Atlas GA is April 2.");
        assert_eq!(a.kind, Kind::Decision);
        assert_eq!(a.topic.as_deref(), Some("Atlas GA"));
        assert_eq!(
            a.decided_by.map(|d| d.source),
            Some(DecisionSource::Message)
        );
    }

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("ééé", 3), "é");
        let long = "é".repeat(30_000);
        let a = assess(&long);
        assert_eq!(a.kind, Kind::Other);
    }

    #[test]
    fn sentences_split_at_terminators_and_line_breaks() {
        let s = sentences("a b. c? d\ne 1.5 f");
        assert_eq!(s.len(), 4);
    }
}
