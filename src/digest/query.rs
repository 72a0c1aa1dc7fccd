//! The digest's reads: a handful of aggregations, each answered by an index
//! from migration 0004 (a channel's week of flags, a topic's history, the
//! week's decisions) or 0009 (a decision's receptions and reopens), never by
//! loading rows into Rust. Queries use `$N`
//! placeholders and plain integer columns, so both backends run them as is.
//!
//! In a summary (`Request::summary`), every read also requires the row's
//! channel to be public (`channel_private = 0`), on top of the caller
//! passing only public channels.

use super::schedule::DigestWeek;
use crate::domain::digest::{
    AfterDecision, DecidedTopic, Digest, OldestTopic, OpenQuestion, Outcome, Reception,
    RecurringTopic, Reopened, Trend, Unexplained, Week,
};
use crate::store::Store;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sqlx::Row;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// At most this many lines per list: the digest must read well on a phone.
pub const LIST_LIMIT: i64 = 5;

/// What to build a digest of.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub team_id: &'a str,
    /// Where the digest goes.
    pub channel_id: &'a str,
    /// The channels it is about: `[channel_id]`, or a summary's public channels.
    pub channels: &'a [String],
    pub summary: bool,
    pub week: &'a DigestWeek,
    pub zone: &'a TimeZone,
    /// For "overdue" (ms).
    pub now_ms: i64,
    /// `https://acme.slack.com/` (from `auth.test`), for links to asks.
    pub workspace_url: Option<&'a str>,
}

type AnyQuery<'q> = Query<'q, sqlx::Any, AnyArguments<'q>>;

/// `channel_id IN ($first, …)` for the request's channels, plus the
/// privacy filter of a summary, on the table alias `alias`.
fn scope_sql(alias: &str, first: usize, request: &Request<'_>) -> String {
    let placeholders: Vec<String> = (0..request.channels.len().max(1))
        .map(|i| format!("${}", first + i))
        .collect();
    let private = if request.summary {
        format!(" AND {alias}.channel_private = 0")
    } else {
        String::new()
    };
    format!(
        "{alias}.channel_id IN ({}){private}",
        placeholders.join(", ")
    )
}

fn bind_channels<'q>(mut query: AnyQuery<'q>, request: &'q Request<'q>) -> AnyQuery<'q> {
    if request.channels.is_empty() {
        // `IN ($n)` with a value no channel has: an empty scope reads nothing.
        return query.bind("");
    }
    for channel in request.channels {
        query = query.bind(channel.as_str());
    }
    query
}

/// Reads everything a digest shows.
pub async fn build(store: &Store, request: &Request<'_>) -> Result<Digest, sqlx::Error> {
    let week = request.week;
    let before = week.previous(request.zone);
    let counts = counts(store, request, before.start_ms).await?;
    let recurring = recurring(store, request).await?;
    let (decisions, decisions_total) = decisions(store, request).await?;
    let (open_questions, open_total) = open_questions(store, request).await?;
    let oldest_open = oldest_open(store, request).await?;
    let after = after_decision(store, request).await?;
    Ok(Digest {
        channel_id: request.channel_id.to_string(),
        summary_of: request.summary.then_some(request.channels.len()),
        week: Week {
            label: week.label(),
            monday: week.monday,
            sunday: week.sunday(),
        },
        asks: counts.asks,
        premature: counts.premature,
        confusion: counts.confusion,
        disagreement: counts.disagreement,
        recurring,
        decisions,
        decisions_total,
        open_questions,
        open_total,
        oldest_open,
        posted: counts.posted,
        not_alignment: counts.not_alignment,
        helpful: counts.helpful,
        after,
    })
}

struct Counts {
    asks: Trend,
    premature: Trend,
    confusion: i64,
    disagreement: i64,
    posted: i64,
    not_alignment: i64,
    helpful: i64,
}

/// Every count of the week and the week before, in one pass over the
/// channel's two weeks of flags (the `flags_digest_week` index covers it).
async fn counts(
    store: &Store,
    request: &Request<'_>,
    before_start: i64,
) -> Result<Counts, sqlx::Error> {
    let this = "f.created_at >= $2";
    let last = "f.created_at < $2";
    let ask = "f.kind = 'alignment_request'";
    let sum = |condition: String, name: &str| {
        format!("COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS {name}")
    };
    let columns = [
        sum(format!("{this} AND {ask}"), "asks"),
        sum(format!("{last} AND {ask}"), "asks_before"),
        sum(format!("{this} AND {ask} AND f.premature = 1"), "premature"),
        sum(
            format!("{last} AND {ask} AND f.premature = 1"),
            "premature_before",
        ),
        sum(format!("{this} AND f.kind = 'confusion'"), "confusion"),
        sum(
            format!("{this} AND f.kind = 'disagreement'"),
            "disagreement",
        ),
        sum(format!("{this} AND f.posted = 1"), "posted"),
        sum(
            format!("{this} AND f.feedback = 'not_alignment'"),
            "not_alignment",
        ),
        sum(
            format!(
                "{this} AND EXISTS (SELECT 1 FROM flag_feedback ff WHERE ff.team_id = f.team_id \
                 AND ff.flag_id = f.id AND ff.feedback = 'helpful')"
            ),
            "helpful",
        ),
    ];
    let sql = format!(
        "SELECT {} FROM flags f WHERE f.team_id = $1 AND f.created_at >= $3 AND f.created_at < $4 AND {}",
        columns.join(", "),
        scope_sql("f", 5, request)
    );
    let query = sqlx::query(&sql)
        .bind(request.team_id)
        .bind(request.week.start_ms)
        .bind(before_start)
        .bind(request.week.end_ms);
    let row = bind_channels(query, request)
        .fetch_one(store.pool())
        .await?;
    let get = |name: &str| row.try_get::<i64, _>(name);
    Ok(Counts {
        asks: Trend {
            this_week: get("asks")?,
            week_before: get("asks_before")?,
        },
        premature: Trend {
            this_week: get("premature")?,
            week_before: get("premature_before")?,
        },
        confusion: get("confusion")?,
        disagreement: get("disagreement")?,
        posted: get("posted")?,
        not_alignment: get("not_alignment")?,
        helpful: get("helpful")?,
    })
}

/// Undecided topics asked about this week that were asked in two or more
/// threads or by two or more people (counting every ask up to the week's
/// end). The week's distinct topics come first; each one's history is then
/// read through the `flags_digest_topic` index.
async fn recurring(
    store: &Store,
    request: &Request<'_>,
) -> Result<Vec<RecurringTopic>, sqlx::Error> {
    let sql = format!(
        "SELECT g.channel_id, g.topic, g.asks, g.askers, g.threads, g.first_at, g.latest_at FROM ( \
           SELECT f.channel_id AS channel_id, f.topic AS topic, COUNT(*) AS asks, \
             COUNT(DISTINCT f.user_id) AS askers, COUNT(DISTINCT f.thread_ts) AS threads, \
             MIN(f.created_at) AS first_at, MAX(f.created_at) AS latest_at \
           FROM (SELECT DISTINCT w.channel_id AS channel_id, w.topic AS topic FROM flags w \
                 WHERE w.team_id = $1 AND w.created_at >= $2 AND w.created_at < $3 \
                 AND w.kind = 'alignment_request' AND w.premature = 1 AND w.topic IS NOT NULL AND {}) t \
           JOIN flags f ON f.team_id = $1 AND f.channel_id = t.channel_id AND f.topic = t.topic \
           WHERE f.created_at < $3 AND f.kind = 'alignment_request' AND f.premature = 1{} \
           GROUP BY f.channel_id, f.topic \
           HAVING COUNT(DISTINCT f.user_id) >= 2 OR COUNT(DISTINCT f.thread_ts) >= 2) g \
         WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.team_id = $1 AND d.channel_id = g.channel_id \
           AND LOWER(d.topic) = LOWER(g.topic) AND d.created_at < $3) \
         ORDER BY g.asks DESC, g.latest_at DESC, g.topic LIMIT {LIST_LIMIT}",
        scope_sql("w", 4, request),
        if request.summary {
            " AND f.channel_private = 0"
        } else {
            ""
        },
    );
    let query = sqlx::query(&sql)
        .bind(request.team_id)
        .bind(request.week.start_ms)
        .bind(request.week.end_ms);
    let rows = bind_channels(query, request)
        .fetch_all(store.pool())
        .await?;
    let mut topics = Vec::with_capacity(rows.len());
    for row in rows {
        let channel: String = row.try_get("channel_id")?;
        let topic: String = row.try_get("topic")?;
        let link = latest_ask_link(store, request, &channel, &topic).await?;
        topics.push(RecurringTopic {
            channel: request.summary.then(|| channel.clone()),
            asks: row.try_get("asks")?,
            askers: row.try_get("askers")?,
            threads: row.try_get("threads")?,
            since: day(row.try_get("first_at")?, request.zone),
            link,
            topic,
        });
    }
    Ok(topics)
}

/// A link to the latest ask on a topic (in its thread, when a reply).
async fn latest_ask_link(
    store: &Store,
    request: &Request<'_>,
    channel: &str,
    topic: &str,
) -> Result<Option<String>, sqlx::Error> {
    let Some(base) = request.workspace_url else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT message_ts, thread_ts FROM flags WHERE team_id = $1 AND channel_id = $2 AND topic = $3 \
         AND created_at < $4 AND kind = 'alignment_request' AND premature = 1 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(request.team_id)
    .bind(channel)
    .bind(topic)
    .bind(request.week.end_ms)
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let ts: String = row.try_get("message_ts")?;
    let thread: String = row.try_get("thread_ts")?;
    Ok(message_link(base, channel, &ts, &thread))
}

/// `https://acme.slack.com/archives/C1/p1700000100000100`, with the thread
/// named for a reply; `None` for anything that does not look like a ts.
pub fn message_link(base: &str, channel: &str, ts: &str, thread_ts: &str) -> Option<String> {
    let digits = |ts: &str| {
        let digits: String = ts.chars().filter(|c| *c != '.').collect();
        (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
    };
    let valid_base = base.starts_with("https://") || base.starts_with("http://");
    let valid_channel = channel.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid_base || !valid_channel {
        return None;
    }
    let base = base.trim_end_matches('/');
    let mut link = format!("{base}/archives/{channel}/p{}", digits(ts)?);
    if thread_ts != ts && digits(thread_ts).is_some() {
        link.push_str(&format!("?thread_ts={thread_ts}&cid={channel}"));
    }
    Some(link)
}

/// Decisions recorded in the week and still current: the newest few, and
/// how many in all.
async fn decisions(
    store: &Store,
    request: &Request<'_>,
) -> Result<(Vec<DecidedTopic>, i64), sqlx::Error> {
    let filter = format!(
        "d.team_id = $1 AND d.created_at >= $2 AND d.created_at < $3 AND d.superseded_by IS NULL AND {}",
        scope_sql("d", 4, request)
    );
    let list = format!(
        "SELECT d.channel_id, d.topic, d.decision, d.owner, d.permalink FROM decisions d \
         WHERE {filter} ORDER BY d.created_at DESC, d.id DESC LIMIT {LIST_LIMIT}"
    );
    let query = sqlx::query(&list)
        .bind(request.team_id)
        .bind(request.week.start_ms)
        .bind(request.week.end_ms);
    let rows = bind_channels(query, request)
        .fetch_all(store.pool())
        .await?;
    let items = rows
        .iter()
        .map(|row| {
            let channel: String = row.try_get("channel_id")?;
            Ok(DecidedTopic {
                topic: row.try_get("topic")?,
                decision: row.try_get("decision")?,
                owner: row.try_get("owner")?,
                channel: request.summary.then_some(channel),
                link: row.try_get("permalink")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let total = count(
        store,
        request,
        &format!("SELECT COUNT(*) FROM decisions d WHERE {filter}"),
        true,
    )
    .await?;
    Ok((items, total))
}

/// How far back "the last weeks' decisions" go.
const AFTER_WINDOW_MS: i64 = 28 * 24 * 60 * 60 * 1000;

/// After the decision: decisions of the four weeks up to the week's end
/// with their confusion and disagreement (distinct people, up to the
/// week's end), those still without a reason, and decisions reopened in
/// the week with their outcome.
async fn after_decision(
    store: &Store,
    request: &Request<'_>,
) -> Result<AfterDecision, sqlx::Error> {
    let recent = format!(
        "d.team_id = $1 AND d.created_at >= $2 AND d.created_at < $3 AND d.superseded_by IS NULL AND {}",
        scope_sql("d", 4, request)
    );
    let since = request.week.end_ms - AFTER_WINDOW_MS;
    let sql = format!(
        "SELECT d.topic, d.channel_id, d.permalink, \
         COUNT(DISTINCT CASE WHEN r.kind = 'confusion' THEN r.user_id END) AS confused, \
         COUNT(DISTINCT CASE WHEN r.kind = 'disagreement' THEN r.user_id END) AS disagree \
         FROM decisions d JOIN receptions r ON r.team_id = d.team_id AND r.decision_id = d.id \
         AND r.created_at < $3 WHERE {recent} \
         GROUP BY d.id, d.topic, d.channel_id, d.permalink \
         ORDER BY COUNT(DISTINCT r.user_id) DESC, d.id DESC LIMIT {LIST_LIMIT}"
    );
    let query = sqlx::query(&sql)
        .bind(request.team_id)
        .bind(since)
        .bind(request.week.end_ms);
    let reception = bind_channels(query, request)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|row| {
            let channel: String = row.try_get("channel_id")?;
            Ok(Reception {
                topic: row.try_get("topic")?,
                channel: request.summary.then_some(channel),
                confused: row.try_get("confused")?,
                disagree: row.try_get("disagree")?,
                link: row.try_get("permalink")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;

    let unexplained_filter = format!("{recent} AND (d.reasoning IS NULL OR d.reasoning = '')");
    let sql = format!(
        "SELECT d.topic, d.channel_id, d.owner FROM decisions d WHERE {unexplained_filter} \
         ORDER BY d.created_at DESC, d.id DESC LIMIT {LIST_LIMIT}"
    );
    let query = sqlx::query(&sql)
        .bind(request.team_id)
        .bind(since)
        .bind(request.week.end_ms);
    let unexplained = bind_channels(query, request)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|row| {
            let channel: String = row.try_get("channel_id")?;
            Ok(Unexplained {
                topic: row.try_get("topic")?,
                channel: request.summary.then_some(channel),
                owner: row.try_get("owner")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let count_sql = format!("SELECT COUNT(*) FROM decisions d WHERE {unexplained_filter}");
    let query = sqlx::query(&count_sql)
        .bind(request.team_id)
        .bind(since)
        .bind(request.week.end_ms);
    let unexplained_total: i64 = bind_channels(query, request)
        .fetch_one(store.pool())
        .await?
        .try_get(0)?;

    // Each reopened decision once, with its latest outcome.
    let sql = format!(
        "SELECT d.id, d.topic, d.channel_id, MAX(o.outcome) AS outcome FROM reopens o \
         JOIN decisions d ON d.team_id = o.team_id AND d.id = o.decision_id \
         WHERE d.team_id = $1 AND o.created_at >= $2 AND o.created_at < $3 AND {} \
         GROUP BY d.id, d.topic, d.channel_id ORDER BY MIN(o.created_at), d.id LIMIT {LIST_LIMIT}",
        scope_sql("d", 4, request)
    );
    let query = sqlx::query(&sql)
        .bind(request.team_id)
        .bind(request.week.start_ms)
        .bind(request.week.end_ms);
    let reopened = bind_channels(query, request)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|row| {
            let channel: String = row.try_get("channel_id")?;
            let outcome: Option<String> = row.try_get("outcome")?;
            Ok(Reopened {
                topic: row.try_get("topic")?,
                channel: request.summary.then_some(channel),
                // `superseded` sorts after `kept`: MAX is the one that stuck.
                outcome: match outcome.as_deref() {
                    Some("superseded") => Outcome::Superseded,
                    Some(_) => Outcome::Kept,
                    None => Outcome::Open,
                },
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(AfterDecision {
        reception,
        unexplained,
        unexplained_total,
        reopened,
    })
}

/// Open questions not yet closed: earliest due first (so overdue ones lead),
/// undated last.
async fn open_questions(
    store: &Store,
    request: &Request<'_>,
) -> Result<(Vec<OpenQuestion>, i64), sqlx::Error> {
    let filter = format!(
        "q.team_id = $1 AND q.closed_at IS NULL AND q.channel_id IN ({})",
        (0..request.channels.len().max(1))
            .map(|i| format!("${}", 2 + i))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let list = format!(
        "SELECT q.channel_id, q.topic, q.owner, q.due_date FROM open_questions q WHERE {filter} \
         ORDER BY CASE WHEN q.due_date IS NULL THEN 1 ELSE 0 END, q.due_date, q.id LIMIT {LIST_LIMIT}"
    );
    let rows = bind_channels(sqlx::query(&list).bind(request.team_id), request)
        .fetch_all(store.pool())
        .await?;
    let today = day(request.now_ms, request.zone);
    let items = rows
        .iter()
        .map(|row| {
            let channel: String = row.try_get("channel_id")?;
            let due_text: Option<String> = row.try_get("due_date")?;
            let due = due_text
                .as_deref()
                .and_then(|text| text.parse::<Date>().ok());
            Ok(OpenQuestion {
                topic: row.try_get("topic")?,
                owner: row.try_get("owner")?,
                overdue: due.is_some_and(|due| due < today),
                due,
                channel: request.summary.then_some(channel),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let total = count(
        store,
        request,
        &format!("SELECT COUNT(*) FROM open_questions q WHERE {filter}"),
        false,
    )
    .await?;
    Ok((items, total))
}

/// The undecided topic whose first ask is the oldest: walks the channel's
/// asks oldest first and stops at the first without a decision.
async fn oldest_open(
    store: &Store,
    request: &Request<'_>,
) -> Result<Option<OldestTopic>, sqlx::Error> {
    let sql = format!(
        "SELECT f.channel_id, f.topic, f.created_at FROM flags f \
         WHERE f.team_id = $1 AND f.created_at < $2 AND f.kind = 'alignment_request' AND f.premature = 1 \
         AND f.topic IS NOT NULL AND {} \
         AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.team_id = f.team_id AND d.channel_id = f.channel_id \
           AND LOWER(d.topic) = LOWER(f.topic) AND d.created_at < $2) \
         ORDER BY f.created_at, f.id LIMIT 1",
        scope_sql("f", 3, request)
    );
    let query = sqlx::query(&sql)
        .bind(request.team_id)
        .bind(request.week.end_ms);
    let row = bind_channels(query, request)
        .fetch_optional(store.pool())
        .await?;
    row.map(|row| {
        let channel: String = row.try_get("channel_id")?;
        Ok(OldestTopic {
            topic: row.try_get("topic")?,
            channel: request.summary.then_some(channel),
            since: day(row.try_get("created_at")?, request.zone),
        })
    })
    .transpose()
}

/// Runs a `SELECT COUNT(*)` whose binds are the team, then (for `week`)
/// the week's bounds, then the channels.
async fn count(
    store: &Store,
    request: &Request<'_>,
    sql: &str,
    week: bool,
) -> Result<i64, sqlx::Error> {
    let mut query = sqlx::query(sql).bind(request.team_id);
    if week {
        query = query.bind(request.week.start_ms).bind(request.week.end_ms);
    }
    bind_channels(query, request)
        .fetch_one(store.pool())
        .await?
        .try_get(0)
}

/// The civil date of `ms` in `zone`.
fn day(ms: i64, zone: &TimeZone) -> Date {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(zone.clone())
        .date()
}

/// A channel with flags or decisions in a time range, and whether it is
/// public: every one of its rows says so, and so does what Slack last said
/// of the channel (a channel Slack never described counts as private).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveChannel {
    pub team_id: String,
    pub channel_id: String,
    pub public: bool,
}

/// Channels with flags or decisions in `[from, to)` (ms), by team.
pub async fn active_channels(
    store: &Store,
    from: i64,
    to: i64,
) -> Result<Vec<ActiveChannel>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.team_id, a.channel_id, MAX(a.channel_private) AS private, \
                MAX(COALESCE(c.private, 1)) AS slack_private FROM ( \
           SELECT team_id, channel_id, channel_private FROM flags WHERE created_at >= $1 AND created_at < $2 \
           UNION ALL \
           SELECT team_id, channel_id, channel_private FROM decisions WHERE created_at >= $1 AND created_at < $2 \
         ) a LEFT JOIN channels c ON c.team_id = a.team_id AND c.channel_id = a.channel_id \
         GROUP BY a.team_id, a.channel_id ORDER BY a.team_id, a.channel_id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ActiveChannel {
                team_id: row.try_get("team_id")?,
                channel_id: row.try_get("channel_id")?,
                public: row.try_get::<i64, _>("private")? == 0
                    && row.try_get::<i64, _>("slack_private")? == 0,
            })
        })
        .collect()
}

/// The team a channel's rows belong to, if the bot has any.
pub async fn channel_team(store: &Store, channel_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT team_id FROM flags WHERE channel_id = $1 \
         UNION SELECT team_id FROM decisions WHERE channel_id = $1 LIMIT 1",
    )
    .bind(channel_id)
    .fetch_optional(store.pool())
    .await?;
    row.map(|row| row.try_get("team_id")).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_name_the_thread_of_a_reply_and_refuse_odd_input() {
        assert_eq!(
            message_link(
                "https://acme.slack.com/",
                "C1",
                "1700000100.000100",
                "1700000100.000100"
            )
            .as_deref(),
            Some("https://acme.slack.com/archives/C1/p1700000100000100")
        );
        assert_eq!(
            message_link(
                "https://acme.slack.com/",
                "C1",
                "1700000200.000200",
                "1700000100.000100"
            )
            .as_deref(),
            Some(
                "https://acme.slack.com/archives/C1/p1700000200000200?thread_ts=1700000100.000100&cid=C1"
            )
        );
        assert_eq!(message_link("javascript:x", "C1", "1.2", "1.2"), None);
        assert_eq!(message_link("https://a/", "C1", "x.y", "x.y"), None);
        assert_eq!(message_link("https://a/", "C1/../", "1.2", "1.2"), None);
    }
}
