//! The binary's offline commands, run as a user would.

use std::process::Command;

#[test]
fn check_prints_a_verdict_for_an_alignment_ask() {
    let output = Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
        .args(["check", "can we get aligned on the Q3 roadmap?"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("alignment_request"), "{stdout}");
}

#[test]
fn manifest_prints_json_with_request_urls_under_the_given_base() {
    let output = Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
        .args(["manifest", "--url", "https://bot.acme.dev"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let manifest: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(
        manifest["settings"]["event_subscriptions"]["request_url"],
        "https://bot.acme.dev/slack/events"
    );
}
