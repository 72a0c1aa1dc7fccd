-- After the decision (issue 17). A decision learns the thread it lives in
-- (its reception is read there), the decision it supersedes (the chain is
-- kept both ways: superseded_by on the old one, supersedes on the new one)
-- and when its owner kept it after it was reopened.
ALTER TABLE decisions ADD COLUMN thread_ts TEXT;
ALTER TABLE decisions ADD COLUMN supersedes INTEGER REFERENCES decisions (id);
ALTER TABLE decisions ADD COLUMN confirmed_at INTEGER;
ALTER TABLE decisions ADD COLUMN confirmed_by TEXT;
CREATE INDEX decisions_thread ON decisions (team_id, channel_id, thread_ts);

-- A decision's reception: a message in its thread, or about its topic in
-- its channel, read as confusion or disagreement. A link, never the text.
-- noted_at: when it went into the owner's daily note (or was passed over).
CREATE TABLE receptions (
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_ts TEXT NOT NULL,
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('confusion', 'disagreement')),
    permalink TEXT,
    created_at INTEGER NOT NULL,
    noted_at INTEGER,
    PRIMARY KEY (team_id, channel_id, message_ts)
);
CREATE INDEX receptions_due ON receptions (noted_at, created_at);
CREATE INDEX receptions_decision ON receptions (team_id, decision_id, created_at);

-- A reopened topic: the flag whose reply quoted the decision with *Keep the
-- decision* and *Supersede it*, and what became of it.
CREATE TABLE reopens (
    team_id TEXT NOT NULL,
    flag_id INTEGER NOT NULL REFERENCES flags (id),
    decision_id INTEGER NOT NULL REFERENCES decisions (id),
    outcome TEXT CHECK (outcome IN ('kept', 'superseded')),
    resolved_by TEXT,
    resolved_at INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, flag_id)
);
CREATE INDEX reopens_decision ON reopens (team_id, decision_id, created_at);

-- Whether a person gets the daily note on their decisions' reception
-- (user_id '' speaks for the whole workspace). No row: they do.
CREATE TABLE note_settings (
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    notes INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
