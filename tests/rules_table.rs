//! The README's rule table is generated from the rule pages: it must match
//! `lint-manifests rules --format markdown`, and list the same rules as `lint-manifests rules`.
//! `UPDATE_README=1 cargo test --test rules_table` rewrites it.

mod common;

use common::*;

const START: &str = "<!-- rules-table:start -->\n";
const END: &str = "<!-- rules-table:end -->";

#[test]
fn readme_rule_table_matches_lint_manifests_rules() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, generated, stderr) = run_in(dir, &["rules", "--format", "markdown"]);
    assert_eq!(code, 0, "{stderr}");
    let readme_path = dir.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let start = readme.find(START).expect("README has the start marker") + START.len();
    let end = readme.find(END).expect("README has the end marker");
    let current = &readme[start..end];
    if current != generated {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
            std::fs::write(&readme_path, updated).unwrap();
        } else {
            panic!(
                "the README's rule table is stale: run `UPDATE_README=1 cargo test --test rules_table`\n--- README\n{current}\n--- lint-manifests rules --format markdown\n{generated}"
            );
        }
    }

    // Same rules, same order, same levels and fix availability as `lint-manifests rules`.
    let (code, json, _) = run_in(dir, &["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let rules: serde_json::Value = serde_json::from_str(&json).unwrap();
    let from_json: Vec<String> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "| [{id}](rules/{id}.md) | {} | {} | {} |",
                r["name"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                r["fix"].as_str().unwrap(),
                id = r["id"].as_str().unwrap()
            )
        })
        .collect();
    let from_table: Vec<String> = generated
        .lines()
        .skip(2)
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            format!(
                "{} | {} | {} | {} |",
                cells[0], cells[1], cells[2], cells[3]
            )
        })
        .collect();
    assert_eq!(from_table, from_json);
    let (_, table, _) = run_in(dir, &["rules"]);
    assert_eq!(table.lines().count() - 1, from_json.len());
}

#[test]
fn rule_pages_by_id_and_name() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (code, by_id, _) = run_in(dir, &["rule", "GKE016"]);
    assert_eq!(code, 0);
    assert!(by_id.starts_with("# GKE016: cdn-on-realtime-backend"));
    let (_, by_name, _) = run_in(dir, &["rule", "cdn-on-realtime-backend"]);
    assert_eq!(by_id, by_name);
    let (_, lm006, _) = run_in(dir, &["rule", "invalid-suppression"]);
    assert!(lm006.starts_with("# LM006: invalid-suppression"));
    let (code, _, stderr) = run_in(dir, &["rule", "GKE999"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no rule `GKE999`"), "{stderr}");
}
