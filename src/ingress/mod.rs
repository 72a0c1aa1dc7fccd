//! Slack wire → domain. `http` serves the Events API over HTTP; the writer
//! persists events (group commit) before they are acknowledged.

pub mod http;
pub mod message;
pub mod writer;
