//! The weekly digest's loop, and `clarity-bot digest`, the same digests by
//! hand. The scheduled step itself is [`job::run_due`]: this loop wakes it
//! at each slot. The command renders the last complete week's digests and,
//! with `--post`, claims each one's once key and sends it through the one
//! sender, as the bot's outbox would.

use crate::digest::job::{self, DigestTarget, build, build_targets, claim_for, last_complete_week};
use crate::digest::query;
use crate::digest::schedule::DigestSettings;
use crate::domain::digest::Digest;
use crate::respond::digest as render;
use crate::respond::outbox::{self, Sender};
use crate::settings::Settings;
use crate::slack::api::Slack;
use crate::state::{AppState, now_ms};
use crate::store::{Settlement, Store};
use anyhow::Context as _;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The longest the loop sleeps: it wakes at least hourly, so a changed
/// clock or a slot missed while the machine slept is noticed.
const MAX_SLEEP: Duration = Duration::from_secs(3600);
/// After a failed step (say, the database is down), try again this soon.
const RETRY_AFTER: Duration = Duration::from_secs(60);

/// Runs [`job::run_due`] at each slot (and at least hourly) until shutdown; a
/// failed step is logged and retried a minute later.
pub async fn run_loop(state: AppState, shutdown: CancellationToken) {
    if !state.settings.file.digest.enabled {
        return;
    }
    loop {
        let wait = match job::run_due(&state, now_ms()).await {
            Ok(_) => until_next_slot(&state.settings.file.digest, now_ms()),
            Err(err) => {
                tracing::error!(error = format!("{err:#}"), "digest step failed");
                RETRY_AFTER
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = shutdown.cancelled() => break,
        }
    }
}

/// How long until the next slot, at most [`MAX_SLEEP`].
fn until_next_slot(settings: &DigestSettings, now: i64) -> Duration {
    settings
        .schedule
        .next_slot(&settings.timezone.at(now))
        .map(|next| next.timestamp().as_millisecond() - now)
        .and_then(|ms| u64::try_from(ms).ok())
        .map(|ms| Duration::from_millis(ms).clamp(Duration::from_secs(1), MAX_SLEEP))
        .unwrap_or(MAX_SLEEP)
}

/// `clarity-bot digest [--channel ID] [--post]`: renders the last complete
/// week's digests (text, then Block Kit JSON) and, with `post`, claims and
/// sends each one not yet posted, through the outbox and its once key.
pub async fn command(
    settings: Settings,
    channel: Option<String>,
    post: bool,
) -> anyhow::Result<()> {
    let digest_settings = &settings.file.digest;
    let store = Store::open(&settings.database_url, 1).await?;
    let slack = match (&settings.bot_token, post) {
        (Some(token), _) => Some(
            Slack::new(&settings.slack_api_url, token)
                .context("while setting up the Slack client")?,
        ),
        (None, true) => {
            anyhow::bail!("SLACK_BOT_TOKEN: required by `digest --post` (the bot token, xoxb-…)")
        }
        (None, false) => None,
    };
    let identity = match &slack {
        Some(slack) => match slack.auth_test().await {
            Ok(identity) => Some(identity),
            Err(err) if post => {
                return Err(anyhow::anyhow!(err)).with_context(|| {
                    format!(
                        "auth.test at {} failed: check SLACK_BOT_TOKEN and SLACK_API_URL",
                        settings.slack_api_url
                    )
                });
            }
            Err(err) => {
                eprintln!("note: auth.test failed ({err}); rendering without links");
                None
            }
        },
        None => None,
    };
    let team = identity.as_ref().map(|i| i.team_id.0.clone());
    let workspace_url = identity.as_ref().map(|i| i.url.0.to_string());
    let now = now_ms();
    let week = last_complete_week(digest_settings, now);
    let mut targets = build_targets(&store, digest_settings, &week, team.as_deref()).await?;
    if let Some(channel) = &channel {
        targets.retain(|t| &t.channel_id == channel);
        if targets.is_empty() {
            if post {
                anyhow::bail!(
                    "{channel} gets no digest for {}: no flags or decisions there in that week or the one before, or [digest] sends it elsewhere",
                    week.label()
                );
            }
            let team = match team {
                Some(team) => team,
                None => query::channel_team(&store, channel)
                    .await?
                    .with_context(|| {
                        format!("no flags or decisions are recorded for channel {channel}")
                    })?,
            };
            targets.push(DigestTarget {
                team_id: team,
                channel_id: channel.clone(),
                channels: vec![channel.clone()],
                summary: false,
            });
        }
    }
    if targets.is_empty() {
        println!(
            "No digests for {}: no channel had flags or decisions in that week or the one before.",
            week.label()
        );
        return Ok(());
    }
    for target in &targets {
        let digest = build(
            &store,
            digest_settings,
            target,
            &week,
            workspace_url.as_deref(),
            now,
        )
        .await?;
        println!("{}", render::text(&digest));
        println!(
            "{}",
            serde_json::to_string_pretty(&render::blocks(&digest))
                .context("while writing the Block Kit JSON")?
        );
        if let (true, Some(slack), Some(identity)) = (post, &slack, &identity) {
            let sender = Sender {
                slack,
                bot_user_id: &identity.user_id.0,
                max_attempts: settings.file.workers.outbox_max_attempts,
            };
            let lease_ms = i64::try_from(settings.file.workers.lease_ms).unwrap_or(30_000);
            let outcome = post_now(&store, sender, lease_ms, target, &digest).await?;
            eprintln!("{}: {outcome}", target.channel_id);
        }
    }
    Ok(())
}

/// Claims a digest's key and sends it at once, through the one sender (the
/// bot's outbox does the same with a row it claims); says what happened.
async fn post_now(
    store: &Store,
    sender: Sender<'_>,
    lease_ms: i64,
    target: &DigestTarget,
    digest: &Digest,
) -> anyhow::Result<String> {
    let now = now_ms();
    let Some(outbox_id) = store.claim_digest(&claim_for(target, digest), now).await? else {
        return Ok(format!(
            "the digest for {} was already posted (or is queued); not posting it again",
            digest.week.label
        ));
    };
    let Some(row) = store.claim_outbox_row(outbox_id, now, lease_ms).await? else {
        return Ok("queued; a running bot is sending it".into());
    };
    let settlement = outbox::send(sender, row).await;
    let outcome = match &settlement {
        Settlement::Sent { .. } => "posted".to_string(),
        Settlement::Retry { error, .. } => {
            format!("{error}; it stays queued and the bot's outbox will retry")
        }
        Settlement::Failed { error, .. } => format!("{error}; given up"),
    };
    store.settle_outbox(&[settlement], now_ms()).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_sleeps_until_the_next_slot_but_at_most_an_hour() {
        let settings: DigestSettings =
            toml::from_str("schedule = \"0 9 * * MON\"").expect("valid settings");
        // Monday 23 Nov 2026, 08:59:30 UTC.
        let now = jiff::civil::date(2026, 11, 23)
            .at(8, 59, 30, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or_default();
        assert_eq!(until_next_slot(&settings, now), Duration::from_secs(30));
        assert_eq!(until_next_slot(&settings, now + 60_000), MAX_SLEEP);
    }
}
