//! Slack wire → domain. `http` serves the Events API over HTTP, `socket`
//! receives the same over Socket Mode; the writer persists events (group
//! commit) before either acknowledges them.

pub mod http;
pub mod message;
pub mod socket;
pub mod writer;
