//! The layering ARCHITECTURE.md describes, checked from the source: every
//! `crate::…` (and `super::…`) path outside test code is an edge from its
//! module to the module it names. No module imports one in a layer above
//! its own, and no modules import each other in a circle.
//!
//! `cargo test --test architecture -- --nocapture` prints every edge.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, top (0) to bottom, by module path prefix; the longest
/// prefix that matches decides. A module may import its own layer or any
/// below it.
const LAYERS: &[(&str, usize)] = &[
    // Entry points, the wiring and the offline tools.
    ("cli", 0),
    ("startup", 0),
    ("jobs", 0),
    ("telemetry", 0),
    ("evaluate", 0),
    ("train", 0),
    ("scan", 0),
    ("manifest", 0),
    // Slack → our types.
    ("ingress", 1),
    // The handlers: decide, then act.
    ("pipeline", 2),
    ("commands", 2),
    ("interactions", 2),
    ("install", 2),
    ("mentions", 2),
    ("greeting", 2),
    ("home", 2),
    ("reminders", 2),
    ("reception", 2),
    ("digest", 2),
    ("lifecycle", 2),
    // What every handler asks of a channel.
    ("privacy", 3),
    ("mute", 3),
    // The one sender.
    ("respond::outbox", 4),
    // What handlers and jobs share.
    ("state", 5),
    ("workspaces", 5),
    ("settings", 6),
    // The one shape of an outbox row.
    ("respond::outgoing", 7),
    // The edges.
    ("store", 8),
    ("slack", 8),
    // The pure core.
    ("domain", 9),
    ("classify", 9),
    ("policy", 9),
    ("retention", 9),
    ("digest::schedule", 9),
    ("respond", 9),
];

/// A circle this change leaves as it found it: `eval --cross-validate`
/// fits with `train`'s fitter, and `train` reads and scores corpora with
/// `evaluate`'s; untangling it means editing `train.rs`.
const KNOWN_CIRCLES: &[&[&str]] = &[&["evaluate", "train"]];

type Module = Vec<String>;

fn name(module: &[String]) -> String {
    module.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// `src/store/mod.rs` → `store`, `src/store/flags.rs` → `store::flags`.
fn module_of(src: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    if parts == ["lib"] || parts == ["main"] {
        parts.clear();
    }
    parts
}

/// The source without comments and without `#[cfg(test)] mod … { … }`.
fn without_tests_and_comments(source: &str) -> String {
    let comment = Regex::new(r"//[^\n]*").expect("a regex");
    let source = comment.replace_all(source, "");
    let test_module = Regex::new(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{").expect("a regex");
    let mut out = String::new();
    let mut rest: &str = &source;
    while let Some(found) = test_module.find(rest) {
        out.push_str(&rest[..found.start()]);
        let mut depth = 1;
        let mut end = found.end();
        for (i, c) in rest[found.end()..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = found.end() + i + 1;
                break;
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    if let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let mut parts = Vec::new();
        let (mut depth, mut current) = (0, String::new());
        for c in inner.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        parts.push(current);
        return parts
            .iter()
            .filter(|part| !part.trim().is_empty())
            .flat_map(|part| expand(part))
            .collect();
    }
    match tree.split_once("::") {
        Some((head, rest)) => expand(rest)
            .into_iter()
            .map(|mut path| {
                path.insert(0, head.trim().to_string());
                path
            })
            .collect(),
        None => {
            let last = tree.split(" as ").next().unwrap_or_default().trim();
            if last == "self" || last.is_empty() {
                vec![Vec::new()]
            } else {
                vec![vec![last.to_string()]]
            }
        }
    }
}

/// Every module → the modules it names.
fn edges(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<Module, PathBuf> = files
        .iter()
        .map(|file| (module_of(src, file), file.clone()))
        .collect();
    let use_statement = Regex::new(r"\buse\s+((?:crate|super)::[^;]*);").expect("a regex");
    let inline_path =
        Regex::new(r"(?:^|[^:\w])((?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)+)").expect("a regex");
    let mut edges = BTreeMap::new();
    for (module, file) in &modules {
        if module.is_empty() {
            continue;
        }
        let source = std::fs::read_to_string(file).expect("a source file");
        let source = without_tests_and_comments(&source);
        let mut paths: Vec<Vec<String>> = use_statement
            .captures_iter(&source)
            .flat_map(|c| expand(&c[1]))
            .collect();
        paths.extend(
            inline_path
                .captures_iter(&source)
                .map(|c| c[1].split("::").map(str::to_string).collect()),
        );
        let in_folder = file.ends_with("mod.rs");
        let targets: &mut BTreeSet<Module> = edges.entry(module.clone()).or_default();
        for path in paths {
            let mut target: Module = match path.first().map(String::as_str) {
                Some("crate") => path[1..].to_vec(),
                Some("super") => {
                    let mut base = if in_folder {
                        module.clone()
                    } else {
                        module[..module.len() - 1].to_vec()
                    };
                    let mut rest = &path[1..];
                    while rest.first().is_some_and(|p| p == "super") {
                        base.pop();
                        rest = &rest[1..];
                    }
                    base.extend(rest.iter().cloned());
                    base
                }
                _ => continue,
            };
            while !target.is_empty() && !modules.contains_key(&target) {
                target.pop();
            }
            let is_ancestor = module.starts_with(&target);
            if !target.is_empty() && !is_ancestor {
                targets.insert(target);
            }
        }
    }
    edges
}

fn layer(module: &[String]) -> usize {
    let name = name(module);
    LAYERS
        .iter()
        .filter(|(prefix, _)| name == *prefix || name.starts_with(&format!("{prefix}::")))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, layer)| *layer)
        .unwrap_or_else(|| panic!("{name} has no layer in LAYERS: add it"))
}

/// The circles (strongly connected components of two or more modules).
fn circles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<BTreeSet<String>> {
    let reaches = |from: &Module, to: &Module| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(next) = stack.pop() {
            for target in edges.get(&next).into_iter().flatten() {
                if target == to {
                    return true;
                }
                if seen.insert(target.clone()) {
                    stack.push(target.clone());
                }
            }
        }
        false
    };
    let mut found: BTreeSet<BTreeSet<String>> = BTreeSet::new();
    for module in edges.keys() {
        let circle: BTreeSet<String> = edges
            .keys()
            .filter(|other| *other == module || (reaches(module, other) && reaches(other, module)))
            .map(|m| name(m))
            .collect();
        if circle.len() > 1 {
            found.insert(circle);
        }
    }
    found.into_iter().collect()
}

#[test]
fn no_module_imports_one_above_it_and_none_import_each_other_in_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = edges(&src);
    let mut upward = Vec::new();
    for (from, targets) in &edges {
        let line: Vec<String> = targets.iter().map(|t| name(t)).collect();
        println!("{} -> {}", name(from), line.join(", "));
        for to in targets {
            if layer(to) < layer(from) {
                upward.push(format!("{} -> {}", name(from), name(to)));
            }
        }
    }
    assert!(
        edges.contains_key(&vec!["pipeline".to_string()]) && edges.len() > 40,
        "the modules were read"
    );
    assert!(upward.is_empty(), "imports up the layers: {upward:#?}");
    let known: Vec<BTreeSet<String>> = KNOWN_CIRCLES
        .iter()
        .map(|circle| circle.iter().map(|m| m.to_string()).collect())
        .collect();
    let new: Vec<_> = circles(&edges)
        .into_iter()
        .filter(|circle| !known.contains(circle))
        .collect();
    assert!(new.is_empty(), "modules importing each other: {new:?}");
}

#[test]
fn use_trees_expand_to_every_path() {
    assert_eq!(
        expand("crate::{a::b, c::{d, e as f}, g}"),
        [
            vec!["crate", "a", "b"],
            vec!["crate", "c", "d"],
            vec!["crate", "c", "e"],
            vec!["crate", "g"],
        ]
    );
    assert_eq!(
        without_tests_and_comments("a // crate::x\n#[cfg(test)]\nmod tests { { crate::y } }\nb"),
        "a \n\nb"
    );
}
