//! The Slack app manifest for this build: the scopes, bot events and request
//! URLs the running bot needs, so a workspace admin can create the app by
//! pasting one JSON document (api.slack.com/apps → Create New App → From a
//! manifest).

use crate::respond::views::RECORD_SHORTCUT;
use serde_json::{Value, json};

/// Used when `--url` is not given; Slack rejects it, so it is easy to spot.
pub const PLACEHOLDER_URL: &str = "https://clarity-bot.example.com";

/// The manifest with request URLs under `base_url`.
pub fn manifest(base_url: &str) -> Value {
    let base = base_url.trim_end_matches('/');
    json!({
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "clarity-bot",
            "description": "Asks which decision has been made before a team aligns on it.",
            "long_description": "When someone asks the channel to get aligned on something nobody has decided yet, clarity-bot asks once, briefly, in the thread, which decision has actually been made. Decision first, then alignment. It stays quiet on decided topics, on other senses of the words (layout, memory, sequences) and on votes, reviews and proposals.",
            "background_color": "#1d3557"
        },
        "features": {
            "bot_user": {"display_name": "clarity", "always_online": true},
            // The Home tab (decisions, open topics, channels); the Messages
            // tab shows the bot's reminders, read only.
            "app_home": {
                "home_tab_enabled": true,
                "messages_tab_enabled": true,
                "messages_tab_read_only_enabled": true
            },
            "shortcuts": [{
                "name": "Record as decision",
                "type": "message",
                "callback_id": RECORD_SHORTCUT,
                "description": "Record this message in the decision log"
            }],
            "slash_commands": [{
                "command": "/clarity",
                "url": format!("{base}/slack/commands"),
                "description": "Check a draft, record or find a decision, see what is undecided, or mute me",
                "usage_hint": "help | check <text> | decide <topic> :: <decision> | decisions [query] | status | digest | mute [30m|3 days|until monday] | forget [id]",
                "should_escape": false
            }]
        },
        "oauth_config": {
            // "Add to Slack" (multi-workspace mode) sends the browser back
            // here; one URL, so neither request needs to name it.
            "redirect_urls": [redirect_url(base)],
            "scopes": {
                "bot": crate::slack::BOT_SCOPES
            }
        },
        "settings": {
            "event_subscriptions": {
                "request_url": format!("{base}/slack/events"),
                "bot_events": [
                    "message.channels",
                    "message.groups",
                    // A channel's privacy changes: sharing is asked about
                    // again, group_* events name private channels.
                    "channel_shared",
                    "channel_unshared",
                    "group_archive",
                    "group_deleted",
                    "group_rename",
                    "group_unarchive",
                    // @clarity, the Home tab, and the bot joining or leaving
                    // a channel (the greeting; the Home tab's channel list).
                    "app_mention",
                    "app_home_opened",
                    "member_joined_channel",
                    "member_left_channel",
                    // What asks the bot to forget (docs/privacy.md): a
                    // deleted channel (group_deleted above: a private
                    // one), a person deactivated or erased, an uninstall.
                    "channel_deleted",
                    "user_change",
                    "app_uninstalled",
                    "tokens_revoked"
                ]
            },
            "interactivity": {
                "is_enabled": true,
                "request_url": format!("{base}/slack/interactions")
            },
            "org_deploy_enabled": false,
            "socket_mode_enabled": false,
            "token_rotation_enabled": false
        }
    })
}

/// Where Slack sends the browser back after "Add to Slack".
pub fn redirect_url(base_url: &str) -> String {
    format!("{}/slack/oauth_redirect", base_url.trim_end_matches('/'))
}

/// The manifest for Socket Mode: `socket_mode_enabled` and no request URLs
/// (Slack delivers events, commands and interactions over the websocket).
pub fn socket_mode_manifest() -> Value {
    let mut manifest = manifest(PLACEHOLDER_URL);
    if let Some(commands) = manifest
        .pointer_mut("/features/slash_commands")
        .and_then(Value::as_array_mut)
    {
        for command in commands.iter_mut().filter_map(Value::as_object_mut) {
            command.remove("url");
        }
    }
    if let Some(settings) = manifest.get_mut("settings").and_then(Value::as_object_mut) {
        for section in settings.values_mut().filter_map(Value::as_object_mut) {
            section.remove("request_url");
        }
        settings.insert("socket_mode_enabled".into(), Value::Bool(true));
    }
    // Socket Mode serves the one workspace it is installed in.
    if let Some(oauth) = manifest
        .get_mut("oauth_config")
        .and_then(Value::as_object_mut)
    {
        oauth.remove("redirect_urls");
    }
    manifest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_sit_under_the_base_url() {
        let manifest = manifest("https://bot.acme.dev/");
        assert_eq!(
            manifest["oauth_config"]["redirect_urls"],
            json!(["https://bot.acme.dev/slack/oauth_redirect"])
        );
        assert!(socket_mode_manifest()["oauth_config"]["redirect_urls"].is_null());
        assert_eq!(
            manifest["settings"]["event_subscriptions"]["request_url"],
            "https://bot.acme.dev/slack/events"
        );
        assert_eq!(
            manifest["features"]["slash_commands"][0]["url"],
            "https://bot.acme.dev/slack/commands"
        );
        assert_eq!(
            manifest["features"]["slash_commands"][0]["command"],
            "/clarity"
        );
        assert_eq!(
            manifest["settings"]["interactivity"]["request_url"],
            "https://bot.acme.dev/slack/interactions"
        );
    }

    #[test]
    fn the_bot_can_read_channels_and_post_in_threads() {
        let manifest = manifest(PLACEHOLDER_URL);
        let scopes = manifest["oauth_config"]["scopes"]["bot"]
            .as_array()
            .expect("scopes");
        for scope in [
            "channels:history",
            "groups:history",
            "chat:write",
            "commands",
        ] {
            assert!(scopes.iter().any(|s| s == scope), "{scope}");
        }
        let events = &manifest["settings"]["event_subscriptions"]["bot_events"];
        assert_eq!(events, &json!(EVENTS));
    }

    /// What the bot subscribes to: messages, what changes a channel's
    /// privacy, mentions, the Home tab, its own joins and leaves, and what
    /// asks it to forget.
    const EVENTS: [&str; 16] = [
        "message.channels",
        "message.groups",
        "channel_shared",
        "channel_unshared",
        "group_archive",
        "group_deleted",
        "group_rename",
        "group_unarchive",
        "app_mention",
        "app_home_opened",
        "member_joined_channel",
        "member_left_channel",
        "channel_deleted",
        "user_change",
        "app_uninstalled",
        "tokens_revoked",
    ];

    #[test]
    fn the_home_tab_the_shortcut_and_their_scopes_are_declared() {
        let manifest = manifest(PLACEHOLDER_URL);
        assert_eq!(manifest["features"]["app_home"]["home_tab_enabled"], true);
        let shortcut = &manifest["features"]["shortcuts"][0];
        assert_eq!(shortcut["type"], "message");
        assert_eq!(shortcut["name"], "Record as decision");
        assert_eq!(shortcut["callback_id"], RECORD_SHORTCUT);
        let scopes = manifest["oauth_config"]["scopes"]["bot"]
            .as_array()
            .expect("scopes");
        for scope in ["app_mentions:read", "users:read"] {
            assert!(scopes.iter().any(|s| s == scope), "{scope}");
        }
    }

    #[test]
    fn the_bot_can_ask_slack_whether_a_channel_is_private() {
        let manifest = manifest(PLACEHOLDER_URL);
        let scopes = manifest["oauth_config"]["scopes"]["bot"]
            .as_array()
            .expect("scopes");
        for scope in ["channels:read", "groups:read", "im:read", "mpim:read"] {
            assert!(scopes.iter().any(|s| s == scope), "{scope}");
        }
    }

    #[test]
    fn the_socket_mode_manifest_enables_it_and_names_no_url() {
        let manifest = socket_mode_manifest();
        assert_eq!(manifest["settings"]["socket_mode_enabled"], true);
        let text = manifest.to_string();
        assert!(!text.contains("http"), "{text}");
        assert!(!text.contains("request_url"), "{text}");
        assert_eq!(
            manifest["features"]["slash_commands"][0]["command"],
            "/clarity"
        );
        assert_eq!(
            manifest["settings"]["event_subscriptions"]["bot_events"],
            json!(EVENTS)
        );
        assert_eq!(
            manifest["oauth_config"]["scopes"],
            self::manifest(PLACEHOLDER_URL)["oauth_config"]["scopes"]
        );
    }
}
