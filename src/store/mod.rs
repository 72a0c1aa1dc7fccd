//! The store: sqlx over SQLite (default) or PostgreSQL, one set of queries.
//!
//! Queries use `$N` placeholders, which both backends accept, and plain
//! integer, real and text columns (times are Unix milliseconds), so the
//! `Any` driver serves both. Where the dialects differ (claiming rows, the
//! noise policy's lock), the [`Backend`] picks the statement. Several
//! replicas may share one PostgreSQL database: whatever must agree between
//! them is decided here, in the database, never in a replica's memory.
//!
//! This file connects, migrates and holds the [`Transaction`] a caller
//! drives; each table family has its file: `inbox` (events), `threads`,
//! `flags`, `decisions` (and their reopens), `questions` (open questions
//! and reminders), `receptions` (a decision's confusion and disagreement,
//! and who gets the daily note), `channels` (privacy and settings),
//! `outbox`, `digests`, `home_views` (App Home tabs out of date), `installations` (each
//! workspace's tokens, sealed, and the install link's nonces), and
//! `lifecycle` (what a deletion, retention or an uninstall takes). The store never
//! calls back into its callers: it reads, writes and returns rows.

mod channels;
mod decisions;
mod digests;
mod flags;
mod home;
mod home_views;
mod inbox;
mod installations;
mod lifecycle;
mod outbox;
mod questions;
mod receptions;
mod threads;

pub use channels::{ChannelSettings, KnownPrivacy};
pub use decisions::{DecisionRow, NewDecision, OpenTopic, Recorded, Reopen, Supersede};
pub use digests::{DigestClaim, SentDigest};
pub use flags::{FactsQuery, FlagRow, NewFlag};
pub use home::{HomeChannel, HomeDecision, HomeQuestion, HomeTopic};
pub use home_views::StaleHome;
pub use inbox::{ClaimedEvent, NewEvent};
pub use installations::{InstallationKey, InstallationRow, NewInstallation};
pub use lifecycle::DecisionRecord;
pub use outbox::{ClaimedOutbox, NewOutboxMessage, SentKind, Settlement};
pub use questions::{DueQuestion, NewQuestion, QuestionRow};
pub use receptions::{NewReception, ReceptionRow};
pub use threads::ThreadContext;

use secrecy::{ExposeSecret, SecretString};
use sqlx::any::AnyPoolOptions;
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
    "seen_events",
    "uninstalled_teams",
    "installations",
    "oauth_states",
    "team_enterprises",
];

/// The event id of [`Store::probe_write`]'s row; Slack's ids start with `Ev`.
const PROBE_EVENT_ID: &str = "clarity-readiness-probe";

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

/// What every SQLite connection runs first (see [`sqlite_pool`]). Each of
/// the two connections caches 1 MiB of pages (SQLite's default is 2 MiB):
/// writes touch the newest pages of each index, and the operating system
/// caches the file anyway.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
     PRAGMA cache_size = -1024;";

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
