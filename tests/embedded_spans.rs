//! nginx inside a ConfigMap: findings point at the exact line and column of the directive in
//! the YAML file, whatever the scalar style holding the config.

mod common;

use common::*;

/// Lint one ConfigMap file; the (line, column) of every NGX001 finding.
fn ngx001_positions(yaml: &str) -> Vec<(u64, u64)> {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("cm.yaml"), yaml).unwrap();
    let (_, stdout, stderr) = run_in(
        tmp.path(),
        &["--format", "json", "--select", "NGX001,LM002", "."],
    );
    let findings: Vec<serde_json::Value> =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    findings
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
        .collect()
}

/// The 1-based (line, column) of the first occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str) -> (u64, u64) {
    let offset = text.find(needle).expect("needle in text");
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() as u64 + 1;
    (line, column)
}

const HEAD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n";

#[test]
fn literal_block() {
    for indicator in ["|", "|-", "|+"] {
        let yaml = format!("{HEAD}  nginx.conf: {indicator}\n    server {{\n      listen 80;\n      location /socket.io/ {{\n        proxy_pass http://app:3000;\n      }}\n    }}\n");
        assert_eq!(
            ngx001_positions(&yaml),
            vec![position_of(&yaml, "location")],
            "{indicator}"
        );
    }
}

#[test]
fn folded_block() {
    // Folded: more-indented lines keep their line breaks, so nginx still sees the directives.
    let yaml = format!("{HEAD}  nginx.conf: >\n    server {{\n      listen 80;\n      location /socket.io/ {{\n        proxy_pass http://app:3000;\n      }}\n    }}\n");
    assert_eq!(
        ngx001_positions(&yaml),
        vec![position_of(&yaml, "location")]
    );
}

#[test]
fn double_quoted_with_escapes() {
    let yaml = format!("{HEAD}  nginx.conf: \"server {{\\n  listen 80;\\n  location /socket.io/ {{\\n    proxy_pass http://app:3000;\\n  }}\\n}}\\n\"\n");
    assert_eq!(
        ngx001_positions(&yaml),
        vec![position_of(&yaml, "location")]
    );
}

#[test]
fn double_quoted_multi_line() {
    let yaml = format!("{HEAD}  nginx.conf: \"server {{ listen 80;\n    location /socket.io/ {{ proxy_pass http://app:3000; }} }}\"\n");
    assert_eq!(
        ngx001_positions(&yaml),
        vec![position_of(&yaml, "location")]
    );
}

#[test]
fn single_quoted_with_doubled_quotes() {
    let yaml = format!("{HEAD}  nginx.conf: 'server {{ listen 80; set $a ''x''; location /socket.io/ {{ proxy_pass http://app:3000; }} }}'\n");
    assert_eq!(
        ngx001_positions(&yaml),
        vec![position_of(&yaml, "location")]
    );
}

#[test]
fn plain_scalar() {
    let yaml = format!("{HEAD}  nginx.conf: server {{ listen 80; location /socket.io/ {{ proxy_pass http://app:3000; }} }}\n");
    assert_eq!(
        ngx001_positions(&yaml),
        vec![position_of(&yaml, "location")]
    );
}

#[test]
fn non_ascii_before_the_directive_counts_characters() {
    let yaml = format!("{HEAD}  nginx.conf: |\n    # café ☕ before\n    server {{ listen 80; location /socket.io/ {{ proxy_pass http://app:3000; }} }}\n");
    assert_eq!(
        ngx001_positions(&yaml),
        vec![position_of(&yaml, "location")]
    );
}

#[test]
fn parse_error_inside_a_configmap_points_into_the_yaml() {
    let yaml = format!(
        "{HEAD}  nginx.conf: |\n    server {{\n      listen 80;\n      location / {{\n    }}\n"
    );
    let positions = ngx001_positions(&yaml);
    assert_eq!(positions.len(), 1, "one LM002");
    assert!(
        positions[0].0 >= 7,
        "points into the nginx text, not at the key: {positions:?}"
    );
}
