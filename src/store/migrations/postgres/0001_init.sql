-- clarity-bot schema (PostgreSQL). Times are Unix milliseconds; every table is
-- keyed by team_id first so one workspace never reads another's rows.

-- The inbox: every event_callback, persisted before it is acknowledged.
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    team_id TEXT NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    received_at BIGINT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX events_pending ON events (state, locked_until, id);

-- Every assessment above a low floor, posted or not (the digest counts them).
CREATE TABLE flags (
    id BIGSERIAL PRIMARY KEY,
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    message_ts TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    premature BIGINT NOT NULL,
    topic TEXT,
    score DOUBLE PRECISION NOT NULL,
    reasons TEXT NOT NULL,
    decided_by TEXT,
    posted BIGINT NOT NULL DEFAULT 0,
    suppressed TEXT,
    reply_ts TEXT,
    feedback TEXT CHECK (feedback IN ('helpful', 'not_alignment')),
    created_at BIGINT NOT NULL,
    UNIQUE (team_id, channel_id, message_ts)
);
-- At most one posted flag per thread, whatever replicas race.
CREATE UNIQUE INDEX flags_one_posted_per_thread ON flags (team_id, channel_id, thread_ts) WHERE posted = 1;
CREATE INDEX flags_channel_time ON flags (team_id, channel_id, posted, created_at);
CREATE INDEX flags_user_time ON flags (team_id, user_id, posted, created_at);

CREATE TABLE decisions (
    id BIGSERIAL PRIMARY KEY,
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    decision TEXT NOT NULL,
    owner TEXT,
    reasoning TEXT,
    permalink TEXT,
    source_ts TEXT,
    recorded_by TEXT,
    superseded_by BIGINT REFERENCES decisions (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX decisions_channel ON decisions (team_id, channel_id, id);
CREATE UNIQUE INDEX decisions_source ON decisions (team_id, channel_id, source_ts) WHERE source_ts IS NOT NULL;

-- Thread roots and decision statements the bot has seen (retention applies).
CREATE TABLE thread_context (
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    thread_ts TEXT NOT NULL,
    root_text TEXT,
    decisions TEXT NOT NULL DEFAULT '[]',
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (team_id, channel_id, thread_ts)
);
CREATE INDEX thread_context_last_seen ON thread_context (last_seen);

CREATE TABLE open_questions (
    id BIGSERIAL PRIMARY KEY,
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    owner TEXT,
    due_date TEXT,
    flag_id BIGINT REFERENCES flags (id),
    reminded_at BIGINT,
    closed_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE channel_settings (
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    monitored BIGINT NOT NULL DEFAULT 1,
    muted_until BIGINT,
    sensitivity DOUBLE PRECISION,
    reply_mode TEXT,
    PRIMARY KEY (team_id, channel_id)
);

-- Replies leave through here: one row per Slack call, claimed by the sender.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    team_id TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    method TEXT NOT NULL,
    payload TEXT NOT NULL,
    flag_id BIGINT REFERENCES flags (id),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    -- claims > settled + 1 on a claim: an earlier claim ended without an
    -- outcome (a crash mid-call), so the call may already have reached Slack.
    claims BIGINT NOT NULL DEFAULT 0,
    settled BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT,
    response_ts TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);

CREATE TABLE digests (
    team_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    iso_week TEXT NOT NULL,
    posted_at BIGINT,
    message_ts TEXT,
    PRIMARY KEY (team_id, channel_id, iso_week)
);
