//! The noise policy: whether a premature alignment ask becomes a posted flag.
//!
//! Pure, like the classifier: the live bot gathers the facts from the store,
//! `scan` from its in-memory replay, and both ask the same question here.

use serde::{Deserialize, Serialize};

/// How often the bot may speak. Defaults are DESIGN.md's.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NoisePolicy {
    /// Assessments scoring below this are stored but never posted.
    pub min_score: f64,
    /// Minimum time between two flags in one channel, in seconds.
    pub channel_cooldown_secs: i64,
    /// Most flags on one person's messages in any 24 hours.
    pub max_flags_per_user_per_day: u32,
}

impl Default for NoisePolicy {
    fn default() -> Self {
        Self {
            min_score: 0.5,
            channel_cooldown_secs: 30 * 60,
            max_flags_per_user_per_day: 3,
        }
    }
}

/// What is known about the channel, thread and author when a flag is considered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicyFacts {
    /// Message time, seconds since the epoch.
    pub now: i64,
    pub score: f64,
    pub channel_muted: bool,
    pub thread_already_flagged: bool,
    /// When the channel's last posted flag was made, seconds since the epoch.
    pub last_channel_flag_at: Option<i64>,
    /// Flags posted on this author's messages in the 24 hours before `now`.
    pub user_flags_last_day: u32,
}

/// Why a premature ask was not posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Suppressed {
    ChannelMuted,
    ThreadAlreadyFlagged,
    LowScore,
    ChannelCooldown,
    UserDailyCap,
}

impl Suppressed {
    pub fn as_str(self) -> &'static str {
        match self {
            Suppressed::ChannelMuted => "channel_muted",
            Suppressed::ThreadAlreadyFlagged => "thread_already_flagged",
            Suppressed::LowScore => "low_score",
            Suppressed::ChannelCooldown => "channel_cooldown",
            Suppressed::UserDailyCap => "user_daily_cap",
        }
    }
}

impl NoisePolicy {
    /// `Ok(())` when the flag may be posted, else the first reason it may not.
    pub fn verdict(&self, facts: &PolicyFacts) -> Result<(), Suppressed> {
        match self.reasons(facts).first() {
            Some(reason) => Err(*reason),
            None => Ok(()),
        }
    }

    /// Every reason the flag may not be posted, in the order [`verdict`]
    /// weighs them (empty: it may be). `/clarity check` shows them all, so
    /// lifting one does not reveal another the person was not told of.
    ///
    /// [`verdict`]: NoisePolicy::verdict
    pub fn reasons(&self, facts: &PolicyFacts) -> Vec<Suppressed> {
        let mut reasons = Vec::new();
        if facts.channel_muted {
            reasons.push(Suppressed::ChannelMuted);
        }
        if facts.thread_already_flagged {
            reasons.push(Suppressed::ThreadAlreadyFlagged);
        }
        if facts.score < self.min_score {
            reasons.push(Suppressed::LowScore);
        }
        if self.cooldown_ends(facts).is_some() {
            reasons.push(Suppressed::ChannelCooldown);
        }
        if facts.user_flags_last_day >= self.max_flags_per_user_per_day {
            reasons.push(Suppressed::UserDailyCap);
        }
        reasons
    }

    /// When the channel's cool-down ends (seconds since the epoch), if it
    /// is still running at `facts.now`.
    pub fn cooldown_ends(&self, facts: &PolicyFacts) -> Option<i64> {
        let ends = facts
            .last_channel_flag_at?
            .saturating_add(self.channel_cooldown_secs);
        (facts.now < ends).then_some(ends)
    }
}

/// Who may mute the bot in a channel (`[mute] who`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WhoMayMute {
    /// Any member of the channel.
    #[default]
    Anyone,
    /// The channel's creator, and workspace admins and owners. (Slack's Web
    /// API does not tell a bot who a channel's managers are; its creator is
    /// the one it names.)
    ChannelManagers,
    /// Workspace admins and owners only.
    Admins,
}

/// `[mute]`: who may mute the bot in a channel.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MuteSettings {
    pub who: WhoMayMute,
}

/// What Slack says of the person asking to mute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Muter {
    /// A workspace admin or owner.
    pub admin: bool,
    /// The channel's creator.
    pub channel_creator: bool,
}

impl WhoMayMute {
    /// Whether Slack must be asked about the person before they may mute.
    pub fn needs_lookup(self) -> bool {
        self != WhoMayMute::Anyone
    }

    pub fn allows(self, muter: &Muter) -> bool {
        match self {
            WhoMayMute::Anyone => true,
            WhoMayMute::ChannelManagers => muter.admin || muter.channel_creator,
            WhoMayMute::Admins => muter.admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> PolicyFacts {
        PolicyFacts {
            now: 10_000,
            score: 0.9,
            channel_muted: false,
            thread_already_flagged: false,
            last_channel_flag_at: None,
            user_flags_last_day: 0,
        }
    }

    #[test]
    fn a_confident_first_flag_is_posted() {
        assert_eq!(NoisePolicy::default().verdict(&facts()), Ok(()));
    }

    #[test]
    fn each_limit_suppresses_with_its_reason() {
        let policy = NoisePolicy::default();
        let cases = [
            (
                PolicyFacts {
                    channel_muted: true,
                    ..facts()
                },
                Suppressed::ChannelMuted,
            ),
            (
                PolicyFacts {
                    thread_already_flagged: true,
                    ..facts()
                },
                Suppressed::ThreadAlreadyFlagged,
            ),
            (
                PolicyFacts {
                    score: 0.1,
                    ..facts()
                },
                Suppressed::LowScore,
            ),
            (
                PolicyFacts {
                    last_channel_flag_at: Some(9_000),
                    ..facts()
                },
                Suppressed::ChannelCooldown,
            ),
            (
                PolicyFacts {
                    user_flags_last_day: 3,
                    ..facts()
                },
                Suppressed::UserDailyCap,
            ),
        ];
        for (facts, reason) in cases {
            assert_eq!(policy.verdict(&facts), Err(reason), "{facts:?}");
        }
    }

    #[test]
    fn every_reason_that_holds_is_named_in_order_and_the_first_is_the_verdict() {
        let policy = NoisePolicy::default();
        let facts = PolicyFacts {
            channel_muted: true,
            last_channel_flag_at: Some(9_000),
            user_flags_last_day: 3,
            ..facts()
        };
        assert_eq!(
            policy.reasons(&facts),
            [
                Suppressed::ChannelMuted,
                Suppressed::ChannelCooldown,
                Suppressed::UserDailyCap
            ]
        );
        assert_eq!(policy.verdict(&facts), Err(Suppressed::ChannelMuted));
        assert_eq!(policy.cooldown_ends(&facts), Some(9_000 + 30 * 60));
        assert!(policy.reasons(&self::facts()).is_empty());
    }

    #[test]
    fn the_cooldown_ends() {
        let facts = PolicyFacts {
            last_channel_flag_at: Some(10_000 - 30 * 60),
            ..facts()
        };
        assert_eq!(NoisePolicy::default().verdict(&facts), Ok(()));
    }

    #[test]
    fn who_may_mute_parses_and_decides() {
        let settings: MuteSettings = toml::from_str("who = \"channel_managers\"").expect("valid");
        assert_eq!(settings.who, WhoMayMute::ChannelManagers);
        assert_eq!(MuteSettings::default().who, WhoMayMute::Anyone);
        assert!(toml::from_str::<MuteSettings>("who = \"everyone\"").is_err());
        assert!(toml::from_str::<MuteSettings>("whom = \"admins\"").is_err());
        let member = Muter {
            admin: false,
            channel_creator: false,
        };
        let creator = Muter {
            channel_creator: true,
            ..member
        };
        let admin = Muter {
            admin: true,
            ..member
        };
        assert!(WhoMayMute::Anyone.allows(&member));
        assert!(!WhoMayMute::ChannelManagers.allows(&member));
        assert!(WhoMayMute::ChannelManagers.allows(&creator));
        assert!(WhoMayMute::ChannelManagers.allows(&admin));
        assert!(!WhoMayMute::Admins.allows(&creator));
        assert!(WhoMayMute::Admins.allows(&admin));
    }

    #[test]
    fn policy_parses_from_toml_with_defaults_for_missing_keys() {
        let policy: NoisePolicy = toml::from_str("channel_cooldown_secs = 0").expect("valid");
        assert_eq!(policy.channel_cooldown_secs, 0);
        assert_eq!(policy.max_flags_per_user_per_day, 3);
        assert!(toml::from_str::<NoisePolicy>("cooldown = 1").is_err());
    }
}
