//! Everything the bot says: one renderer (`blocks`, with the weekly digest's
//! sections in `digest`), every date and time it shows (`format`), Slack's Block Kit limits that everything rendered is
//! fitted to (`limits`), the one shape of what the bot sends (`outgoing`),
//! the one sender that empties the durable outbox (`outbox`), the
//! buttons' and modals' ids and forms (`views`), and the App Home tab
//! (`home`).

pub mod blocks;
pub mod digest;
pub mod format;
pub mod home;
pub mod limits;
pub mod outbox;
pub mod outgoing;
pub mod views;
