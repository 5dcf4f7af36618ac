//! Property tests for nginx embedded in ConfigMaps: any value in any scalar style is linted
//! without a panic and every finding stays inside the YAML file; a generated config finds the
//! same nginx problems embedded as it does in a file of its own, and in the literal styles each
//! finding points at the same text.

mod gen;

use std::collections::BTreeMap;
use std::path::PathBuf;

use gen::*;
use lint_manifests::lint::{lint, LintOptions, LintResult};
use proptest::prelude::*;

fn lint_stdin(name: &str, text: &str) -> LintResult {
    let root = tempfile::tempdir().unwrap();
    let mut o = LintOptions::new(vec![PathBuf::from("-")], root.path().to_path_buf());
    o.threads = 1;
    o.stdin = Some((PathBuf::from(name), text.as_bytes().to_vec()));
    let result = lint(&o, &|_| true);
    check_result(&result);
    result
}

/// nginx findings (rule, text under the primary span, first line only), counted.
fn nginx_findings(result: &LintResult) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for d in &result.diagnostics {
        if !d.rule.starts_with("NGX") {
            continue;
        }
        let text = result.files[d.primary.file.0 as usize].slice(d.primary.span);
        let first = text.lines().next().unwrap_or("").trim().to_string();
        *out.entry((d.rule.to_string(), first)).or_insert(0) += 1;
    }
    out
}

fn rules_only(findings: &BTreeMap<(String, String), usize>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for ((rule, _), n) in findings {
        *out.entry(rule.clone()).or_insert(0) += n;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_value_in_any_style_never_panics(text in any::<String>(), style in style()) {
        let manifest = configmap(&text, style);
        lint_stdin("configmap.yaml", &manifest);
    }

    #[test]
    fn nginx_like_values_never_panic(
        text in "(server|location|proxy_pass|\\{|\\}|;|'|\"|\\\\|\\$|#|\n|\t| |é|x|\\|)*",
        style in style(),
    ) {
        let manifest = configmap(&text, style);
        lint_stdin("configmap.yaml", &manifest);
    }

    #[test]
    fn embedded_configs_find_what_files_find(conf in nginx_conf(), style in style()) {
        let file = lint_stdin("nginx.conf", &conf);
        let manifest = configmap(&conf, style);
        let embedded = lint_stdin("configmap.yaml", &manifest);
        prop_assert!(
            !embedded.diagnostics.iter().any(|d| d.rule == "LM001"),
            "the generated manifest does not parse:\n{manifest}"
        );
        let in_file = nginx_findings(&file);
        let in_yaml = nginx_findings(&embedded);
        match style {
            // Literal blocks keep every line: the same text is under every finding.
            Style::Literal | Style::LiteralStrip | Style::LiteralKeep => {
                prop_assert_eq!(&in_yaml, &in_file, "\n{}", manifest);
            }
            // Quoted styles escape or fold the source: the same findings, by rule.
            Style::DoubleQuoted | Style::SingleQuoted => {
                prop_assert_eq!(rules_only(&in_yaml), rules_only(&in_file), "\n{}", manifest);
            }
        }
    }
}
