//! Snapshot and property tests for every emitter, over a small synthetic workspace: a
//! BackendConfig, an Ingress in a directory with a space in its name, and an nginx config.

use std::path::{Path, PathBuf};

use super::*;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Level, Location};
use crate::source::{FileId, SourceFile, Span};

const BACKEND: &str = "\
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata:
  name: socket-backend # café ☕
spec:
  cdn:
    enabled: true
";

const INGRESS: &str = "\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:
          - path: /socket.io
            pathType: Exact
";

const NGINX: &str = "\
http {
    server {
        location /socket.io/ {
            proxy_pass http://app;
            proxy_buffering on;
        }
    }
}
";

fn base() -> &'static Path {
    Path::new("/repo")
}

fn files() -> Vec<SourceFile> {
    vec![
        SourceFile::new(
            PathBuf::from("/repo/deploy/backend.yaml"),
            BACKEND.to_owned(),
        ),
        SourceFile::new(
            PathBuf::from("deploy/web app/ingress.yaml"),
            INGRESS.to_owned(),
        ),
        SourceFile::new(PathBuf::from("/repo/nginx/nginx.conf"), NGINX.to_owned()),
    ]
}

/// The span of the `n`th (0-based) occurrence of `needle` in `text`.
fn find(text: &str, needle: &str, n: usize) -> Span {
    let start = text.match_indices(needle).nth(n).expect("needle").0;
    Span::from_range(start..start + needle.len())
}

fn loc(file: u32, text: &str, needle: &str) -> Location {
    Location::new(FileId(file), find(text, needle, 0))
}

fn diagnostics() -> Vec<Diagnostic> {
    let spec_end = (BACKEND.find("spec:\n").unwrap() + "spec:\n".len()) as u32;
    vec![
        Diagnostic::new(
            "GKE002",
            Level::Error,
            loc(0, BACKEND, "spec"),
            "BackendConfig `socket-backend` serves WebSockets but sets no `timeoutSec`",
        )
        .with_label("no `timeoutSec` here")
        .with_related(loc(1, INGRESS, "/socket.io"), "realtime because of this path")
        .with_note("the load balancer closes every WebSocket after 30 seconds")
        .with_help("set `spec.timeoutSec` to at least 3600")
        .with_fix(Fix::new(
            "add `timeoutSec: 3600`",
            Applicability::Safe,
            vec![Edit::insert(FileId(0), spec_end, "  timeoutSec: 3600\n")],
        ))
        .with_identity("cloud.google.com/BackendConfig/default/socket-backend#spec.timeoutSec"),
        Diagnostic::new(
            "GKE016",
            Level::Warning,
            loc(0, BACKEND, "enabled: true"),
            "Cloud CDN is enabled on a realtime backend",
        )
        .with_label("CDN enabled here")
        .with_related(loc(0, BACKEND, "socket-backend"), "this BackendConfig")
        .with_fix(Fix::new(
            "disable Cloud CDN",
            Applicability::Unsafe,
            vec![Edit::replace(FileId(0), find(BACKEND, "true", 0), "false")],
        )),
        Diagnostic::new(
            "GKE012",
            Level::Error,
            loc(1, INGRESS, "Exact"),
            "path `/socket.io` has `pathType: Exact`, so `/socket.io/?EIO=4` does not match",
        )
        .with_label("use `Prefix`"),
        Diagnostic::new(
            "NGX001",
            Level::Error,
            loc(2, NGINX, "location /socket.io/"),
            "location `/socket.io/` proxies WebSockets without the `Upgrade` and `Connection` headers",
        )
        .with_related(loc(2, NGINX, "proxy_pass http://app;"), "proxied here")
        .with_identity("http>server>location /socket.io/"),
        Diagnostic::new("NGX007", Level::Note, loc(2, NGINX, "proxy_buffering on;"), "`proxy_buffering` is on")
            .with_identity("http>server>location /socket.io/>proxy_buffering")
            .map_suppressed("buffering is harmless here: responses are tiny"),
    ]
}

trait Suppress {
    fn map_suppressed(self, reason: &str) -> Self;
}

impl Suppress for Diagnostic {
    fn map_suppressed(mut self, reason: &str) -> Self {
        self.suppressed = Some(reason.to_owned());
        self
    }
}

fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    files: &[SourceFile],
    configure: impl Fn(&mut ReportContext),
) -> String {
    let mut ctx = ReportContext::new(files, base());
    configure(&mut ctx);
    let mut out = Vec::new();
    emit(format, diagnostics, &ctx, &mut out).expect("emit");
    String::from_utf8(out).expect("utf-8")
}

fn render_default(format: Format) -> String {
    render(format, &diagnostics(), &files(), |_| {})
}

#[test]
fn human() {
    insta::assert_snapshot!(render_default(Format::Human));
}

#[test]
fn human_with_fixes_and_suppressed() {
    insta::assert_snapshot!(render(Format::Human, &diagnostics(), &files(), |ctx| {
        ctx.show_fixes = true;
        ctx.show_suppressed = true;
    }));
}

#[test]
fn human_clean() {
    assert_eq!(
        render(Format::Human, &[], &files(), |_| {}),
        "No findings.\n"
    );
}

#[test]
fn concise() {
    insta::assert_snapshot!(render(Format::Concise, &diagnostics(), &files(), |ctx| {
        ctx.show_suppressed = true
    }));
}

#[test]
fn json() {
    insta::assert_snapshot!(render_default(Format::Json));
}

#[test]
fn json_lines() {
    insta::assert_snapshot!(render_default(Format::JsonLines));
}

#[test]
fn github() {
    insta::assert_snapshot!(render_default(Format::Github));
}

#[test]
fn junit() {
    insta::assert_snapshot!(render(Format::Junit, &diagnostics(), &files(), |ctx| ctx
        .show_suppressed =
        true));
}

#[test]
fn gitlab() {
    insta::assert_snapshot!(render_default(Format::Gitlab));
}

fn sarif_value(diagnostics: &[Diagnostic], files: &[SourceFile]) -> serde_json::Value {
    let out = render(Format::Sarif, diagnostics, files, |ctx| {
        ctx.show_suppressed = true
    });
    serde_json::from_str(&out).expect("SARIF is JSON")
}

#[test]
fn sarif() {
    // The rule pages are being written elsewhere: snapshot the results and the shape of the
    // rules table, not the prose.
    let mut value = sarif_value(&diagnostics(), &files());
    let driver = &mut value["runs"][0]["tool"]["driver"];
    let rules = driver["rules"].as_array_mut().expect("rules");
    for rule in rules.iter_mut() {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(rule[field]["text"].is_string(), "{field} of {}", rule["id"]);
            rule[field] = serde_json::json!("[doc]");
        }
    }
    rules.truncate(2);
    driver["version"] = serde_json::json!("[version]");
    driver["semanticVersion"] = serde_json::json!("[version]");
    insta::assert_snapshot!(serde_json::to_string_pretty(&value).unwrap());
}

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/schemas/sarif-schema-2.1.0.json"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read the SARIF schema"))
            .expect("schema is JSON");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

fn assert_valid_sarif(value: &serde_json::Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_schema() {
    assert_valid_sarif(&sarif_value(&diagnostics(), &files()));
    assert_valid_sarif(&sarif_value(&[], &files()));
    assert_valid_sarif(&sarif_value(&nasty_diagnostics(), &nasty_files()));
}

#[test]
fn sarif_schema_check_is_not_vacuous() {
    let mut value = sarif_value(&diagnostics(), &files());
    value["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!sarif_validator().is_valid(&value));
}

#[test]
fn sarif_lists_every_rule_and_indexes_results_into_it() {
    let value = sarif_value(&diagnostics(), &files());
    let run = &value["runs"][0];
    assert_eq!(value["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///repo/"
    );
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), crate::registry::RULES.len());
    for (rule, meta) in rules.iter().zip(crate::registry::RULES) {
        assert_eq!(rule["id"], meta.id);
        assert_eq!(rule["name"], meta.name);
        assert_eq!(rule["shortDescription"]["text"], meta.summary());
        assert_eq!(rule["help"]["markdown"], meta.doc);
        assert_eq!(rule["defaultConfiguration"]["level"], meta.level.as_str());
        assert_eq!(rule["properties"]["tags"][0], meta.category.as_str());
        assert_eq!(
            rule["helpUri"],
            format!(
                "https://github.com/lint-manifests/lint-manifests/blob/main/rules/{}.md",
                meta.id
            )
        );
    }
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

#[test]
fn sarif_clean_run_has_empty_results() {
    let value = sarif_value(&[], &files());
    assert_eq!(value["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_skips_suppressed_unless_asked() {
    let out = render(Format::Sarif, &diagnostics(), &files(), |_| {});
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = value["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert!(results.iter().all(|r| r.get("suppressions").is_none()));
    let shown = sarif_value(&diagnostics(), &files());
    let last = &shown["runs"][0]["results"][4];
    assert_eq!(last["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        last["suppressions"][0]["justification"],
        "buffering is harmless here: responses are tiny"
    );
}

#[test]
fn sarif_uri_for_file_outside_base_is_absolute() {
    let files = vec![SourceFile::new(
        PathBuf::from("/elsewhere/my dir/a#b.yaml"),
        "a: 1\n",
    )];
    let diagnostic = Diagnostic::new(
        "LM001",
        Level::Error,
        Location::new(FileId(0), Span::new(0, 1)),
        "bad",
    );
    let value = sarif_value(&[diagnostic], &files);
    let artifact =
        &value["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "file:///elsewhere/my%20dir/a%23b.yaml");
    assert!(artifact.get("uriBaseId").is_none());
    assert_valid_sarif(&value);
}

#[test]
fn uris_and_paths() {
    assert_eq!(
        sarif::percent_encode_path("deploy/web app/ä.yaml"),
        "deploy/web%20app/%C3%A4.yaml"
    );
    assert_eq!(
        sarif::file_uri(Path::new("/work/my repo"), true),
        "file:///work/my%20repo/"
    );
    assert_eq!(
        relative_path(Path::new("/repo/a/b.yaml"), base()),
        "a/b.yaml"
    );
    assert_eq!(relative_path(Path::new("./a/b.yaml"), base()), "a/b.yaml");
    assert_eq!(
        relative_path(Path::new("/other/b.yaml"), base()),
        "/other/b.yaml"
    );
}

// ----- fingerprints -----

#[test]
fn fnv_1a_128_test_vectors() {
    let hash = |bytes: &[u8]| {
        let mut h = Fnv128::new();
        h.write(bytes);
        format!("{:032x}", h.finish())
    };
    assert_eq!(hash(b""), "6c62272e07bb014262b821756295c58d");
    assert_eq!(hash(b"a"), "d228cb696f1a8caf78912b704e4a8964");
}

fn fingerprints(diagnostics: &[Diagnostic], files: &[SourceFile]) -> Vec<String> {
    let ctx = ReportContext::new(files, base());
    diagnostics.iter().map(|d| fingerprint(d, &ctx)).collect()
}

/// The same findings after a blank line is inserted at the top of every file.
fn shifted(diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
    let shift = |location: &mut Location| {
        location.span = Span::new(location.span.start + 1, location.span.end + 1)
    };
    diagnostics
        .iter()
        .cloned()
        .map(|mut d| {
            shift(&mut d.primary);
            for related in &mut d.related {
                shift(&mut related.location);
            }
            d
        })
        .collect()
}

#[test]
fn fingerprints_survive_line_moves() {
    let files_before = files();
    let files_after: Vec<SourceFile> = files_before
        .iter()
        .map(|f| SourceFile::new(f.path.clone(), format!("\n{}", f.text)))
        .collect();
    // With an identity, and without one (the span's text decides).
    let mut without_identity = diagnostics();
    for d in &mut without_identity {
        d.identity.clear();
    }
    for set in [diagnostics(), without_identity] {
        let before = fingerprints(&set, &files_before);
        let after = fingerprints(&shifted(&set), &files_after);
        assert_eq!(before, after);
        // the lines did move
        let ctx = ReportContext::new(&files_after, base());
        assert_eq!(ctx.range(shifted(&set)[0].primary).0.line, 6);
    }
}

#[test]
fn fingerprints_are_distinct_and_well_formed() {
    let prints = fingerprints(&diagnostics(), &files());
    let unique: std::collections::HashSet<_> = prints.iter().collect();
    assert_eq!(unique.len(), prints.len());
    for print in &prints {
        assert_eq!(print.len(), 32);
        assert!(print
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
    // Pinned: a change here breaks every user's baseline and code-scanning history.
    assert_eq!(prints[0], "34900f5b05a0530d15ebcd2160510b1c");
}

#[test]
fn fingerprint_collapses_whitespace() {
    let files = vec![
        SourceFile::new(PathBuf::from("a.conf"), "proxy_pass  http://x;"),
        SourceFile::new(PathBuf::from("a.conf"), "proxy_pass\n    http://x;"),
    ];
    let a = Diagnostic::new(
        "NGX001",
        Level::Error,
        Location::new(FileId(0), Span::new(0, 21)),
        "m",
    );
    let b = Diagnostic::new(
        "NGX001",
        Level::Error,
        Location::new(FileId(1), Span::new(0, 24)),
        "m",
    );
    let ctx = ReportContext::new(&files, base());
    assert_eq!(fingerprint(&a, &ctx), fingerprint(&b, &ctx));
}

// ----- hostile input -----

const EVIL: &str = "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 \x1b[2J\x1b[31mred\u{9b}1m \u{202e}txt.exe\u{7}\r";

fn nasty_files() -> Vec<SourceFile> {
    vec![SourceFile::new(
        PathBuf::from("/repo/evil,dir:x/cfg.yaml"),
        format!("metadata:\n  name: \"{EVIL}\" # ok\nspec: {{}}\n"),
    )]
}

fn nasty_diagnostics() -> Vec<Diagnostic> {
    let text = &nasty_files()[0].text;
    let start = text.find("\"\x1b").unwrap();
    let end = text.find(" # ok").unwrap();
    let ok = text.find("# ok").unwrap();
    vec![Diagnostic::new(
        "GKE005",
        Level::Warning,
        Location::new(FileId(0), Span::from_range(start..end)),
        format!("value `{EVIL}` is odd\n%0A::error::pwned <tag attr=\"&amp;\"> ]]> \u{0}"),
    )
    .with_label(format!("label {EVIL}"))
    .with_related(
        Location::new(FileId(0), Span::from_range(ok..ok + 4)),
        "comment, here",
    )
    .with_note(format!("note {EVIL}"))
    .with_help("help: 100% sure")
    .with_fix(Fix::new(
        format!("quote {EVIL}"),
        Applicability::DisplayOnly,
        vec![Edit::replace(
            FileId(0),
            Span::from_range(start..end),
            "\"safe\"",
        )],
    ))]
}

fn assert_no_controls(out: &str) {
    for (i, c) in out.char_indices() {
        let bad = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            || (c.is_control() && c != '\n' && c != '\t');
        assert!(!bad, "control character {c:?} at byte {i} in:\n{out}");
    }
}

#[test]
fn human_strips_terminal_controls() {
    let out = render(Format::Human, &nasty_diagnostics(), &nasty_files(), |ctx| {
        ctx.show_fixes = true
    });
    assert_no_controls(&out);
    assert!(out.contains("click"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn concise_strips_terminal_controls() {
    let out = render(
        Format::Concise,
        &nasty_diagnostics(),
        &nasty_files(),
        |_| {},
    );
    assert_no_controls(&out);
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn human_colour_only_when_asked() {
    let plain = render(Format::Human, &diagnostics(), &files(), |_| {});
    assert!(!plain.contains('\x1b'));
    let coloured = render(Format::Human, &diagnostics(), &files(), |ctx| {
        ctx.color = true;
        ctx.show_fixes = true;
    });
    assert!(coloured.contains("\x1b["));
    // colour does not let file content through
    let coloured = render(Format::Human, &nasty_diagnostics(), &nasty_files(), |ctx| {
        ctx.color = true
    });
    assert!(!coloured.contains("\x1b]8;;http://evil"));
    assert!(!coloured.contains("\x1b[2J"));
}

#[test]
fn sanitize_removes_sequences_whole() {
    assert_eq!(sanitize("a\x1b[1;31mb\x1b[0mc", false), "abc");
    assert_eq!(sanitize("a\x1b]0;title\x07b", false), "ab");
    assert_eq!(sanitize("a\x1b]8;;u\x1b\\b", false), "ab");
    assert_eq!(sanitize("a\u{9b}2Jb\u{85}c", false), "abc");
    assert_eq!(sanitize("tab\tkept\nline", true), "tab\tkept\nline");
    assert_eq!(sanitize("tab\tkept\nline", false), "tab\tkept line");
    assert_eq!(sanitize("a\x1b]unterminated\nnext", true), "a\nnext");
    assert!(matches!(sanitize("plain ☕", false), Cow::Borrowed(_)));
}

#[test]
fn github_escaping_keeps_one_command_per_line() {
    let out = render(Format::Github, &nasty_diagnostics(), &nasty_files(), |_| {});
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.ends_with('\n'));
    assert_no_controls(&out);
    let line = out.lines().next().unwrap();
    assert!(
        line.starts_with("::warning file=evil%2Cdir%3Ax/cfg.yaml,line=2,col=9,endLine=2,"),
        "{line}"
    );
    assert!(line.contains(",title=GKE005::value `"), "{line}");
    // `%0A` in the text is escaped, the real newline becomes `%0A`.
    assert!(line.contains("is odd%0A%250A::error::pwned"), "{line}");
    // The only `::` sequences are the command's own and the quoted, inert ones.
    assert_eq!(line.matches("::").count(), 4, "{line}");
    assert!(line.contains("help: 100%25 sure"), "{line}");
}

#[test]
fn github_property_escaping() {
    assert_eq!(
        github::escape_property("a,b:c%d\ne\rf"),
        "a%2Cb%3Ac%25d%0Aef"
    );
    assert_eq!(github::escape_data("a,b:c%d\ne"), "a,b:c%25d%0Ae");
}

// ----- machine formats parse back -----

#[test]
fn junit_is_well_formed_xml() {
    use quick_xml::events::Event;
    for (diagnostics, files) in [
        (diagnostics(), files()),
        (nasty_diagnostics(), nasty_files()),
        (Vec::new(), files()),
    ] {
        let out = render(Format::Junit, &diagnostics, &files, |ctx| {
            ctx.show_suppressed = true
        });
        let mut reader = quick_xml::Reader::from_str(&out);
        reader.config_mut().check_end_names = true;
        let (mut suites, mut cases, mut failures) = (0, 0, 0);
        let mut failure_messages = Vec::new();
        loop {
            match reader
                .read_event()
                .unwrap_or_else(|e| panic!("invalid XML ({e}):\n{out}"))
            {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    match e.name().as_ref() {
                        b"testsuite" => suites += 1,
                        b"testcase" => cases += 1,
                        b"failure" => {
                            failures += 1;
                            let message = e
                                .try_get_attribute("message")
                                .unwrap()
                                .expect("message attribute");
                            failure_messages.push(message.unescape_value().unwrap().into_owned());
                        }
                        _ => {}
                    }
                    for attribute in e.attributes() {
                        attribute.unwrap().unescape_value().unwrap();
                    }
                }
                Event::Text(text) => {
                    text.unescape().unwrap();
                }
                _ => {}
            }
        }
        assert_eq!(suites, files.len());
        assert!(cases >= diagnostics.len().max(1));
        assert_eq!(
            failures,
            diagnostics
                .iter()
                .filter(|d| d.suppressed.is_none())
                .count()
        );
        for (message, diagnostic) in failure_messages.iter().zip(&diagnostics) {
            assert_eq!(message, &sanitize(&diagnostic.message, true));
        }
    }
}

#[test]
fn json_round_trips() {
    let out = render(Format::Json, &diagnostics(), &files(), |ctx| {
        ctx.show_suppressed = true
    });
    let parsed: Vec<JsonDiagnostic> = serde_json::from_str(&out).expect("deserialize");
    assert_eq!(parsed.len(), 5);
    assert_eq!(serde_json::to_string_pretty(&parsed).unwrap() + "\n", out);
    assert_eq!(
        parsed[4].suppressed.as_deref(),
        Some("buffering is harmless here: responses are tiny")
    );
    assert_eq!(parsed[0].related[0].file, "deploy/web app/ingress.yaml");

    let lines = render(Format::JsonLines, &diagnostics(), &files(), |ctx| {
        ctx.show_suppressed = true
    });
    let from_lines: Vec<JsonDiagnostic> = lines
        .lines()
        .map(|line| serde_json::from_str(line).expect("one object per line"))
        .collect();
    assert_eq!(from_lines, parsed);

    // hostile text survives exactly
    let out = render(Format::Json, &nasty_diagnostics(), &nasty_files(), |_| {});
    let parsed: Vec<JsonDiagnostic> = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed[0].message, nasty_diagnostics()[0].message);
}

#[test]
fn json_clean_is_empty_array() {
    assert_eq!(render(Format::Json, &[], &files(), |_| {}), "[]\n");
    assert_eq!(render(Format::JsonLines, &[], &files(), |_| {}), "");
    assert_eq!(render(Format::Gitlab, &[], &files(), |_| {}), "[]\n");
}

#[test]
fn gitlab_fingerprints_are_unique() {
    let one = diagnostics().remove(2);
    let out = render(Format::Gitlab, &[one.clone(), one], &files(), |_| {});
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_ne!(value[0]["fingerprint"], value[1]["fingerprint"]);
    assert_eq!(value[0]["severity"], "major");
}

// ----- positions -----

#[test]
fn empty_spans_and_unicode_columns() {
    let text = "name: café ☕ x\nnext: 1\n";
    let files = vec![SourceFile::new(
        PathBuf::from("/repo/u.yaml"),
        text.to_owned(),
    )];
    let x = text.find(" x").unwrap() as u32 + 1;
    let end_of_line = text.find('\n').unwrap() as u32;
    let diagnostics = vec![
        Diagnostic::new(
            "LM004",
            Level::Note,
            Location::new(FileId(0), Span::new(x, x + 1)),
            "after wide chars",
        ),
        Diagnostic::new(
            "LM004",
            Level::Note,
            Location::new(FileId(0), Span::empty(end_of_line)),
            "at end of line",
        )
        .with_label("insert here"),
    ];
    let json: Vec<JsonDiagnostic> =
        serde_json::from_str(&render(Format::Json, &diagnostics, &files, |_| {})).unwrap();
    assert_eq!(
        (json[0].line, json[0].column, json[0].end_column),
        (1, 14, 15)
    );
    assert_eq!(
        (
            json[1].line,
            json[1].column,
            json[1].end_line,
            json[1].end_column
        ),
        (1, 15, 1, 15)
    );
    let human = render(Format::Human, &diagnostics, &files, |_| {});
    assert!(human.contains("--> u.yaml:1:14"), "{human}");
    assert!(human.contains("--> u.yaml:1:15"), "{human}");
    insta::assert_snapshot!(human);
}

#[test]
fn related_location_in_unknown_file_does_not_panic() {
    let mut diagnostic = diagnostics().remove(0);
    diagnostic.related.push(crate::diagnostic::Label {
        location: Location::new(FileId(99), Span::new(0, 1)),
        message: "somewhere else".into(),
    });
    for format in Format::ALL {
        let out = render(format, std::slice::from_ref(&diagnostic), &files(), |_| {});
        assert!(!out.is_empty());
    }
}

#[test]
fn format_names() {
    use clap::ValueEnum;
    let names: Vec<String> = Format::value_variants()
        .iter()
        .map(|f| f.to_possible_value().unwrap().get_name().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "human",
            "concise",
            "json",
            "json-lines",
            "sarif",
            "github",
            "junit",
            "gitlab"
        ]
    );
    for format in Format::value_variants() {
        assert_eq!(
            format.to_possible_value().unwrap().get_name(),
            format.as_str()
        );
    }
}

#[test]
fn crlf_files_render_without_carriage_returns() {
    let text = "a: 1\r\nname: x\r\nb: 2\r\n";
    let files = vec![SourceFile::new(
        PathBuf::from("/repo/crlf.yaml"),
        text.to_owned(),
    )];
    let start = text.find("name").unwrap();
    let b = text.find("b: 2").unwrap();
    let diagnostics = vec![Diagnostic::new(
        "LM004",
        Level::Note,
        Location::new(FileId(0), Span::from_range(start..start + 7)),
        "crlf",
    )
    .with_related(
        Location::new(FileId(0), Span::from_range(b..b + 1)),
        "next line",
    )
    .with_fix(Fix::new(
        "rename",
        Applicability::Safe,
        vec![Edit::replace(
            FileId(0),
            Span::from_range(start..start + 4),
            "nom",
        )],
    ))];
    let out = render(Format::Human, &diagnostics, &files, |ctx| {
        ctx.show_fixes = true
    });
    assert!(!out.contains('\u{fffd}') && !out.contains('\r'), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn multi_line_spans() {
    let start = NGINX.find("location").unwrap();
    let end = NGINX.find("        }\n    }").unwrap() + "        }\n".len();
    let diagnostic = Diagnostic::new(
        "NGX001",
        Level::Error,
        Location::new(FileId(2), Span::from_range(start..end)),
        "whole block",
    )
    .with_label("this location");
    let out = render(
        Format::Human,
        std::slice::from_ref(&diagnostic),
        &files(),
        |_| {},
    );
    insta::assert_snapshot!(out);
    let json: Vec<JsonDiagnostic> =
        serde_json::from_str(&render(Format::Json, &[diagnostic], &files(), |_| {})).unwrap();
    assert_eq!(
        (
            json[0].line,
            json[0].column,
            json[0].end_line,
            json[0].end_column
        ),
        (3, 9, 7, 1)
    );
}

#[test]
fn format_all_lists_every_cli_format() {
    use clap::ValueEnum;
    assert_eq!(Format::ALL.as_slice(), Format::value_variants());
}
