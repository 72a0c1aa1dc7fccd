//! `clarity-bot scan`: replays a Slack export offline through the same
//! classifier and noise policy as the live bot, and reports what the bot
//! would have said.
//!
//! Flow: [`export`] lists the conversations and members → [`replay`] runs
//! each conversation in time order, conversations in parallel (rayon) →
//! [`scan`] merges them into a [`report::Report`], reads what to do next
//! off it and, with `--digests`, builds the weekly digests ([`digests`]) →
//! [`text`], JSON or [`html`] renders it ([`slack`] draws what the bot
//! would post). [`run`] is the command: exit 0 clean, 1 findings (flags the
//! bot would have posted), 2 when nothing could be read.

pub mod digests;
pub mod export;
pub mod html;
pub mod replay;
pub mod report;
pub mod slack;
pub mod text;

use crate::classify::Classifier;
use crate::cli::{ScanArgs, ScanFormat};
use crate::policy::NoisePolicy;
use export::{Export, OpenError, Problem};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use rayon::prelude::*;
use replay::{Outcome, Shared};
use report::{Counts, RecurringTopic, Report};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// What to scan and how much of it.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub path: PathBuf,
    /// First and last day (UTC, inclusive) to report on.
    pub since: Option<Date>,
    pub until: Option<Date>,
    /// Conversation names or ids to scan; all when empty.
    pub channels: Vec<String>,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Parse each conversation's day files in parallel too; `None` decides
    /// by how the export is spread over conversations.
    pub parse_ahead: Option<bool>,
    /// Name the author of each flag.
    pub names: bool,
    /// Add the weekly digests the bot would have posted.
    pub digests: bool,
}

/// Why a scan produced no report.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("{path}: no conversation named {names} (the export has: {known})")]
    UnknownChannels {
        path: String,
        names: String,
        known: String,
    },
    #[error("{path}: none of its {files} day files could be read")]
    NothingRead { path: String, files: usize },
    #[error("--since {since} is after --until {until}")]
    EmptyPeriod { since: Date, until: Date },
}

/// Scans an export and builds the report. Problems with single files are in
/// the report; only an export that cannot be read at all is an error.
pub fn scan(
    options: &ScanOptions,
    classifier: &Classifier,
    policy: &NoisePolicy,
) -> Result<Report, ScanError> {
    if let (Some(since), Some(until)) = (options.since, options.until)
        && since > until
    {
        return Err(ScanError::EmptyPeriod { since, until });
    }
    let shown = options.path.display().to_string();
    let mut export = Export::open(&options.path)?;
    let (mut conversations, mut problems) = export.conversations()?;
    let (members, member_problems) = export.members();
    problems.extend(member_problems);

    if !options.channels.is_empty() {
        let wanted: Vec<&str> = options
            .channels
            .iter()
            .map(|c| c.trim_start_matches('#'))
            .collect();
        let unknown: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|w| !conversations.iter().any(|c| c.name == *w || c.id == *w))
            .collect();
        if !unknown.is_empty() {
            return Err(ScanError::UnknownChannels {
                path: shown,
                names: unknown.join(", "),
                known: {
                    let names: Vec<&str> = conversations
                        .iter()
                        .take(20)
                        .map(|c| c.name.as_str())
                        .collect();
                    let more = conversations.len().saturating_sub(names.len());
                    if more > 0 {
                        format!("{}, and {more} more", names.join(", "))
                    } else {
                        names.join(", ")
                    }
                },
            });
        }
        conversations.retain(|c| wanted.iter().any(|w| c.name == *w || c.id == *w));
    }

    // A direct message has no name: with --names, call it after the people
    // in it. Without, direct and group messages go by their ids, since
    // their names are their members' (`mpdm-ana--ben--chen-1`).
    for conversation in &mut conversations {
        if !conversation.visibility.is_direct() {
            continue;
        }
        if !options.names {
            conversation.name = conversation.id.clone();
        } else if conversation.visibility == export::Visibility::Dm
            && !conversation.members.is_empty()
        {
            let names: Vec<&str> = conversation
                .members
                .iter()
                .map(|id| {
                    members
                        .get(id)
                        .map_or(id.as_str(), |m| m.display_name.as_str())
                })
                .collect();
            conversation.name = names.join(" & ");
        }
    }

    let files: usize = conversations.iter().map(|c| c.days.len()).sum();
    let bar = if options.progress {
        let bar = ProgressBar::new(files as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} scanning {pos}/{len} day files [{bar:30}] {elapsed_precise} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let tick = || bar.inc(1);
    // When one conversation holds more than a core's share of the export,
    // conversations alone cannot keep the cores busy.
    let largest = conversations
        .iter()
        .map(|c| c.days.len())
        .max()
        .unwrap_or(0);
    let parse_ahead = options
        .parse_ahead
        .unwrap_or(largest * rayon::current_num_threads() > files);
    let shared = Shared {
        classifier,
        policy,
        members: &members,
        since: options.since,
        until: options.until,
        on_day_file: &tick,
        parse_ahead,
        names: options.names,
        digests: options.digests,
    };
    // Big conversations first, so one long tail does not keep a core idle.
    let mut order: Vec<usize> = (0..conversations.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(conversations[i].days.len()));
    let mut outcomes: Vec<(usize, Outcome)> = order
        .into_par_iter()
        .map(|i| (i, replay::replay(&conversations[i], &export, &shared)))
        .collect();
    bar.finish_and_clear();
    outcomes.sort_by_key(|(i, _)| *i);

    if files > 0 && !outcomes.iter().any(|(_, o)| o.read_any) {
        return Err(ScanError::NothingRead { path: shown, files });
    }
    let mut public = digests::PublicHistory::default();
    let mut report = merge(
        Report::empty(shown, options.since, options.until),
        outcomes.into_iter().map(|(_, mut o)| {
            if options.digests && o.summary.visibility == export::Visibility::Public {
                public.add(&mut o);
            }
            o
        }),
        // Without a users file, one problem says so; not one per person.
        !members.is_empty(),
    );
    problems.append(&mut report.problems);
    problems.sort();
    report.problems = problems;
    report.next = report::next_steps(&report);
    if options.digests {
        report.digests = public.weekly_digests(&report.weeks);
    }
    Ok(report)
}

/// Merges the conversations' outcomes, in the order given, into the report.
fn merge(
    mut report: Report,
    outcomes: impl Iterator<Item = Outcome>,
    report_missing_users: bool,
) -> Report {
    let mut weeks: BTreeMap<Date, Counts> = BTreeMap::new();
    let mut unknown_subtypes: BTreeMap<String, (u64, String)> = BTreeMap::new();
    let mut missing_users: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for outcome in outcomes {
        report.totals += outcome.summary.counts;
        for (week, counts) in outcome.weeks {
            *weeks.entry(week).or_default() += counts;
        }
        // A private conversation's topics are its content: they stay out.
        if outcome.summary.visibility == export::Visibility::Public {
            for (topic, tally) in outcome.topics {
                if tally.asks >= 2 {
                    report.recurring_topics.push(RecurringTopic {
                        topic,
                        channel: outcome.summary.name.clone(),
                        asks: tally.asks,
                        dates: tally.dates,
                        decided_on: tally.decided_on,
                    });
                }
            }
        }
        report.flags.extend(outcome.flags);
        for (reason, n) in outcome.suppressed {
            *report.suppressed.entry(reason.to_owned()).or_default() += n;
        }
        report.problems.extend(outcome.problems);
        for (subtype, (n, file)) in outcome.unknown_subtypes {
            let entry = unknown_subtypes.entry(subtype).or_insert((0, file));
            entry.0 += n;
        }
        for (user, (n, file)) in outcome.missing_users {
            let entry = missing_users.entry(user).or_insert((0, file));
            entry.0 += n;
        }
        report.first_day = min_some(report.first_day, outcome.first_day);
        report.last_day = match (report.last_day, outcome.last_day) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        report.channels.push(outcome.summary);
    }
    report.weeks = report::week_series(&weeks);
    report.recurring_topics.sort_by(|a, b| {
        b.asks
            .cmp(&a.asks)
            .then_with(|| a.topic.cmp(&b.topic))
            .then_with(|| a.channel.cmp(&b.channel))
    });
    report.flags.sort_by(|a, b| {
        let key = |ts: &str| replay::parse_ts(ts).unwrap_or_default();
        key(&a.ts)
            .cmp(&key(&b.ts))
            .then_with(|| a.channel.cmp(&b.channel))
    });
    for (subtype, (n, file)) in unknown_subtypes {
        report.problems.push(Problem {
            file,
            message: format!(
                "unknown message subtype \"{subtype}\" ({n} message(s) in all); counted, not assessed"
            ),
        });
    }
    for (user, (n, file)) in missing_users.into_iter().filter(|_| report_missing_users) {
        report.problems.push(Problem {
            file,
            message: format!(
                "user {user} is not in users.json ({n} message(s) in all); shown by id or message profile"
            ),
        });
    }
    report
}

fn min_some(a: Option<Date>, b: Option<Date>) -> Option<Date> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Renders the report in the chosen format.
pub fn render(report: &Report, format: ScanFormat) -> String {
    match format {
        ScanFormat::Text => text::render(report),
        ScanFormat::Json => {
            let mut json = serde_json::to_string_pretty(report)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            json.push('\n');
            json
        }
        ScanFormat::Html => html::render(report),
    }
}

/// Writes the report in the chosen format. JSON is streamed, so a report
/// with many flags is never held twice.
pub fn write_report(
    report: &Report,
    format: ScanFormat,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match format {
        ScanFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            out.write_all(b"\n")
        }
        ScanFormat::Text | ScanFormat::Html => out.write_all(render(report, format).as_bytes()),
    }
}

/// The `scan` command: scan, render, write, and say how it went.
pub fn run(args: &ScanArgs) -> ExitCode {
    let options = ScanOptions {
        path: args.path.clone(),
        since: args.since,
        until: args.until,
        channels: args.channel.clone(),
        progress: std::io::stderr().is_terminal(),
        parse_ahead: None,
        names: args.names,
        digests: args.digests,
    };
    let classifier = Classifier::builtin();
    let policy = NoisePolicy::default();
    let report = match scan(&options, &classifier, &policy) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for problem in &report.problems {
        eprintln!("warning: {}: {}", problem.file, problem.message);
    }
    match &args.output {
        Some(path) => {
            let written = std::fs::File::create(path).and_then(|file| {
                let mut out = std::io::BufWriter::new(file);
                write_report(&report, args.format, &mut out)?;
                out.flush()
            });
            if let Err(e) = written {
                eprintln!("error: {}: cannot write the report: {e}", path.display());
                return ExitCode::from(2);
            }
            eprintln!(
                "wrote {} ({} messages, {} flags the bot would have posted)",
                path.display(),
                report.totals.messages,
                report.totals.flags
            );
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = write_report(&report, args.format, &mut stdout).and_then(|()| stdout.flush());
        }
    }
    if report.has_findings() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
