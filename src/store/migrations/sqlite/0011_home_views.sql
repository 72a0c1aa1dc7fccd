-- Who has looked at the App Home tab, and since when what it shows is out
-- of date (a decision recorded, a question opened or closed, a channel
-- muted): the tab is published again, with the search it last showed, for
-- people who opened it lately.
CREATE TABLE home_views (
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    query TEXT,
    stale_since INTEGER,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX home_views_stale ON home_views (stale_since);
