//! Thin entry point: parse the CLI, load settings, init logs, dispatch.
//! Exit codes: 0 clean, 1 findings, 2 error.

use clap::Parser;
use clarity_bot::cli::{Cli, Command};
use clarity_bot::settings::Settings;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => clarity_bot::evaluate::run_check(&args),
        Command::Eval(args) => clarity_bot::evaluate::run_eval(&args),
        Command::Train(args) => clarity_bot::train::run(&args),
        Command::Serve => run_async(serve),
        Command::Migrate => run_async(migrate),
        Command::Digest(args) => run_async(move |settings| {
            clarity_bot::jobs::digest::command(settings, args.channel, args.post)
        }),
        Command::Scan(args) => clarity_bot::scan::run(&args),
        Command::Purge(args) => {
            run_async(move |settings| clarity_bot::lifecycle::purge_command(settings, args.team))
        }
        Command::Manifest(args) => {
            let manifest = if args.socket_mode {
                clarity_bot::manifest::socket_mode_manifest()
            } else {
                let base = args
                    .url
                    .as_deref()
                    .unwrap_or(clarity_bot::manifest::PLACEHOLDER_URL);
                if args.url.is_none() {
                    eprintln!("note: no --url given; replace {base} with the bot's public URL");
                }
                eprintln!(
                    "note: for \"Add to Slack\" (SLACK_CLIENT_ID), Slack sends installers back to {} (oauth_config.redirect_urls)",
                    clarity_bot::manifest::redirect_url(base)
                );
                clarity_bot::manifest::manifest(base)
            };
            match serde_json::to_string_pretty(&manifest) {
                Ok(text) => {
                    println!("{text}");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("clarity-bot: {err}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Loads settings, starts logging and a Tokio runtime, and runs `job`.
fn run_async<F, Fut>(job: F) -> ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("clarity-bot: {err}");
            return ExitCode::from(2);
        }
    };
    clarity_bot::telemetry::init_logs(settings.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("clarity-bot: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(job(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("clarity-bot: {err:#}");
            ExitCode::from(2)
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = clarity_bot::startup::Application::build(settings).await?;
    app.run_until_stopped().await
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let store = clarity_bot::store::Store::open(&settings.database_url, 1).await?;
    // Leave no log behind: the SQLite file alone is the whole database.
    store
        .checkpoint_truncate()
        .await
        .context("while checkpointing the SQLite log")?;
    println!("migrations applied ({})", store.backend().name());
    Ok(())
}
