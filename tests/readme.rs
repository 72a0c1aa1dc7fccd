//! The README as a new user follows it: every command in a block marked
//! `sh offline` runs against the built binary, from a scratch folder that
//! sees the repository's `tests/` and `config/` as a fresh clone does; the
//! set-up and test commands are the ones CI runs; the page stays a short
//! path whose links into `docs/` all lead somewhere; and every page invokes
//! the binary one way, as `clarity-bot …`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// The code blocks of a Markdown text: (info string, lines).
fn code_blocks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match (&mut open, trimmed.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_string(), Vec::new())),
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some((_, lines)), None) => lines.push(trimmed.to_string()),
            (None, None) => {}
        }
    }
    blocks
}

/// The commands of blocks marked `sh offline`: continuation lines joined,
/// comments dropped.
fn offline_commands(text: &str) -> Vec<String> {
    let mut commands = Vec::new();
    for (info, lines) in code_blocks(text) {
        if info.split_whitespace().collect::<Vec<_>>() != ["sh", "offline"] {
            continue;
        }
        let mut pending = String::new();
        for line in lines {
            let line = strip_comment(&line);
            match line.strip_suffix('\\') {
                Some(start) => pending.push_str(start),
                None => {
                    pending.push_str(&line);
                    if !pending.trim().is_empty() {
                        commands.push(pending.trim().to_string());
                    }
                    pending.clear();
                }
            }
        }
    }
    commands
}

/// A line without its trailing `# comment` (a `#` outside quotes, after a space).
fn strip_comment(line: &str) -> String {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return line[..i].trim_end().to_string(),
            _ => {}
        }
        previous = c;
    }
    line.trim_end().to_string()
}

/// Splits a command line into words as a shell does for simple quoting.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = None;
    for c in command.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// A folder that looks like a fresh clone to the documented commands.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for shared in ["tests", "config"] {
        std::os::unix::fs::symlink(root().join(shared), dir.path().join(shared)).expect("symlink");
    }
    dir
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect()
}

#[test]
fn every_offline_command_in_the_readme_runs_against_the_built_binary() {
    let commands = offline_commands(&readme());
    assert!(
        commands.len() >= 5,
        "the README marks its offline commands with ```sh offline: {commands:?}"
    );
    for command in &commands {
        let words = words(command);
        assert_eq!(
            words[0], "clarity-bot",
            "{command}: invoke the installed binary"
        );
        let dir = scratch();
        let output = Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
            .args(&words[1..])
            .current_dir(dir.path())
            .env_remove("CLARITY_CONFIG")
            .env_remove("DATABASE_URL")
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        // 0: nothing to report; 1: findings, as the README says.
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{command} exited {:?}:\n{stderr}",
            output.status.code()
        );
        assert!(!stderr.contains("error"), "{command}:\n{stderr}");
        let written = files_in(dir.path());
        match words.iter().position(|w| w == "-o" || w == "--output") {
            Some(at) => {
                let file = dir.path().join(&words[at + 1]);
                let text = std::fs::read_to_string(&file)
                    .unwrap_or_else(|e| panic!("{command}: {}: {e}", file.display()));
                assert!(!text.is_empty(), "{command} wrote an empty file");
            }
            None => {
                assert!(!output.stdout.is_empty(), "{command} printed nothing");
                assert!(written.is_empty(), "{command} left {written:?}");
            }
        }
    }
}

#[test]
fn the_readme_installs_with_cargo_install_and_tests_with_exactly_cargo_test() {
    let blocks = code_blocks(&readme());
    let lines: Vec<&str> = blocks
        .iter()
        .filter(|(info, _)| info.starts_with("sh"))
        .flat_map(|(_, lines)| lines.iter().map(String::as_str))
        .collect();
    assert!(lines.contains(&"cargo install --path ."), "{lines:?}");
    // .ci/run runs exactly this; the README must say the same.
    assert!(lines.contains(&"cargo test"), "{lines:?}");
    let ci = std::fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    assert!(ci.lines().any(|l| l.starts_with("cargo test ")), "{ci}");
}

#[test]
fn the_readme_is_a_short_path_in_the_order_a_new_user_walks_it() {
    let text = readme();
    let lines = text.lines().count();
    assert!(
        lines < 150,
        "README.md has {lines} lines; move details to docs/"
    );
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    let order = [
        "## When it stays quiet",
        "## Prerequisites",
        "## Set up",
        "## Try it in a sandbox workspace in five minutes (Socket Mode)",
        "## HTTP mode behind HTTPS",
        "## In production: PostgreSQL",
    ];
    let positions: Vec<Option<usize>> = order
        .iter()
        .map(|h| headings.iter().position(|g| g == h))
        .collect();
    assert!(positions.iter().all(Option::is_some), "{headings:?}");
    assert!(positions.is_sorted(), "{headings:?}");
}

#[test]
fn the_prerequisites_name_the_rust_version_cargo_toml_requires() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .expect("Cargo.toml sets rust-version")
        .trim_matches('"');
    assert!(
        readme().contains(&format!("Rust {version} or newer")),
        "the README's prerequisites must say Rust {version}"
    );
}

/// README.md and every page in docs/.
fn pages() -> Vec<(PathBuf, String)> {
    let mut pages = vec![(root().join("README.md"), readme())];
    for path in files_in(&root().join("docs")) {
        if path.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&path).expect("a page");
            pages.push((path, text));
        }
    }
    pages
}

#[test]
fn every_relative_link_and_picture_leads_to_a_file() {
    let link = regex::Regex::new(r"\]\(([^)\s]+)\)").expect("valid");
    let mut checked = 0;
    for (page, text) in pages() {
        for found in link.captures_iter(&text) {
            let target = &found[1];
            if target.starts_with("http") || target.starts_with('#') {
                continue;
            }
            let file = target.split('#').next().unwrap_or(target);
            let path = page.parent().expect("a folder").join(file);
            assert!(path.exists(), "{}: {target} leads nowhere", page.display());
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} links checked");
}

#[test]
fn every_page_invokes_the_binary_as_clarity_bot() {
    for (page, text) in pages() {
        assert!(
            !text.contains("cargo run"),
            "{}: run the installed binary (`clarity-bot …`), not `cargo run`",
            page.display()
        );
    }
}
