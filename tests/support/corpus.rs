//! Every labelled item of every corpus: ours (`data/corpus/`) and, when
//! `CLARITY_CORPUS_DIR` names it, the shared one (`dev`, `dev-real`).
//! Included by the tests that check a property on all corpus text.

use clarity_bot::evaluate::{CorpusItem, parse_corpus};
use std::path::PathBuf;

pub fn items() -> Vec<CorpusItem> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["real", "written", "lockbox"]
        .iter()
        .map(|n| root.join(format!("data/corpus/{n}.jsonl")))
        .collect();
    if let Some(dir) = std::env::var_os("CLARITY_CORPUS_DIR") {
        let dir = PathBuf::from(dir);
        files.push(dir.join("dev.jsonl"));
        files.push(dir.join("dev-real.jsonl"));
    }
    let mut items = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        items.extend(parse_corpus(&text).expect("the corpus parses"));
    }
    items
}
