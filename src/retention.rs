//! How long the bot keeps what it stores (`[retention]` in
//! `config/clarity.toml`), and the cutoffs that follow from a moment: pure,
//! no clock of its own. `lifecycle` acts on them; docs/privacy.md tells
//! people what they mean.

use serde::Deserialize;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// `[retention]`: days each kind of data is kept.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSettings {
    /// An event that could not be worked is kept this long (for a look at
    /// its error), then deleted with its payload; a worked one goes at once.
    pub inbox_days: u32,
    /// A flag keeps the rules' matched words and the decision it was
    /// answered with this long; then only what the digest counts.
    pub flag_text_days: u32,
    /// After an uninstall, the workspace's data is deleted after this many
    /// days (0: at once).
    pub uninstall_grace_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            inbox_days: 1,
            flag_text_days: 30,
            uninstall_grace_days: 0,
        }
    }
}

impl RetentionSettings {
    /// Failed inbox rows received before this (ms) are deleted, and the
    /// event ids of worked ones forgotten.
    pub fn inbox_cutoff(&self, now: i64) -> i64 {
        now.saturating_sub(days(self.inbox_days))
    }

    /// Flags created before this (ms) keep no text.
    pub fn flag_text_cutoff(&self, now: i64) -> i64 {
        now.saturating_sub(days(self.flag_text_days))
    }

    /// Workspaces uninstalled at or before this (ms) are purged.
    pub fn uninstall_cutoff(&self, now: i64) -> i64 {
        now.saturating_sub(days(self.uninstall_grace_days))
    }
}

fn days(n: u32) -> i64 {
    i64::from(n).saturating_mul(DAY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_sample_sets_each_period_and_the_defaults_fill_the_rest() {
        #[derive(Deserialize)]
        struct File {
            retention: RetentionSettings,
        }
        let file: File = toml::from_str("[retention]\nflag_text_days = 7\n").expect("valid");
        assert_eq!(
            file.retention,
            RetentionSettings {
                inbox_days: 1,
                flag_text_days: 7,
                uninstall_grace_days: 0,
            }
        );
    }

    #[test]
    fn cutoffs_lie_that_many_days_back_and_a_zero_grace_is_now() {
        let now = 100 * DAY_MS;
        let settings = RetentionSettings::default();
        assert_eq!(settings.inbox_cutoff(now), 99 * DAY_MS);
        assert_eq!(settings.flag_text_cutoff(now), 70 * DAY_MS);
        assert_eq!(settings.uninstall_cutoff(now), now);
    }
}
