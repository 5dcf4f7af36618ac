//! Shared helpers for end-to-end tests: run the binary, read SARIF, compare with an
//! `expected.json` in the format of ../shared/scenarios:
//! `{"findings": [{"rule", "file", "lines", "level", "alt"?}], "optional"?: [{"rule"}]}`.
//! A finding matches when rule, file and level agree and the SARIF start line of its first
//! location is one of `lines` (or of an `alt` place). Unlisted findings of level `note` are
//! allowed; rules listed under `optional` may appear or not; anything else is a false positive.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_lint-manifests"))
}

pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A monorepo of `apps` apps from `bench/gen-monorepo.py` in a temporary directory; `None`
/// (with a note on stderr) where python3 is missing.
pub fn generated_monorepo(apps: usize) -> Option<tempfile::TempDir> {
    let dir = tempfile::tempdir().unwrap();
    let generated = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/gen-monorepo.py"))
        .arg(apps.to_string())
        .arg(dir.path())
        .output();
    match generated {
        Ok(out) if out.status.success() => Some(dir),
        _ => {
            eprintln!("python3 bench/gen-monorepo.py unavailable: skipped");
            None
        }
    }
}

/// Run the binary in `dir` with `args`; (exit code, stdout, stderr).
pub fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run lint-manifests");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `lint-manifests --format sarif .` in `dir`, parsed.
pub fn sarif_in(dir: &Path) -> Value {
    let (code, stdout, stderr) = run_in(dir, &["--format", "sarif", "."]);
    assert!(
        code == 0 || code == 1,
        "exit {code} in {}: {stderr}",
        dir.display()
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("SARIF is not JSON ({e}): {stdout}"))
}

#[derive(Debug, Deserialize)]
pub struct Expected {
    pub findings: Vec<ExpectedFinding>,
    #[serde(default)]
    pub optional: Vec<OptionalRule>,
}

#[derive(Debug, Deserialize)]
pub struct ExpectedFinding {
    pub rule: String,
    pub file: String,
    pub lines: Vec<u64>,
    pub level: String,
    #[serde(default)]
    pub alt: Vec<AltPlace>,
}

#[derive(Debug, Deserialize)]
pub struct AltPlace {
    pub file: String,
    pub lines: Vec<u64>,
}

#[derive(Debug, Deserialize)]
pub struct OptionalRule {
    pub rule: String,
}

/// A SARIF result reduced to what expected.json compares.
#[derive(Debug, Clone)]
pub struct Found {
    pub rule: String,
    pub file: String,
    pub line: u64,
    pub level: String,
}

pub fn results(sarif: &Value) -> Vec<Found> {
    sarif["runs"][0]["results"]
        .as_array()
        .expect("results array")
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            Found {
                rule: r["ruleId"].as_str().unwrap_or("").to_string(),
                file: loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                line: loc["region"]["startLine"].as_u64().unwrap_or(0),
                level: r["level"].as_str().unwrap_or("warning").to_string(),
            }
        })
        .collect()
}

/// Compare results with expectations; `Err` lists every difference.
pub fn compare(expected: &Expected, found: &[Found]) -> Result<(), String> {
    let mut used = vec![false; found.len()];
    let mut problems = Vec::new();
    for e in &expected.findings {
        let places: Vec<(&str, &[u64])> = std::iter::once((e.file.as_str(), e.lines.as_slice()))
            .chain(e.alt.iter().map(|a| (a.file.as_str(), a.lines.as_slice())))
            .collect();
        let hit = found.iter().enumerate().position(|(i, f)| {
            !used[i]
                && f.rule == e.rule
                && f.level == e.level
                && places
                    .iter()
                    .any(|(file, lines)| f.file == *file && lines.contains(&f.line))
        });
        match hit {
            Some(i) => used[i] = true,
            None => problems.push(format!(
                "missing: {} {} {:?} {}",
                e.rule, e.file, e.lines, e.level
            )),
        }
    }
    for (i, f) in found.iter().enumerate() {
        if used[i] || f.level == "note" || expected.optional.iter().any(|o| o.rule == f.rule) {
            continue;
        }
        problems.push(format!(
            "unexpected: {} {}:{} {}",
            f.rule, f.file, f.line, f.level
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\nall results: {:#?}",
            problems.join("\n"),
            found
        ))
    }
}

pub fn read_expected(dir: &Path) -> Expected {
    let text = std::fs::read_to_string(dir.join("expected.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}/expected.json: {e}", dir.display()))
}

/// Copy a directory tree (for tests that edit files).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Assert that a SARIF log validates against the OASIS SARIF 2.1.0 schema (format checks on).
pub fn validate_sarif(sarif: &serde_json::Value) {
    let schema_text =
        std::fs::read_to_string(shared().join("schemas/sarif-schema-2.1.0.json")).expect("schema");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}
