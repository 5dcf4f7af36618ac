//! The report API as the CLI sees it: only public items.

use std::path::{Path, PathBuf};

use lint_manifests::diagnostic::{Diagnostic, Level, Location};
use lint_manifests::report::{emit, fingerprint, Format, JsonDiagnostic, ReportContext};
use lint_manifests::source::{FileId, SourceFile, Span};

#[test]
fn every_format_renders_through_the_public_api() {
    let files = vec![SourceFile::new(
        PathBuf::from("k8s/svc.yaml"),
        "kind: Service\nspec:\n  type: ClusterIP\n".to_owned(),
    )];
    let start = files[0].text.find("ClusterIP").unwrap();
    let diagnostic = Diagnostic::new(
        "GKE011",
        Level::Error,
        Location::new(FileId(0), Span::from_range(start..start + 9)),
        "Service `web` is `ClusterIP` without NEG",
    )
    .with_identity("v1/Service/default/web#spec.type");
    let mut ctx = ReportContext::new(&files, Path::new("/work"));
    ctx.color = false;

    let print = fingerprint(&diagnostic, &ctx);
    assert_eq!(print.len(), 32);

    for format in Format::ALL {
        let mut out = Vec::new();
        emit(format, std::slice::from_ref(&diagnostic), &ctx, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("svc.yaml"), "{format}: {text}");
    }

    let mut out = Vec::new();
    emit(
        Format::Json,
        std::slice::from_ref(&diagnostic),
        &ctx,
        &mut out,
    )
    .unwrap();
    let parsed: Vec<JsonDiagnostic> = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (parsed[0].file.as_str(), parsed[0].line, parsed[0].column),
        ("k8s/svc.yaml", 3, 9)
    );
    assert_eq!(parsed[0].fingerprint, print);
}
