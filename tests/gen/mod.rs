//! Generators shared by the property tests: nginx configs and manifests shaped like the apps
//! this tool lints (realtime locations, proxies, BackendConfigs), with hostile characters
//! mixed into values, plus the invariants every lint result must keep.
#![allow(dead_code)]

use lint_manifests::diagnostic::Location;
use lint_manifests::lint::LintResult;
use lint_manifests::report::{self, Format, ReportContext};
use lint_manifests::source::SourceFile;
use proptest::prelude::*;

/// 256 cases, or `PROPTEST_CASES` for longer runs.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/".to_string()),
        Just("/socket.io/".to_string()),
        Just("/ws".to_string()),
        Just("/api/".to_string()),
        Just("= /healthz".to_string()),
        Just("~ ^/chat/(.*)$".to_string()),
        Just("^~ /cable".to_string()),
        "/[a-z]{1,6}/?".prop_map(|s| s),
    ]
}

/// A location body directive.
fn location_directive() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("proxy_pass http://backend;".to_string()),
        Just("proxy_pass http://chat.default.svc.cluster.local:80;".to_string()),
        Just("proxy_http_version 1.1;".to_string()),
        Just("proxy_http_version 1.0;".to_string()),
        Just("proxy_set_header Upgrade $http_upgrade;".to_string()),
        Just("proxy_set_header Connection \"upgrade\";".to_string()),
        Just("proxy_set_header Connection $connection_upgrade;".to_string()),
        Just("proxy_set_header Host $host;".to_string()),
        Just("proxy_read_timeout 3600s;".to_string()),
        Just("proxy_read_timeout 60;".to_string()),
        Just("proxy_send_timeout 3600s;".to_string()),
        Just("proxy_buffering on;".to_string()),
        Just("proxy_buffering off;".to_string()),
        Just("include proxy_params;".to_string()),
        Just("return 200 'ok';".to_string()),
        Just("# a comment with 'quotes' and \"double\" and \\ backslash".to_string()),
        // Hostile characters in quoted arguments: escapes, tabs, non-ASCII, a terminal
        // escape (ESC is only allowed quoted in YAML's double-quoted style, and raw here).
        (
            "X-[A-Z]{1,4}",
            proptest::collection::vec(
                prop_oneof![
                    "[a-z {};#é\t%:,']",
                    Just("\\\"".to_string()),
                    Just("\\n".to_string())
                ],
                0..8,
            )
        )
            .prop_map(|(name, parts)| format!("add_header {name} \"{}\";", parts.concat())),
        "set \\$v '[a-z \"{}é%]{0,8}';".prop_map(|s| s),
    ]
}

fn location() -> impl Strategy<Value = String> {
    (
        path(),
        proptest::collection::vec(location_directive(), 0..7),
    )
        .prop_map(|(p, ds)| {
            let mut s = format!("location {p} {{\n");
            for d in ds {
                s.push_str("    ");
                s.push_str(&d);
                s.push('\n');
            }
            s.push('}');
            s
        })
}

fn server() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("80"),
            Just("8080"),
            Just("443 ssl"),
            Just("80 default_server")
        ],
        proptest::option::of(prop_oneof![
            Just("keepalive_timeout 650s;"),
            Just("keepalive_timeout 30s;")
        ]),
        proptest::collection::vec(location_directive(), 0..3),
        proptest::collection::vec(location(), 0..4),
    )
        .prop_map(|(listen, keepalive, ds, locations)| {
            let mut s = format!("server {{\n  listen {listen};\n");
            if let Some(k) = keepalive {
                s.push_str(&format!("  {k}\n"));
            }
            for d in ds {
                s.push_str(&format!("  {d}\n"));
            }
            for l in locations {
                for line in l.lines() {
                    s.push_str("  ");
                    s.push_str(line);
                    s.push('\n');
                }
            }
            s.push('}');
            s
        })
}

fn upstream() -> impl Strategy<Value = String> {
    (
        proptest::option::of(prop_oneof![
            Just("ip_hash;"),
            Just("hash $remote_addr consistent;")
        ]),
        proptest::option::of(prop_oneof![
            Just("keepalive 32;"),
            Just("keepalive_timeout 30s;")
        ]),
        1usize..3,
    )
        .prop_map(|(balance, keepalive, n)| {
            let mut s = "upstream backend {\n".to_string();
            if let Some(b) = balance {
                s.push_str(&format!("  {b}\n"));
            }
            for i in 0..n {
                s.push_str(&format!(
                    "  server chat-{i}.default.svc.cluster.local:3000;\n"
                ));
            }
            if let Some(k) = keepalive {
                s.push_str(&format!("  {k}\n"));
            }
            s.push('}');
            s
        })
}

/// A whole nginx config: `http { ... }` or a `conf.d` fragment of servers.
pub fn nginx_conf() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        proptest::option::of(upstream()),
        proptest::collection::vec(server(), 0..3),
        proptest::option::of(
            "map \\$http_upgrade \\$connection_upgrade \\{ default upgrade; '' close; \\}",
        ),
    )
        .prop_map(|(wrapped, upstream, servers, map)| {
            let mut body = String::new();
            for part in upstream.into_iter().chain(map).chain(servers) {
                body.push_str(&part);
                body.push('\n');
            }
            if wrapped {
                let mut s = "events {}\nhttp {\n".to_string();
                for line in body.lines() {
                    s.push_str("  ");
                    s.push_str(line);
                    s.push('\n');
                }
                s.push_str("}\n");
                s
            } else {
                body
            }
        })
}

/// How to write a ConfigMap value. Folded scalars are not used: nginx in a folded scalar is
/// not what anyone writes, and folding changes the config.
#[derive(Clone, Copy, Debug)]
pub enum Style {
    Literal,
    LiteralStrip,
    LiteralKeep,
    DoubleQuoted,
    SingleQuoted,
}

pub fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        Just(Style::Literal),
        Just(Style::LiteralStrip),
        Just(Style::LiteralKeep),
        Just(Style::DoubleQuoted),
        Just(Style::SingleQuoted),
    ]
}

/// `text` as a YAML scalar in `style`, for the value of a key at `indent - 2` spaces.
pub fn yaml_scalar(text: &str, style: Style, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let block = |header: &str| {
        let mut s = format!("{header}\n");
        for line in text.split('\n') {
            if !line.is_empty() {
                s.push_str(&pad);
                s.push_str(line);
            }
            s.push('\n');
        }
        s
    };
    match style {
        // The indentation indicator (content two spaces in from the key) makes any content
        // legal, leading blanks and blank first lines included.
        Style::Literal => block("|2"),
        Style::LiteralStrip => block("|2-"),
        Style::LiteralKeep => block("|2+"),
        Style::DoubleQuoted => {
            let mut s = String::from("\"");
            for c in text.chars() {
                match c {
                    '"' => s.push_str("\\\""),
                    '\\' => s.push_str("\\\\"),
                    '\n' => s.push_str("\\n"),
                    '\t' => s.push_str("\\t"),
                    c if c.is_control() => s.push_str(&format!("\\u{:04x}", c as u32)),
                    c => s.push(c),
                }
            }
            s.push_str("\"\n");
            s
        }
        Style::SingleQuoted => {
            // A line break is written as an empty line; other whitespace next to line breaks
            // would be folded away, so only texts without it round-trip exactly.
            let mut s = String::from("'");
            s.push_str(
                &text
                    .replace('\'', "''")
                    .replace('\n', &format!("\n\n{pad}")),
            );
            s.push_str("'\n");
            s
        }
    }
}

/// A ConfigMap with `conf` under `data.nginx.conf`.
pub fn configmap(conf: &str, style: Style) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nginx-conf\ndata:\n  nginx.conf: {}",
        yaml_scalar(conf, style, 4)
    )
}

fn check_location(files: &[SourceFile], location: Location, what: &str) {
    let file = &files[location.file.0 as usize];
    let r = location.span.range();
    assert!(
        r.start <= r.end && r.end <= file.text.len(),
        "{what}: {r:?} outside {} ({} bytes)",
        file.path.display(),
        file.text.len()
    );
    assert!(
        file.text.is_char_boundary(r.start) && file.text.is_char_boundary(r.end),
        "{what}: {r:?} not on character boundaries in {}",
        file.path.display()
    );
}

/// Every location and edit is inside its file on character boundaries, and every report
/// format renders.
pub fn check_result(result: &LintResult) {
    for d in &result.diagnostics {
        check_location(&result.files, d.primary, d.rule);
        for r in &d.related {
            check_location(&result.files, r.location, d.rule);
        }
        for e in d.fix.iter().flat_map(|f| &f.edits) {
            check_location(&result.files, Location::new(e.file, e.span), d.rule);
        }
    }
    let base = std::path::Path::new(".");
    let mut ctx = ReportContext::new(&result.files, base);
    ctx.show_fixes = true;
    ctx.show_suppressed = true;
    for format in [Format::Human, Format::Github, Format::Sarif, Format::Json] {
        let mut out = Vec::new();
        report::emit(format, &result.diagnostics, &ctx, &mut out).unwrap();
    }
}
