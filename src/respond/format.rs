//! Every date and time the bot shows people, in one place, so the same
//! moment reads the same in a reply, a command's answer and the digest:
//! short, unambiguous, readable on a phone. A moment in a message or a view,
//! and the day a moment fell on, is Slack's `<!date^…>` token
//! ([`local_moment`], [`local_time`], [`recorded_on`], [`decided_on`]),
//! which each reader's client shows in their own time zone; its fallback
//! (what notifications and old clients show) is UTC. Days without a time
//! (a due date, a digest's week, which the digest counts in its own zone)
//! are calendar days and need no zone.

use jiff::Timestamp;
use jiff::civil::Date;

/// A moment: "Thu 2 Oct 2025, 09:40 UTC" (how long a mute lasts).
pub fn moment(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%a %-d %b %Y, %H:%M UTC").to_string())
        .unwrap_or_else(|_| "further notice".into())
}

/// A moment in each reader's own time zone: Slack shows
/// `<!date^1759398000^{date_short_pretty} {time}|Thu 2 Oct 2025, 09:40 UTC>`
/// as "Oct 2 9:40 AM" (or "Today 9:40 AM") on the reader's clock.
pub fn local_moment(ms: i64) -> String {
    slack_date(ms, "{date_short_pretty} {time}", moment(ms))
}

/// A time of day in each reader's own zone (a cool-down ending soon):
/// `<!date^1759398000^{time}|09:40 UTC>`.
pub fn local_time(ms: i64) -> String {
    let fallback = Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%H:%M UTC").to_string())
        .unwrap_or_else(|_| "later".into());
    slack_date(ms, "{time}", fallback)
}

fn slack_date(ms: i64, tokens: &str, fallback: String) -> String {
    format!("<!date^{}^{tokens}|{fallback}>", ms.div_euclid(1000))
}

/// The day something was recorded, in each reader's zone: Slack shows
/// `<!date^1759398000^{date_short}|2 Oct 2025>` as "Oct 2, 2025" on the
/// reader's calendar (it may be the 1st or the 3rd elsewhere).
pub fn recorded_on(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(t) => slack_date(ms, "{date_short}", t.strftime("%-d %b %Y").to_string()),
        Err(_) => "an unknown date".into(),
    }
}

/// The day an earlier decision was recorded, said in passing, in each
/// reader's zone: `<!date^1759398000^{date_short}|2 Oct>` ("Oct 2, 2025";
/// not "today", which would read "decided on Today").
pub fn decided_on(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(t) => slack_date(ms, "{date_short}", t.strftime("%-d %b").to_string()),
        Err(_) => "an earlier day".into(),
    }
}

/// A due date: "Fri 12 Dec".
pub fn due(date: Date) -> String {
    date.strftime("%a %-d %b").to_string()
}

/// A day in a digest: "2 Oct", with the year when it is not `year`.
pub fn day_in(date: Date, year: i16) -> String {
    if date.year() == year {
        date.strftime("%-d %b").to_string()
    } else {
        date.strftime("%-d %b %Y").to_string()
    }
}

/// A week: `16–22 Nov 2026`, `30 Nov – 6 Dec 2026`, `29 Dec 2025 – 4 Jan 2026`.
pub fn week(monday: Date, sunday: Date) -> String {
    if monday.year() != sunday.year() {
        format!(
            "{} – {}",
            monday.strftime("%-d %b %Y"),
            sunday.strftime("%-d %b %Y")
        )
    } else if monday.month() != sunday.month() {
        format!(
            "{} – {}",
            monday.strftime("%-d %b"),
            sunday.strftime("%-d %b %Y")
        )
    } else {
        format!("{}–{}", monday.day(), sunday.strftime("%-d %b %Y"))
    }
}

/// The UTC calendar day of a time in ms (what "today" is for a due date).
pub fn day_of(ms: i64) -> Date {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_read_well_on_a_phone() {
        assert_eq!(moment(1_759_398_000_000), "Thu 2 Oct 2025, 09:40 UTC");
    }

    #[test]
    fn days_show_in_each_readers_zone_with_a_utc_fallback() {
        // 23:30 UTC on 2 Oct is the 3rd in Tokyo: the reader's client says.
        assert_eq!(
            recorded_on(1_759_447_800_000),
            "<!date^1759447800^{date_short}|2 Oct 2025>"
        );
        assert_eq!(
            decided_on(1_759_447_800_000),
            "<!date^1759447800^{date_short}|2 Oct>"
        );
        assert_eq!(recorded_on(i64::MAX), "an unknown date");
    }

    #[test]
    fn moments_show_in_each_readers_zone_with_a_utc_fallback() {
        assert_eq!(
            local_moment(1_759_398_000_000),
            "<!date^1759398000^{date_short_pretty} {time}|Thu 2 Oct 2025, 09:40 UTC>"
        );
        assert_eq!(
            local_time(1_759_398_000_000),
            "<!date^1759398000^{time}|09:40 UTC>"
        );
    }

    #[test]
    fn due_dates_read_as_weekday_day_month() {
        assert_eq!(due(jiff::civil::date(2026, 12, 11)), "Fri 11 Dec");
        assert_eq!(day_of(1_759_398_000_000), jiff::civil::date(2025, 10, 2));
    }

    #[test]
    fn week_ranges_name_months_and_years_only_when_they_change() {
        assert_eq!(
            week(date(2025, 10, 13), date(2025, 10, 19)),
            "13–19 Oct 2025"
        );
        assert_eq!(
            week(date(2025, 9, 29), date(2025, 10, 5)),
            "29 Sep – 5 Oct 2025"
        );
        assert_eq!(
            week(date(2025, 12, 29), date(2026, 1, 4)),
            "29 Dec 2025 – 4 Jan 2026"
        );
    }

    #[test]
    fn a_digest_names_the_year_only_when_it_is_another() {
        assert_eq!(day_in(date(2025, 10, 2), 2025), "2 Oct");
        assert_eq!(day_in(date(2024, 12, 30), 2025), "30 Dec 2024");
    }
}
