//! The rule set: `config/rules.toml` parsed, validated and compiled once.
//!
//! Second step of the classifier. Each rule has an id, a kind from a closed
//! set (`ask`, `decision`, `uncertainty`, `exclude`, `confusion`,
//! `disagreement`), patterns, a weight and optional exceptions. All patterns
//! of all rules compile into one [`RegexSet`] that runs once per message; only
//! the rules it reports are then run on their own to find spans.

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;
use std::collections::HashSet;

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

/// The file: a list of `[[rule]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default, rename = "rule")]
    rules: Vec<RuleDef>,
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
    pub patterns: Vec<Regex>,
    /// A match is dropped when one of these matches its sentence.
    pub exceptions: Vec<Regex>,
}

/// All rules, and the one set that finds which of them may fire.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub set: RegexSet,
    /// For each pattern of the set: (rule index, pattern index in that rule).
    pub owners: Vec<(usize, usize)>,
}

/// Why a rules file was refused: the rule (when known) and what to change.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleProblem {
    pub rule: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "rule `{rule}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The size limit given to the regex compiler, per pattern and for the set.
const SIZE_LIMIT: usize = 64 << 20;
/// The lazy DFA's cache for the set (per thread, grown on demand): large
/// enough that the states real messages visit stay cached once warm; 96 MB
/// measured no faster on the dev corpora.
const SET_CACHE: usize = 32 << 20;

/// Patterns run on bytes in ASCII mode: `\w`, `\s`, `\b` and case folding are
/// ASCII-only, which keeps the automata small and fast. Normalized text is
/// almost all ASCII; other characters still match literally and through
/// negated classes.
fn compile_one(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .multi_line(true)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .build()
}

/// Parses and compiles a rules file's text. Every problem names its rule.
pub fn parse(source: &str) -> Result<RuleSet, RuleProblem> {
    let file: RulesFile = toml::from_str(source)
        .map_err(|e| RuleProblem {
            rule: None,
            message: format!(
                "{}{} (each rule is a [[rule]] table with id, kind, patterns, weight)",
                e.span()
                    .map(|span| format!("near line {}: ", line_of(source, span.start)))
                    .unwrap_or_default(),
                e.message().trim()
            ),
        })
        .map_err(|mut p| {
            if let Ok(table) = toml::from_str::<toml::Table>(source) {
                p.rule = locate_bad_rule(&table);
            }
            p
        })?;
    let mut seen = HashSet::new();
    let mut rules = Vec::with_capacity(file.rules.len());
    for def in file.rules {
        let (kind, id, patterns, weight, exceptions, scope, enabled) = match def {
            RuleDef::Ask(b) => (
                RuleKind::Ask,
                b.id,
                b.patterns,
                b.weight,
                b.exceptions,
                Scope::Sentence,
                b.enabled,
            ),
            RuleDef::Decision(b) => (
                RuleKind::Decision,
                b.id,
                b.patterns,
                b.weight,
                b.exceptions,
                Scope::Sentence,
                b.enabled,
            ),
            RuleDef::Uncertainty(b) => (
                RuleKind::Uncertainty,
                b.id,
                b.patterns,
                b.weight,
                b.exceptions,
                Scope::Sentence,
                b.enabled,
            ),
            RuleDef::Confusion(b) => (
                RuleKind::Confusion,
                b.id,
                b.patterns,
                b.weight,
                b.exceptions,
                Scope::Sentence,
                b.enabled,
            ),
            RuleDef::Disagreement(b) => (
                RuleKind::Disagreement,
                b.id,
                b.patterns,
                b.weight,
                b.exceptions,
                Scope::Sentence,
                b.enabled,
            ),
            RuleDef::Exclude(b) => (
                RuleKind::Exclude,
                b.id,
                b.patterns,
                b.weight,
                b.exceptions,
                b.scope,
                b.enabled,
            ),
        };
        let problem = |message: String| RuleProblem {
            rule: Some(id.clone()),
            message,
        };
        if id.trim().is_empty() {
            return Err(RuleProblem {
                rule: None,
                message: "a rule has an empty id; give every rule a unique id".into(),
            });
        }
        if !seen.insert(id.clone()) {
            return Err(problem(
                "duplicate id; every rule needs its own id (rename or delete one of them)".into(),
            ));
        }
        if !(0.0..=1.0).contains(&weight) || weight.is_nan() {
            return Err(problem(format!(
                "weight {weight} is outside [0, 1]; use a number between 0 and 1"
            )));
        }
        if patterns.is_empty() {
            return Err(problem(
                "no patterns; add at least one regex to `patterns` or delete the rule".into(),
            ));
        }
        if enabled == Some(false) {
            continue;
        }
        let compile = |list: &[String], what: &str| -> Result<Vec<Regex>, RuleProblem> {
            list.iter()
                .enumerate()
                .map(|(n, p)| {
                    compile_one(p).map_err(|e| RuleProblem {
                        rule: Some(id.clone()),
                        message: format!(
                            "{what} {} is not a valid regex ({}); fix it: {p:?}",
                            n + 1,
                            last_line(&e.to_string())
                        ),
                    })
                })
                .collect()
        };
        let compiled_patterns = compile(&patterns, "pattern")?;
        let compiled_exceptions = compile(&exceptions, "exception")?;
        rules.push(Rule {
            id,
            kind,
            weight,
            scope,
            patterns: compiled_patterns,
            exceptions: compiled_exceptions,
        });
    }
    let mut owners = Vec::new();
    let mut all = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        for (p, regex) in rule.patterns.iter().enumerate() {
            owners.push((r, p));
            all.push(regex.as_str().to_owned());
        }
    }
    let set = RegexSetBuilder::new(&all)
        .case_insensitive(true)
        .multi_line(true)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SET_CACHE)
        .build()
        .map_err(|e| RuleProblem {
            rule: None,
            message: format!(
                "the patterns do not compile together ({}); simplify the largest patterns",
                last_line(&e.to_string())
            ),
        })?;
    Ok(RuleSet { rules, set, owners })
}

/// The 1-based line of a byte offset.
fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The last non-empty line: where the regex crate says what went wrong.
fn last_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_owned()
}

/// Finds the id of the first rule that does not deserialize on its own.
fn locate_bad_rule(table: &toml::Table) -> Option<String> {
    let rules = table.get("rule")?.as_array()?;
    for rule in rules {
        let text = toml::to_string(rule).ok()?;
        if toml::from_str::<RuleDef>(&text).is_err() {
            return rule
                .get("id")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .or_else(|| Some("<rule without id>".to_owned()));
        }
    }
    None
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
    fn a_minimal_rules_file_parses_from_inline_toml() {
        let set = parse(ONE).expect("valid");
        assert_eq!(set.rules.len(), 1);
        assert_eq!(set.rules[0].kind, RuleKind::Ask);
        assert!(set.set.is_match(b"can we ALIGN on pricing"));
    }

    #[test]
    fn an_unknown_kind_is_an_error() {
        let bad = ONE.replace("kind = \"ask\"", "kind = \"vibe\"");
        let err = parse(&bad).expect_err("unknown kind");
        assert!(err.message.contains("vibe"), "{err}");
        assert_eq!(err.rule.as_deref(), Some("ask.align-on"));
    }

    #[test]
    fn an_unknown_key_is_an_error_that_names_the_key() {
        let bad = ONE.replace("weight = 0.8", "weight = 0.8\nwieght = 1");
        let err = parse(&bad).expect_err("unknown key");
        assert!(err.to_string().contains("wieght"), "{err}");
        assert_eq!(err.rule.as_deref(), Some("ask.align-on"));
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
        assert!(err.message.contains("pattern 1"), "{err}");
    }

    #[test]
    fn a_disabled_rule_is_skipped() {
        let off = ONE.replace("weight = 0.8", "weight = 0.8\nenabled = false");
        assert!(parse(&off).expect("valid").rules.is_empty());
    }

    #[test]
    fn patterns_match_ascii_words_next_to_other_characters() {
        let set = parse(ONE).expect("valid");
        assert!(set.set.is_match("é align on «pricing»".as_bytes()));
        assert!(!set.set.is_match("realign on".as_bytes()));
    }
}
