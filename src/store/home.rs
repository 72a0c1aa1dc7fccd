//! What App Home shows one person, across the workspace's channels: each
//! row says whether it is known to be public (the row and what Slack last
//! said of its channel both say so); the caller keeps a private row only
//! for a member of its channel.

use super::{Result, Store};
use sqlx::Row;

/// How many rows of each list App Home reads before filtering.
const READ_LIMIT: i64 = 200;

/// The SQL that says a row (alias `t`, with `channel_private`) is public:
/// 1, else 0 (an integer on both backends).
const KNOWN_PUBLIC: &str = "CAST(CASE WHEN t.channel_private = 0 AND EXISTS (SELECT 1 FROM channels c \
     WHERE c.team_id = t.team_id AND c.channel_id = t.channel_id AND c.private = 0) THEN 1 ELSE 0 END AS BIGINT)";

/// A decision as App Home lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeDecision {
    pub id: i64,
    pub channel_id: String,
    pub public: bool,
    pub topic: String,
    pub decision: String,
    pub owner: Option<String>,
    pub permalink: Option<String>,
    pub created_at: i64,
}

/// A topic asked about and not decided, in one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeTopic {
    pub channel_id: String,
    pub public: bool,
    pub topic: String,
    pub asks: i64,
}

/// An open question the person owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeQuestion {
    pub channel_id: String,
    pub public: bool,
    pub topic: String,
    pub due_date: Option<String>,
}

/// A channel the bot is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeChannel {
    pub channel_id: String,
    pub public: bool,
    /// Muted until then (ms), or not watched (`Some(i64::MAX)`).
    pub muted_until: Option<i64>,
    /// When the bot last posted a question there (ms).
    pub last_flag: Option<i64>,
}

impl Store {
    /// How many questions the bot posted on `user`'s messages since `since`.
    pub async fn flags_on_user_since(&self, team_id: &str, user: &str, since: i64) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM flags WHERE team_id = $1 AND user_id = $2 AND posted = 1 \
             AND created_at >= $3",
        )
        .bind(team_id)
        .bind(user)
        .bind(since)
        .fetch_one(&self.pool)
        .await
    }

    /// The workspace's current decisions, newest first; with `query`, only
    /// those whose topic contains it (case-insensitive).
    pub async fn home_decisions(
        &self,
        team_id: &str,
        query: Option<&str>,
    ) -> Result<Vec<HomeDecision>> {
        let pattern = super::decisions::like_pattern(query.unwrap_or_default());
        let rows = sqlx::query(&format!(
            "SELECT t.id, t.channel_id, {KNOWN_PUBLIC} AS public, t.topic, t.decision, t.owner, \
             t.permalink, t.created_at FROM decisions t \
             WHERE t.team_id = $1 AND t.superseded_by IS NULL AND LOWER(t.topic) LIKE $2 ESCAPE '\\' \
             ORDER BY t.created_at DESC, t.id DESC LIMIT $3"
        ))
        .bind(team_id)
        .bind(pattern)
        .bind(READ_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HomeDecision {
                    id: row.try_get("id")?,
                    channel_id: row.try_get("channel_id")?,
                    public: public(row)?,
                    topic: row.try_get("topic")?,
                    decision: row.try_get("decision")?,
                    owner: row.try_get("owner")?,
                    permalink: row.try_get("permalink")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Topics of premature asks since `since` with no decision on them in
    /// their channel, most asked first.
    pub async fn home_topics(&self, team_id: &str, since: i64) -> Result<Vec<HomeTopic>> {
        let rows = sqlx::query(&format!(
            "SELECT t.channel_id, MIN({KNOWN_PUBLIC}) AS public, t.topic, COUNT(*) AS asks \
             FROM flags t WHERE t.team_id = $1 AND t.created_at >= $2 \
             AND t.kind = 'alignment_request' AND t.premature = 1 AND t.topic IS NOT NULL \
             AND (t.feedback IS NULL OR t.feedback <> 'not_alignment') \
             AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.team_id = t.team_id \
                 AND d.channel_id = t.channel_id AND LOWER(d.topic) = LOWER(t.topic)) \
             GROUP BY t.channel_id, t.topic ORDER BY asks DESC, MAX(t.created_at) DESC LIMIT $3"
        ))
        .bind(team_id)
        .bind(since)
        .bind(READ_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HomeTopic {
                    channel_id: row.try_get("channel_id")?,
                    public: public(row)?,
                    topic: row.try_get("topic")?,
                    asks: row.try_get("asks")?,
                })
            })
            .collect()
    }

    /// The open questions `user` owns, soonest due first.
    pub async fn home_questions(&self, team_id: &str, user: &str) -> Result<Vec<HomeQuestion>> {
        let rows = sqlx::query(
            "SELECT q.channel_id, q.topic, q.due_date, CAST(CASE WHEN EXISTS (SELECT 1 FROM channels c \
             WHERE c.team_id = q.team_id AND c.channel_id = q.channel_id AND c.private = 0) \
             AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.id = q.flag_id AND f.channel_private = 1) \
             THEN 1 ELSE 0 END AS BIGINT) AS public FROM open_questions q \
             WHERE q.team_id = $1 AND q.owner = $2 AND q.closed_at IS NULL \
             ORDER BY q.due_date, q.id LIMIT $3",
        )
        .bind(team_id)
        .bind(user)
        .bind(READ_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HomeQuestion {
                    channel_id: row.try_get("channel_id")?,
                    public: public(row)?,
                    topic: row.try_get("topic")?,
                    due_date: row.try_get("due_date")?,
                })
            })
            .collect()
    }

    /// The channels the bot is in, with their mute state at `now`.
    pub async fn home_channels(&self, team_id: &str, now: i64) -> Result<Vec<HomeChannel>> {
        let rows = sqlx::query(
            "SELECT b.channel_id, CAST(CASE WHEN EXISTS (SELECT 1 FROM channels c WHERE c.team_id = b.team_id \
             AND c.channel_id = b.channel_id AND c.private = 0) THEN 1 ELSE 0 END AS BIGINT) AS public, \
             s.monitored, s.muted_until, (SELECT MAX(f.created_at) FROM flags f \
             WHERE f.team_id = b.team_id AND f.channel_id = b.channel_id AND f.posted = 1) AS last_flag \
             FROM bot_channels b \
             LEFT JOIN channel_settings s ON s.team_id = b.team_id AND s.channel_id = b.channel_id \
             WHERE b.team_id = $1 AND b.member = 1 ORDER BY b.channel_id LIMIT $2",
        )
        .bind(team_id)
        .bind(READ_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let monitored = row.try_get::<Option<i64>, _>("monitored")?.unwrap_or(1) != 0;
                let muted_until = row
                    .try_get::<Option<i64>, _>("muted_until")?
                    .filter(|until| *until > now);
                Ok(HomeChannel {
                    channel_id: row.try_get("channel_id")?,
                    public: public(row)?,
                    last_flag: row.try_get("last_flag")?,
                    muted_until: if monitored {
                        muted_until
                    } else {
                        Some(i64::MAX)
                    },
                })
            })
            .collect()
    }
}

/// The `public` column (1 or 0).
fn public(row: &sqlx::any::AnyRow) -> Result<bool> {
    Ok(row.try_get::<i64, _>("public")? != 0)
}
