//! Benchmark of building one weekly digest: one channel holding 100,000
//! flags and 10,000 decisions in one week (plus the week before, and open
//! questions), in a SQLite file, read through the digest's indexed
//! queries. Target: under 1 s per digest.
//!
//! `cargo bench --bench digest`. `CLARITY_BENCH_FLAGS` and
//! `CLARITY_BENCH_DECISIONS` change the sizes.

use clarity_bot::digest::job::{self, DigestTarget};
use clarity_bot::digest::schedule::DigestSettings;
use clarity_bot::digest::schedule::DigestWeek;
use clarity_bot::store::Store;
use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;
use std::time::Duration;

const TEAM: &str = "T1";
const CHANNEL: &str = "C0BENCH";
const TOPICS: u64 = 2_000;
const USERS: u64 = 500;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Seeds the week (and a tenth as much the week before) in batches.
async fn seed(store: &Store, week: &DigestWeek, flags: usize, decisions: usize) {
    let pool = store.pool();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let span = (week.end_ms - week.start_ms) as u64;
    let mut tx = pool.begin().await.expect("a transaction");
    let total = flags + flags / 10;
    for chunk in (0..total).collect::<Vec<_>>().chunks(500) {
        let mut sql = String::from(
            "INSERT INTO flags (team_id, channel_id, message_ts, thread_ts, user_id, kind, premature, \
             topic, score, reasons, posted, feedback, created_at, channel_private) VALUES ",
        );
        for (n, i) in chunk.iter().enumerate() {
            let roll = rng.next();
            let kind = match roll % 10 {
                0 | 1 => "confusion",
                2 => "disagreement",
                _ => "alignment_request",
            };
            let premature = i64::from(kind == "alignment_request" && !roll.is_multiple_of(7));
            let at = if *i < flags {
                week.start_ms + (rng.next() % span) as i64
            } else {
                week.start_ms - 1 - (rng.next() % span) as i64
            };
            let ts = format!("{}.{:06}", at / 1000, i % 1_000_000);
            let thread = if roll.is_multiple_of(3) {
                format!("{}.000000", at / 1000)
            } else {
                ts.clone()
            };
            let feedback = if roll.is_multiple_of(50) {
                "'not_alignment'"
            } else {
                "NULL"
            };
            if n > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "('{TEAM}', '{CHANNEL}', '{ts}', '{thread}', 'U{:04}', '{kind}', {premature}, 'topic {}', \
                 0.8, '[]', {}, {feedback}, {at}, 0)",
                rng.next() % USERS,
                rng.next() % TOPICS,
                // At most one posted flag per thread: only flags that
                // start their own thread were posted.
                i64::from(roll.is_multiple_of(4) && !roll.is_multiple_of(3)),
            ));
        }
        sqlx::query(&sql)
            .execute(&mut *tx)
            .await
            .expect("insert flags");
    }
    for chunk in (0..decisions).collect::<Vec<_>>().chunks(500) {
        let mut sql = String::from(
            "INSERT INTO decisions (team_id, channel_id, topic, decision, owner, permalink, created_at, \
             channel_private) VALUES ",
        );
        for (n, i) in chunk.iter().enumerate() {
            let at = week.start_ms + (rng.next() % span) as i64;
            if n > 0 {
                sql.push(',');
            }
            // Half the decisions settle a topic people ask about.
            let topic = if i % 2 == 0 {
                format!("Topic {}", rng.next() % TOPICS)
            } else {
                format!("decided thing {i}")
            };
            sql.push_str(&format!(
                "('{TEAM}', '{CHANNEL}', '{topic}', 'we do option {i}', 'U{:04}', \
                 'https://bench.slack.com/archives/{CHANNEL}/p{i}', {at}, 0)",
                rng.next() % USERS
            ));
        }
        sqlx::query(&sql)
            .execute(&mut *tx)
            .await
            .expect("insert decisions");
    }
    for i in 0..200 {
        sqlx::query(
            "INSERT INTO open_questions (team_id, channel_id, topic, owner, due_date, created_at) \
             VALUES ($1, $2, $3, 'U0001', $4, $5)",
        )
        .bind(TEAM)
        .bind(CHANNEL)
        .bind(format!("open topic {i}"))
        .bind(format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28))
        .bind(week.start_ms)
        .execute(&mut *tx)
        .await
        .expect("insert open questions");
    }
    tx.commit().await.expect("commit");
}

fn digest(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = SecretString::from(format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ));
    let settings = DigestSettings::default();
    // The week of Mon 16 Nov 2026 (UTC), built the next Monday.
    let now = jiff::civil::date(2026, 11, 23)
        .at(9, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_millisecond())
        .expect("a valid time");
    let week = job::last_complete_week(&settings, now);
    let flags = size("CLARITY_BENCH_FLAGS", 100_000);
    let decisions = size("CLARITY_BENCH_DECISIONS", 10_000);
    let store = runtime.block_on(async {
        let store = Store::connect(&url, 1).await.expect("the store opens");
        let started = std::time::Instant::now();
        seed(&store, &week, flags, decisions).await;
        sqlx::query("ANALYZE")
            .execute(store.pool())
            .await
            .expect("analyze");
        eprintln!(
            "seeded {flags} flags and {decisions} decisions in one week in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        store
    });
    let target = DigestTarget {
        team_id: TEAM.into(),
        channel_id: CHANNEL.into(),
        channels: vec![CHANNEL.into()],
        summary: false,
    };
    let built = runtime
        .block_on(job::build(
            &store,
            &settings,
            &target,
            &week,
            Some("https://bench.slack.com/"),
            now,
        ))
        .expect("the digest builds");
    eprintln!(
        "{}: {} asks, {} recurring topics shown, {} decisions",
        built.week.label,
        built.asks.this_week,
        built.recurring.len(),
        built.decisions_total
    );
    let mut group = c.benchmark_group("digest");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function(
        "build one channel's week (100k flags, 10k decisions)",
        |b| {
            b.iter(|| {
                runtime
                    .block_on(job::build(
                        &store,
                        &settings,
                        &target,
                        &week,
                        Some("https://bench.slack.com/"),
                        now,
                    ))
                    .expect("the digest builds")
            });
        },
    );
    group.finish();
}

criterion_group!(benches, digest);
criterion_main!(benches);
