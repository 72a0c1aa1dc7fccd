//! The plain-text report, for a terminal or a pull request comment: the
//! totals first, then what to do next, channels, recurring topics, the
//! weekly series, each flag the bot would have posted and, with
//! `--digests`, the weekly digests.

use super::export::Visibility;
use super::report::{Counts, NextSteps, Report, times};
use std::fmt::Write;

/// Longest flag text shown before it is cut with an ellipsis.
const TEXT_WIDTH: usize = 200;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored below.
    let _ = write_report(&mut out, report);
    out
}

fn write_report(out: &mut String, report: &Report) -> std::fmt::Result {
    let t = &report.totals;
    writeln!(out, "clarity-bot scan of {}", report.source)?;
    match (report.first_day, report.last_day) {
        (Some(first), Some(last)) => writeln!(
            out,
            "{first} to {last}: {} messages in {} conversations, {} weeks",
            t.messages,
            report.channels.len(),
            report.weeks.len()
        )?,
        _ => writeln!(out, "no messages in the period")?,
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} alignment asks, {} of them before any decision; {} decisions, {} confusion, {} disagreement.",
        t.alignment_asks, t.premature, t.decisions, t.confusion, t.disagreement
    )?;
    let quiet: u64 = report.suppressed.values().sum();
    write!(
        out,
        "The bot would have asked \"which decision has been made?\" {}",
        times(t.flags)
    )?;
    if quiet > 0 {
        let reasons: Vec<String> = report
            .suppressed
            .iter()
            .map(|(reason, n)| super::report::quiet_reason(reason, *n))
            .collect();
        write!(
            out,
            " and stayed quiet {} ({})",
            times(quiet),
            reasons.join(", ")
        )?;
    }
    writeln!(out, ".")?;

    write_next(out, &report.next, report.weeks.len())?;

    writeln!(out)?;
    writeln!(out, "CHANNELS")?;
    let names: Vec<String> = report
        .channels
        .iter()
        .map(|c| match c.visibility {
            Visibility::Public => format!("#{}", c.name),
            Visibility::Private => format!("{} (private)", c.name),
            Visibility::GroupDm => format!("{} (group DM)", c.name),
            Visibility::Dm => format!("{} (DM)", c.name),
        })
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .chain([7])
        .max()
        .unwrap_or(7);
    writeln!(
        out,
        "  {:<width$}  {:>8} {:>5} {:>9} {:>9} {:>9} {:>12} {:>5}",
        "channel",
        "messages",
        "asks",
        "premature",
        "decisions",
        "confusion",
        "disagreement",
        "flags"
    )?;
    for (channel, name) in report.channels.iter().zip(&names) {
        counts_row(out, name, &channel.counts, width)?;
    }
    counts_row(out, "total", t, width)?;

    writeln!(out)?;
    writeln!(out, "TOPICS THAT KEPT COMING BACK WITHOUT A DECISION")?;
    if report.recurring_topics.is_empty() {
        writeln!(out, "  none")?;
    }
    for topic in &report.recurring_topics {
        let dates: Vec<String> = topic.dates.iter().map(|d| d.to_string()).collect();
        let decided = match topic.decided_on {
            Some(day) => format!("; decided {day}"),
            None => "; still open".to_owned(),
        };
        writeln!(
            out,
            "  {} (#{}): {} asks on {}{}",
            topic.topic,
            topic.channel,
            topic.asks,
            dates.join(", "),
            decided
        )?;
    }

    writeln!(out)?;
    writeln!(out, "WEEK BY WEEK")?;
    writeln!(
        out,
        "  {:<8}  {:<10}  {:>8} {:>5} {:>9} {:>9} {:>5}",
        "week", "starts", "messages", "asks", "premature", "decisions", "flags"
    )?;
    let peak = report
        .weeks
        .iter()
        .map(|w| w.counts.alignment_asks)
        .max()
        .unwrap_or(0)
        .max(1);
    for week in &report.weeks {
        let c = &week.counts;
        let bar_len = usize::try_from(c.premature * 20 / peak).unwrap_or(20);
        writeln!(
            out,
            "  {:<8}  {:<10}  {:>8} {:>5} {:>9} {:>9} {:>5}  {}",
            week.week,
            week.starts.to_string(),
            c.messages,
            c.alignment_asks,
            c.premature,
            c.decisions,
            c.flags,
            "█".repeat(bar_len)
        )?;
    }

    writeln!(out)?;
    writeln!(
        out,
        "QUESTIONS THE BOT WOULD HAVE ASKED ({})",
        report.flags.len()
    )?;
    for flag in &report.flags {
        match &flag.author {
            Some(author) => writeln!(out, "  {} UTC  #{}  {author}", flag.at, flag.channel)?,
            None => writeln!(out, "  {} UTC  #{}", flag.at, flag.channel)?,
        }
        match &flag.text {
            Some(text) => writeln!(out, "    \"{}\"", shorten(text))?,
            None => writeln!(out, "    (private conversation: text withheld)")?,
        }
        let why = format!("why: {}", super::report::why_in_words(&flag.reasons));
        match &flag.topic {
            Some(topic) => writeln!(out, "    about: {topic} · {why}")?,
            None => writeln!(out, "    {why}")?,
        }
    }

    if !report.digests.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "WEEKLY DIGESTS THE BOT WOULD HAVE POSTED ({})",
            report.digests.len()
        )?;
        for digest in &report.digests {
            writeln!(out)?;
            for line in digest.text.lines() {
                if line.is_empty() {
                    writeln!(out)?;
                } else {
                    writeln!(out, "  {line}")?;
                }
            }
        }
    }

    if !report.problems.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "PROBLEMS READING THE EXPORT ({})",
            report.problems.len()
        )?;
        for problem in &report.problems {
            writeln!(out, "  {}: {}", problem.file, problem.message)?;
        }
    }
    Ok(())
}

/// The section a reader acts on: what to decide, where to start, how often
/// the bot would speak and what it would say.
fn write_next(out: &mut String, next: &NextSteps, weeks: usize) -> std::fmt::Result {
    writeln!(out)?;
    writeln!(out, "WHAT TO DO NEXT")?;
    if next.decide_first.is_empty() {
        writeln!(
            out,
            "  No topic kept coming back without a decision: nothing to decide first."
        )?;
    } else {
        writeln!(
            out,
            "  Decide these first; they kept coming back with no decision:"
        )?;
        for topic in &next.decide_first {
            let when = match (topic.first, topic.last) {
                (Some(first), Some(last)) if first != last => format!(", {first} to {last}"),
                (Some(first), _) => format!(", on {first}"),
                _ => String::new(),
            };
            writeln!(
                out,
                "    {} (#{}): asked {}{when}, still open",
                topic.topic,
                topic.channel,
                times(topic.asks)
            )?;
        }
    }
    if !next.enable_first.is_empty() {
        writeln!(
            out,
            "  Start the bot in these channels; it would have asked most there:"
        )?;
        for channel in &next.enable_first {
            let private = if channel.visibility == Visibility::Private {
                " (private)"
            } else {
                ""
            };
            writeln!(
                out,
                "    #{}{private}: {} in {}, about {} a week",
                channel.name,
                questions(channel.questions),
                weeks_phrase(weeks),
                super::report::about(channel.questions_per_week)
            )?;
        }
    }
    writeln!(
        out,
        "  Expect about {} a week at the default noise policy: at most one per thread,",
        questions_f(next.questions_per_week)
    )?;
    writeln!(
        out,
        "  one per channel every 30 minutes and three on one person's messages a day."
    )?;
    if let Some(reply) = &next.example_reply {
        writeln!(
            out,
            "  The bot's reply in #{} on {} UTC, to \"{}\":",
            reply.channel,
            reply.at,
            shorten(&reply.ask)
        )?;
        for line in super::slack::message_lines(&reply.message) {
            writeln!(out, "    | {line}")?;
        }
    }
    Ok(())
}

fn questions(n: u64) -> String {
    if n == 1 {
        "1 question".to_string()
    } else {
        format!("{n} questions")
    }
}

fn questions_f(n: f64) -> String {
    let n = super::report::about(n);
    if n == "1" {
        "1 question".to_string()
    } else {
        format!("{n} questions")
    }
}

fn weeks_phrase(weeks: usize) -> String {
    if weeks == 1 {
        "1 week".to_string()
    } else {
        format!("{weeks} weeks")
    }
}

fn counts_row(out: &mut String, name: &str, c: &Counts, width: usize) -> std::fmt::Result {
    writeln!(
        out,
        "  {:<width$}  {:>8} {:>5} {:>9} {:>9} {:>9} {:>12} {:>5}",
        name,
        c.messages,
        c.alignment_asks,
        c.premature,
        c.decisions,
        c.confusion,
        c.disagreement,
        c.flags
    )
}

/// One line, at most [`TEXT_WIDTH`] characters.
fn shorten(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= TEXT_WIDTH {
        return line;
    }
    let cut: String = line.chars().take(TEXT_WIDTH - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_to_one_line() {
        assert_eq!(shorten("a\n  b"), "a b");
        let long = "word ".repeat(100);
        let short = shorten(&long);
        assert!(short.ends_with('…'));
        assert!(short.chars().count() <= TEXT_WIDTH);
    }
}
