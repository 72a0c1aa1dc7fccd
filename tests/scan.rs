//! `clarity-bot scan`, run as a user would: the golden reports on the sample
//! export in `tests/fixtures/export/`, the HTML report's self-containment,
//! and every kind of bad input.
//!
//! The golden files follow the classifier: after a classifier change, look
//! at the difference, then rewrite them with
//! `CLARITY_BLESS=1 cargo test --test scan`.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SAMPLE: &str = "tests/fixtures/export";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `clarity-bot scan ARGS…` from the package root.
fn scan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
        .arg("scan")
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            stdout(output),
            stderr(output)
        )
    })
}

/// Compares with a golden file, or rewrites it under `CLARITY_BLESS=1`.
fn assert_golden(actual: &str, golden: &str) {
    let path = root().join(golden);
    if std::env::var_os("CLARITY_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("golden folder");
        std::fs::write(&path, actual).expect("golden file written");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{golden}: {e}; create it with CLARITY_BLESS=1 cargo test --test scan")
    });
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
        panic!(
            "{golden} differs from line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             If the change is intended, run CLARITY_BLESS=1 cargo test --test scan",
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>")
        );
    }
}

/// The exit code the report calls for: 1 with flags, else 0.
fn expected_code(report: &Value) -> i32 {
    if report["totals"]["flags"].as_u64().unwrap_or(0) > 0 {
        1
    } else {
        0
    }
}

/// A copy of the sample export in a temporary folder, to break.
fn sample_copy() -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for entry in std::fs::read_dir(from).expect("read_dir") {
            let entry = entry.expect("entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("type").is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    copy(&root().join(SAMPLE), dir.path());
    dir
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

fn problems(report: &Value) -> Vec<(String, String)> {
    report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["file"].as_str().unwrap_or("").to_owned(),
                p["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_sample_export_gives_the_golden_json_report() {
    let output = scan(&[SAMPLE, "--format", "json"]);
    let report = json(&output);
    assert_golden(&stdout(&output), "tests/fixtures/scan/sample-report.json");
    assert_eq!(output.status.code(), Some(expected_code(&report)));
    assert_eq!(stderr(&output), "", "a clean export warns about nothing");
    assert!(problems(&report).is_empty());
}

#[test]
fn the_sample_export_gives_the_golden_text_report() {
    let output = scan(&[SAMPLE]);
    assert_golden(&stdout(&output), "tests/fixtures/scan/sample-report.txt");
}

#[test]
fn the_sample_export_with_names_gives_the_golden_text_report() {
    let output = scan(&[SAMPLE, "--names"]);
    assert_golden(
        &stdout(&output),
        "tests/fixtures/scan/sample-report-names.txt",
    );
}

#[test]
fn the_sample_export_with_digests_gives_the_golden_text_report() {
    let output = scan(&[SAMPLE, "--digests"]);
    assert_golden(
        &stdout(&output),
        "tests/fixtures/scan/sample-report-digests.txt",
    );
}

/// The people in the sample export, by their display names.
const PEOPLE: [&str; 5] = ["ana", "Ben Okafor", "chen.w", "dana", "emil"];

/// Whether `text` names `person` as a word of its own.
fn names(text: &str, person: &str) -> bool {
    regex::Regex::new(&format!(r"(^|[^\w.-]){}($|[^\w.-])", regex::escape(person)))
        .expect("valid")
        .is_match(text)
}

#[test]
fn the_report_names_no_one_unless_asked_to() {
    for format in ["text", "json", "html"] {
        let report = stdout(&scan(&[SAMPLE, "--format", format, "--digests"]));
        for person in PEOPLE {
            assert!(
                !names(&report, person),
                "the {format} report names {person}"
            );
        }
        let named = stdout(&scan(&[SAMPLE, "--format", format, "--names"]));
        for person in ["ana", "dana", "Ben Okafor"] {
            assert!(
                names(&named, person),
                "--names: the {format} report lacks {person}"
            );
        }
    }
    let report = json(&scan(&[SAMPLE, "--format", "json"]));
    for flag in report["flags"].as_array().expect("flags") {
        assert_eq!(flag["author"], Value::Null, "{flag}");
    }
}

#[test]
fn the_report_says_what_to_do_next() {
    let report = json(&scan(&[SAMPLE, "--format", "json"]));
    let next = &report["next"];
    // The topic asked about most often with no decision comes first.
    assert_eq!(next["decide_first"][0]["topic"], "onboarding emails");
    assert_eq!(next["decide_first"][0]["asks"], 3);
    assert_eq!(next["enable_first"][0]["name"], "product");
    assert_eq!(next["enable_first"][0]["questions"], 10);
    // 16 questions over 4 weeks, at the default noise policy.
    assert_eq!(next["questions_per_week"], 4.0);
    let reply = &next["example_reply"];
    assert_eq!(reply["channel"], "product");
    let blocks = reply["message"]["blocks"].to_string();
    assert!(
        blocks.contains("which decision has actually been made?"),
        "{blocks}"
    );
    assert!(blocks.contains("Record the decision"), "{blocks}");

    let html = stdout(&scan(&[SAMPLE, "--format", "html"]));
    let section = html
        .split("<section class=\"next\">")
        .nth(1)
        .expect("the HTML report has a next-steps section");
    assert!(section.starts_with("<h2>What to do next</h2>"), "{section}");
    assert!(section.contains("<strong>onboarding emails</strong> in #product: asked 3 times"));
    assert!(section.contains("Expect about 4 questions a week"));
    assert!(
        section.contains("<span class=\"sk-button sk-primary\">Record the decision</span>"),
        "the reply is drawn with its buttons"
    );
}

#[test]
fn rule_ids_and_scores_are_only_in_the_json_or_on_hover() {
    let rule = regex::Regex::new(r"\b(ask|uncertainty|decision|exclude)\.[a-z-]+").expect("valid");
    let text = stdout(&scan(&[SAMPLE]));
    assert!(rule.find(&text).is_none(), "{:?}", rule.find(&text));
    assert!(!text.contains("score"), "the text report shows scores");
    assert!(!text.contains("time(s)"));
    assert!(text.contains("why: asks people to converge (“get aligned on”)"));

    let html = stdout(&scan(&[SAMPLE, "--format", "html"]));
    let without_titles = regex::Regex::new(r#"title="[^"]*""#)
        .expect("valid")
        .replace_all(&html, "");
    assert!(
        rule.find(&without_titles).is_none(),
        "{:?}",
        rule.find(&without_titles)
    );
    assert!(
        html.contains("title=\"ask.get-aligned, score 1.00\""),
        "rule ids on hover"
    );

    let report = json(&scan(&[SAMPLE, "--format", "json"]));
    assert_eq!(report["flags"][0]["reasons"][0]["rule"], "ask.get-aligned");
    assert_eq!(report["flags"][0]["reasons"][0]["kind"], "ask");
}

#[test]
fn the_weekly_chart_shows_the_questions_beside_asks_and_decisions() {
    let html = stdout(&scan(&[SAMPLE, "--format", "html"]));
    let chart = html.split("<svg class=\"chart\"").nth(1).expect("a chart");
    let chart = chart.split("</svg>").next().expect("its end");
    // Four bars a week: asks, before a decision, questions, decisions.
    assert_eq!(chart.matches("<rect ").count(), 4 * 4);
    assert!(chart.contains("style=\"fill:var(--flag)\""));
    assert!(chart.contains("2026-W03 (from 2026-01-12): alignment asks 7, before a decision 5, questions the bot would ask 3, decisions 2"));
}

#[test]
fn digests_adds_one_weekly_digest_a_week_in_the_digests_own_words() {
    let report = json(&scan(&[SAMPLE, "--format", "json", "--digests"]));
    let digests = report["digests"].as_array().expect("digests");
    let weeks = report["weeks"].as_array().expect("weeks");
    assert_eq!(digests.len(), weeks.len());
    for (digest, week) in digests.iter().zip(weeks) {
        assert_eq!(digest["week"], week["week"]);
        let text = digest["text"].as_str().expect("text");
        assert!(text.starts_with("Clarity summary · "), "{text}");
        assert!(
            text.contains("counts only: nobody is named for asking"),
            "{text}"
        );
        assert_eq!(digest["message"]["blocks"][0]["type"], "header");
    }
    let last = digests
        .last()
        .and_then(|d| d["text"].as_str())
        .expect("a digest");
    assert!(
        last.contains("onboarding emails in #product — asked 3 times by 2 people since 22 Jan"),
        "{last}"
    );
    let plain = json(&scan(&[SAMPLE, "--format", "json"]));
    assert!(
        plain.get("digests").is_none(),
        "digests only when asked for"
    );

    let html = stdout(&scan(&[SAMPLE, "--format", "html", "--digests"]));
    assert_eq!(
        html.matches("<div class=\"sk-header\">Clarity summary · ")
            .count(),
        4
    );
}

#[test]
fn the_sample_export_has_every_kind_of_conversation_and_a_few_weeks() {
    let report = json(&scan(&[SAMPLE, "--format", "json"]));
    let visibilities: Vec<&str> = report["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .filter_map(|c| c["visibility"].as_str())
        .collect();
    for kind in ["public", "private", "group_dm", "dm"] {
        assert!(visibilities.contains(&kind), "{visibilities:?}");
    }
    assert!(report["weeks"].as_array().expect("weeks").len() >= 4);
    assert!(report["totals"]["messages"].as_u64().expect("messages") >= 50);
}

#[test]
fn direct_messages_are_counted_but_never_flagged() {
    let report = json(&scan(&[SAMPLE, "--format", "json"]));
    for channel in report["channels"].as_array().expect("channels") {
        if matches!(channel["visibility"].as_str(), Some("dm" | "group_dm")) {
            assert!(channel["messages"].as_u64().expect("messages") > 0);
            assert_eq!(channel["flags"], 0, "{channel}");
        }
    }
}

#[test]
fn text_from_private_channels_never_appears_in_the_report() {
    for format in ["json", "text", "html"] {
        let out = stdout(&scan(&[SAMPLE, "--format", format, "--digests", "--names"]));
        for private in [
            "hiring plan",
            "two engineers",
            "offsite agenda",
            "pricing experiment",
        ] {
            assert!(!out.contains(private), "{format} report shows {private:?}");
        }
    }
}

#[test]
fn a_zipped_export_gives_the_same_report_as_its_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let zip_path = dir.path().join("export.zip");
    let file = std::fs::File::create(&zip_path).expect("zip file");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    // Zipped as a folder, like many people do: one level more.
    let mut stack = vec![root().join(SAMPLE)];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(root().join(SAMPLE))
                .expect("inside the sample");
            let name = format!("slack-export/{}", relative.display());
            zip.start_file(name, options).expect("zip entry");
            zip.write_all(&std::fs::read(&path).expect("read"))
                .expect("zip write");
        }
    }
    zip.finish().expect("zip written");

    let from_zip = scan(&[path_str(&zip_path), "--format", "json"]);
    let mut zipped = json(&from_zip);
    let mut folder = json(&scan(&[SAMPLE, "--format", "json"]));
    zipped["source"] = Value::Null;
    folder["source"] = Value::Null;
    assert_eq!(zipped, folder);
    assert_eq!(stderr(&from_zip), "");
}

#[test]
fn the_html_report_is_one_file_with_no_external_references() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("report.html");
    let output = scan(&[
        SAMPLE,
        "--format",
        "html",
        "--digests",
        "--names",
        "--output",
        path_str(&out),
    ]);
    assert!(output.stdout.is_empty(), "the report goes to the file only");
    assert!(
        stderr(&output).contains("report.html"),
        "{}",
        stderr(&output)
    );
    let html = std::fs::read_to_string(&out).expect("the report was written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "the weekly chart is inline SVG");
    assert!(html.contains("<table class=\"sortable\""));
    assert!(html.trim_end().ends_with("</html>"));
    let lower = html.to_lowercase();
    let external = regex::Regex::new(
        r#"(?i)\b(src|href|action|srcset|poster|data)\s*=\s*["']?\s*(https?:|//|file:)"#,
    )
    .expect("valid");
    assert!(external.find(&html).is_none(), "{:?}", external.find(&html));
    for banned in [
        "@import",
        "url(",
        "<link",
        "@font-face",
        "<iframe",
        "<img",
        "<script src",
    ] {
        assert!(!lower.contains(banned), "the report contains {banned}");
    }
    assert_eq!(dir.path().read_dir().expect("dir").count(), 1, "one file");
}

#[test]
fn the_report_can_be_written_to_a_file_in_each_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["text", "json", "html"] {
        let out = dir.path().join(format!("report.{format}"));
        let output = scan(&[SAMPLE, "--format", format, "-o", path_str(&out)]);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
        let written = std::fs::read_to_string(&out).expect("written");
        assert_eq!(written, stdout(&scan(&[SAMPLE, "--format", format])));
    }
}

#[test]
fn since_and_until_limit_the_report_to_their_days() {
    let output = scan(&[
        SAMPLE,
        "--format",
        "json",
        "--since",
        "2026-01-12",
        "--until",
        "2026-01-18",
    ]);
    let report = json(&output);
    assert_eq!(report["since"], "2026-01-12");
    assert_eq!(report["first_day"], "2026-01-12");
    assert_eq!(report["last_day"], "2026-01-16");
    let weeks: Vec<&str> = report["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .filter_map(|w| w["week"].as_str())
        .collect();
    assert_eq!(weeks, ["2026-W03"]);
    for flag in report["flags"].as_array().expect("flags") {
        let at = flag["at"].as_str().expect("at");
        assert!(("2026-01-12".."2026-01-19").contains(&at), "{at}");
    }
    let all = json(&scan(&[SAMPLE, "--format", "json"]));
    assert!(report["totals"]["messages"].as_u64() < all["totals"]["messages"].as_u64());
}

#[test]
fn a_period_that_ends_before_it_starts_is_an_error() {
    let output = scan(&[SAMPLE, "--since", "2026-02-01", "--until", "2026-01-01"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--since"), "{}", stderr(&output));
}

#[test]
fn the_channel_option_keeps_only_the_named_channels() {
    let report = json(&scan(&[
        SAMPLE,
        "--format",
        "json",
        "--channel",
        "product",
        "--channel",
        "#engineering",
    ]));
    let names: Vec<&str> = report["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["engineering", "product"]);
}

#[test]
fn an_unknown_channel_name_exits_2_and_lists_the_channels() {
    let output = scan(&[SAMPLE, "--channel", "prodcut"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("prodcut") && err.contains("product"), "{err}");
}

#[test]
fn a_missing_path_exits_2_and_names_it() {
    let output = scan(&["tests/fixtures/no-such-export.zip"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("no-such-export.zip"), "{err}");
    assert!(err.contains("no such file"), "{err}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_corrupt_zip_exits_2_and_names_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.zip");
    std::fs::write(&path, b"PK\x03\x04 this is not really a zip file").expect("write");
    let output = scan(&[path_str(&path)]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("broken.zip") && err.contains("zip"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_folder_that_is_not_an_export_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("notes.txt"), "hello").expect("write");
    let output = scan(&[path_str(dir.path())]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not a Slack export"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_export_whose_day_files_are_all_unreadable_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("channels.json"),
        r#"[{"id": "C1", "name": "general"}]"#,
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("general")).expect("mkdir");
    std::fs::write(dir.path().join("general/2026-01-05.json"), "{oops").expect("write");
    let output = scan(&[path_str(dir.path())]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("could be read"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_malformed_day_file_is_reported_by_name_and_the_rest_is_scanned() {
    let dir = sample_copy();
    let broken = dir.path().join("product/2026-01-13.json");
    let lost = serde_json::from_slice::<Vec<Value>>(&std::fs::read(&broken).expect("read"))
        .expect("the sample is valid")
        .len() as u64;
    std::fs::write(&broken, "[{\"type\": \"message\", \"text\": \"cut off").expect("write");

    let output = scan(&[path_str(dir.path()), "--format", "json"]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(expected_code(&report)));
    assert!(
        stderr(&output).contains("product/2026-01-13.json"),
        "{}",
        stderr(&output)
    );
    let problems = problems(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "product/2026-01-13.json");
    let all = json(&scan(&[SAMPLE, "--format", "json"]));
    assert_eq!(
        report["totals"]["messages"].as_u64(),
        all["totals"]["messages"].as_u64().map(|n| n - lost)
    );
}

#[test]
fn a_single_unreadable_message_is_skipped_and_reported() {
    let dir = sample_copy();
    let day = dir.path().join("general/2026-01-30.json");
    let mut messages: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&day).expect("read")).expect("valid");
    messages.push(serde_json::json!({"type": "message", "user": "U01ANA", "text": "no ts"}));
    messages.push(serde_json::json!({"type": "message", "ts": 12, "text": "ts is a number"}));
    std::fs::write(&day, serde_json::to_vec(&messages).expect("json")).expect("write");
    let report = json(&scan(&[path_str(dir.path()), "--format", "json"]));
    let problems = problems(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "general/2026-01-30.json");
    assert!(problems[0].1.starts_with("2 unreadable"), "{problems:?}");
}

#[test]
fn unknown_subtypes_are_reported_counted_and_not_assessed() {
    let dir = sample_copy();
    let day = dir.path().join("general/2026-01-30.json");
    let mut messages: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&day).expect("read")).expect("valid");
    for n in 0..2 {
        messages.push(serde_json::json!({
            "type": "message",
            "subtype": "hologram_share",
            "user": "U01ANA",
            "text": "can we get aligned on the hologram roadmap?",
            "ts": format!("1769788800.00000{n}"),
        }));
    }
    std::fs::write(&day, serde_json::to_vec(&messages).expect("json")).expect("write");

    let output = scan(&[path_str(dir.path()), "--format", "json"]);
    let report = json(&output);
    let all = json(&scan(&[SAMPLE, "--format", "json"]));
    assert_eq!(
        report["totals"]["messages"].as_u64(),
        all["totals"]["messages"].as_u64().map(|n| n + 2)
    );
    assert_eq!(report["totals"]["assessed"], all["totals"]["assessed"]);
    assert_eq!(report["flags"], all["flags"]);
    let problems = problems(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "general/2026-01-30.json");
    assert!(problems[0].1.contains("hologram_share"), "{problems:?}");
    assert!(problems[0].1.contains("2 message"), "{problems:?}");
    assert!(stderr(&output).contains("hologram_share"));
}

#[test]
fn authors_missing_from_users_json_are_reported_and_shown_by_their_profile_or_id() {
    let dir = sample_copy();
    let users_path = dir.path().join("users.json");
    let users: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&users_path).expect("read")).expect("valid");
    let kept: Vec<Value> = users
        .into_iter()
        .filter(|u| u["id"] != "U04DANA" && u["id"] != "U02BEN")
        .collect();
    std::fs::write(&users_path, serde_json::to_vec(&kept).expect("json")).expect("write");
    // Ben's messages lose their embedded profile too: only the id is left.
    for entry in walk(dir.path()) {
        let text = std::fs::read_to_string(&entry).expect("read");
        if text.contains("\"U02BEN\"") && entry.parent() != Some(dir.path()) {
            let mut messages: Vec<Value> = serde_json::from_str(&text).expect("valid");
            for m in &mut messages {
                if m["user"] == "U02BEN"
                    && let Some(object) = m.as_object_mut()
                {
                    object.remove("user_profile");
                }
            }
            std::fs::write(&entry, serde_json::to_vec(&messages).expect("json")).expect("write");
        }
    }

    let output = scan(&[path_str(dir.path()), "--format", "json", "--names"]);
    let report = json(&output);
    let all = json(&scan(&[SAMPLE, "--format", "json", "--names"]));
    assert_eq!(
        report["totals"], all["totals"],
        "missing users lose nothing"
    );
    let problems = problems(&report);
    let users: Vec<&str> = problems
        .iter()
        .filter(|(_, m)| m.contains("not in users.json"))
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(users.len(), 2, "{problems:?}");
    assert!(users.iter().any(|m| m.contains("U04DANA")));
    let authors: Vec<&str> = report["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .filter_map(|f| f["author"].as_str())
        .collect();
    let before: Vec<&str> = all["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .filter_map(|f| f["author"].as_str())
        .collect();
    // Dana keeps her name from the message's profile; Ben falls back to his id.
    let expected: Vec<&str> = before
        .iter()
        .map(|a| if *a == "Ben Okafor" { "U02BEN" } else { a })
        .collect();
    assert_eq!(authors, expected);
}

#[test]
fn an_export_without_users_json_is_scanned_and_says_so_once() {
    let dir = sample_copy();
    std::fs::remove_file(dir.path().join("users.json")).expect("rm");
    let output = scan(&[path_str(dir.path()), "--format", "json"]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(expected_code(&report)));
    let problems = problems(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "users.json");
    assert!(problems[0].1.contains("missing"), "{problems:?}");
    let all = json(&scan(&[SAMPLE, "--format", "json"]));
    assert_eq!(report["totals"], all["totals"]);
}

#[test]
fn an_export_without_listings_is_scanned_folder_by_folder() {
    let dir = sample_copy();
    for listing in ["channels.json", "groups.json", "mpims.json", "dms.json"] {
        std::fs::remove_file(dir.path().join(listing)).expect("rm");
    }
    let output = scan(&[path_str(dir.path()), "--format", "json"]);
    let report = json(&output);
    assert_eq!(report["channels"].as_array().map(Vec::len), Some(6));
    assert!(
        problems(&report).iter().any(|(f, _)| f == "channels.json"),
        "{:?}",
        problems(&report)
    );
}

/// A one-channel export from (time, user, text, thread root time) rows.
fn tiny_export(messages: &[(i64, &str, &str, Option<i64>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("channels.json"),
        r#"[{"id": "C1", "name": "team"}]"#,
    )
    .expect("write");
    std::fs::write(
        dir.path().join("users.json"),
        r#"[{"id": "U1", "name": "one", "profile": {"display_name": "one"}},
            {"id": "U2", "name": "two", "profile": {"display_name": "two"}}]"#,
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("team")).expect("mkdir");
    let rows: Vec<Value> = messages
        .iter()
        .map(|(secs, user, text, thread)| {
            let mut m = serde_json::json!({
                "type": "message", "user": user, "text": text, "ts": format!("{secs}.000100"),
            });
            if let Some(root) = thread {
                m["thread_ts"] = Value::String(format!("{root}.000100"));
            }
            m
        })
        .collect();
    // All on 2026-01-05 (UTC): 1767571200 is its midnight.
    std::fs::write(
        dir.path().join("team/2026-01-05.json"),
        serde_json::to_vec(&rows).expect("json"),
    )
    .expect("write");
    dir
}

const MONDAY: i64 = 1_767_571_200 + 8 * 3600;
const ASK: &str = "Can we get aligned on the Q3 roadmap before we commit to anything?";

#[test]
fn the_noise_policy_keeps_a_channel_cool_and_caps_each_person() {
    let minute = 60;
    let dir = tiny_export(&[
        (MONDAY, "U1", ASK, None),
        (MONDAY + 10 * minute, "U2", ASK, None), // channel cool-down
        (MONDAY + 60 * minute, "U1", ASK, None),
        (MONDAY + 120 * minute, "U1", ASK, None),
        (MONDAY + 180 * minute, "U1", ASK, None), // fourth for U1 today: capped
        (MONDAY + 240 * minute, "U2", ASK, None),
    ]);
    let report = json(&scan(&[path_str(dir.path()), "--format", "json"]));
    let premature = report["totals"]["premature"].as_u64().expect("premature");
    assert_eq!(
        premature, 6,
        "the sample asks must read as premature: {report}"
    );
    assert_eq!(report["totals"]["flags"], 4);
    assert_eq!(report["suppressed"]["channel_cooldown"], 1);
    assert_eq!(report["suppressed"]["user_daily_cap"], 1);
}

#[test]
fn a_thread_is_flagged_at_most_once() {
    let hour = 3600;
    let dir = tiny_export(&[
        (MONDAY, "U1", ASK, Some(MONDAY)),
        (MONDAY + hour, "U2", ASK, Some(MONDAY)),
        (MONDAY + 2 * hour, "U1", ASK, Some(MONDAY)),
    ]);
    let report = json(&scan(&[path_str(dir.path()), "--format", "json"]));
    assert_eq!(report["totals"]["flags"], 1);
    assert_eq!(report["suppressed"]["thread_already_flagged"], 2);
    assert_eq!(report["flags"][0]["thread_ts"], format!("{MONDAY}.000100"));
}

#[test]
fn an_export_with_nothing_to_flag_exits_0() {
    let dir = tiny_export(&[(MONDAY, "U1", "lunch at noon?", None)]);
    let output = scan(&[path_str(dir.path())]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_listed_conversation_whose_name_is_a_path_is_skipped_and_reported() {
    let dir = tiny_export(&[(MONDAY, "U1", "lunch at noon?", None)]);
    std::fs::write(
        dir.path().join("channels.json"),
        r#"[{"id": "C1", "name": "team"}, {"id": "C2", "name": "../../etc"}, {}]"#,
    )
    .expect("write");
    let output = scan(&[path_str(dir.path()), "--format", "json"]);
    let report = json(&output);
    assert_eq!(report["channels"].as_array().map(Vec::len), Some(1));
    let problems = problems(&report);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().all(|(f, _)| f == "channels.json"));
}

#[test]
fn a_thread_root_marked_only_by_its_replies_still_counts_as_a_thread() {
    // Older exports put `replies` on the root but no `thread_ts`.
    let hour = 3600;
    let dir = tiny_export(&[
        (MONDAY, "U1", ASK, None),
        (MONDAY + hour, "U2", ASK, Some(MONDAY)),
    ]);
    let day = dir.path().join("team/2026-01-05.json");
    let mut messages: Vec<Value> =
        serde_json::from_slice(&std::fs::read(&day).expect("read")).expect("valid");
    messages[0]["replies"] =
        serde_json::json!([{"user": "U2", "ts": format!("{}.000100", MONDAY + hour)}]);
    std::fs::write(&day, serde_json::to_vec(&messages).expect("json")).expect("write");
    let report = json(&scan(&[path_str(dir.path()), "--format", "json"]));
    assert_eq!(report["totals"]["flags"], 1);
    assert_eq!(report["suppressed"]["thread_already_flagged"], 1);
}

#[test]
fn an_unwritable_output_file_exits_2_and_names_it() {
    let output = scan(&[SAMPLE, "--output", "/nonexistent-folder/report.txt"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("/nonexistent-folder/report.txt"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_period_before_the_export_reports_nothing_and_exits_0() {
    let output = scan(&[SAMPLE, "--format", "json", "--until", "2025-06-30"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["totals"]["messages"], 0);
    assert_eq!(report["weeks"], serde_json::json!([]));
}

#[test]
fn a_flagged_thread_stays_flagged_after_its_context_is_forgotten() {
    let dir = tiny_export(&[(MONDAY, "U1", ASK, Some(MONDAY))]);
    let day = 86_400;
    let later = |secs: i64, text: &str, thread: Option<i64>| {
        let mut m = serde_json::json!({
            "type": "message", "user": "U2", "text": text, "ts": format!("{secs}.000100"),
        });
        if let Some(root) = thread {
            m["thread_ts"] = Value::String(format!("{root}.000100"));
        }
        serde_json::to_vec(&[m]).expect("json")
    };
    // 100 days on, something else is said, then the old thread gets a reply.
    std::fs::write(
        dir.path().join("team/2026-04-15.json"),
        later(MONDAY + 100 * day, "lunch at noon?", None),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("team/2026-04-20.json"),
        later(MONDAY + 105 * day, ASK, Some(MONDAY)),
    )
    .expect("write");
    let report = json(&scan(&[path_str(dir.path()), "--format", "json"]));
    assert_eq!(report["totals"]["flags"], 1, "{report}");
    assert_eq!(report["suppressed"]["thread_already_flagged"], 1);
}

#[test]
fn a_damaged_file_inside_a_zip_is_reported_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let zip_path = dir.path().join("export.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("zip file"));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let day = br#"[{"type": "message", "user": "U1", "text": "MARKER lunch?", "ts": "1767600000.000100"}]"#;
    for (name, body) in [
        (
            "channels.json",
            &br#"[{"id": "C1", "name": "a"}, {"id": "C2", "name": "b"}]"#[..],
        ),
        ("users.json", &br#"[{"id": "U1", "name": "one"}]"#[..]),
        ("a/2026-01-05.json", &day[..]),
        (
            "b/2026-01-05.json",
            &br#"[{"type": "message", "user": "U1", "text": "fine", "ts": "1767600000.000200"}]"#[..],
        ),
    ] {
        zip.start_file(name, stored).expect("entry");
        zip.write_all(body).expect("write");
    }
    zip.finish().expect("zip written");
    // Change a byte of a/2026-01-05.json: its checksum no longer matches.
    let mut bytes = std::fs::read(&zip_path).expect("read");
    let at = bytes
        .windows(6)
        .position(|w| w == b"MARKER")
        .expect("the stored text is in the zip");
    bytes[at] = b'X';
    std::fs::write(&zip_path, &bytes).expect("write");

    let output = scan(&[path_str(&zip_path), "--format", "json"]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(report["totals"]["messages"], 1, "b is still read");
    let problems = problems(&report);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "a/2026-01-05.json");
}
