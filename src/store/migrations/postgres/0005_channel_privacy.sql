-- What Slack last said about each channel's privacy (an event's
-- channel_type, or conversations.info). A channel without a row here is of
-- unknown privacy and counts as private: its decisions stay inside it and
-- summaries leave it out. Rows recorded by earlier versions, which guessed
-- privacy from the shape of the channel id, are corrected the first time
-- the channel is seen (private wins).
CREATE TABLE channels (
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    private BIGINT NOT NULL,
    checked_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, channel_id)
);
