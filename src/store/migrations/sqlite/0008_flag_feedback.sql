-- Feedback on a flag, one row per person: "This helped" or "Not an
-- alignment request", and the one-line reason they may give. A second
-- click by the same person changes their row, never adds one.
CREATE TABLE flag_feedback (
    team_id TEXT NOT NULL,
    flag_id INTEGER NOT NULL REFERENCES flags (id),
    user_id TEXT NOT NULL,
    feedback TEXT NOT NULL,
    reason TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, flag_id, user_id)
);
