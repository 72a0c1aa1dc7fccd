//! Integration tests of the running bot: real HTTP, real SQLite and
//! PostgreSQL, fake Slack.

mod after;
mod commands;
mod digest;
mod feedback;
mod flags;
mod helpers;
mod home;
mod ingress;
mod install;
mod interactions;
mod lifecycle;
mod limits;
mod mute;
mod outage;
mod privacy;
mod readiness;
mod readme_path;
mod replicas;
mod resilience;
mod schema;
mod silence;
mod slow_clients;
mod socket_mode;
mod socket_support;
mod startup_log;
mod surfaces;
mod workspaces;
