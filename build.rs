//! Turns the shipped scorer weights (`config/scorer.tsv`, the file `train`
//! writes and reviewers read) into the form the binary embeds and reads in
//! place: the file's lines other than rows, as text, and its rows as one bit
//! per bucket (`u64` words) followed by each row's six weights as
//! little-endian `f32`, in bucket order. Parsing the 8.6 MB of text at
//! start-up kept its pages and a copy of its rows resident; read in place,
//! only the rows a message touches are ever paged in.
//!
//! The numbers are read as `Scorer::parse` reads them (`str::parse::<f32>`),
//! so the weights are the same bits; a test compares the two.

use std::fmt::Write as _;
use std::{env, fs, path::Path};

const SOURCE: &str = "config/scorer.tsv";
const CLASSES: usize = 6;

fn main() {
    println!("cargo::rerun-if-changed={SOURCE}");
    let text = fs::read_to_string(SOURCE).unwrap_or_else(|e| panic!("{SOURCE}: {e}"));
    let mut head = String::new();
    let mut bits = None;
    let mut rows: Vec<(u32, [f32; CLASSES])> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let fail = |what: &str| -> ! { panic!("{SOURCE}:{}: {what}: {line:?}", n + 1) };
        let mut fields = line.trim().split('\t');
        let key = fields.next().unwrap_or_default();
        if key.is_empty() || key.starts_with('#') || !key.bytes().all(|b| b.is_ascii_digit()) {
            if key == "scorer" {
                bits = fields.nth(1).and_then(|b| b.parse::<u32>().ok());
            }
            let _ = writeln!(head, "{line}");
            continue;
        }
        let bucket: u32 = key.parse().unwrap_or_else(|_| fail("not a bucket"));
        let weights: Vec<f32> = fields
            .map(|f| match f.parse::<f32>() {
                Ok(w) if w.is_finite() => w,
                _ => fail("not a number"),
            })
            .collect();
        let row = <[f32; CLASSES]>::try_from(weights.as_slice())
            .unwrap_or_else(|_| fail("expected six weights"));
        rows.push((bucket, row));
    }
    let bits = bits.unwrap_or_else(|| panic!("{SOURCE}: no \"scorer\" line with the bits"));
    let buckets = 1usize << bits;
    // Of a bucket given twice the last row counts, as `Scorer::parse` reads it.
    rows.sort_by_key(|(bucket, _)| *bucket);
    rows.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 = later.1;
        }
        same
    });
    let mut present = vec![0u64; buckets / 64];
    let mut blob = Vec::with_capacity(buckets / 8 + rows.len() * CLASSES * 4);
    for (bucket, _) in &rows {
        let bucket = *bucket as usize;
        assert!(
            bucket < buckets,
            "{SOURCE}: bucket {bucket} is past {buckets}"
        );
        present[bucket / 64] |= 1 << (bucket % 64);
    }
    for word in present {
        blob.extend_from_slice(&word.to_le_bytes());
    }
    for (_, row) in &rows {
        for weight in row {
            blob.extend_from_slice(&weight.to_le_bytes());
        }
    }
    let out = env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}"));
    let out = Path::new(&out);
    for (name, bytes) in [
        ("scorer-head.tsv", head.as_bytes()),
        ("scorer-rows.bin", &blob),
    ] {
        let path = out.join(name);
        fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}
