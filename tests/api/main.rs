//! Integration tests of the running bot: real HTTP, real SQLite, fake Slack.

mod commands;
mod flags;
mod helpers;
mod ingress;
mod resilience;
