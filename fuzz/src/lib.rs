//! Shared helpers for the fuzz targets: run the real pipeline on in-memory content and check
//! the invariants every target relies on (spans inside their files and on character
//! boundaries, every report format renders, the fix loop keeps files parseable and converges).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lint_manifests::diagnostic::{Applicability, Diagnostic, Location};
use lint_manifests::discover::{classify_by_name, FileKind};
use lint_manifests::fix;
use lint_manifests::lint::{lint, LintOptions, LintResult};
use lint_manifests::parse::{nginx, yaml};
use lint_manifests::report::{self, Format, ReportContext};
use lint_manifests::source::{SourceFile, Span};

/// An empty directory used as the linted root (nginx `include`s resolve inside it and find
/// nothing), and a copy of it with two files the fix loop overlays.
fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("lint-manifests-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("empty")).unwrap();
        std::fs::create_dir_all(dir.join("pair")).unwrap();
        std::fs::write(dir.join("pair/app.yaml"), "").unwrap();
        std::fs::write(dir.join("pair/nginx.conf"), "").unwrap();
        dir
    })
}

fn options(paths: Vec<PathBuf>, root: PathBuf) -> LintOptions {
    let mut o = LintOptions::new(paths, root);
    o.threads = 1;
    // A detached thread still freeing the model at the end of an input reads as a leak.
    o.free_model = lint_manifests::lint::FreeModel::Now;
    o
}

/// Lint `text` as stdin shown under `name` (its extension decides the kind).
pub fn lint_one(name: &str, text: &[u8]) -> LintResult {
    let mut o = options(vec![PathBuf::from("-")], root().join("empty"));
    o.stdin = Some((PathBuf::from(name), text.to_vec()));
    let result = lint(&o, &|_| true);
    check_result(&result);
    result
}

fn check_span(files: &[SourceFile], location: Location, what: &str) {
    let file = files
        .get(location.file.0 as usize)
        .unwrap_or_else(|| panic!("{what}: file {:?} out of range", location.file));
    check_span_in(&file.text, location.span, what);
}

fn check_span_in(text: &str, span: Span, what: &str) {
    assert!(
        span.start <= span.end && span.end as usize <= text.len(),
        "{what}: span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize),
        "{what}: span {span:?} not on character boundaries"
    );
}

fn check_diagnostic(files: &[SourceFile], d: &Diagnostic) {
    check_span(files, d.primary, d.rule);
    for r in &d.related {
        check_span(files, r.location, d.rule);
    }
    if let Some(f) = &d.fix {
        for e in &f.edits {
            check_span(files, Location::new(e.file, e.span), d.rule);
        }
    }
}

/// Spans are sound and every report format renders without panicking.
pub fn check_result(result: &LintResult) {
    for d in &result.diagnostics {
        check_diagnostic(&result.files, d);
    }
    let base = root();
    let mut ctx = ReportContext::new(&result.files, base);
    ctx.show_fixes = true;
    ctx.show_suppressed = true;
    for format in Format::ALL {
        let mut out = Vec::new();
        report::emit(format, &result.diagnostics, &ctx, &mut out).unwrap();
        if format == Format::Github {
            // One workflow command per line, and no line that starts another command.
            let text = String::from_utf8(out).unwrap();
            for line in text.lines() {
                assert!(
                    line.starts_with("::"),
                    "github line without a command: {line:?}"
                );
                assert!(
                    !line[2..].contains("\n") && !line.contains('\r'),
                    "raw line break in github output"
                );
            }
        } else if matches!(format, Format::Human | Format::Concise) {
            let text = String::from_utf8(out).unwrap();
            assert!(
                !text.contains('\u{1b}'),
                "{format} output carries a raw escape character"
            );
        }
    }
}

/// Parse-level invariants of the nginx parser: spans inside the text, and `parse` and
/// `parse_partial` agree.
pub fn check_nginx(text: &str) {
    let full = nginx::parse(text);
    let (partial, err) = nginx::parse_partial(text);
    match &full {
        Ok(config) => {
            assert!(err.is_none(), "parse ok but parse_partial failed: {err:?}");
            assert_eq!(config, &partial);
            walk_nginx(text, &config.directives);
            for c in &config.comments {
                check_span_in(text, c.span, "comment");
            }
            for w in &config.warnings {
                check_span_in(text, w.span, "warning");
            }
        }
        Err(e) => {
            check_span_in(text, e.span, "error");
            walk_nginx(text, &partial.directives);
        }
    }
    let _ = nginx::crossplane::config_json("fuzz.conf", text, &full);
}

fn walk_nginx(text: &str, directives: &[nginx::Directive]) {
    for d in directives {
        check_span_in(text, d.span, "directive");
        check_span_in(text, d.name_span, "directive name");
        for a in &d.args {
            check_span_in(text, a.span, "arg");
        }
        if let Some(b) = &d.block {
            check_span_in(text, b.open, "block open");
            check_span_in(text, b.close, "block close");
            if let Some(raw) = b.raw {
                check_span_in(text, raw, "raw block");
            }
            walk_nginx(text, &b.directives);
        }
    }
}

pub fn check_yaml(text: &str) {
    let limits = yaml::YamlLimits::default();
    // The fast path must give saphyr's tree exactly, or step aside.
    if let Some(fast) = yaml::parse_fast(text, &limits) {
        let slow = yaml::parse_with_saphyr(text, &limits)
            .unwrap_or_else(|e| panic!("fast path accepted what saphyr rejects: {e:?}"));
        assert_eq!(fast.comments, slow.comments, "comments differ");
        assert_eq!(fast.documents.len(), slow.documents.len(), "document count");
        for (f, s) in fast.documents.iter().zip(&slow.documents) {
            assert_eq!(f.span, s.span, "document span");
            assert!(
                f.root() == s.root() && f.tree == s.tree,
                "trees differ: {:?} vs {:?}",
                f.root(),
                s.root()
            );
        }
    }
    if let Ok(stream) = yaml::parse(text, &limits) {
        for doc in &stream.documents {
            walk_yaml(text, doc.root());
        }
        for c in &stream.comments {
            check_span_in(text, c.span, "yaml comment");
        }
    }
}

fn walk_yaml(text: &str, node: yaml::Node<'_>) {
    check_span_in(text, node.span, "yaml node");
    for e in node.entries() {
        walk_yaml(text, e.key);
        walk_yaml(text, e.value);
    }
    for item in node.items() {
        walk_yaml(text, item);
    }
}

/// Whether `text` parses as a file named `path` would.
fn parses(path: &Path, text: &str) -> bool {
    match classify_by_name(path) {
        Some(FileKind::Nginx) => nginx::parse(text).is_ok(),
        _ => yaml::parse(text, &yaml::YamlLimits::default()).is_ok(),
    }
}

/// The fix pipeline on a manifest and an nginx config: every fix applied (unsafe ones too),
/// each changed file still parses, the loop converges, and a second run changes nothing.
pub fn check_fix_pipeline(manifest: &str, nginx_conf: &str) {
    let dir = root().join("pair");
    let mut o = options(vec![dir.clone()], dir.clone());
    let yaml_path = dir.join("app.yaml");
    let conf_path = dir.join("nginx.conf");
    let mut overlay = HashMap::new();
    overlay.insert(yaml_path.clone(), manifest.to_string());
    overlay.insert(conf_path.clone(), nginx_conf.to_string());
    o.overlay = overlay;
    let before = lint(&o, &|_| true);
    check_result(&before);
    let outcome = fix::fix_in_memory(&o, &|_| true, Applicability::Unsafe);
    check_result(&outcome.result);
    for (path, (original, fixed)) in &outcome.changed {
        assert!(
            parses(path, fixed) || !parses(path, original),
            "a fix made {} unparseable:\n--- before\n{original}\n--- after\n{fixed}",
            path.display()
        );
        assert!(
            has_bare_lf(original) || !has_bare_lf(fixed),
            "fixes brought LF line endings into CRLF file {}",
            path.display()
        );
    }
    assert!(
        outcome.converged,
        "fix loop did not converge: {:?}",
        outcome.changed
    );
    if outcome.changed.is_empty() {
        return;
    }
    // Re-linting the fixed files offers nothing more to apply.
    for (path, (_, fixed)) in &outcome.changed {
        o.overlay.insert(path.clone(), fixed.clone());
    }
    let again = fix::fix_in_memory(&o, &|_| true, Applicability::Unsafe);
    assert!(
        again.changed.is_empty(),
        "a second fix run still changes files: {:?}",
        again.changed
    );
}

/// A `\n` not preceded by `\r`.
fn has_bare_lf(text: &str) -> bool {
    text.match_indices('\n')
        .any(|(i, _)| i == 0 || text.as_bytes()[i - 1] != b'\r')
}

/// Split fuzz input into two texts at the first NUL byte (manifest, nginx config).
pub fn split_pair(data: &[u8]) -> (String, String) {
    let (a, b) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[..0]),
    };
    (
        String::from_utf8_lossy(a).into_owned(),
        String::from_utf8_lossy(b).into_owned(),
    )
}

/// A ConfigMap carrying `conf` as its `nginx.conf`, in the scalar style `style` selects.
pub fn configmap_with(conf: &str, style: u8) -> String {
    let head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nginx\ndata:\n  nginx.conf: ";
    match style % 4 {
        0 | 1 => {
            let header = if style.is_multiple_of(4) { "|" } else { "|-" };
            let mut s = format!("{head}{header}\n");
            for line in conf.split('\n') {
                s.push_str("    ");
                s.push_str(line);
                s.push('\n');
            }
            s
        }
        2 => {
            let mut s = format!("{head}\"");
            for c in conf.chars() {
                match c {
                    '"' => s.push_str("\\\""),
                    '\\' => s.push_str("\\\\"),
                    '\n' => s.push_str("\\n"),
                    '\t' => s.push_str("\\t"),
                    c if (c as u32) < 0x20 => s.push_str(&format!("\\x{:02x}", c as u32)),
                    c => s.push(c),
                }
            }
            s.push_str("\"\n");
            s
        }
        _ => format!(
            "{head}'{}'\n",
            conf.replace('\'', "''").replace('\n', "\n\n    ")
        ),
    }
}
