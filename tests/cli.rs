//! The binary's offline commands, run as a user would.

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
}

#[test]
fn check_prints_a_verdict_for_an_alignment_ask() {
    let output = bin()
        .args(["check", "--json", "can we get aligned on the Q3 roadmap?"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("alignment_request"), "{stdout}");
    let value: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(value["premature"], true);
    assert_eq!(value["topic"], "Q3 roadmap");
}

#[test]
fn check_explains_the_verdict_with_the_matched_words_for_people() {
    let output = bin()
        .args(["check", "can we get aligned on the Q3 roadmap?"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("premature alignment ask"), "{stdout}");
    assert!(stdout.contains("topic: Q3 roadmap"), "{stdout}");
    // Not a terminal: no ANSI escapes, the match is marked with ** instead.
    assert!(!stdout.contains('\x1b'), "{stdout}");
    assert!(stdout.contains("**get aligned on**"), "{stdout}");
}

#[test]
fn check_reads_one_message_per_stdin_line() {
    let mut child = bin()
        .args(["check", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"lunch?\nlet's align on pricing tmrw?\n")
        .expect("written");
    let output = child.wait_with_output().expect("finishes");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].contains("\"kind\":\"other\""), "{stdout}");
    assert!(lines[1].contains("\"premature\":true"), "{stdout}");
}

#[test]
fn eval_prints_the_documented_json_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("c.jsonl");
    std::fs::write(
        &corpus,
        concat!(
            "{\"id\":\"1\",\"text\":\"can we align on pricing?\",\"label\":\"premature_alignment\"}\n",
            "{\"id\":\"2\",\"text\":\"lunch?\",\"label\":\"other\"}\n",
        ),
    )
    .expect("written");
    let output = bin()
        .args(["eval", "--json", "--corpus"])
        .arg(&corpus)
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    for key in [
        "n",
        "tp",
        "fp",
        "fn",
        "tn",
        "precision",
        "recall",
        "f1",
        "confusion",
    ] {
        assert!(value.get(key).is_some(), "missing {key}: {value}");
    }
    assert_eq!(value["n"], 2);
    assert_eq!(value["tp"], 1);
    assert_eq!(value["confusion"]["other"]["other"], 1);
}

#[test]
fn eval_reports_a_bad_corpus_line_with_its_number_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("c.jsonl");
    std::fs::write(
        &corpus,
        "{\"id\":\"1\",\"text\":\"hi\",\"label\":\"other\"}\n{oops\n",
    )
    .expect("written");
    let output = bin()
        .args(["eval", "--corpus"])
        .arg(&corpus)
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 2"), "{stderr}");
}

#[test]
fn eval_names_the_corpus_at_fault_after_a_good_one_and_prints_no_figures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.jsonl");
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &good,
        "{\"id\":\"1\",\"text\":\"hi\",\"label\":\"other\"}\n",
    )
    .expect("written");
    std::fs::write(
        &bad,
        "\n\n{\"id\":\"2\",\"text\":\"hi\",\"label\":\"maybe\"}\n",
    )
    .expect("written");
    for (second, says) in [
        (bad.clone(), "line 3: unknown label"),
        (dir.path().join("none.jsonl"), "cannot read"),
    ] {
        let output = bin()
            .args(["eval", "--corpus"])
            .arg(&good)
            .arg("--corpus")
            .arg(&second)
            .output()
            .expect("the binary runs");
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&*second.to_string_lossy()), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(
            output.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

#[test]
fn a_broken_rules_file_is_reported_with_file_and_rule_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"ask.x\"\nkind = \"ask\"\nweight = 0.8\npatterns = ['(unclosed']\n",
    )
    .expect("written");
    let output = bin()
        .args(["check", "--rules"])
        .arg(&rules)
        .arg("hello")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rules.toml"), "{stderr}");
    assert!(stderr.contains("ask.x"), "{stderr}");
}

#[test]
fn check_uses_another_rules_file_when_given_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"ask.huddle\"\nkind = \"ask\"\nweight = 0.9\npatterns = ['\\bhuddle\\s+on\\b']\n",
    )
    .expect("written");
    let output = bin()
        .args(["check", "--json", "--rules"])
        .arg(&rules)
        .arg("huddle on the roadmap?")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ask.huddle"), "{stdout}");
}

#[test]
fn manifest_prints_json_with_request_urls_under_the_given_base() {
    let output = Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
        .args(["manifest", "--url", "https://bot.acme.dev"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let manifest: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(
        manifest["settings"]["event_subscriptions"]["request_url"],
        "https://bot.acme.dev/slack/events"
    );
    // "Add to Slack": where Slack sends the installer back, in the
    // manifest's oauth_config and said on stderr.
    assert_eq!(
        manifest["oauth_config"]["redirect_urls"][0],
        "https://bot.acme.dev/slack/oauth_redirect"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("https://bot.acme.dev/slack/oauth_redirect"),
        "{stderr}"
    );
}

#[test]
fn manifest_for_socket_mode_enables_it_and_has_no_request_urls() {
    let output = bin()
        .args(["manifest", "--socket-mode"])
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let manifest: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(manifest["settings"]["socket_mode_enabled"], true);
    let text = manifest.to_string();
    assert!(
        !text.contains("request_url") && !text.contains("https://"),
        "{text}"
    );
    assert!(output.stderr.is_empty(), "no note about a missing --url");

    let both = bin()
        .args(["manifest", "--socket-mode", "--url", "https://bot.acme.dev"])
        .output()
        .expect("the binary runs");
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
}

#[test]
fn serve_refuses_an_out_of_range_setting_naming_file_key_value_and_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("clarity.toml");
    std::fs::write(&config, "[noise]\nmin_score = 7\n[workers]\nlease_ms = 0\n").expect("written");
    let output = bin()
        .arg("serve")
        .env("CLARITY_CONFIG", &config)
        .env("CLARITY_BIND", "127.0.0.1:0")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("c.db").display()),
        )
        .env("SLACK_BOT_TOKEN", "xoxb-test")
        .env("SLACK_SIGNING_SECRET", "secret")
        .env_remove("SLACK_APP_TOKEN")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid settings (2 problem(s))"),
        "{stderr}"
    );
    let file = config.display().to_string();
    assert!(
        stderr.contains(&format!(
            "{file}: [noise] min_score = 7 is out of range; expected 0 to 1"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{file}: [workers] lease_ms = 0 is out of range; expected 100 to 3600000"
        )),
        "{stderr}"
    );
    assert!(
        !dir.path().join("c.db").exists(),
        "refused before opening the database"
    );
}

#[test]
fn serve_in_multi_workspace_mode_refuses_to_start_without_a_token_key_and_says_how_to_make_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("clarity.toml");
    std::fs::write(&config, "").expect("written");
    let serve = |key: Option<&str>| {
        let mut command = bin();
        command
            .arg("serve")
            .env("CLARITY_CONFIG", &config)
            .env("CLARITY_BIND", "127.0.0.1:0")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", dir.path().join("c.db").display()),
            )
            .env("SLACK_CLIENT_ID", "1111.2222")
            .env("SLACK_CLIENT_SECRET", "the-client-secret")
            .env("SLACK_SIGNING_SECRET", "secret")
            .env_remove("SLACK_BOT_TOKEN")
            .env_remove("SLACK_APP_TOKEN")
            .env_remove("CLARITY_TOKEN_KEY");
        if let Some(key) = key {
            command.env("CLARITY_TOKEN_KEY", key);
        }
        command.output().expect("the binary runs")
    };
    let missing = serve(None);
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("CLARITY_TOKEN_KEY: required when SLACK_CLIENT_ID is set"),
        "{stderr}"
    );
    assert!(stderr.contains("openssl rand -base64 32"), "{stderr}");
    assert!(!stderr.contains("the-client-secret"), "{stderr}");

    let malformed = serve(Some("too-short-a-key"));
    assert_eq!(malformed.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&malformed.stderr);
    assert!(stderr.contains("CLARITY_TOKEN_KEY: "), "{stderr}");
    assert!(
        stderr.contains("expected 32 random bytes in base64"),
        "{stderr}"
    );
    assert!(!stderr.contains("too-short-a-key"), "{stderr}");
    assert!(
        !dir.path().join("c.db").exists(),
        "refused before opening the database"
    );
}

#[test]
fn check_reports_every_bad_rule_with_its_line_and_refuses_an_empty_rules_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"ask.a\"\nkind = \"ask\"\nweight = 2\npatterns = ['x']\n\n\
         [[rule]]\nid = \"ask.b\"\nkind = \"ask\"\nweight = 0.5\npatterns = ['(b']\n",
    )
    .expect("written");
    let check = |path: &std::path::Path| {
        bin()
            .args(["check", "--rules"])
            .arg(path)
            .arg("hello")
            .output()
            .expect("the binary runs")
    };
    let output = check(&rules);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rules.toml: 2 problems:"), "{stderr}");
    assert!(
        stderr.contains("line 4: rule `ask.a`: weight 2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 11: rule `ask.b`: pattern 1"),
        "{stderr}"
    );

    std::fs::write(&rules, "# no rules yet\n").expect("written");
    let output = check(&rules);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the file has no rules"), "{stderr}");
}

/// `migrate` on a SQLite file in `dir` (with an empty config), logs off.
fn migrate_sqlite(dir: &std::path::Path, db: &std::path::Path) -> std::process::Output {
    let config = dir.join("clarity.toml");
    std::fs::write(&config, "").expect("config");
    bin()
        .arg("migrate")
        .env("CLARITY_CONFIG", &config)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "off")
        .output()
        .expect("the binary runs")
}

/// A database that cannot be read fails at once, naming the file and what
/// SQLite says, not a pool timeout five seconds later.
fn assert_refused_at_once(
    db: &std::path::Path,
    sqlite_says: &[&str],
    run: impl FnOnce() -> std::process::Output,
) {
    let started = std::time::Instant::now();
    let output = run();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        elapsed < std::time::Duration::from_secs(3),
        "took {elapsed:?}: {stderr}"
    );
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");
    assert!(
        sqlite_says.iter().any(|words| stderr.contains(words)),
        "{stderr}"
    );
    assert!(!stderr.contains("timed out"), "{stderr}");
}

#[test]
fn a_corrupt_sqlite_file_is_named_with_sqlites_error_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("clarity.db");
    std::fs::write(
        &db,
        "these are not the bytes of a database, though there are more than a hundred of them here",
    )
    .expect("written");
    assert_refused_at_once(&db, &["file is not a database"], || {
        migrate_sqlite(dir.path(), &db)
    });
}

#[test]
fn a_truncated_sqlite_file_is_named_with_sqlites_error_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("clarity.db");
    let output = migrate_sqlite(dir.path(), &db);
    assert!(output.status.success(), "{output:?}");
    let whole = std::fs::read(&db).expect("the database file");
    for log in ["clarity.db-wal", "clarity.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(log));
    }
    std::fs::write(&db, &whole[..50]).expect("truncated");
    assert_refused_at_once(
        &db,
        &["file is not a database", "database disk image is malformed"],
        || migrate_sqlite(dir.path(), &db),
    );
}

#[tokio::test]
async fn after_migrate_the_sqlite_file_alone_holds_the_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("clarity.db");
    let output = migrate_sqlite(dir.path(), &db);
    assert!(output.status.success(), "{output:?}");
    let wal = dir.path().join("clarity.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |log| log.len() == 0),
        "the log still holds writes"
    );
    // The file alone, as a backup copied from the data folder would be.
    let copy = tempfile::tempdir().expect("tempdir");
    let copied = copy.path().join("copy.db");
    std::fs::copy(&db, &copied).expect("copied");
    use sqlx::Connection;
    let mut connection = sqlx::SqliteConnection::connect(&format!("sqlite://{}", copied.display()))
        .await
        .expect("the copy opens");
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut connection)
        .await
        .expect("the copy has the migrations table");
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/store/migrations/sqlite"
    ))
    .expect("migrations folder")
    .count();
    assert_eq!(applied as usize, migrations);
}

/// `train` writes the same weights twice from the same corpus; `check` and
/// `eval` load them with `--scorer`, and a broken weights file is refused
/// with its line.
#[test]
fn train_is_deterministic_and_its_weights_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let written = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/corpus/written.jsonl"
    ))
    .expect("the written corpus");
    let corpus = dir.path().join("small.jsonl");
    let small: Vec<&str> = written.lines().take(240).collect();
    std::fs::write(&corpus, small.join("\n")).expect("written");
    let train = |name: &str| {
        let output = dir.path().join(name);
        let status = bin()
            .args(["train", "--corpus"])
            .arg(&corpus)
            .arg("--output")
            .arg(&output)
            .output()
            .expect("the binary runs");
        assert!(status.status.success(), "{status:?}");
        std::fs::read_to_string(&output).expect("weights written")
    };
    let first = train("a.tsv");
    assert_eq!(
        first,
        train("b.tsv"),
        "the same corpus gives the same weights"
    );
    assert!(
        first.contains("Trained on 240 items from small.jsonl"),
        "{first}"
    );

    let eval = bin()
        .args(["eval", "--scorer"])
        .arg(dir.path().join("a.tsv"))
        .arg("--corpus")
        .arg(&corpus)
        .output()
        .expect("the binary runs");
    assert!(eval.status.success());
    let report = String::from_utf8_lossy(&eval.stdout);
    assert!(report.contains("items: 240"), "{report}");
    assert!(report.contains("by label:"), "{report}");

    let broken = dir.path().join("broken.tsv");
    std::fs::write(&broken, "scorer\t3\t20\nbias\t0\t0\n").expect("written");
    let check = bin()
        .args(["check", "--scorer"])
        .arg(&broken)
        .arg("align on pricing?")
        .output()
        .expect("the binary runs");
    assert_eq!(check.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains("broken.tsv") && stderr.contains("line 2"),
        "{stderr}"
    );
}
