//! The weekly digest: what was asked, what was decided, what keeps coming
//! back. Sits beside the pipeline: it reads what the pipeline and
//! `/clarity` stored (flags, decisions, open questions) and posts through
//! the outbox like every other reply.
//!
//! - [`schedule`]: the `[digest]` settings' types, the cron slot and the
//!   ISO week in the configured zone (pure).
//! - [`query`]: the indexed SQL aggregations that fill a
//!   [`Digest`](crate::domain::digest::Digest) (its type is the domain's;
//!   `respond::digest` renders it, like everything the bot says).
//! - [`job`]: which digests a week gets, building them, the scheduled step
//!   [`job::run_due`], and what `clarity-bot digest` and `/clarity digest`
//!   call.
//!
//! Counts only: a digest never names the person who asked. A channel's
//! digest holds only that channel's rows; a summary only public channels'.

pub mod job;
pub mod query;
pub mod schedule;
