//! The corpora the classifier tests read: ours (`data/corpus/`) and the
//! shared one (`dev`, `dev-real`, in `CLARITY_CORPUS_DIR`, else beside the
//! checkout). Included by each test that reads them.

use clarity_bot::evaluate::{CorpusItem, parse_corpus};
use std::path::{Path, PathBuf};

/// The shared corpus folder, or `None` (skip) outside CI when it is not set
/// and not beside the checkout; under `CI=true` its absence fails.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("CLARITY_CORPUS_DIR") {
        return Some(PathBuf::from(dir));
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if beside.join("dev.jsonl").exists() {
        return Some(beside);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "CLARITY_CORPUS_DIR is not set and ../shared/corpus is missing: the corpus floors cannot run"
    );
    eprintln!("skipped: set CLARITY_CORPUS_DIR to the shared corpus folder to run the floors");
    None
}

/// The items of one corpus file.
pub fn read(path: &Path) -> Vec<CorpusItem> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_corpus(&text).expect("the corpus parses")
}

/// Every labelled item of every corpus, ours and (when found) the shared one.
pub fn items() -> Vec<CorpusItem> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["real", "written", "lockbox"]
        .iter()
        .map(|n| root.join(format!("data/corpus/{n}.jsonl")))
        .collect();
    if let Some(dir) = shared_dir() {
        files.push(dir.join("dev.jsonl"));
        files.push(dir.join("dev-real.jsonl"));
    }
    files.iter().flat_map(|path| read(path)).collect()
}
