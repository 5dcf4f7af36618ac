//! Regressions found by fuzzing and by probing the fix pipeline with hostile input. Each test
//! names what broke and the change that fixed it.

use std::path::PathBuf;

use lint_manifests::diagnostic::Applicability;
use lint_manifests::fix::fix_in_memory;
use lint_manifests::lint::LintOptions;

/// `--fix` on a CRLF file inserted lines ending in a bare `\n`, leaving the file with mixed
/// line endings (every fix replacement is written with `\n`). Fixed in `fix::apply`: line
/// breaks in a replacement follow the line the edit is on.
#[test]
fn fixes_keep_crlf_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cm.yaml");
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nginx\ndata:\n  nginx.conf: |\n    http {\n      server {\n        listen 80;\n        location /socket.io/ {\n          proxy_pass http://backend;\n          proxy_buffering on;\n        }\n      }\n    }\n"
        .replace('\n', "\r\n");
    std::fs::write(&path, &text).unwrap();
    let mut o = LintOptions::new(vec![dir.path().to_path_buf()], dir.path().to_path_buf());
    o.threads = 1;
    let outcome = fix_in_memory(&o, &|_| true, Applicability::Unsafe);
    let (_, fixed) = outcome
        .changed
        .get(&PathBuf::from(&path))
        .expect("the fixes apply");
    assert!(fixed.contains("proxy_http_version 1.1;\r\n"), "{fixed:?}");
    assert!(
        !fixed
            .match_indices('\n')
            .any(|(i, _)| fixed.as_bytes()[i - 1] != b'\r'),
        "a bare LF in {fixed:?}"
    );
    assert!(outcome.converged);
}
