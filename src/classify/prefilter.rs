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
use std::ops::Range;

/// Largest set of strings tracked for one node (alternatives multiply).
const MAX_SET: usize = 64;
/// Largest class still read as a set of one-byte strings (`[Aa]`, `[-–]`;
/// not `\s`, whose six bytes would multiply every neighbour).
const MAX_CLASS: usize = 3;
/// Longest literal multiplied with its neighbours (longer ones are cut).
const MAX_LITERAL: usize = 32;
/// Most sets of literals one pattern requires all of.
const MAX_CONJUNCTS: usize = 4;
/// Most extra sets tracked for one node.
const MAX_ALSO: usize = 8;
/// An extra set counts when its weakest literal is this strong (see
/// [`strength`]).
const MIN_STRENGTH: usize = 3;

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
    /// Other sets every match contains one string of, besides `required`
    /// (the factors of a sequence other than its best one).
    also: Vec<Set>,
}

impl Info {
    fn exactly(set: Set) -> Info {
        let required = useful(&set).then(|| set.clone());
        Info {
            prefix: set.clone(),
            suffix: set.clone(),
            exact: Some(set),
            required,
            also: Vec::new(),
        }
    }

    fn anything() -> Info {
        Info {
            exact: None,
            prefix: vec![Vec::new()],
            suffix: vec![Vec::new()],
            required: None,
            also: Vec::new(),
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
                also: Vec::new(),
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
                also: Vec::new(),
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
    // Every set found along the way holds for the whole sequence.
    let mut also: Vec<Set> = Vec::new();
    for child in infos {
        also.extend(child.required.iter().cloned());
        also.extend(child.also.iter().cloned());
        required = better(required, child.required.clone());
        // A literal may straddle the boundary: what the left ends with,
        // then what the child starts with.
        let window = product(&tail, &child.prefix).filter(|w| useful(w));
        also.extend(window.iter().cloned());
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
    let last = Some(tail.clone()).filter(|t| useful(t));
    also.extend(last.iter().cloned());
    required = better(required, last);
    Info {
        exact: None,
        prefix: or_anything(prefix),
        suffix: tail,
        required,
        also: strongest(also),
    }
}

/// The [`MAX_ALSO`] sets of highest [`quality`], each once.
fn strongest(mut sets: Vec<Set>) -> Vec<Set> {
    sets.sort_by(|a, b| quality(b).cmp(&quality(a)).then_with(|| a.cmp(b)));
    sets.dedup();
    sets.truncate(MAX_ALSO);
    sets
}

/// Whether `set` says nothing `by` does not: every string of `by` already
/// contains one of `set`'s.
fn implied(set: &[Vec<u8>], by: &[Vec<u8>]) -> bool {
    by.iter().all(|b| {
        set.iter()
            .any(|s| b.windows(s.len().max(1)).any(|w| w == s.as_slice()))
    })
}

fn parse(pattern: &str, case_insensitive: bool) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .multi_line(true)
        .case_insensitive(case_insensitive)
        .build()
        .parse(pattern)
        .ok()
}

fn strings(set: Set) -> Vec<String> {
    set.into_iter()
        .map(|s| String::from_utf8_lossy(&s).into_owned())
        .collect()
}

/// The literals one of which every match of `pattern` contains, lowercased;
/// `None` when no such set is found (the pattern then runs on every text).
pub fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let set = info(&parse(pattern, false)?)
        .required
        .filter(|s| useful(s))?;
    Some(strings(set))
}

/// What the first pass needs to know of one pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// Every match contains one literal of each of these sets (the first
    /// is the strongest); none: the pattern runs on every text.
    pub sets: Vec<Vec<String>>,
    /// Every byte a match can contain (256 bits), when the literals were
    /// derived: a match then lies within the run of such bytes around one
    /// of its first set's literals, and only those runs are searched.
    pub alphabet: Option<[u64; 4]>,
}

impl Requirement {
    /// Literals declared in the rules file: trusted to pick the texts the
    /// pattern runs on, but the pattern then searches the whole text.
    pub fn declared(literals: &[String]) -> Requirement {
        Requirement {
            sets: vec![literals.iter().map(|l| l.to_ascii_lowercase()).collect()],
            alphabet: None,
        }
    }

    /// No literal: the pattern runs on every text.
    pub fn none() -> Requirement {
        Requirement {
            sets: Vec::new(),
            alphabet: None,
        }
    }
}

/// The sets of literals every match of `pattern` contains one of each of
/// (the [`required_literals`] first, then other strong factors), and the
/// bytes its matches are made of; `None` when no set is found.
pub fn requirement(pattern: &str) -> Option<Requirement> {
    let info = info(&parse(pattern, false)?);
    let first = info.required.filter(|s| useful(s))?;
    let mut sets: Vec<Set> = vec![first];
    for set in info.also {
        if sets.len() >= MAX_CONJUNCTS {
            break;
        }
        // Weak sets ("on", "the") would report on most texts for little.
        if useful(&set) && quality(&set).0 >= MIN_STRENGTH && !sets.iter().any(|s| implied(&set, s))
        {
            sets.push(set);
        }
    }
    Some(Requirement {
        sets: sets.into_iter().map(strings).collect(),
        alphabet: parse(pattern, true).map(|hir| {
            let mut bytes = [0u64; 4];
            alphabet(&hir, &mut bytes);
            bytes
        }),
    })
}

fn mark(bytes: &mut [u64; 4], b: u8) {
    bytes[usize::from(b >> 6)] |= 1 << (b & 63);
}

/// Adds to `bytes` every byte a match of `hir` can contain.
fn alphabet(hir: &Hir, bytes: &mut [u64; 4]) {
    let mut range = |lo: u32, hi: u32| {
        for c in lo..=hi.min(0x7f) {
            if let Ok(b) = u8::try_from(c) {
                mark(bytes, b);
                mark(bytes, b.to_ascii_lowercase());
                mark(bytes, b.to_ascii_uppercase());
            }
        }
        if hi >= 0x80 {
            // A character beyond ASCII is some of these bytes.
            for b in 0x80..=0xff {
                mark(bytes, b);
            }
        }
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => {
            for &b in lit.0.iter() {
                range(u32::from(b), u32::from(b));
            }
        }
        HirKind::Class(Class::Bytes(c)) => {
            for r in c.ranges() {
                range(u32::from(r.start()), u32::from(r.end()));
            }
        }
        HirKind::Class(Class::Unicode(c)) => {
            for r in c.ranges() {
                range(u32::from(r.start()), u32::from(r.end()));
            }
        }
        HirKind::Capture(capture) => alphabet(&capture.sub, bytes),
        HirKind::Repetition(rep) => alphabet(&rep.sub, bytes),
        HirKind::Concat(children) | HirKind::Alternation(children) => {
            for child in children {
                alphabet(child, bytes);
            }
        }
    }
}

/// The first pass over a text: one automaton over every pattern's literals.
#[derive(Debug, Clone)]
pub struct Prefilter {
    automaton: AhoCorasick,
    /// For each literal of the automaton, the patterns that require it:
    /// `(pattern, which of its sets)`.
    owners: Vec<Vec<(u32, u8)>>,
    /// For each pattern, one bit per set of literals it requires.
    need: Vec<u8>,
    /// For each pattern, the bytes its matches are made of (`None`: the
    /// whole text is searched).
    alphabets: Vec<Option<[u64; 4]>>,
    /// For each pattern, its first set's literals (automaton ids, sorted).
    first: Vec<Vec<u32>>,
    /// Patterns with no required literal: candidates for every text.
    always: Vec<u32>,
}

/// One text's first pass: the candidate patterns and where their first
/// set's literals are. Reused from text to text (it allocates nothing once
/// warm).
#[derive(Debug, Default, Clone)]
pub struct Pass {
    /// Per pattern, the bits of the sets met so far (zero between passes).
    met: Vec<u8>,
    touched: Vec<u32>,
    /// Every literal found: `(automaton id, start)`, in the order found.
    found: Vec<(u32, u32)>,
    candidates: Vec<u32>,
    starts: Vec<u32>,
    segments: Vec<Range<usize>>,
}

impl Pass {
    /// The patterns that may match, in index order.
    pub fn candidates(&self) -> &[u32] {
        &self.candidates
    }

    /// Where the last [`Pass::place`] says its pattern's matches can be:
    /// disjoint ranges, in text order.
    pub fn segments(&self) -> &[Range<usize>] {
        &self.segments
    }

    /// Computes [`Pass::segments`] for `pattern` in `text` (the text this
    /// pass ran on): the maximal runs of the pattern's bytes around each of
    /// its first set's literals. False when the pattern has no known
    /// alphabet: then the whole text must be searched.
    pub fn place(&mut self, prefilter: &Prefilter, pattern: u32, text: &[u8]) -> bool {
        self.segments.clear();
        let p = pattern as usize;
        let Some(alphabet) = prefilter.alphabets.get(p).copied().flatten() else {
            return false;
        };
        let first = &prefilter.first[p];
        self.starts.clear();
        self.starts.extend(
            self.found
                .iter()
                .filter(|(id, _)| first.binary_search(id).is_ok())
                .map(|(_, start)| *start),
        );
        self.starts.sort_unstable();
        let allowed = |b: u8| alphabet[usize::from(b >> 6)] & (1 << (b & 63)) != 0;
        for &start in &self.starts {
            let start = start as usize;
            if self.segments.last().is_some_and(|s| start < s.end) {
                continue;
            }
            if !text.get(start).is_some_and(|&b| allowed(b)) {
                continue;
            }
            let mut from = start;
            while from > 0 && allowed(text[from - 1]) {
                from -= 1;
            }
            let mut to = start + 1;
            while to < text.len() && allowed(text[to]) {
                to += 1;
            }
            self.segments.push(from..to);
        }
        true
    }
}

impl Prefilter {
    /// Builds the automaton from each pattern's [`Requirement`].
    pub fn new(requirements: &[Requirement]) -> Result<Prefilter, aho_corasick::BuildError> {
        let mut words: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<(u32, u8)>> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut always = Vec::new();
        let mut need = Vec::with_capacity(requirements.len());
        let mut first = Vec::with_capacity(requirements.len());
        for (i, requirement) in requirements.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let sets: Vec<&Vec<String>> = requirement
                .sets
                .iter()
                .filter(|set| !set.is_empty())
                .take(8)
                .collect();
            if sets.is_empty() {
                always.push(id);
            }
            need.push(((1u16 << sets.len()) - 1) as u8);
            let mut ids = Vec::new();
            for (n, set) in sets.iter().enumerate() {
                for literal in *set {
                    let literal = literal.to_ascii_lowercase();
                    let at = *index.entry(literal.clone()).or_insert_with(|| {
                        words.push(literal);
                        owners.push(Vec::new());
                        words.len() - 1
                    });
                    if !owners[at].contains(&(id, n as u8)) {
                        owners[at].push((id, n as u8));
                    }
                    if n == 0 {
                        ids.push(u32::try_from(at).unwrap_or(u32::MAX));
                    }
                }
            }
            ids.sort_unstable();
            ids.dedup();
            first.push(ids);
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&words)?;
        Ok(Prefilter {
            automaton,
            owners,
            need,
            alphabets: requirements.iter().map(|r| r.alphabet).collect(),
            first,
            always,
        })
    }

    /// Runs the first pass over `text`: afterwards `pass` holds the
    /// patterns that may match; true when there is any.
    pub fn run(&self, text: &[u8], pass: &mut Pass) -> bool {
        pass.met.resize(self.need.len(), 0);
        pass.found.clear();
        pass.candidates.clear();
        for found in self.automaton.find_overlapping_iter(text) {
            let id = found.pattern().as_u32();
            pass.found
                .push((id, u32::try_from(found.start()).unwrap_or(u32::MAX)));
            for &(p, n) in &self.owners[id as usize] {
                let met = &mut pass.met[p as usize];
                if *met == 0 {
                    pass.touched.push(p);
                }
                *met |= 1 << n;
            }
        }
        for &p in &pass.touched {
            let met = std::mem::take(&mut pass.met[p as usize]);
            if met == self.need[p as usize] {
                pass.candidates.push(p);
            }
        }
        pass.touched.clear();
        pass.candidates.extend_from_slice(&self.always);
        pass.candidates.sort_unstable();
        !pass.candidates.is_empty()
    }

    /// Marks in `candidates` (one flag per pattern, cleared first) the
    /// patterns that may match `text`; true when there is any.
    pub fn candidates(&self, text: &[u8], candidates: &mut Vec<bool>) -> bool {
        let mut pass = Pass::default();
        let any = self.run(text, &mut pass);
        candidates.clear();
        candidates.resize(self.need.len(), false);
        for &p in pass.candidates() {
            candidates[p as usize] = true;
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
    fn a_sequence_requires_each_of_its_strong_factors() {
        let r = requirement(r"\bcss\s+(?:\w+\s+)?(?:al+ig|algi)ned\b").expect("literals");
        assert_eq!(r.sets.len(), 2, "{r:?}");
        let pre = Prefilter::new(&[r]).expect("builds");
        let mut pass = Pass::default();
        assert!(!pre.run(b"all aligned now", &mut pass));
        assert!(!pre.run(b"the css file", &mut pass));
        assert!(pre.run(b"CSS is Aligned.", &mut pass));
        // The match lies in the run of the pattern's bytes around "ligned".
        assert!(pass.place(&pre, 0, b"CSS is Aligned."));
        assert_eq!(pass.segments().to_vec(), vec![0..14_usize]);
    }

    #[test]
    fn candidates_are_the_patterns_whose_literals_occur() {
        let pre = Prefilter::new(&[
            Requirement::declared(&["aligned".into()]),
            Requirement::declared(&["consensus".into(), "buy-in".into()]),
            Requirement::none(),
        ])
        .expect("builds");
        let mut c = Vec::new();
        assert!(pre.candidates(b"we need BUY-IN first", &mut c));
        assert_eq!(c, [false, true, true]);
        pre.candidates(b"all aligned", &mut c);
        assert_eq!(c, [true, false, true]);
    }
}
