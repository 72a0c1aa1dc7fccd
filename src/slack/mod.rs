//! The Slack edge, both ways out: the Web API client every call goes
//! through (`api`: typed, counted, with the bot token kept secret), and the
//! `response_url` a command or a click hands over (`response_url`). Every
//! URL comes from settings, so tests point them at a fake Slack on
//! 127.0.0.1. `oauth` trades an install's code (or a
//! refresh token) for tokens; `token_key` seals them for the database;
//! `authorizations` lists every installation an event shared between
//! workspaces is visible to.

pub mod api;
pub mod authorizations;
pub mod oauth;
pub mod response_url;
pub mod token_key;

/// The bot scopes the app asks for: the manifest's, and what "Add to
/// Slack" asks a workspace to grant.
pub const BOT_SCOPES: &[&str] = &[
    // Read messages in the public and private channels the bot is in.
    "channels:history",
    "groups:history",
    // Post the threaded question.
    "chat:write",
    // Answer /clarity.
    "commands",
    // Ask Slack whether a channel is private (conversations.info)
    // where no event said so: public and private channels,
    // DMs and group DMs (/clarity works in each). Without
    // them every such channel counts as private.
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    // Answer @clarity (app_mention).
    "app_mentions:read",
    // `[mute] who` other than "anyone", and `/clarity forget` by
    // someone else than the recorder: whether the person is a workspace
    // admin or owner (users.info); and user_change, to forget what a
    // deactivated or erased person wrote.
    "users:read",
];
