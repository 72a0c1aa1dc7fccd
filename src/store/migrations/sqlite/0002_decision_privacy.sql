-- Whether a decision was recorded in a private channel (or a DM): such
-- decisions are never shown outside their channel.
ALTER TABLE decisions ADD COLUMN channel_private INTEGER NOT NULL DEFAULT 0;
CREATE INDEX decisions_team_time ON decisions (team_id, created_at);
