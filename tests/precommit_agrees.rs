//! A pre-commit run (explicit files, the project loaded as context) must report exactly what a
//! full run reports in those files: the context makes it fast or slow, never different.
//! Checked file by file on the incident scenarios and on a generated monorepo whose apps break
//! rules on purpose (`bench/gen-monorepo.py`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// `path:line:col: RULE message` lines of a concise report, sorted.
fn findings(stdout: &str) -> Vec<String> {
    let mut lines: Vec<String> = stdout
        .lines()
        .filter(|l| l.contains(": ") && !l.starts_with("Found") && !l.starts_with("No findings"))
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

fn manifest_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "conf")
            {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// Every file of the repository at `root`, alone, against the full run. Returns the number of
/// files and of findings in the full run.
fn assert_each_file_agrees(root: &Path) -> (usize, usize) {
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(root)
        .status();
    assert!(git.is_ok_and(|s| s.success()), "git init");
    let (_, full, _) = run_in(root, &["--format", "concise", "."]);
    let full = findings(&full);
    let files = manifest_files(root);
    for file in &files {
        let shown = file.to_string_lossy().into_owned();
        let (_, alone, stderr) = run_in(root, &["--format", "concise", &shown]);
        let expected: Vec<&String> = full
            .iter()
            .filter(|l| l.starts_with(&format!("{shown}:")))
            .collect();
        let got = findings(&alone);
        assert_eq!(
            got.iter().collect::<Vec<_>>(),
            expected,
            "`lint-manifests {shown}` differs from the full run\n{stderr}"
        );
    }
    (files.len(), full.len())
}

#[test]
fn pre_commit_runs_agree_with_full_runs_on_the_scenarios() {
    let scenarios = shared().join("scenarios");
    if !scenarios.is_dir() {
        eprintln!("../shared/scenarios missing: skipped");
        return;
    }
    for entry in std::fs::read_dir(&scenarios).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(&dir, tmp.path());
        let _ = std::fs::remove_file(tmp.path().join("expected.json"));
        let (files, _) = assert_each_file_agrees(tmp.path());
        assert!(files > 0, "{}", dir.display());
    }
}

#[test]
fn pre_commit_runs_agree_with_full_runs_on_every_fixture() {
    let mut cases = 0;
    for rule in std::fs::read_dir(fixtures()).unwrap() {
        let rule = rule.unwrap().path();
        if !rule.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&rule).unwrap() {
            let case = case.unwrap().path();
            if !case.is_dir() {
                continue;
            }
            let tmp = tempfile::tempdir().unwrap();
            copy_tree(&case, tmp.path());
            let _ = std::fs::remove_file(tmp.path().join("fix.diff"));
            assert_each_file_agrees(tmp.path());
            cases += 1;
        }
    }
    assert!(cases > 100, "{cases} fixture cases");
}

#[test]
fn pre_commit_runs_agree_with_full_runs_on_a_generated_monorepo() {
    // 30 apps: every rule the generator breaks on purpose (every 7th, 11th, ..., 29th app)
    // is broken at least once.
    let Some(tmp) = generated_monorepo(30) else {
        return;
    };
    let (files, full) = assert_each_file_agrees(tmp.path());
    assert!(files >= 150, "{files} files");
    assert!(
        full >= 10,
        "the apps break rules on purpose: {full} findings"
    );
}
