//! Everything the bot says: one renderer (`blocks`), the Web API client
//! (`slack_api`) and the durable outbox sender (`outbox`).

pub mod blocks;
pub mod outbox;
pub mod slack_api;
