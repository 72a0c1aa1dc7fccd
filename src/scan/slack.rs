//! Draws a message as Slack would show it, from the Block Kit JSON the
//! bot's renderers produce (the flag reply, the digest): HTML for the
//! report, plain lines for the text report. Handles what those renderers
//! use: header, section, context, actions (buttons) and divider blocks;
//! mrkdwn bold, italics, code, links, user and channel mentions. Links
//! keep their address in a tooltip only: the report references nothing
//! outside itself.

use serde_json::Value;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The text of a mrkdwn or plain-text object (`{"type": "mrkdwn", "text": …}`).
fn text_of(object: &Value) -> &str {
    object["text"].as_str().unwrap_or("")
}

/// Slack's `&amp;`, `&lt;`, `&gt;` back to characters.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// One piece of mrkdwn: plain text or a `<…>` token.
enum Piece<'a> {
    Text(&'a str),
    /// What a reader sees, and the link's address if it is one.
    Token {
        label: String,
        link: Option<String>,
    },
}

fn pieces(mrkdwn: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = mrkdwn;
    while let Some(open) = rest.find('<') {
        let Some(len) = rest[open..].find('>') else {
            break;
        };
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let inner = &rest[open + 1..open + len];
        let (target, label) = match inner.split_once('|') {
            Some((target, label)) => (target, Some(label)),
            None => (inner, None),
        };
        out.push(if let Some(user) = target.strip_prefix('@') {
            Piece::Token {
                label: format!("@{}", label.unwrap_or(user)),
                link: None,
            }
        } else if let Some(channel) = target.strip_prefix('#') {
            Piece::Token {
                label: format!("#{}", label.unwrap_or(channel)),
                link: None,
            }
        } else if let Some(special) = target.strip_prefix('!') {
            Piece::Token {
                label: format!("@{}", label.unwrap_or(special)),
                link: None,
            }
        } else {
            Piece::Token {
                label: unescape(label.unwrap_or(target)),
                link: Some(unescape(target)),
            }
        });
        rest = &rest[open + len + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// mrkdwn as HTML: tokens first (so their labels are not formatted), then
/// `*bold*`, `_italics_` and `` `code` `` on the text around them.
fn mrkdwn_html(mrkdwn: &str) -> String {
    let mut out = String::new();
    for piece in pieces(mrkdwn) {
        match piece {
            Piece::Text(text) => out.push_str(&format_html(&escape(&unescape(text)))),
            Piece::Token { label, link: None } => {
                out.push_str(&format!(
                    "<span class=\"sk-mention\">{}</span>",
                    escape(&label)
                ));
            }
            Piece::Token {
                label,
                link: Some(link),
            } => out.push_str(&format!(
                "<span class=\"sk-link\" title=\"{}\">{}</span>",
                escape(&link),
                escape(&label)
            )),
        }
    }
    out.replace('\n', "<br>")
}

/// Bold, italics and code spans of already escaped text.
fn format_html(escaped: &str) -> String {
    let mut out = escaped.to_string();
    for (marker, open, close) in [
        ('`', "<code>", "</code>"),
        ('*', "<strong>", "</strong>"),
        ('_', "<em>", "</em>"),
    ] {
        out = pairs(&out, marker, open, close);
    }
    out
}

/// Replaces `marker…marker` pairs (within a line, not inside a word for
/// `_`) with `open…close`.
fn pairs(text: &str, marker: char, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(marker) {
        let after = &rest[start + 1..];
        let before_ok = marker != '_'
            || rest[..start]
                .chars()
                .last()
                .is_none_or(|c| !c.is_alphanumeric());
        let end = after.find(marker).filter(|&end| {
            end > 0
                && !after[..end].contains('\n')
                && (marker != '_'
                    || after[end + 1..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric()))
        });
        match end {
            Some(end) if before_ok => {
                out.push_str(&rest[..start]);
                out.push_str(open);
                out.push_str(&after[..end]);
                out.push_str(close);
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..start + 1]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// mrkdwn as a reader sees it, without markup.
fn mrkdwn_plain(mrkdwn: &str) -> String {
    let mut out = String::new();
    for piece in pieces(mrkdwn) {
        match piece {
            Piece::Text(text) => {
                out.push_str(&pairs(&pairs(&unescape(text), '`', "", ""), '*', "", ""))
            }
            Piece::Token { label, .. } => out.push_str(&label),
        }
    }
    out
}

/// The message as HTML: the bot's name, then its blocks.
pub fn message_html(message: &Value) -> String {
    let mut out = String::from(
        "<div class=\"sk-message\"><div class=\"sk-avatar\" aria-hidden=\"true\">c</div><div class=\"sk-body\">\
         <div class=\"sk-author\"><strong>clarity</strong><span class=\"sk-app\">APP</span></div>",
    );
    let blocks = message["blocks"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if blocks.is_empty() {
        out.push_str(&format!(
            "<div class=\"sk-section\">{}</div>",
            mrkdwn_html(message["text"].as_str().unwrap_or(""))
        ));
    }
    for block in blocks {
        match block["type"].as_str().unwrap_or("") {
            "header" => out.push_str(&format!(
                "<div class=\"sk-header\">{}</div>",
                escape(&unescape(text_of(&block["text"])))
            )),
            "section" => out.push_str(&format!(
                "<div class=\"sk-section\">{}</div>",
                mrkdwn_html(text_of(&block["text"]))
            )),
            "context" => {
                let parts: Vec<String> = elements(block)
                    .iter()
                    .map(|e| mrkdwn_html(text_of(e)))
                    .collect();
                out.push_str(&format!(
                    "<div class=\"sk-context\">{}</div>",
                    parts.join(" ")
                ));
            }
            "actions" => {
                out.push_str("<div class=\"sk-actions\">");
                for element in elements(block) {
                    let primary = if element["style"] == "primary" {
                        " sk-primary"
                    } else {
                        ""
                    };
                    out.push_str(&format!(
                        "<span class=\"sk-button{primary}\">{}</span>",
                        escape(&unescape(text_of(&element["text"])))
                    ));
                }
                out.push_str("</div>");
            }
            "divider" => out.push_str("<hr class=\"sk-divider\">"),
            _ => {}
        }
    }
    out.push_str("</div></div>");
    out
}

/// The message as plain lines: sections as they read, small print and
/// buttons as Slack shows them.
pub fn message_lines(message: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    for block in message["blocks"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        match block["type"].as_str().unwrap_or("") {
            "header" => lines.push(unescape(text_of(&block["text"]))),
            "section" | "context" => {
                let texts: Vec<String> = if block["type"] == "section" {
                    vec![mrkdwn_plain(text_of(&block["text"]))]
                } else {
                    elements(block)
                        .iter()
                        .map(|e| mrkdwn_plain(text_of(e)))
                        .collect()
                };
                for text in texts {
                    lines.extend(text.lines().map(str::to_owned));
                }
            }
            "actions" => {
                let buttons: Vec<String> = elements(block)
                    .iter()
                    .map(|e| format!("[{}]", unescape(text_of(&e["text"]))))
                    .collect();
                lines.push(buttons.join(" "));
            }
            _ => {}
        }
    }
    lines
}

fn elements(block: &Value) -> &[Value] {
    block["elements"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Styles for [`message_html`], to put in the page's `<style>`.
pub const STYLE: &str = r#"
.sk-message { display:flex; gap:10px; max-width: 640px; font: 15px/1.46 "Lato", system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color:#1d1c1d; background:#fff; padding: 10px 14px; border:1px solid var(--line, #e3e7ee); border-radius: 8px; }
.sk-avatar { flex: none; width:36px; height:36px; border-radius:6px; background:#1d3557; color:#fff; font-weight:700; display:flex; align-items:center; justify-content:center; font-size:18px; }
.sk-body { min-width: 0; }
.sk-author { margin-bottom: 2px; }
.sk-app { font-size: 10px; font-weight: 700; color:#616061; background:#e8e8e8; border-radius: 3px; padding: 1px 3px; margin-left: 6px; vertical-align: 1px; }
.sk-header { font-weight: 900; font-size: 17px; margin: 4px 0; }
.sk-section { margin: 4px 0; }
.sk-context { color:#616061; font-size: 13px; margin: 4px 0; }
.sk-actions { display:flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 2px; }
.sk-button { border:1px solid #c8c8c8; border-radius: 4px; padding: 3px 11px; font-size: 14px; font-weight: 700; background:#fff; }
.sk-button.sk-primary { background:#007a5a; border-color:#007a5a; color:#fff; }
.sk-mention { color:#1264a3; background:#e8f5fa; border-radius: 3px; padding: 0 2px; }
.sk-link { color:#1264a3; }
.sk-divider { border: 0; border-top: 1px solid #e3e7ee; }
.sk-message code { font-size: 12px; background:#f6f6f6; border:1px solid #e1e1e1; border-radius:3px; padding: 0 3px; color:#e01e5a; }
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reply() -> Value {
        serde_json::to_value(
            crate::respond::blocks::Reply::Flag {
                topic: Some("Q3 <roadmap>".into()),
                asked_with: Some("get aligned on".into()),
                flag_id: Some(1),
            }
            .render(),
        )
        .expect("serializes")
    }

    #[test]
    fn the_flag_reply_reads_as_its_question_reason_hint_and_buttons() {
        assert_eq!(
            message_lines(&reply()),
            [
                "Before aligning on Q3 <roadmap>: which decision has actually been made?",
                "Why I ask: “get aligned on” asks people to converge, and I found no decision on it in this thread or the decision log.",
                "If it's decided, say so here (“Decision: …”) and I'll remember it. If not, deciding first makes the alignment easy.",
                "[Record the decision] [No decision yet] [This helped] [Not an alignment request] [Mute this channel for a week]",
            ]
        );
    }

    #[test]
    fn the_flag_reply_is_drawn_with_its_bold_topic_and_a_primary_button() {
        let html = message_html(&reply());
        assert!(
            html.contains("Before aligning on <strong>Q3 &lt;roadmap&gt;</strong>:"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"sk-button sk-primary\">Record the decision</span>"),
            "{html}"
        );
        assert_eq!(html.matches("class=\"sk-button").count(), 5);
    }

    #[test]
    fn links_and_mentions_are_drawn_without_leaving_the_page() {
        let message = json!({"blocks": [{"type": "section", "text": {"type": "mrkdwn",
            "text": "<https://x.example/a?b=1&amp;c=2|latest ask> by <@U1> in <#C1|product> <!here> a &lt;b&gt; <oops"}}]});
        let html = message_html(&message);
        assert!(html.contains("<span class=\"sk-link\" title=\"https://x.example/a?b=1&amp;c=2\">latest ask</span>"), "{html}");
        assert!(
            html.contains("@U1") && html.contains("#product") && html.contains("@here"),
            "{html}"
        );
        assert!(html.contains("a &lt;b&gt; &lt;oops"), "{html}");
        assert!(!html.contains("href"), "{html}");
    }

    #[test]
    fn italics_need_word_boundaries() {
        assert_eq!(
            format_html("snake_case_name and _this_"),
            "snake_case_name and <em>this</em>"
        );
        assert_eq!(
            format_html("*a* and `b`"),
            "<strong>a</strong> and <code>b</code>"
        );
        assert_eq!(format_html("one * star"), "one * star");
    }
}
