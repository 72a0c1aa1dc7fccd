-- "Add to Slack" (multi-workspace mode): one row per installation, keyed
-- by (enterprise_id, team_id); '' where Slack names none: enterprise_id
-- outside Enterprise Grid, team_id for an org-wide install. Tokens are
-- ciphertext (CLARITY_TOKEN_KEY, see slack::token_key), never plain.
-- expires_at (ms) is set with token rotation; needs_reinstall once Slack
-- refused a refresh: nothing is sent for it until it is installed again.
CREATE TABLE installations (
    enterprise_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    org_wide BIGINT NOT NULL,
    bot_user_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    installer_user_id TEXT NOT NULL,
    bot_token TEXT NOT NULL,
    refresh_token TEXT,
    expires_at BIGINT,
    needs_reinstall BIGINT NOT NULL DEFAULT 0,
    installed_at BIGINT NOT NULL,
    refreshed_at BIGINT,
    PRIMARY KEY (enterprise_id, team_id)
);
CREATE INDEX installations_team ON installations (team_id);

-- The install link's state nonces, each bound to a browser by a cookie,
-- taken once, and good for ten minutes (expires_at, ms).
CREATE TABLE oauth_states (
    state TEXT NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

-- The Enterprise Grid organization of each workspace an org-wide
-- installation's events came from: what the outbox and the jobs, which
-- know a row's team, use to find that installation.
CREATE TABLE team_enterprises (
    team_id TEXT NOT NULL PRIMARY KEY,
    enterprise_id TEXT NOT NULL
);
