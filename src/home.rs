//! The App Home tab (`app_home_opened` → `views.publish`): for the person
//! looking, the decisions they may see (searchable by topic, newest first,
//! with owner, date, link, reasoning and the decisions each replaced), the topics asked about and not decided
//! (most repeated first), the open questions they decide with due dates,
//! and the channels the bot is in with whether it would ask there now
//! (muted until, quiet after a recent question until), and how often it
//! asked about the person's own messages today (its daily limit).
//!
//! The tab is published when it is opened or searched, and again, with
//! the same search, for everyone who opened it in the last 30 days when
//! what it shows changes (a decision recorded, a question opened or
//! closed, a channel muted): the store marks those tabs out of date in the
//! transaction that changed it, and [`run_once`] publishes them.
//!
//! Private stays private: a row from a private channel (or one whose
//! privacy Slack never stated) is shown only to a member of that channel,
//! as `users.conversations` lists them, remembered for a minute; when
//! Slack cannot say, every private row is left out.

use crate::respond::blocks::DecisionLine;
use crate::respond::format;
use crate::respond::home::{self, HOME_LINES, Home, Quiet};
use crate::state::AppState;
use std::collections::HashSet;

/// How long a person's private channels are remembered.
const MEMBERSHIP_TTL_MS: i64 = 60 * 1000;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Topics asked about in this window count as open.
const OPEN_WINDOW_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// At most this many out-of-date tabs are published in one step.
const REFRESHES_PER_STEP: i64 = 20;

/// Publishes `user`'s Home tab, searched for `query` when given: they
/// opened it or searched it. From now on it is kept up to date.
pub async fn publish(
    state: &AppState,
    team_id: &str,
    user: &str,
    query: Option<&str>,
    now: i64,
) -> anyhow::Result<()> {
    state.store.home_viewed(team_id, user, query, now).await?;
    refresh(state, team_id, user, query, now).await
}

/// One step of the job that keeps tabs up to date: publishes again the
/// tabs a change made out of date (each on one replica), with the search
/// each last showed. Returns how many it published.
pub async fn run_once(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let stale = state.store.claim_stale_homes(REFRESHES_PER_STEP).await?;
    for home in &stale {
        refresh(
            state,
            &home.team_id,
            &home.user_id,
            home.query.as_deref(),
            now,
        )
        .await?;
    }
    Ok(stale.len())
}

/// Reads and publishes `user`'s tab as it is now. A refusal from Slack is
/// logged; the tab is published again when next opened or changed.
async fn refresh(
    state: &AppState,
    team_id: &str,
    user: &str,
    query: Option<&str>,
    now: i64,
) -> anyhow::Result<()> {
    let home = content(state, team_id, user, query, now).await?;
    if let Err(err) = async {
        state
            .slack(team_id)
            .await?
            .publish_home(user, home::view(&home))
            .await
    }
    .await
    {
        tracing::warn!(error = %err, team = %team_id, "could not publish a Home tab");
    }
    Ok(())
}

/// What `user` may see, gathered from the store.
async fn content(
    state: &AppState,
    team_id: &str,
    user: &str,
    query: Option<&str>,
    now: i64,
) -> anyhow::Result<Home> {
    let members = private_channels_of(state, team_id, user, now).await;
    let may_see = |channel: &str, public: bool| {
        public
            || members
                .as_ref()
                .is_some_and(|in_them| in_them.contains(channel))
    };
    let store = &state.store;
    let policy = &state.settings.file.noise;
    let mut decisions = Vec::new();
    for row in store
        .home_decisions(team_id, query)
        .await?
        .into_iter()
        .filter(|row| may_see(&row.channel_id, row.public))
        .take(HOME_LINES)
    {
        // Its reasoning, and the chain it replaced (in its own channel).
        let (reasoning, replaces) = match store.decision(team_id, row.id).await? {
            Some(full) => {
                let replaced = store.replaced_by(team_id, &full).await?;
                let chain = replaced
                    .into_iter()
                    .map(|old| (old.decision, old.created_at))
                    .collect();
                (full.reasoning, chain)
            }
            None => (None, Vec::new()),
        };
        decisions.push(DecisionLine {
            topic: row.topic,
            decision: row.decision,
            recorded_at: row.created_at,
            owner: row.owner,
            channel: Some(row.channel_id),
            link: row.permalink,
            reasoning,
            replaces,
        });
    }
    let open = store
        .home_topics(team_id, now - OPEN_WINDOW_MS)
        .await?
        .into_iter()
        .filter(|row| may_see(&row.channel_id, row.public))
        .take(HOME_LINES)
        .map(|row| (row.topic, row.channel_id, row.asks))
        .collect();
    let questions = store
        .home_questions(team_id, user)
        .await?
        .into_iter()
        .filter(|row| may_see(&row.channel_id, row.public))
        .take(HOME_LINES)
        .map(|row| {
            let due = row
                .due_date
                .and_then(|date| date.parse::<jiff::civil::Date>().ok())
                .map(format::due);
            (row.topic, row.channel_id, due)
        })
        .collect();
    let channels = store
        .home_channels(team_id, now)
        .await?
        .into_iter()
        .filter(|row| may_see(&row.channel_id, row.public))
        .take(HOME_LINES)
        .map(|row| {
            let cooldown_ends = row
                .last_flag
                .map(|at| at.saturating_add(policy.channel_cooldown_secs.saturating_mul(1000)))
                .filter(|ends| *ends > now);
            let quiet = match (row.muted_until, cooldown_ends) {
                (Some(i64::MAX), _) => Quiet::NotWatched,
                (Some(until), _) => Quiet::Muted(until),
                (None, Some(ends)) => Quiet::CoolingDown(ends),
                (None, None) => Quiet::Listening,
            };
            (row.channel_id, quiet)
        })
        .collect();
    let asked_you = (
        store
            .flags_on_user_since(team_id, user, now - DAY_MS)
            .await?,
        policy.max_flags_per_user_per_day,
    );
    let feedback = store.feedback_counts(team_id, now - OPEN_WINDOW_MS).await?;
    Ok(Home {
        feedback,
        asked_you,
        query: query.map(str::to_string),
        decisions,
        open,
        questions,
        channels,
    })
}

/// The private channels `user` shares with the bot, from Slack (at most a
/// minute old); `None` when Slack could not say.
async fn private_channels_of(
    state: &AppState,
    team_id: &str,
    user: &str,
    now: i64,
) -> Option<HashSet<String>> {
    let key = (team_id.to_string(), user.to_string());
    {
        let cache = state
            .memberships
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((at, channels)) = cache.get(&key)
            && now - at < MEMBERSHIP_TTL_MS
        {
            return Some(channels.clone());
        }
    }
    match async { state.slack(team_id).await?.private_channels_of(user).await }.await {
        Ok(channels) => {
            let mut cache = state
                .memberships
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            // Stale entries go; the map never outgrows its active readers.
            cache.retain(|_, (at, _)| now - *at < MEMBERSHIP_TTL_MS);
            cache.insert(key, (now, channels.clone()));
            Some(channels)
        }
        Err(err) => {
            tracing::warn!(error = %err, team = %team_id, "users.conversations failed; private rows are left out of a Home tab");
            None
        }
    }
}
