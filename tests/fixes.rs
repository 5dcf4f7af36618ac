//! `--fix` end to end on copies of the incident scenarios: fixes converge, leave nothing
//! fixable at error or warning level, touch only the lines they need, and a second run
//! changes nothing.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;

fn copy_writable(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&shared().join("scenarios").join(name), tmp.path());
    for f in files(tmp.path()) {
        let mut perms = std::fs::metadata(&f).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&f, perms).unwrap();
    }
    tmp
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    files(dir)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read_to_string(&f).unwrap()))
        .collect()
}

fn check_fix(name: &str) {
    let tmp = copy_writable(name);
    let dir = tmp.path();
    let before = snapshot(dir);
    let (code, _, stderr) = run_in(dir, &["--fix", "--unsafe-fixes", "--format", "json", "."]);
    assert!(
        code == 0 || code == 1,
        "{name}: --fix exited {code}: {stderr}"
    );
    let after = snapshot(dir);
    assert_ne!(before, after, "{name}: nothing was fixed");

    // Only the lines the fixes needed changed: the whole change is pinned in a snapshot (read
    // it: every hunk is one fix), and every comment line survives.
    let mut diff_text = String::new();
    for (path, old) in &before {
        let new = &after[path];
        let rel = path
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str());
        diff_text.push_str(
            &diff
                .unified_diff()
                .context_radius(1)
                .header(&rel, &rel)
                .to_string(),
        );
        for comment in old.lines().filter(|l| l.trim_start().starts_with('#')) {
            assert!(
                new.contains(comment),
                "{name}: comment `{comment}` lost in {rel}"
            );
        }
    }
    insta::assert_snapshot!(format!("fix_diff_{}", name.replace('-', "_")), diff_text);

    // Nothing fixable is left at error or warning level.
    let (_, report, _) = run_in(dir, &["--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    for d in report.as_array().unwrap() {
        let level = d["level"].as_str().unwrap();
        let fixable = d["fix"]["applicability"]
            .as_str()
            .is_some_and(|a| a != "display-only");
        assert!(
            !(fixable && level != "note"),
            "{name}: still fixable after --fix: {d}"
        );
    }

    // A second run changes nothing.
    run_in(dir, &["--fix", "--unsafe-fixes", "."]);
    assert_eq!(
        after,
        snapshot(dir),
        "{name}: the second --fix changed files"
    );
}

#[test]
fn fixes_converge_on_seed_initial() {
    check_fix("seed-initial");
}

#[test]
fn fixes_converge_on_seed_attached() {
    check_fix("seed-attached");
}

#[test]
fn diff_changes_nothing_and_exits_1() {
    let tmp = copy_writable("seed-attached");
    let before = snapshot(tmp.path());
    let (code, stdout, _) = run_in(tmp.path(), &["--diff", "."]);
    assert_eq!(code, 1);
    assert!(stdout.contains("+  timeoutSec: 3600"), "{stdout}");
    assert_eq!(before, snapshot(tmp.path()));
}

#[test]
fn safe_fixes_only_without_unsafe_flag() {
    let tmp = copy_writable("seed-attached");
    run_in(tmp.path(), &["--fix", "."]);
    let bc = std::fs::read_to_string(tmp.path().join("k8s/backendconfig.yaml")).unwrap();
    assert!(bc.contains("timeoutSec: 3600"), "safe GKE002 fix applied");
    assert!(
        bc.contains("enabled: true"),
        "unsafe GKE016 fix not applied without --unsafe-fixes"
    );
}

#[cfg(unix)]
#[test]
fn read_only_files_are_reported_and_left_alone() {
    let tmp = copy_writable("seed-attached");
    let target = tmp.path().join("k8s/backendconfig.yaml");
    let mut perms = std::fs::metadata(&target).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&target, perms).unwrap();
    let before = std::fs::read_to_string(&target).unwrap();
    let (code, _, stderr) = run_in(tmp.path(), &["--fix", "."]);
    assert_eq!(code, 2, "an unwritable file is an I/O error");
    assert!(stderr.contains("read-only"), "{stderr}");
    assert_eq!(before, std::fs::read_to_string(&target).unwrap());
}
