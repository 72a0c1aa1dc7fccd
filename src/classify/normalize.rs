//! Slack mrkdwn → plain speech, with a map back to the original bytes.
//!
//! First step of the classifier: mentions, channel links, special mentions and
//! links become their labels; code spans and code blocks are dropped (code is
//! not speech); `&amp; &lt; &gt;` are unescaped; emoji shortcodes, formatting
//! markers and quote markers disappear; curly quotes become straight ones.
//! Every piece of the output remembers where it came from, so a rule that
//! matches normalized text can point at the original words.

use std::ops::Range;

/// One run of output bytes and the original bytes it came from.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Start of the run in the normalized text.
    out: usize,
    /// Original range the run came from.
    orig: usize,
    orig_end: usize,
    /// A verbatim copy: output byte `out + k` is original byte `orig + k`.
    linear: bool,
}

/// Normalized text and the mapping back to the original message.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    pub text: String,
    segments: Vec<Segment>,
}

impl Normalized {
    /// The original byte range that produced `range` of the normalized text.
    pub fn original_span(&self, range: Range<usize>) -> Range<usize> {
        if self.segments.is_empty() {
            return 0..0;
        }
        let start = self.map_start(range.start);
        let end = if range.end > range.start {
            self.map_end(range.end)
        } else {
            start
        };
        start..end.max(start)
    }

    fn segment_at(&self, pos: usize) -> &Segment {
        let idx = self
            .segments
            .partition_point(|s| s.out <= pos)
            .saturating_sub(1);
        &self.segments[idx]
    }

    fn map_start(&self, pos: usize) -> usize {
        let seg = self.segment_at(pos);
        if seg.linear {
            (seg.orig + (pos - seg.out)).min(seg.orig_end)
        } else {
            seg.orig
        }
    }

    fn map_end(&self, end: usize) -> usize {
        let seg = self.segment_at(end - 1);
        if seg.linear {
            (seg.orig + (end - seg.out)).min(seg.orig_end)
        } else {
            seg.orig_end
        }
    }

    fn push_verbatim(&mut self, original: &str, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        let out = self.text.len();
        self.text.push_str(&original[range.clone()]);
        if let Some(last) = self.segments.last_mut()
            && last.linear
            && last.orig_end == range.start
            && last.out + (last.orig_end - last.orig) == out
        {
            last.orig_end = range.end;
            return;
        }
        self.segments.push(Segment {
            out,
            orig: range.start,
            orig_end: range.end,
            linear: true,
        });
    }

    fn push_replacement(&mut self, replacement: &str, range: Range<usize>) {
        let out = self.text.len();
        self.text.push_str(replacement);
        self.segments.push(Segment {
            out,
            orig: range.start,
            orig_end: range.end,
            linear: false,
        });
    }
}

/// The longest `<…>` construct we try to parse; anything longer is text.
const MAX_ANGLE: usize = 600;
/// The longest `:shortcode:` we treat as an emoji.
const MAX_EMOJI: usize = 48;

/// Normalizes Slack mrkdwn. Runs in one pass, linear in the input length.
pub fn normalize(original: &str) -> Normalized {
    let bytes = original.as_bytes();
    let mut out = Normalized {
        text: String::with_capacity(original.len()),
        segments: Vec::with_capacity(8),
    };
    let mut i = 0;
    let mut run_start = 0;
    let mut finders = Finders {
        fence: Finder::new(b"```"),
        tick: Finder::new(b"`"),
        newline: Finder::new(b"\n"),
    };
    while i < bytes.len() {
        let b = bytes[i];
        if !is_special(b) {
            i += 1;
            continue;
        }
        // Flush the ordinary run before the special byte.
        out.push_verbatim(original, run_start..i);
        let consumed = handle_special(original, i, &mut out, &mut finders);
        i += consumed;
        run_start = i;
    }
    out.push_verbatim(original, run_start..bytes.len());
    out
}

/// Finds the next occurrence of a needle at or after a position, remembering
/// the last answer so that a left-to-right scan stays linear overall.
struct Finder {
    needle: &'static [u8],
    /// `(searched from, first occurrence at or after it)`.
    cache: Option<(usize, Option<usize>)>,
}

impl Finder {
    fn new(needle: &'static [u8]) -> Self {
        Self {
            needle,
            cache: None,
        }
    }

    fn next(&mut self, haystack: &[u8], from: usize) -> Option<usize> {
        if let Some((start, found)) = self.cache
            && start <= from
        {
            match found {
                None => return None,
                Some(q) if q >= from => return Some(q),
                Some(_) => {}
            }
        }
        let found = haystack
            .get(from..)
            .and_then(|rest| find(rest, self.needle))
            .map(|p| from + p);
        self.cache = Some((from, found));
        found
    }
}

struct Finders {
    fence: Finder,
    tick: Finder,
    newline: Finder,
}

fn is_special(b: u8) -> bool {
    matches!(
        b,
        b'`' | b'<' | b'&' | b':' | b'*' | b'_' | b'~' | b'>' | 0xE2 | b'\r' | b'\t'
    )
}

fn at_line_start(bytes: &[u8], i: usize) -> bool {
    i == 0 || bytes[i - 1] == b'\n'
}

/// Handles the special byte at `i`; returns how many original bytes it used.
fn handle_special(original: &str, i: usize, out: &mut Normalized, finders: &mut Finders) -> usize {
    let bytes = original.as_bytes();
    let rest = &bytes[i..];
    match bytes[i] {
        b'`' => {
            if rest.starts_with(b"```") {
                if let Some(close) = finders.fence.next(bytes, i + 3) {
                    let len = close + 3 - i;
                    out.push_replacement(" ", i..i + len);
                    return len;
                }
                out.push_replacement(" ", i..i + 3);
                return 3;
            }
            let line_end = finders.newline.next(bytes, i + 1).unwrap_or(bytes.len());
            if let Some(close) = finders.tick.next(bytes, i + 1)
                && close < line_end
            {
                let len = close + 1 - i;
                out.push_replacement(" ", i..i + len);
                return len;
            }
            out.push_replacement("", i..i + 1);
            1
        }
        b'<' => angle(original, i, out),
        b'&' => {
            for (entity, plain) in [(&b"&amp;"[..], "&"), (b"&lt;", "<"), (b"&gt;", ">")] {
                if rest.starts_with(entity) {
                    if plain == ">" && at_line_start(bytes, i) {
                        // A quote marker: the quoted words stay, the marker goes.
                        let len = entity.len() + usize::from(rest.get(entity.len()) == Some(&b' '));
                        out.push_replacement("", i..i + len);
                        return len;
                    }
                    out.push_replacement(plain, i..i + entity.len());
                    return entity.len();
                }
            }
            out.push_verbatim(original, i..i + 1);
            1
        }
        b'>' if at_line_start(bytes, i) => {
            let len = 1 + usize::from(rest.get(1) == Some(&b' '));
            out.push_replacement("", i..i + len);
            len
        }
        b':' => {
            let prev_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
            if prev_ok && let Some(len) = emoji_len(rest) {
                out.push_replacement(" ", i..i + len);
                return len;
            }
            out.push_verbatim(original, i..i + 1);
            1
        }
        b'*' | b'_' | b'~' => {
            let prev_alnum = i > 0 && bytes[i - 1].is_ascii_alphanumeric();
            let next_alnum = rest.get(1).is_some_and(|c| c.is_ascii_alphanumeric());
            if prev_alnum && next_alnum {
                out.push_verbatim(original, i..i + 1);
            } else {
                out.push_replacement("", i..i + 1);
            }
            1
        }
        b'\r' => {
            out.push_replacement("", i..i + 1);
            1
        }
        b'\t' => {
            out.push_replacement(" ", i..i + 1);
            1
        }
        0xE2 => {
            // U+2018/2019 (‘ ’) and U+201C/201D (“ ”): E2 80 98/99/9C/9D.
            if rest.len() >= 3 && rest[1] == 0x80 {
                let plain = match rest[2] {
                    0x98 | 0x99 => Some("'"),
                    0x9C | 0x9D => Some("\""),
                    _ => None,
                };
                if let Some(plain) = plain {
                    out.push_replacement(plain, i..i + 3);
                    return 3;
                }
            }
            // Another character starting with E2: copy it whole.
            let len = utf8_len(original, i);
            out.push_verbatim(original, i..i + len);
            len
        }
        _ => {
            let len = utf8_len(original, i);
            out.push_verbatim(original, i..i + len);
            len
        }
    }
}

fn utf8_len(original: &str, i: usize) -> usize {
    original[i..].chars().next().map_or(1, char::len_utf8)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn emoji_len(rest: &[u8]) -> Option<usize> {
    let limit = rest.len().min(MAX_EMOJI);
    let close = rest[1..limit].iter().position(|&c| c == b':')? + 1;
    if close < 2 {
        return None;
    }
    let name = &rest[1..close];
    let valid = name
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'+' | b'-' | b'\''));
    let has_letter = name.iter().any(u8::is_ascii_alphabetic) || name == b"+1" || name == b"-1";
    (valid && has_letter).then_some(close + 1)
}

/// `<@U…>`, `<#C…|name>`, `<!here>`, `<!subteam^S…|@team>`, `<url|label>`, `<url>`.
fn angle(original: &str, i: usize, out: &mut Normalized) -> usize {
    let bytes = original.as_bytes();
    let limit = bytes.len().min(i + MAX_ANGLE);
    let Some(close) = bytes[i + 1..limit]
        .iter()
        .position(|&c| c == b'>' || c == b'<' || c == b'\n')
        .map(|p| i + 1 + p)
    else {
        out.push_verbatim(original, i..i + 1);
        return 1;
    };
    if bytes[close] != b'>' || close == i + 1 {
        out.push_verbatim(original, i..i + 1);
        return 1;
    }
    let inner = &original[i + 1..close];
    let (target, label) = match inner.split_once('|') {
        Some((t, l)) => (t, Some(l)),
        None => (inner, None),
    };
    let len = close + 1 - i;
    let Some(&first) = target.as_bytes().first() else {
        out.push_verbatim(original, i..i + 1);
        return 1;
    };
    let replacement = match first {
        b'@' => format!(
            "@{}",
            label.map_or("someone", |l| l.trim_start_matches('@'))
        ),
        b'#' => format!("#{}", label.filter(|l| !l.is_empty()).unwrap_or("channel")),
        b'!' => {
            let name = label.map_or_else(
                || target[1..].split('^').next().unwrap_or("here"),
                |l| l.trim_start_matches('@'),
            );
            format!("@{name}")
        }
        _ if target.contains("://") || target.starts_with("mailto:") => {
            label.map_or_else(|| "link".to_owned(), str::to_owned)
        }
        _ => {
            out.push_verbatim(original, i..i + 1);
            return 1;
        }
    };
    out.push_replacement(&replacement, i..i + len);
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s).text
    }

    #[test]
    fn mentions_channels_and_links_become_their_labels() {
        assert_eq!(
            norm("hi <@U123|devon> and <@U456>"),
            "hi @devon and @someone"
        );
        assert_eq!(norm("see <#C01AB|eng-platform>"), "see #eng-platform");
        assert_eq!(norm("<!here> go"), "@here go");
        assert_eq!(norm("<!subteam^S02|@eng-managers> hi"), "@eng-managers hi");
        assert_eq!(
            norm("<https://x.io/a|the doc> and <https://x.io>"),
            "the doc and link"
        );
    }

    #[test]
    fn code_is_dropped_and_entities_unescaped() {
        assert_eq!(norm("run `make` now"), "run   now");
        assert_eq!(norm("a\n```\nfn x() {}\n```\nb"), "a\n \nb");
        assert_eq!(norm("x &lt; 0 &amp;&amp; y &gt; 1"), "x < 0 && y > 1");
        assert_eq!(norm("&gt; Decision: go\nok"), "Decision: go\nok");
    }

    #[test]
    fn emoji_formatting_and_curly_quotes_disappear() {
        assert_eq!(norm("ship it :rocket: at 10:30"), "ship it   at 10:30");
        assert_eq!(
            norm("*Decision*: _go_ ~no~ snake_case"),
            "Decision: go no snake_case"
        );
        assert_eq!(norm("Let’s “go”"), "Let's \"go\"");
    }

    #[test]
    fn spans_map_back_to_the_original_words() {
        let original = "<@U1|ana> can we get *aligned* on &amp; pricing";
        let n = normalize(original);
        let start = n.text.find("aligned").expect("present");
        let span = n.original_span(start..start + 7);
        assert_eq!(&original[span], "aligned");
        let amp = n.text.find('&').expect("present");
        assert_eq!(&original[n.original_span(amp..amp + 1)], "&amp;");
    }

    #[test]
    fn unbalanced_markup_is_kept_as_text() {
        assert_eq!(norm("a < b and c > d <"), "a < b and c > d <");
        assert_eq!(norm("<|>"), "<|>");
        assert_eq!(norm("`open"), "open");
    }
}
