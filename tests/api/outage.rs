//! PostgreSQL unreachable while the bot runs: a TCP proxy on 127.0.0.1 sits
//! between the bot and the machine's PostgreSQL, and the test cuts and
//! restores it (the server itself is never stopped).

use crate::helpers::*;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

crate::postgres_only! {
    while_the_database_is_unreachable_events_are_refused_and_afterwards_nothing_is_lost_or_doubled => database_outage;
}

const ASK: &str = "before we go further we need to get aligned on the Q3 roadmap";

/// Forwards TCP connections to `upstream` while up; cutting it closes every
/// open connection and refuses new ones until it is restored.
struct Proxy {
    address: String,
    up: Arc<watch::Sender<bool>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address").to_string();
        let up = Arc::new(watch::Sender::new(true));
        let state = up.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut watch = state.subscribe();
                if !*watch.borrow() {
                    continue; // dropped: the connection is refused
                }
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = watch.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Self { address, up }
    }

    fn cut(&self) {
        self.up.send_replace(false);
    }

    fn restore(&self) {
        self.up.send_replace(true);
    }
}

/// `url` with its host and port replaced by the proxy's, and the original
/// `host:port` the proxy forwards to.
fn through_proxy(url: &str, proxy: &str) -> String {
    let mut url = reqwest::Url::parse(url).expect("database URL");
    let (host, port) = proxy.rsplit_once(':').expect("host:port");
    url.set_host(Some(host)).expect("host");
    url.set_port(Some(port.parse().expect("port")))
        .expect("port");
    url.to_string()
}

fn upstream_of(url: &str) -> String {
    let url = reqwest::Url::parse(url).expect("database URL");
    format!(
        "{}:{}",
        url.host_str().unwrap_or("127.0.0.1"),
        url.port().unwrap_or(5432)
    )
}

async fn ready_status(app: &TestApp) -> u16 {
    app.get("/readyz").await.status().as_u16()
}

async fn database_outage() {
    let db = TestDb::create(Backend::Postgres).await;
    let proxy = Proxy::start(upstream_of(&db.url)).await;
    let slack = FakeSlack::start().await;
    // A short lease, so a claim lost in the outage is taken up again soon;
    // one person asks four times.
    let config = "[workers]\nlease_ms = 1000\n[noise]\nmax_flags_per_user_per_day = 10\n";
    let mut settings = settings(&db, &slack, config);
    settings.database_url = through_proxy(&db.url, &proxy.address).into();
    let app = spawn_with(db.clone(), slack.clone(), settings).await;
    assert_eq!(ready_status(&app).await, 200);

    // Acknowledged before the outage; Slack takes the reply but its answer
    // never comes back, so the bot cannot know the reply is there.
    slack.hold_after_delivery(true);
    let first = message_event("EvOutA", "C501", "1700005000.000100", None, ASK);
    assert_eq!(app.post_event(&first).await.status(), 200);
    wait_for("the first reply to reach Slack", || async {
        slack.posts().len() == 1
    })
    .await;

    proxy.cut();
    slack.hold_after_delivery(false);
    wait_for("/readyz to report the database", || async {
        ready_status(&app).await == 503
    })
    .await;
    let during: Vec<String> = (0..3)
        .map(|i| {
            message_event(
                &format!("EvOutB{i}"),
                &format!("C51{i}"),
                &format!("1700005001.00010{i}"),
                None,
                ASK,
            )
        })
        .collect();
    let refused = futures::future::join_all(during.iter().map(|body| app.post_event(body))).await;
    for response in refused {
        assert!(
            !response.status().is_success(),
            "an event that could not be stored is not acknowledged: {}",
            response.status()
        );
    }

    proxy.restore();
    wait_for("/readyz to recover", || async {
        ready_status(&app).await == 200
    })
    .await;
    // Slack retries what was refused, and may retry what was acknowledged.
    for body in during.iter().chain([&first]) {
        assert_eq!(app.post_event(body).await.status(), 200);
    }
    wait_for("a reply to each refused ask", || async {
        slack.posts().len() >= 4
    })
    .await;
    // The first reply's call timed out: before trying again the bot looks
    // for it in the thread.
    wait_for("the bot to look for its unanswered reply", || async {
        !slack.calls("conversations.replies").is_empty()
    })
    .await;
    app.wait_until_idle().await;

    let mut per_thread: HashMap<String, usize> = HashMap::new();
    for post in slack.posts() {
        let thread = post["thread_ts"].as_str().unwrap_or_default().to_string();
        *per_thread.entry(thread).or_insert(0) += 1;
    }
    let expected: HashMap<String, usize> = [
        "1700005000.000100",
        "1700005001.000100",
        "1700005001.000101",
        "1700005001.000102",
    ]
    .into_iter()
    .map(|ts| (ts.to_string(), 1))
    .collect();
    assert_eq!(per_thread, expected, "one reply per ask, none twice");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM seen_events")
        .fetch_one(app.app.store.pool())
        .await
        .expect("count events");
    assert_eq!(stored, 4, "each event stored once, and worked");
    let unreplied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM flags WHERE posted = 1 AND reply_ts IS NULL")
            .fetch_one(app.app.store.pool())
            .await
            .expect("count flags");
    assert_eq!(unreplied, 0, "every posted flag knows its reply");
}
