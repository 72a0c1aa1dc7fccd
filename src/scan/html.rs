//! The HTML report: one self-contained file that works offline. Styles, the
//! weekly chart (inline SVG), the drawings of what the bot would post and
//! the few lines of script that sort the tables are all inside it; it
//! references nothing outside itself.

use super::export::Visibility;
use super::report::{Report, Week, times};
use super::slack::escape;
use std::fmt::Write;

const STYLE: &str = r#"
:root { --ink:#1d2330; --muted:#5f6b7a; --line:#e3e7ee; --bg:#f6f7fb; --card:#fff;
  --ask:#9db4d8; --premature:#e8833a; --decision:#2f9e6f; --flag:#c2410c; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 64px; }
header h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
header p { margin: 0; color: var(--muted); }
.lede { font-size: 17px; margin: 18px 0 0; max-width: 60em; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 24px 0 8px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:14px 16px; }
.card .n { font-size: 28px; font-weight: 650; line-height: 1.1; font-variant-numeric: tabular-nums; }
.card .l { color: var(--muted); font-size: 13px; }
.card.hot .n { color: var(--flag); }
.card.long .n { font-size: 21px; line-height: 1.35; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding: 20px 22px; margin-top: 20px; }
section h2 { font-size: 18px; margin: 0 0 4px; }
section > p.note { margin: 0 0 14px; color: var(--muted); font-size: 14px; }
.legend { display:flex; gap:18px; font-size:13px; color:var(--muted); margin: 6px 0 4px; flex-wrap: wrap; }
.legend i { display:inline-block; width:12px; height:12px; border-radius:3px; margin-right:6px; vertical-align:-1px; }
svg.chart { width:100%; height:auto; display:block; }
svg.chart text { font-size: 12px; fill: var(--muted); }
table { width:100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align:left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12.5px; text-transform: uppercase; letter-spacing: .04em;
  cursor: pointer; user-select: none; white-space: nowrap; position: sticky; top: 0; background: var(--card); }
th:hover { color: var(--ink); }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:hover td { background: #fafbfd; }
tfoot td { font-weight: 650; border-top: 2px solid var(--line); }
.tag { display:inline-block; font-size: 11.5px; padding: 1px 7px; border-radius: 999px; background:#eef1f6; color: var(--muted); margin-left: 6px; }
.quote { max-width: 46em; }
.withheld { color: var(--muted); font-style: italic; }
.open { color: var(--flag); font-weight: 600; }
section.next { border-left: 4px solid var(--decision); }
section.next h3 { font-size: 15px; margin: 16px 0 6px; }
section.next ul { margin: 0; padding-left: 20px; }
section.next li { margin: 3px 0; }
.asked { color: var(--muted); font-size: 13.5px; margin: 0 0 8px; }
.why { color: var(--muted); font-size: 12.5px; cursor: help; }
.digests { display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); align-items: start; }
.digest h3 { font-size: 14px; color: var(--muted); margin: 0 0 6px; font-weight: 600; }
.decided { color: var(--decision); }
.empty { color: var(--muted); }
section.problems { border-left: 4px solid var(--premature); }
ul.problems { margin: 0; padding-left: 20px; }
ul.problems code { background: #f1f3f7; padding: 0 4px; border-radius: 4px; }
footer { color: var(--muted); font-size: 13px; margin-top: 24px; }
"#;

/// Most flags listed in the page: beyond this a browser struggles to sort.
const FLAGS_SHOWN: usize = 1000;

/// Sorts a table by the clicked column: numbers by value, text by locale.
const SCRIPT: &str = r#"
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("thead th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var asc = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (o) { o.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var key = function (row) {
        var cell = row.cells[col];
        var v = cell.getAttribute("data-sort");
        if (v === null) { v = cell.textContent.trim(); }
        var n = parseFloat(v);
        return (v !== "" && !isNaN(n) && isFinite(v)) ? n : v.toLowerCase();
      };
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var c = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"#;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_page(&mut out, report);
    out
}

/// A count with thousands separators: 1,000,000.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.0}%", part as f64 * 100.0 / whole as f64)
    }
}

fn write_page(out: &mut String, report: &Report) -> std::fmt::Result {
    let t = &report.totals;
    let period = match (report.first_day, report.last_day) {
        (Some(first), Some(last)) => format!("{first} to {last}"),
        _ => "no messages in the period".into(),
    };
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<title>Alignment before clarity: {}</title>",
        escape(&report.source)
    )?;
    writeln!(
        out,
        "<style>{STYLE}{}</style></head><body><main>",
        super::slack::STYLE
    )?;

    writeln!(out, "<header><h1>Alignment before clarity</h1>")?;
    writeln!(
        out,
        "<p>clarity-bot scan of <strong>{}</strong> · {} · {} conversations · {} weeks</p>",
        escape(&report.source),
        escape(&period),
        report.channels.len(),
        report.weeks.len()
    )?;
    let quiet: u64 = report.suppressed.values().sum();
    writeln!(
        out,
        "<p class=\"lede\">Of <strong>{}</strong> requests to align, <strong>{}</strong> came before any decision had been made ({}). \
         The bot would have asked <em>which decision has been made?</em> {}, and stayed quiet on {} more.</p></header>",
        group(t.alignment_asks),
        group(t.premature),
        percent(t.premature, t.alignment_asks),
        strong_times(t.flags),
        group(quiet)
    )?;

    writeln!(out, "<div class=\"cards\">")?;
    let cards = [
        ("messages read", group(t.messages), false),
        ("alignment asks", group(t.alignment_asks), false),
        ("before a decision", group(t.premature), false),
        ("decisions", group(t.decisions), false),
        ("confusion", group(t.confusion), false),
        ("disagreement", group(t.disagreement), false),
        ("questions the bot would ask", group(t.flags), true),
    ];
    for (label, n, hot) in cards {
        writeln!(
            out,
            "<div class=\"card{}{}\"><div class=\"n\">{n}</div><div class=\"l\">{label}</div></div>",
            if hot { " hot" } else { "" },
            if n.len() > 7 { " long" } else { "" }
        )?;
    }
    writeln!(out, "</div>")?;

    write_next(out, report)?;

    writeln!(out, "<section><h2>Week by week</h2>")?;
    writeln!(
        out,
        "<p class=\"note\">Alignment asks, the ones made before any decision, the questions the bot would have asked, and decisions, per ISO week (UTC).</p>"
    )?;
    writeln!(
        out,
        "<div class=\"legend\"><span><i style=\"background:var(--ask)\"></i>alignment asks</span>\
         <span><i style=\"background:var(--premature)\"></i>before a decision</span>\
         <span><i style=\"background:var(--flag)\"></i>questions the bot would ask</span>\
         <span><i style=\"background:var(--decision)\"></i>decisions</span></div>"
    )?;
    write_chart(out, &report.weeks)?;
    writeln!(out, "</section>")?;

    write_channels(out, report)?;
    write_topics(out, report)?;
    write_flags(out, report)?;
    write_digests(out, report)?;

    if !report.problems.is_empty() {
        writeln!(
            out,
            "<section class=\"problems\"><h2>Problems reading the export</h2><p class=\"note\">Reported and skipped; the rest was scanned.</p><ul class=\"problems\">"
        )?;
        for problem in &report.problems {
            writeln!(
                out,
                "<li><code>{}</code>: {}</li>",
                escape(&problem.file),
                escape(&problem.message)
            )?;
        }
        writeln!(out, "</ul></section>")?;
    }

    writeln!(
        out,
        "<footer>Generated offline by <code>clarity-bot scan</code> with the classifier and noise policy the bot runs. \
         Text from private conversations is withheld{}. Hover over a reason for the rule behind it; click a column heading to sort.</footer>",
        if report.flags.iter().any(|f| f.author.is_some()) {
            ""
        } else {
            "; like the digest, the report names no one (<code>--names</code> shows who asked)"
        }
    )?;
    writeln!(out, "</main><script>{SCRIPT}</script></body></html>")
}

/// Grouped bars per week: asks, premature asks, decisions.
fn write_chart(out: &mut String, weeks: &[Week]) -> std::fmt::Result {
    if weeks.is_empty() {
        return writeln!(out, "<p class=\"empty\">No messages in the period.</p>");
    }
    let (width, height) = (1100.0_f64, 300.0_f64);
    let (left, right, top, bottom) = (44.0, 12.0, 12.0, 44.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let peak = weeks
        .iter()
        .map(|w| {
            w.counts
                .alignment_asks
                .max(w.counts.premature)
                .max(w.counts.flags)
                .max(w.counts.decisions)
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let step = nice_step(peak);
    let top_value = peak.div_ceil(step) * step;
    let y = |v: u64| top + plot_h - (v as f64 / top_value as f64) * plot_h;
    writeln!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Weekly alignment asks, premature asks, the bot's questions and decisions\">"
    )?;
    let mut tick = 0;
    while tick <= top_value {
        let ty = y(tick);
        writeln!(
            out,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{ty:.1}\" y2=\"{ty:.1}\" stroke=\"#e3e7ee\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            width - right,
            left - 8.0,
            ty + 4.0,
            group(tick)
        )?;
        tick += step;
    }
    let slot = plot_w / weeks.len() as f64;
    let bar = (slot * 0.8 / 4.0).min(30.0);
    let label_every = (weeks.len() as f64 / 14.0).ceil().max(1.0) as usize;
    for (i, week) in weeks.iter().enumerate() {
        let c = &week.counts;
        let x0 = left + slot * i as f64 + (slot - bar * 4.0) / 2.0;
        let bars = [
            ("var(--ask)", c.alignment_asks, "alignment asks"),
            ("var(--premature)", c.premature, "before a decision"),
            ("var(--flag)", c.flags, "questions the bot would ask"),
            ("var(--decision)", c.decisions, "decisions"),
        ];
        writeln!(out, "<g>")?;
        writeln!(
            out,
            "<title>{} (from {}): alignment asks {}, before a decision {}, questions the bot would ask {}, decisions {}</title>",
            week.week, week.starts, c.alignment_asks, c.premature, c.flags, c.decisions
        )?;
        for (j, (color, value, _)) in bars.iter().enumerate() {
            let h = top + plot_h - y(*value);
            writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"2\" style=\"fill:{color}\"/>",
                x0 + bar * j as f64,
                y(*value),
                (bar - 1.0).max(1.0),
                h
            )?;
        }
        writeln!(out, "</g>")?;
        if i % label_every == 0 {
            writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" style=\"font-size:10.5px\">{}</text>",
                left + slot * (i as f64 + 0.5),
                height - bottom + 18.0,
                week.week,
                left + slot * (i as f64 + 0.5),
                height - bottom + 33.0,
                week.starts.strftime("%b %-d")
            )?;
        }
    }
    writeln!(
        out,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#9aa4b2\"/>",
        width - right,
        top + plot_h,
        top + plot_h
    )?;
    writeln!(out, "</svg>")
}

/// A round gridline step giving at most about five lines.
fn nice_step(peak: u64) -> u64 {
    let raw = peak.div_ceil(5).max(1);
    let mut magnitude = 1;
    while magnitude * 10 <= raw {
        magnitude *= 10;
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(raw)
}

fn write_channels(out: &mut String, report: &Report) -> std::fmt::Result {
    writeln!(out, "<section><h2>Channels</h2>")?;
    writeln!(
        out,
        "<p class=\"note\">Direct messages are counted but never flagged: there the bot only answers <code>/clarity check</code>.</p>"
    )?;
    writeln!(
        out,
        "<table class=\"sortable\"><thead><tr><th>channel</th><th class=\"num\">messages</th><th class=\"num\">asks</th>\
         <th class=\"num\">before a decision</th><th class=\"num\">share</th><th class=\"num\">decisions</th><th class=\"num\">confusion</th>\
         <th class=\"num\">disagreement</th><th class=\"num\">flags</th></tr></thead><tbody>"
    )?;
    for channel in &report.channels {
        let (prefix, tag) = match channel.visibility {
            Visibility::Public => ("#", ""),
            Visibility::Private => ("#", "<span class=\"tag\">private</span>"),
            Visibility::GroupDm => ("", "<span class=\"tag\">group DM</span>"),
            Visibility::Dm => ("", "<span class=\"tag\">DM</span>"),
        };
        let c = &channel.counts;
        let share = if c.alignment_asks == 0 {
            -1.0
        } else {
            c.premature as f64 / c.alignment_asks as f64
        };
        let cell = |n: u64| format!("<td class=\"num\" data-sort=\"{n}\">{}</td>", group(n));
        writeln!(
            out,
            "<tr><td data-sort=\"{}\" style=\"white-space:nowrap\">{prefix}{}{tag}</td>{}{}{}\
             <td class=\"num\" data-sort=\"{share:.4}\">{}</td>{}{}{}{}</tr>",
            escape(&channel.name),
            escape(&channel.name),
            cell(c.messages),
            cell(c.alignment_asks),
            cell(c.premature),
            percent(c.premature, c.alignment_asks),
            cell(c.decisions),
            cell(c.confusion),
            cell(c.disagreement),
            cell(c.flags)
        )?;
    }
    let t = &report.totals;
    writeln!(
        out,
        "</tbody><tfoot><tr><td>all</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr></tfoot></table></section>",
        group(t.messages),
        group(t.alignment_asks),
        group(t.premature),
        percent(t.premature, t.alignment_asks),
        group(t.decisions),
        group(t.confusion),
        group(t.disagreement),
        group(t.flags)
    )
}

fn write_topics(out: &mut String, report: &Report) -> std::fmt::Result {
    writeln!(out, "<section><h2>Topics that kept coming back</h2>")?;
    writeln!(
        out,
        "<p class=\"note\">Asked about more than once with no decision at the time (public channels).</p>"
    )?;
    if report.recurring_topics.is_empty() {
        return writeln!(
            out,
            "<p class=\"empty\">None: no topic drew more than one premature ask.</p></section>"
        );
    }
    writeln!(
        out,
        "<table class=\"sortable\"><thead><tr><th>topic</th><th>channel</th><th class=\"num\">asks</th><th>first</th><th>last</th>\
         <th>decision</th></tr></thead><tbody>"
    )?;
    for topic in &report.recurring_topics {
        let first = topic
            .dates
            .first()
            .map(|d| d.to_string())
            .unwrap_or_default();
        let last = topic
            .dates
            .last()
            .map(|d| d.to_string())
            .unwrap_or_default();
        let all: Vec<String> = topic.dates.iter().map(|d| d.to_string()).collect();
        let decided = match topic.decided_on {
            Some(day) => format!("<span class=\"decided\">decided {day}</span>"),
            None => "<span class=\"open\">still open</span>".into(),
        };
        writeln!(
            out,
            "<tr title=\"{}\"><td>{}</td><td>#{}</td><td class=\"num\">{}</td><td>{first}</td><td>{last}</td><td data-sort=\"{}\">{decided}</td></tr>",
            escape(&all.join(", ")),
            escape(&topic.topic),
            escape(&topic.channel),
            topic.asks,
            topic
                .decided_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| "9999".into()),
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

fn write_flags(out: &mut String, report: &Report) -> std::fmt::Result {
    writeln!(
        out,
        "<section><h2>What the bot would have asked ({})</h2>",
        report.flags.len()
    )?;
    let quiet: Vec<String> = report
        .suppressed
        .iter()
        .map(|(reason, n)| super::report::quiet_reason(reason, *n))
        .collect();
    writeln!(
        out,
        "<p class=\"note\">Each would have been one threaded reply asking which decision has been made.{}</p>",
        if quiet.is_empty() {
            String::new()
        } else {
            format!(" Stayed quiet on {}.", quiet.join(", "))
        }
    )?;
    if report.flags.is_empty() {
        return writeln!(
            out,
            "<p class=\"empty\">None: every alignment ask had a decision behind it, or the noise policy kept the bot quiet.</p></section>"
        );
    }
    let names = report.flags.iter().any(|f| f.author.is_some());
    writeln!(
        out,
        "<table class=\"sortable\"><thead><tr><th>when (UTC)</th><th>channel</th>{}<th>message</th><th>topic</th></tr></thead><tbody>",
        if names { "<th>author</th>" } else { "" }
    )?;
    let hidden = report.flags.len().saturating_sub(FLAGS_SHOWN);
    for flag in &report.flags[hidden..] {
        let text = match &flag.text {
            Some(text) => format!("<div class=\"quote\">{}</div>", escape(text)),
            None => "<span class=\"withheld\">private conversation: text withheld</span>".into(),
        };
        // Rule ids and the score are for whoever tunes the rules: on hover.
        let rules: Vec<&str> = flag.reasons.iter().map(|r| r.rule.as_str()).collect();
        let behind = if rules.is_empty() {
            format!("the learned scorer, score {:.2}", flag.score)
        } else {
            format!("{}, score {:.2}", rules.join(", "), flag.score)
        };
        let why = format!(
            "<div class=\"why\" title=\"{}\">Why: {}</div>",
            escape(&behind),
            escape(&super::report::why_in_words(&flag.reasons))
        );
        let author = match &flag.author {
            Some(author) => format!("<td style=\"white-space:nowrap\">{}</td>", escape(author)),
            None if names => "<td></td>".to_string(),
            None => String::new(),
        };
        writeln!(
            out,
            "<tr><td data-sort=\"{}\" style=\"white-space:nowrap\">{}</td><td style=\"white-space:nowrap\">#{}</td>{author}<td>{text}{why}</td><td>{}</td></tr>",
            escape(&flag.ts),
            escape(&flag.at),
            escape(&flag.channel),
            escape(flag.topic.as_deref().unwrap_or("")),
        )?;
    }
    writeln!(out, "</tbody></table>")?;
    if hidden > 0 {
        writeln!(
            out,
            "<p class=\"note\">The {FLAGS_SHOWN} most recent are shown; the {hidden} earlier ones are in the text and JSON reports.</p>"
        )?;
    }
    writeln!(out, "</section>")
}

/// `<strong>16</strong> times`, `<strong>once</strong>`.
fn strong_times(n: u64) -> String {
    match n {
        1 | 2 => format!("<strong>{}</strong>", times(n)),
        n => format!("<strong>{}</strong> times", group(n)),
    }
}

/// What to do next: the topics to decide, the channels to start in, how
/// often the bot would speak, and its reply drawn as Slack shows it.
fn write_next(out: &mut String, report: &Report) -> std::fmt::Result {
    let next = &report.next;
    writeln!(out, "<section class=\"next\"><h2>What to do next</h2>")?;
    writeln!(out, "<h3>Decide these first</h3>")?;
    if next.decide_first.is_empty() {
        writeln!(
            out,
            "<p class=\"empty\">No topic kept coming back without a decision.</p>"
        )?;
    } else {
        writeln!(out, "<ul>")?;
        for topic in &next.decide_first {
            let when = match (topic.first, topic.last) {
                (Some(first), Some(last)) if first != last => {
                    format!(
                        ", {} to {}",
                        first.strftime("%-d %b"),
                        last.strftime("%-d %b")
                    )
                }
                (Some(first), _) => format!(", on {}", first.strftime("%-d %b")),
                _ => String::new(),
            };
            writeln!(
                out,
                "<li><strong>{}</strong> in #{}: asked {}{when}, <span class=\"open\">still no decision</span></li>",
                escape(&topic.topic),
                escape(&topic.channel),
                times(topic.asks)
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    if !next.enable_first.is_empty() {
        writeln!(out, "<h3>Start the bot in these channels</h3><ul>")?;
        for channel in &next.enable_first {
            writeln!(
                out,
                "<li><strong>#{}</strong>{}: {} question{} over the period, about {} a week ({} asks before a decision)</li>",
                escape(&channel.name),
                if channel.visibility == Visibility::Private {
                    " <span class=\"tag\">private</span>"
                } else {
                    ""
                },
                group(channel.questions),
                if channel.questions == 1 { "" } else { "s" },
                super::report::about(channel.questions_per_week),
                group(channel.premature)
            )?;
        }
        writeln!(out, "</ul>")?;
    }
    writeln!(
        out,
        "<h3>Expect about {} question{} a week</h3><p class=\"note\">At the default noise policy: at most one per thread, one per channel every 30 minutes, three on one person's messages a day; never in a muted channel.</p>",
        super::report::about(next.questions_per_week),
        if super::report::about(next.questions_per_week) == "1" {
            ""
        } else {
            "s"
        }
    )?;
    if let Some(reply) = &next.example_reply {
        writeln!(
            out,
            "<h3>What the bot would reply</h3><p class=\"asked\">In the thread of “{}”, #{}, {} UTC:</p>{}",
            escape(&reply.ask),
            escape(&reply.channel),
            escape(&reply.at),
            super::slack::message_html(&reply.message)
        )?;
    }
    writeln!(out, "</section>")
}

/// With `--digests`: each week's digest, drawn as Slack shows it.
fn write_digests(out: &mut String, report: &Report) -> std::fmt::Result {
    if report.digests.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<section><h2>The weekly digests the bot would have posted ({})</h2>",
        report.digests.len()
    )?;
    writeln!(
        out,
        "<p class=\"note\">One a week, as a summary of the public channels; counts only, nobody is named for asking.</p><div class=\"digests\">"
    )?;
    for digest in &report.digests {
        writeln!(
            out,
            "<div class=\"digest\"><h3>{}</h3>{}</div>",
            escape(&digest.week),
            super::slack::message_html(&digest.message)
        )?;
    }
    writeln!(out, "</div></section>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_messages_is_escaped() {
        assert_eq!(
            escape(r#"<script>"x" & 'y'</script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn the_page_lists_the_most_recent_flags_and_says_where_the_rest_are() {
        let mut report = Report::empty("x".into(), None, None);
        for n in 0..FLAGS_SHOWN + 5 {
            report.flags.push(crate::scan::report::Flag {
                channel: "team".into(),
                at: String::new(),
                ts: format!("{n}.000000"),
                thread_ts: None,
                author: None,
                text: Some(format!("flag number {n}.")),
                topic: None,
                score: 0.9,
                reasons: Vec::new(),
            });
        }
        let html = render(&report);
        assert_eq!(html.matches("flag number").count(), FLAGS_SHOWN);
        assert!(!html.contains("flag number 4."));
        assert!(html.contains(&format!("flag number {}.", FLAGS_SHOWN + 4)));
        assert!(html.contains("the 5 earlier ones"));
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1_000_000), "1,000,000");
        assert_eq!(group(12_345_678), "12,345,678");
    }

    #[test]
    fn gridline_steps_are_round() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(7), 2);
        assert_eq!(nice_step(23), 5);
        assert_eq!(nice_step(480), 100);
    }
}
