//! Everything the bot says: one renderer (`blocks`), Slack's Block Kit
//! limits that everything rendered is fitted to (`limits`), the Web API
//! client (`slack_api`), the durable outbox sender (`outbox`), and the
//! buttons' and modals' ids and forms (`views`).

pub mod blocks;
pub mod limits;
pub mod outbox;
pub mod slack_api;
pub mod views;
