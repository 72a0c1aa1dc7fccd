//! The start-up line, as an operator reads it in a log file: no colour
//! codes, and where the bot listens, how Slack reaches it, which database
//! (never its password), which workspace and which bot user.

use crate::helpers::*;
use crate::socket_support::{APP_TOKEN, FakeSocket};
use std::process::{Command, Stdio};

crate::sqlite_and_postgres! {
    the_start_up_line_in_a_log_file_has_no_colour_codes_and_names_what_runs => the_start_up_line_in_a_log_file_has_no_colour_codes_and_names_what_runs;
}

/// A password for the database URL, where the URL has a user but none:
/// PostgreSQL's trust authentication never asks for it, so the bot still
/// connects, and the log must not show it.
const PASSWORD: &str = "s3cret-Pw0rd";

fn with_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority = rest.split('/').next().unwrap_or("");
    match authority.split_once('@') {
        Some((user, _)) if !user.contains(':') && scheme.starts_with("postgres") => {
            format!("{scheme}://{user}:{PASSWORD}@{}", &rest[user.len() + 1..])
        }
        _ => url.to_string(),
    }
}

async fn the_start_up_line_in_a_log_file_has_no_colour_codes_and_names_what_runs(backend: Backend) {
    let db = TestDb::create(backend).await;
    let slack = FakeSlack::start().await;
    // On PostgreSQL the bot takes both ways in: HTTP and Socket Mode.
    let socket = FakeSocket::start().await;
    let both = backend == Backend::Postgres;
    if both {
        slack.serve_socket_mode(&socket.url);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let config = db.dir.path().join("clarity.toml");
    std::fs::write(&config, "[socket_mode]\nconnections = 1\n").expect("config");
    let log = db.dir.path().join("bot.log");
    let url = with_password(&db.url);
    let mut command = Command::new(env!("CARGO_BIN_EXE_clarity-bot"));
    command
        .arg("serve")
        .env("CLARITY_CONFIG", &config)
        .env("CLARITY_BIND", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", &url)
        .env("SLACK_API_URL", &slack.base_url)
        .env("SLACK_BOT_TOKEN", "xoxb-test-token")
        .env("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .env_remove("CLARITY_LOG_FORMAT")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"));
    if both {
        command.env("SLACK_APP_TOKEN", APP_TOKEN);
    } else {
        command.env_remove("SLACK_APP_TOKEN");
    }
    let _bot = command
        .spawn()
        .map(crate::resilience::Bot)
        .expect("the binary starts");
    let client = http();
    wait_for("the bot to be ready", || {
        let request = client.get(format!("http://127.0.0.1:{port}/readyz")).send();
        async move { request.await.is_ok_and(|r| r.status() == 200) }
    })
    .await;

    let text = std::fs::read_to_string(&log).expect("the log");
    assert!(
        !text.contains("\x1b["),
        "colour codes in a log file:\n{text}"
    );
    let line = text
        .lines()
        .find(|line| line.contains("clarity-bot listening"))
        .unwrap_or_else(|| panic!("no start-up line in:\n{text}"));
    assert!(line.contains(" INFO "), "{line}");
    assert!(
        line.contains(&format!("address=127.0.0.1:{port}")),
        "{line}"
    );
    let mode = if both { "HTTP and Socket Mode" } else { "HTTP" };
    assert!(line.contains(&format!("mode=\"{mode}\"")), "{line}");
    let database = match backend {
        Backend::Sqlite => format!(
            "database=\"sqlite ({}/clarity.db)\"",
            db.dir.path().display()
        ),
        Backend::Postgres => "database=\"postgres (".to_string(),
    };
    assert!(line.contains(&database), "{database} not in {line}");
    assert!(
        line.contains(&format!("workspace=\"Test ({TEAM})\"")),
        "{line}"
    );
    assert!(
        line.contains(&format!("bot_user=\"clarity ({BOT_USER})\"")),
        "{line}"
    );
    assert!(
        !text.contains(PASSWORD),
        "the password is in the log:\n{text}"
    );
    assert!(!text.contains("xoxb-test-token"), "{text}");
}
