//! clarity-bot: notices when a team asks to align on something nobody has
//! decided yet, and asks once, in the thread, which decision has been made.
//!
//! Modules are listed in data-flow order (see `../shared/DESIGN.md`).

pub mod classify;
pub mod cli;
pub mod commands;
pub mod digest;
pub mod domain;
pub mod evaluate;
pub mod ingress;
pub mod interactions;
pub mod jobs;
pub mod manifest;
pub mod pipeline;
pub mod policy;
pub mod privacy;
pub mod reminders;
pub mod respond;
pub mod scan;
pub mod settings;
pub mod slack;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod train;
