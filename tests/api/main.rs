//! Integration tests of the running bot: real HTTP, real SQLite and
//! PostgreSQL, fake Slack.

mod commands;
mod digest;
mod flags;
mod helpers;
mod ingress;
mod replicas;
mod resilience;
