//! The three incident scenarios of ../shared/scenarios: `lint-manifests --format sarif .` in
//! each folder produces exactly the findings of its expected.json, and the SARIF validates
//! against the OASIS SARIF 2.1.0 schema.

mod common;

use common::*;

fn check_scenario(name: &str) {
    let dir = shared().join("scenarios").join(name);
    let sarif = sarif_in(&dir);
    let expected = read_expected(&dir);
    if let Err(problems) = compare(&expected, &results(&sarif)) {
        panic!("scenario {name}:\n{problems}");
    }
    validate_sarif(&sarif);
}

#[test]
fn seed_initial() {
    check_scenario("seed-initial");
}

#[test]
fn seed_attached() {
    check_scenario("seed-attached");
}

#[test]
fn seed_fixed() {
    check_scenario("seed-fixed");
}

/// Fingerprints do not move when lines above move.
#[test]
fn fingerprints_survive_a_blank_line_at_the_top_of_every_file() {
    for name in ["seed-initial", "seed-attached"] {
        let original = shared().join("scenarios").join(name);
        let tmp = tempfile::tempdir().unwrap();
        copy_tree(&original, tmp.path());
        let before = fingerprints(&sarif_in(tmp.path()));
        for entry in walk(tmp.path()) {
            if entry
                .extension()
                .is_some_and(|e| e == "yaml" || e == "conf")
            {
                let text = std::fs::read_to_string(&entry).unwrap();
                std::fs::write(&entry, format!("\n{text}")).unwrap();
            }
        }
        let after = fingerprints(&sarif_in(tmp.path()));
        assert!(!before.is_empty());
        assert_eq!(
            before, after,
            "{name}: fingerprints changed after inserting a blank line"
        );
    }
}

fn fingerprints(sarif: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let fp = r["partialFingerprints"]
                .as_object()
                .expect("partialFingerprints on every result");
            (
                r["ruleId"].as_str().unwrap().to_string(),
                fp.values().next().unwrap().as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
