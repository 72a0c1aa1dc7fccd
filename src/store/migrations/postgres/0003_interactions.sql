-- Open questions (a flag's "No decision yet"): at most one open per flag,
-- whatever double clicks or replicas do; the channel's list for /clarity
-- status; and the reminder sweep's due rows.
CREATE UNIQUE INDEX open_questions_one_per_flag ON open_questions (team_id, flag_id)
    WHERE flag_id IS NOT NULL AND closed_at IS NULL;
CREATE INDEX open_questions_channel ON open_questions (team_id, channel_id, closed_at);
CREATE INDEX open_questions_due ON open_questions (closed_at, reminded_at, due_date);

-- Whether the flagged message's channel may be private (as for decisions:
-- unknown counts as private). A decision recorded from the flag's button
-- inherits it, so a public channel's decision is findable elsewhere and a
-- private one's never is.
ALTER TABLE flags ADD COLUMN channel_private BIGINT NOT NULL DEFAULT 1;
