//! The decision log: recording a decision (one way for the pipeline,
//! `/clarity` and the decide modal; a decision a person records supersedes
//! the older one on its topic, which stays in the history), the channel's
//! log as the classifier's index reads it, listing and searching within
//! what the caller may see, and the channel's undecided topics.

use super::{NewOutboxMessage, Result, Store, Transaction};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A decision to add to the log.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub team_id: String,
    pub channel_id: String,
    pub topic: String,
    pub decision: String,
    pub owner: Option<String>,
    pub reasoning: Option<String>,
    pub permalink: Option<String>,
    pub source_ts: Option<String>,
    pub recorded_by: Option<String>,
    /// Private channels' decisions are never shown outside them.
    pub channel_private: bool,
    /// The thread it was made or recorded in: its reception is read there.
    pub thread_ts: Option<String>,
}

/// A decision as listed to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    pub id: i64,
    pub channel_id: String,
    pub topic: String,
    pub decision: String,
    pub owner: Option<String>,
    pub reasoning: Option<String>,
    pub permalink: Option<String>,
    pub created_at: i64,
    /// The decision it replaced (the chain, newest to oldest).
    pub supersedes: Option<i64>,
    /// When it was kept after its topic was reopened.
    pub confirmed_at: Option<i64>,
    pub channel_private: bool,
    pub thread_ts: Option<String>,
}

/// A topic people asked to align on without a recorded decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTopic {
    pub topic: String,
    pub asks: i64,
    pub askers: i64,
    /// The latest ask's message ts.
    pub latest_ts: String,
}

/// Whether a new decision replaces the channel's current one on its topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supersede {
    /// A person recorded it (`/clarity decide`, the decide modal): it is the
    /// channel's decision on the topic from now on.
    Yes,
    /// It was stated in a message: logged beside what is recorded.
    No,
    /// *Supersede it* on a reopened topic: replaces that decision (and the
    /// channel's current one on the new topic), and resolves its reopens.
    Decision(i64),
}

/// A decision added to the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub id: i64,
    /// A current decision on the same topic was superseded by it.
    pub superseded: bool,
}

/// At most this many rows in one answer: it must stay readable on a phone.
const LIST_LIMIT: i64 = 10;

/// The columns [`decision_row`] reads.
const COLUMNS: &str = "id, channel_id, topic, decision, owner, reasoning, permalink, created_at, \
     supersedes, confirmed_at, channel_private, thread_ts";

/// How far a chain of superseded decisions is followed.
const CHAIN_LIMIT: usize = 5;

fn decision_row(row: &AnyRow) -> Result<DecisionRow> {
    Ok(DecisionRow {
        id: row.try_get("id")?,
        channel_id: row.try_get("channel_id")?,
        topic: row.try_get("topic")?,
        decision: row.try_get("decision")?,
        owner: row.try_get("owner")?,
        reasoning: row.try_get("reasoning")?,
        permalink: row.try_get("permalink")?,
        created_at: row.try_get("created_at")?,
        supersedes: row.try_get("supersedes")?,
        confirmed_at: row.try_get("confirmed_at")?,
        channel_private: row.try_get::<i64, _>("channel_private")? != 0,
        thread_ts: row.try_get("thread_ts")?,
    })
}

/// `%text%` for LIKE, with the pattern characters in `text` escaped (`\`).
pub(super) fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    /// The channel's current decisions with an id above `after_id`, oldest first,
    /// each with when it was recorded.
    pub async fn decisions_after(
        &self,
        team_id: &str,
        channel_id: &str,
        after_id: i64,
    ) -> Result<Vec<(i64, String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT id, topic, decision, created_at FROM decisions \
             WHERE team_id = $1 AND channel_id = $2 AND id > $3 ORDER BY id",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(after_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("id")?,
                    row.try_get("topic")?,
                    row.try_get("decision")?,
                    row.try_get("created_at")?,
                ))
            })
            .collect()
    }

    /// A decision of workspace `team_id` by id (the decision log's id the
    /// classifier reports in `decided_by`).
    pub async fn decision(&self, team_id: &str, id: i64) -> Result<Option<DecisionRow>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM decisions WHERE team_id = $1 AND id = $2"
        ))
        .bind(team_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(decision_row)
        .transpose()
    }

    /// Adds a decision to the log and closes the channel's open questions
    /// on its topic (case-insensitive), in one transaction that also marks
    /// the workspace's Home tabs out of date. With
    /// [`Supersede::Yes`] the channel's current decision on the same topic
    /// is marked as superseded by the new one (it stays in the history).
    /// A decision already recorded from the same source message is not
    /// added twice: `None`.
    pub async fn record_decision(
        &self,
        decision: &NewDecision,
        supersede: Supersede,
        now: i64,
    ) -> Result<Option<Recorded>> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let Some(row) = insert_decision(decision, now)
            .fetch_optional(&mut *tx)
            .await?
        else {
            tx.rollback().await?;
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let mut superseded = false;
        if let Supersede::Decision(old) = supersede {
            superseded = sqlx::query(
                "UPDATE decisions SET superseded_by = $1 \
                 WHERE team_id = $2 AND channel_id = $3 AND id = $4 AND superseded_by IS NULL",
            )
            .bind(id)
            .bind(&decision.team_id)
            .bind(&decision.channel_id)
            .bind(old)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if superseded {
                sqlx::query(
                    "UPDATE reopens SET outcome = 'superseded', resolved_by = $1, resolved_at = $2 \
                     WHERE team_id = $3 AND decision_id = $4 AND outcome IS NULL",
                )
                .bind(decision.recorded_by.clone())
                .bind(now)
                .bind(&decision.team_id)
                .bind(old)
                .execute(&mut *tx)
                .await?;
            }
        }
        if supersede != Supersede::No {
            superseded |= sqlx::query(
                "UPDATE decisions SET superseded_by = $1 \
                 WHERE team_id = $2 AND channel_id = $3 AND LOWER(topic) = LOWER($4) \
                 AND id <> $1 AND superseded_by IS NULL",
            )
            .bind(id)
            .bind(&decision.team_id)
            .bind(&decision.channel_id)
            .bind(&decision.topic)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
        }
        if superseded {
            // The other way: the new decision names the one it replaced
            // (the reopened one, else the newest on its topic).
            let replaced =
                match supersede {
                    Supersede::Decision(old) => old,
                    _ => sqlx::query_scalar::<_, i64>(
                        "SELECT MAX(id) FROM decisions WHERE team_id = $1 AND superseded_by = $2",
                    )
                    .bind(&decision.team_id)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?,
                };
            sqlx::query("UPDATE decisions SET supersedes = $1 WHERE id = $2")
                .bind(replaced)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        super::questions::close_questions(
            &mut tx,
            &decision.team_id,
            &decision.channel_id,
            &decision.topic,
            now,
        )
        .await?;
        super::home_views::homes_changed(&mut tx, &decision.team_id, now).await?;
        tx.commit().await?;
        Ok(Some(Recorded { id, superseded }))
    }

    /// The channel's current decisions, newest first, recorded at or after `since`.
    pub async fn channel_decisions(
        &self,
        team_id: &str,
        channel_id: &str,
        since: i64,
    ) -> Result<Vec<DecisionRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM decisions \
             WHERE team_id = $1 AND channel_id = $2 AND superseded_by IS NULL AND created_at >= $3 \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        ))
        .bind(team_id)
        .bind(channel_id)
        .bind(since)
        .bind(LIST_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decision_row).collect()
    }

    /// Current decisions whose topic or text contains `query`, newest first:
    /// this channel's, and other channels' of the same team only where the
    /// row and what Slack last said of its channel both say public.
    pub async fn search_decisions(
        &self,
        team_id: &str,
        channel_id: &str,
        query: &str,
    ) -> Result<Vec<DecisionRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM decisions \
             WHERE team_id = $1 AND superseded_by IS NULL \
             AND (channel_id = $2 OR (channel_private = 0 AND EXISTS ( \
                  SELECT 1 FROM channels c WHERE c.team_id = decisions.team_id \
                  AND c.channel_id = decisions.channel_id AND c.private = 0))) \
             AND (LOWER(topic) LIKE $3 ESCAPE '\\' OR LOWER(decision) LIKE $3 ESCAPE '\\') \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        ))
        .bind(team_id)
        .bind(channel_id)
        .bind(like_pattern(query))
        .bind(LIST_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decision_row).collect()
    }

    /// Topics of premature alignment asks in the channel since `since`
    /// with no decision recorded on that topic, most asked first. Asks
    /// marked *Not an alignment request* do not count.
    pub async fn open_topics(
        &self,
        team_id: &str,
        channel_id: &str,
        since: i64,
    ) -> Result<Vec<OpenTopic>> {
        let rows = sqlx::query(
            "SELECT f.topic AS topic, COUNT(*) AS asks, COUNT(DISTINCT f.user_id) AS askers, \
             MAX(f.message_ts) AS latest_ts FROM flags f \
             WHERE f.team_id = $1 AND f.channel_id = $2 AND f.created_at >= $3 \
             AND f.kind = 'alignment_request' AND f.premature = 1 AND f.topic IS NOT NULL \
             AND (f.feedback IS NULL OR f.feedback <> 'not_alignment') \
             AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.team_id = f.team_id \
                 AND d.channel_id = f.channel_id AND LOWER(d.topic) = LOWER(f.topic)) \
             GROUP BY f.topic ORDER BY asks DESC, latest_ts DESC LIMIT $4",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(since)
        .bind(LIST_LIMIT)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OpenTopic {
                    topic: row.try_get("topic")?,
                    asks: row.try_get("asks")?,
                    askers: row.try_get("askers")?,
                    latest_ts: row.try_get("latest_ts")?,
                })
            })
            .collect()
    }
}

/// A reopened topic's decision, as its buttons need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reopen {
    pub decision_id: i64,
    /// `kept` or `superseded` once someone chose; `None` while open.
    pub outcome: Option<String>,
}

impl Transaction {
    /// Records that flag `flag_id`'s reply reopened decision `decision_id`.
    pub async fn insert_reopen(
        &mut self,
        team_id: &str,
        flag_id: i64,
        decision_id: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO reopens (team_id, flag_id, decision_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(team_id)
        .bind(flag_id)
        .bind(decision_id)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

impl Store {
    /// The decision that replaced `id`, and the one that replaced that…:
    /// the channel's current decision where `id` once was (itself if
    /// nothing replaced it).
    pub async fn current_decision(&self, team_id: &str, id: i64) -> Result<Option<DecisionRow>> {
        let mut row = self.decision(team_id, id).await?;
        for _ in 0..CHAIN_LIMIT {
            let Some(next) = sqlx::query_scalar::<_, Option<i64>>(
                "SELECT superseded_by FROM decisions WHERE team_id = $1 AND id = $2",
            )
            .bind(team_id)
            .bind(row.as_ref().map_or(id, |r| r.id))
            .fetch_optional(&self.pool)
            .await?
            .flatten() else {
                break;
            };
            row = self.decision(team_id, next).await?;
        }
        Ok(row)
    }

    /// The current decision made or recorded in a thread, newest first.
    pub async fn thread_decision(
        &self,
        team_id: &str,
        channel_id: &str,
        thread_ts: &str,
    ) -> Result<Option<DecisionRow>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM decisions WHERE team_id = $1 AND channel_id = $2 \
             AND thread_ts = $3 AND superseded_by IS NULL ORDER BY id DESC LIMIT 1"
        ))
        .bind(team_id)
        .bind(channel_id)
        .bind(thread_ts)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(decision_row)
        .transpose()
    }

    /// The decisions `row` replaced, newest first (at most a few).
    pub async fn replaced_by(&self, team_id: &str, row: &DecisionRow) -> Result<Vec<DecisionRow>> {
        let mut chain = Vec::new();
        let mut next = row.supersedes;
        while let Some(id) = next.filter(|_| chain.len() < CHAIN_LIMIT) {
            let Some(older) = self.decision(team_id, id).await? else {
                break;
            };
            next = older.supersedes;
            chain.push(older);
        }
        Ok(chain)
    }

    /// Stores a decision's reasoning and queues `then` (the thread line),
    /// in one transaction. Returns whether the decision exists.
    pub async fn set_reasoning(
        &self,
        team_id: &str,
        id: i64,
        reasoning: &str,
        then: &[NewOutboxMessage],
        now: i64,
    ) -> Result<bool> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let found =
            sqlx::query("UPDATE decisions SET reasoning = $1 WHERE team_id = $2 AND id = $3")
                .bind(reasoning)
                .bind(team_id)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
        if found {
            for message in then {
                super::outbox::enqueue(&mut tx, message, now).await?;
            }
        }
        tx.commit().await?;
        Ok(found)
    }

    /// The decision a flag's reply reopened, if it reopened one.
    pub async fn reopen(&self, team_id: &str, flag_id: i64) -> Result<Option<Reopen>> {
        let row = sqlx::query(
            "SELECT decision_id, outcome FROM reopens WHERE team_id = $1 AND flag_id = $2",
        )
        .bind(team_id)
        .bind(flag_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Reopen {
                decision_id: row.try_get("decision_id")?,
                outcome: row.try_get("outcome")?,
            })
        })
        .transpose()
    }

    /// *Keep the decision*: the reopen is resolved as kept and the
    /// decision confirmed by `user` now, and `then` (the reply's update)
    /// queued, in one transaction. Only the first choice counts: `false`
    /// when the reopen was already resolved.
    pub async fn keep_decision(
        &self,
        team_id: &str,
        flag_id: i64,
        user: &str,
        then: &[NewOutboxMessage],
        now: i64,
    ) -> Result<bool> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let decision: Option<i64> = sqlx::query_scalar(
            "UPDATE reopens SET outcome = 'kept', resolved_by = $1, resolved_at = $2 \
             WHERE team_id = $3 AND flag_id = $4 AND outcome IS NULL RETURNING decision_id",
        )
        .bind(user)
        .bind(now)
        .bind(team_id)
        .bind(flag_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(decision) = decision else {
            tx.rollback().await?;
            return Ok(false);
        };
        sqlx::query(
            "UPDATE decisions SET confirmed_at = $1, confirmed_by = $2 WHERE team_id = $3 AND id = $4",
        )
        .bind(now)
        .bind(user)
        .bind(team_id)
        .bind(decision)
        .execute(&mut *tx)
        .await?;
        for message in then {
            super::outbox::enqueue(&mut tx, message, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// Adds a decision (`RETURNING id`); one already recorded from the same
/// source message is skipped (no row returned).
fn insert_decision(
    decision: &NewDecision,
    now: i64,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO decisions (team_id, channel_id, topic, decision, owner, reasoning, permalink, \
         source_ts, recorded_by, created_at, channel_private, thread_ts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(&decision.team_id)
    .bind(&decision.channel_id)
    .bind(&decision.topic)
    .bind(&decision.decision)
    .bind(decision.owner.clone())
    .bind(decision.reasoning.clone())
    .bind(decision.permalink.clone())
    .bind(decision.source_ts.clone())
    .bind(decision.recorded_by.clone())
    .bind(now)
    .bind(i64::from(decision.channel_private))
    .bind(decision.thread_ts.clone())
}
