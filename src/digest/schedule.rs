//! When the digest is due and which week it reports on: the `[digest]`
//! settings ([`DigestSettings`] and its value types: a cron expression, an
//! IANA zone, channel ids) and the ISO week arithmetic, all in the
//! configured zone. Pure: no clock.
//!
//! The cron expression is parsed by `croner` (POSIX weekdays: 1 is Monday,
//! five fields, `MON` names) over `jiff` zoned times, so daylight saving
//! changes move neither the slot nor the week boundary: a week is Monday
//! 00:00 to Monday 00:00 on the zone's wall clock, 167 or 169 hours long
//! when the clocks change inside it.

use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr as _;

/// A slot more than this long ago is not posted late (ms): a bot that was
/// down at 09:00 posts on start-up the same day, not a week later.
pub const LATE_POST_LIMIT_MS: i64 = 24 * 60 * 60 * 1000;

const SCHEDULE_EXAMPLE: &str = "\"0 9 * * MON\" (Mondays at 09:00)";
const ZONE_EXAMPLE: &str = "\"Europe/Berlin\" or \"UTC\"";

/// The weekly digest (`[digest]`): when, in which zone, and where it goes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigestSettings {
    /// Whether the bot posts the weekly digest at all.
    pub enabled: bool,
    /// When: a five-field cron expression on the zone's wall clock.
    pub schedule: Schedule,
    /// The IANA zone of the schedule and of the week's boundaries.
    pub timezone: Zone,
    /// One summary of the public channels goes here instead of one digest
    /// per channel.
    pub summary_channel: Option<ChannelId>,
    /// Per channel: `own`, `summary` or `off`.
    pub channels: ChannelTargets,
}

impl Default for DigestSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            schedule: Default::default(),
            timezone: Default::default(),
            summary_channel: None,
            channels: Default::default(),
        }
    }
}

impl DigestSettings {
    /// What the keys cannot say on their own: a channel sent to the summary
    /// needs a summary channel.
    pub fn problems(&self, file: &Path) -> Vec<String> {
        if self.summary_channel.is_none() && self.channels.any_summary() {
            vec![format!(
                "{}: [digest] channels: a channel set to \"summary\" needs [digest] summary_channel, such as summary_channel = \"C0123ABCD\"",
                file.display()
            )]
        } else {
            Vec::new()
        }
    }
}

/// A cron expression, parsed once at load.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Schedule {
    text: String,
    cron: croner::Cron,
}

impl Schedule {
    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The latest slot at or before `now`, if any.
    pub fn latest_slot(&self, now: &Zoned) -> Option<Zoned> {
        self.cron.find_previous_occurrence(now, true).ok()
    }

    /// The first slot after `now`, if any.
    pub fn next_slot(&self, now: &Zoned) -> Option<Zoned> {
        self.cron.find_next_occurrence(now, false).ok()
    }

    /// The slot that is due at `now`: the latest one, if it passed less
    /// than [`LATE_POST_LIMIT_MS`] ago.
    pub fn due_slot(&self, now: &Zoned) -> Option<Zoned> {
        let slot = self.latest_slot(now)?;
        let age = now.timestamp().as_millisecond() - slot.timestamp().as_millisecond();
        (age < LATE_POST_LIMIT_MS).then_some(slot)
    }
}

impl TryFrom<String> for Schedule {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let fields = text.split_whitespace().count();
        if fields != 5 && !text.trim_start().starts_with('@') {
            return Err(format!(
                "`{text}` is not a cron expression (it has {fields} fields, expected 5: minute hour day-of-month month day-of-week); a valid one: {SCHEDULE_EXAMPLE}"
            ));
        }
        match croner::Cron::from_str(&text) {
            Ok(cron) => {
                // Five fields have no year: a schedule that fires at all
                // fires within a few years of any date.
                let reference = Timestamp::UNIX_EPOCH.to_zoned(TimeZone::UTC);
                if cron.find_next_occurrence(&reference, false).is_err() {
                    return Err(format!(
                        "`{text}` never happens (no such date); a valid one: {SCHEDULE_EXAMPLE}"
                    ));
                }
                Ok(Self { text, cron })
            }
            Err(err) => Err(format!(
                "`{text}` is not a cron expression ({err}); a valid one: {SCHEDULE_EXAMPLE}"
            )),
        }
    }
}

impl Default for Schedule {
    fn default() -> Self {
        Self::try_from("0 9 * * MON".to_string()).expect("the default schedule parses")
    }
}

/// An IANA time zone, looked up once at load (the tz database is built
/// into the binary, so it works in an image without /usr/share/zoneinfo).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// `ms` since the epoch on this zone's wall clock.
    pub fn at(&self, ms: i64) -> Zoned {
        Timestamp::from_millisecond(ms)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.tz.clone())
    }
}

impl TryFrom<String> for Zone {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        match TimeZone::get(&name) {
            Ok(tz) => Ok(Self { name, tz }),
            Err(_) => Err(format!(
                "`{name}` is not an IANA time zone name; a valid one: {ZONE_EXAMPLE}"
            )),
        }
    }
}

impl Default for Zone {
    fn default() -> Self {
        Self {
            name: "UTC".into(),
            tz: TimeZone::UTC,
        }
    }
}

/// A Slack channel id (`C…` or `G…`), as written in the settings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct ChannelId(String);

impl ChannelId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ChannelId {
    type Error = String;

    fn try_from(id: String) -> Result<Self, String> {
        let valid = id.len() >= 3
            && (id.starts_with('C') || id.starts_with('G'))
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if valid {
            Ok(Self(id))
        } else {
            Err(format!(
                "`{id}` is not a channel id; use the id Slack shows in the channel's details, such as \"C0123ABCD\""
            ))
        }
    }
}

/// Where a channel's digest goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// A digest in the channel about the channel.
    Own,
    /// Part of the summary in `summary_channel` (public channels only).
    Summary,
    /// No digest.
    Off,
}

/// Per-channel overrides: channel id → target.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "BTreeMap<String, Target>")]
pub struct ChannelTargets(BTreeMap<ChannelId, Target>);

impl ChannelTargets {
    pub fn get(&self, channel_id: &str) -> Option<Target> {
        self.0
            .iter()
            .find(|(id, _)| id.as_str() == channel_id)
            .map(|(_, target)| *target)
    }

    /// Whether any channel asks for the summary.
    pub fn any_summary(&self) -> bool {
        self.0.values().any(|target| *target == Target::Summary)
    }
}

impl TryFrom<BTreeMap<String, Target>> for ChannelTargets {
    type Error = String;

    fn try_from(map: BTreeMap<String, Target>) -> Result<Self, String> {
        map.into_iter()
            .map(|(id, target)| Ok((ChannelId::try_from(id)?, target)))
            .collect::<Result<_, String>>()
            .map(Self)
    }
}

/// One ISO week (Monday to Sunday) on a zone's wall clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestWeek {
    /// Its Monday.
    pub monday: Date,
    /// Monday 00:00 in the zone (ms since the epoch).
    pub start_ms: i64,
    /// The next Monday 00:00 in the zone (ms), exclusive.
    pub end_ms: i64,
}

impl DigestWeek {
    /// The week that contains `at`.
    pub fn containing(at: &Zoned) -> Self {
        let iso = at.date().iso_week_date();
        let monday = ISOWeekDate::new(iso.year(), iso.week(), Weekday::Monday)
            .map(|week| week.date())
            .unwrap_or_else(|_| at.date());
        Self::starting(monday, at.time_zone())
    }

    fn starting(monday: Date, tz: &TimeZone) -> Self {
        let start = |date: Date| {
            date.to_zoned(tz.clone())
                .and_then(|zoned| zoned.start_of_day())
                .map(|zoned| zoned.timestamp().as_millisecond())
                .unwrap_or(0)
        };
        let next = monday
            .checked_add(jiff::Span::new().days(7))
            .unwrap_or(monday);
        Self {
            monday,
            start_ms: start(monday),
            end_ms: start(next),
        }
    }

    /// The week before this one.
    pub fn previous(&self, tz: &TimeZone) -> Self {
        let monday = self
            .monday
            .checked_sub(jiff::Span::new().days(7))
            .unwrap_or(self.monday);
        Self::starting(monday, tz)
    }

    /// The week a digest posted at `slot` reports on: the last complete
    /// ISO week before the slot's own.
    pub fn reported_at(slot: &Zoned) -> Self {
        Self::containing(slot).previous(slot.time_zone())
    }

    /// The digest key: `2026-W47`.
    pub fn label(&self) -> String {
        let iso = self.monday.iso_week_date();
        format!("{}-W{:02}", iso.year(), iso.week())
    }

    /// Its Sunday.
    pub fn sunday(&self) -> Date {
        self.monday
            .checked_add(jiff::Span::new().days(6))
            .unwrap_or(self.monday)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn zone(name: &str) -> Zone {
        Zone::try_from(name.to_string()).expect("a known zone")
    }

    fn at(zone: &Zone, y: i16, m: i8, d: i8, h: i8, min: i8) -> Zoned {
        date(y, m, d)
            .at(h, min, 0, 0)
            .to_zoned(zone.tz().clone())
            .expect("a valid time")
    }

    #[test]
    fn sunday_23_30_in_berlin_belongs_to_the_old_week() {
        let berlin = zone("Europe/Berlin");
        // Sunday 22 Nov 2026, 23:30 in Berlin is Sunday 22:30 UTC.
        let sunday = at(&berlin, 2026, 11, 22, 23, 30);
        let week = DigestWeek::containing(&sunday);
        assert_eq!(week.label(), "2026-W47");
        assert_eq!(week.monday, date(2026, 11, 16));
        let ms = sunday.timestamp().as_millisecond();
        assert!(week.start_ms <= ms && ms < week.end_ms);
        // Monday 00:00 in Berlin is Sunday 23:00 UTC: already the new week.
        let monday = at(&berlin, 2026, 11, 23, 0, 0);
        assert_eq!(DigestWeek::containing(&monday).label(), "2026-W48");
        assert_eq!(week.end_ms, monday.timestamp().as_millisecond());
    }

    #[test]
    fn a_week_with_a_clock_change_keeps_its_monday_midnight_bounds() {
        let berlin = zone("Europe/Berlin");
        // Clocks go back on Sunday 25 Oct 2026: that week has 169 hours.
        let week = DigestWeek::containing(&at(&berlin, 2026, 10, 21, 12, 0));
        assert_eq!(week.end_ms - week.start_ms, 169 * 3600 * 1000);
        // And forward on Sunday 29 Mar 2026: 167 hours.
        let week = DigestWeek::containing(&at(&berlin, 2026, 3, 25, 12, 0));
        assert_eq!(week.end_ms - week.start_ms, 167 * 3600 * 1000);
        assert_eq!(
            week.end_ms,
            at(&berlin, 2026, 3, 30, 0, 0).timestamp().as_millisecond()
        );
    }

    #[test]
    fn the_slot_is_due_for_a_day_and_reports_the_week_before() {
        let berlin = zone("Europe/Berlin");
        let schedule = Schedule::default();
        let monday_late = at(&berlin, 2026, 11, 23, 15, 0);
        let slot = schedule.due_slot(&monday_late).expect("due");
        assert_eq!(slot, at(&berlin, 2026, 11, 23, 9, 0));
        assert_eq!(DigestWeek::reported_at(&slot).label(), "2026-W47");
        assert!(
            schedule
                .due_slot(&at(&berlin, 2026, 11, 24, 9, 1))
                .is_none()
        );
        assert_eq!(
            schedule.next_slot(&monday_late),
            Some(at(&berlin, 2026, 11, 30, 9, 0))
        );
    }

    #[test]
    fn bad_values_name_themselves_and_a_valid_example() {
        let err = Schedule::try_from("0 9 * *".to_string()).expect_err("four fields");
        assert!(
            err.contains("`0 9 * *`") && err.contains("0 9 * * MON"),
            "{err}"
        );
        let err = Schedule::try_from("0 25 * * MON".to_string()).expect_err("hour 25");
        assert!(err.contains("`0 25 * * MON`"), "{err}");
        let err = Schedule::try_from("0 9 30 2 *".to_string()).expect_err("30 February");
        assert!(err.contains("never happens"), "{err}");
        assert!(
            Schedule::try_from("0 9 29 2 *".to_string()).is_ok(),
            "a leap day"
        );
        let err = Zone::try_from("Europe/Berlinn".to_string()).expect_err("typo");
        assert!(
            err.contains("`Europe/Berlinn`") && err.contains("Europe/Berlin"),
            "{err}"
        );
        assert!(ChannelId::try_from("#general".to_string()).is_err());
        assert!(ChannelId::try_from("C0123ABCD".to_string()).is_ok());
    }
}
