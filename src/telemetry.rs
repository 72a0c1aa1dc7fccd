//! Logs (tracing: text or JSON lines) and metrics (Prometheus text format),
//! and the words the start-up line describes the running bot with.

use crate::settings::LogFormat;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::io::IsTerminal as _;
use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;

/// Installs the global tracing subscriber; `RUST_LOG` filters (default `info`).
/// Text logs are coloured only on a terminal: a file or a log collector gets
/// no escape codes. `NO_COLOR` turns colour off on a terminal too.
pub fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal() && !no_color)
        .with_writer(std::io::stderr);
    // A second init (tests build several apps in one process) is harmless.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// How Slack reaches the bot, in the start-up line's words.
pub fn mode(http: bool, socket_mode: bool) -> &'static str {
    match (http, socket_mode) {
        (true, true) => "HTTP and Socket Mode",
        (false, true) => "Socket Mode",
        // Without either, `serve` refuses to start; HTTP is what listens.
        (_, false) => "HTTP",
    }
}

/// A database URL as it may be logged: the backend and where it is, never a
/// user's password or the URL's options. `postgres://clarity:pw@db:5432/clarity?sslmode=disable`
/// → `postgres (db:5432/clarity)`; `sqlite://data/clarity.db` → `sqlite (data/clarity.db)`.
pub fn database_description(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let backend = if scheme.starts_with("sqlite") || url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    };
    let rest = rest.trim_start_matches("sqlite:");
    let place = rest.split(['?', '#']).next().unwrap_or("");
    let place = if backend == "postgres" {
        // Only the authority holds credentials: `user:password@host`.
        let (authority, path) = place.split_once('/').unwrap_or((place, ""));
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        if path.is_empty() {
            host.to_string()
        } else {
            format!("{host}/{path}")
        }
    } else {
        place.to_string()
    };
    if place.is_empty() {
        backend.to_string()
    } else {
        format!("{backend} ({place})")
    }
}

/// The process-wide Prometheus recorder, installed on first use.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("clarity_ack_seconds".into()),
                    &[
                        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 3.0,
                    ],
                )
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full("clarity_ingest_commit_seconds".into()),
                        &[
                            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1,
                        ],
                    )
                })
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full("clarity_ingest_batch_events".into()),
                        &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
                    )
                })
                .and_then(|builder| {
                    let recorder = builder.build_recorder();
                    let handle = recorder.handle();
                    metrics::set_global_recorder(recorder).map_err(|err| {
                        metrics_exporter_prometheus::BuildError::FailedToSetGlobalRecorder(err)
                    })?;
                    Ok(handle)
                });
            match recorder {
                Ok(handle) => handle,
                // Another recorder is installed: render an empty registry.
                Err(_) => PrometheusBuilder::new().build_recorder().handle(),
            }
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_is_described_without_its_credentials_or_options() {
        assert_eq!(
            database_description(
                "postgres://clarity:p%40ss:w0rd@db:5432/clarity?sslmode=disable&password=x"
            ),
            "postgres (db:5432/clarity)"
        );
        assert_eq!(
            database_description("postgresql://db.internal/clarity"),
            "postgres (db.internal/clarity)"
        );
        assert_eq!(
            database_description("postgres://u:secret@db"),
            "postgres (db)"
        );
    }

    #[test]
    fn a_sqlite_url_is_described_by_its_file() {
        assert_eq!(
            database_description("sqlite://data/clarity.db"),
            "sqlite (data/clarity.db)"
        );
        assert_eq!(
            database_description("sqlite:///data/clarity.db?mode=rwc"),
            "sqlite (/data/clarity.db)"
        );
        assert_eq!(database_description("sqlite::memory:"), "sqlite (:memory:)");
    }

    #[test]
    fn the_mode_names_each_way_slack_reaches_the_bot() {
        assert_eq!(mode(true, false), "HTTP");
        assert_eq!(mode(false, true), "Socket Mode");
        assert_eq!(mode(true, true), "HTTP and Socket Mode");
    }

    proptest::proptest! {
        #[test]
        fn a_password_in_a_postgres_url_never_reaches_the_description(
            user in "[a-z]{1,8}",
            // Never all lower-case letters: then it could be a part of the host.
            password in "[A-Za-z0-9%@:]{5,19}!",
            host in "[a-z]{1,10}",
        ) {
            let url = format!("postgres://{user}:{password}@{host}:5432/clarity");
            let description = database_description(&url);
            proptest::prop_assert!(!description.contains(&password), "{}", description);
            proptest::prop_assert!(description.contains(&host));
        }
    }
}
