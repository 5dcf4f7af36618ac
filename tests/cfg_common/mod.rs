//! Helpers for the configuration, suppression and baseline tests: a copy of the seed-attached
//! scenario in a temporary directory, and the binary's JSON output reduced to what they compare.
#![allow(dead_code)]

use std::path::Path;

use serde_json::Value;

#[path = "../common/mod.rs"]
mod common;

pub use common::{copy_tree, run_in, shared};

/// A temporary copy of `scenarios/seed-attached` (without its expected.json). It yields GKE002,
/// GKE013, GKE016, GKE018, NGX001, NGX002, NGX003, NGX006, NGX007 and NGX009.
pub fn seed() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&shared().join("scenarios/seed-attached"), tmp.path());
    std::fs::remove_file(tmp.path().join("expected.json")).unwrap();
    make_writable(tmp.path());
    tmp
}

/// The shared scenarios are read-only, and copies keep that; `--fix` refuses read-only files.
fn make_writable(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            make_writable(&path);
        } else {
            let mut perms = std::fs::metadata(&path).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&path, perms).unwrap();
        }
    }
}

pub fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

pub fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

/// Replace `from` (which must occur) by `to` in a file.
pub fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let text = read(dir, rel);
    assert!(text.contains(from), "`{from}` not in {rel}");
    write(dir, rel, &text.replacen(from, to, 1));
}

/// One finding: (rule, file, line, level, suppressed justification).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct F {
    pub rule: String,
    pub file: String,
    pub line: u64,
    pub level: String,
    pub suppressed: Option<String>,
}

/// Run with `--format json` plus `args` in `dir`: exit code, findings, stderr.
pub fn lint(dir: &Path, args: &[&str]) -> (i32, Vec<F>, String) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run_in(dir, &all);
    if code == 2 {
        return (code, Vec::new(), stderr);
    }
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    let findings = json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| F {
            rule: d["rule"].as_str().unwrap().to_string(),
            file: d["file"].as_str().unwrap().to_string(),
            line: d["line"].as_u64().unwrap(),
            level: d["level"].as_str().unwrap().to_string(),
            suppressed: d["suppressed"].as_str().map(String::from),
        })
        .collect();
    (code, findings, stderr)
}

/// The sorted, deduplicated rule ids of unsuppressed findings.
pub fn rules(findings: &[F]) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| f.rule.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

pub fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub const SEED_RULES: &[&str] = &[
    "GKE002", "GKE013", "GKE016", "GKE018", "K8S004", "NGX001", "NGX002", "NGX003", "NGX006",
    "NGX007", "NGX009",
];
