//! The rules' first pass: which patterns can match a text at all.
//!
//! Every match of a pattern contains one of a few literal strings (its
//! *required literals*, derived from the pattern's syntax tree, or declared
//! in the rules file where derivation finds none). One Aho–Corasick automaton
//! over all of them finds, in one pass over the text, the patterns worth
//! running; the others cannot match and are skipped. Patterns with no
//! required literal run on every text.
//!
//! The derivation is sound by construction: a literal is only ever
//! *required* when every string the pattern matches contains it. Literals are
//! searched ASCII-case-insensitively, as the patterns are matched.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};

/// Largest set of strings tracked for one node (alternatives multiply).
const MAX_SET: usize = 64;
/// Largest class still read as a set of one-byte strings (`[Aa]`, `[-–]`;
/// not `\s`, whose six bytes would multiply every neighbour).
const MAX_CLASS: usize = 3;
/// Longest literal multiplied with its neighbours (longer ones are cut).
const MAX_LITERAL: usize = 32;

/// A finite set of byte strings, lowercased.
type Set = Vec<Vec<u8>>;

/// What one node of a pattern's syntax tree tells about its matches.
#[derive(Debug, Clone)]
struct Info {
    /// Every string the node can match, when that set is small.
    exact: Option<Set>,
    /// Every match starts with one of these (`[""]`: no constraint).
    prefix: Set,
    /// Every match ends with one of these (`[""]`: no constraint).
    suffix: Set,
    /// Every match contains one of these; `None` when nothing is known.
    required: Option<Set>,
}

impl Info {
    fn exactly(set: Set) -> Info {
        let required = useful(&set).then(|| set.clone());
        Info {
            prefix: set.clone(),
            suffix: set.clone(),
            exact: Some(set),
            required,
        }
    }

    fn anything() -> Info {
        Info {
            exact: None,
            prefix: vec![Vec::new()],
            suffix: vec![Vec::new()],
            required: None,
        }
    }
}

/// A set narrows the search only when none of its strings is empty.
fn useful(set: &[Vec<u8>]) -> bool {
    !set.is_empty() && set.iter().all(|s| !s.is_empty())
}

/// Words so common that a pattern requiring one of them runs on most
/// messages: a literal that is one of these counts as a single byte.
const COMMON: &[&[u8]] = &[
    b"a", b"about", b"all", b"an", b"and", b"are", b"as", b"at", b"be", b"but", b"by", b"can",
    b"do", b"for", b"from", b"has", b"have", b"how", b"i", b"if", b"in", b"is", b"it", b"just",
    b"me", b"my", b"no", b"not", b"of", b"on", b"one", b"or", b"our", b"so", b"that", b"the",
    b"this", b"to", b"up", b"us", b"was", b"we", b"what", b"when", b"which", b"will", b"with",
    b"you",
];

/// How much a literal narrows the search: its length, unless it is a
/// common word (padding spaces count for nothing).
fn strength(literal: &[u8]) -> usize {
    let word = literal.trim_ascii();
    if COMMON.contains(&word) {
        1
    } else {
        word.len()
    }
}

/// Higher is better: the weakest literal's strength, then fewer literals.
fn quality(set: &[Vec<u8>]) -> (usize, std::cmp::Reverse<usize>) {
    let weakest = set.iter().map(|l| strength(l)).min().unwrap_or(0);
    (weakest, std::cmp::Reverse(set.len()))
}

fn better(a: Option<Set>, b: Option<Set>) -> Option<Set> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if quality(&b) > quality(&a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Every concatenation of a string of `a` with one of `b`, when few enough.
fn product(a: &[Vec<u8>], b: &[Vec<u8>]) -> Option<Set> {
    if a.len() * b.len() > MAX_SET {
        return None;
    }
    let mut out: Set = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    Some(dedup(out))
}

fn union(sets: impl IntoIterator<Item = Set>) -> Option<Set> {
    let mut out: Set = Vec::new();
    for set in sets {
        out.extend(set);
        if out.len() > 4 * MAX_SET {
            return None;
        }
    }
    let out = dedup(out);
    (out.len() <= MAX_SET).then_some(out)
}

fn dedup(mut set: Set) -> Set {
    set.sort();
    set.dedup();
    set
}

/// A set that overflowed is no constraint at all.
fn or_anything(set: Option<Set>) -> Set {
    set.unwrap_or_else(|| vec![Vec::new()])
}

fn class_bytes(class: &Class) -> Option<Set> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut push = |lo: u32, hi: u32| -> Option<()> {
        for c in lo..=hi {
            let b = u8::try_from(c).ok().filter(u8::is_ascii)?;
            bytes.push(b.to_ascii_lowercase());
            if bytes.len() > 4 * MAX_CLASS {
                return None;
            }
        }
        Some(())
    };
    match class {
        Class::Bytes(c) => {
            for r in c.ranges() {
                push(u32::from(r.start()), u32::from(r.end()))?;
            }
        }
        Class::Unicode(c) => {
            for r in c.ranges() {
                push(u32::from(r.start()), u32::from(r.end()))?;
            }
        }
    }
    bytes.sort_unstable();
    bytes.dedup();
    (!bytes.is_empty() && bytes.len() <= MAX_CLASS)
        .then(|| bytes.into_iter().map(|b| vec![b]).collect())
}

fn info(hir: &Hir) -> Info {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Info::exactly(vec![Vec::new()]),
        HirKind::Literal(lit) => {
            let s = lit.0.to_ascii_lowercase();
            if s.len() <= MAX_LITERAL {
                return Info::exactly(vec![s]);
            }
            // Too long to multiply: its two ends still bound every match.
            let head = s[..MAX_LITERAL].to_vec();
            Info {
                exact: None,
                prefix: vec![head.clone()],
                suffix: vec![s[s.len() - MAX_LITERAL..].to_vec()],
                required: Some(vec![head]),
            }
        }
        HirKind::Class(class) => class_bytes(class).map_or_else(Info::anything, Info::exactly),
        HirKind::Capture(capture) => info(&capture.sub),
        HirKind::Repetition(rep) => {
            let sub = info(&rep.sub);
            if rep.min == 0 {
                // `x?` of a known set is that set or nothing.
                match (rep.max, sub.exact) {
                    (Some(1), Some(mut exact)) => {
                        exact.push(Vec::new());
                        Info::exactly(dedup(exact))
                    }
                    _ => Info::anything(),
                }
            } else if rep.max == Some(1) {
                sub
            } else {
                Info { exact: None, ..sub }
            }
        }
        HirKind::Concat(children) => concat(&children.iter().map(info).collect::<Vec<_>>()),
        HirKind::Alternation(children) => {
            let infos: Vec<Info> = children.iter().map(info).collect();
            let exact = infos
                .iter()
                .map(|i| i.exact.clone())
                .collect::<Option<Vec<Set>>>()
                .and_then(union);
            if let Some(exact) = exact {
                return Info::exactly(exact);
            }
            let prefix = or_anything(union(infos.iter().map(|i| i.prefix.clone())));
            let suffix = or_anything(union(infos.iter().map(|i| i.suffix.clone())));
            let required = infos
                .iter()
                .map(|i| i.required.clone())
                .collect::<Option<Vec<Set>>>()
                .and_then(union);
            Info {
                exact: None,
                prefix,
                suffix,
                required,
            }
        }
    }
}

fn concat(infos: &[Info]) -> Info {
    let mut required: Option<Set> = None;
    // What every match of the children so far ends with, and (while all of
    // them are exact) the whole set they match.
    let mut tail: Set = vec![Vec::new()];
    let mut exact: Option<Set> = Some(vec![Vec::new()]);
    let mut prefix: Option<Set> = Some(vec![Vec::new()]);
    for child in infos {
        required = better(required, child.required.clone());
        // A literal may straddle the boundary: what the left ends with,
        // then what the child starts with.
        let window = product(&tail, &child.prefix).filter(|w| useful(w));
        required = better(required, window);
        prefix = match (&exact, &prefix) {
            (Some(e), _) => product(e, &child.prefix).or_else(|| Some(e.clone())),
            (None, p) => p.clone(),
        };
        exact = match (&exact, &child.exact) {
            (Some(e), Some(c)) => product(e, c),
            _ => None,
        };
        tail = match &child.exact {
            Some(c) => product(&tail, c).unwrap_or_else(|| c.clone()),
            None => child.suffix.clone(),
        };
    }
    if let Some(exact) = exact {
        return Info::exactly(exact);
    }
    required = better(required, Some(tail.clone()).filter(|t| useful(t)));
    Info {
        exact: None,
        prefix: or_anything(prefix),
        suffix: tail,
        required,
    }
}

/// The literals one of which every match of `pattern` contains, lowercased;
/// `None` when no such set is found (the pattern then runs on every text).
pub fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .multi_line(true)
        .build()
        .parse(pattern)
        .ok()?;
    let set = info(&hir).required.filter(|s| useful(s))?;
    Some(
        set.into_iter()
            .map(|s| String::from_utf8_lossy(&s).into_owned())
            .collect(),
    )
}

/// The first pass over a text: one automaton over every pattern's literals.
#[derive(Debug, Clone)]
pub struct Prefilter {
    automaton: AhoCorasick,
    /// For each literal of the automaton, the patterns that require it.
    owners: Vec<Vec<u32>>,
    /// Patterns with no required literal: candidates for every text.
    always: Vec<u32>,
    patterns: usize,
}

impl Prefilter {
    /// Builds the automaton; `literals[i]` are pattern `i`'s required
    /// literals (`None`: it always runs).
    pub fn new(literals: &[Option<Vec<String>>]) -> Result<Prefilter, aho_corasick::BuildError> {
        let mut words: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<u32>> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut always = Vec::new();
        for (i, set) in literals.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            match set {
                Some(set) if !set.is_empty() => {
                    for literal in set {
                        let literal = literal.to_ascii_lowercase();
                        match index.get(&literal) {
                            Some(&at) => owners[at].push(id),
                            None => {
                                index.insert(literal.clone(), words.len());
                                words.push(literal);
                                owners.push(vec![id]);
                            }
                        }
                    }
                }
                _ => always.push(id),
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)?;
        Ok(Prefilter {
            automaton,
            owners,
            always,
            patterns: literals.len(),
        })
    }

    /// Marks in `candidates` (one flag per pattern, cleared first) the
    /// patterns that may match `text`; true when there is any.
    pub fn candidates(&self, text: &[u8], candidates: &mut Vec<bool>) -> bool {
        candidates.clear();
        candidates.resize(self.patterns, false);
        let mut any = false;
        for &p in &self.always {
            candidates[p as usize] = true;
            any = true;
        }
        for found in self.automaton.find_overlapping_iter(text) {
            for &p in &self.owners[found.pattern().as_usize()] {
                candidates[p as usize] = true;
                any = true;
            }
        }
        any
    }

    /// How many patterns run on every text, having no required literal.
    pub fn unfiltered_count(&self) -> usize {
        self.always.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        required_literals(p).map(|mut v| {
            v.sort();
            v
        })
    }

    #[test]
    fn a_literal_is_required_as_written_in_lower_case() {
        assert_eq!(lits("Aligned"), Some(vec!["aligned".into()]));
    }

    #[test]
    fn the_longest_factor_of_a_sequence_is_chosen() {
        assert_eq!(
            lits(r"\b(?:get|be)\s+on\s+the\s+same\s+page\b"),
            Some(vec!["same".into()])
        );
    }

    #[test]
    fn literals_straddle_a_repetition_boundary() {
        // `(?:al+ig|algi)ned`: every match ends "ligned" or is "algined".
        assert_eq!(
            lits(r"\b(?:al+ig|algi)ned\b"),
            Some(vec!["algined".into(), "ligned".into()])
        );
    }

    #[test]
    fn an_alternation_requires_one_literal_of_each_branch() {
        assert_eq!(
            lits(r"\b(?:consensus|buy-?in)\b"),
            Some(vec!["buy-in".into(), "buyin".into(), "consensus".into()])
        );
    }

    #[test]
    fn a_pattern_that_may_match_anything_has_no_required_literal() {
        assert_eq!(lits(r"\w+"), None);
        assert_eq!(lits(r"(?:foo)?\s*"), None);
    }

    #[test]
    fn a_small_class_becomes_its_letters() {
        assert_eq!(lits("[Aa]lign"), Some(vec!["align".into()]));
    }

    #[test]
    fn candidates_are_the_patterns_whose_literals_occur() {
        let pre = Prefilter::new(&[
            Some(vec!["aligned".into()]),
            Some(vec!["consensus".into(), "buy-in".into()]),
            None,
        ])
        .expect("builds");
        let mut c = Vec::new();
        assert!(pre.candidates(b"we need BUY-IN first", &mut c));
        assert_eq!(c, [false, true, true]);
        pre.candidates(b"all aligned", &mut c);
        assert_eq!(c, [true, false, true]);
    }
}
