//! Property tests for what `scan` parses from outside: whatever a day file,
//! a listing or a message holds, the scan reports it and never panics. And
//! the scan's result does not depend on how it is spread over the cores.

use clarity_bot::classify::Classifier;
use clarity_bot::policy::NoisePolicy;
use clarity_bot::scan::{ScanOptions, scan};
use proptest::prelude::*;
use std::path::Path;

fn export_with(dir: &Path, channels: &[u8], day: &[u8]) {
    std::fs::write(dir.join("channels.json"), channels).expect("write");
    std::fs::write(dir.join("users.json"), r#"[{"id": "U1", "name": "one"}]"#).expect("write");
    std::fs::create_dir_all(dir.join("general")).expect("mkdir");
    std::fs::write(dir.join("general/2026-01-05.json"), day).expect("write");
}

fn run(dir: &Path) -> Result<clarity_bot::scan::report::Report, clarity_bot::scan::ScanError> {
    scan(
        &ScanOptions {
            path: dir.to_path_buf(),
            ..ScanOptions::default()
        },
        &Classifier::builtin(),
        &NoisePolicy::default(),
    )
}

const CHANNELS: &[u8] = br#"[{"id": "C1", "name": "general"}]"#;

/// Messages built from pieces real exports have, in any combination.
fn message() -> impl Strategy<Value = String> {
    let ts = prop_oneof![
        Just(r#""1767600000.000100""#.to_owned()),
        "[0-9]{1,12}(\\.[0-9]{0,8})?".prop_map(|t| format!("\"{t}\"")),
        Just("12".to_owned()),
        Just("null".to_owned()),
        ".{0,8}".prop_map(|t| serde_json::to_string(&t).unwrap_or_default()),
    ];
    let subtype = prop_oneof![
        Just(String::new()),
        Just(r#","subtype":"bot_message""#.to_owned()),
        Just(r#","subtype":"thread_broadcast""#.to_owned()),
        "[a-z_]{1,12}".prop_map(|s| format!(r#","subtype":"{s}""#)),
    ];
    let thread = prop_oneof![
        Just(String::new()),
        Just(r#","thread_ts":"1767600000.000100""#.to_owned()),
        Just(r#","thread_ts":"""#.to_owned()),
    ];
    let text = ".{0,80}".prop_map(|t| serde_json::to_string(&t).unwrap_or_default());
    let user = prop_oneof![Just("\"U1\""), Just("\"U404\""), Just("7"), Just("null")];
    (ts, subtype, thread, text, user).prop_map(|(ts, subtype, thread, text, user)| {
        format!(r#"{{"type":"message","ts":{ts},"user":{user},"text":{text}{subtype}{thread}}}"#)
    })
}

#[test]
fn parsing_ahead_or_not_gives_the_same_report() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/export");
    let report = |parse_ahead| {
        scan(
            &ScanOptions {
                path: sample.clone(),
                parse_ahead: Some(parse_ahead),
                ..ScanOptions::default()
            },
            &Classifier::builtin(),
            &NoisePolicy::default(),
        )
        .expect("the sample scans")
    };
    assert_eq!(report(true), report(false));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_in_a_day_file_are_reported_not_a_panic(day in proptest::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().expect("temp dir");
        export_with(dir.path(), CHANNELS, &day);
        match run(dir.path()) {
            Ok(report) => prop_assert!(
                report.problems.iter().any(|p| p.file == "general/2026-01-05.json")
                    || serde_json::from_slice::<Vec<serde_json::Value>>(&day).is_ok()
            ),
            Err(e) => prop_assert!(e.to_string().contains("could be read"), "{e}"),
        }
    }

    #[test]
    fn any_bytes_in_channels_json_are_reported_not_a_panic(channels in proptest::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().expect("temp dir");
        export_with(dir.path(), &channels, b"[]");
        let report = run(dir.path()).expect("the channel folder is found either way");
        if serde_json::from_slice::<Vec<serde_json::Value>>(&channels).is_err() {
            prop_assert!(report.problems.iter().any(|p| p.file == "channels.json"));
            prop_assert_eq!(report.channels.len(), 1);
        }
    }

    #[test]
    fn any_bytes_in_users_json_are_reported_not_a_panic(users in proptest::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().expect("temp dir");
        export_with(dir.path(), CHANNELS, br#"[{"type":"message","user":"U1","text":"hi","ts":"1767600000.000100"}]"#);
        std::fs::write(dir.path().join("users.json"), &users).expect("write");
        let report = run(dir.path()).expect("users.json alone never stops a scan");
        prop_assert_eq!(report.totals.messages, 1);
        if serde_json::from_slice::<Vec<serde_json::Value>>(&users).is_err() {
            prop_assert!(report.problems.iter().any(|p| p.file == "users.json"));
        }
    }

    #[test]
    fn any_mix_of_messages_is_scanned_without_a_panic(messages in proptest::collection::vec(message(), 0..30)) {
        let dir = tempfile::tempdir().expect("temp dir");
        export_with(dir.path(), CHANNELS, format!("[{}]", messages.join(",")).as_bytes());
        let report = run(dir.path()).expect("a list of objects is always readable");
        let unreadable: u64 = report
            .problems
            .iter()
            .filter_map(|p| p.message.split(' ').next()?.parse::<u64>().ok())
            .sum();
        prop_assert_eq!(report.totals.messages + unreadable, messages.len() as u64);
    }
}
