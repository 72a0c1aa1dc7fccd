//! Benchmark of `clarity-bot scan`: generates a synthetic Slack export of
//! 1,000,000 messages in 40 channels (and one of a quarter of that, and a
//! quarter in a single channel), scans each with the release binary, and
//! reports seconds, messages per second and the process's peak RSS (VmHWM).
//! The "replay only" runs replay everything but report on nothing
//! (`--since` after the export), showing the memory the replay needs does
//! not grow with the export; what grows otherwise is the list of flags the
//! report holds.
//!
//! `cargo bench --bench scan`. Environment:
//! - `CLARITY_BENCH_MESSAGES`: size of the big export (default 1000000);
//! - `CLARITY_BENCH_DIR`: where to generate (default: a temporary folder,
//!   removed afterwards); an export already there is reused;
//! - `CLARITY_BENCH_ZIP=1`: also zip the big export and scan the zip.
//!
//! A plain program (`harness = false`), not criterion: one run of a
//! multi-second command is the measurement, and memory is measured on the
//! child process.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Channels of the main exports; one more export puts everything in one.
const CHANNELS: usize = 40;
const PER_DAY: usize = 100;
const USERS: usize = 60;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const TOPICS: &[&str] = &[
    "the pricing page redesign",
    "the Q3 roadmap",
    "onboarding emails",
    "the on-call rotation",
    "API versioning",
    "the hiring plan",
    "the definition of done",
    "incident severity levels",
    "the mobile release train",
    "data retention",
];
const OTHER: &[&str] = &[
    "Deployed build 4812 to staging, smoke tests are green.",
    "Lunch at noon? The new ramen place is open again.",
    "PR 2231 is ready for review: it fixes the flaky test in the importer and adds a regression case.",
    "Standup notes are in the doc, see the section on blockers.",
    "The dashboard numbers look off since Monday, I'm digging into the ingestion lag.",
    "Thanks for the quick turnaround on the hotfix yesterday, customers noticed.",
    "I'll be out Thursday afternoon, Chen is covering support.",
    "Can someone share the link to the design review recording?",
    "The submit button isn't aligned with the input on Safari; align-items: center fixes it.",
    "That struct needs 8-byte alignment on ARM or the parser panics on unaligned reads.",
    "The raft cluster lost consensus during the deploy; leader election took 40 seconds.",
    "Vote: option A (weekly) or B (biweekly) for the release cadence? React with :a: or :b:.",
];

fn text(rng: &mut Rng) -> String {
    let roll = rng.next() % 100;
    let topic = rng.pick(TOPICS);
    match roll {
        0..=1 => format!("Can we get aligned on {topic} before Friday?"),
        2 => format!("We need to get on the same page about {topic}."),
        3 => format!("Let's set up a meeting to align on {topic}."),
        4 => format!("Decision: {topic} ships as proposed in the doc; Ana owns it."),
        5 => format!("I'm not sure why we're doing {topic}, can someone explain the reasoning?"),
        6 => format!("I disagree with {topic} as written, it ignores the support load."),
        _ => rng.pick(OTHER).to_owned(),
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Writes an export of `messages` spread over `channels`; returns how many
/// messages were written.
fn generate(dir: &Path, messages: usize, channels: usize) -> std::io::Result<usize> {
    fs::create_dir_all(dir)?;
    let mut users = String::from("[");
    for u in 0..USERS {
        if u > 0 {
            users.push(',');
        }
        users.push_str(&format!(
            r#"{{"id":"U{u:05}","name":"user{u}","real_name":"User {u}","is_bot":false,"profile":{{"display_name":"user{u}","real_name":"User {u}"}}}}"#
        ));
    }
    users.push(']');
    fs::write(dir.join("users.json"), users)?;
    let listing: Vec<String> = (0..channels)
        .map(|c| format!(r#"{{"id":"C{c:05}","name":"team-{c}","created":1735689600}}"#))
        .collect();
    fs::write(
        dir.join("channels.json"),
        format!("[{}]", listing.join(",")),
    )?;

    let days = messages.div_ceil(channels * PER_DAY);
    let start = 1_735_689_600_i64; // 2025-01-01
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut written = 0;
    for c in 0..channels {
        let folder = dir.join(format!("team-{c}"));
        fs::create_dir_all(&folder)?;
        for d in 0..days {
            if written >= messages {
                break;
            }
            let day_start = start + d as i64 * 86_400;
            let date = jiff::Timestamp::from_second(day_start)
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
                .unwrap_or_default();
            let mut out = BufWriter::new(File::create(folder.join(format!("{date}.json")))?);
            out.write_all(b"[\n")?;
            let count = PER_DAY.min(messages - written);
            let mut root: Option<String> = None;
            for i in 0..count {
                let secs = day_start + 8 * 3600 + (i as i64) * 300;
                let ts = format!("{secs}.{:06}", (c * 1000 + i) % 1_000_000);
                let user = format!("U{:05}", rng.next() % USERS as u64);
                let body = text(&mut rng);
                // Every tenth message opens a thread that the next three answer.
                let thread = match (i % 10, &root) {
                    (0, _) => {
                        root = Some(ts.clone());
                        format!(r#","thread_ts":"{ts}","reply_count":3"#)
                    }
                    (1..=3, Some(r)) => format!(r#","thread_ts":"{r}","parent_user_id":"U00001""#),
                    _ => String::new(),
                };
                let text_json = json_str(&body);
                if i > 0 {
                    out.write_all(b",\n")?;
                }
                write!(
                    out,
                    r#"    {{"client_msg_id":"00000000-0000-4000-8000-{c:06}{i:06}","type":"message","text":{text_json},"user":"{user}","ts":"{ts}"{thread},"blocks":[{{"type":"rich_text","block_id":"b{i}","elements":[{{"type":"rich_text_section","elements":[{{"type":"text","text":{text_json}}}]}}]}}],"team":"T00001","user_team":"T00001","source_team":"T00001","user_profile":{{"avatar_hash":"g0123456789","first_name":"User","real_name":"User","display_name":"user","team":"T00001","name":"user","is_restricted":false,"is_ultra_restricted":false}}}}"#
                )?;
                written += 1;
            }
            out.write_all(b"\n]\n")?;
            out.flush()?;
        }
    }
    fs::write(dir.join(".messages"), written.to_string())?;
    Ok(written)
}

/// Peak resident memory of a child, in KiB, sampled from /proc.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct Measurement {
    seconds: f64,
    peak_kib: u64,
    exit: Option<i32>,
}

fn measure(path: &Path, extra: &[&str]) -> Measurement {
    let started = Instant::now();
    let mut child = match Command::new(env!("CARGO_BIN_EXE_clarity-bot"))
        .arg("scan")
        .arg(path)
        .args(["--format", "json", "--output", "/dev/null"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("cannot run clarity-bot: {e}");
            std::process::exit(2);
        }
    };
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(child.id()) {
            peak = peak.max(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    Measurement {
        seconds: started.elapsed().as_secs_f64(),
        peak_kib: peak,
        exit: status.and_then(|s| s.code()),
    }
}

fn export_at(base: &Path, messages: usize, channels: usize) -> (PathBuf, usize) {
    let dir = base.join(format!("export-{messages}-in-{channels}"));
    if let Ok(n) = fs::read_to_string(dir.join(".messages"))
        && let Ok(n) = n.trim().parse::<usize>()
    {
        return (dir, n);
    }
    let started = Instant::now();
    let n = match generate(&dir, messages, channels) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{}: cannot generate the export: {e}", dir.display());
            std::process::exit(2);
        }
    };
    println!(
        "generated {n} messages in {} ({:.1} s)",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    (dir, n)
}

fn zip_folder(folder: &Path, zip_path: &Path) -> zip::result::ZipResult<()> {
    let mut zip = zip::ZipWriter::new(File::create(zip_path)?);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(folder) {
                zip.start_file(relative.to_string_lossy(), options)?;
                zip.write_all(&fs::read(&path)?)?;
            }
        }
    }
    zip.finish()?;
    Ok(())
}

fn report(label: &str, messages: usize, m: &Measurement) {
    println!(
        "{label:<30} {messages:>9} messages  {:>6.2} s  {:>9.0} messages/s  peak RSS {:>6.1} MiB  exit {}",
        m.seconds,
        messages as f64 / m.seconds,
        m.peak_kib as f64 / 1024.0,
        m.exit.map_or("?".into(), |c| c.to_string())
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` must not run this.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let messages = std::env::var("CLARITY_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000usize);
    let temp;
    let base = match std::env::var_os("CLARITY_BENCH_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            temp = match tempfile::tempdir() {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("no temporary folder: {e}");
                    std::process::exit(2);
                }
            };
            temp.path().to_path_buf()
        }
    };
    println!(
        "clarity-bot scan benchmark: {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let (small, small_n) = export_at(&base, messages / 4, CHANNELS);
    let (big, big_n) = export_at(&base, messages, CHANNELS);
    let (single, single_n) = export_at(&base, messages / 4, 1);
    let small_m = measure(&small, &[]);
    report("folder, a quarter", small_n, &small_m);
    let big_m = measure(&big, &[]);
    report("folder", big_n, &big_m);
    report(
        "folder, a quarter, 1 channel",
        single_n,
        &measure(&single, &[]),
    );
    // Everything replayed, nothing kept for the report: the memory the
    // replay itself needs, whatever the export's size.
    let after = ["--since", "2100-01-01"];
    let small_replay = measure(&small, &after);
    report("replay only, a quarter", small_n, &small_replay);
    let big_replay = measure(&big, &after);
    report("replay only", big_n, &big_replay);
    if std::env::var_os("CLARITY_BENCH_ZIP").is_some() {
        let zip_path = base.join(format!("export-{messages}.zip"));
        if !zip_path.exists()
            && let Err(e) = zip_folder(&big, &zip_path)
        {
            eprintln!("{}: cannot zip: {e}", zip_path.display());
            std::process::exit(2);
        }
        report("zip (deflate)", big_n, &measure(&zip_path, &[]));
    }
    let growth =
        |big: &Measurement, small: &Measurement| big.peak_kib as f64 / small.peak_kib.max(1) as f64;
    println!(
        "for {:.1}x the messages, peak RSS grew {:.2}x with the report's flags held, {:.2}x for the replay alone",
        big_n as f64 / small_n.max(1) as f64,
        growth(&big_m, &small_m),
        growth(&big_replay, &small_replay)
    );
}
