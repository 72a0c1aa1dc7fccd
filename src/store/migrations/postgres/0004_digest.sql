-- The weekly digest. A summary of public channels must never count a
-- private channel's asks: it reads flags.channel_private (added in 0003;
-- unknown counts as private, so older flags stay out of summaries).

-- The digest's aggregations read one channel's week, or one topic's
-- history, through these instead of scanning the table.
CREATE INDEX flags_digest_week ON flags (team_id, channel_id, created_at, kind, premature, posted, feedback);
CREATE INDEX flags_digest_topic ON flags (team_id, channel_id, topic, created_at);
CREATE INDEX flags_time ON flags (created_at, team_id, channel_id, channel_private);
CREATE INDEX decisions_channel_time ON decisions (team_id, channel_id, created_at);
CREATE INDEX decisions_time ON decisions (created_at, team_id, channel_id, channel_private);
CREATE INDEX decisions_channel_topic ON decisions (team_id, channel_id, LOWER(topic), created_at);

-- Which outbox row carries a week's digest: when it is sent, the digest
-- learns its posted_at and message_ts.
ALTER TABLE digests ADD COLUMN outbox_id BIGINT REFERENCES outbox (id);
CREATE INDEX digests_outbox ON digests (outbox_id);
