//! Per-rule fixtures: `tests/fixtures/<RULE>/<case>/` holds files and an `expected.json` in
//! the scenarios' format. A case whose name starts with `near-miss` must not produce the
//! folder's rule at all; any other case must produce it. One test runs them all.

mod common;

use common::*;

#[test]
fn every_fixture_matches_its_expectations() {
    let mut failures = Vec::new();
    let mut count = 0;
    let root = fixtures();
    let mut rules: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    rules.sort();
    for rule_dir in rules {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        let mut cases: Vec<_> = std::fs::read_dir(&rule_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("expected.json").exists())
            .collect();
        cases.sort();
        for case in cases {
            count += 1;
            let name = case.file_name().unwrap().to_string_lossy().to_string();
            let sarif = sarif_in(&case);
            let found = results(&sarif);
            let expected = read_expected(&case);
            if let Err(p) = compare(&expected, &found) {
                failures.push(format!("{rule}/{name}: {p}"));
            }
            let fired = found.iter().any(|f| f.rule == rule);
            if name.starts_with("near-miss") && fired {
                failures.push(format!("{rule}/{name}: the near-miss fires {rule}"));
            }
            if !name.starts_with("near-miss") && !fired {
                failures.push(format!("{rule}/{name}: {rule} does not fire"));
            }
        }
    }
    assert!(count > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} of {count} fixture cases failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
