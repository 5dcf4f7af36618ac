//! Fix snapshots for the per-rule fixtures: where a case folder holds `fix.diff`, the
//! unified diff that `--diff --unsafe-fixes --select <RULE>` prints in that folder must equal
//! it, so a fix that changes or stops applying fails here.

mod common;

use common::*;

#[test]
fn fixes_match_their_snapshots() {
    let mut failures = Vec::new();
    let mut count = 0;
    let mut rules: Vec<_> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    rules.sort();
    for rule_dir in rules {
        let rule = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        for case in std::fs::read_dir(&rule_dir).unwrap() {
            let case = case.unwrap().path();
            let snapshot = case.join("fix.diff");
            if !snapshot.exists() {
                continue;
            }
            count += 1;
            let (code, stdout, stderr) =
                run_in(&case, &["--diff", "--unsafe-fixes", "--select", &rule, "."]);
            assert!(
                code == 0 || code == 1,
                "exit {code} in {}: {stderr}",
                case.display()
            );
            let expected = std::fs::read_to_string(&snapshot).unwrap();
            if stdout != expected {
                failures.push(format!(
                    "{}: fix diff differs\n--- expected\n{expected}\n--- got\n{stdout}",
                    case.display()
                ));
            }
        }
    }
    assert!(count > 0, "no fix snapshots found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
