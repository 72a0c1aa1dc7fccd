//! Settings: `config/clarity.toml` plus the environment (DESIGN.md, Interfaces).
//!
//! Secrets come only from the environment and are held as [`SecretString`], so
//! they never reach a log line or an error message. Loading reports every
//! problem at once, each naming the file or variable, the key and what was
//! expected.

use crate::digest::schedule::DigestSettings;
use crate::policy::{MuteSettings, NoisePolicy};
use crate::retention::RetentionSettings;
use crate::slack::token_key::{KeyProblem, TokenKey};
use secrecy::SecretString;
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroU64};
use std::path::{Path, PathBuf};

const DEFAULT_CONFIG: &str = "config/clarity.toml";
const DEFAULT_DATABASE_URL: &str = "sqlite://data/clarity.db";
const DEFAULT_SLACK_API_URL: &str = "https://slack.com/api";
const DEFAULT_BIND: &str = "127.0.0.1:3000";

/// Everything the bot needs to run, resolved from file and environment.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    /// May hold a password: log the store's backend name instead.
    pub database_url: SecretString,
    /// Base URL of the Slack Web API, without a trailing slash.
    pub slack_api_url: String,
    pub bot_token: Option<SecretString>,
    pub signing_secret: Option<SecretString>,
    pub app_token: Option<SecretString>,
    /// `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET`: set together, the bot
    /// serves every workspace that installs it through "Add to Slack"
    /// (multi-workspace mode), each with its own tokens.
    pub oauth: Option<OAuthApp>,
    /// `CLARITY_TOKEN_KEY`: seals the installations' tokens in the database.
    pub token_key: Option<TokenKey>,
    pub log_format: LogFormat,
    /// The file the rest came from (it may not exist: then defaults apply).
    pub config_path: PathBuf,
    pub file: FileSettings,
}

/// The app's OAuth credentials (*Basic Information* → *App Credentials*).
#[derive(Debug, Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: SecretString,
}

/// Log output: human-readable lines or one JSON object per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The contents of `config/clarity.toml`; every section and key is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileSettings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub classifier: ClassifierSettings,
    pub noise: NoisePolicy,
    pub mute: MuteSettings,
    pub threads: ThreadSettings,
    pub after: AfterSettings,
    pub workers: WorkerSettings,
    pub socket_mode: SocketModeSettings,
    pub digest: DigestSettings,
    pub retention: RetentionSettings,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Listen address; `CLARITY_BIND` overrides it.
    pub bind: String,
    /// Request bodies larger than this are refused with 413.
    pub max_body_bytes: usize,
    /// A `/clarity` answer not ready after this many ms goes through the
    /// command's `response_url` instead (Slack waits 3 s); 0 sends every
    /// answer that way.
    pub command_answer_ms: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: DEFAULT_BIND.into(),
            max_body_bytes: 1024 * 1024,
            command_answer_ms: 2500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `DATABASE_URL` overrides it.
    pub url: String,
    pub max_connections: u32,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: DEFAULT_DATABASE_URL.into(),
            max_connections: 8,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifierSettings {
    /// A rules file to use instead of the built-in rules.
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThreadSettings {
    /// How long thread roots and decision statements are kept.
    pub context_retention_days: u32,
    /// Whether to call `conversations.replies` for threads older than the bot.
    pub fetch_missing_roots: bool,
    /// Answer an ask on a topic with a recorded decision with that decision
    /// (at most once per thread) instead of staying quiet.
    pub surface_decisions: bool,
}

impl Default for ThreadSettings {
    fn default() -> Self {
        Self {
            context_retention_days: 90,
            fetch_missing_roots: true,
            surface_decisions: true,
        }
    }
}

/// After the decision: what the bot does once a decision is recorded.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AfterSettings {
    /// Ask a decision's owner, once, for the reasoning it was recorded
    /// without.
    pub ask_why: bool,
    /// Send owners the daily note on their decisions' confusion and
    /// disagreement (each owner, or a workspace, can still turn it off).
    pub reception_notes: bool,
}

impl Default for AfterSettings {
    fn default() -> Self {
        Self {
            ask_why: true,
            reception_notes: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerSettings {
    /// Most events one inbox step claims.
    pub inbox_batch: u32,
    /// Most events persisted in one group commit.
    pub ingest_batch: u32,
    /// Slack calls the outbox sender keeps in flight.
    pub outbox_concurrency: u32,
    /// Attempts before an outbox message is given up as failed.
    pub outbox_max_attempts: u32,
    /// How often workers look for work they were not told about (ms).
    pub poll_interval_ms: u64,
    /// How long a worker holds a claimed event or outbox row (ms) before
    /// another worker, or this one after a restart, may take it over.
    pub lease_ms: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            inbox_batch: 64,
            ingest_batch: 512,
            outbox_concurrency: 8,
            outbox_max_attempts: 8,
            poll_interval_ms: 1000,
            lease_ms: 30_000,
        }
    }
}

/// Socket Mode (used when `SLACK_APP_TOKEN` is set).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SocketModeSettings {
    /// Websockets kept open to Slack; Slack spreads envelopes over them, so a
    /// reconnecting one loses nothing. Slack allows at most 10 per app.
    pub connections: NonZeroU32,
    /// Seconds to wait before trying `apps.connections.open` again after a
    /// failed attempt (Slack allows about one call a minute).
    pub reconnect_secs: NonZeroU64,
}

/// The most websockets Slack lets one app open.
pub const MAX_SOCKET_CONNECTIONS: u32 = 10;

/// The values a numeric key accepts: checked when the file is read, and
/// written beside each key in `config/clarity.toml` (a test keeps the two
/// in step). A value outside would load but misbehave: `min_score = 7`
/// never flags, `max_body_bytes = 0` refuses every request,
/// `outbox_max_attempts = 0` gives a reply up at its first hiccup.
struct Range {
    section: &'static str,
    key: &'static str,
    min: f64,
    max: f64,
    /// What the range protects, for the error message.
    why: &'static str,
}

const RANGES: &[Range] = &[
    Range {
        section: "server",
        key: "max_body_bytes",
        min: 1024.0,
        max: 67_108_864.0,
        why: "Slack's payloads are a few KB; below 1024 every request is refused with 413",
    },
    Range {
        section: "server",
        key: "command_answer_ms",
        min: 0.0,
        max: 2900.0,
        why: "Slack gives up on a command's answer after 3000 ms",
    },
    Range {
        section: "database",
        key: "max_connections",
        min: 1.0,
        max: 100.0,
        why: "the pool needs at least one connection",
    },
    Range {
        section: "noise",
        key: "min_score",
        min: 0.0,
        max: 1.0,
        why: "scores are confidences between 0 and 1; above 1 the bot never asks",
    },
    Range {
        section: "noise",
        key: "channel_cooldown_secs",
        min: 0.0,
        max: 2_592_000.0,
        why: "at most 30 days between two questions in a channel",
    },
    Range {
        section: "noise",
        key: "max_flags_per_user_per_day",
        min: 1.0,
        max: 10_000.0,
        why: "0 would never ask; mute a channel to quiet the bot",
    },
    Range {
        section: "threads",
        key: "context_retention_days",
        min: 1.0,
        max: 3650.0,
        why: "thread context is kept at least a day and at most ten years",
    },
    Range {
        section: "retention",
        key: "inbox_days",
        min: 1.0,
        max: 365.0,
        why: "a failed event is kept at least a day, for a look at its error, and at most a year",
    },
    Range {
        section: "retention",
        key: "flag_text_days",
        min: 1.0,
        max: 3650.0,
        why: "a flag keeps its matched words at least a day and at most ten years",
    },
    Range {
        section: "retention",
        key: "uninstall_grace_days",
        min: 0.0,
        max: 365.0,
        why: "0 deletes an uninstalled workspace's data at once; at most a year",
    },
    Range {
        section: "workers",
        key: "inbox_batch",
        min: 1.0,
        max: 10_000.0,
        why: "a step must claim at least one event",
    },
    Range {
        section: "workers",
        key: "ingest_batch",
        min: 1.0,
        max: 10_000.0,
        why: "a commit must hold at least one event",
    },
    Range {
        section: "workers",
        key: "outbox_concurrency",
        min: 1.0,
        max: 64.0,
        why: "at least one call in flight; Slack's rate limits make more than 64 pointless",
    },
    Range {
        section: "workers",
        key: "outbox_max_attempts",
        min: 1.0,
        max: 100.0,
        why: "0 would give a reply up before it is sent",
    },
    Range {
        section: "workers",
        key: "poll_interval_ms",
        min: 10.0,
        max: 60_000.0,
        why: "between 10 ms and a minute",
    },
    Range {
        section: "workers",
        key: "lease_ms",
        min: 100.0,
        max: 3_600_000.0,
        why: "a shorter lease lets another worker take over a call still in flight",
    },
    Range {
        section: "socket_mode",
        key: "connections",
        min: 1.0,
        max: MAX_SOCKET_CONNECTIONS as f64,
        why: "Slack allows at most 10 per app",
    },
    Range {
        section: "socket_mode",
        key: "reconnect_secs",
        min: 1.0,
        max: 3600.0,
        why: "between a second and an hour",
    },
];

impl Range {
    fn of(section: &str, key: &str) -> Option<&'static Range> {
        RANGES
            .iter()
            .find(|range| range.section == section && range.key == key)
    }

    /// `1 to 100 (why)`.
    fn expected(&self) -> String {
        format!("expected {} to {} ({})", self.min, self.max, self.why)
    }

    /// Whether a number in the file is inside; NaN is not.
    fn holds(&self, value: &toml::Value) -> bool {
        let number = match value {
            toml::Value::Integer(n) => *n as f64,
            toml::Value::Float(x) => *x,
            // Not a number: deserializing it has already said so.
            _ => return true,
        };
        number >= self.min && number <= self.max
    }
}

impl Default for SocketModeSettings {
    fn default() -> Self {
        Self {
            connections: NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN),
            reconnect_secs: NonZeroU64::new(30).unwrap_or(NonZeroU64::MIN),
        }
    }
}

/// Every problem found while loading settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub problems: Vec<String>,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid settings ({} problem(s)):", self.problems.len())?;
        for problem in &self.problems {
            writeln!(f, "  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// Loads settings from the process environment and the config file it names.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::load(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    /// Loads settings with `env` standing in for the environment (tests pass a map).
    pub fn load(env: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let mut problems = Vec::new();
        let explicit = env("CLARITY_CONFIG");
        let config_path = PathBuf::from(explicit.clone().unwrap_or_else(|| DEFAULT_CONFIG.into()));
        let file = match std::fs::read_to_string(&config_path) {
            Ok(text) => parse_file(&config_path, &text).unwrap_or_else(|mut errs| {
                problems.append(&mut errs);
                FileSettings::default()
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                FileSettings::default()
            }
            Err(err) => {
                problems.push(format!(
                    "{}: cannot read the config file (CLARITY_CONFIG): {err}",
                    config_path.display()
                ));
                FileSettings::default()
            }
        };

        problems.extend(file.digest.problems(&config_path));

        let bind_text = env("CLARITY_BIND").unwrap_or_else(|| file.server.bind.clone());
        let bind = bind_text.parse().unwrap_or_else(|_| {
            problems.push(format!("CLARITY_BIND / [server] bind: `{bind_text}` is not an address; expected host:port such as 127.0.0.1:3000"));
            SocketAddr::from(([127, 0, 0, 1], 3000))
        });

        let database_url = env("DATABASE_URL").unwrap_or_else(|| file.database.url.clone());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            problems.push(
                "DATABASE_URL / [database] url: expected sqlite://PATH or postgres://USER@HOST/DB"
                    .to_string(),
            );
        }

        let slack_api_url = env("SLACK_API_URL")
            .unwrap_or_else(|| DEFAULT_SLACK_API_URL.into())
            .trim_end_matches('/')
            .to_string();
        if !(slack_api_url.starts_with("https://") || slack_api_url.starts_with("http://")) {
            problems.push(format!(
                "SLACK_API_URL: `{slack_api_url}` is not a URL; expected https://slack.com/api"
            ));
        }

        let log_format = match env("CLARITY_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                problems.push(format!(
                    "CLARITY_LOG_FORMAT: `{other}` is not a log format; expected text or json"
                ));
                LogFormat::Text
            }
        };

        let secret = |key: &str, prefix: Option<&str>, problems: &mut Vec<String>| {
            let value = env(key)?;
            if let Some(prefix) = prefix
                && !value.starts_with(prefix)
            {
                problems.push(format!(
                    "{key}: expected a token starting with `{prefix}` (the value is not shown)"
                ));
            }
            Some(SecretString::from(value))
        };
        let bot_token = secret("SLACK_BOT_TOKEN", Some("xoxb-"), &mut problems);
        let signing_secret = secret("SLACK_SIGNING_SECRET", None, &mut problems);
        let app_token = secret("SLACK_APP_TOKEN", Some("xapp-"), &mut problems);
        let client_secret = secret("SLACK_CLIENT_SECRET", None, &mut problems);
        let oauth = match (env("SLACK_CLIENT_ID"), client_secret) {
            (Some(client_id), Some(client_secret)) => Some(OAuthApp {
                client_id,
                client_secret,
            }),
            (None, None) => None,
            (Some(_), None) => {
                problems.push("SLACK_CLIENT_SECRET: required with SLACK_CLIENT_ID (multi-workspace mode); expected the app's Client Secret from Basic Information → App Credentials".to_string());
                None
            }
            (None, Some(_)) => {
                problems.push("SLACK_CLIENT_ID: required with SLACK_CLIENT_SECRET (multi-workspace mode); expected the app's Client ID from Basic Information → App Credentials".to_string());
                None
            }
        };
        let token_key = env("CLARITY_TOKEN_KEY").and_then(|text| {
            TokenKey::from_base64(&text)
                .map_err(|problem| {
                    let what = match problem {
                        KeyProblem::NotBase64 => "is not base64".to_string(),
                        KeyProblem::WrongLength(n) => format!("decodes to {n} bytes"),
                    };
                    problems.push(format!("CLARITY_TOKEN_KEY: {what} (the value is not shown); expected 32 random bytes in base64, made with `openssl rand -base64 32`"));
                })
                .ok()
        });

        if problems.is_empty() {
            Ok(Self {
                bind,
                database_url: SecretString::from(database_url),
                slack_api_url,
                bot_token,
                signing_secret,
                app_token,
                oauth,
                token_key,
                log_format,
                config_path,
                file,
            })
        } else {
            Err(SettingsError { problems })
        }
    }

    /// What `serve` needs beyond the defaults; every missing variable at once.
    pub fn require_for_serve(&self) -> Result<(), SettingsError> {
        let mut problems = Vec::new();
        if self.oauth.is_some() {
            if self.token_key.is_none() {
                problems.push("CLARITY_TOKEN_KEY: required when SLACK_CLIENT_ID is set (multi-workspace mode keeps each workspace's tokens encrypted with it); expected 32 random bytes in base64: make one with `openssl rand -base64 32` and keep it with your other secrets".to_string());
            }
            if self.bot_token.is_some() {
                problems.push("SLACK_BOT_TOKEN: not used when SLACK_CLIENT_ID is set (each workspace's token comes from its installation); expected one of the two: unset SLACK_BOT_TOKEN for \"Add to Slack\", or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for one workspace".to_string());
            }
            if self.signing_secret.is_none() {
                problems.push("SLACK_SIGNING_SECRET: required when SLACK_CLIENT_ID is set (Slack reaches every workspace's bot over HTTP)".to_string());
            }
        } else if self.bot_token.is_none() {
            problems.push(
                "SLACK_BOT_TOKEN: required by `serve` (the bot token, xoxb-…), or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for \"Add to Slack\" in many workspaces".to_string(),
            );
        }
        if self.oauth.is_none() && self.signing_secret.is_none() && self.app_token.is_none() {
            problems.push(
                "SLACK_SIGNING_SECRET: required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)".to_string(),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SettingsError { problems })
        }
    }
}

/// Parses the config file, checking each key on its own so that every unknown
/// key and invalid value is reported, not only the first.
pub fn parse_file(path: &Path, text: &str) -> Result<FileSettings, Vec<String>> {
    let file = path.display();
    let table: toml::Table =
        toml::from_str(text).map_err(|err| vec![format!("{file}: not valid TOML: {err}")])?;
    let mut problems = Vec::new();
    for (section, value) in &table {
        match value {
            toml::Value::Table(keys) => {
                for (key, value) in keys {
                    let mut inner = toml::Table::new();
                    inner.insert(key.clone(), value.clone());
                    let mut single = toml::Table::new();
                    single.insert(section.clone(), toml::Value::Table(inner));
                    let range = Range::of(section, key);
                    match FileSettings::deserialize(single) {
                        Err(err) => problems.push(format!(
                            "{file}: [{section}] {key}: {}{}",
                            err.message().trim(),
                            range
                                .map(|range| format!("; {}", range.expected()))
                                .unwrap_or_default()
                        )),
                        Ok(_) => {
                            if let Some(range) = range.filter(|range| !range.holds(value)) {
                                problems.push(format!(
                                    "{file}: [{section}] {key} = {value} is out of range; {}",
                                    range.expected()
                                ));
                            }
                        }
                    }
                }
            }
            _ => {
                let mut single = toml::Table::new();
                single.insert(section.clone(), value.clone());
                let message = match FileSettings::deserialize(single) {
                    Err(err) => err.message().trim().to_string(),
                    Ok(_) => "expected a [section]".to_string(),
                };
                problems.push(format!("{file}: {section}: {message}"));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    FileSettings::deserialize(table)
        .map_err(|err| vec![format!("{file}: {}", err.message().trim())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load(|key| map.get(key).cloned())
    }

    #[test]
    fn the_shipped_config_file_parses_to_the_defaults() {
        let text = include_str!("../config/clarity.toml");
        let parsed =
            parse_file(Path::new("config/clarity.toml"), text).expect("shipped config is valid");
        assert_eq!(parsed, FileSettings::default());
    }

    /// The load benchmark's settings (docs/performance.md) start the bot.
    #[test]
    fn the_bench_config_file_is_valid_and_lifts_the_noise_limits() {
        let text = include_str!("../config/bench.toml");
        let parsed =
            parse_file(Path::new("config/bench.toml"), text).expect("bench config is valid");
        assert_eq!(parsed.noise.channel_cooldown_secs, 0);
        assert_eq!(parsed.noise.max_flags_per_user_per_day, 10_000);
    }

    #[test]
    fn an_inline_sample_overrides_what_it_names() {
        let text = "[noise]\nchannel_cooldown_secs = 0\n[workers]\ninbox_batch = 10\n";
        let parsed = parse_file(Path::new("x.toml"), text).expect("valid");
        assert_eq!(parsed.noise.channel_cooldown_secs, 0);
        assert_eq!(parsed.workers.inbox_batch, 10);
        assert_eq!(parsed.threads.context_retention_days, 90);
    }

    #[test]
    fn every_bad_key_is_reported_at_once_with_file_and_key() {
        let text = "[noise]\ncooldown = 1\nmin_score = \"high\"\n[nosie]\nx = 1\n";
        let problems = parse_file(Path::new("bad.toml"), text).expect_err("invalid");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("bad.toml: [noise] cooldown") && p.contains("unknown field"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("[noise] min_score") && p.contains("expected f64"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("[nosie]") && p.contains("unknown field"))
        );
    }

    #[test]
    fn digest_settings_parse_and_every_bad_value_is_named() {
        let text = "[digest]\nschedule = \"30 8 * * FRI\"\ntimezone = \"Europe/Berlin\"\nsummary_channel = \"C0SUMMARY\"\n[digest.channels]\nC0PRIV = \"own\"\n";
        let parsed = parse_file(Path::new("x.toml"), text).expect("valid");
        assert_eq!(parsed.digest.schedule.as_str(), "30 8 * * FRI");
        assert_eq!(parsed.digest.timezone.name(), "Europe/Berlin");
        assert_eq!(
            parsed.digest.channels.get("C0PRIV"),
            Some(crate::digest::schedule::Target::Own)
        );

        let text = "[digest]\nschedule = \"every monday\"\ntimezone = \"Mars/Olympus\"\nsummary_channel = \"#general\"\n";
        let problems = parse_file(Path::new("bad.toml"), text).expect_err("invalid");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("bad.toml: [digest] schedule")
                    && p.contains("`every monday`")
                    && p.contains("0 9 * * MON"))
        );
        assert!(problems.iter().any(|p| p.contains("[digest] timezone")
            && p.contains("`Mars/Olympus`")
            && p.contains("Europe/Berlin")));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("[digest] summary_channel"))
        );

        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[digest.channels]\nC0AB = \"summary\"\n").expect("write");
        let err = load(&[("CLARITY_CONFIG", path.to_str().unwrap_or_default())])
            .expect_err("summary without a summary channel");
        assert!(err.to_string().contains("summary_channel"), "{err}");
    }

    #[test]
    fn environment_overrides_and_secrets_are_not_shown() {
        let settings = load(&[("CLARITY_CONFIG", "/nonexistent/clarity.toml")])
            .expect_err("an explicit missing config file is an error");
        assert!(settings.to_string().contains("/nonexistent/clarity.toml"));

        let settings = load(&[
            ("SLACK_API_URL", "http://127.0.0.1:9/api/"),
            ("SLACK_BOT_TOKEN", "xoxb-123"),
            ("SLACK_SIGNING_SECRET", "shh"),
            ("CLARITY_BIND", "127.0.0.1:0"),
        ])
        .expect("valid");
        assert_eq!(settings.slack_api_url, "http://127.0.0.1:9/api");
        assert_eq!(settings.bind.port(), 0);
        assert!(!format!("{settings:?}").contains("xoxb-123"));
        assert!(!format!("{settings:?}").contains("shh"));
    }

    #[test]
    fn socket_mode_settings_are_checked() {
        let parsed = parse_file(
            Path::new("x.toml"),
            "[socket_mode]\nconnections = 1\nreconnect_secs = 5\n",
        )
        .expect("valid");
        assert_eq!(parsed.socket_mode.connections.get(), 1);
        assert_eq!(parsed.socket_mode.reconnect_secs.get(), 5);

        let problems = parse_file(
            Path::new("bad.toml"),
            "[socket_mode]\nconnections = 0\nreconnect_secs = 0\n",
        )
        .expect_err("zero is not a count or a wait");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("[socket_mode]"), "{problems:?}");

        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("clarity.toml");
        std::fs::write(&path, "[socket_mode]\nconnections = 11\n").expect("write");
        let err = load(&[("CLARITY_CONFIG", &path.display().to_string())]).expect_err("too many");
        assert!(
            err.to_string().contains(
                "[socket_mode] connections = 11 is out of range; expected 1 to 10 (Slack allows at most 10 per app)"
            ),
            "{err}"
        );
    }

    #[test]
    fn out_of_range_numbers_are_all_reported_with_file_key_value_and_range() {
        let text = "[noise]\nmin_score = 7\n[server]\nmax_body_bytes = 0\n\
                    [workers]\noutbox_max_attempts = 0\nlease_ms = 0\n";
        let problems = parse_file(Path::new("bad.toml"), text).expect_err("out of range");
        assert_eq!(
            problems,
            [
                "bad.toml: [noise] min_score = 7 is out of range; expected 0 to 1 (scores are confidences between 0 and 1; above 1 the bot never asks)",
                "bad.toml: [server] max_body_bytes = 0 is out of range; expected 1024 to 67108864 (Slack's payloads are a few KB; below 1024 every request is refused with 413)",
                "bad.toml: [workers] lease_ms = 0 is out of range; expected 100 to 3600000 (a shorter lease lets another worker take over a call still in flight)",
                "bad.toml: [workers] outbox_max_attempts = 0 is out of range; expected 1 to 100 (0 would give a reply up before it is sent)",
            ]
        );
    }

    #[test]
    fn not_a_number_and_negative_values_name_the_range_too() {
        for (text, shown) in [
            (
                "[noise]\nmin_score = nan\n",
                "min_score = nan is out of range",
            ),
            (
                "[noise]\nmin_score = -1\n",
                "min_score = -1 is out of range",
            ),
            (
                "[noise]\nmin_score = -0.5\n",
                "min_score = -0.5 is out of range",
            ),
            (
                "[noise]\nchannel_cooldown_secs = -1\n",
                "channel_cooldown_secs = -1 is out of range",
            ),
        ] {
            let problems = parse_file(Path::new("bad.toml"), text).expect_err(text);
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].starts_with("bad.toml: [noise] "),
                "{problems:?}"
            );
            assert!(problems[0].contains(shown), "{problems:?}");
            assert!(problems[0].contains("; expected 0 to "), "{problems:?}");
        }
        // An unsigned key cannot even hold -1: the type error names the range.
        let problems = parse_file(Path::new("bad.toml"), "[workers]\ninbox_batch = -1\n")
            .expect_err("negative");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("bad.toml: [workers] inbox_batch"),
            "{problems:?}"
        );
        assert!(problems[0].contains("-1"), "{problems:?}");
        assert!(problems[0].contains("expected 1 to 10000"), "{problems:?}");
    }

    #[test]
    fn retention_days_are_read_and_each_bad_one_is_named_with_its_range() {
        let text = "[retention]\ninbox_days = 3\nflag_text_days = 60\nuninstall_grace_days = 0\n";
        let parsed = parse_file(Path::new("x.toml"), text).expect("valid");
        assert_eq!(
            (
                parsed.retention.inbox_days,
                parsed.retention.flag_text_days,
                parsed.retention.uninstall_grace_days
            ),
            (3, 60, 0)
        );
        let text =
            "[retention]\ninbox_days = 0\nflag_text_days = 4000\nuninstall_grace_days = -1\n";
        let problems = parse_file(Path::new("bad.toml"), text).expect_err("out of range");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(
            problems[..2],
            [
                "bad.toml: [retention] flag_text_days = 4000 is out of range; expected 1 to 3650 (a flag keeps its matched words at least a day and at most ten years)",
                "bad.toml: [retention] inbox_days = 0 is out of range; expected 1 to 365 (a failed event is kept at least a day, for a look at its error, and at most a year)",
            ]
        );
        assert!(
            problems[2].starts_with("bad.toml: [retention] uninstall_grace_days: ")
                && problems[2].contains("-1")
                && problems[2].ends_with("expected 0 to 365 (0 deletes an uninstalled workspace's data at once; at most a year)"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_range_edges_are_accepted() {
        let text = "[noise]\nmin_score = 0.0\nmax_flags_per_user_per_day = 10000\n\
                    [server]\nmax_body_bytes = 1024\ncommand_answer_ms = 0\n\
                    [workers]\nlease_ms = 100\npoll_interval_ms = 10\n";
        let parsed = parse_file(Path::new("x.toml"), text).expect("inside the ranges");
        assert_eq!(parsed.server.max_body_bytes, 1024);
        assert_eq!(parsed.workers.lease_ms, 100);
    }

    /// Each numeric key of the shipped file has a range, and the comment
    /// above the key states it, so people read what start-up enforces.
    #[test]
    fn every_numeric_key_has_a_range_written_in_the_shipped_config() {
        let text = include_str!("../config/clarity.toml");
        let table: toml::Table = toml::from_str(text).expect("TOML");
        let lines: Vec<&str> = text.lines().collect();
        let mut checked = 0;
        for (section, keys) in &table {
            let Some(keys) = keys.as_table() else {
                continue;
            };
            for (key, value) in keys {
                if !(value.is_integer() || value.is_float()) {
                    continue;
                }
                let range = Range::of(section, key)
                    .unwrap_or_else(|| panic!("[{section}] {key} has no range"));
                let at = lines
                    .iter()
                    .position(|line| line.starts_with(&format!("{key} = ")))
                    .unwrap_or_else(|| panic!("{key} is in the file"));
                let comment: String = lines[..at]
                    .iter()
                    .rev()
                    .take_while(|line| line.starts_with('#'))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
                let stated = format!("({} to {}", range.min, range.max);
                assert!(
                    comment.contains(&stated),
                    "[{section}] {key}: the comment should say {stated}: {comment}"
                );
                checked += 1;
            }
        }
        assert_eq!(
            checked,
            RANGES.len(),
            "every range belongs to a shipped key"
        );
    }

    #[test]
    fn an_app_token_that_is_not_xapp_is_refused_without_showing_it() {
        let err = load(&[("SLACK_APP_TOKEN", "xoxb-not-an-app-token")]).expect_err("wrong kind");
        assert!(err.to_string().contains("SLACK_APP_TOKEN"), "{err}");
        assert!(err.to_string().contains("xapp-"), "{err}");
        assert!(!err.to_string().contains("not-an-app-token"), "{err}");
    }

    #[test]
    fn multi_workspace_mode_needs_a_token_key_and_says_how_to_make_one() {
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let multi = [
            ("SLACK_CLIENT_ID", "1111.2222"),
            ("SLACK_CLIENT_SECRET", "client-secret-value"),
            ("SLACK_SIGNING_SECRET", "shh"),
        ];
        let settings = load(&multi).expect("loads");
        let err = settings.require_for_serve().expect_err("no key");
        let text = err.to_string();
        assert!(
            text.contains("CLARITY_TOKEN_KEY: required when SLACK_CLIENT_ID is set"),
            "{text}"
        );
        assert!(text.contains("openssl rand -base64 32"), "{text}");
        assert!(!text.contains("SLACK_BOT_TOKEN"), "{text}");
        assert!(!format!("{settings:?}").contains("client-secret-value"));

        let mut with_key = multi.to_vec();
        with_key.push(("CLARITY_TOKEN_KEY", key));
        let settings = load(&with_key).expect("loads");
        settings.require_for_serve().expect("serves");
        assert!(!format!("{settings:?}").contains(key));

        // Multi-workspace mode takes no bot token; an app token serves
        // apps.event.authorizations.list there, not Socket Mode.
        let mut both = with_key.clone();
        both.push(("SLACK_BOT_TOKEN", "xoxb-one"));
        both.push(("SLACK_APP_TOKEN", "xapp-one"));
        let err = load(&both)
            .expect("loads")
            .require_for_serve()
            .expect_err("ambiguous");
        assert_eq!(err.problems.len(), 1, "{err}");
        assert!(
            err.problems[0].starts_with("SLACK_BOT_TOKEN: not used"),
            "{err}"
        );
    }

    #[test]
    fn a_malformed_token_key_or_half_the_oauth_credentials_are_named_without_the_values() {
        for (value, what) in [
            ("not*base64*at*all", "is not base64"),
            ("c2hvcnQ=", "decodes to 5 bytes"),
        ] {
            let err = load(&[("CLARITY_TOKEN_KEY", value)]).expect_err("malformed");
            let text = err.to_string();
            assert!(text.contains(&format!("CLARITY_TOKEN_KEY: {what} (the value is not shown); expected 32 random bytes in base64")), "{text}");
            assert!(text.contains("openssl rand -base64 32"), "{text}");
            assert!(!text.contains(value), "{text}");
        }
        let err = load(&[("SLACK_CLIENT_ID", "1111.2222")]).expect_err("no secret");
        assert!(
            err.to_string()
                .contains("SLACK_CLIENT_SECRET: required with SLACK_CLIENT_ID"),
            "{err}"
        );
        let err = load(&[("SLACK_CLIENT_SECRET", "half-of-it")]).expect_err("no id");
        assert!(
            err.to_string()
                .contains("SLACK_CLIENT_ID: required with SLACK_CLIENT_SECRET"),
            "{err}"
        );
        assert!(!err.to_string().contains("half-of-it"), "{err}");
    }

    #[test]
    fn invalid_environment_values_are_all_reported() {
        let err = load(&[
            ("CLARITY_BIND", "nowhere"),
            ("CLARITY_LOG_FORMAT", "yaml"),
            ("SLACK_BOT_TOKEN", "secret-value-123"),
            ("DATABASE_URL", "mysql://x"),
        ])
        .expect_err("invalid");
        assert_eq!(err.problems.len(), 4, "{err}");
        assert!(!err.to_string().contains("secret-value-123"));
    }
}
