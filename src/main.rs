//! Thin entry point: parse the CLI and dispatch.

use clap::Parser;
use clarity_bot::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => clarity_bot::evaluate::run_check(&args),
        Command::Eval(args) => clarity_bot::evaluate::run_eval(&args),
        other => {
            eprintln!("{other:?}: not available in this build yet");
            ExitCode::from(2)
        }
    }
}
