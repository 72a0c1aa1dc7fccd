//! The command line: one clap derive tree for every subcommand in DESIGN.md.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "clarity-bot",
    version,
    about = "Asks which decision has been made before a team aligns on it"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the bot: the Events API over HTTP, and Socket Mode when SLACK_APP_TOKEN is set, with its inbox and outbox workers.
    Serve,
    /// Assesses TEXT (or each line of stdin) and explains why.
    Check(CheckArgs),
    /// Precision, recall, F1 and the confusion matrix on a labeled corpus.
    Eval(EvalArgs),
    /// Analyses a Slack export (zip or folder) offline: what the bot would have said.
    Scan(ScanArgs),
    /// Prints the Slack app manifest (JSON) for this build.
    Manifest(ManifestArgs),
    /// Applies database migrations (serve also does).
    Migrate,
    /// Renders the weekly digest now (text, then Block Kit JSON); posts it only with --post.
    Digest(DigestArgs),
    /// Fits the learned scorer's weights on labelled corpora, deterministically.
    Train(TrainArgs),
    /// Deletes everything stored for a workspace (its events, flags, decisions, threads, settings and queued messages).
    Purge(PurgeArgs),
}

#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// The workspace's team id (T0123ABCD).
    #[arg(long, value_name = "ID", value_parser = parse_team)]
    pub team: String,
}

/// A team id as Slack writes it: `T` and letters or digits.
fn parse_team(text: &str) -> Result<String, String> {
    let valid = text.len() >= 2
        && text.starts_with('T')
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{text}` is not a team id; expected T followed by capital letters and digits, such as T0123ABCD"
        ))
    }
}

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// A JSON-lines corpus to learn from; repeat for more. Never the lockbox.
    #[arg(long, value_name = "FILE", required = true)]
    pub corpus: Vec<PathBuf>,
    /// Where to write the weights (the built-in ones are config/scorer.tsv).
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct DigestArgs {
    /// Renders only this channel's digest (a channel id such as C0123ABCD).
    #[arg(long, value_name = "ID", value_parser = parse_channel)]
    pub channel: Option<String>,
    /// Posts each digest not yet posted for the week (needs SLACK_BOT_TOKEN);
    /// a week's digest is posted once, whoever posts it.
    #[arg(long)]
    pub post: bool,
}

fn parse_channel(text: &str) -> Result<String, String> {
    crate::digest::schedule::ChannelId::try_from(text.to_string()).map(|id| id.as_str().to_string())
}

#[derive(Debug, clap::Args)]
pub struct ManifestArgs {
    /// The bot's public base URL; request URLs are BASE/slack/events and so on.
    #[arg(long, value_name = "BASE")]
    pub url: Option<String>,
    /// For Socket Mode (SLACK_APP_TOKEN): Slack delivers over a websocket the
    /// bot opens, so the manifest has no request URLs.
    #[arg(long, conflicts_with = "url")]
    pub socket_mode: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Messages to assess; without any, each line of stdin is one message.
    pub text: Vec<String>,
    /// Prints one JSON object per message.
    #[arg(long)]
    pub json: bool,
    /// Uses this rules file instead of the built-in rules.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Uses this weights file instead of the built-in scorer.
    #[arg(long, value_name = "FILE", conflicts_with = "rules_only")]
    pub scorer: Option<PathBuf>,
    /// The rules alone decide, without the learned scorer.
    #[arg(long)]
    pub rules_only: bool,
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// A JSON-lines corpus: {"id", "text", "label", "thread"?, "decisions"?};
    /// repeat for more (they are read as one).
    #[arg(long, value_name = "FILE", required = true)]
    pub corpus: Vec<PathBuf>,
    /// Uses this weights file instead of the built-in scorer.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["rules_only", "cross_validate"])]
    pub scorer: Option<PathBuf>,
    /// The rules alone decide, without the learned scorer.
    #[arg(long)]
    pub rules_only: bool,
    /// Instead of the built-in scorer, K scorers each trained (as `train`
    /// does) on all folds but one and judged on that one; folds group items
    /// by source.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u16).range(2..=20), conflicts_with = "rules_only")]
    pub cross_validate: Option<u16>,
    /// Prints one JSON object with the figures.
    #[arg(long)]
    pub json: bool,
    /// Lists every misclassified item with its text and reasons.
    #[arg(long)]
    pub errors: bool,
    /// Uses this rules file instead of the built-in rules.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// A Slack export: the zip file or its unpacked folder.
    pub path: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Writes the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Reports only on messages from this day on (UTC, YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<jiff::civil::Date>,
    /// Reports only on messages up to this day (UTC, YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE")]
    pub until: Option<jiff::civil::Date>,
    /// Scans only this channel (name or id); repeat for more.
    #[arg(long, value_name = "NAME")]
    pub channel: Vec<String>,
    /// Names the author of each ask the bot would have answered (hidden by
    /// default: like the digest, the report names no one).
    #[arg(long)]
    pub names: bool,
    /// Adds the weekly digests the bot would have posted, one per week (a
    /// summary of the public channels), as the digest renders them.
    #[arg(long)]
    pub digests: bool,
}

/// How `scan` writes its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
    /// One self-contained HTML file.
    Html,
}
