//! Nothing lost, nothing doubled: rate limits, restarts and a hard kill.

use crate::helpers::*;

crate::sqlite_and_postgres! {
    a_rate_limited_reply_is_delivered_once_after_retry_after => a_rate_limited_reply_is_delivered_once_after_retry_after;
    the_bot_killed_after_acknowledging_delivers_the_reply_once_after_restart => the_bot_killed_after_acknowledging_delivers_the_reply_once_after_restart;
    a_reply_that_reached_slack_before_a_kill_is_not_posted_again => a_reply_that_reached_slack_before_a_kill_is_not_posted_again;
    a_rate_limited_thread_check_is_retried_not_taken_as_no_reply => a_rate_limited_thread_check_is_retried_not_taken_as_no_reply;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_sigterm_a_copy_of_the_sqlite_file_alone_holds_every_row() {
    after_sigterm_a_copy_of_the_sqlite_file_alone_holds_every_row_on_sqlite().await;
}
use std::process::{Command, Stdio};

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

async fn a_rate_limited_reply_is_delivered_once_after_retry_after(backend: Backend) {
    let app = spawn_app(backend).await;
    app.slack.rate_limit_next_posts(1);
    send_all(
        &app,
        &[message_event(
            "Ev429",
            "C111",
            "1700001000.000100",
            None,
            ASK,
        )],
    )
    .await;
    app.wait_until_idle().await;
    assert_eq!(app.slack.rate_limited(), 1);
    assert_eq!(app.slack.posts().len(), 1);
}

/// A free loopback port for a child process.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The bot as a child process; killed (SIGKILL) when dropped, so a failing
/// test never leaves it running.
pub struct Bot(pub std::process::Child);

impl Bot {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.kill();
    }
}

fn start_bot(db: &TestDb, slack: &FakeSlack, port: u16) -> Bot {
    start_bot_logging(db, slack, port, "warn", Stdio::null())
}

/// The bot as a process, logging at `level` to `log`.
pub fn start_bot_logging(
    db: &TestDb,
    slack: &FakeSlack,
    port: u16,
    level: &str,
    log: Stdio,
) -> Bot {
    bot_command(db, slack, port, level)
        .stderr(log)
        .spawn()
        .map(Bot)
        .expect("the binary starts")
}

/// The bot binary as deployed, `serve` on `port` with one bot token and
/// logging at `level` to stderr; callers change its environment (another
/// mode) and say where stderr goes before spawning it.
pub fn bot_command(db: &TestDb, slack: &FakeSlack, port: u16, level: &str) -> Command {
    let config = db.dir.path().join("clarity.toml");
    std::fs::write(
        &config,
        "[workers]\nlease_ms = 300\npoll_interval_ms = 50\n",
    )
    .expect("config");
    let mut command = Command::new(env!("CARGO_BIN_EXE_clarity-bot"));
    command
        .arg("serve")
        .env("CLARITY_CONFIG", &config)
        .env("CLARITY_BIND", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", &db.url)
        .env("SLACK_API_URL", &slack.base_url)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("RUST_LOG", level)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null());
    command
}

/// Posts a body, signed now, to the bot on `port`.
pub async fn post_event_to(port: u16, body: String) -> reqwest::Response {
    let timestamp = now_secs().to_string();
    http()
        .post(format!("http://127.0.0.1:{port}/slack/events"))
        .header("x-slack-request-timestamp", &timestamp)
        .header("x-slack-signature", sign(SIGNING_SECRET, &timestamp, &body))
        .body(body)
        .send()
        .await
        .expect("reaches the bot")
}

/// Waits until the bot on `port` reports an empty outbox on /metrics.
async fn wait_outbox_empty(port: u16) {
    let client = http();
    wait_for("the outbox to be empty", || {
        let client = client.clone();
        async move {
            match client
                .get(format!("http://127.0.0.1:{port}/metrics"))
                .send()
                .await
            {
                Ok(r) => r
                    .text()
                    .await
                    .is_ok_and(|t| t.contains("clarity_outbox_depth 0")),
                Err(_) => false,
            }
        }
    })
    .await;
}

pub async fn wait_ready(port: u16) {
    let client = http();
    wait_for("the bot to be ready", || {
        let client = client.clone();
        async move {
            client
                .get(format!("http://127.0.0.1:{port}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
}

async fn the_bot_killed_after_acknowledging_delivers_the_reply_once_after_restart(
    backend: Backend,
) {
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    slack.hold_posts();
    let port = free_port();
    let mut bot = start_bot(&db, &slack, port);
    wait_ready(port).await;

    let body = message_event("EvKill", "C111", "1700001200.000100", None, ASK);
    let response = post_event_to(port, body).await;
    assert_eq!(response.status(), 200, "acknowledged");
    wait_for("the reply to be attempted", || async {
        slack.held_attempts() > 0
    })
    .await;
    bot.kill();
    assert!(slack.posts().is_empty());

    slack.release_posts();
    let port = free_port();
    let mut bot = start_bot(&db, &slack, port);
    wait_ready(port).await;
    wait_for("the reply after restart", || async {
        !slack.posts().is_empty()
    })
    .await;
    // Give a doubled reply every chance to show up before checking.
    wait_outbox_empty(port).await;
    bot.kill();
    assert_eq!(slack.posts().len(), 1, "{:?}", slack.posts());
}

/// The bot answers an ask; Slack takes the reply but never answers, and the
/// bot is killed (SIGKILL) before it learns the reply's ts.
async fn deliver_then_kill(db: &TestDb, slack: &FakeSlack, event_id: &str, ts: &str) {
    slack.hold_after_delivery(true);
    let port = free_port();
    let mut bot = start_bot(db, slack, port);
    wait_ready(port).await;
    let body = message_event(event_id, "C111", ts, None, ASK);
    assert_eq!(post_event_to(port, body).await.status(), 200);
    wait_for("the reply to reach Slack", || async {
        slack.posts().len() == 1
    })
    .await;
    bot.kill();
    slack.hold_after_delivery(false);
}

async fn a_reply_that_reached_slack_before_a_kill_is_not_posted_again(backend: Backend) {
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    deliver_then_kill(&db, &slack, "EvDelivered", "1700001300.000100").await;

    let port = free_port();
    let mut bot = start_bot(&db, &slack, port);
    wait_ready(port).await;
    wait_for("the bot to look at the thread", || async {
        !slack.calls("conversations.replies").is_empty()
    })
    .await;
    wait_outbox_empty(port).await;
    bot.kill();
    assert_eq!(slack.posts().len(), 1, "{:?}", slack.posts());
}

async fn a_rate_limited_thread_check_is_retried_not_taken_as_no_reply(backend: Backend) {
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    deliver_then_kill(&db, &slack, "EvCheck429", "1700001400.000100").await;

    // The check for the reply is rate limited twice (Retry-After: 0) before
    // Slack answers it: the bot asks again, never posts "on doubt".
    slack.rate_limit_next_replies(2);
    let port = free_port();
    let mut bot = start_bot(&db, &slack, port);
    wait_ready(port).await;
    wait_for("the thread check to be answered", || async {
        slack.calls("conversations.replies").len() >= 3
    })
    .await;
    wait_outbox_empty(port).await;
    bot.kill();
    assert_eq!(slack.rate_limited(), 2);
    let posts = slack.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(
        posts[0]["metadata"]["event_type"], "clarity_reply",
        "the reply carries its marker: {:?}",
        posts[0]
    );
}

/// Sends SIGTERM and waits (deadline 15 s) for a clean exit.
fn terminate(bot: &mut Bot) -> std::process::ExitStatus {
    let sent = Command::new("kill")
        .args(["-TERM", &bot.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "SIGTERM sent");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if let Some(status) = bot.0.try_wait().expect("the bot's status") {
            return status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the bot did not stop after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

async fn after_sigterm_a_copy_of_the_sqlite_file_alone_holds_every_row_on_sqlite() {
    let db = TestDb::create(Backend::Sqlite).await;
    let slack = FakeSlack::start().await;
    let port = free_port();
    let mut bot = start_bot(&db, &slack, port);
    wait_ready(port).await;
    let body = message_event("EvBackup", "C111", "1700001400.000100", None, ASK);
    assert_eq!(post_event_to(port, body).await.status(), 200);
    wait_outbox_empty(port).await;
    wait_for("the reply", || async { slack.posts().len() == 1 }).await;
    assert!(terminate(&mut bot).success(), "a clean stop");

    let wal = db.dir.path().join("clarity.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |log| log.len() == 0),
        "the SQLite log still holds writes after a clean stop"
    );
    // What a backup that copies only the database file gets.
    let copy = tempfile::tempdir().expect("tempdir");
    let copied = copy.path().join("clarity.db");
    std::fs::copy(db.dir.path().join("clarity.db"), &copied).expect("copied");
    use sqlx::Connection;
    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", copied.display()))
        .await
        .expect("the copy opens");
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let events = count("SELECT COUNT(*) FROM seen_events")
        .fetch_one(&mut connection)
        .await
        .expect("events");
    let replied = count("SELECT COUNT(*) FROM flags WHERE posted = 1 AND reply_ts IS NOT NULL")
        .fetch_one(&mut connection)
        .await
        .expect("flags");
    let sent = count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
        .fetch_one(&mut connection)
        .await
        .expect("outbox");
    assert_eq!((events, replied, sent), (1, 1, 1));
}
