//! The README's sandbox step, run as written: the `clarity-bot serve`
//! command of its Socket Mode section, with the variables it names (tokens
//! for the fake Slack) and nothing else but the test's port and Slack URL,
//! from a folder of its own, answers an ask in the thread and keeps its
//! data where the README says.

use crate::helpers::*;
use crate::socket_support::*;

/// The README's Socket Mode start command: (variables it sets, arguments).
fn readme_socket_mode_command() -> (Vec<String>, Vec<String>) {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Try it in a sandbox workspace"))
        .expect("the README has a sandbox section");
    let line = section
        .lines()
        .map(str::trim)
        .find(|l| l.contains("clarity-bot serve"))
        .expect("the sandbox section starts the bot");
    let words: Vec<&str> = line.split_whitespace().collect();
    let program = words
        .iter()
        .position(|w| *w == "clarity-bot")
        .expect("the command runs clarity-bot");
    let variables = words[..program]
        .iter()
        .map(|w| w.split_once('=').expect("VAR=value").0.to_string())
        .collect();
    let args = words[program + 1..].iter().map(|w| w.to_string()).collect();
    (variables, args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_sandbox_command_answers_an_ask_in_socket_mode() {
    let (variables, args) = readme_socket_mode_command();
    assert_eq!(variables, ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"]);
    let slack = FakeSlack::start().await;
    let mut socket = FakeSocket::start().await;
    slack.serve_socket_mode(&socket.url);
    let folder = tempfile::tempdir().expect("a folder to run in");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clarity-bot"));
    command
        .args(&args)
        .current_dir(folder.path())
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_APP_TOKEN", APP_TOKEN)
        // The test's own: a free port, and the fake Slack for slack.com.
        .env("CLARITY_BIND", "127.0.0.1:0")
        .env("SLACK_API_URL", &slack.base_url);
    for unset in ["SLACK_SIGNING_SECRET", "DATABASE_URL", "CLARITY_CONFIG"] {
        command.env_remove(unset);
    }
    let _bot = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(crate::resilience::Bot)
        .expect("the binary starts");

    let mut slack_side = socket.next_greeted_connection().await;
    let ts = "1700000900.000100";
    let ask = "before we go further we need to get aligned on the Q3 roadmap";
    slack_side
        .send(&events_envelope("env-readme", "EvReadme", "C111", ts, ask))
        .await;
    slack_side.ack("env-readme").await;
    wait_for("the threaded reply", || async { !slack.posts().is_empty() }).await;
    let reply = &slack.posts()[0];
    assert_eq!(reply["thread_ts"], ts);
    let blocks = reply["blocks"].to_string();
    assert!(
        blocks.contains("which decision has actually been made?"),
        "{blocks}"
    );
    assert!(blocks.contains("Record the decision"), "{blocks}");
    assert!(
        folder.path().join("data/clarity.db").exists(),
        "the README says the data is in data/clarity.db"
    );
}
