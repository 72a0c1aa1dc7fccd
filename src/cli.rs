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
    /// Runs the bot: the HTTP listener, and Socket Mode when SLACK_APP_TOKEN is set.
    Serve,
    /// Assesses TEXT (or each line of stdin) and explains why.
    Check(CheckArgs),
    /// Precision, recall, F1 and the confusion matrix on a labeled corpus.
    Eval(EvalArgs),
    /// Applies database migrations (serve also does).
    Migrate,
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
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// A JSON-lines corpus: {"id", "text", "label", "thread"?, "decisions"?}.
    #[arg(long, value_name = "FILE")]
    pub corpus: PathBuf,
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
