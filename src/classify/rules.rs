//! The rule set: `config/rules.toml` parsed, validated and compiled once.
//!
//! Second step of the classifier. Each rule has an id, a kind from a closed
//! set (`ask`, `decision`, `uncertainty`, `exclude`, `confusion`,
//! `disagreement`), patterns, a weight and optional exceptions. Each pattern
//! compiles to its own small regex; the [`Prefilter`] (one Aho–Corasick pass
//! over every pattern's required literals) says which of them can match a
//! message, and only those run.

use super::prefilter::{self, Pass, Prefilter, Requirement};
use regex_automata::meta::{self, Regex};
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

/// What a rule says about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// Asks people to converge (align, agree on, buy-in, consensus…).
    Ask,
    /// States a decision.
    Decision,
    /// Shows the topic is open (options, TBD, "not decided yet"…).
    Uncertainty,
    /// Another sense of the words, or a way of deciding that is not an ask.
    Exclude,
    /// Signals the direction or its reasoning is unclear.
    Confusion,
    /// Pushes back on a direction.
    Disagreement,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Ask => "ask",
            RuleKind::Decision => "decision",
            RuleKind::Uncertainty => "uncertainty",
            RuleKind::Exclude => "exclude",
            RuleKind::Confusion => "confusion",
            RuleKind::Disagreement => "disagreement",
        }
    }
}

/// How far an `exclude` rule reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Cancels asks in the sentence where it matched.
    #[default]
    Sentence,
    /// Cancels asks anywhere in the message.
    Message,
}

/// The file: a list of `[[rule]]` tables, each kept raw with its place in
/// the file so that every bad rule is reported with its own line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default, rename = "rule")]
    rules: Vec<toml::Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum RuleDef {
    Ask(Body),
    Decision(Body),
    Uncertainty(Body),
    Exclude(ExcludeBody),
    Confusion(Body),
    Disagreement(Body),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    id: String,
    patterns: Vec<String>,
    weight: f64,
    #[serde(default)]
    exceptions: Vec<String>,
    /// Literals one of which every match contains, for patterns whose
    /// own cannot be derived (see [`prefilter`]).
    #[serde(default)]
    literals: Vec<String>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people editing the file")]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExcludeBody {
    id: String,
    patterns: Vec<String>,
    weight: f64,
    #[serde(default)]
    exceptions: Vec<String>,
    #[serde(default)]
    scope: Scope,
    /// Literals one of which every match contains, for patterns whose
    /// own cannot be derived (see [`prefilter`]).
    #[serde(default)]
    literals: Vec<String>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people editing the file")]
    description: Option<String>,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub kind: RuleKind,
    pub weight: f64,
    pub scope: Scope,
    /// One regex per pattern, in file order (the set's indices point here).
    pub patterns: Vec<Pattern>,
    /// A match is dropped when one of these matches its sentence.
    pub exceptions: Vec<Pattern>,
    /// Literals declared in the file for patterns with none of their own.
    pub literals: Vec<String>,
}

/// All rules, and the first pass that finds which of their patterns may match.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub prefilter: Prefilter,
    /// For each pattern, in rule order: (rule index, pattern index in that rule).
    pub owners: Vec<(usize, usize)>,
}

impl RuleSet {
    /// Runs pattern `index` (a candidate of `pass`, the first pass over
    /// `text`) and calls `found` with each match, in order, until it
    /// returns false: the same matches `find_iter` gives over the whole
    /// text, searched only where the first pass places them.
    pub fn each_match(
        &self,
        index: usize,
        text: &[u8],
        pass: &mut Pass,
        mut found: impl FnMut(Range<usize>) -> bool,
    ) {
        let (r, p) = self.owners[index];
        let regex = &self.rules[r].patterns[p];
        if !pass.place(&self.prefilter, index as u32, text) {
            for m in regex.find_iter(text) {
                if !found(m) {
                    return;
                }
            }
            return;
        }
        // Every match holds a literal, so none is empty.
        let mut at = 0;
        for segment in pass.segments() {
            at = at.max(segment.start);
            // One byte past the segment stays visible to `\b` and `$`; no
            // match can include it.
            let haystack = &text[..text.len().min(segment.end + 1)];
            while let Some(m) = regex.find_at(haystack, at) {
                at = m.end;
                if !found(m) {
                    return;
                }
            }
        }
    }
}

/// One thing wrong in a rules file: where, which rule, what to change.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleProblem {
    /// The 1-based line of the rule's `[[rule]]` header (or of the syntax
    /// error), when known.
    pub line: Option<usize>,
    pub rule: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(rule) = &self.rule {
            write!(f, "rule `{rule}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Why a rules file was refused: every problem in it, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesRefused {
    /// The rule at fault when every problem is in that one rule.
    pub rule: Option<String>,
    pub problems: Vec<RuleProblem>,
}

impl RulesRefused {
    fn new(problems: Vec<RuleProblem>) -> Self {
        let first = problems.first().and_then(|p| p.rule.clone());
        let one_rule = problems.iter().all(|p| p.rule == first);
        Self {
            rule: first.filter(|_| one_rule),
            problems,
        }
    }
}

impl std::fmt::Display for RulesRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems:", many.len())?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

/// The size limit given to the regex compiler, per pattern.
const SIZE_LIMIT: usize = 64 << 20;
/// Each pattern's lazy DFA cache (per thread, grown on demand, regex's
/// default): the largest patterns' states fit, so their search never falls
/// back to the slower engines; most patterns use a small part of it.
const DFA_CACHE: usize = 2 << 20;

/// One pattern of a rule, compiled: a regex that runs on bytes in ASCII
/// mode (`\w`, `\s`, `\b` and case folding are ASCII-only, which keeps the
/// automata small and fast; normalized text is almost all ASCII, and other
/// characters still match literally and through negated classes).
///
/// Built with `regex-automata`, the engine under `regex`, for two settings
/// `regex` does not expose: no literal prefilter of its own (the rules'
/// first pass already searches the literals, and points each search at
/// the bytes around them; the prefilters were 2.6 MB of automata), and no
/// capture groups but the whole match (none is ever read).
///
/// Clones share the compiled regex and its caches.
#[derive(Debug, Clone)]
pub struct Pattern {
    regex: Arc<Regex>,
    source: Arc<str>,
}

impl Pattern {
    fn new(source: &str) -> Result<Pattern, String> {
        let syntax = syntax::Config::new()
            .case_insensitive(true)
            .multi_line(true)
            .unicode(false)
            .utf8(false);
        let config = meta::Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .utf8_empty(false)
            .nfa_size_limit(Some(SIZE_LIMIT))
            .hybrid_cache_capacity(DFA_CACHE)
            .which_captures(WhichCaptures::Implicit)
            .auto_prefilter(false);
        let regex = meta::Builder::new()
            .configure(config)
            .syntax(syntax)
            .build(source)
            .map_err(|e| match (e.size_limit(), e.syntax_error()) {
                (Some(limit), _) => format!("compiled, it exceeds the size limit of {limit} bytes"),
                (None, Some(syntax)) => syntax.to_string(),
                (None, None) => e.to_string(),
            })?;
        Ok(Pattern {
            regex: Arc::new(regex),
            source: source.into(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn is_match(&self, text: &[u8]) -> bool {
        self.regex.is_match(text)
    }

    /// Every match, leftmost first, none overlapping.
    pub fn find_iter<'a>(&'a self, text: &'a [u8]) -> impl Iterator<Item = Range<usize>> + 'a {
        self.regex.find_iter(text).map(|m| m.range())
    }

    /// The first match that starts at `at` or after, with all of `text`
    /// in view (for `\b` and `^`).
    pub fn find_at(&self, text: &[u8], at: usize) -> Option<Range<usize>> {
        self.regex
            .search(&Input::new(text).span(at..text.len()))
            .map(|m| m.range())
    }
}

/// Parses and compiles a rules file's text. Every problem is reported, each
/// with its line and its rule, not only the first.
pub fn parse(source: &str) -> Result<RuleSet, RulesRefused> {
    let file: RulesFile = toml::from_str(source).map_err(|e| {
        RulesRefused::new(vec![RuleProblem {
            line: e.span().map(|span| line_of(source, span.start)),
            rule: None,
            message: format!(
                "{} (each rule is a [[rule]] table with id, kind, patterns, weight)",
                e.message().trim()
            ),
        }])
    })?;
    let starts: Vec<usize> = file.rules.iter().map(|raw| raw.span().start).collect();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    // A pattern written in several rules (the shipped file repeats some
    // exceptions in every decision rule) is compiled once and shares its
    // lazy DFA's cache.
    let mut compiled = HashMap::new();
    let mut rules = Vec::with_capacity(file.rules.len());
    for (n, raw) in file.rules.iter().enumerate() {
        let start = starts[n];
        let end = starts.get(n + 1).copied().unwrap_or(source.len());
        let line = line_of(source, start);
        let named = raw
            .get_ref()
            .get("id")
            .and_then(toml::Value::as_str)
            .map(str::to_owned);
        // The rule's own text, read alone: an error's span then points at
        // the key at fault, and the other rules are still checked.
        let text = source.get(start..end).unwrap_or_default();
        let line_of_key =
            |key: &str| key_line(text, key).map_or(line, |at| line_of(source, start + at));
        // A `[[rule]]` table is read from its own text; a rule written
        // inline (`rule = [{ … }]`) from its value.
        let table = text.starts_with("[[");
        let read = if table {
            toml::from_str::<OneRule>(text).map(|OneRule { rule: [def] }| def)
        } else {
            RuleDef::deserialize(raw.get_ref().clone())
        };
        let def = match read {
            Ok(def) => def,
            Err(e) => {
                // A tagged rule is read whole, so serde's span is the
                // header's: an unknown key is found by its name instead.
                let key = e
                    .message()
                    .strip_prefix("unknown field `")
                    .and_then(|rest| rest.split_once('`'))
                    .map(|(key, _)| key.to_owned());
                problems.push(RuleProblem {
                    line: Some(match (key, e.span()) {
                        (Some(key), _) => line_of_key(&key),
                        (None, Some(span)) if table => line_of(source, start + span.start),
                        (None, _) => line,
                    }),
                    rule: Some(named.unwrap_or_else(|| "<rule without id>".into())),
                    message: format!(
                        "{} (each rule is a [[rule]] table with id, kind, patterns, weight)",
                        e.message().trim()
                    ),
                });
                continue;
            }
        };
        match compile_rule(def, &mut seen, &mut compiled) {
            Ok(Some(rule)) => rules.push(rule),
            Ok(None) => {}
            Err((rule, messages)) => {
                problems.extend(messages.into_iter().map(|(key, message)| RuleProblem {
                    line: Some(line_of_key(key)),
                    rule: rule.clone(),
                    message,
                }))
            }
        }
    }
    if problems.is_empty() && !rules.iter().any(|rule| rule.kind == RuleKind::Ask) {
        problems.push(RuleProblem {
            line: None,
            rule: None,
            message: if starts.is_empty() {
                "the file has no rules, so nothing would ever be flagged; add [[rule]] tables (config/rules.toml shows the format)".into()
            } else {
                "no enabled rule of kind \"ask\", so nothing would ever be flagged; add or enable one".into()
            },
        });
    }
    if !problems.is_empty() {
        return Err(RulesRefused::new(problems));
    }
    let mut owners = Vec::new();
    let mut requirements = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        for (p, regex) in rule.patterns.iter().enumerate() {
            owners.push((r, p));
            requirements.push(prefilter::requirement(regex.as_str()).unwrap_or_else(|| {
                if rule.literals.is_empty() {
                    Requirement::none()
                } else {
                    Requirement::declared(&rule.literals)
                }
            }));
        }
    }
    let prefilter = Prefilter::new(&requirements).map_err(|e| {
        RulesRefused::new(vec![RuleProblem {
            line: None,
            rule: None,
            message: format!(
                "the rules' literals do not compile into one automaton ({e}); declare fewer `literals`"
            ),
        }])
    })?;
    Ok(RuleSet {
        rules,
        prefilter,
        owners,
    })
}

/// The 1-based line of a byte offset.
fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The byte offset of the line in a rule's text that sets `key`.
fn key_line(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some(offset + (line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
}

/// The last non-empty line: where the regex crate says what went wrong.
fn last_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_owned()
}

/// One `[[rule]]` table read on its own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OneRule {
    rule: [RuleDef; 1],
}

/// Validates and compiles one rule: `None` when it is disabled, else the
/// rule, or its id (when it has one) and everything wrong with it.
#[expect(
    clippy::type_complexity,
    reason = "the error pairs the rule with its problems; a named type would be used once"
)]
fn compile_rule(
    def: RuleDef,
    seen: &mut HashSet<String>,
    compiled: &mut HashMap<String, Pattern>,
) -> Result<Option<Rule>, (Option<String>, Vec<(&'static str, String)>)> {
    let (kind, body, scope) = match def {
        RuleDef::Ask(b) => (RuleKind::Ask, b, Scope::Sentence),
        RuleDef::Decision(b) => (RuleKind::Decision, b, Scope::Sentence),
        RuleDef::Uncertainty(b) => (RuleKind::Uncertainty, b, Scope::Sentence),
        RuleDef::Confusion(b) => (RuleKind::Confusion, b, Scope::Sentence),
        RuleDef::Disagreement(b) => (RuleKind::Disagreement, b, Scope::Sentence),
        RuleDef::Exclude(b) => (
            RuleKind::Exclude,
            Body {
                id: b.id,
                patterns: b.patterns,
                weight: b.weight,
                exceptions: b.exceptions,
                literals: b.literals,
                enabled: b.enabled,
                description: None,
            },
            b.scope,
        ),
    };
    let Body {
        id,
        patterns,
        weight,
        exceptions,
        literals,
        enabled,
        ..
    } = body;
    if id.trim().is_empty() {
        return Err((
            None,
            vec![(
                "id",
                "a rule has an empty id; give every rule a unique id".into(),
            )],
        ));
    }
    let mut problems = Vec::new();
    if !seen.insert(id.clone()) {
        problems.push((
            "id",
            "duplicate id; every rule needs its own id (rename or delete one of them)".into(),
        ));
    }
    if !(0.0..=1.0).contains(&weight) || weight.is_nan() {
        problems.push((
            "weight",
            format!("weight {weight} is outside [0, 1]; use a number between 0 and 1"),
        ));
    }
    if literals.iter().any(|l| l.is_empty()) {
        problems.push((
            "literals",
            "`literals` holds an empty string, which would run the rule on every message; remove it".into(),
        ));
    }
    if patterns.is_empty() {
        problems.push((
            "patterns",
            "no patterns; add at least one regex to `patterns` or delete the rule".into(),
        ));
    }
    if enabled == Some(false) {
        // Off: its patterns are not compiled, as if it were not there.
        return if problems.is_empty() {
            Ok(None)
        } else {
            Err((Some(id), problems))
        };
    }
    let mut compile = |list: &[String], what: &'static str| -> Vec<Pattern> {
        list.iter()
            .enumerate()
            .filter_map(|(n, p)| {
                if let Some(pattern) = compiled.get(p) {
                    return Some(pattern.clone());
                }
                match Pattern::new(p) {
                    Ok(pattern) => {
                        compiled.insert(p.clone(), pattern.clone());
                        Some(pattern)
                    }
                    Err(e) => {
                        let key = if what == "pattern" {
                            "patterns"
                        } else {
                            "exceptions"
                        };
                        problems.push((
                            key,
                            format!(
                                "{what} {} is not a valid regex ({}); fix it: {p:?}",
                                n + 1,
                                last_line(&e)
                            ),
                        ));
                        None
                    }
                }
            })
            .collect()
    };
    let compiled_patterns = compile(&patterns, "pattern");
    let compiled_exceptions = compile(&exceptions, "exception");
    if !problems.is_empty() {
        return Err((Some(id), problems));
    }
    Ok(Some(Rule {
        id,
        kind,
        weight,
        scope,
        patterns: compiled_patterns,
        exceptions: compiled_exceptions,
        literals,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[rule]]
id = "ask.align-on"
kind = "ask"
weight = 0.8
patterns = ['\balign\s+on\b']
exceptions = ['\bdid\s+we\b']
"#;

    #[test]
    fn a_pattern_written_in_two_rules_is_compiled_once() {
        let other = ONE
            .replace("ask.align-on", "ask.other")
            .replace("align", "agree");
        let set = parse(&format!("{ONE}{other}")).expect("valid");
        let (first, second) = (&set.rules[0], &set.rules[1]);
        assert!(Arc::ptr_eq(
            &first.exceptions[0].regex,
            &second.exceptions[0].regex
        ));
        assert!(!Arc::ptr_eq(
            &first.patterns[0].regex,
            &second.patterns[0].regex
        ));
        assert!(second.patterns[0].is_match(b"can we agree on pricing"));
        assert!(!second.patterns[0].is_match(b"can we align on pricing"));
    }

    #[test]
    fn a_minimal_rules_file_parses_from_inline_toml() {
        let set = parse(ONE).expect("valid");
        assert_eq!(set.rules.len(), 1);
        assert_eq!(set.rules[0].kind, RuleKind::Ask);
        assert!(set.rules[0].patterns[0].is_match(b"can we ALIGN on pricing"));
    }

    #[test]
    fn an_unknown_kind_is_an_error() {
        let bad = ONE.replace("kind = \"ask\"", "kind = \"vibe\"");
        let err = parse(&bad).expect_err("unknown kind");
        assert!(err.to_string().contains("vibe"), "{err}");
        assert_eq!(err.rule.as_deref(), Some("ask.align-on"));
    }

    #[test]
    fn an_unknown_key_is_an_error_that_names_the_key_and_its_line() {
        let bad = ONE.replace("weight = 0.8", "weight = 0.8\nwieght = 1");
        let err = parse(&bad).expect_err("unknown key");
        assert_eq!(err.rule.as_deref(), Some("ask.align-on"));
        assert_eq!(err.problems.len(), 1, "{err}");
        // Line 1 is empty, the rule starts on line 2: `wieght` is on line 6.
        assert_eq!(err.problems[0].line, Some(6), "{err}");
        assert!(
            err.to_string().starts_with("line 6: rule `ask.align-on`: "),
            "{err}"
        );
        assert!(err.to_string().contains("wieght"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_an_error() {
        let err = parse(&format!("{ONE}{ONE}")).expect_err("duplicate");
        assert!(err.to_string().contains("duplicate id"), "{err}");
        assert_eq!(err.rule.as_deref(), Some("ask.align-on"));
    }

    #[test]
    fn a_bad_regex_is_an_error_naming_the_rule() {
        let bad = ONE.replace(r"\balign\s+on\b", r"(align");
        let err = parse(&bad).expect_err("bad regex");
        assert_eq!(err.rule.as_deref(), Some("ask.align-on"));
        assert!(err.to_string().contains("pattern 1"), "{err}");
    }

    #[test]
    fn every_bad_rule_is_reported_at_once_each_with_its_own_line() {
        let source = "\
# two broken rules and a good one
[[rule]]
id = \"ask.good\"
kind = \"ask\"
weight = 0.8
patterns = ['\\balign\\s+on\\b']

[[rule]]
id = \"ask.heavy\"
kind = \"ask\"
weight = 7
patterns = ['(open']

[[rule]]
id = \"decision.typo\"
kind = \"decision\"
weight = 0.5
paterns = ['decided']
";
        let err = parse(source).expect_err("two bad rules");
        assert_eq!(err.rule, None, "the problems are in two rules");
        let lines: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert!(
            lines[0].starts_with("line 11: rule `ask.heavy`: weight 7 is outside [0, 1]"),
            "{err}"
        );
        assert!(
            lines[1].starts_with("line 12: rule `ask.heavy`: pattern 1 is not a valid regex"),
            "{err}"
        );
        assert!(
            lines[2].starts_with("line 18: rule `decision.typo`: unknown field `paterns`"),
            "{err}"
        );
        assert!(
            err.to_string().starts_with("3 problems:\n  - line 11: "),
            "{err}"
        );
    }

    #[test]
    fn a_syntax_error_points_at_its_own_line() {
        let source = format!("{ONE}\n[[rule]]\nid = \"x\"\nkind = = \"ask\"\n");
        let err = parse(&source).expect_err("not TOML");
        assert_eq!(err.problems.len(), 1, "{err}");
        let at = source
            .lines()
            .position(|l| l.starts_with("kind = ="))
            .map(|n| n + 1);
        assert_eq!(err.problems[0].line, at, "{err}");
    }

    #[test]
    fn an_empty_file_or_one_without_an_ask_is_refused() {
        for source in ["", "# nothing yet\n"] {
            let err = parse(source).expect_err("no rules");
            assert!(err.to_string().contains("the file has no rules"), "{err}");
        }
        let no_ask = ONE.replace("kind = \"ask\"", "kind = \"decision\"");
        let err = parse(&no_ask).expect_err("no ask");
        assert!(
            err.to_string().contains("no enabled rule of kind \"ask\""),
            "{err}"
        );
        let off = ONE.replace("weight = 0.8", "weight = 0.8\nenabled = false");
        let err = parse(&off).expect_err("the only ask is off");
        assert!(
            err.to_string().contains("no enabled rule of kind \"ask\""),
            "{err}"
        );
    }

    #[test]
    fn rules_may_be_written_inline_too() {
        let inline = "rule = [{ id = \"ask.x\", kind = \"ask\", weight = 0.8, patterns = ['\\bsync\\s+on\\b'] }]\n";
        let set = parse(inline).expect("valid");
        assert!(set.rules[0].patterns[0].is_match(b"can we sync on pricing"));
        let bad = inline.replace("weight = 0.8", "weight = 0.8, wieght = 1");
        let err = parse(&bad).expect_err("unknown key");
        assert_eq!(err.rule.as_deref(), Some("ask.x"));
        assert_eq!(err.problems[0].line, Some(1), "{err}");
    }

    #[test]
    fn a_disabled_rule_is_skipped() {
        let off = ONE
            .replace("ask.align-on", "ask.off")
            .replace("weight = 0.8", "weight = 0.8\nenabled = false");
        let set = parse(&format!("{ONE}{off}")).expect("valid");
        assert_eq!(set.rules.len(), 1);
        assert_eq!(set.rules[0].id, "ask.align-on");
    }

    #[test]
    fn patterns_match_ascii_words_next_to_other_characters() {
        let set = parse(ONE).expect("valid");
        let pattern = &set.rules[0].patterns[0];
        assert!(pattern.is_match("é align on «pricing»".as_bytes()));
        assert!(!pattern.is_match("realign on".as_bytes()));
    }

    #[test]
    fn declared_literals_stand_in_for_a_pattern_without_its_own() {
        let declared = r#"
[[rule]]
id = "ask.sync-up"
kind = "ask"
weight = 0.8
patterns = ['\w+\s+\w+']
literals = ["sync"]
"#;
        let set = parse(declared).expect("valid");
        let mut candidates = Vec::new();
        assert!(set.prefilter.candidates(b"let's SYNC up", &mut candidates));
        assert!(!set.prefilter.candidates(b"warm up", &mut candidates));
    }

    #[test]
    fn an_empty_declared_literal_is_refused() {
        let bad = ONE.replace("weight = 0.8", "weight = 0.8\nliterals = [\"\"]");
        let refused = parse(&bad).expect_err("refused");
        assert!(refused.to_string().contains("literals"), "{refused}");
    }
}
