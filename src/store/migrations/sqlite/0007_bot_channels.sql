-- The channels the bot is in (member_joined_channel / member_left_channel
-- for its own user), and when it greeted each: once per channel, ever, so
-- a row is never deleted when the bot leaves, only marked.
CREATE TABLE bot_channels (
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    member INTEGER NOT NULL,
    greeted_at INTEGER,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, channel_id)
);
