//! Thin entry point: parse the CLI and dispatch.

use clap::Parser;
use clarity_bot::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => {
            let classifier = clarity_bot::classify::Classifier::builtin();
            for text in &args.text {
                let assessment = classifier.assess(text, &Default::default());
                println!("{}", serde_json::to_string(&assessment).unwrap_or_default());
            }
            ExitCode::SUCCESS
        }
        Command::Scan(args) => clarity_bot::scan::run(&args),
        other => {
            eprintln!("{other:?}: not available in this build yet");
            ExitCode::from(2)
        }
    }
}
