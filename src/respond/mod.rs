//! Everything the bot says: one renderer (`blocks`), Slack's Block Kit
//! limits that everything rendered is fitted to (`limits`), the one shape
//! of what the bot sends (`outgoing`), the Web API client (`slack_api`),
//! the one sender that empties the durable outbox (`outbox`), and the
//! buttons' and modals' ids and forms (`views`).

pub mod blocks;
pub mod limits;
pub mod outbox;
pub mod outgoing;
pub mod slack_api;
pub mod views;
