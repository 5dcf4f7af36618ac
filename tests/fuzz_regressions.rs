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

/// `--fix` on a symlink (to a file inside the root) renamed the temporary file over the link:
/// the link became a regular file holding the fix and its target kept the problem. Fixed in
/// `fix::write_atomically`: a link is written through to its target and stays a link.
#[cfg(unix)]
#[test]
fn fixes_write_through_symlinks_and_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("real")).unwrap();
    std::fs::create_dir_all(dir.path().join("k8s")).unwrap();
    let target = dir.path().join("real/nginx.conf");
    let link = dir.path().join("k8s/link.conf");
    std::fs::write(
        &target,
        "http {\n  server {\n    listen 80;\n    location /socket.io/ {\n      proxy_pass http://b;\n    }\n  }\n}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../real/nginx.conf", &link).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lint-manifests"))
        .args(["--fix", "--format", "concise", "k8s"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a regular file"
    );
    let fixed = std::fs::read_to_string(&target).unwrap();
    assert!(fixed.contains("proxy_http_version 1.1;"), "{fixed}");
    // No temporary file left behind in either directory.
    for d in ["real", "k8s"] {
        for entry in std::fs::read_dir(dir.path().join(d)).unwrap() {
            let name = entry.unwrap().file_name();
            assert!(
                !name.to_string_lossy().starts_with(".lint-manifests-"),
                "{name:?}"
            );
        }
    }
}
