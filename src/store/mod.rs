//! The store: sqlx over SQLite (default) or PostgreSQL, one set of queries.
//!
//! Queries use `$N` placeholders, which both backends accept, and plain
//! integer, real and text columns (times are Unix milliseconds), so the
//! `Any` driver serves both. Where the dialects differ (claiming rows, the
//! noise policy's lock), the [`Backend`] picks the statement. Several
//! replicas may share one PostgreSQL database: whatever must agree between
//! them is decided here, in the database, never in a replica's memory.

mod channels;
mod decisions;
mod digests;
mod questions;

pub use channels::KnownPrivacy;
pub use decisions::{ChannelSettings, DecisionRow, OpenTopic, Recorded, Supersede};
pub use digests::{DigestClaim, SentDigest};
pub use questions::{DueQuestion, FlagRow, NewQuestion, QuestionRow};

use crate::policy::PolicyFacts;
use secrecy::{ExposeSecret, SecretString};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::path::Path;
use std::str::FromStr;

pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// Which database engine the pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The engine a database URL names: `sqlite:…`, else PostgreSQL.
    pub fn of(url: &SecretString) -> Self {
        if url.expose_secret().starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    /// Its name, safe to log (unlike the URL, which may hold a password).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The clause that lets concurrent claimers pass over each other's rows
    /// (PostgreSQL; SQLite has a single writer and needs none).
    fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// The database handle: cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where the group-commit writer inserts events. For SQLite a connection
    /// of its own, so acknowledgements never queue behind the workers'
    /// queries; for PostgreSQL the shared pool.
    ingest: AnyPool,
    /// SQLite only: taken around every write, so the ingest writer queues
    /// behind at most a worker's statement instead of SQLite's busy handler,
    /// which sleeps 1, 2, 5, 10… ms and let workers starve it (p99 51 ms at
    /// 5,000 events/s before this gate).
    write_gate: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    backend: Backend,
}

/// A write transaction the caller drives: it reads and writes through the
/// handle's methods (each table family adds its own), then commits. The
/// store decides nothing for it and calls nothing back: the pipeline asks
/// for the noise policy's [`Transaction::facts`], decides, then
/// [`Transaction::insert_flag`] and [`Transaction::enqueue`] what it
/// decided. Dropped without [`Transaction::commit`], nothing is written.
pub struct Transaction {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    /// SQLite only: held until the transaction ends (after `tx`, which is
    /// dropped first).
    _write: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Transaction {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await
    }

    /// The noise policy's facts for the message `query` describes, in one
    /// query: whether the channel is muted, whether the thread has a posted
    /// flag, when the channel's last posted flag was made, and how many
    /// posted flags the author has had in the day before. Read under a
    /// per-workspace lock held until the transaction ends (PostgreSQL: an
    /// advisory lock; SQLite has a single writer), so replicas deciding at
    /// the same moment see each other's flags and a cool-down or daily limit
    /// holds across them.
    pub async fn facts(&mut self, query: &FactsQuery<'_>) -> Result<PolicyFacts> {
        if self.backend == Backend::Postgres {
            // `IS NULL`: the Any driver cannot decode `void`.
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1)::BIGINT) IS NULL")
                .bind(query.team_id)
                .fetch_one(&mut *self.tx)
                .await?;
        }
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM channel_settings WHERE team_id = $1 AND channel_id = $2 \
                AND (monitored = 0 OR muted_until > $3)) AS muted, \
             (SELECT COUNT(*) FROM flags WHERE team_id = $1 AND channel_id = $2 AND thread_ts = $4 \
                AND posted = 1) AS thread_flagged, \
             (SELECT MAX(created_at) FROM flags WHERE team_id = $1 AND channel_id = $2 AND posted = 1) AS last_flag, \
             (SELECT COUNT(*) FROM flags WHERE team_id = $1 AND user_id = $5 AND posted = 1 \
                AND created_at >= $6) AS user_flags",
        )
        .bind(query.team_id)
        .bind(query.channel_id)
        .bind(query.now)
        .bind(query.thread_ts)
        .bind(query.user_id)
        .bind(query.now - DAY_MS)
        .fetch_one(&mut *self.tx)
        .await?;
        // The policy counts in seconds; the store in milliseconds.
        Ok(PolicyFacts {
            now: query.now / 1000,
            score: query.score,
            channel_muted: row.try_get::<i64, _>("muted")? > 0,
            thread_already_flagged: row.try_get::<i64, _>("thread_flagged")? > 0,
            last_channel_flag_at: row
                .try_get::<Option<i64>, _>("last_flag")?
                .map(|ms| ms / 1000),
            user_flags_last_day: u32::try_from(row.try_get::<i64, _>("user_flags")?)
                .unwrap_or(u32::MAX),
        })
    }

    /// Stores a flag (posted or not). `None` when it adds nothing: the
    /// message is already flagged (a reprocessed event), or the flag is
    /// posted and its thread got a posted flag meanwhile.
    pub async fn insert_flag(&mut self, flag: &NewFlag, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "INSERT INTO flags (team_id, channel_id, message_ts, thread_ts, user_id, kind, premature, topic, \
             score, reasons, decided_by, posted, suppressed, created_at, channel_private) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(&flag.team_id)
        .bind(&flag.channel_id)
        .bind(&flag.message_ts)
        .bind(&flag.thread_ts)
        .bind(&flag.user_id)
        .bind(&flag.kind)
        .bind(i64::from(flag.premature))
        .bind(flag.topic.clone())
        .bind(flag.score)
        .bind(&flag.reasons)
        .bind(flag.decided_by.clone())
        .bind(i64::from(flag.posted))
        .bind(flag.suppressed.clone())
        .bind(now)
        .bind(i64::from(flag.channel_private))
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|row| row.try_get("id")).transpose()
    }

    /// Queues an outbox row; a second row with the same dedupe key is
    /// dropped. Returns whether it was added.
    pub async fn enqueue(&mut self, message: &NewOutboxMessage, now: i64) -> Result<bool> {
        enqueue(&mut self.tx, message, now).await
    }
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// An event to persist in the inbox.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub team_id: String,
    pub event_id: String,
    /// What it says, as ingress decoded it (JSON).
    pub payload: String,
}

/// An inbox event claimed by a worker.
#[derive(Debug, Clone)]
pub struct ClaimedEvent {
    pub id: i64,
    pub team_id: String,
    pub payload: String,
    pub attempts: i64,
}

/// A flag to store (posted or not) for one assessed message.
#[derive(Debug, Clone)]
pub struct NewFlag {
    pub team_id: String,
    pub channel_id: String,
    pub message_ts: String,
    pub thread_ts: String,
    pub user_id: String,
    pub kind: String,
    pub premature: bool,
    pub topic: Option<String>,
    pub score: f64,
    pub reasons: String,
    pub decided_by: Option<String>,
    pub posted: bool,
    pub suppressed: Option<String>,
    /// The channel may be private (or of unknown kind): decisions from this
    /// flag stay in it, and summaries leave it out.
    pub channel_private: bool,
}

/// The message the noise policy is asked about: where and by whom it was
/// written, when (ms) and how confidently it was assessed. The store adds
/// what it knows of the channel, the thread and the author.
#[derive(Debug, Clone, Copy)]
pub struct FactsQuery<'a> {
    pub team_id: &'a str,
    pub channel_id: &'a str,
    pub thread_ts: &'a str,
    pub user_id: &'a str,
    pub now: i64,
    pub score: f64,
}

/// An outbox row to add, as `respond::outgoing` serializes a message.
#[derive(Debug, Clone)]
pub struct NewOutboxMessage {
    pub team_id: String,
    /// A second row with the same key is dropped.
    pub dedupe_key: String,
    /// What it sends (`post`, `flag_reply`, …).
    pub kind: String,
    /// The Slack call that sends it, as JSON.
    pub payload: String,
    /// The flag whose reply it is.
    pub flag_id: Option<i64>,
}

/// An outbox row claimed by the sender.
#[derive(Debug, Clone)]
pub struct ClaimedOutbox {
    pub id: i64,
    pub team_id: String,
    pub kind: String,
    pub payload: String,
    pub flag_id: Option<i64>,
    pub attempts: i64,
    /// An earlier claim ended without recording an outcome: the call may
    /// have reached Slack before the process died.
    pub abandoned_before: bool,
}

/// What became of one outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Slack took it; `ts` is the posted message's, kept where its `kind`
    /// says.
    Sent {
        id: i64,
        kind: SentKind,
        ts: Option<String>,
    },
    /// Try again at `at` (ms); a `refund`ed attempt (a 429) does not count.
    /// An `unanswered` call may have reached Slack: the next claim is told
    /// (`abandoned_before`), as after a crash mid-call.
    Retry {
        id: i64,
        at: i64,
        error: String,
        refund: bool,
        unanswered: bool,
    },
    /// Given up: retrying cannot help.
    Failed { id: i64, error: String },
}

/// What a sent row was, as far as the store keeps its outcome: a flag's
/// reply leaves its ts on the flag, a digest on the week's digest row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentKind {
    FlagReply { flag_id: i64 },
    Digest,
    Other,
}

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
}

/// What the bot has seen of a thread.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreadContext {
    pub root_text: Option<String>,
    pub decisions: Vec<String>,
}

impl ThreadContext {
    /// The texts the classifier sees as the thread: root first, then decisions.
    pub fn texts(&self) -> Vec<String> {
        self.root_text
            .iter()
            .chain(&self.decisions)
            .cloned()
            .collect()
    }
}

impl Store {
    /// Opens the database at `url` (`DATABASE_URL`); an error names the
    /// engine and the variable, never the URL (it may hold a password).
    pub async fn open(url: &SecretString, max_connections: u32) -> anyhow::Result<Self> {
        use anyhow::Context;
        // A SQLite path is named (it holds no secret); a PostgreSQL URL is not.
        let place = sqlite_path(url.expose_secret())
            .map(|path| format!(" {path}"))
            .unwrap_or_default();
        Self::connect(url, max_connections).await.with_context(|| {
            format!(
                "while opening the {} database{place} (DATABASE_URL)",
                Backend::of(url).name()
            )
        })
    }

    /// Connects (creating a SQLite file and its folder if missing) and applies
    /// migrations. SQLite gets one connection for the workers and one for
    /// the ingest writer, whatever `max_connections` says: it has a single
    /// writer, and more connections would only wait on each other's locks
    /// (measured under load: 8 connections 13k acks/s, one 20k).
    pub async fn connect(url: &SecretString, max_connections: u32) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url);
        let url = url.expose_secret();
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = sqlx::any::AnyConnectOptions::from_str(&url)?;
        let (pool, ingest) = match backend {
            Backend::Sqlite => {
                // One direct connection first, with every connection's
                // pragmas: a corrupt or truncated file fails here at once
                // with SQLite's own words ("file is not a database"), where
                // the pool would retry for 5 s and report a timeout.
                use sqlx::{Connection, Executor};
                let mut first = sqlx::AnyConnection::connect_with(&options).await?;
                first.execute(SQLITE_PRAGMAS).await?;
                first.close().await?;
                let pool = sqlite_pool().connect_with(options.clone()).await?;
                let ingest = sqlite_pool().connect_with(options).await?;
                (pool, ingest)
            }
            Backend::Postgres => {
                // One direct connection first: its error names the cause
                // (refused, authentication, no such database), where the
                // pool would only report a timeout.
                use sqlx::Connection;
                sqlx::AnyConnection::connect_with(&options)
                    .await?
                    .close()
                    .await?;
                let pool = AnyPoolOptions::new()
                    .max_connections(max_connections.max(1))
                    .acquire_timeout(std::time::Duration::from_secs(5))
                    .connect_with(options)
                    .await?;
                (pool.clone(), pool)
            }
        };
        let write_gate =
            (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        let store = Self {
            pool,
            ingest,
            write_gate,
            backend,
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("src/store/migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("src/store/migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Waits for the SQLite write gate (a no-op for PostgreSQL).
    async fn write_gate(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        }
    }

    /// Begins a write transaction for the caller to drive (see
    /// [`Transaction`]), behind the SQLite write gate.
    pub async fn begin(&self) -> Result<Transaction> {
        let write = match &self.write_gate {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        };
        Ok(Transaction {
            tx: self.pool.begin().await?,
            backend: self.backend,
            _write: write,
        })
    }

    /// Copies the whole SQLite write-ahead log into the database file and
    /// empties the log (a no-op for PostgreSQL): afterwards the file alone
    /// holds everything, so copying it is a backup. For `migrate` and a
    /// clean stop, when nothing else writes.
    pub async fn checkpoint_truncate(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            let _write = self.write_gate().await;
            let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.pool)
                .await?;
            if row.try_get::<i64, _>(0)? != 0 {
                tracing::warn!(
                    "the SQLite log could not be emptied (another connection was using it); the database file alone may be behind it"
                );
            }
        }
        Ok(())
    }

    /// Copies the SQLite write-ahead log into the database file without
    /// blocking writers (a no-op for PostgreSQL).
    pub async fn checkpoint(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Whether the database answers and has every table the bot uses (one
    /// dropped under a running bot would fail each event until it is lost).
    pub async fn check_tables(&self) -> Result<()> {
        let probes: Vec<String> = TABLES
            .iter()
            .map(|table| format!("SELECT 1 FROM {table} WHERE 1 = 0"))
            .collect();
        sqlx::query(&probes.join(" UNION ALL "))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Writes to the inbox and takes the write back (insert, update and
    /// delete a row no one else sees, committed): whether writes reach the
    /// disk again after one failed.
    pub async fn probe_write(&self, now: i64) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO events (team_id, event_id, payload, received_at, state) \
             VALUES ('', $1, '', $2, 'done')",
        )
        .bind(PROBE_EVENT_ID)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE events SET attempts = attempts + 1 WHERE event_id = $1")
            .bind(PROBE_EVENT_ID)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM events WHERE event_id = $1")
            .bind(PROBE_EVENT_ID)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    // ---- inbox ----------------------------------------------------------

    /// Persists a batch of events in one transaction (group commit). Events
    /// whose `event_id` is already stored are skipped; returns how many were new.
    pub async fn insert_events(&self, events: &[NewEvent], now: i64) -> Result<u64> {
        // Two replicas given the same events (Slack's retries) in other
        // orders can deadlock on PostgreSQL; the loser's statement is rolled
        // back whole, so running it again is safe. Arrival order is kept
        // (a thread's root before its replies), so locks are not sorted.
        let mut deadlocks = 0;
        loop {
            match self.insert_events_once(events, now).await {
                Err(sqlx::Error::Database(e))
                    if e.code().as_deref() == Some("40P01") && deadlocks < 3 =>
                {
                    deadlocks += 1;
                    tracing::warn!(
                        deadlocks,
                        "event insert deadlocked with another replica; retrying"
                    );
                }
                result => return result,
            }
        }
    }

    async fn insert_events_once(&self, events: &[NewEvent], now: i64) -> Result<u64> {
        let _write = self.write_gate().await;
        // One statement is one implicit transaction: a batch that fits in
        // one costs a single round trip to the database.
        if events.len() <= ROWS_PER_STATEMENT {
            return Ok(
                insert_events_query(&sql_for_events(events.len()), events, now)
                    .execute(&self.pool)
                    .await?
                    .rows_affected(),
            );
        }
        let mut inserted = 0;
        let mut tx = self.ingest.begin().await?;
        for chunk in events.chunks(ROWS_PER_STATEMENT) {
            inserted += insert_events_query(&sql_for_events(chunk.len()), chunk, now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Claims up to `limit` pending events for `lease_ms`, oldest first.
    pub async fn claim_events(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedEvent>> {
        let _write = self.write_gate().await;
        let lock = self.backend.skip_locked();
        let sql = format!(
            "UPDATE events SET locked_until = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM events WHERE state = 'pending' AND locked_until < $2 \
             ORDER BY id LIMIT $3{lock}) \
             RETURNING id, team_id, payload, attempts"
        );
        let rows = sqlx::query(&sql)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut events: Vec<ClaimedEvent> = rows.iter().map(event_row).collect::<Result<_>>()?;
        events.sort_by_key(|event| event.id);
        Ok(events)
    }

    /// Every pending event, oldest first (for rewriting what an earlier
    /// version stored).
    pub async fn pending_events(&self) -> Result<Vec<ClaimedEvent>> {
        let rows = sqlx::query(
            "SELECT id, team_id, payload, attempts FROM events WHERE state = 'pending' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_row).collect()
    }

    /// Replaces a pending event's payload.
    pub async fn rewrite_event(&self, id: i64, payload: &str) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query("UPDATE events SET payload = $1 WHERE id = $2 AND state = 'pending'")
            .bind(payload)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Marks processed events done.
    pub async fn finish_events(&self, ids: &[i64]) -> Result<()> {
        let _write = self.write_gate().await;
        for chunk in ids.chunks(500) {
            let sql = format!(
                "UPDATE events SET state = 'done' WHERE id IN {}",
                placeholder_rows(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Records a processing failure; after `max_attempts` the event is given up.
    pub async fn fail_event(&self, id: i64, error: &str, max_attempts: i64) -> Result<()> {
        let _write = self.write_gate().await;
        sqlx::query(
            "UPDATE events SET last_error = $1, \
             state = CASE WHEN attempts >= $2 THEN 'failed' ELSE 'pending' END WHERE id = $3",
        )
        .bind(error)
        .bind(max_attempts)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Events not yet processed.
    pub async fn inbox_depth(&self) -> Result<i64> {
        scalar(
            &self.pool,
            "SELECT COUNT(*) FROM events WHERE state = 'pending'",
        )
        .await
    }

    /// Outbox messages not yet sent.
    pub async fn outbox_depth(&self) -> Result<i64> {
        scalar(
            &self.pool,
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending'",
        )
        .await
    }

    // ---- threads ---------------------------------------------------------

    /// Remembers thread roots (top-level messages) in one transaction.
    pub async fn remember_roots(
        &self,
        team_id: &str,
        roots: &[(String, String, String)],
        now: i64,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        if roots.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for chunk in roots.chunks(200) {
            let sql = format!(
                "INSERT INTO thread_context (team_id, channel_id, thread_ts, root_text, last_seen) \
                 VALUES {} ON CONFLICT (team_id, channel_id, thread_ts) DO UPDATE SET \
                 root_text = excluded.root_text, last_seen = excluded.last_seen",
                placeholder_rows(chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for (channel, ts, text) in chunk {
                query = query
                    .bind(team_id)
                    .bind(channel.as_str())
                    .bind(ts.as_str())
                    .bind(text.as_str())
                    .bind(now);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// What is known of a thread, or `None` when the bot never saw its root.
    pub async fn thread_context(
        &self,
        team_id: &str,
        channel_id: &str,
        thread_ts: &str,
    ) -> Result<Option<ThreadContext>> {
        let row = sqlx::query(
            "SELECT root_text, decisions FROM thread_context \
             WHERE team_id = $1 AND channel_id = $2 AND thread_ts = $3",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(thread_ts)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let decisions: String = row.try_get("decisions")?;
            Ok(ThreadContext {
                root_text: row.try_get("root_text")?,
                decisions: serde_json::from_str(&decisions).unwrap_or_default(),
            })
        })
        .transpose()
    }

    /// Saves a thread's context (root and decision statements seen in it).
    pub async fn save_thread_context(
        &self,
        team_id: &str,
        channel_id: &str,
        thread_ts: &str,
        context: &ThreadContext,
        now: i64,
    ) -> Result<()> {
        let _write = self.write_gate().await;
        let decisions = serde_json::to_string(&context.decisions).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO thread_context (team_id, channel_id, thread_ts, root_text, decisions, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (team_id, channel_id, thread_ts) DO UPDATE SET \
             root_text = excluded.root_text, decisions = excluded.decisions, last_seen = excluded.last_seen",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(thread_ts)
        .bind(context.root_text.clone())
        .bind(decisions)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets thread context last seen before `cutoff`; returns rows removed.
    pub async fn prune_thread_context(&self, cutoff: i64) -> Result<u64> {
        let _write = self.write_gate().await;
        Ok(
            sqlx::query("DELETE FROM thread_context WHERE last_seen < $1")
                .bind(cutoff)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    // ---- decisions -------------------------------------------------------

    /// The channel's current decisions with an id above `after_id`, oldest first.
    pub async fn decisions_after(
        &self,
        team_id: &str,
        channel_id: &str,
        after_id: i64,
    ) -> Result<Vec<(i64, String, String)>> {
        let rows = sqlx::query(
            "SELECT id, topic, decision FROM decisions \
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
                ))
            })
            .collect()
    }

    // ---- flags -------------------------------------------------------------

    /// The thread ts and the bot's posted reply ts of a flagged message, if any.
    pub async fn reply_to(
        &self,
        team_id: &str,
        channel_id: &str,
        message_ts: &str,
    ) -> Result<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT thread_ts, reply_ts FROM flags WHERE team_id = $1 AND channel_id = $2 AND message_ts = $3 \
             AND posted = 1 AND reply_ts IS NOT NULL",
        )
        .bind(team_id)
        .bind(channel_id)
        .bind(message_ts)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok((row.try_get("thread_ts")?, row.try_get("reply_ts")?)))
            .transpose()
    }

    // ---- outbox ----------------------------------------------------------

    /// Queues a Slack call; a second call with the same dedupe key is dropped.
    pub async fn enqueue(&self, message: &NewOutboxMessage, now: i64) -> Result<bool> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        let added = enqueue(&mut tx, message, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Claims up to `limit` due outbox rows for `lease_ms`.
    pub async fn claim_outbox(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedOutbox>> {
        let _write = self.write_gate().await;
        let lock = self.backend.skip_locked();
        let sql = format!(
            "UPDATE outbox SET locked_until = $1, attempts = attempts + 1, claims = claims + 1 \
             WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= $2 \
             AND locked_until < $2 ORDER BY id LIMIT $3{lock}) \
             RETURNING id, team_id, kind, payload, flag_id, attempts, claims, settled"
        );
        let rows = sqlx::query(&sql)
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut claimed: Vec<ClaimedOutbox> = rows.iter().map(outbox_row).collect::<Result<_>>()?;
        claimed.sort_by_key(|row| row.id);
        Ok(claimed)
    }

    /// Records what became of sent outbox rows, all in one transaction.
    pub async fn settle_outbox(&self, settlements: &[Settlement], now: i64) -> Result<()> {
        let _write = self.write_gate().await;
        let mut tx = self.pool.begin().await?;
        for settlement in settlements {
            match settlement {
                Settlement::Sent { id, kind, ts } => {
                    sqlx::query(
                        "UPDATE outbox SET state = 'sent', sent_at = $1, response_ts = $2, settled = claims \
                         WHERE id = $3",
                    )
                    .bind(now)
                    .bind(ts.clone())
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
                    match (kind, ts) {
                        (SentKind::FlagReply { flag_id }, Some(ts)) => {
                            sqlx::query("UPDATE flags SET reply_ts = $1 WHERE id = $2")
                                .bind(ts.clone())
                                .bind(*flag_id)
                                .execute(&mut *tx)
                                .await?;
                        }
                        (SentKind::Digest, ts) => {
                            digests::mark_sent(&mut tx, *id, ts.as_deref(), now).await?;
                        }
                        (SentKind::FlagReply { .. } | SentKind::Other, _) => {}
                    }
                }
                Settlement::Retry {
                    id,
                    at,
                    error,
                    refund,
                    unanswered,
                } => {
                    sqlx::query(
                        "UPDATE outbox SET next_attempt_at = $1, locked_until = 0, last_error = $2, \
                         attempts = attempts - $3, settled = claims - $4 WHERE id = $5",
                    )
                    .bind(*at)
                    .bind(error.clone())
                    .bind(i64::from(*refund))
                    .bind(i64::from(*unanswered))
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
                }
                Settlement::Failed { id, error } => {
                    sqlx::query("UPDATE outbox SET state = 'failed', last_error = $1, settled = claims WHERE id = $2")
                        .bind(error.clone())
                        .bind(*id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await
    }
}

/// Every table the queries use, checked by [`Store::check_tables`].
const TABLES: &[&str] = &[
    "events",
    "flags",
    "decisions",
    "thread_context",
    "open_questions",
    "channel_settings",
    "outbox",
    "digests",
    "channels",
];

/// The event id of [`Store::probe_write`]'s row; Slack's ids start with `Ev`.
const PROBE_EVENT_ID: &str = "clarity-readiness-probe";

/// Rows in one multi-row INSERT: 4 binds each stays far below SQLite's and
/// PostgreSQL's parameter limits.
const ROWS_PER_STATEMENT: usize = 1000;

fn sql_for_events(rows: usize) -> String {
    format!(
        "INSERT INTO events (team_id, event_id, payload, received_at) VALUES {} \
         ON CONFLICT (event_id) DO NOTHING",
        placeholder_rows(rows, 4)
    )
}

fn insert_events_query<'q>(
    sql: &'q str,
    events: &'q [NewEvent],
    now: i64,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut query = sqlx::query(sql);
    for event in events {
        query = query
            .bind(event.team_id.as_str())
            .bind(event.event_id.as_str())
            .bind(event.payload.as_str())
            .bind(now);
    }
    query
}

/// `($1, $2), ($3, $4)` for `rows` rows of `columns` values. sqlx's
/// `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL refuses;
/// `$N` is understood by both backends.
fn placeholder_rows(rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(row * columns + column + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

/// Adds a decision (`RETURNING id`); one already recorded from the same
/// source message is skipped (no row returned).
pub(crate) fn insert_decision(
    decision: &NewDecision,
    now: i64,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO decisions (team_id, channel_id, topic, decision, owner, reasoning, permalink, \
         source_ts, recorded_by, created_at, channel_private) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
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
}

async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    message: &NewOutboxMessage,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO outbox (team_id, dedupe_key, kind, payload, flag_id, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(&message.team_id)
    .bind(&message.dedupe_key)
    .bind(&message.kind)
    .bind(&message.payload)
    .bind(message.flag_id)
    .bind(now)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn event_row(row: &AnyRow) -> Result<ClaimedEvent> {
    Ok(ClaimedEvent {
        id: row.try_get("id")?,
        team_id: row.try_get("team_id")?,
        payload: row.try_get("payload")?,
        attempts: row.try_get("attempts")?,
    })
}

fn outbox_row(row: &AnyRow) -> Result<ClaimedOutbox> {
    Ok(ClaimedOutbox {
        id: row.try_get("id")?,
        team_id: row.try_get("team_id")?,
        kind: row.try_get("kind")?,
        payload: row.try_get("payload")?,
        flag_id: row.try_get("flag_id")?,
        attempts: row.try_get("attempts")?,
        abandoned_before: row.try_get::<i64, _>("claims")? - 1
            > row.try_get::<i64, _>("settled")?,
    })
}

async fn scalar(pool: &AnyPool, sql: &str) -> Result<i64> {
    sqlx::query(sql).fetch_one(pool).await?.try_get(0)
}

/// One SQLite connection in WAL mode. Writers from two such pools wait on
/// each other through SQLite's busy timeout, never fail. No connection
/// checkpoints on commit (that would stall whichever write crossed the
/// threshold, often an acknowledgement, for an fsync): the inbox worker calls
/// [`Store::checkpoint`] after each step instead.
fn sqlite_pool() -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                use sqlx::Executor;
                conn.execute(SQLITE_PRAGMAS).await?;
                Ok(())
            })
        })
}

/// What every SQLite connection runs first (see [`sqlite_pool`]).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;";

/// The file a `sqlite:` URL names; `None` for any other URL.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(rest.split_once('?').map_or(rest, |(path, _)| path))
}

/// Makes sure the SQLite file can be created: its folder exists and the URL
/// asks for create-if-missing.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:"
        && let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}
