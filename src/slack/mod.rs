//! The Slack edge, both ways out: the Web API client every call goes
//! through (`api`: typed, counted, with the bot token kept secret), and the
//! `response_url` a command or a click hands over (`response_url`). Every
//! URL comes from settings, so tests point them at a fake Slack on
//! 127.0.0.1.

pub mod api;
pub mod response_url;
