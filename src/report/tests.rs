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
