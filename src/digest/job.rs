//! The digest job: decide which digests a week gets, build them, and post
//! each exactly once through the outbox.
//!
//! [`run_due`] is the scheduled step (tests call it with a fixed clock): for
//! the slot that is due (the latest cron slot at or before `now`, if it
//! passed less than a day ago: a bot that was down at 09:00 posts on
//! start-up), it claims each digest's (team, channel, ISO week) key and
//! queues the post in the same transaction. A restart, a second run or a
//! second replica finds the key taken and posts nothing. The loop in
//! `jobs::digest` only schedules it. `clarity-bot digest` and `/clarity
//! digest` build through the same [`build_targets`], [`build`] and
//! [`preview`].

use super::query::{self, ActiveChannel, Request};
use super::schedule::{DigestSettings, DigestWeek, Target};
use crate::domain::digest::Digest;
use crate::respond::digest as render;
use crate::respond::outgoing::Outgoing;
use crate::slack::api::CallError;
use crate::state::AppState;
use crate::store::{DigestClaim, Store};
use anyhow::Context as _;

/// One digest to build: where it goes and which channels it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestTarget {
    pub team_id: String,
    /// Where it is posted (the key's channel).
    pub channel_id: String,
    /// The channels it is about.
    pub channels: Vec<String>,
    pub summary: bool,
}

/// Which digests the active channels get under the settings: a channel's
/// own digest, or a place in its team's summary (public channels only:
/// a private channel set to the summary gets nothing), or nothing.
/// The summary channel itself never gets a digest of its own.
pub fn targets(settings: &DigestSettings, active: &[ActiveChannel]) -> Vec<DigestTarget> {
    let summary_channel = settings.summary_channel.as_ref().map(|c| c.as_str());
    let default = if summary_channel.is_some() {
        Target::Summary
    } else {
        Target::Own
    };
    let mut out = Vec::new();
    let mut teams: Vec<&str> = active.iter().map(|a| a.team_id.as_str()).collect();
    teams.dedup();
    for team in teams {
        let mut summarised = Vec::new();
        // A direct message with the bot (a decision recorded there) is no
        // channel to post a digest in.
        for channel in active
            .iter()
            .filter(|a| a.team_id == team && !a.channel_id.starts_with('D'))
        {
            let id = channel.channel_id.as_str();
            let target = settings.channels.get(id).unwrap_or(default);
            if Some(id) == summary_channel {
                if channel.public && target != Target::Off {
                    summarised.push(id.to_string());
                }
                continue;
            }
            match target {
                Target::Own => out.push(DigestTarget {
                    team_id: team.to_string(),
                    channel_id: id.to_string(),
                    channels: vec![id.to_string()],
                    summary: false,
                }),
                Target::Summary if channel.public => summarised.push(id.to_string()),
                Target::Summary | Target::Off => {}
            }
        }
        if let Some(summary) = summary_channel
            && !summarised.is_empty()
        {
            out.push(DigestTarget {
                team_id: team.to_string(),
                channel_id: summary.to_string(),
                channels: summarised,
                summary: true,
            });
        }
    }
    out
}

/// The digests a week gets: channels with flags or decisions in that week
/// or the one before (a channel quiet for two weeks hears nothing; one
/// quiet for one week hears so in one line), of `team` when given.
pub async fn build_targets(
    store: &Store,
    settings: &DigestSettings,
    week: &DigestWeek,
    team: Option<&str>,
) -> anyhow::Result<Vec<DigestTarget>> {
    let (from, to) = activity_range(settings, week);
    let mut active = query::active_channels(store, from, to)
        .await
        .context("while finding the week's active channels")?;
    if let Some(team) = team {
        active.retain(|channel| channel.team_id == team);
    }
    Ok(targets(settings, &active))
}

/// The range whose activity earns a digest: the week and the one before.
fn activity_range(settings: &DigestSettings, week: &DigestWeek) -> (i64, i64) {
    (week.previous(settings.timezone.tz()).start_ms, week.end_ms)
}

/// Brings what Slack says of each active channel's privacy up to date
/// (`conversations.info` where it is stale or unknown), so a summary
/// includes only channels Slack calls public now.
async fn refresh_privacy(state: &AppState, week: &DigestWeek, now: i64) -> anyhow::Result<()> {
    let (from, to) = activity_range(&state.settings.file.digest, week);
    let active = query::active_channels(&state.store, from, to)
        .await
        .context("while finding the week's active channels")?;
    for channel in active {
        crate::privacy::is_private(state, &channel.team_id, &channel.channel_id, now).await;
    }
    Ok(())
}

/// Reads one target's digest.
pub async fn build(
    store: &Store,
    settings: &DigestSettings,
    target: &DigestTarget,
    week: &DigestWeek,
    workspace_url: Option<&str>,
    now: i64,
) -> anyhow::Result<Digest> {
    let request = Request {
        team_id: &target.team_id,
        channel_id: &target.channel_id,
        channels: &target.channels,
        summary: target.summary,
        week,
        zone: settings.timezone.tz(),
        now_ms: now,
        workspace_url,
    };
    query::build(store, &request)
        .await
        .with_context(|| format!("while building the digest for {}", target.channel_id))
}

/// The post of a digest, under its once key.
pub fn claim_for(target: &DigestTarget, digest: &Digest) -> DigestClaim {
    DigestClaim {
        team_id: target.team_id.clone(),
        channel_id: target.channel_id.clone(),
        iso_week: digest.week.label.clone(),
        message: Outgoing::Digest {
            channel: target.channel_id.clone(),
            content: render::blocks(digest),
        }
        .queued(
            &target.team_id,
            format!(
                "digest:{}:{}:{}",
                target.team_id, target.channel_id, digest.week.label
            ),
        ),
    }
}

/// The scheduled step. Returns how many digests this call queued.
pub async fn run_due(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let settings = &state.settings.file.digest;
    if !settings.enabled {
        return Ok(0);
    }
    let Some(slot) = settings.schedule.due_slot(&settings.timezone.at(now)) else {
        return Ok(0);
    };
    let week = DigestWeek::reported_at(&slot);
    let store = &state.store;
    if settings.summary_channel.is_some() {
        refresh_privacy(state, &week, now).await?;
    }
    let candidates = build_targets(store, settings, &week, None).await?;
    let mut pending = Vec::new();
    for target in candidates {
        if store
            .digest(&target.team_id, &target.channel_id, &week.label())
            .await?
            .is_none()
        {
            pending.push(target);
        }
    }
    if pending.is_empty() {
        return Ok(0);
    }
    // Each workspace's digests with links into it, as its own token's
    // auth.test names it: in single-workspace mode, the token's workspace
    // only; in multi-workspace mode, each installed one.
    let mut teams: Vec<&str> = pending.iter().map(|t| t.team_id.as_str()).collect();
    teams.sort_unstable();
    teams.dedup();
    let mut queued = 0;
    for team in teams {
        let identity = match async { state.slack(team).await?.auth_test().await }.await {
            Ok(identity) => identity,
            Err(CallError::Permanent(reason)) => {
                tracing::warn!(team = %team, %reason, "no digest for a workspace the bot cannot speak in");
                continue;
            }
            Err(err) => {
                return Err(anyhow::Error::new(err).context("auth.test before posting the digest"));
            }
        };
        let workspace_url = identity.url.0.to_string();
        for target in pending
            .iter()
            .filter(|target| target.team_id == team && target.team_id == identity.team_id.0)
        {
            let digest = build(store, settings, target, &week, Some(&workspace_url), now).await?;
            if store
                .claim_digest(&claim_for(target, &digest), now)
                .await?
                .is_some()
            {
                queued += 1;
                tracing::info!(channel = %target.channel_id, week = %digest.week.label, "digest queued");
            }
        }
    }
    if queued > 0 {
        metrics::counter!("clarity_digests_queued_total").increment(queued as u64);
        state.outbox_ready.notify_one();
    }
    Ok(queued)
}

/// The last complete ISO week as of `now`: what the latest Monday's digest
/// reported on, and what a preview shows.
pub fn last_complete_week(settings: &DigestSettings, now: i64) -> DigestWeek {
    DigestWeek::containing(&settings.timezone.at(now)).previous(settings.timezone.tz())
}

/// `/clarity digest`: the caller's channel's digest for the last complete
/// week, whatever the channel's target (the caller is in the channel).
pub async fn preview(
    store: &Store,
    settings: &DigestSettings,
    team_id: &str,
    channel_id: &str,
    workspace_url: Option<&str>,
    now: i64,
) -> anyhow::Result<Digest> {
    let week = last_complete_week(settings, now);
    let target = DigestTarget {
        team_id: team_id.to_string(),
        channel_id: channel_id.to_string(),
        channels: vec![channel_id.to_string()],
        summary: false,
    };
    build(store, settings, &target, &week, workspace_url, now).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::parse_file;
    use std::path::Path;

    fn active(team: &str, channel: &str, public: bool) -> ActiveChannel {
        ActiveChannel {
            team_id: team.into(),
            channel_id: channel.into(),
            public,
        }
    }

    fn settings(toml: &str) -> DigestSettings {
        parse_file(Path::new("t.toml"), toml)
            .expect("valid settings")
            .digest
    }

    #[test]
    fn each_channel_gets_its_own_digest_by_default() {
        let plan = targets(
            &settings(""),
            &[
                active("T1", "C01", true),
                active("T1", "D03", false),
                active("T1", "G02", false),
            ],
        );
        let channels: Vec<&str> = plan.iter().map(|t| t.channel_id.as_str()).collect();
        assert_eq!(channels, ["C01", "G02"]);
        assert!(
            plan.iter()
                .all(|t| !t.summary && t.channels == [t.channel_id.clone()])
        );
    }

    #[test]
    fn a_summary_channel_gathers_public_channels_and_never_private_ones() {
        let plan = targets(
            &settings(
                "[digest]\nsummary_channel = \"CSUM\"\n[digest.channels]\nC03 = \"own\"\nC04 = \"off\"\n",
            ),
            &[
                active("T1", "C01", true),
                active("T1", "G02", false),
                active("T1", "C03", true),
                active("T1", "C04", true),
                active("T1", "C05", false),
                active("T1", "CSUM", true),
            ],
        );
        assert_eq!(
            plan,
            [
                DigestTarget {
                    team_id: "T1".into(),
                    channel_id: "C03".into(),
                    channels: vec!["C03".into()],
                    summary: false,
                },
                DigestTarget {
                    team_id: "T1".into(),
                    channel_id: "CSUM".into(),
                    channels: vec!["C01".into(), "CSUM".into()],
                    summary: true,
                },
            ]
        );
    }
}
