-- Keep little, forget on request (DESIGN.md, principle 8).
--
-- A worked inbox row is deleted, payload and all; only its event id stays
-- here, so a retry Slack sends after the event was worked is still known
-- and adds nothing. Kept for [retention] inbox_days (Slack retries within
-- minutes).
CREATE TABLE seen_events (
    event_id TEXT NOT NULL PRIMARY KEY,
    team_id TEXT NOT NULL,
    seen_at INTEGER NOT NULL
);
CREATE INDEX seen_events_time ON seen_events (seen_at);
CREATE INDEX seen_events_team ON seen_events (team_id);
-- Rows earlier versions kept after working them go now.
DELETE FROM events WHERE state = 'done';
-- Failed rows are deleted after [retention] inbox_days.
CREATE INDEX events_received ON events (state, received_at);

-- Workspaces that uninstalled the app (app_uninstalled, or tokens_revoked
-- for the bot): nothing more is posted for them, their events are dropped,
-- and their data goes once [retention] uninstall_grace_days have passed
-- (purged_at). The row itself stays, so what arrives later is dropped too,
-- until the bot starts with a token for that workspace again.
CREATE TABLE uninstalled_teams (
    team_id TEXT NOT NULL PRIMARY KEY,
    uninstalled_at INTEGER NOT NULL,
    purged_at INTEGER
);

-- Who wrote a thread's root, so an erased person's roots can be forgotten.
-- Unknown (NULL) for roots remembered before.
ALTER TABLE thread_context ADD COLUMN root_user TEXT;
CREATE INDEX thread_context_root_user ON thread_context (team_id, root_user);
