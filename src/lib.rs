//! clarity-bot: notices when a team asks to align on something nobody has
//! decided yet, and asks once, in the thread, which decision has been made.
//!
//! Modules are listed in data-flow order: how the bot starts, how Slack's
//! payloads come in, the pure core that judges them, the handlers that
//! decide what to do, and the edges everything leaves through; then the
//! offline tools. `ARCHITECTURE.md` is the map; `../shared/DESIGN.md` the
//! contract.

// ---- start-up ----
// the command line
pub mod cli;
// `config/clarity.toml` and the environment
pub mod settings;
// logs and metrics
pub mod telemetry;
// one build path for production and tests; serves until stopped
pub mod startup;
// the registry of background steps and the loops around them
pub mod jobs;
// what handlers and jobs share
pub mod state;
// which token speaks for which workspace: one, or each installation's
pub mod workspaces;

// ---- in: Slack → our types, decoded once ----
// HTTP and Socket Mode, the decoder, the inbox writer
pub mod ingress;
// our types: events, interactions, messages, assessments, digests
pub mod domain;

// ---- the pure core ----
// the classifier: text, thread and decisions in, an assessment out
pub mod classify;
// the noise policy: whether a premature ask is posted
pub mod policy;
// how long what is stored is kept
pub mod retention;

// ---- the handlers: decide, then act ----
// the inbox step: an event to a stored flag and its queued reply
pub mod pipeline;
// `/clarity`
pub mod commands;
// the buttons and the modals
pub mod interactions;
// "Add to Slack": the install link and Slack's redirect back
pub mod install;
// `@clarity …`: help, and questions for the decision log
pub mod mentions;
// joining a channel: the greeting, once ever
pub mod greeting;
// the App Home tab
pub mod home;
// open questions' owners, reminded once
pub mod reminders;
// a decision's confusion and disagreement, noted to its owner once a day
pub mod reception;
// the weekly digest
pub mod digest;
// forgetting what Slack or a person asks it to forget; retention
pub mod lifecycle;
// a channel's privacy, one way for every handler
pub mod privacy;
// muting a channel: who may, and the line the channel sees
pub mod mute;

// ---- out: what the bot says, and the edges ----
// one renderer, one shape of outgoing message, one sender
pub mod respond;
// the Slack Web API and response URLs
pub mod slack;
// the database
pub mod store;

// ---- offline, on the same core ----
// `check` and `eval`
pub mod evaluate;
// `train`
pub mod train;
// `scan`: a Slack export, offline
pub mod scan;
// `manifest`: the Slack app manifest
pub mod manifest;
