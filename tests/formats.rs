//! Every output format on the seed-attached scenario, pinned with insta snapshots, plus the
//! checks each format's consumers rely on: `github` lines are workflow commands, `junit` is
//! XML, `json` round-trips through serde, `sarif` validates against the OASIS schema.

mod common;

use common::*;
use lint_manifests::report::JsonDiagnostic;

/// How many findings seed-attached produces (every format must carry each of them).
fn finding_count() -> usize {
    let parsed: Vec<serde_json::Value> = serde_json::from_str(&output("json")).unwrap();
    assert!(parsed.len() >= 10, "the ten incident findings, and notes");
    parsed.len()
}

fn output(format: &str) -> String {
    let dir = shared().join("scenarios/seed-attached");
    let (code, stdout, stderr) = run_in(&dir, &["--format", format, "."]);
    assert_eq!(code, 1, "{format}: {stderr}");
    // The absolute location of ../shared differs between checkouts.
    let base = dir.canonicalize().unwrap();
    stdout
        .replace(&base.display().to_string(), "[SCENARIO]")
        .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn human() {
    insta::assert_snapshot!(output("human"));
}

#[test]
fn concise() {
    insta::assert_snapshot!(output("concise"));
}

#[test]
fn json_round_trips() {
    let text = output("json");
    let parsed: Vec<JsonDiagnostic> =
        serde_json::from_str(&text).expect("json parses into JsonDiagnostic");
    assert_eq!(parsed.len(), finding_count());
    let again = serde_json::to_value(&parsed).unwrap();
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(again, original, "json does not round-trip");
    insta::assert_snapshot!(text);
}

#[test]
fn json_lines() {
    let text = output("json-lines");
    for line in text.lines() {
        let _: JsonDiagnostic = serde_json::from_str(line).expect("each line is one finding");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn sarif() {
    let text = output("sarif");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    validate_sarif(&value);
    let results = value["runs"][0]["results"].as_array().unwrap();
    let fixable = results
        .iter()
        .filter(|r| r["fixes"].as_array().is_some_and(|f| !f.is_empty()))
        .count();
    assert!(
        fixable >= 9,
        "every fixable finding carries `fixes` ({fixable})"
    );
    // Every rule is described, not only those that fired; the pages themselves are pinned by
    // the rule-docs tests, so the snapshot keeps the results and the rule ids.
    let rules: Vec<&str> = value["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), lint_manifests::registry::RULES.len());
    insta::assert_json_snapshot!(
        serde_json::json!({"rules": rules, "results": value["runs"][0]["results"]})
    );
}

#[test]
fn github_lines_are_workflow_commands() {
    let text = output("github");
    let command = regex::Regex::new(
        r"^::(error|warning|notice) ((?:[a-zA-Z]+=[^,:]*)(?:,[a-zA-Z]+=[^,:]*)*)::(.*)$",
    )
    .unwrap();
    let mut count = 0;
    for line in text.lines().filter(|l| l.starts_with("::")) {
        let caps = command
            .captures(line)
            .unwrap_or_else(|| panic!("not a workflow command: {line}"));
        let props: Vec<&str> = caps[2].split(',').collect();
        for key in ["file=", "line=", "col=", "endLine=", "title="] {
            assert!(
                props.iter().any(|p| p.starts_with(key)),
                "{key} missing in {line}"
            );
        }
        count += 1;
    }
    assert_eq!(count, finding_count());
    insta::assert_snapshot!(text);
}

#[test]
fn junit_is_xml() {
    let text = output("junit");
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut failures = 0;
    loop {
        match reader.read_event().expect("valid XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.name().as_ref() == b"failure" =>
            {
                failures += 1
            }
            _ => {}
        }
    }
    assert_eq!(failures, finding_count());
    insta::assert_snapshot!(text);
}

#[test]
fn gitlab() {
    let text = output("gitlab");
    let value: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(value.len(), finding_count());
    insta::assert_snapshot!(text);
}
