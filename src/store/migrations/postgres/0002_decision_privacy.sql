-- Whether a decision may be private (a private channel, group DM or DM):
-- such decisions are never shown outside their channel. Unknown counts as
-- private, so decisions stated in messages (whose channel's kind is not
-- recorded) stay in their channel; /clarity decide sets it from the payload.
ALTER TABLE decisions ADD COLUMN channel_private BIGINT NOT NULL DEFAULT 1;
CREATE INDEX decisions_team_time ON decisions (team_id, created_at);
